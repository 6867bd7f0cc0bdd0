"""Ingest every landed file: validate with Great Expectations, load with COPY, or quarantine."""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, Param, dag, get_current_context, task

from ucj.airflow_env import WAREHOUSE_POOL, default_args
from ucj.assets import RAW_URI

WITA = "Asia/Makassar"


def _warehouse_url() -> str:
    from airflow.sdk import BaseHook

    return BaseHook.get_connection("warehouse").get_uri()


@dag(
    dag_id="ucj_ingest",
    schedule=CronTriggerTimetable("0 1 * * *", timezone=WITA),  # nightly 01:00 WITA
    start_date=pendulum.datetime(2025, 1, 1, tz=WITA),
    catchup=False,  # files carry their own period; a run loads whatever has landed
    max_active_runs=1,
    tags=["ucj", "ingest"],
    default_args=default_args(),
    params={
        "landing_dir": Param(None, type=["null", "string"], description="Landing folder (default: UCJ_LANDING_DIR)")
    },
    doc_md=__doc__,
)
def ucj_ingest() -> None:
    @task
    def prepare_warehouse() -> list[int]:
        from ucj import tasks

        return tasks.prepare_warehouse(_warehouse_url())

    @task
    def list_files() -> list[str]:
        from ucj import tasks

        params = get_current_context()["params"]
        return tasks.list_files(tasks.landing_dir_from(params.get("landing_dir")))

    @task(pool=WAREHOUSE_POOL, max_active_tis_per_dagrun=2)
    def ingest_file(relative_path: str) -> dict:
        from ucj import tasks

        context = get_current_context()
        landing = tasks.landing_dir_from(context["params"].get("landing_dir"))
        return tasks.ingest_one(relative_path, landing, _warehouse_url(), context["run_id"])

    @task(outlets=[Asset(RAW_URI)])
    def summarize(outcomes: list[dict]) -> dict:
        from ucj import tasks

        return tasks.summarize(list(outcomes))

    @task
    def build_data_docs() -> str:
        from ucj.ingest.validation import build_data_docs

        return str(build_data_docs())

    files = list_files()
    prepare_warehouse() >> files
    summarize(ingest_file.expand(relative_path=files)) >> build_data_docs()


ucj_ingest()
