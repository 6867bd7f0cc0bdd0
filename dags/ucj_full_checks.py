"""Weekly whole-history reconciliations (issue 17): the dbt tests tagged ``full_checks``.

The nightly ``ucj_transform`` build checks what the night changed: incremental models rebuild a
window of months, and the staging row tests read the new files only. A few reconciliations read
every raw row on purpose (``assert_coverage_matches_raw_participants``: a correction to a month
outside the nightly window shows there), which costs ~30 s a night at province scale. They are
disabled unless the dbt var ``full_checks`` is true; this DAG runs them every Sunday at 04:00
WITA, after the night's transform:

    dbt test --select tag:full_checks --vars '{full_checks: true}'

By hand: ``ucj dbt test --select tag:full_checks --vars '{full_checks: true}'`` (or a whole
``ucj dbt build --vars '{full_checks: true}'``). A failed check fails the task at once (and the
run), without retries: the rows it found are still there; an error (connection) is retried.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, task

from ucj.airflow_env import default_args

WITA = "Asia/Makassar"
FULL_CHECKS_ARGS = ["test", "--select", "tag:full_checks", "--vars", "{full_checks: true}"]


@dag(
    dag_id="ucj_full_checks",
    schedule=CronTriggerTimetable("0 4 * * 0", timezone=WITA),  # Sunday 04:00 WITA
    start_date=pendulum.datetime(2025, 1, 1, tz=WITA),
    catchup=False,
    max_active_runs=1,
    tags=["ucj", "transform", "dbt", "weekly"],
    default_args=default_args(),
    doc_md=__doc__,
)
def ucj_full_checks() -> None:
    @task
    def run_full_checks() -> None:
        from airflow.sdk.exceptions import AirflowFailException

        from ucj import tasks, transform

        # under the warehouse's dbt lock: never reads marts a transform is rebuilding
        with transform.dbt_lock(tasks.airflow_warehouse_url(), "ucj_full_checks dbt test"):
            try:
                transform.run_dbt(FULL_CHECKS_ARGS, lock=False)
            except transform.DbtFailed as failed:
                if failed.failed_tests:  # a check found rows: a retry finds them again
                    names = ", ".join(failed.failed_tests)
                    raise AirflowFailException(f"whole-history checks failed: {names}") from failed
                raise

    run_full_checks()


ucj_full_checks()
