"""Run history: one row per DAG run in ``audit.pipeline_runs`` (migration V010).

The DAGs' own tasks write it, with plain data: :func:`record_run_start` in the first task,
:func:`record_ingest_end` or :func:`record_transform_end` (or the general :func:`record_run_end`)
in a last task that runs whatever happened before it (``trigger_rule="all_done"``). Every
function is an upsert keyed on ``(dag_id, run_id)``, so a cleared and re-run task writes the same
row again instead of a second one.

A run killed before its last task (``kill -9`` of ``ucj run``, a crashed machine) cannot record
its end. The next run's start closes such rows as failed, with the reason in words
(:func:`close_stale_runs`), and never a run that is still alive. How to tell depends on what runs
it, and the row says which (``liveness``, migration V050):

* ``lease``: the process that runs the whole DagRun (``dag.test()``, as ``ucj run`` does) holds
  a session-level advisory lock keyed by the run from its start to its end
  (:func:`take_lease`). A killed process's session ends and PostgreSQL frees the lock, so a
  free lease means a dead run; another ``ucj run`` at the same time holds its own.
* ``airflow``: under a scheduler every task is a short process of its own, so no process lives
  as long as the run; Airflow's DagRun state says whether it is still running. Only an ended
  DagRun (``success``/``failed``) closes the row; a run Airflow does not know (another Airflow
  sharing the warehouse) is left alone.
* none (rows written before V050): closed when Airflow says the DagRun ended, or when still
  ``running`` a day after its start.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg.types.json import Jsonb

log = logging.getLogger(__name__)

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


LIVENESS = ("lease", "airflow")
LEGACY_STALE_AFTER = timedelta(hours=24)  # a row from before V050 still `running` a day later
_LEASE_SQL = "hashtextextended('ucj:run:' || %s || '/' || %s, 0)"
_LEASES: dict[tuple[str, str], psycopg.Connection] = {}  # this process's runs: their lock's session

DagRunState = Callable[[str, str], str | None]  # (dag_id, run_id) -> Airflow's DagRun state


class LeaseHeld(RuntimeError):
    """Another live process holds the lease of this run: it is running there already."""


def take_lease(conninfo: str, dag_id: str, run_id: str) -> None:
    """Hold the run's lease for as long as this process lives, or until :func:`release_lease`.

    A session-level advisory lock on a connection of its own, kept in a module-level registry
    (``autocommit``: the session idles outside any transaction). Taking it again in the same
    process is a no-op.
    """
    held = _LEASES.get((dag_id, run_id))
    if held is not None and not held.closed:
        return
    conn = psycopg.connect(
        conninfo,
        autocommit=True,
        application_name=f"ucj lease {dag_id}/{run_id}"[:63],
        keepalives=1,
        keepalives_idle=30,
        keepalives_interval=10,
        keepalives_count=3,
    )
    try:  # a moment's wait: a later run's start may be checking this lease right now
        conn.execute("set lock_timeout = '10s'")
        conn.execute(f"select pg_advisory_lock({_LEASE_SQL})", (dag_id, run_id))  # noqa: S608
    except psycopg.errors.LockNotAvailable as err:
        conn.close()
        raise LeaseHeld(f"run {dag_id}/{run_id} is already running in another process (its lease is held)") from err
    except BaseException:
        conn.close()
        raise
    _LEASES[(dag_id, run_id)] = conn


def release_lease(dag_id: str, run_id: str) -> None:
    """Free the run's lease (closing its session frees the lock); nothing when not held here."""
    conn = _LEASES.pop((dag_id, run_id), None)
    if conn is not None and not conn.closed:
        conn.close()


def lease_alive(conn: psycopg.Connection, dag_id: str, run_id: str) -> bool:
    """Whether some live session holds the run's lease (read from ``pg_locks``, taking nothing)."""
    from ucj.warehouse import advisory_lock_held_sql

    row = conn.execute(
        f"select exists (select 1 from pg_locks l where {advisory_lock_held_sql(_LEASE_SQL)})",  # noqa: S608
        (dag_id, run_id),
    ).fetchone()
    return bool(row and row[0])


