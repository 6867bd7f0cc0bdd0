"""What the DAGs' tasks do: one function per task, plain data in and out, no Airflow needed.

The DAG files in ``dags/`` only wire these together (STYLE.md: a DAG file reads like
configuration).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ucj.config import TIMEZONE, settings
from ucj.ingest.landing import LandedFile, LandingPathError, discover, parse_landed
from ucj.migrate import migrate
from ucj.warehouse import LOADER, PgParams, role_params

log = logging.getLogger(__name__)

WITA = ZoneInfo(TIMEZONE)
REGION = re.compile(r"^\d{2}(\.\d{2})?$")  # as the landing contract
PERIOD = re.compile(r"^(19|20)\d{2}(-(0[1-9]|1[0-2]))?$")
TRANSFORM_DAG_ID = "ucj_transform"


def airflow_warehouse_url() -> str:
    """The warehouse as Airflow's connection ``warehouse`` has it (AIRFLOW_CONN_WAREHOUSE)."""
    from airflow.sdk import BaseHook

    return BaseHook.get_connection("warehouse").get_uri()


def landing_dir_from(conf_value: str | None) -> Path:
    return Path(conf_value).resolve() if conf_value else settings().landing_dir


def prepare_warehouse(url: str) -> list[int]:
    """Apply pending migrations to the warehouse; returns the versions applied now."""
    return migrate(PgParams.from_url(url).conninfo())


def list_files(landing_dir: Path, kode_wilayah: str | None = None, period: str | None = None) -> list[str]:
    """The files under the landing contract, as relative paths (contract breaches are logged).

    ``kode_wilayah`` keeps one region's folders only, ``period`` one period's (``YYYY-MM``: the
    monthly sources of that month; ``YYYY``: the yearly sources of that year). Files of other
    regions or periods are not even opened.
    """
    if kode_wilayah is not None and not REGION.match(kode_wilayah):
        raise ValueError(f"kode_wilayah {kode_wilayah!r} is not a Kemendagri code such as 74.71")
    if period is not None and not PERIOD.match(period):
        raise ValueError(f"period {period!r} is neither YYYY-MM nor YYYY")
    from ucj.ingest.overrides import check_config

    check_config()  # a broken UCJ_CONFIG_DIR fails the run here, naming the file and line
    found: list[str] = []
    for item in discover(landing_dir):
        if isinstance(item, LandingPathError):
            log.warning("not under the landing contract, not loaded: %s", item)
            continue
        if kode_wilayah is not None and item.kode_wilayah != kode_wilayah:
            continue
        if period is not None and item.period != period:
            continue
        found.append(item.relative_path)
    return found


def ingest_one(
    relative_path: str, landing_dir: Path, url: str, run_id: str | None, reprocess: bool = False
) -> dict[str, Any]:
    from ucj.ingest.load import ingest_file

    landed: LandedFile = parse_landed(landing_dir, relative_path)
    if not landed.path.exists():  # quarantined or removed since it was listed
        return {"relative_path": relative_path, "status": "gone"}
    return ingest_file(  # least role: the loader
        landed, role_params(url, LOADER).conninfo(), run_id=run_id, reprocess=reprocess
    ).as_dict()


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


def record_run_start(
    url: str,
    dag_id: str,
    run_id: str,
    run_type: str | None,
    logical_date: Any,
    *,
    liveness: str | None = None,
    dag_run_state: Callable[[str, str], str | None] | None = None,
) -> None:
    """The run's row in ``audit.pipeline_runs``.

    Rows other runs left ``running`` but whose run is dead are closed as failed
    (``ucj.ops.history.close_stale_runs``)."""
    from ucj.ops import history

    history.record_run_start(
        role_params(url, LOADER).conninfo(),
        dag_id=dag_id,
        run_id=run_id,
        run_type=run_type,
        logical_date=logical_date,
        liveness=liveness,
        dag_run_state=dag_run_state,
    )


