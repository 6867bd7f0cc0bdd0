"""Issue 17 item 3: does a model's run time depend on the server's planner? Build the same data on
the embedded PostgreSQL 16 and on an external server, compare every model's time.

    .venv/bin/python bench/plans.py measure --landing /tmp/plans/landing \\
        --external postgresql://postgres@127.0.0.1:5432/postgres [--ratio 5 --floor 5 --timeout 600]
    .venv/bin/python bench/plans.py compare EMBEDDED_run_results.json EXTERNAL_run_results.json

``measure`` loads the landing folder into a fresh database on each server in turn (the ingest as the
``ingest_file`` task's function for every file, one process; ``--reuse`` keeps that database for the next run),
copies it and on the copy runs ``dbt build`` (full, in-process dbt, its own
process, every statement stopped after ``--timeout`` s: a model stuck on a bad plan fails instead
of running for an hour), keeps both ``run_results.json`` in ``--state`` and compares them. The
check fails (exit 1) when a model, seed or snapshot takes more than ``--ratio`` times its embedded
time on the external server, or fails there and not on the embedded server (a statement timeout).
Times under ``--floor`` s count as ``--floor``: a model of milliseconds does not flap. The ratio
is within one run of this script, not an absolute limit: a slower machine slows both sides.
See bench/README.md ("Plans that hold on any server").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
PYTHON = sys.executable
NODE_TYPES = ("model", "seed", "snapshot")  # tests are checks, not the marts' run time


def node_times(run_results: dict[str, Any]) -> dict[str, tuple[float, str]]:
    """``{node name: (seconds, status)}`` of the models, seeds and snapshots of one dbt run."""
    times = {}
    for r in run_results["results"]:
        kind, _, name = r["unique_id"].split(".", 2)
        if kind in NODE_TYPES:
            times[name.split(".")[-1]] = (float(r["execution_time"]), r["status"])
    return times


def compare(
    embedded: dict[str, Any], external: dict[str, Any], ratio: float = 5.0, floor: float = 5.0
) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows (slowest on the external server first) and the failures: a node more than ``ratio``
    times its embedded time (both at least ``floor`` s), or failing on the external server only."""
    ours, theirs = node_times(embedded), node_times(external)
    rows, failures = [], []
    for name in sorted(set(ours) | set(theirs)):
        e_s, e_status = ours.get(name, (0.0, "absent"))
        x_s, x_status = theirs.get(name, (0.0, "absent"))
        r = max(x_s, floor) / max(e_s, floor)
        rows.append(
            {
                "node": name,
                "embedded_s": round(e_s, 2),
                "external_s": round(x_s, 2),
                "ratio": round(r, 2),
                "embedded_status": e_status,
                "external_status": x_status,
            }
        )
        if x_status != "success" and e_status == "success":
            failures.append(f"{name}: {x_status} on the external server after {x_s:.1f} s ({e_s:.1f} s embedded)")
        elif r > ratio:
            failures.append(
                f"{name}: {x_s:.1f} s on the external server, {r:.1f}x its {e_s:.1f} s embedded (limit {ratio}x)"
            )
    rows.sort(key=lambda row: -row["external_s"])
    return rows, failures


def report(rows: list[dict[str, Any]], failures: list[str], top: int = 12) -> str:
    lines = ["| node | embedded s | external s | ratio (floored) |", "|---|---:|---:|---:|"]
    for row in rows[:top]:
        flag = "" if row["external_status"] == "success" else f" ({row['external_status']})"
        lines.append(f"| `{row['node']}` | {row['embedded_s']} | {row['external_s']}{flag} | {row['ratio']} |")
    lines.append("")
    lines += [f"FAIL {f}" for f in failures] or ["OK: no node above the limit"]
    return "\n".join(lines)


# ---------------------------------------------------------------- child processes


def _child_ingest(args: dict[str, Any]) -> None:
    """What the ingest DAG does, in one process: every file of the landing folder in turn."""
    from ucj import tasks
    from ucj.migrate import migrate
    from ucj.warehouse import PgParams, export_environment

    export_environment(args["url"])
    migrate(PgParams.from_url(args["url"]).conninfo())
    landing = Path(args["landing"])
    outcomes = [tasks.ingest_one(rel, landing, args["url"], run_id="plans") for rel in tasks.list_files(landing)]
    print(json.dumps(tasks.summarize(outcomes), default=str))