STALE_LEASE_REASON = "ended without recording its end (process killed or crashed: its lease was freed)"


def seen_state(conn: psycopg.Connection, dag_id: str, run_id: str, state: str, liveness: str | None) -> str:
    """The state to show for a row: a ``running`` row whose lease nobody holds any more is
    ``failed`` already (the next run's start records it so); everything else as recorded."""
    if state == "running" and liveness == "lease" and not lease_alive(conn, dag_id, run_id):
        return "failed"
    return state


def has_liveness(conn: psycopg.Connection) -> bool:
    """Whether the warehouse has migration V050's columns (``ucj status`` may run before it)."""
    return bool(
        conn.execute(
            """select exists (select 1 from information_schema.columns where table_schema = 'audit'
                              and table_name = 'pipeline_runs' and column_name = 'liveness')"""
        ).fetchone()[0]
    )


def _runner() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


def record_run_start(
    conninfo: str,
    *,
    dag_id: str,
    run_id: str,
    run_type: str | None = None,
    logical_date: datetime | None = None,
    started_at: datetime | None = None,
    liveness: str | None = None,
    dag_run_state: DagRunState | None = None,
) -> list[ClosedRun]:
    """A run began (or began again after a clear): state ``running``, counts reset; then every
    other ``running`` row whose run is no longer alive is closed as failed (returned).

    ``liveness="lease"``: this process runs the whole DagRun and holds its lease, taken before
    the row says ``running`` (a row never says ``running`` for a lease nobody has taken yet).
    ``dag_run_state`` asks Airflow about other runs (``liveness="airflow"`` and older rows).
    """
    if liveness is not None and liveness not in LIVENESS:
        raise ValueError(f"liveness must be one of {', '.join(LIVENESS)}, not {liveness!r}")
    if liveness == "lease":
        take_lease(conninfo, dag_id, run_id)
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            """insert into audit.pipeline_runs (dag_id, run_id, run_type, logical_date, started_at, liveness, runner)
               values (%(dag_id)s, %(run_id)s, %(run_type)s, %(logical_date)s, coalesce(%(started_at)s, now()),
                       %(liveness)s, %(runner)s)
               on conflict (dag_id, run_id) do update set
                   run_type = coalesce(excluded.run_type, audit.pipeline_runs.run_type),
                   logical_date = coalesce(excluded.logical_date, audit.pipeline_runs.logical_date),
                   started_at = excluded.started_at,
                   finished_at = null,
                   state = 'running',
                   liveness = excluded.liveness,
                   runner = excluded.runner,
                   end_reason = null,
                   attempts = audit.pipeline_runs.attempts + 1""",
            {
                "dag_id": dag_id,
                "run_id": run_id,
                "run_type": run_type,
                "logical_date": logical_date,
                "started_at": started_at,
                "liveness": liveness,
                "runner": _runner(),
            },
        )
    try:
        return close_stale_runs(conninfo, closed_by=(dag_id, run_id), dag_run_state=dag_run_state)
    except Exception:  # tidying the history never fails a run's start
        log.exception("could not check the runs left `running` in audit.pipeline_runs")
        return []


@dataclass(frozen=True)
class ClosedRun:
    dag_id: str
    run_id: str
    reason: str


_ENDED = ("success", "failed")


def _stale_reason(
    conn: psycopg.Connection,
    dag_id: str,
    run_id: str,
    liveness: str | None,
    started_at: datetime,
    dag_run_state: DagRunState | None,
) -> str | None:
    """Why a run without a lease is no longer alive (English), or None: alive, or no way to tell."""
    airflow_state = None
    if dag_run_state is not None:
        try:
            airflow_state = dag_run_state(dag_id, run_id)
        except Exception as err:  # unknown to this Airflow (another one shares the warehouse), API down
            log.info("run %s/%s: Airflow cannot say whether it is alive (%s); left as it is", dag_id, run_id, err)
        airflow_state = str(getattr(airflow_state, "value", airflow_state)) if airflow_state is not None else None
    if airflow_state in _ENDED:
        return f"ended without recording its end (Airflow says its DagRun ended as {airflow_state})"
    if liveness is None and conn.execute("select now() - %s > %s", (started_at, LEGACY_STALE_AFTER)).fetchone()[0]:
        return "ended without recording its end (recorded before runs were tracked, still running a day later)"
    return None


