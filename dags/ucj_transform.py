"""Model the raw layer into the coverage, claims and budget marts with dbt (through Cosmos).

Runs when the ingest DAG reports new rows (the raw Asset) and every night at 01:30 WITA. The
01:30 run skips (first task `raw_layer_ready`, its reason in the log) while the warehouse is not
prepared or an ingest run is still loading, as on a first start when both slot runs begin at
once: the ingest's raw Asset event then runs the transform on the complete raw layer.
One task (`dbt.dbt_producer_watcher`) runs `dbt build` over the whole project in-process (Cosmos
ExecutionMode.WATCHER); every seed, model and snapshot is still a task of its own, and so are a
model's tests (`<model>.run`, `<model>.test`): they read what the build reported for their node,
so the Airflow UI shows each model and each model's tests. dbt build skips the descendants of a
failed test; in Airflow a failed `.test` task leaves its descendants upstream_failed. A retried
model or test task runs dbt for its node alone. After the build: the coverage reports and the dbt
docs site (`dbt docs generate --no-compile`, served by the plugin).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, AssetOrTimeSchedule, CronTriggerTimetable, get_current_context, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from ucj import transform
from ucj.airflow_env import default_args
from ucj.assets import RAW_URI

WITA = "Asia/Makassar"


with DAG(
    dag_id="ucj_transform",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("30 1 * * *", timezone=WITA),
        assets=Asset(RAW_URI),
    ),
    start_date=pendulum.datetime(2025, 1, 1, tz=WITA),
    catchup=False,  # the marts are rebuilt from everything loaded; old intervals add nothing
    max_active_runs=1,
    tags=["ucj", "transform", "dbt"],
    default_args=default_args(),
    doc_md=__doc__,
) as dag:
    manifest = transform.manifest_path()
    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=transform.project_dir(),
            manifest_path=manifest if manifest.exists() else None,
            install_dbt_deps=False,
        ),
        profile_config=ProfileConfig(
            profile_name=transform.PROFILE,
            target_name=transform.TARGET,
            profiles_yml_filepath=transform.project_dir() / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,  # one `dbt build`, one watching task per node
            invocation_mode=InvocationMode.DBT_RUNNER,
            setup_operator_args=transform.producer_args(),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST if manifest.exists() else LoadMode.DBT_LS,
            test_behavior=TestBehavior.AFTER_EACH,  # a model's tests: one task after the model's
            should_detach_multiple_parents_tests=True,  # a test of two models: its own task after both
            # Cosmos' per-table dataset URIs need a TCP host; the embedded warehouse is a unix
            # socket. The DAG-level Assets (ucj://warehouse/...) carry the data-aware schedule.
            emit_datasets=False,
            # Exposures (the BI dashboards) are documentation, not work: Cosmos has no task for
            # them and warned once per exposure at every parse.
            exclude=["resource_type:exposure"],
        ),
        operator_args={"on_execute_callback": transform.speed_up_in_process_dbt},
    )
    transform.watch_after_build(dbt)

    @task.short_circuit(ignore_downstream_trigger_rules=True)
    def raw_layer_ready() -> bool:
        """The 01:30 run skips (reason in its log) while the ingest has not prepared or is still
        loading the raw layer, as on a first start: the ingest's raw Asset event runs the transform."""
        from ucj import tasks

        return tasks.transform_may_build(get_current_context())

    @task
    def record_start() -> None:
        from ucj import tasks

        tasks.record_run_start_from_context(get_current_context())

    @task
    def publish_opd_aliases() -> None:
        """The config folder's OPD aliases and NPP pairs into audit.opd_aliases, for dbt to read."""
        from ucj import tasks

        transform.publish_opd_aliases(tasks.airflow_warehouse_url())

    @task
    def build_reports() -> None:
        """The coverage reports (one per Pemda, one for the province) from tonight's marts."""
        from ucj import tasks
        from ucj.report.airflow import nightly_reports

        nightly_reports(tasks.airflow_warehouse_url(), get_current_context().get("logical_date"))

    @task
    def build_docs() -> None:
        """The dbt docs site (Bahasa Indonesia overview) from tonight's build: the plugin's dbt Docs."""
        from ucj.dbt_docs import generate_docs

        generate_docs()

    @task(trigger_rule="all_done")
    def record_run() -> None:
        from ucj import tasks

        tasks.record_run_from_context(get_current_context(), summary_task_id=None)

    raw_layer_ready() >> record_start() >> publish_opd_aliases() >> dbt
    dbt >> [build_reports(), build_docs()] >> record_run()
