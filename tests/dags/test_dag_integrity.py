"""Every DAG imports without errors and follows the house rules (tags, retries, owner, time zone)."""

from __future__ import annotations

import pytest

from ucj import transform
from ucj.config import PROJECT_ROOT, TIMEZONE

DAG_IDS = ("ucj_ingest", "ucj_transform", "ucj_backfill", "ucj_watchdog", "ucj_full_checks")


@pytest.fixture(scope="module")
def dagbag():
    transform.ensure_manifest()
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(DAG_IDS) <= set(dagbag.dag_ids)


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_house_rules(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.tags and "ucj" in dag.tags
    assert dag.doc_md
    assert dag.timezone.name == TIMEZONE
    assert dag.catchup is False
    for task in dag.tasks:
        assert 2 <= task.retries <= 4, f"{dag_id}.{task.task_id} retries={task.retries}"
        assert task.owner == "ucj-data"


def test_ingest_loads_through_the_pool_and_emits_the_raw_asset(dagbag):
    dag = dagbag.dags["ucj_ingest"]
    assert dag.get_task("ingest_file").pool == "warehouse_db"
    outlets = [a.uri for a in dag.get_task("summarize").outlets]
    assert outlets == ["ucj://warehouse/raw"]


def test_transform_shows_every_model_and_its_tests(dagbag):
    """One `dbt build` task; every seed, model and snapshot has a task reading its own result,
    every tested node a task for its tests after it, every test of two nodes a task after both;
    all of them start after the build."""
    import json

    from cosmos.operators.watcher import DbtConsumerWatcherSensor, DbtTestWatcherOperator

    from ucj import transform

    dag = dagbag.dags["ucj_transform"]
    manifest = json.loads(transform.manifest_path().read_text())
    nodes = manifest["nodes"].values()
    expected = {n["unique_id"] for n in nodes if n["resource_type"] in ("model", "seed", "snapshot")}
    tests = [n for n in nodes if n["resource_type"] == "test"]
    tested = {n["depends_on"]["nodes"][0] for n in tests if len(n["depends_on"]["nodes"]) == 1}
    two_parent_tests = {n["unique_id"] for n in tests if len(n["depends_on"]["nodes"]) > 1}

    watchers = [t for t in dag.tasks if isinstance(t, DbtConsumerWatcherSensor)]
    watched = {t.model_unique_id for t in watchers if not isinstance(t, DbtTestWatcherOperator)}
    tests_watched = {t.model_unique_id for t in watchers if isinstance(t, DbtTestWatcherOperator)}
    assert "model.ucj_warehouse.fct_opd_enrollment_monthly" in watched
    assert watched == expected, "every seed, model and snapshot is a task of its own"
    assert tests_watched == (tested & expected) | two_parent_tests, "a task for a node's tests, one per test of two"

    producer = dag.get_task("dbt.dbt_producer_watcher")
    after_build = producer.get_flat_relative_ids(upstream=False)
    assert {t.task_id for t in watchers} <= after_build, "watching tasks start after the dbt build"
    for test_task in (t for t in watchers if isinstance(t, DbtTestWatcherOperator)):
        parents = {getattr(t, "model_unique_id", None) for t in test_task.upstream_list}
        if test_task.model_unique_id in two_parent_tests:
            assert parents & expected, f"{test_task.task_id} runs after its nodes' tasks"
        else:
            assert test_task.model_unique_id in parents, f"{test_task.task_id} runs after its node's task"
        # a failed test stops the node's descendants: they run only after its success
        for child in test_task.downstream_list:
            if isinstance(child, DbtConsumerWatcherSensor):
                assert child.trigger_rule == "all_success", child.task_id
    assert {"record_start", "record_run", "build_reports", "build_docs"} <= set(dag.task_ids)
    for after_build in ("build_reports", "build_docs"):  # the reports and the dbt docs site (issue 20)
        task = dag.get_task(after_build)
        assert producer.task_id in task.get_flat_relative_ids(upstream=True), f"{after_build} after the dbt build"
        assert "record_run" in task.downstream_task_ids
    # the config folder's OPD aliases reach audit.opd_aliases before dbt reads them (issue 15)
    aliases = dag.get_task("publish_opd_aliases")
    assert producer.task_id in aliases.get_flat_relative_ids(upstream=False), "aliases published before dbt"


def test_every_transform_task_that_runs_dbt_takes_the_dbt_lock(dagbag):
    """The build and every per-node retry run dbt under the warehouse's dbt lock (issue 16: two
    builds at once failed with ``relation ... already exists``); Airflow's copy of a task keeps it."""
    import copy

    from cosmos.operators.local import AbstractDbtLocalBase

    dag = dagbag.dags["ucj_transform"]
    runs_dbt = [t for t in dag.tasks if isinstance(t, AbstractDbtLocalBase)]
    assert "dbt.dbt_producer_watcher" in {t.task_id for t in runs_dbt}
    assert len(runs_dbt) > 100, "the build and the watcher of every node"
    for task in runs_dbt:
        assert type(task).run_dbt_runner.__qualname__.startswith("_locked_operator_class"), task.task_id
        assert type(task).__name__ == type(task).__mro__[1].__name__, "the UI shows Cosmos' class name"
        assert type(copy.copy(task)) is type(task)


def test_ingest_takes_a_region_and_reprocess(dagbag):
    params = dagbag.dags["ucj_ingest"].params
    assert params["reprocess"] is False and params["kode_wilayah"] is None


def test_backfill_runs_one_month_per_run_in_wita(dagbag):
    """`airflow backfill create --from-date 2025-04-01 --to-date 2025-06-30` (dates in the default
    time zone, WITA) makes three runs whose logical dates are the first of April, May and June."""
    import pendulum
    from airflow.serialization.serialized_objects import DagSerialization

    dag = dagbag.dags["ucj_backfill"]
    assert dag.max_active_runs == 1
    assert set(dag.params) >= {"kode_wilayah", "reprocess", "period", "landing_dir"}
    assert dag.get_task("ingest_file").pool == "warehouse_db"
    assert not dag.get_task("summarize").outlets, "a backfill rebuilds its own marts; it does not trigger the transform"
    serialized = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    wita = pendulum.timezone(TIMEZONE)
    infos = list(
        serialized.iter_dagrun_infos_between(
            pendulum.datetime(2025, 4, 1, tz=wita), pendulum.datetime(2025, 6, 30, tz=wita)
        )
    )
    assert [i.logical_date.in_timezone(wita).strftime("%Y-%m-%d %H:%M") for i in infos] == [
        "2025-04-01 00:00",
        "2025-05-01 00:00",
        "2025-06-01 00:00",
    ]
    assert [i.data_interval.end.in_timezone(wita).day for i in infos] == [1, 1, 1]


def test_watchdog_checks_at_six_wita(dagbag):
    dag = dagbag.dags["ucj_watchdog"]
    assert dag.timetable.expression == "0 6 * * *"
    assert dag.task_ids == ["check_nightly_runs"]