def _child_dbt(args: dict[str, Any]) -> None:
    """``dbt build`` as ``ucj dbt build`` runs it (aliases published, in-process dbt), on any project
    folder (``--project-dir``: e.g. a copy of an older commit's ``dbt_project``)."""
    from dbt.cli.main import dbtRunner

    from ucj import transform
    from ucj.warehouse import export_environment

    export_environment(args["url"])
    transform.publish_opd_aliases(args["url"])
    transform.speed_up_in_process_dbt()
    os.environ.pop("DBT_PROJECT_DIR", None)
    project = args["project_dir"]
    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir",
            project,
            "--profiles-dir",
            project,
            "--target",
            transform.TARGET,
            "--target-path",
            args["target"],
        ]
    )
    print(json.dumps({"success": result.success}))


def _run_child(kind: str, args: dict[str, Any], env: dict[str, str], log: Path) -> float:
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.run([PYTHON, __file__, kind, json.dumps(args)], env=env, stdout=out, stderr=subprocess.STDOUT)
    if kind == "_ingest" and proc.returncode != 0:
        raise RuntimeError(f"ingest failed, see {log}")
    return time.perf_counter() - started


# ---------------------------------------------------------------- measure


def measure(opts: argparse.Namespace) -> int:
    import psycopg

    from ucj.warehouse import PgParams, start_embedded, stop_embedded

    state = opts.state.resolve()
    state.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        UCJ_STATE_DIR=str(state),
        UCJ_SETTLE_SECONDS="0",
        GX_ANALYTICS_ENABLED="false",
        UCJ_QUARANTINE_DIR=str(state / "quarantine"),
    )
    os.environ.pop("UCJ_WAREHOUSE_URL", None)
    servers = {"embedded": start_embedded(state / "pgdata"), "external": opts.external}
    results: dict[str, Any] = {}
    try:
        for side, admin_url in servers.items():
            admin = PgParams.from_url(admin_url)
            raw_db = f"{opts.db}_raw"  # the landing folder loaded, no model built: kept for the next run
            env = {**os.environ, "UCJ_DBT_TARGET_DIR": str(state / f"target-{side}")}
            with psycopg.connect(admin.conninfo("postgres"), autocommit=True) as conn:
                loaded = conn.execute("select 1 from pg_database where datname = %s", (raw_db,)).fetchone()
            marker = state / f"{side}-{raw_db}.loaded"  # the ingest finished (the database alone may be half-loaded)
            loaded = loaded and marker.exists()
            ingest_s = None
            if not loaded or not opts.reuse:
                marker.unlink(missing_ok=True)
                _recreate(admin, raw_db)
                raw_url = PgParams(admin.host, admin.port, admin.user, admin.password, raw_db).url()
                args = {"url": raw_url, "landing": str(opts.landing)}
                ingest_s = _run_child(
                    "_ingest", args, {**env, "UCJ_WAREHOUSE_URL": raw_url}, state / f"{side}-ingest.log"
                )
                marker.touch()
            _recreate(admin, opts.db, template=raw_db)
            url = PgParams(admin.host, admin.port, admin.user, admin.password, opts.db).url()
            env["UCJ_WAREHOUSE_URL"] = url
            target = state / f"target-{side}"
            env["PGOPTIONS"] = f"-c statement_timeout={int(opts.timeout * 1000)}"  # the dbt session only
            dbt_s = _run_child(
                "_dbt",
                {"url": url, "project_dir": str(opts.project_dir), "target": str(target)},
                env,
                state / f"{side}-dbt.log",
            )
            kept = state / f"run_results-{side}.json"
            kept.write_text((target / "run_results.json").read_text(encoding="utf-8"), encoding="utf-8")
            with psycopg.connect(PgParams.from_url(url).conninfo(), autocommit=True) as conn:
                version = conn.execute("show server_version").fetchone()[0]
            results[side] = {
                "server_version": version,
                "ingest_s": ingest_s,
                "dbt_build_s": round(dbt_s, 1),
                "run_results": str(kept),
            }
            loaded_in = f"ingest {ingest_s:.0f} s" if ingest_s else f"loaded earlier ({raw_db})"
            print(f"{side}: PostgreSQL {version}, {loaded_in}, dbt build {dbt_s:.0f} s → {kept}", flush=True)
            if not opts.keep:
                _drop(admin, opts.db)
                if not opts.reuse:
                    _drop(admin, raw_db)
    finally:
        stop_embedded()
    return _compare_files(Path(results["embedded"]["run_results"]), Path(results["external"]["run_results"]), opts)


