"""A broken warehouse connection during a load: the COPY's backend is terminated
(``pg_terminate_backend``), the task fails with a transient error, Airflow retries it, the run
ends green, nothing of the interrupted attempt is left, and the marts equal an undisturbed run's.

The connection is broken at a known moment, not by chance: a second session holds a SHARE lock
on ``raw.participants``, so the first COPY into it waits; that backend is terminated, then the
lock is released. ``dag.test()`` runs the ingest DAG in this process with the project's retries
(``UCJ_RETRY_DELAY_SECONDS=1`` in tests); with retries off the task, and this test, would fail.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from marts_helpers import ModuleWarehouse, copy_landing
from reprocess_helpers import SEED, marts, prepare_airflow, run_dag_test, task_states, undisturbed_marts

from ucj.generate import generate

pytestmark = pytest.mark.integration


class CopyBreaker(threading.Thread):
    """Hold a SHARE lock on raw.participants, wait for a COPY to queue behind it, terminate that
    backend (once), release the lock."""

    def __init__(self, conninfo: str, database: str) -> None:
        super().__init__(daemon=True)
        self.conninfo, self.database = conninfo, database
        self.locked = threading.Event()
        self.killed: list[tuple[int, str]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with psycopg.connect(self.conninfo) as lock_conn, psycopg.connect(self.conninfo, autocommit=True) as admin:
                lock_conn.execute("lock table raw.participants in share mode")
                self.locked.set()
                give_up = time.monotonic() + 600
                while not self.killed and time.monotonic() < give_up:
                    row = admin.execute(
                        """select pid, query from pg_stat_activity
                           where datname = %s and wait_event_type = 'Lock' and query ilike 'copy raw.participants%%'
                           limit 1""",
                        (self.database,),
                    ).fetchone()
                    if row:
                        admin.execute("select pg_terminate_backend(%s)", (row[0],))
                        self.killed.append(row)
                    else:
                        time.sleep(0.05)
                lock_conn.rollback()
        except BaseException as err:  # noqa: BLE001 - reported by the test
            self.error = err
            self.locked.set()


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory, pg_server_url) -> dict:
    tmp = tmp_path_factory.mktemp("retry")
    generated = tmp / "generated"
    generate("tiny", SEED, generated)
    baseline = undisturbed_marts(generated, tmp_path_factory.mktemp("undisturbed"), pg_server_url)
    wh = ModuleWarehouse(tmp, pg_server_url)
    try:
        conninfo = wh.database()
        prepare_airflow()
        landing = copy_landing(generated, tmp / "landing")
        breaker = CopyBreaker(conninfo, wh.names[-1])
        breaker.start()
        assert breaker.locked.wait(60)
        run = run_dag_test("ucj_ingest", conf={"landing_dir": str(landing)})
        breaker.join(10)
        from ucj import transform

        transform.run_dbt(["build"])
        yield {
            "run": run,
            "states": task_states(run),
            "breaker": breaker,
            "conninfo": conninfo,
            "marts": marts(conninfo),
            "baseline": baseline,
        }
    finally:
        wh.close()


def test_the_copy_was_interrupted_and_the_task_retried(interrupted) -> None:
    breaker = interrupted["breaker"]
    assert breaker.error is None, breaker.error
    assert len(breaker.killed) == 1, "one COPY was terminated"
    states = interrupted["states"]
    assert all(state == "success" for state, _ in states.values()), states
    retried = {key: tries for key, (_, tries) in states.items() if tries > 1}
    assert list(retried) and all(task == "ingest_file" for task, _ in retried), states
    assert list(retried.values()) == [2], "the interrupted file loaded at its second try"


def test_nothing_of_the_interrupted_attempt_is_left(interrupted) -> None:
    with psycopg.connect(interrupted["conninfo"]) as conn:
        per_path = conn.execute(
            """select relative_path, count(*) from audit.files where status = 'loaded'
               group by relative_path having count(*) > 1"""
        ).fetchall()
        mismatched = conn.execute(
            """select f.relative_path, f.rows_loaded, count(p.*) from audit.files f
               left join raw.participants p on p.file_id = f.file_id
               where f.source = 'participants' group by 1, 2 having f.rows_loaded <> count(p.*)"""
        ).fetchall()
        validations = conn.execute(
            "select file_id, count(*) from audit.validation_runs group by 1 having count(*) > 1"
        ).fetchall()
    assert per_path == [], "a file registered twice"
    assert mismatched == [], "raw rows that do not match the registry"
    assert validations == []


def test_marts_equal_an_undisturbed_run(interrupted) -> None:
    assert interrupted["marts"]["marts.fct_opd_enrollment_monthly"][0] > 0
    assert interrupted["marts"] == interrupted["baseline"]
