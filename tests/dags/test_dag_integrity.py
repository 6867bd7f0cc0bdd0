"""Every DAG imports without errors and follows the house rules (tags, retries, owner, time zone)."""

from __future__ import annotations

import pytest

from ucj import transform
from ucj.config import PROJECT_ROOT, TIMEZONE

DAG_IDS = ("ucj_ingest", "ucj_transform", "ucj_backfill", "ucj_watchdog")


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


def test_transform_builds_every_model_with_its_tests(dagbag):
    """One task per dbt node runs `dbt build` on it (the model, then its tests), seeds first."""
    import json

    from ucj import transform

    dag = dagbag.dags["ucj_transform"]
    task_ids = set(dag.task_ids)
    manifest = json.loads(transform.manifest_path().read_text())
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    built = {t.removeprefix("dbt.").removesuffix("_model_build") for t in task_ids if t.endswith("_model_build")}
    assert "fct_opd_enrollment_monthly" in built
    assert models == built, "every model is one task that builds it and runs its tests"
    assert {"record_start", "record_run"} <= task_ids


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
        "2025-04-01 00:00", "2025-05-01 00:00", "2025-06-01 00:00",
    ]  # fmt: skip
    assert [i.data_interval.end.in_timezone(wita).day for i in infos] == [1, 1, 1]


def test_watchdog_checks_at_six_wita(dagbag):
    dag = dagbag.dags["ucj_watchdog"]
    assert dag.timetable.expression == "0 6 * * *"
    assert dag.task_ids == ["check_nightly_runs"]