def runs_in_this_process() -> bool:
    """Whether the task runs inside the process that runs its whole DagRun (``dag.test()``, as
    ``ucj run`` does), rather than as a short process of its own under a scheduler."""
    try:
        from airflow.sdk.execution_time import task_runner
        from airflow.sdk.execution_time.supervisor import InProcessSupervisorComms
    except ImportError:  # pragma: no cover - Airflow is a dependency of the project
        return False
    return isinstance(getattr(task_runner, "SUPERVISOR_COMMS", None), InProcessSupervisorComms)


def record_run_start_from_context(context: Any) -> None:
    """The first task of every DAG: the run's row, with how to tell later that it is alive.

    Under ``dag.test()`` this process holds the run's lease until the run's end; under a
    scheduler, Airflow's DagRun state tells (``RuntimeTaskInstance.get_dagrun_state``), which is
    also how other runs' rows are checked."""
    run, ti = context["dag_run"], context["ti"]
    record_run_start(
        airflow_warehouse_url(),
        run.dag_id,
        run.run_id,
        str(run.run_type),
        run.logical_date,
        liveness="lease" if runs_in_this_process() else "airflow",
        dag_run_state=lambda dag_id, run_id: ti.get_dagrun_state(dag_id=dag_id, run_id=run_id),
    )


def transform_may_build(context: Any) -> bool:
    """The transform's first task: False (the run is skipped, reason logged) when its time-table
    run would start on an unprepared warehouse or a raw layer still being loaded
    (``ucj.transform.scheduled_build_blocked``). Asset-triggered and manual runs always build."""
    from ucj.transform import scheduled_build_blocked

    run, ti = context["dag_run"], context["ti"]
    run_type = str(getattr(run.run_type, "value", run.run_type))
    if run_type != "scheduled":
        return True
    active = ti.get_dr_count(dag_id="ucj_ingest", states=["queued", "running"])
    reason = scheduled_build_blocked(airflow_warehouse_url(), active)
    if reason is None:
        return True
    log.warning("ucj_transform %s skipped: %s", run.run_id, reason)
    return False


def record_run_end(
    url: str, dag_id: str, run_id: str, task_states: dict[str, str | None], summary: dict[str, Any] | None
) -> None:
    """The run's row in ``audit.pipeline_runs``: state, files and rows (ingest) or models and tests (dbt)."""
    from ucj.ops import history

    conninfo = role_params(url, LOADER).conninfo()  # audit rows: the loader's role
    if dag_id == TRANSFORM_DAG_ID:
        history.record_transform_end(conninfo, dag_id=dag_id, run_id=run_id, task_states=task_states)
    else:
        state = history.run_state(task_states, ignore=("record_run",))
        history.record_ingest_end(conninfo, dag_id=dag_id, run_id=run_id, summary=summary, state=state)


def record_run_from_context(context: Any, summary_task_id: str | None) -> None:
    """The last task of every DAG: its task states (and the summary task's XCom) into the history.

    It runs whatever happened before it (``all_done``) and, being the only leaf, decides the
    colour of the run in Airflow: when another task failed, it fails too (after recording,
    without retry), so that a run with a failed dbt node or file task is not shown green.
    """
    from ucj.ops import history

    ti, run_id = context["ti"], context["run_id"]
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[run_id])[run_id]
    summary = ti.xcom_pull(task_ids=summary_task_id) if summary_task_id else None
    record_run_end(airflow_warehouse_url(), ti.dag_id, run_id, states, summary)
    failed = history.failed_tasks(states, ignore=(ti.task_id,))
    if failed:
        from airflow.sdk.exceptions import AirflowFailException

        shown = ", ".join(failed[:10]) + (f" (+{len(failed) - 10} more)" if len(failed) > 10 else "")
        raise AirflowFailException(
            f"{len(failed)} task(s) of this run failed: {shown}; the run is recorded in audit.pipeline_runs"
        )


# --------------------------------------------------------------------------- backfill (ucj_backfill)


