"""The pipeline on the CeleryExecutor: a real scheduler, api-server, dag-processor and two Celery
workers (``ucj.ops.celery_stack``, what ``scripts/celery_stack.sh up`` starts), the machine's Redis
as broker and its PostgreSQL for Airflow's metadata.

One run of ``ucj_ingest`` over a copy of the tiny generated data, then ``ucj_transform``; both must
succeed, tasks must have run on both workers, and the enrollment mart must say what the files say
(``pipeline_expectations``, independent readers), as on the ``dag.test()`` path.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import replace

import pytest
import redis
from pipeline_expectations import expected_enrollment, mart_enrollment

from ucj.generate import generate
from ucj.ops.celery_stack import CeleryStack, StackConfig, drop_database, ensure_services, free_port
from ucj.warehouse import connect

pytestmark = pytest.mark.integration

SOURCES = ("rosters", "participants", "claims", "budgets", "workforce")
PG_SERVER = os.environ.get("UCJ_CELERY_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("UCJ_CELERY_REDIS_URL", "redis://127.0.0.1:6379")


def _redis_base(url: str) -> str:
    return url.rsplit("/", 1)[0] if url.count("/") > 2 else url


def _free_redis_db(base_url: str) -> str:
    """A Redis database nobody uses now (Celery's broadcast ping reaches every worker of a database)."""
    base = _redis_base(base_url)
    for number in range(15, 1, -1):
        if redis.Redis.from_url(f"{base}/{number}").dbsize() == 0:
            return f"{base}/{number}"
    pytest.fail("no empty Redis database for the Celery broker")


@pytest.fixture
def stack(warehouse, tmp_path):
    """The stack against the test's warehouse; torn down (and its metadata database dropped) always."""
    landing = tmp_path / "landing"
    airflow_db = (
        f"postgresql+psycopg2://{PG_SERVER.split('://', 1)[1].rsplit('/', 1)[0]}/ucj_celery_{uuid.uuid4().hex[:10]}"
    )
    config = StackConfig(
        state_dir=tmp_path / "celery",
        airflow_db_url=airflow_db,
        redis_url=_redis_base(REDIS) + "/0",
        warehouse_url=warehouse.url,
        queue=f"ucj-test-{uuid.uuid4().hex[:6]}",
        api_port=free_port(),
        trigger_log_port=free_port(),
        workers=2,
        concurrency=2,  # 4 slots: the watcher tasks wait on the API more than they use the CPU
        triggerer=False,  # no deferrable task; the stack's own `up` starts one
        use_schedule=False,  # no nightly run of its own while the test drives the runs
        paused_at_creation=True,
        landing_dir=landing,
        quarantine_dir=tmp_path / "quarantine",
        extra_env={"UCJ_RETRY_DELAY_SECONDS": "1"},
    )
    ensure_services(config)  # Redis and PostgreSQL, started as the stack's `up` would if they are down
    config = replace(config, redis_url=_free_redis_db(REDIS))
    celery_stack = CeleryStack(config)
    try:
        celery_stack.up(timeout=420)
        yield celery_stack
    finally:
        celery_stack.down(grace=10)
        drop_database(airflow_db)
        redis.Redis.from_url(config.redis_url).flushdb()  # it was empty when chosen: only the stack's keys


def test_pipeline_on_two_celery_workers(stack, warehouse, tmp_path):
    generated = tmp_path / "generated"
    generate(scale="tiny", seed=7, out=generated, defect_rate=0)
    landing = stack.config.landing_dir
    for source in SOURCES:
        shutil.copytree(generated / source, landing / source)
    client = stack.client()
    try:
        for dag_id in ("ucj_ingest", "ucj_transform"):
            client.set_paused(dag_id, False)
        runs = {"ucj_ingest": client.trigger("ucj_ingest", {"landing_dir": str(landing)})}
        ingest = client.wait_for_run("ucj_ingest", runs["ucj_ingest"], timeout=900)
        assert ingest["state"] == "success", ingest
        runs["ucj_transform"] = client.trigger("ucj_transform")
        transform = client.wait_for_run("ucj_transform", runs["ucj_transform"], timeout=1500)
        assert transform["state"] == "success", transform

        task_instances = [ti for dag_id, run_id in runs.items() for ti in client.task_instances(dag_id, run_id)]
        assert [ti for ti in task_instances if ti["state"] != "success"] == []
        # Cosmos renders some nodes as EmptyOperator, which the scheduler marks done without a worker
        not_run = [ti for ti in task_instances if (ti.get("operator_name") or ti.get("operator")) == "EmptyOperator"]
        ran = [ti for ti in task_instances if ti not in not_run]
        assert {ti["hostname"] for ti in ran} == {"ucj-worker-1", "ucj-worker-2"}
        assert all(ti["hostname"] == "" for ti in not_run)
        assert sum(ti["task_id"] == "ingest_file" for ti in task_instances) > 1, "mapped, one task per file"
    except BaseException:
        print(stack.log_tails())
        raise

    expected = expected_enrollment(landing, generated / "manifest.json")
    assert expected, "the tiny scale has OPD rosters"
    assert mart_enrollment(warehouse.url) == expected
    with connect(warehouse.url) as conn:
        recorded = dict(conn.execute("select dag_id, state from audit.pipeline_runs where run_id = any(%s)",
                                     (list(runs.values()),)).fetchall())  # fmt: skip
    assert recorded == {"ucj_ingest": "success", "ucj_transform": "success"}
