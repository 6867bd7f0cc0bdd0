"""Real PostgreSQL for integration tests: one server per session, a fresh database per test.

``UCJ_TEST_WAREHOUSE_URL`` points the tests at another server (e.g. the machine's
PostgreSQL); otherwise the embedded server is started in the session's state folder. The modules
marked ``servers.BOTH_SERVERS`` run a second time on an external server (``UCJ_TEST_EXTERNAL_URL``).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from servers import external_server_url

from ucj.migrate import migrate
from ucj.warehouse import PgParams, export_environment, start_embedded, stop_embedded


@dataclass(frozen=True)
class Warehouse:
    url: str
    conninfo: str


@pytest.fixture(scope="session")
def default_server_url():
    """The session's server: ``UCJ_TEST_WAREHOUSE_URL``, else the embedded one (started once)."""
    url = os.environ.get("UCJ_TEST_WAREHOUSE_URL")
    if url:
        yield url
        return
    yield start_embedded(Path(os.environ["UCJ_STATE_DIR"]) / "pgdata")
    stop_embedded()


@pytest.fixture(scope="session")
def pg_server_url(request):
    """The server a test's databases are made on: the session's, or for the modules marked
    :data:`servers.BOTH_SERVERS` also the external one (``servers.external_server_url``)."""
    if getattr(request, "param", "default") == "external":
        return external_server_url()
    return request.getfixturevalue("default_server_url")


@pytest.fixture
def warehouse(pg_server_url, monkeypatch):
    server = PgParams.from_url(pg_server_url)
    name = f"ucj_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = PgParams(server.host, server.port, server.user, server.password, name).url()
    monkeypatch.setenv("UCJ_WAREHOUSE_URL", url)
    saved = {
        k: os.environ.get(k)
        for k in (
            "AIRFLOW_CONN_WAREHOUSE",
            "UCJ_PGHOST",
            "UCJ_PGPORT",
            "UCJ_PGUSER",
            "UCJ_PGPASSWORD",
            "UCJ_PGDATABASE",
        )
    }
    export_environment(url)
    conninfo = PgParams.from_url(url).conninfo()
    migrate(conninfo)
    yield Warehouse(url, conninfo)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def module_warehouse(pg_server_url, tmp_path_factory):
    """Like ``warehouse``, but one database for a whole test module (tests that share one costly
    ingest run and then look at its results from several angles). Quarantine goes to a folder of
    the module's own (``UCJ_QUARANTINE_DIR``), never into the project."""
    server = PgParams.from_url(pg_server_url)
    name = f"ucj_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = PgParams(server.host, server.port, server.user, server.password, name).url()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UCJ_WAREHOUSE_URL", url)
        patch.setenv("UCJ_QUARANTINE_DIR", str(tmp_path_factory.mktemp("quarantine")))
        for key in (
            "AIRFLOW_CONN_WAREHOUSE",
            "UCJ_PGHOST",
            "UCJ_PGPORT",
            "UCJ_PGUSER",
            "UCJ_PGPASSWORD",
            "UCJ_PGDATABASE",
        ):
            patch.delenv(key, raising=False)  # the value before is restored when the context ends
        export_environment(url)
        conninfo = PgParams.from_url(url).conninfo()
        migrate(conninfo)
        yield Warehouse(url, conninfo)
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))
