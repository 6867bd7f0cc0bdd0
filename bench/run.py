"""Benchmark the pipeline as its users feel it: ingest vs the practical limit, nightly runs, growth.

    .venv/bin/python bench/run.py --suite ingest|nightly|growth|all [--out bench/results/<date>.json]

Every measured step runs as its own process (``bench/stages.py``); wall time is from start to
exit (imports included, as an Airflow task pays them), peak RSS and CPU time come from
GNU ``time`` (``/usr/bin/time``). The stage reports its in-process time as well. The warehouse is the project's
embedded PostgreSQL 16 in ``--state`` (default ``.ucj/bench``), one database per scenario, or the
server of ``--server URL`` (a superuser); every database is named ``<--db-prefix>_…``.
See ``bench/README.md`` for what each suite measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
os.environ.setdefault("UCJ_SETTLE_SECONDS", "0")  # the bench writes its files just before loading them

from ucj.migrate import migrate  # noqa: E402
from ucj.warehouse import PgParams, export_environment, start_embedded  # noqa: E402

import data  # noqa: E402  (bench/ is not a package)
from stages import RESULT_PREFIX  # noqa: E402

PYTHON = sys.executable
RAW_COLUMNS = (
    "file_id",
    "kode_wilayah",
    "period",
    "source_file",
    "sheet",
    "source_row",
    "kpj",
    "nik",
    "nama",
    "segmen",
    "status_kepesertaan",
    "npp",
    "nama_pemberi_kerja",
    "tanggal_lahir",
    "jenis_kelamin",
    "upah",
    "iuran_jkk",
    "iuran_jkm",
    "tanggal_kepesertaan",
    "tanggal_bayar",
    "source_values",
)
FULL_REFRESH_TIMEOUT = 2400.0  # s: a province full rebuild that takes longer is stopped and reported as "> 2400 s"
GROWTH_REGIONS = ("74.09", "74.10", "74.12")  # 3 of the smallest kabupaten: ~0.6 M participation rows in 24 months


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def db_name(prefix: str, suffix: str) -> str:
    """``<prefix>_<suffix>``: the name of every database the bench creates, copies or drops."""
    name = f"{prefix}_{suffix}"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", prefix) or len(name) > 63:
        raise ValueError(
            f"--db-prefix {prefix!r}: lower-case letters, digits and _, starting with a letter, "
            f"short enough for {name!r} to fit PostgreSQL's 63 characters"
        )
    return name


class Bench:
    """The server (embedded, or ``server``), its databases named ``<prefix>_…``, and the measured processes."""

    def __init__(self, state: Path, seed: int, server: str | None = None, prefix: str = "bench") -> None:
        self.state = state.resolve()
        self.seed = seed
        self.prefix = prefix
        db_name(prefix, "template")  # a bad prefix fails before anything starts
        self.state.mkdir(parents=True, exist_ok=True)
        os.environ["UCJ_STATE_DIR"] = str(self.state)
        os.environ["UCJ_DBT_TARGET_DIR"] = str(self.state / "dbt-target")
        os.environ["UCJ_QUARANTINE_DIR"] = str(self.state / "quarantine")
        os.environ["GX_ANALYTICS_ENABLED"] = "false"
        os.environ.pop("UCJ_WAREHOUSE_URL", None)
        self.kind = "external" if server else "embedded"
        self.server = PgParams.from_url(server or start_embedded(self.state / "pgdata"))
        psql = Path(__import__("pgserver").__file__).parent / "pginstall" / "bin" / "psql"  # talks to PG 15 too
        self.psql = psql if psql.exists() else Path(shutil.which("psql") or "psql")
        self.template = self.db("template")  # migrated; every scenario's database starts as a copy
        if not self.exists(self.template):
            self.create_db(self.template)
        migrate(PgParams.from_url(self.url(self.template)).conninfo())

    def describe(self) -> dict[str, str]:
        """The server the results were measured on: kind, version, address."""
        with self.admin() as conn:
            version, build = conn.execute("select current_setting('server_version'), version()").fetchone()
        version = version.split()[0]  # Debian's builds add "(Debian 15.20-…)": kept in build
        s = self.server
        address = f"unix socket {s.host}" if s.host.startswith("/") else f"{s.host}:{s.port}"
        return {"kind": self.kind, "version": version, "build": build, "address": address}

    # ---- databases
    def db(self, suffix: str) -> str:
        return db_name(self.prefix, suffix)

    def url(self, name: str) -> str:
        s = self.server
        return PgParams(s.host, s.port, s.user, s.password, name).url()

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.server.conninfo("postgres"), autocommit=True)

    def exists(self, name: str) -> bool:
        with self.admin() as conn:
            return conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone() is not None

    def create_db(self, name: str, template: str | None = None) -> str:
        self.drop_db(name)
        with self.admin() as conn:
            query = sql.SQL("create database {}").format(sql.Identifier(name))
            if template:
                query += sql.SQL(" template {}").format(sql.Identifier(template))
            conn.execute(query)
        return self.url(name)

    def drop_db(self, name: str) -> None:
        if not name.startswith(f"{self.prefix}_"):  # never another run's (or anyone's) database
            raise ValueError(f"{name!r} is not a database of this bench (prefix {self.prefix!r})")
        with self.admin() as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))

    def terminate_queries(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
                (name,),
            )

    def db_size_mb(self, name: str) -> float:
        with self.admin() as conn:
            return round(conn.execute("select pg_database_size(%s)", (name,)).fetchone()[0] / 2**20, 1)

    # ---- measured processes
    def measure(
        self, stage: str, args: dict[str, Any], url: str | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        return self.measure_many([(stage, args)], url, timeout)[0]

    def measure_many(
        self, jobs: list[tuple[str, dict[str, Any]]], url: str | None = None, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        """Run stages as parallel processes; each result has the process's wall, peak RSS, CPU."""
        if url:
            export_environment(url)
            for _, args in jobs:
                args.setdefault("url", url)
        commands = []
        for stage, args in jobs:
            if stage == "psql":
                commands.append(
                    [str(self.psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", args["conninfo"], "-c", args["command"]]
                )
            else:
                commands.append([PYTHON, str(BENCH_DIR / "stages.py"), stage, json.dumps(args)])
        load_before = os.getloadavg()
        logs = self.state / "logs"
        logs.mkdir(exist_ok=True)
        procs: dict[int, tuple[int, subprocess.Popen, Path, Path, float]] = {}
        for i, command in enumerate(commands):
            tag = f"{time.strftime('%H%M%S')}-{jobs[i][0]}-{os.getpid()}-{i}"  # unique: runs may overlap
            out_path, err_path = logs / f"{tag}.out", logs / f"{tag}.err"
            time_path = logs / f"{tag}.time"
            # GNU time starts the stage from a small process: a child forked from this one and
            # then exec'd would report this process's RSS as its own peak (Linux keeps ru_maxrss
            # across exec)
            command = ["/usr/bin/time", "-f", "%M %U %S", "-o", str(time_path), *command]
            with out_path.open("w") as out, err_path.open("w") as err:
                started = time.perf_counter()
                proc = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)
            procs[proc.pid] = (i, proc, out_path, err_path, started)
        measured: list[dict[str, Any]] = [{} for _ in commands]
        deadline = time.perf_counter() + timeout if timeout else None
        timed_out = False
        while procs:
            pid, status, _ = os.wait4(-1, os.WNOHANG)  # whichever child ends first
            if pid == 0:
                if deadline and time.perf_counter() > deadline and not timed_out:
                    timed_out = True  # stop the stage (its process group) and its queries
                    for _, proc, *_ in procs.values():
                        os.killpg(proc.pid, 15)
                    if url:
                        self.terminate_queries(PgParams.from_url(url).dbname)
                time.sleep(0.2)
                continue
            if pid not in procs:
                continue
            i, proc, out_path, err_path, started = procs.pop(pid)
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
            if timed_out:
                measured[i] = {"stage": jobs[i][0], "timed_out": True, "wall_s": round(wall, 3)}
                measured[i] |= {"load_before": [round(x, 2) for x in load_before], "peak_rss_mb": None}
                measured[i]["load_after"] = [round(x, 2) for x in os.getloadavg()]
                continue
            if proc.returncode != 0:
                tail = err_path.read_text(errors="replace")[-4000:]
                raise RuntimeError(f"stage {jobs[i][0]} failed ({proc.returncode}), see {err_path}:\n{tail}")
            reported: dict[str, Any] = {}
            for line in out_path.read_text(errors="replace").splitlines():
                if line.startswith(RESULT_PREFIX):
                    reported = json.loads(line[len(RESULT_PREFIX) :])
            max_kb, user_s, sys_s = err_path.with_suffix(".time").read_text().split()[-3:]
            measured[i] = {
                "stage": jobs[i][0],
                **reported,
                "wall_s": round(wall, 3),
                "peak_rss_mb": round(int(max_kb) / 1024, 1),
                "cpu_user_s": round(float(user_s), 2),
                "cpu_sys_s": round(float(sys_s), 2),
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
            }
        return measured


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def summary(runs: list[dict[str, Any]], rows_key: str = "rows_loaded") -> dict[str, Any]:
    """Medians of a stage's runs: whole-process rows/s, in-process rows/s, wall, peak RSS."""
    walls = [r["wall_s"] for r in runs]
    out: dict[str, Any] = {
        "runs": len(runs),
        "wall_s": median(walls),
        "wall_s_all": walls,
        "peak_rss_mb": median([r["peak_rss_mb"] for r in runs]),
        "cpu_s": median([r["cpu_user_s"] + r["cpu_sys_s"] for r in runs]),  # the client process only
    }
    rows = runs[0].get(rows_key)
    if rows:
        out["rows"] = rows
        out["rows_per_s"] = round(rows / out["wall_s"])
        if "in_process_s" in runs[0]:
            out["in_process_s"] = median([r["in_process_s"] for r in runs])
            out["rows_per_s_in_process"] = round(rows / out["in_process_s"])
    for key in ("read_s", "open_s", "type_s", "validate_s", "copy_format_s", "copy_and_registry_s"):
        if key in runs[0]:
            out[key] = median([r.get(key, 0.0) for r in runs])
    return out


# ---------------------------------------------------------------- data


def generated(bench: Bench, regions: tuple[str, ...] | None) -> Path:
    """Generated landing files of the bench plan (cached in the state folder)."""
    tag = "province" if regions is None else "-".join(r.replace(".", "") for r in regions)
    out = bench.state / "generated" / f"{tag}-seed{bench.seed}"
    if not (out / "manifest.json").exists():
        log(f"generating {tag} (seed {bench.seed}) into {out}")
        started = time.perf_counter()
        data.generate(out, bench.seed, regions)
        log(f"generated in {time.perf_counter() - started:.1f} s")
    return out


# ---------------------------------------------------------------- ingest suite


def suite_ingest(
    bench: Bench, rows: int, xlsx_rows: int, repeat: int, chunk_sizes: tuple[int, ...] = ()
) -> dict[str, Any]:
    """CSV ingest at ¼, ½ and 1× ``rows`` vs ``psql \\copy`` and ``to_sql``; xlsx vs bare calamine.

    The three methods take turns (pipeline, ``\\copy``, ``to_sql``, pipeline, …) so that a change
    of the machine's load during the suite touches them alike.
    """
    source = generated(bench, None)
    folder = data.reset_dir(bench.state / "ingest")
    sizes = [rows // 4, rows // 2, rows]
    files: dict[int, tuple[Path, str]] = {}
    for n in sizes:
        rel = f"participants/74.71/2025-06/KEPESERTAAN_BENCH_{n}.csv"
        data.big_participants_csv(source, n, folder / f"landing-{n}" / rel)
        files[n] = (folder / f"landing-{n}", rel)
    big_csv = files[rows][0] / files[rows][1]

    def pipeline(n: int, i: int, keep: bool = False, chunk_rows: int | None = None) -> dict[str, Any]:
        name = bench.db("ingest_keep" if keep else "ingest")
        url = bench.create_db(name, template=bench.template)
        log(f"pipeline csv {n:,} rows, run {i + 1}/{repeat}" + (f", chunks of {chunk_rows:,}" if chunk_rows else ""))
        landing, rel = files[n]
        args = {"landing": str(landing), "relative_path": rel, "chunk_rows": chunk_rows}
        run = bench.measure("ingest_file", args, url)
        if not keep:
            bench.drop_db(name)
        return run

    csv_runs: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
    csv_runs[rows].append(pipeline(rows, 0, keep=True))

    # the same rows, clean, as the pipeline loaded them
    keep_url = bench.url(bench.db("ingest_keep"))
    conninfo = PgParams.from_url(keep_url).conninfo()
    clean_csv = folder / "clean.csv"
    cols = ", ".join(RAW_COLUMNS)
    with psycopg.connect(conninfo) as conn, clean_csv.open("wb") as handle:
        query = f"copy (select {cols} from raw.participants) to stdout with (format csv, header)"
        with conn.cursor().copy(query) as cp:
            for block in cp:
                handle.write(block)
        loaded = conn.execute("select count(*) from raw.participants").fetchone()[0]

    def fresh_table(name: str) -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("create schema if not exists bench")
            conn.execute(f"drop table if exists bench.{name}")
            conn.execute(f"create table bench.{name} (like raw.participants including all)")

    def check_count(name: str) -> None:
        with psycopg.connect(conninfo) as conn:
            count = conn.execute(f"select count(*) from bench.{name}").fetchone()[0]
        if count != loaded:
            raise AssertionError(f"bench.{name} holds {count} rows, expected {loaded}")

    copy_runs, to_sql_runs = [], []
    for i in range(repeat):
        if i:
            csv_runs[rows].append(pipeline(rows, i))
        fresh_table("participants_copy")
        log(f"psql \\copy {loaded:,} rows, run {i + 1}/{repeat}")
        command = f"\\copy bench.participants_copy ({cols}) from '{clean_csv}' with (format csv, header)"
        run = bench.measure("psql", {"conninfo": conninfo, "command": command})
        check_count("participants_copy")
        copy_runs.append({**run, "rows_loaded": loaded})
        fresh_table("participants_to_sql")
        log(f"pandas to_sql {loaded:,} rows, run {i + 1}/{repeat}")
        run = bench.measure("to_sql", {"csv": str(clean_csv), "table": "bench.participants_to_sql"}, keep_url)
        check_count("participants_to_sql")
        to_sql_runs.append({**run, "rows_loaded": run["rows"]})
    bench.drop_db(bench.db("ingest_keep"))
    for n in sizes[:-1]:
        for i in range(repeat):
            csv_runs[n].append(pipeline(n, i))
    # the chunk size trades memory for GX's fixed cost per checkpoint run (~0.4 s)
    chunk_runs = {size: [pipeline(rows, i, chunk_rows=size) for i in range(repeat)] for size in chunk_sizes}

    # xlsx: the pipeline vs the bare parse of the same workbook
    landing = folder / "landing-xlsx"
    rel = f"participants/74.71/2025-06/KEPESERTAAN_BENCH_{xlsx_rows}.xlsx"
    data.csv_to_xlsx(big_csv, landing / rel, xlsx_rows)
    xlsx_runs, parse_runs = [], []
    for i in range(repeat):
        url = bench.create_db(bench.db("ingest"), template=bench.template)
        log(f"ingest xlsx {xlsx_rows} rows, run {i + 1}/{repeat}")
        xlsx_runs.append(bench.measure("ingest_file", {"landing": str(landing), "relative_path": rel}, url))
        bench.drop_db(bench.db("ingest"))
        parse_runs.append(bench.measure("calamine_parse", {"xlsx": str(landing / rel)}))

    pipe = summary(csv_runs[rows])
    copy = summary(copy_runs)
    pandas = summary(to_sql_runs)
    xlsx = summary(xlsx_runs)
    parse = summary(parse_runs, rows_key="rows")
    return {
        "csv_rows": rows,
        "csv_bytes": big_csv.stat().st_size,
        "rows_loaded": loaded,
        "pipeline_csv": pipe,
        "psql_copy": copy,
        "pandas_to_sql": {**pandas, "method": "None (pandas default: executemany)", "driver": "SQLAlchemy + psycopg 3"},
        "ratio_pipeline_vs_copy": round(pipe["rows_per_s"] / copy["rows_per_s"], 4),
        "ratio_pipeline_vs_copy_in_process": round(pipe["rows_per_s_in_process"] / copy["rows_per_s"], 4),
        "ratio_to_sql_vs_copy": round(pandas["rows_per_s"] / copy["rows_per_s"], 4),
        "ratio_pipeline_vs_to_sql": round(pipe["rows_per_s"] / pandas["rows_per_s"], 2),
        "xlsx_rows": xlsx_rows,
        "pipeline_xlsx": xlsx,
        "calamine_parse": parse,
        "ratio_xlsx_vs_parse": round(xlsx["rows_per_s"] / parse["rows_per_s"], 4),
        "ratio_xlsx_vs_parse_in_process": round(xlsx["rows_per_s_in_process"] / parse["rows_per_s_in_process"], 4),
        "file_size_growth": {str(n): {**summary(csv_runs[n]), "runs_detail": csv_runs[n]} for n in sizes},
        "chunk_size": {
            str(size): {**summary(runs), "ratio_vs_copy": round(summary(runs)["rows_per_s"] / copy["rows_per_s"], 4)}
            for size, runs in chunk_runs.items()
        },
        "runs": {
            "csv": csv_runs[rows],
            "copy": copy_runs,
            "to_sql": to_sql_runs,
            "xlsx": xlsx_runs,
            "parse": parse_runs,
        },
    }


# ---------------------------------------------------------------- nightly runs


def history_base(
    bench: Bench, regions: tuple[str, ...] | None, months: int, workers: int
) -> tuple[str, Path, Path, dict[str, Any] | None]:
    """A database holding ``months`` months of history before the new month, loaded and built once.

    Cached: the database ``<prefix>_hist_<key>`` is reused by later runs (its initial load figures
    are then not measured again). The landing folder of the base is kept with it: files the
    initial load quarantined are no longer in it, as in a real landing folder. Returns
    (database name, generated folder, base landing folder, initial-load figures).
    """
    source = generated(bench, regions)
    key = hashlib.sha1(json.dumps([regions, months, bench.seed]).encode()).hexdigest()[:10]
    name = bench.db(f"hist_{key}")
    first = data.months_back(data.NEW_MONTH, months)
    last = data.months_back(data.NEW_MONTH, 1)
    landing = bench.state / "landing" / f"hist-{key}"
    marker = bench.state / f"{name}.json"
    if bench.exists(name) and marker.exists() and landing.is_dir():
        figures = json.loads(marker.read_text(encoding="utf-8"))
        if figures.get("dbt_fingerprint") != dbt_fingerprint():
            # the models changed since the base was built: build them again (the raw history stays)
            log(f"history base {name}: the dbt project changed, rebuilding its models (--full-refresh)")
            url = bench.url(name)
            build = bench.measure("dbt", {"args": ["build", "--full-refresh"]}, url)
            figures |= {
                "dbt_build_s": build["wall_s"],
                "dbt_peak_rss_mb": build["peak_rss_mb"],
                "dbt_rebuilt_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "dbt_fingerprint": dbt_fingerprint(),
                "db_size_mb": bench.db_size_mb(name),
            }
            marker.write_text(json.dumps(figures, indent=1), encoding="utf-8")
        log(f"history base {name} reused ({first} … {last})")
        return name, source, landing, {**figures, "measured_earlier": True}
    log(f"building history base {name}: {first} … {last}, {workers} worker(s)")
    data.reset_dir(landing)
    files = data.landing_view(source, landing, first, last)
    url = bench.create_db(name, template=bench.template)
    jobs = [("nightly_ingest", {"landing": str(landing), "shard": [i, workers]}) for i in range(workers)]
    loads = bench.measure_many(jobs, url)
    build = bench.measure("dbt", {"args": ["build"]}, url)
    figures = {
        "history": f"{first} … {last}",
        "files": files,
        "rows_loaded": sum(r["rows_loaded"] for r in loads),
        "workers": workers,
        "ingest_wall_s": max(r["wall_s"] for r in loads),
        "ingest_peak_rss_mb": max(r["peak_rss_mb"] for r in loads),
        "ingest_by_status": [r["by_status"] for r in loads],
        "dbt_build_s": build["wall_s"],
        "dbt_peak_rss_mb": build["peak_rss_mb"],
        "db_size_mb": bench.db_size_mb(name),
        "dbt_fingerprint": dbt_fingerprint(),
        "runs": loads + [build],
    }
    figures["ingest_rows_per_s"] = round(figures["rows_loaded"] / figures["ingest_wall_s"])
    marker.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return name, source, landing, figures


def dbt_fingerprint() -> str:
    """A hash of the dbt project's models, macros, seeds, snapshots and settings: a cached base
    built with other models is built again before it is measured."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent / "dbt_project"
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and rel.parts[0] not in ("target", "logs", "dbt_packages") and path.suffix != ".pyc":
            digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def keep_run_results(bench: Bench, tag: str, top: int = 40) -> dict[str, Any]:
    """Keep the last dbt invocation's run_results.json as ``<state>/run-results/<tag>.json``; return
    its slowest nodes (name: seconds) and where it is."""
    source = bench.state / "dbt-target" / "run_results.json"
    if not source.exists():
        return {}
    kept = bench.state / "run-results" / f"{tag}.json"
    kept.parent.mkdir(exist_ok=True)
    kept.write_bytes(source.read_bytes())
    results = json.loads(source.read_text(encoding="utf-8"))["results"]
    timed = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)[:top]
    return {
        "run_results": str(kept),
        "slowest_nodes": {r["unique_id"].split(".", 2)[-1]: round(r["execution_time"], 1) for r in timed},
    }


def new_files(landing: Path) -> list[str]:
    """The files of the new month (and of its year) in a landing view."""
    year = data.NEW_MONTH[:4]
    return sorted(
        p.relative_to(landing).as_posix()
        for p in landing.glob("*/*/*/*")
        if p.is_file() and p.parts[-2] in (data.NEW_MONTH, year)
    )


def nightly(
    bench: Bench,
    regions: tuple[str, ...] | None,
    months: int,
    repeat: int,
    workers: int,
    prepare: bool = False,
    full_refresh_timeout: float | None = None,
) -> dict[str, Any]:
    """History base → one new month arrives: validation, ingest, dbt (incremental), then a full rebuild."""
    base, source, base_landing, initial = history_base(bench, regions, months, workers)
    if prepare:
        return {"initial_load": initial}
    runs: dict[str, list[dict[str, Any]]] = {"validate": [], "ingest": [], "dbt": [], "full_refresh": []}
    for i in range(repeat):
        landing = data.reset_dir(bench.state / "landing" / f"{base}-night")
        data.landing_view(base_landing, landing, None, data.NEW_MONTH)  # the history as it stands
        data.landing_view(source, landing, data.NEW_MONTH, data.NEW_MONTH)  # what arrives tonight
        arriving = new_files(landing)
        night = f"{base}_night"  # one database per base: suites may run side by side
        url = bench.create_db(night, template=base)
        log(f"nightly {base} run {i + 1}/{repeat}: {len(arriving)} new files")
        runs["validate"].append(bench.measure("validate_only", {"landing": str(landing), "files": arriving}))
        runs["ingest"].append(bench.measure("nightly_ingest", {"landing": str(landing)}, url))
        runs["dbt"].append(bench.measure("dbt", {"args": ["build"]}, url))
        runs["dbt"][-1] |= keep_run_results(bench, f"{night}-{i}-nightly")
        if i == 0 or repeat <= 3:
            full = bench.measure("dbt", {"args": ["build", "--full-refresh"]}, url, timeout=full_refresh_timeout)
            runs["full_refresh"].append(full | keep_run_results(bench, f"{night}-{i}-full-refresh"))
        bench.drop_db(night)
    result: dict[str, Any] = {
        "regions": "all 17" if regions is None else list(regions),
        "history_months": months,
        "new_month": data.NEW_MONTH,
        "new_files": len(arriving),
        "initial_load": initial,
        "validate": summary(runs["validate"], rows_key="rows"),
        "ingest": summary(runs["ingest"]),
        "dbt": summary(runs["dbt"]),
        "runs": runs,
    }
    result["ingest"]["by_status"] = runs["ingest"][0]["by_status"]
    result["ingest"]["files_listed"] = runs["ingest"][0]["files_listed"]
    result["nightly_s"] = round(result["ingest"]["wall_s"] + result["dbt"]["wall_s"], 1)
    if runs["full_refresh"] and any(r.get("timed_out") for r in runs["full_refresh"]):
        wall = min(r["wall_s"] for r in runs["full_refresh"])
        result["full_refresh"] = {"timed_out": True, "wall_s": wall, "peak_rss_mb": None}
        result["nightly_vs_full_refresh"] = round(result["dbt"]["wall_s"] / wall, 3)  # at most this
    elif runs["full_refresh"]:
        result["full_refresh"] = summary(runs["full_refresh"])
        result["nightly_vs_full_refresh"] = round(result["dbt"]["wall_s"] / result["full_refresh"]["wall_s"], 3)
    return result


def suite_nightly(
    bench: Bench, repeat: int, workers: int, regions: tuple[str, ...] | None, prepare: bool = False
) -> dict[str, Any]:
    return nightly(bench, regions, 24, repeat, workers, prepare, FULL_REFRESH_TIMEOUT)


def suite_growth(
    bench: Bench, repeat: int, workers: int, regions: tuple[str, ...], prepare: bool = False
) -> dict[str, Any]:
    return {f"{m // 6}x": nightly(bench, regions, m, repeat, workers, prepare) for m in (6, 12, 24)}


def suite_dag(bench: Bench, workers: int, regions: tuple[str, ...]) -> dict[str, Any]:
    """The same nightly as growth 1× once more, through the real DAGs (``ucj run``: dag.test())."""
    base, source, base_landing, _ = history_base(bench, regions, 6, workers)
    landing = data.reset_dir(bench.state / "landing" / "dag")
    data.landing_view(base_landing, landing, None, data.NEW_MONTH)
    data.landing_view(source, landing, data.NEW_MONTH, data.NEW_MONTH)
    url = bench.create_db(bench.db("dag"), template=base)
    log(f"ucj run (ucj_ingest + ucj_transform) over {base} + {data.NEW_MONTH}")
    run = bench.measure("dag_run", {"landing": str(landing)}, url)
    bench.drop_db(bench.db("dag"))
    return {"regions": list(regions), "history_months": 6, "files": sum(1 for _ in landing.rglob("*.*")), **run}


# ---------------------------------------------------------------- report


def machine(bench: Bench) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH_DIR)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gb": round(int(mem) / 2**20, 1),
        "python": platform.python_version(),
        "server": bench.describe(),
        "commit": commit.stdout.strip(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--suite",
        choices=("ingest", "nightly", "growth", "dag", "all"),
        default="all",
        help="all = ingest, nightly, growth (dag, the real Airflow path, only when asked)",
    )
    ap.add_argument("--out", type=Path, default=None, help="JSON results (default bench/results/<date>.json)")
    ap.add_argument("--state", type=Path, default=Path(".ucj/bench"), help="server, data, cached history bases")
    ap.add_argument(
        "--server", default=None, help="a superuser URL of an external PostgreSQL to use instead of the embedded one"
    )
    ap.add_argument("--db-prefix", default="bench", help="database names: <prefix>_template, <prefix>_hist_<key>, …")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs per ingest measurement (median)")
    ap.add_argument("--nightly-repeat", type=int, default=1, help="runs per nightly measurement (median)")
    ap.add_argument("--csv-rows", type=int, default=1_000_000, help="rows of the largest CSV (also ½ and ¼)")
    ap.add_argument("--xlsx-rows", type=int, default=200_000)
    ap.add_argument(
        "--chunk-rows",
        default="200000",
        help="ingest suite: other chunk sizes to run the largest CSV with (comma-separated; default chunks are 50,000)",
    )
    ap.add_argument("--workers", type=int, default=2, help="processes for the one-off history load")
    ap.add_argument("--regions", default=None, help="nightly suite: comma-separated region codes (default all 17)")
    ap.add_argument("--growth-regions", default=",".join(GROWTH_REGIONS))
    ap.add_argument(
        "--prepare", action="store_true", help="only build the cached history bases (nightly, growth); no results"
    )
    args = ap.parse_args(argv)

    started = dt.datetime.now(dt.UTC)
    out = args.out or BENCH_DIR / "results" / f"{started:%Y-%m-%d}.json"
    bench = Bench(args.state, args.seed, args.server, args.db_prefix)
    doc: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(bench),
        "load_at_start": [round(x, 2) for x in os.getloadavg()],
        "args": {k: str(v) for k, v in vars(args).items() if k != "server"},  # its address: machine.server
    }
    suites = ("ingest", "nightly", "growth") if args.suite == "all" else (args.suite,)
    for suite in suites:
        t = time.perf_counter()
        meta = {
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "load_at_start": [round(x, 2) for x in os.getloadavg()],
            "args": doc["args"],
        }
        if suite == "ingest" and args.prepare:
            continue
        if suite == "dag":
            result = suite_dag(bench, args.workers, tuple(args.growth_regions.split(",")))
        elif suite == "ingest":
            chunks = tuple(int(c) for c in args.chunk_rows.split(",") if c)
            result = suite_ingest(bench, args.csv_rows, args.xlsx_rows, args.repeat, chunks)
        elif suite == "nightly":
            regions = tuple(args.regions.split(",")) if args.regions else None
            result = suite_nightly(bench, args.nightly_repeat, args.workers, regions, args.prepare)
        else:
            growth_regions = tuple(args.growth_regions.split(","))
            result = suite_growth(bench, args.nightly_repeat, args.workers, growth_regions, args.prepare)
        if args.prepare:
            log(f"suite {suite} prepared in {time.perf_counter() - t:.1f} s: {result}")
            continue
        meta |= {
            "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "load_at_end": [round(x, 2) for x in os.getloadavg()],
            "seconds": round(time.perf_counter() - t, 1),
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():  # keep the other suites of the day (read now: another run may have written since)
            doc = {**json.loads(out.read_text(encoding="utf-8")), **doc}
        doc[suite] = {**result, "meta": meta}
        out.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        log(f"suite {suite} done in {meta['seconds']} s → {out}")
    if args.prepare:
        return 0
    import report

    md = report.markdown(doc)
    out.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
