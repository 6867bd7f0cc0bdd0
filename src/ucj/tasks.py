"""What the DAGs' tasks do: one function per task, plain data in and out, no Airflow needed.

The DAG files in ``dags/`` only wire these together (STYLE.md: a DAG file reads like
configuration).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ucj.config import settings
from ucj.ingest.landing import LandedFile, LandingPathError, discover, parse_landed
from ucj.migrate import migrate
from ucj.warehouse import LOADER, PgParams, role_params

log = logging.getLogger(__name__)


def airflow_warehouse_url() -> str:
    """The warehouse as Airflow's connection ``warehouse`` has it (AIRFLOW_CONN_WAREHOUSE)."""
    from airflow.sdk import BaseHook

    return BaseHook.get_connection("warehouse").get_uri()


def landing_dir_from(conf_value: str | None) -> Path:
    return Path(conf_value).resolve() if conf_value else settings().landing_dir


def prepare_warehouse(url: str) -> list[int]:
    """Apply pending migrations to the warehouse; returns the versions applied now."""
    return migrate(PgParams.from_url(url).conninfo())


def list_files(landing_dir: Path) -> list[str]:
    """The files under the landing contract, as relative paths (contract breaches are logged)."""
    found: list[str] = []
    for item in discover(landing_dir):
        if isinstance(item, LandingPathError):
            log.warning("not under the landing contract, not loaded: %s", item)
            continue
        found.append(item.relative_path)
    return found


def ingest_one(relative_path: str, landing_dir: Path, url: str, run_id: str | None) -> dict[str, Any]:
    from ucj.ingest.load import ingest_file

    landed: LandedFile = parse_landed(landing_dir, relative_path)
    if not landed.path.exists():  # quarantined or removed since it was listed
        return {"relative_path": relative_path, "status": "gone"}
    return ingest_file(landed, role_params(url, LOADER).conninfo(), run_id=run_id).as_dict()  # least role


def summarize(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per status; the rows invariant (read = loaded + rejected) checked for every file."""
    totals: dict[str, Any] = {
        "files": len(outcomes),
        "by_status": {},
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_rejected": 0,
    }
    for outcome in outcomes:
        status = outcome["status"]
        totals["by_status"][status] = totals["by_status"].get(status, 0) + 1
        for key in ("rows_read", "rows_loaded", "rows_rejected"):
            totals[key] += outcome.get(key, 0)
        if outcome.get("rows_read", 0) != outcome.get("rows_loaded", 0) + outcome.get("rows_rejected", 0):
            raise AssertionError(f"rows do not add up for {outcome['relative_path']}: {outcome}")
    totals["changed"] = any(o["status"] == "loaded" for o in outcomes)
    return totals


def record_run_start(url: str, dag_id: str, run_id: str, run_type: str | None, logical_date: Any) -> None:
    from ucj.ops import history

    history.record_run_start(
        role_params(url, LOADER).conninfo(), dag_id=dag_id, run_id=run_id, run_type=run_type, logical_date=logical_date
    )


def record_run_end(
    url: str, dag_id: str, run_id: str, task_states: dict[str, str | None], summary: dict[str, Any] | None
) -> None:
    """The run's row in ``audit.pipeline_runs``: state, files and rows (ingest) or models and tests (dbt)."""
    from ucj.ops import history

    conninfo = role_params(url, LOADER).conninfo()  # audit rows: the loader's role
    if dag_id == "ucj_transform":
        history.record_transform_end(conninfo, dag_id=dag_id, run_id=run_id, task_states=task_states)
    else:
        state = history.run_state(task_states, ignore=("record_run",))
        history.record_ingest_end(conninfo, dag_id=dag_id, run_id=run_id, summary=summary, state=state)
