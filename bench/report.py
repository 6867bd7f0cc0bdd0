"""The Markdown tables of a ``bench/run.py`` result (also: ``python bench/report.py results.json``)."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any


def _n(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _load(run: dict[str, Any]) -> str:
    if "load_before" not in run:
        return "—"
    return f"{run['load_before'][0]:.1f}→{run['load_after'][0]:.1f}"


def _cpu(runs: list[dict[str, Any]]) -> float:
    """Median CPU seconds (user + sys) of the measured client process."""
    return statistics.median(r["cpu_user_s"] + r["cpu_sys_s"] for r in runs)


def _loads(runs: list[dict[str, Any]]) -> str:
    return ", ".join(_load(r) for r in runs)


def when(section: dict[str, Any], doc: dict[str, Any]) -> str:
    meta = section.get("meta") or doc
    return (
        f"Measured {meta.get('started_at', '?')} … {meta.get('finished_at', '?')} UTC, load average "
        f"{meta.get('load_at_start')} at the start, {meta.get('load_at_end')} at the end."
    )


def ingest_table(doc: dict[str, Any]) -> list[str]:
    ing = doc["ingest"]
    p, c, s, x, q = (
        ing["pipeline_csv"],
        ing["psql_copy"],
        ing["pandas_to_sql"],
        ing["pipeline_xlsx"],
        ing["calamine_parse"],
    )
    runs = ing["runs"]
    lines = [
        f"### Ingest: {ing['csv_rows']:,} CSV rows ({ing['csv_bytes'] / 2**20:.0f} MB), "
        f"{ing['rows_loaded']:,} loaded; xlsx {ing['xlsx_rows']:,} rows",
        "",
        when(ing, doc),
        "",
        "| method | wall s (median) | rows/s | vs `\\copy` | in-process rows/s ¹ | client CPU s | peak RSS MB "
        "| load avg (1 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        f"| `psql \\copy` of the loaded rows (clean CSV) | {_n(c['wall_s'])} | {_n(c['rows_per_s'])} | 100 % | — "
        f"| {_n(_cpu(runs['copy']))} | {_n(c['peak_rss_mb'])} | {_loads(runs['copy'])} |",
        f"| **pipeline CSV** (read → type → GX → COPY, `ucj.tasks.ingest_one`) | {_n(p['wall_s'])} "
        f"| {_n(p['rows_per_s'])} | **{_pct(ing['ratio_pipeline_vs_copy'])}** | {_n(p['rows_per_s_in_process'])} "
        f"({_pct(ing['ratio_pipeline_vs_copy_in_process'])}) | {_n(_cpu(runs['csv']))} | {_n(p['peak_rss_mb'])} "
        f"| {_loads(runs['csv'])} |",
        f"| pandas `read_csv` + `to_sql` (default method) | {_n(s['wall_s'])} | {_n(s['rows_per_s'])} "
        f"| {_pct(ing['ratio_to_sql_vs_copy'])} | {_n(s['rows_per_s_in_process'])} | {_n(_cpu(runs['to_sql']))} "
        f"| {_n(s['peak_rss_mb'])} | {_loads(runs['to_sql'])} |",
        f"| python-calamine bare parse (xlsx) | {_n(q['wall_s'])} | {_n(q['rows_per_s'])} | — "
        f"| {_n(q['rows_per_s_in_process'])} | {_n(_cpu(runs['parse']))} | {_n(q['peak_rss_mb'])} "
        f"| {_loads(runs['parse'])} |",
        f"| **pipeline xlsx** | {_n(x['wall_s'])} | {_n(x['rows_per_s'])} | — | {_n(x['rows_per_s_in_process'])} "
        f"| {_n(_cpu(runs['xlsx']))} | {_n(x['peak_rss_mb'])} | {_loads(runs['xlsx'])} |",
        "",
        f"xlsx pipeline vs bare calamine parse: **{_pct(ing['ratio_xlsx_vs_parse'])}** whole process, "
        f"{_pct(ing['ratio_xlsx_vs_parse_in_process'])} in process.",
        "",
        "Where the pipeline's in-process time goes (medians, s):",
        "",
        "| file | open (header) | read | type | validate (GX) | COPY text | COPY wait + registry | total |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, m in (("CSV", p), ("xlsx", x)):
        lines.append(
            f"| {label} | {_n(m.get('open_s'))} | {_n(m.get('read_s'))} | {_n(m.get('type_s'))} "
            f"| {_n(m.get('validate_s'))} | {_n(m.get('copy_format_s'))} | {_n(m.get('copy_and_registry_s'))} "
            f"| {_n(m.get('in_process_s'))} |"
        )
    lines += [
        "",
        "File size growth (pipeline CSV):",
        "",
        "| rows | wall s | rows/s | peak RSS MB |",
        "|---:|---:|---:|---:|",
    ]
    for size, m in ing["file_size_growth"].items():
        lines.append(f"| {int(size):,} | {_n(m['wall_s'])} | {_n(m['rows_per_s'])} | {_n(m['peak_rss_mb'])} |")
    if ing.get("chunk_size"):
        lines += [
            "",
            f"Chunk size ({ing['csv_rows']:,} rows; the default is 50,000 rows per chunk):",
            "",
            "| rows per chunk | wall s | rows/s | vs `\\copy` | in-process rows/s | validate (GX) s | peak RSS MB |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            f"| 50,000 | {_n(p['wall_s'])} | {_n(p['rows_per_s'])} | {_pct(ing['ratio_pipeline_vs_copy'])} "
            f"| {_n(p['rows_per_s_in_process'])} | {_n(p.get('validate_s'))} | {_n(p['peak_rss_mb'])} |",
        ]
        for size, m in ing["chunk_size"].items():
            lines.append(
                f"| {int(size):,} | {_n(m['wall_s'])} | {_n(m['rows_per_s'])} | {_pct(m['ratio_vs_copy'])} "
                f"| {_n(m['rows_per_s_in_process'])} | {_n(m.get('validate_s'))} | {_n(m['peak_rss_mb'])} |"
            )
    return lines


def nightly_rows(label: str, n: dict[str, Any]) -> list[str]:
    fr = n.get("full_refresh") or {}
    runs = n["runs"]
    return [
        f"| {label} | validation only (new files) | {_n(n['validate']['wall_s'])} | {_n(n['validate']['peak_rss_mb'])} "
        f"| {_n(n['validate'].get('rows'))} rows, GX {_n(n['validate'].get('validate_s'))} s "
        f"| {_loads(runs['validate'])} |",
        f"| {label} | ingest (whole landing folder) | {_n(n['ingest']['wall_s'])} | {_n(n['ingest']['peak_rss_mb'])} "
        f"| {n['ingest']['files_listed']:,} files: {n['ingest']['by_status']}; {_n(n['ingest'].get('rows'))} rows; "
        f"GX {_n(n['ingest'].get('validate_s'))} s | {_loads(runs['ingest'])} |",
        f"| {label} | dbt build (incremental) | {_n(n['dbt']['wall_s'])} | {_n(n['dbt']['peak_rss_mb'])} | "
        f"nightly = ingest + dbt = **{_n(n['nightly_s'])} s** | {_loads(runs['dbt'])} |",
        f"| {label} | dbt build --full-refresh | {'> ' if fr.get('timed_out') else ''}{_n(fr.get('wall_s'))} "
        f"| {_n(fr.get('peak_rss_mb'))} "
        f"| incremental dbt / full = **{_pct(n.get('nightly_vs_full_refresh'))}** "
        f"| {_loads(runs['full_refresh'])} |",
    ]


def initial_line(label: str, n: dict[str, Any]) -> str:
    i = n.get("initial_load")
    if not i:
        return f"- {label}: history base reused from an earlier run (initial load not measured again)."
    earlier = " (measured when the base was built, earlier)" if i.get("measured_earlier") else ""
    return (
        f"- {label}{earlier}: initial load of {i['history']} ({i['files']:,} files, {i['rows_loaded']:,} rows "
        f"loaded) with "
        f"{i['workers']} processes: {_n(i['ingest_wall_s'])} s ({_n(i['ingest_rows_per_s'])} rows/s), "
        f"peak RSS {_n(i['ingest_peak_rss_mb'])} MB per process; first `dbt build` {_n(i['dbt_build_s'])} s; "
        f"database {_n(i['db_size_mb'])} MB."
    )


HEADER = ["| run | stage | wall s | peak RSS MB | what | load avg (1 min) |", "|---|---|---:|---:|---|---|"]


def slowest_nodes(n: dict[str, Any]) -> list[str]:
    """The slowest dbt nodes of the nightly build beside their full-rebuild time (run_results.json)."""
    nightly = n["runs"]["dbt"][0].get("slowest_nodes") if n["runs"]["dbt"] else None
    full_runs = n["runs"].get("full_refresh") or [{}]
    full = full_runs[0].get("slowest_nodes") or {}
    if not nightly:
        return []
    rows = ["| node (slowest of the nightly build) | nightly s | full rebuild s |", "|---|---:|---:|"]
    rows += [f"| `{name}` | {secs} | {full.get(name, '—')} |" for name, secs in nightly.items()]
    return [*rows, ""]


def server(machine: dict[str, Any]) -> str:
    """The server the figures were measured on (results before issue 17 name it in ``postgresql``)."""
    s = machine.get("server")
    if s is None:
        return f"PostgreSQL {machine['postgresql']}"
    return f"PostgreSQL {s['version']} ({s['kind']}, {s['address']})"


def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    lines = [
        f"## Results of {doc['started_at'][:10]} on {server(m)}",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_gb']} GB RAM, Python {m['python']}, "
        f"commit {m['commit']}. The load column (1-minute load average before → after each "
        "process) shows how busy the machine was: above ~2 on these 2 CPUs the figure was **measured under "
        "load** (other work was running) and is slower than the machine can do.",
        "",
    ]
    if "ingest" in doc:
        lines += ingest_table(doc) + [""]
    if "nightly" in doc:
        n = doc["nightly"]
        lines += [
            f"### Nightly run: {n['regions']} regions, {n['history_months']} months of history, "
            f"{n['new_month']} arriving ({n['new_files']} new files)",
            "",
            when(n, doc),
            "",
            *HEADER,
            *nightly_rows("province", n),
            "",
            initial_line("province", n),
            "",
            *slowest_nodes(n),
        ]
    if "growth" in doc:
        g = doc["growth"]
        first = next(v for k, v in g.items() if k != "meta")
        lines += [
            f"### Growth: nightly run with 1×, 2×, 4× the history (regions {first['regions']})",
            "",
            when(g, doc),
            "",
            *HEADER,
        ]
        for label, n in g.items():
            if label == "meta":
                continue
            lines += nightly_rows(f"{label} ({n['history_months']} months)", n)
        lines += [""] + [initial_line(label, n) for label, n in g.items() if label != "meta"] + [""]
    if "dag" in doc:
        d = doc["dag"]
        lines += [
            f"### The real DAG path once: `ucj run` (ucj_ingest + ucj_transform with Cosmos, dag.test()), "
            f"regions {d['regions']}, {d['history_months']} months of history + {d.get('new_month', '2026-01')}",
            "",
            when(d, doc),
            "",
            f"{d['files']:,} files in the landing folder: wall **{_n(d['wall_s'])} s**, peak RSS "
            f"{_n(d['peak_rss_mb'])} MB, CPU {_n(d['cpu_user_s'] + d['cpu_sys_s'])} s, load {_load(d)}.",
            "",
        ]
    lines.append("¹ in-process: the stage's own time, without interpreter start, imports and the GX context load.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
