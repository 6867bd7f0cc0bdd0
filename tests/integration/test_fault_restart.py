"""The warehouse restarts mid-run (issue 16, item 3): the PostgreSQL server is stopped and started
again during the ingest and during the transform. The running task fails with a clear message,
its retry finishes the work, nothing is loaded twice, and the marts equal an undisturbed run's.

The server is the test's own (``own_server``: initdb + pg_ctl in a temporary folder, on its own
port), never the session's or the machine's. Each restart comes at a known moment, not by chance:

* ingest: a second session holds a SHARE lock on ``raw.participants``, so the first COPY into it
  waits; then the server stops (``pg_ctl stop -m fast`` ends every session, the COPY's included);
* transform: the marts were built once (an earlier night), and a reader (a BI user, say) holds
  ``marts.fct_claims_monthly`` (the last model of the build) open, so the transform DAG's
  ``dbt build`` waits at the model's swap of the new table for the old; once the build has
  nothing else to do, the server stops.

The server starts again only once the running task has failed (its exception is the signal): the
task waits for it before it returns to Airflow, so the tasks after it meet a running server and
the only failures of a run are those of the work the restart cut. ``dag.test()`` runs each DAG in this
process with the project's retries (``UCJ_RETRY_DELAY_SECONDS=1`` in tests).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fault_helpers import rows_that_do_not_add_up
from marts_helpers import ModuleWarehouse, copy_landing
from own_server import OwnServer, running_server
from reprocess_helpers import SEED, marts, prepare_airflow, run_dag_test, task_states, undisturbed_marts

from ucj.generate import generate

pytestmark = pytest.mark.integration

PRODUCER = "dbt.dbt_producer_watcher"
COPY_WAITING = """select pid, query from pg_stat_activity
   where datname = %s and wait_event_type = 'Lock' and query ilike 'copy raw.participants%%' limit 1"""
# dbt's table materialization swaps the new table for the old one: the rename waits for the reader.
DBT_WAITING = """select pid, query from pg_stat_activity
   where datname = %s and usename = 'ucj_transformer' and wait_event_type = 'Lock'
     and query like '%%"marts"."fct_claims_monthly"%%' limit 1"""
OTHERS_ACTIVE = """select count(*) from pg_stat_activity
   where datname = %s and usename = 'ucj_transformer' and state = 'active' and pid <> %s"""


class Restart(threading.Thread):
    """Hold ``lock`` in a session of its own; when ``waiting`` finds a query queued behind it, stop
    the server; once the task running that query has failed (:meth:`task_failed`), start it again.

    ``settle``: stop only once the other sessions of the same user have been idle for a moment
    (the rest of a ``dbt build`` has run, and only what waits is cut)."""

    def __init__(
        self, server: OwnServer, conninfo: str, database: str, lock: str, waiting: str, settle: bool = False
    ) -> None:
        super().__init__(daemon=True)
        self.server, self.conninfo, self.database, self.lock, self.waiting = server, conninfo, database, lock, waiting
        self.settle = settle
        self.locked, self.failed, self.started = threading.Event(), threading.Event(), threading.Event()
        self.seen: list[tuple[int, str]] = []
        self.task_errors: list[BaseException] = []
        self.down_seconds = 0.0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            admin = psycopg.connect(self.conninfo, autocommit=True)
            holder = psycopg.connect(self.conninfo)
            try:
                holder.execute(self.lock)
                self.locked.set()
                give_up = time.monotonic() + 600
                while not self.seen and time.monotonic() < give_up:
                    row = admin.execute(self.waiting, (self.database,)).fetchone()
                    if row:
                        self.seen.append(row)
                    else:
                        time.sleep(0.02)
                if not self.seen:
                    raise TimeoutError("no query waited behind the lock")
                if self.settle:
                    self._until_the_others_are_idle(admin, self.seen[0][0])
                stopped = time.monotonic()
                self.server.stop()  # ends these two sessions as well
            finally:
                holder.close()
                admin.close()
            if not self.failed.wait(300):
                raise TimeoutError("the task did not fail after the server stopped")
            time.sleep(0.5)  # down a moment longer: what the retry meets is a server that came back
            self.server.start()
            self.down_seconds = time.monotonic() - stopped
        except BaseException as err:  # noqa: BLE001 - reported by the test
            if self.error is None:
                self.error = err
        finally:
            self.locked.set()
            self.started.set()

    def _until_the_others_are_idle(self, admin: psycopg.Connection, waiting_pid: int) -> None:
        idle_since, give_up = time.monotonic(), time.monotonic() + 120
        while time.monotonic() - idle_since < 0.5 and time.monotonic() < give_up:
            if admin.execute(OTHERS_ACTIVE, (self.database, waiting_pid)).fetchone()[0]:
                idle_since = time.monotonic()
            time.sleep(0.02)

    def task_failed(self, error: BaseException) -> None:
        """Called by the failed task: note its error, wait until the server runs again."""
        self.task_errors.append(error)
        self.failed.set()
        self.started.wait(120)


@contextmanager
def held_on_failure(restart: Restart, owner: Any, name: str) -> Iterator[None]:
    """``owner.name`` (a task's body) reports its first failure to ``restart`` and waits for the
    server before it re-raises, so Airflow sees the failure only once the server is back."""
    original: Callable[..., Any] = getattr(owner, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        try:
            return original(*args, **kwargs)
        except Exception as err:
            if not restart.failed.is_set():
                restart.task_failed(err)
            raise

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, name, held)
        yield


class Messages(logging.Handler):
    """Every log message of the process while it is attached (the tasks' and dbt's included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.texts.append(record.getMessage())
        except Exception:  # noqa: BLE001 - a message that does not format is not ours to judge
            pass


@contextmanager
def messages() -> Iterator[Messages]:
    handler, root = Messages(), logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def _restarted_ingest(server: OwnServer, conninfo: str, database: str, landing: Path) -> dict[str, Any]:
    from ucj import tasks

    restart = Restart(server, conninfo, database, "lock table raw.participants in share mode", COPY_WAITING)
    with held_on_failure(restart, tasks, "ingest_one"), messages() as logged:
        restart.start()
        assert restart.locked.wait(60)
        run = run_dag_test("ucj_ingest", conf={"landing_dir": str(landing)})
    restart.join(30)
    return {"run": run, "states": task_states(run), "restart": restart, "logged": logged.texts}


def _restarted_transform(server: OwnServer, conninfo: str, database: str) -> dict[str, Any]:
    from cosmos.operators.watcher import DbtProducerWatcherOperator

    lock = "lock table marts.fct_claims_monthly in access share mode"
    restart = Restart(server, conninfo, database, lock, DBT_WAITING, settle=True)
    with held_on_failure(restart, DbtProducerWatcherOperator, "execute"), messages() as logged:
        restart.start()
        assert restart.locked.wait(60)
        run = run_dag_test("ucj_transform")
    restart.join(30)
    return {"run": run, "states": task_states(run), "restart": restart, "logged": logged.texts}


@pytest.fixture(scope="module")
def restarted(tmp_path_factory, pg_server_url) -> Iterator[dict[str, Any]]:
    with running_server() as server:  # first: skipped at once on a machine without initdb
        tmp = tmp_path_factory.mktemp("restart")
        generated = tmp / "generated"
        generate("tiny", SEED, generated)
        # the same folder: the undisturbed run's dbt manifest serves this module's DAGs too
        baseline = undisturbed_marts(generated, tmp, pg_server_url)
        wh = ModuleWarehouse(tmp, server.url)
        try:
            conninfo = wh.database()
            database = wh.names[-1]
            prepare_airflow()
            landing = copy_landing(generated, tmp / "landing-restarted")
            ingest = _restarted_ingest(server, conninfo, database, landing)
            from ucj import transform

            transform.run_dbt(["build"])  # an earlier night's marts, which the reader holds
            built_before = marts(conninfo)
            dbt = _restarted_transform(server, conninfo, database)
            yield {
                "ingest": ingest,
                "transform": dbt,
                "conninfo": conninfo,
                "baseline": baseline,
                "built_before": built_before,
                "marts": marts(conninfo),
                "server": server,
            }
        finally:
            if not server.is_running():
                server.start()  # a failed test leaves it stopped; the database is dropped all the same
            wh.close()


def _retried(states: dict[tuple[str, int], tuple[str, int]]) -> dict[tuple[str, int], tuple[str, int]]:
    return {key: value for key, value in states.items() if value[1] > 1}


def test_ingest_copy_was_cut_by_the_restart(restarted) -> None:
    restart = restarted["ingest"]["restart"]
    assert restart.error is None, f"{restart.error!r}\n{restarted['server'].log_text()[-3000:]}"
    assert len(restart.seen) == 1 and restart.seen[0][1].startswith("copy raw.participants")
    assert restarted["server"].is_running()


def test_ingest_task_failed_with_a_clear_message(restarted) -> None:
    from ucj.ingest.load import WarehouseUnavailable

    ingest = restarted["ingest"]
    [error] = ingest["restart"].task_errors
    assert isinstance(error, WarehouseUnavailable), repr(error)
    assert isinstance(error.__cause__, psycopg.OperationalError)
    message = str(error)
    # the file being copied when the server went away: whichever participation file the loader took first
    assert re.match(r"participants/\S+\.(csv|xlsx|xls|ods): the warehouse connection was lost", message), message
    assert "rolled back, so nothing of the file was kept" in message and "retry" in message
    assert "\n" not in message
    assert message in ingest["logged"], "the loader logs the same line"


def test_ingest_retry_finished_the_work(restarted) -> None:
    ingest = restarted["ingest"]
    states = ingest["states"]
    assert str(ingest["run"].state) == "success"
    assert all(state == "success" for state, _ in states.values()), states
    retried = _retried(states)
    assert len(retried) == 1, retried
    [(task, _)] = retried
    assert task == "ingest_file" and list(retried.values()) == [("success", 2)]


def test_rows_add_up_in_every_file(restarted) -> None:
    assert rows_that_do_not_add_up(restarted["conninfo"]) == []  # read = loaded + rejected, raw rows per file
    with psycopg.connect(restarted["conninfo"]) as conn:
        twice = conn.execute(
            """select relative_path, count(*) from audit.files where status = 'loaded'
               group by relative_path having count(*) > 1"""
        ).fetchall()
        loaded = conn.execute("select source, file_id, rows_loaded from audit.files where status = 'loaded'").fetchall()
        raw = {}
        for source in {row[0] for row in loaded}:
            raw |= dict(conn.execute(f"select file_id, count(*) from raw.{source} group by 1").fetchall())
        validations = conn.execute(
            "select file_id, count(*) from audit.validation_runs group by 1 having count(*) > 1"
        ).fetchall()
    assert twice == [], "a file registered twice as loaded"
    assert len(loaded) > 10 and {source for source, _, _ in loaded} >= {"participants", "rosters", "claims"}
    assert set(raw) <= {file_id for _, file_id, _ in loaded}, "raw rows of a file the registry does not hold"
    assert validations == []


def test_transform_build_was_cut_by_the_restart(restarted) -> None:
    restart = restarted["transform"]["restart"]
    assert restart.error is None, f"{restart.error!r}\n{restarted['server'].log_text()[-3000:]}"
    [(_, query)] = restart.seen
    assert '"marts"."fct_claims_monthly"' in query
    [error] = restart.task_errors  # the dbt build ended, with an error: no hang
    text = str(error).lower()
    assert "connection" in text and ("refused" in text or "terminat" in text or "closed" in text), text


def test_transform_retries_finished_the_work(restarted) -> None:
    dbt = restarted["transform"]
    states = dbt["states"]
    assert str(dbt["run"].state) == "success"
    # the build's task does not build twice: its retry hands over to the model tasks (Cosmos)
    assert states[(PRODUCER, -1)] == ("skipped", 2)
    assert all(state == "success" for key, (state, _) in states.items() if key[0] != PRODUCER), states
    retried = {task for task, _ in _retried(states)} - {PRODUCER}
    assert "dbt.fct_claims_monthly.run" in retried, "the model cut by the restart ran again"
    assert {"dbt.fct_claims.run", "dbt.dim_region.run"}.isdisjoint(retried), "built before the restart"


def test_rerun_met_no_leftovers_of_the_cut_build(restarted) -> None:
    logged = "\n".join(restarted["transform"]["logged"])
    assert "fct_claims_monthly" in logged, "dbt's messages are seen"
    assert "already exists" not in logged


def test_marts_equal_an_undisturbed_run(restarted) -> None:
    assert restarted["marts"]["marts.fct_claims"][0] > 0
    assert restarted["built_before"] == restarted["baseline"]
    assert restarted["marts"] == restarted["baseline"]
