"""Ingest every landed file: validate with Great Expectations, load with COPY, or quarantine.

Conf (all optional): ``landing_dir``; ``kode_wilayah`` (only that region's folders);
``reprocess`` (load again files whose content is unchanged, e.g. after a rule change).
To reprocess given periods, use ``ucj_backfill`` (one run per month).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, Param, dag, get_current_context, task

from ucj.airflow_env import WAREHOUSE_POOL, default_args
from ucj.assets import RAW_URI

WITA = "Asia/Makassar"


@dag(
    dag_id="ucj_ingest",
    schedule=CronTriggerTimetable("0 1 * * *", timezone=WITA),  # nightly 01:00 WITA
    start_date=pendulum.datetime(2025, 1, 1, tz=WITA),
    catchup=False,  # files carry their own period; a run loads whatever has landed
    max_active_runs=1,
    tags=["ucj", "ingest"],
    default_args=default_args(),
    params={
        "landing_dir": Param(None, type=["null", "string"], description="Landing folder (default: UCJ_LANDING_DIR)"),
        "kode_wilayah": Param(
            None, type=["null", "string"], pattern=r"^\d{2}(\.\d{2})?$", description="Only this region (e.g. 74.71)"
        ),
        "reprocess": Param(False, type="boolean", description="Load again files whose content is unchanged"),
    },
    doc_md=__doc__,
)
def ucj_ingest() -> None:
    @task
    def prepare_warehouse() -> list[int]:
        from ucj import tasks

        applied = tasks.prepare_warehouse(tasks.airflow_warehouse_url())
        tasks.record_run_start_from_context(get_current_context())
        return applied

    @task
    def list_files() -> list[str]:
        from ucj import tasks

        params = get_current_context()["params"]
        return tasks.list_files(tasks.landing_dir_from(params.get("landing_dir")), params.get("kode_wilayah"))

    @task(pool=WAREHOUSE_POOL, max_active_tis_per_dagrun=2, map_index_template="{{ landed_file }}")
    def ingest_file(relative_path: str) -> dict:
        from ucj import tasks
        from ucj.ops.retries import no_retry_on_data_errors

        context = get_current_context()
        context["landed_file"] = relative_path  # the UI labels the mapped task by its file
        params = context["params"]
        landing = tasks.landing_dir_from(params.get("landing_dir"))
        with no_retry_on_data_errors():  # a bad file is quarantined; a bug in the data path fails once
            return tasks.ingest_one(
                relative_path, landing, tasks.airflow_warehouse_url(), context["run_id"], bool(params.get("reprocess"))
            )

    @task(outlets=[Asset(RAW_URI)])
    def summarize(outcomes: list[dict]) -> dict:
        from ucj import tasks

        # One request for every mapped result: iterating would ask for one past the end and the
        # Airflow client logs that 404 as an `[error] XCom not found` line.
        return tasks.summarize(list(outcomes[:]))

    @task
    def build_data_docs() -> str:
        from ucj.ingest.validation import build_data_docs

        return str(build_data_docs())

    @task(trigger_rule="all_done")
    def record_run() -> None:
        from ucj import tasks

        tasks.record_run_from_context(get_current_context(), summary_task_id="summarize")

    files = list_files()
    prepare_warehouse() >> files
    summarize(ingest_file.expand(relative_path=files)) >> build_data_docs() >> record_run()


ucj_ingest()
