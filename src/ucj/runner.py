"""Run the whole pipeline once: warehouse, Airflow metadata, dbt manifest, then every DAG in order."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from ucj import airflow_env, transform
from ucj.config import settings
from ucj.warehouse import export_environment, stop_embedded, warehouse_url

log = logging.getLogger(__name__)


@dataclass
class PipelineResult:
    warehouse_url: str
    runs: list[airflow_env.DagRunResult] = field(default_factory=list)
    keep_server: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.state == "success" and not r.failed_tasks for r in self.runs)

    def close(self) -> None:
        stop_embedded()


def run_pipeline(landing: Path, console: Console | None = None, keep_server: bool = False) -> PipelineResult:
    """Run ``ucj_ingest`` then ``ucj_transform`` with ``dag.test()``; stop at the first failure."""
    console = console or Console()
    landing = landing.resolve()
    owns_server = settings().warehouse.url is None  # the embedded server is ours to stop
    steps_started = time.monotonic()
    with console.status("Starting the warehouse …"):
        url = warehouse_url()
        export_environment(url)
    result = PipelineResult(url, keep_server=keep_server)
    try:
        with console.status("Preparing Airflow (metadata database, pool) …"):
            airflow_env.migrate_metadata()
        with console.status("Parsing the dbt project …"):
            transform.ensure_manifest()
        for dag_id in airflow_env.DAG_ORDER:
            started = time.monotonic()
            conf = {"landing_dir": str(landing)} if dag_id == "ucj_ingest" else {}
            with console.status(f"Running DAG {dag_id} …"):
                run = airflow_env.run_dag(dag_id, conf)
            result.runs.append(run)
            mark = "[green]✓[/]" if run.state == "success" and not run.failed_tasks else "[red]✗[/]"
            console.print(f"{mark} {dag_id}: {run.state} in {time.monotonic() - started:.1f} s")
            if run.failed_tasks:
                console.print(f"  [red]failed tasks:[/] {', '.join(run.failed_tasks)}")
                break
        console.print(f"Pipeline finished in {time.monotonic() - steps_started:.1f} s")
    finally:
        if owns_server and not keep_server:
            stop_embedded()
    return result
