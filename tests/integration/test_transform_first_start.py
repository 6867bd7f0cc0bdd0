"""The transform's 01:30 run on a Pemda's first start: it skips, with its reason, instead of failing.

With ``catchup=False`` the scheduler makes the latest nightly slot run of ``ucj_ingest`` and of
``ucj_transform`` as soon as both are unpaused; the transform's run then starts on a warehouse the
ingest has not prepared yet, or on a raw layer it is still loading (issue 18: the compose stack's
first start had a failed transform run). The ingest's raw Asset event starts the transform.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql

from ucj import transform
from ucj.config import PROJECT_ROOT
from ucj.migrate import migrate
from ucj.warehouse import PgParams


@pytest.fixture
def empty_database(pg_server_url):
    """A database no migration has touched: the warehouse before the first ingest run."""
    server = PgParams.from_url(pg_server_url)
    name = f"ucj_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    yield PgParams(server.host, server.port, server.user, server.password, name).url()
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def test_the_slot_run_builds_only_on_a_prepared_and_loaded_raw_layer(empty_database):
    url = empty_database
    reason = transform.scheduled_build_blocked(url, ingest_runs_active=1)
    assert reason is not None and reason.startswith("the warehouse is not prepared yet (0 of ")

    migrate(PgParams.from_url(url).conninfo())
    reason = transform.scheduled_build_blocked(url, ingest_runs_active=1)
    assert reason is not None and reason.startswith("ucj_ingest is still loading (1 run(s)")
    reason = transform.scheduled_build_blocked(url, ingest_runs_active=0)
    assert reason is not None and reason.startswith("no file is loaded in the raw layer yet")

    with psycopg.connect(PgParams.from_url(url).conninfo()) as conn:
        conn.execute(
            """insert into audit.files (source, kode_wilayah, period, relative_path, file_name, content_sha256,
                   size_bytes, status, is_current)
               values ('rosters', '74.71', '2025-06', 'rosters/74.71/2025-06/a.xlsx', 'a.xlsx', 'sha', 1,
                       'quarantined', false)"""
        )
    assert transform.scheduled_build_blocked(url, ingest_runs_active=0).startswith("no file is loaded")
    with psycopg.connect(PgParams.from_url(url).conninfo()) as conn:
        conn.execute(
            """insert into audit.files (source, kode_wilayah, period, relative_path, file_name, content_sha256,
                   size_bytes, status, is_current, rows_read, rows_loaded)
               values ('rosters', '74.71', '2025-06', 'rosters/74.71/2025-06/b.xlsx', 'b.xlsx', 'sha2', 1,
                       'loaded', true, 3, 3)"""
        )
    assert transform.scheduled_build_blocked(url, ingest_runs_active=0) is None
    assert transform.scheduled_build_blocked(url, ingest_runs_active=1).startswith("ucj_ingest is still loading")


def test_the_check_comes_first_and_a_skip_skips_every_task():
    """A skipped check must skip record_run too (trigger rule all_done): nothing runs on the
    unprepared warehouse, and the run ends green rather than failed."""
    transform.ensure_manifest()
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "ucj_transform.py")).dags["ucj_transform"]
    check = dag.get_task("raw_layer_ready")
    assert check.ignore_downstream_trigger_rules is True
    assert [t.task_id for t in dag.roots] == ["raw_layer_ready"]
    assert {t.task_id for t in check.get_flat_relatives(upstream=False)} == {t.task_id for t in dag.tasks} - {
        "raw_layer_ready"
    }
