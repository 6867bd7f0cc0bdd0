"""What one measured process does; ``run.py`` starts each stage as its own process.

    .venv/bin/python bench/stages.py <stage> '<json arguments>'

The parent measures the whole process (wall time from start to exit, peak RSS and CPU time
from GNU ``time``); the stage itself reports its own in-process timings (imports and
connection excluded) as one JSON line on stdout, prefixed with ``BENCH_RESULT``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULT_PREFIX = "BENCH_RESULT "


class Timers:
    """Seconds spent in some functions, by wrapping them where the caller looks them up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, module: Any, name: str, label: str | None = None) -> None:
        original = getattr(module, name)
        key = label or name

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started

        setattr(module, name, timed)

    def rounded(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.seconds.items()}


def _ingest_timers() -> Timers:
    """Split the ingest of a file into reading, typing, validation (GX) and the rest (COPY, registry)."""
    from ucj.ingest import process, readers

    timers = Timers()  # the names ucj.ingest.process calls (the ingest's steps moved there from load)
    timers.wrap(process, "validate_chunk", "validate_s")
    timers.wrap(process, "canonicalize", "type_s")
    timers.wrap(process, "read_file", "open_s")
    original_chunks = readers.TableRead.chunks

    def chunks(self: Any) -> Any:  # time spent inside the reader's generator
        iterator = original_chunks(self)
        while True:
            started = time.perf_counter()
            try:
                chunk = next(iterator)
            except StopIteration:
                timers.seconds["read_s"] = timers.seconds.get("read_s", 0.0) + time.perf_counter() - started
                return
            timers.seconds["read_s"] = timers.seconds.get("read_s", 0.0) + time.perf_counter() - started
            yield chunk

    readers.TableRead.chunks = chunks
    return timers


def ingest_file(args: dict[str, Any]) -> dict[str, Any]:
    """The pipeline's own path for one file: ``ucj.tasks.ingest_one`` (what the ``ingest_file`` task calls)."""
    from ucj import tasks
    from ucj.ingest import load, validation

    if args.get("chunk_rows"):
        os.environ["UCJ_CHUNK_ROWS"] = str(args["chunk_rows"])  # read by ucj.config.settings() at each file
    timers = _ingest_timers()
    timers.wrap(load, "_copy_block", "copy_format_s")
    if args.get("warm_gx", True):
        validation.checkpoint("participants")  # GX import and context: paid once per worker, shown apart
    started = time.perf_counter()
    outcome = tasks.ingest_one(args["relative_path"], Path(args["landing"]), args["url"], run_id="bench")
    seconds = time.perf_counter() - started
    if outcome["status"] != "loaded":
        raise RuntimeError(f"not loaded: {outcome}")
    copy_s = seconds - sum(
        timers.seconds.get(k, 0.0) for k in ("validate_s", "type_s", "read_s", "open_s", "copy_format_s")
    )
    return {
        "in_process_s": round(seconds, 3),
        "rows_read": outcome["rows_read"],
        "rows_loaded": outcome["rows_loaded"],
        "rows_rejected": outcome["rows_rejected"],
        "file_id": outcome["file_id"],
        **timers.rounded(),
        "copy_and_registry_s": round(copy_s, 3),
        "chunk_rows": int(os.environ.get("UCJ_CHUNK_ROWS", "50000")),
    }


def nightly_ingest(args: dict[str, Any]) -> dict[str, Any]:
    """What the ingest DAG does, in one process: list the landing folder, ingest every file in turn.

    Files loaded before are found unchanged by their hash (read in full) and one registry query.
    """
    from ucj import tasks
    from ucj.ingest import validation

    timers = _ingest_timers()
    validation.checkpoint("participants")
    landing = Path(args["landing"])
    started = time.perf_counter()
    files = tasks.list_files(landing)
    if args.get("shard"):  # the initial load, split between processes (one file goes to one process)
        index, count = args["shard"]
        files = files[index::count]
    outcomes = [tasks.ingest_one(rel, landing, args["url"], run_id=args.get("run_id", "bench")) for rel in files]
    seconds = time.perf_counter() - started
    summary = tasks.summarize(outcomes)
    return {
        "in_process_s": round(seconds, 3),
        "files_listed": len(files),
        "by_status": summary["by_status"],
        "rows_read": summary["rows_read"],
        "rows_loaded": summary["rows_loaded"],
        "rows_rejected": summary["rows_rejected"],
        **timers.rounded(),
    }


def validate_only(args: dict[str, Any]) -> dict[str, Any]:
    """Validation on its own: read → type → GX over the files of a month, no database.

    The loader's own :class:`ucj.ingest.process.FileProcess` up to the verdicts; used to show the
    peak memory and time of validation apart from the load.
    """
    from ucj.ingest import validation
    from ucj.ingest.landing import parse_landed
    from ucj.ingest.process import FileProcess

    validation.checkpoint("participants")
    landing = Path(args["landing"])
    timers = Timers()
    rows = failures = 0
    started = time.perf_counter()
    for rel in args["files"]:
        landed = parse_landed(landing, rel)
        process = FileProcess(
            landed.path, landed.source, landed.kode_wilayah, landed.period, relative_path=landed.relative_path
        )
        t = time.perf_counter()
        for batch in process.batches():  # read, type and validate: the loader's own path
            failures += len(batch.failures)
            rows += len(batch.typed)
        elapsed = time.perf_counter() - t
        timers.seconds["read_type_validate_s"] = timers.seconds.get("read_type_validate_s", 0.0) + elapsed
    seconds = time.perf_counter() - started
    return {
        "in_process_s": round(seconds, 3),
        "files": len(args["files"]),
        "rows": rows,
        "failures": failures,
        **timers.rounded(),
    }


