"""Reprocess one period, optionally of one region: re-ingest its files, then rebuild its marts.

One run is one month (its logical date's month in WITA), so
``airflow backfill create --dag-id ucj_backfill --from-date 2025-04-01 --to-date 2025-06-30``
makes three runs: April, May, June 2025. Conf (all optional): ``kode_wilayah`` (one region:
no file, raw row, audit row or mart row of another region changes), ``reprocess`` (load files
again even when their content is unchanged, e.g. after a rule change), ``period`` (overrides the
month; ``YYYY`` reprocesses the yearly files, budgets and workforce), ``landing_dir``.

Each run: the period's files go through the same load as the nightly ingest (GX, COPY, one
transaction per file); then ``dbt build`` rebuilds the incremental facts for the region's months
from the period on (vars ``reprocess_from_month``, ``reprocess_kode_wilayah``) and every table
mart. dbt never runs while ``ucj_transform`` runs (an advisory lock, ``ucj.tasks.dbt_guard``).

Its own schedule is active: at 00:00 WITA on the 1st it settles the month just ended (new and
changed files only, no reprocess). ``catchup=False``: history is reprocessed by explicit
backfills only. Backfill runs need the DAG unpaused (Airflow 3.3 runs no task of a paused DAG).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task

from ucj.airflow_env import WAREHOUSE_POOL, default_args

WITA = "Asia/Makassar"


@dag(
    dag_id="ucj_backfill",
    schedule=CronDataIntervalTimetable("0 0 1 * *", timezone=WITA),  # monthly intervals in WITA
    start_date=pendulum.datetime(2025, 1, 1, tz=WITA),
    catchup=False,  # reprocessing history is an explicit `airflow backfill create`
    max_active_runs=1,
    tags=["ucj", "backfill"],
    default_args=default_args(),
    params={
        "kode_wilayah": Param(
            None, type=["null", "string"], pattern=r"^\d{2}(\.\d{2})?$", description="Only this region (e.g. 74.71)"
        ),
        "reprocess": Param(False, type="boolean", description="Load again files whose content is unchanged"),
        "period": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}(-\d{2})?$",
            description="YYYY-MM or YYYY (default: the month of the logical date)",
        ),
        "landing_dir": Param(None, type=["null", "string"], description="Landing folder (default: UCJ_LANDING_DIR)"),
    },
    doc_md=__doc__,
)
def ucj_backfill() -> None:
    @task
    def prepare() -> dict:
        from ucj import tasks
        from ucj.ops.retries import no_retry_on_data_errors

        context = get_current_context()
        run = context["dag_run"]
        with no_retry_on_data_errors():  # a wrong period or region in the conf fails at once
            scope = tasks.backfill_scope(context["params"], run.logical_date)
        tasks.prepare_warehouse(tasks.airflow_warehouse_url())
        tasks.record_run_start_from_context(context)
        return scope.as_dict()

    @task
    def list_files(scope: dict) -> list[str]:
        from ucj import tasks

        landing = tasks.landing_dir_from(get_current_context()["params"].get("landing_dir"))
        return tasks.list_files(landing, scope["kode_wilayah"], scope["period"])

    @task(pool=WAREHOUSE_POOL, max_active_tis_per_dagrun=2, map_index_template="{{ landed_file }}")
    def ingest_file(relative_path: str, scope: dict) -> dict:
        from ucj import tasks
        from ucj.ops.retries import no_retry_on_data_errors

        context = get_current_context()
        context["landed_file"] = relative_path  # the UI labels the mapped task by its file
        landing = tasks.landing_dir_from(context["params"].get("landing_dir"))
        with no_retry_on_data_errors():
            return tasks.ingest_one(
                relative_path, landing, tasks.airflow_warehouse_url(), context["run_id"], scope["reprocess"]
            )

    @task
    def summarize(outcomes: list[dict]) -> dict:
        from ucj import tasks

        # One request for every mapped result: iterating would ask for one past the end and the
        # Airflow client logs that 404 as an `[error] XCom not found` line.
        return tasks.summarize(list(outcomes[:]))

    @task
    def rebuild_marts(scope: dict) -> dict:
        from ucj import tasks

        ti = get_current_context()["ti"]
        return tasks.rebuild_marts(
            tasks.airflow_warehouse_url(),
            tasks.BackfillScope(**scope),
            transform_running=lambda: ti.get_dr_count(dag_id=tasks.TRANSFORM_DAG_ID, states=["running"]) > 0,
        )

    @task(trigger_rule="all_done")
    def record_run() -> None:
        from ucj import tasks

        tasks.record_run_from_context(get_current_context(), summary_task_id="summarize")

    scope = prepare()
    summary = summarize(ingest_file.partial(scope=scope).expand(relative_path=list_files(scope)))
    summary >> rebuild_marts(scope) >> record_run()


ucj_backfill()