@dataclass(frozen=True)
class BackfillScope:
    """What one ``ucj_backfill`` run reprocesses: a period, optionally one region."""

    period: str  # YYYY-MM (monthly sources) or YYYY (yearly sources)
    kode_wilayah: str | None = None
    reprocess: bool = False

    @property
    def from_month(self) -> date:
        """The first month whose marts this period can change (a year: its January)."""
        return date(int(self.period[:4]), int(self.period[5:7]) if len(self.period) == 7 else 1, 1)

    def dbt_vars(self) -> dict[str, str | None]:
        """``--vars`` for dbt: the incremental facts rebuild this region's months from ``from_month``
        on (a roster stays in force for the months after it, a workforce figure for its year), and
        nothing of another region (``incremental_months_filter``)."""
        return {"reprocess_from_month": self.from_month.isoformat(), "reprocess_kode_wilayah": self.kode_wilayah}

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.period, "kode_wilayah": self.kode_wilayah, "reprocess": self.reprocess}


def backfill_scope(params: dict[str, Any], logical_date: datetime | None) -> BackfillScope:
    """The period of a backfill run: ``params['period']`` if given, else the month of the run's
    logical date in WITA (``airflow backfill create`` makes one run per month, logical date = the
    first day of the month)."""
    period = params.get("period")
    if not period:
        if logical_date is None:
            raise ValueError("a run without a logical date needs conf {'period': 'YYYY-MM'}")
        period = logical_date.astimezone(WITA).strftime("%Y-%m")
    region = params.get("kode_wilayah") or None
    if not PERIOD.match(period):
        raise ValueError(f"period {period!r} is neither YYYY-MM nor YYYY")
    if region is not None and not REGION.match(region):
        raise ValueError(f"kode_wilayah {region!r} is not a Kemendagri code such as 74.71")
    return BackfillScope(period, region, bool(params.get("reprocess")))


@contextmanager
def dbt_guard(
    url: str,
    transform_running: Callable[[], bool],
    *,
    poll_seconds: float = 30.0,
    timeout: timedelta = timedelta(hours=2),
) -> Iterator[None]:
    """Hold the warehouse's dbt lock (:func:`ucj.transform.dbt_lock`) while no transform run is running.

    The transform's own ``dbt build`` takes the same lock, so the two never run dbt at the same
    time; the backfill also keeps out of a transform run between its tasks (its per-node retries
    come after the build): it takes the lock, then looks at the transform, and lets go and waits
    while one is running. Waiting longer than ``timeout`` raises ``TimeoutError`` (transient: retried).
    """
    from ucj.transform import dbt_lock

    give_up = time.monotonic() + timeout.total_seconds()
    while True:
        with dbt_lock(url, "ucj_backfill dbt", poll_seconds=poll_seconds, timeout=timeout):
            if not transform_running():
                yield
                return
        if time.monotonic() > give_up:
            raise TimeoutError(f"{TRANSFORM_DAG_ID} still running after {timeout}; backfill dbt not started")
        log.info("%s is running; the backfill's dbt waits %s s", TRANSFORM_DAG_ID, poll_seconds)
        time.sleep(poll_seconds)


def rebuild_marts(url: str, scope: BackfillScope, transform_running: Callable[[], bool]) -> dict[str, Any]:
    """``dbt build`` with the scope's vars, never at the same time as the transform DAG."""
    from ucj import transform

    dbt_vars = scope.dbt_vars()
    started = time.monotonic()
    with dbt_guard(url, transform_running):
        transform.run_dbt(["build", "--vars", json.dumps(dbt_vars)], lock=False)  # held by the guard
    return {"vars": dbt_vars, "seconds": round(time.monotonic() - started, 1)}


# --------------------------------------------------------------------------- watchdog (ucj_watchdog)


def watchdog(url: str, deadline: datetime) -> dict[str, Any]:
    """Check that tonight's ingest and transform succeeded by ``deadline``; alert when not."""
    from ucj.ops import watchdog as wd

    return wd.check_and_alert(role_params(url, LOADER).conninfo(), deadline).as_dict()