def close_stale_runs(
    conninfo: str, *, closed_by: tuple[str, str], dag_run_state: DagRunState | None = None
) -> list[ClosedRun]:
    """Close as failed every ``running`` row (but ``closed_by``'s own) whose run is no longer
    alive, with the reason in ``end_reason`` (English, then Bahasa Indonesia) and in ``details``.

    A lease is free when this session can take it (``pg_try_advisory_xact_lock``); the row is
    updated while this session holds it, so the run cannot take its lease and say ``running``
    between the check and the update.
    """
    closer = "/".join(closed_by)
    when = datetime.now(UTC).astimezone(ZoneInfo("Asia/Makassar")).strftime("%Y-%m-%d %H:%M:%S WITA")
    closed: list[ClosedRun] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            """select dag_id, run_id, liveness, started_at from audit.pipeline_runs
               where state = 'running' and (dag_id, run_id) <> (%s, %s) order by started_at""",
            closed_by,
        ).fetchall()
        for dag_id, run_id, liveness, started_at in rows:
            with conn.transaction():
                if liveness == "lease":
                    free = conn.execute(
                        f"select pg_try_advisory_xact_lock({_LEASE_SQL})",  # noqa: S608
                        (dag_id, run_id),
                    ).fetchone()[0]
                    if not free:
                        continue  # its process lives
                    why = STALE_LEASE_REASON
                else:
                    why = _stale_reason(conn, dag_id, run_id, liveness, started_at, dag_run_state)
                if why is None:
                    continue
                reason = (
                    f"{why}; closed by run {closer} at {when} / berhenti tanpa mencatat akhirnya "
                    f"(proses dimatikan atau mati); ditutup oleh run {closer} pada {when}"
                )
                updated = conn.execute(
                    """update audit.pipeline_runs
                       set state = 'failed', finished_at = greatest(now(), started_at), end_reason = %s,
                           details = details || jsonb_build_object('closed_by', %s::text, 'closed_at', now())
                       where dag_id = %s and run_id = %s and state = 'running'""",
                    (reason, closer, dag_id, run_id),
                ).rowcount
            if updated:
                log.warning("run %s/%s closed as failed: %s", dag_id, run_id, reason)
                closed.append(ClosedRun(dag_id, run_id, reason))
    return closed


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
    starting now. The run's lease, when this process holds it, is released.
    """
    unknown = set(counts) - set(_COUNT_COLUMNS)
    if unknown:
        raise TypeError(f"unknown run history columns: {', '.join(sorted(unknown))}")
    if state not in ("running", "success", "failed"):
        raise ValueError(f"state must be running, success or failed, not {state!r}")
    given = {k: v for k, v in counts.items() if v is not None}
    columns = ", ".join(["dag_id", "run_id", "state", "finished_at", "started_at", "details", *given])
    values = ", ".join(
        [
            "%(dag_id)s",
            "%(run_id)s",
            "%(state)s",
            "coalesce(%(finished_at)s, now())",
            "least(now(), coalesce(%(finished_at)s, now()))",
            "%(details)s",
        ]
        + [f"%({k})s" for k in given]
    )
    updates = ", ".join(
        [
            "state = excluded.state",
            "finished_at = greatest(excluded.finished_at, audit.pipeline_runs.started_at)",
            "details = audit.pipeline_runs.details || excluded.details",
            "end_reason = null",  # its own end, even after a later run took it for dead
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
    try:
        with psycopg.connect(conninfo) as conn:
            conn.execute(
                f"insert into audit.pipeline_runs ({columns}) values ({values}) "  # noqa: S608 - fixed column names
                f"on conflict (dag_id, run_id) do update set {updates}",
                params,
            )
    finally:  # recorded or not, this process is done with the run (a row left `running` is closed later)
        if state != "running":
            release_lease(dag_id, run_id)


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
