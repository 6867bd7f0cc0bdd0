"""Missed-deadline alert: at 06:00 WITA, tonight's ingest and transform must have succeeded.

Reads the run history (``audit.pipeline_runs``) for the runs of ``ucj_ingest`` and
``ucj_transform`` started in the 24 hours before the run's logical date (06:00 WITA). A run
missing, failed, still running or finished after 06:00, or a transform older than the ingest,
sends one alert in Bahasa Indonesia by webhook and e-mail (``UCJ_ALERT_*``). It also catches a
night on which the scheduler started nothing. ``catchup=False``: a past morning's verdict is
no use today.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, get_current_context, task

from ucj.airflow_env import default_args

WITA = "Asia/Makassar"


@dag(
    dag_id="ucj_watchdog",
    schedule=CronTriggerTimetable("0 6 * * *", timezone=WITA),  # 06:00 WITA, before office hours
    start_date=pendulum.datetime(2025, 1, 1, tz=WITA),
    catchup=False,
    max_active_runs=1,
    tags=["ucj", "ops"],
    default_args=default_args(),
    doc_md=__doc__,
)
def ucj_watchdog() -> None:
    @task
    def check_nightly_runs() -> dict:
        from ucj import tasks

        run = get_current_context()["dag_run"]
        deadline = run.logical_date or run.run_after
        return tasks.watchdog(tasks.airflow_warehouse_url(), deadline)

    check_nightly_runs()


ucj_watchdog()
