"""Every DAG imports without errors and follows the house rules (tags, retries, owner, time zone)."""

from __future__ import annotations

import pytest

from ucj import transform
from ucj.config import PROJECT_ROOT, TIMEZONE


@pytest.fixture(scope="module")
def dagbag():
    transform.ensure_manifest()
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {"ucj_ingest", "ucj_transform"} <= set(dagbag.dag_ids)


@pytest.mark.parametrize("dag_id", ["ucj_ingest", "ucj_transform"])
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