def _drop(admin: Any, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def _recreate(admin: Any, name: str, template: str | None = None) -> None:
    import psycopg
    from psycopg import sql

    _drop(admin, name)
    query = sql.SQL("create database {}").format(sql.Identifier(name))
    if template:
        query += sql.SQL(" template {}").format(sql.Identifier(template))
    with psycopg.connect(admin.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(query)


def _compare_files(embedded: Path, external: Path, opts: argparse.Namespace) -> int:
    rows, failures = compare(
        json.loads(embedded.read_text(encoding="utf-8")),
        json.loads(external.read_text(encoding="utf-8")),
        opts.ratio,
        opts.floor,
    )
    print(report(rows, failures))
    return 1 if failures else 0


def before_after(files: dict[str, Path], top: int = 12) -> str:
    """A Markdown table of the slowest nodes over several runs (``{column title: run_results.json}``)."""
    runs = {title: node_times(json.loads(path.read_text(encoding="utf-8"))) for title, path in files.items()}
    names = sorted(
        {n for t in runs.values() for n in t}, key=lambda n: -max(t.get(n, (0.0, ""))[0] for t in runs.values())
    )
    lines = ["| node | " + " | ".join(runs) + " |", "|---|" + "---:|" * len(runs)]
    for name in names[:top]:
        cells = []
        for t in runs.values():
            s, status = t.get(name, (0.0, "absent"))
            cells.append(f"{s:.1f}" + ("" if status == "success" else f" ({status})"))
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    totals = [f"{sum(s for s, _ in t.values()):.1f}" for t in runs.values()]
    lines.append("| *all models, seeds, snapshots (sum)* | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("_ingest", "_dbt"):
        {"_ingest": _child_ingest, "_dbt": _child_dbt}[argv[0]](json.loads(argv[1]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure", help="build the landing folder on both servers and compare")
    m.add_argument("--landing", type=Path, required=True)
    m.add_argument(
        "--external", required=True, help="URL of the external server (a superuser; its database is ignored)"
    )
    m.add_argument("--state", type=Path, default=PROJECT_ROOT / ".ucj" / "plans")
    m.add_argument("--db", default="ucj_plans_check", help="database created (and dropped) on each server")
    m.add_argument("--project-dir", type=Path, default=PROJECT_ROOT / "dbt_project")
    m.add_argument("--timeout", type=float, default=600.0, help="statement timeout of the dbt session, s")
    m.add_argument("--keep", action="store_true", help="keep the built database (<db>) on both servers")
    m.add_argument(
        "--reuse",
        action="store_true",
        help="keep the loaded database (<db>_raw) and build from it when it exists: no ingest",
    )
    c = sub.add_parser("compare", help="compare two run_results.json (embedded, external)")
    c.add_argument("embedded", type=Path)
    c.add_argument("external", type=Path)
    for p in (m, c):
        p.add_argument("--ratio", type=float, default=5.0, help="limit: external time / embedded time")
        p.add_argument("--floor", type=float, default=5.0, help="seconds: shorter times count as this")
    t = sub.add_parser("table", help="slowest nodes of several runs side by side: TITLE=run_results.json ...")
    t.add_argument("runs", nargs="+")
    t.add_argument("--top", type=int, default=12)
    opts = ap.parse_args(argv)
    if opts.command == "table":
        print(before_after({r.split("=", 1)[0]: Path(r.split("=", 1)[1]) for r in opts.runs}, opts.top))
        return 0
    if opts.command == "compare":
        return _compare_files(opts.embedded, opts.external, opts)
    return measure(opts)


if __name__ == "__main__":
    sys.exit(main())