def to_sql(args: dict[str, Any]) -> dict[str, Any]:
    """What most pipelines do: pandas ``read_csv`` then ``DataFrame.to_sql`` (SQLAlchemy + psycopg 3).

    ``method`` None is pandas' default (``executemany`` of one INSERT); the target table has the
    shape of ``raw.participants``. Dates and amounts are parsed by pandas, as such a pipeline would.
    """
    import pandas as pd
    import sqlalchemy as sa

    from ucj.warehouse import PgParams

    p = PgParams.from_url(args["url"])
    url = sa.engine.URL.create("postgresql+psycopg", p.user, p.password or None, None, p.port, p.dbname)
    engine = sa.create_engine(
        url.update_query_dict({"host": p.host}) if p.host.startswith("/") else url.set(host=p.host)
    )
    started = time.perf_counter()
    frame = pd.read_csv(args["csv"], dtype=str, keep_default_na=False, na_values=[""])
    for column in ("tanggal_lahir", "tanggal_kepesertaan", "tanggal_bayar"):
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d").dt.date
    for column in ("upah", "iuran_jkk", "iuran_jkm", "file_id", "source_row"):
        frame[column] = pd.to_numeric(frame[column])
    read_s = time.perf_counter() - started
    schema, table = args["table"].split(".")
    with engine.begin() as conn:
        frame.to_sql(
            table,
            conn,
            schema=schema,
            if_exists="append",
            index=False,
            method=args.get("method"),
            chunksize=args.get("chunksize"),
            dtype={"source_values": sa.dialects.postgresql.JSONB},
        )
    seconds = time.perf_counter() - started
    return {"in_process_s": round(seconds, 3), "read_s": round(read_s, 3), "rows": len(frame)}


def calamine_parse(args: dict[str, Any]) -> dict[str, Any]:
    """The bare parse of a workbook with python-calamine (the fastest reader installed): every cell
    of the first sheet to Python objects, row by row, nothing else."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    book = CalamineWorkbook.from_path(args["xlsx"])
    sheet = book.get_sheet_by_index(0)
    rows = cells = 0
    for row in sheet.iter_rows():
        rows += 1
        cells += len(row)
    seconds = time.perf_counter() - started
    return {"in_process_s": round(seconds, 3), "rows": rows - 1, "cells": cells}


def dbt(args: dict[str, Any]) -> dict[str, Any]:
    """``ucj.transform.run_dbt`` in-process (the project's own entry to dbt), one invocation."""
    from ucj import transform
    from ucj.config import settings

    started = time.perf_counter()
    transform.run_dbt(args["args"])
    seconds = time.perf_counter() - started
    results = json.loads((settings().dbt_target_dir / "run_results.json").read_text(encoding="utf-8"))
    nodes = sorted(results["results"], key=lambda r: -r["execution_time"])
    return {
        "in_process_s": round(seconds, 3),
        "nodes": len(nodes),
        "slowest_nodes": {r["unique_id"].split(".", 1)[1]: round(r["execution_time"], 1) for r in nodes[:12]},
    }


def dag_run(args: dict[str, Any]) -> dict[str, Any]:
    """The real Airflow path: ``ucj.runner.run_pipeline`` (``ucj run``): ``ucj_ingest`` then
    ``ucj_transform`` (Cosmos, one task per dbt node) with ``dag.test()``."""
    from rich.console import Console

    from ucj import airflow_env, runner

    per_dag: dict[str, float] = {}
    original = airflow_env.run_dag

    def run_dag(dag_id: str, conf: dict[str, object] | None = None) -> Any:
        t = time.perf_counter()
        try:
            return original(dag_id, conf)
        finally:
            per_dag[dag_id] = round(time.perf_counter() - t, 3)

    airflow_env.run_dag = run_dag
    started = time.perf_counter()
    result = runner.run_pipeline(Path(args["landing"]), console=Console(stderr=True), keep_server=True)
    seconds = time.perf_counter() - started
    if not result.ok:
        raise RuntimeError(f"pipeline failed: {[(r.dag_id, r.state, r.failed_tasks) for r in result.runs]}")
    return {"in_process_s": round(seconds, 3), "dag_seconds": per_dag}


STAGES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ingest_file": ingest_file,
    "nightly_ingest": nightly_ingest,
    "validate_only": validate_only,
    "to_sql": to_sql,
    "calamine_parse": calamine_parse,
    "dbt": dbt,
    "dag_run": dag_run,
}


def main() -> None:
    stage, raw = sys.argv[1], sys.argv[2]
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    result = STAGES[stage](json.loads(raw))
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
