"""The transform DAG (one dbt build, one watching task per node) when a dbt test fails.

Raw data are loaded straight through the loader (GX, COPY; no ingest DAG), one claims line is
given a status dbt's accepted_values test refuses, then the transform DAG runs with dag.test():
the test task of the staging model fails, every descendant of that model stays upstream_failed
(and dbt built none of them), while the models beside it are built and reported as built.
"""

from __future__ import annotations

import json

import pytest

from ucj import airflow_env, tasks, transform
from ucj.generate import generate
from ucj.warehouse import connect

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def failed_run(module_warehouse, tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    generate(scale="tiny", seed=7, out=landing, defect_rate=0)
    for relative_path in tasks.list_files(landing):
        outcome = tasks.ingest_one(relative_path, landing, module_warehouse.url, run_id="test")
        assert outcome["status"] == "loaded", outcome
    with connect(module_warehouse.url) as conn:
        changed = conn.execute(
            "update raw.claims set status_klaim = 'DIBATALKAN' where ctid = (select min(ctid) from raw.claims)"
        ).rowcount
    assert changed == 1
    airflow_env.migrate_metadata()
    transform.ensure_manifest()
    run = airflow_env.run_dag("ucj_transform")
    from airflow.models.dagrun import DagRun

    states = {
        ti.task_id: str(ti.state) for ti in DagRun.find(dag_id=run.dag_id, run_id=run.run_id)[0].get_task_instances()
    }
    return run, states, module_warehouse


def _models() -> tuple[set[str], set[str]]:
    """(every model, the models downstream of stg_ucj__claims) from the manifest."""
    manifest = json.loads(transform.manifest_path().read_text())
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    children, found = manifest["child_map"], set()
    stack = ["model.ucj_warehouse.stg_ucj__claims"]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return models, {c.split(".")[-1] for c in found if c.startswith("model.")}


def _run_state(states: dict[str, str], model: str) -> str:
    """The state of a model's run task: ``dbt.<model>.run`` in the task group of a model with
    tests, ``dbt.<model>_run`` for a model without (Cosmos makes no group for it)."""
    return states.get(f"dbt.{model}.run") or states[f"dbt.{model}_run"]


def test_failed_test_stops_the_descendants(failed_run):
    run, states, _ = failed_run
    assert "dbt.stg_ucj__claims.test" in run.failed_tasks
    # the failed test, and the last task, which records the run and then fails it: the run is not green
    assert sorted(t for t, s in states.items() if s == "failed") == ["dbt.stg_ucj__claims.test", "record_run"]
    assert run.state == "failed"
    with connect(failed_run[2].url) as conn:
        recorded = conn.execute(
            "select state from audit.pipeline_runs where dag_id = 'ucj_transform' and run_id = %s", (run.run_id,)
        ).fetchall()
    assert recorded == [("failed",)]  # recorded before the last task failed the run
    assert states["dbt.stg_ucj__claims.run"] == "success", "the model was built; its test failed"
    _, descendants = _models()
    assert {"int_claims_lifecycle", "fct_claims", "fct_claims_monthly"} <= descendants
    for model in descendants:
        assert _run_state(states, model) == "upstream_failed", model


def test_models_beside_the_failure_are_built(failed_run):
    _, states, warehouse = failed_run
    models, descendants = _models()
    beside = models - descendants - {"stg_ucj__claims"}
    assert {"dim_region", "stg_ucj__rosters"} <= beside
    for model in beside:
        assert _run_state(states, model) == "success", model
    with connect(warehouse.url) as conn:
        built = {r[0] for r in conn.execute("select table_name from information_schema.tables")}
    assert beside <= built
    assert not built & descendants, "dbt build skipped the descendants of the failed test"
