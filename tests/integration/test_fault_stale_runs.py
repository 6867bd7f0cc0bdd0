"""Fault: the process running a DAG is killed (``kill -9`` of ``ucj run``) and its row in
``audit.pipeline_runs`` stays ``running``. The next run's start closes it as failed, with the
reason in words, and leaves alone every run that is still alive.

The killed run is real: a subprocess records its start through the same code path as a
``dag.test()`` run (``history.record_run_start(..., liveness="lease")``), then gets SIGKILL.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from ucj.ops import history
from ucj.ops.status import status_report
from ucj.ops.watchdog import check

RUNNER = """
import sys, time
from ucj.ops import history
history.record_run_start(sys.argv[1], dag_id=sys.argv[2], run_id=sys.argv[3], run_type="manual", liveness="lease")
print("started", flush=True)
time.sleep(300)
"""


def _start_run(conninfo: str, dag_id: str, run_id: str) -> subprocess.Popen[str]:
    """A process that starts a run (holding its lease) and then keeps running."""
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, conninfo, dag_id, run_id], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    assert line.strip() == "started", f"the run's process did not start (exit {proc.poll()})"
    return proc


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:  # only the processes this test started, by their own handle
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


def _row(conninfo: str, dag_id: str, run_id: str) -> tuple:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            "select state, finished_at, end_reason, details, liveness from audit.pipeline_runs"
            " where dag_id = %s and run_id = %s",
            (dag_id, run_id),
        ).fetchone()


def _wait_lease_freed(conninfo: str, dag_id: str, run_id: str) -> None:
    """PostgreSQL ends the killed process's session (and frees its lock) within moments."""
    deadline = time.monotonic() + 10
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while history.lease_alive(conn, dag_id, run_id):
            assert time.monotonic() < deadline, "the killed process's lease was never freed"
            time.sleep(0.05)


def _start_here(conninfo: str, run_id: str, **kwargs) -> list[history.ClosedRun]:
    closed = history.record_run_start(conninfo, dag_id="ucj_transform", run_id=run_id, liveness="lease", **kwargs)
    history.record_run_end(conninfo, dag_id="ucj_transform", run_id=run_id, state="success")  # frees its lease
    return closed


def test_a_run_killed_with_sigkill_is_closed_as_failed_by_the_next_run(warehouse, processes) -> None:
    killed = _start_run(warehouse.conninfo, "ucj_ingest", "manual__killed")
    processes.append(killed)
    with psycopg.connect(warehouse.conninfo, autocommit=True) as conn:
        assert history.lease_alive(conn, "ucj_ingest", "manual__killed")
    assert _row(warehouse.conninfo, "ucj_ingest", "manual__killed")[0] == "running"

    killed.send_signal(signal.SIGKILL)
    assert killed.wait(timeout=10) == -signal.SIGKILL
    _wait_lease_freed(warehouse.conninfo, "ucj_ingest", "manual__killed")
    assert _row(warehouse.conninfo, "ucj_ingest", "manual__killed")[0] == "running"  # nobody recorded its end
    # before any other run starts, `ucj status` and the watchdog already do not count it as running
    (shown,) = status_report(warehouse.conninfo).runs
    assert shown.state == "failed" and "killed" in (shown.end_reason or ""), shown
    assert check(warehouse.conninfo, datetime.now(UTC) + timedelta(minutes=1)).runs["ucj_ingest"].state == "failed"

    closed = _start_here(warehouse.conninfo, "manual__next")
    assert [(c.dag_id, c.run_id) for c in closed] == [("ucj_ingest", "manual__killed")]
    state, finished_at, reason, details, liveness = _row(warehouse.conninfo, "ucj_ingest", "manual__killed")
    assert (state, liveness) == ("failed", "lease") and finished_at is not None
    assert "ended without recording its end" in reason and "killed" in reason, reason
    assert "closed by run ucj_transform/manual__next at " in reason and "ditutup oleh run" in reason, reason
    assert details["closed_by"] == "ucj_transform/manual__next"

    # `ucj status` and the watchdog see a failed run, not one still running
    runs = {r.run_id: r.state for r in status_report(warehouse.conninfo).runs}
    assert runs == {"manual__killed": "failed", "manual__next": "success"}
    nightly = check(warehouse.conninfo, datetime.now(UTC) + timedelta(minutes=1))
    assert nightly.runs["ucj_ingest"].state == "failed"
    assert "ucj_ingest: run manual__killed berstatus failed" in nightly.problems
    assert _start_here(warehouse.conninfo, "manual__third") == []  # closed once


def test_a_run_that_is_alive_is_not_closed(warehouse, processes) -> None:
    """Another ``ucj run`` at the same time (its lease held) and a scheduler's run Airflow says
    is running are left alone; runs Airflow says ended, or an old row of before the lease, are closed."""
    processes.append(_start_run(warehouse.conninfo, "ucj_ingest", "manual__alive"))
    with psycopg.connect(warehouse.conninfo) as conn:
        for run_id, liveness, age in (
            ("scheduled__running", "airflow", "1 hour"),
            ("scheduled__unknown", "airflow", "3 days"),  # another Airflow's run: this one cannot tell
            ("scheduled__ended", "airflow", "1 hour"),
            ("scheduled__legacy_old", None, "2 days"),
            ("scheduled__legacy_new", None, "1 hour"),
        ):
            conn.execute(
                "insert into audit.pipeline_runs (dag_id, run_id, started_at, liveness) values"
                " ('ucj_transform', %s, now() - %s::interval, %s)",
                (run_id, age, liveness),
            )
    airflow = {"scheduled__running": "running", "scheduled__ended": "failed", "scheduled__legacy_new": "running"}

    def dag_run_state(dag_id: str, run_id: str) -> str:
        if run_id not in airflow:
            raise LookupError(f"DagRun {dag_id}/{run_id} not found")
        return airflow[run_id]

    closed = _start_here(warehouse.conninfo, "manual__next", dag_run_state=dag_run_state)
    assert sorted(c.run_id for c in closed) == ["scheduled__ended", "scheduled__legacy_old"]
    assert _row(warehouse.conninfo, "ucj_ingest", "manual__alive")[0] == "running"
    for run_id in ("scheduled__running", "scheduled__unknown", "scheduled__legacy_new"):
        assert _row(warehouse.conninfo, "ucj_transform", run_id)[0] == "running", run_id
    assert "Airflow says its DagRun ended as failed" in _row(warehouse.conninfo, "ucj_transform", "scheduled__ended")[2]

    # a run that ends on its own records its end (no reason needed)
    history.record_run_end(warehouse.conninfo, dag_id="ucj_ingest", run_id="manual__alive", state="success")
    assert _row(warehouse.conninfo, "ucj_ingest", "manual__alive")[:3:2] == ("success", None)
