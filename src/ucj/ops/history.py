"""Run history: one row per DAG run in ``audit.pipeline_runs`` (migration V010).

The DAGs' own tasks write it, with plain data: :func:`record_run_start` in the first task,
:func:`record_ingest_end` or :func:`record_transform_end` (or the general :func:`record_run_end`)
in a last task that runs whatever happened before it (``trigger_rule="all_done"``). Every
function is an upsert keyed on ``(dag_id, run_id)``, so a cleared and re-run task writes the same
row again instead of a second one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

FAILED_STATES = frozenset({"failed", "upstream_failed"})

_COUNT_COLUMNS = (
    "files_seen",
    "files_loaded",
    "files_quarantined",
    "files_duplicate",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "gx_failed_expectations",
    "dbt_models_ok",
    "dbt_models_failed",
    "dbt_tests_failed",
)


def record_run_start(
    conninfo: str,
    *,
    dag_id: str,
    run_id: str,
    run_type: str | None = None,
    logical_date: datetime | None = None,
    started_at: datetime | None = None,
) -> None:
    """A run began (or began again after a clear): state ``running``, counts reset."""
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            """insert into audit.pipeline_runs (dag_id, run_id, run_type, logical_date, started_at)
               values (%(dag_id)s, %(run_id)s, %(run_type)s, %(logical_date)s, coalesce(%(started_at)s, now()))
               on conflict (dag_id, run_id) do update set
                   run_type = coalesce(excluded.run_type, audit.pipeline_runs.run_type),
                   logical_date = coalesce(excluded.logical_date, audit.pipeline_runs.logical_date),
                   started_at = excluded.started_at,
                   finished_at = null,
                   state = 'running',
                   attempts = audit.pipeline_runs.attempts + 1""",
            {
                "dag_id": dag_id,
                "run_id": run_id,
                "run_type": run_type,
                "logical_date": logical_date,
                "started_at": started_at,
            },
        )


def record_run_end(
    conninfo: str,
    *,
    dag_id: str,
    run_id: str,
    state: str,
    finished_at: datetime | None = None,
    details: Mapping[str, Any] | None = None,
    **counts: int | None,
) -> None:
    """A run ended: its state (``success``/``failed``), the counts given (``files_seen=…``,
    ``rows_loaded=…``, ``dbt_tests_failed=…``; see the table) and details merged into ``details``.

    Counts left out keep what the row holds. A run whose start was not recorded gets a row
    starting now.
    """
    unknown = set(counts) - set(_COUNT_COLUMNS)
    if unknown:
        raise TypeError(f"unknown run history columns: {', '.join(sorted(unknown))}")
    if state not in ("running", "success", "failed"):
        raise ValueError(f"state must be running, success or failed, not {state!r}")
    given = {k: v for k, v in counts.items() if v is not None}
    columns = ", ".join(["dag_id", "run_id", "state", "finished_at", "started_at", "details", *given])
    values = ", ".join(
        ["%(dag_id)s", "%(run_id)s", "%(state)s", "coalesce(%(finished_at)s, now())",
         "least(now(), coalesce(%(finished_at)s, now()))", "%(details)s"]
        + [f"%({k})s" for k in given]
    )  # fmt: skip
    updates = ", ".join(
        [
            "state = excluded.state",
            "finished_at = greatest(excluded.finished_at, audit.pipeline_runs.started_at)",
            "details = audit.pipeline_runs.details || excluded.details",
            *(f"{k} = excluded.{k}" for k in given),
        ]
    )
    params: dict[str, Any] = {
        "dag_id": dag_id,
        "run_id": run_id,
        "state": state,
        "finished_at": finished_at,
        "details": Jsonb(json.loads(json.dumps(dict(details or {}), default=str))),
        **given,
    }
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            f"insert into audit.pipeline_runs ({columns}) values ({values}) "  # noqa: S608 - fixed column names
            f"on conflict (dag_id, run_id) do update set {updates}",
            params,
        )


def gx_failed_expectations(conninfo: str, run_id: str) -> int:
    """Failed expectations summed over the GX runs the ingest recorded for ``run_id``."""
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "select coalesce(sum(failed_expectations), 0) from audit.validation_runs where run_id = %s", (run_id,)
        ).fetchone()
    return int(row[0]) if row else 0


def ingest_counts(summary: Mapping[str, Any]) -> dict[str, int]:
    """The counts of the ingest DAG's ``summarize`` result (``ucj.tasks.summarize``)."""
    by_status = summary.get("by_status") or {}
    return {
        "files_seen": int(summary.get("files", 0)),
        "files_loaded": int(by_status.get("loaded", 0)),
        "files_quarantined": int(by_status.get("quarantined", 0)),
        "files_duplicate": int(by_status.get("duplicate", 0)),
        "rows_read": int(summary.get("rows_read", 0)),
        "rows_loaded": int(summary.get("rows_loaded", 0)),
        "rows_rejected": int(summary.get("rows_rejected", 0)),
    }


def failed_tasks(task_states: Mapping[str, str | None], *, ignore: tuple[str, ...] = ()) -> list[str]:
    """The tasks that failed (or could not run because one before them failed), but ``ignore``."""
    return sorted(t for t, s in task_states.items() if t not in ignore and str(s) in FAILED_STATES)


def run_state(task_states: Mapping[str, str | None], *, ignore: tuple[str, ...] = ()) -> str:
    """``failed`` when any task (but those in ``ignore``, e.g. the recording task itself) failed."""
    return "failed" if failed_tasks(task_states, ignore=ignore) else "success"


@dataclass(frozen=True)
class DbtCounts:
    models_ok: int
    models_failed: int
    tests_failed: int
    tests_not_run: int


def dbt_counts(task_states: Mapping[str, str | None]) -> DbtCounts:
    """dbt results from the Cosmos task states of one transform run (``{task_id: state}``).

    Cosmos (``TestBehavior.AFTER_EACH``) names a model's tasks ``<group>.<model>.run`` and
    ``<group>.<model>.test``; tests with several parents become ``<group>.<test>_test``.
    """
    models_ok = models_failed = tests_failed = tests_not_run = 0
    for task_id, state in task_states.items():
        state = str(state) if state is not None else None
        if task_id.endswith(".run"):
            models_ok += state == "success"
            models_failed += state in FAILED_STATES
        elif task_id.endswith(".test") or task_id.endswith("_test"):
            tests_failed += state == "failed"
            tests_not_run += state == "upstream_failed" or state is None
    return DbtCounts(models_ok, models_failed, tests_failed, tests_not_run)


def record_ingest_end(
    conninfo: str, *, dag_id: str, run_id: str, summary: Mapping[str, Any] | None, state: str = "success"
) -> None:
    """The end of an ingest run: counts from ``summarize``'s result (None when it did not run)
    and the failed GX expectations of the run's validations."""
    counts: dict[str, int | None] = dict(ingest_counts(summary)) if summary else {}
    counts["gx_failed_expectations"] = gx_failed_expectations(conninfo, run_id)
    details = {"by_status": dict((summary or {}).get("by_status") or {})}
    record_run_end(conninfo, dag_id=dag_id, run_id=run_id, state=state, details=details, **counts)


def record_transform_end(
    conninfo: str, *, dag_id: str, run_id: str, task_states: Mapping[str, str | None], state: str | None = None
) -> None:
    """The end of a transform run: dbt counts and the state from the run's task states."""
    counts = dbt_counts(task_states)
    record_run_end(
        conninfo,
        dag_id=dag_id,
        run_id=run_id,
        state=state or ("failed" if counts.models_failed or counts.tests_failed else run_state(task_states)),
        details={"dbt_tests_not_run": counts.tests_not_run},
        dbt_models_ok=counts.models_ok,
        dbt_models_failed=counts.models_failed,
        dbt_tests_failed=counts.tests_failed,
    )
