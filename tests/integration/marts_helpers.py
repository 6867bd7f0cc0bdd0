"""Helpers of the marts integration tests: a fresh warehouse database per test module, the
pipeline run, and a checksum per mart."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from ucj.migrate import migrate
from ucj.warehouse import PgParams, export_environment

SOURCES = ("rosters", "participants", "claims", "budgets", "workforce")
ENV_KEYS = (
    "UCJ_WAREHOUSE_URL",
    "UCJ_QUARANTINE_DIR",
    "UCJ_DBT_TARGET_DIR",
    "AIRFLOW_CONN_WAREHOUSE",
    "UCJ_PGHOST",
    "UCJ_PGPORT",
    "UCJ_PGUSER",
    "UCJ_PGPASSWORD",
    "UCJ_PGDATABASE",
)


class ModuleWarehouse:
    """A fresh warehouse database for one test module, its environment set while it lives."""

    def __init__(self, tmp: Path, server_url: str):
        """``server_url``: the session's server (the ``pg_server_url`` fixture, which owns it)."""
        self.tmp = tmp
        self.server = PgParams.from_url(server_url)
        self.saved = {k: os.environ.get(k) for k in ENV_KEYS}
        self.names: list[str] = []

    def database(self) -> str:
        """Create a fresh database, point the whole environment at it, migrate; return its conninfo."""
        name = f"ucj_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.server.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        self.names.append(name)
        p = self.server
        url = PgParams(p.host, p.port, p.user, p.password, name).url()
        os.environ["UCJ_WAREHOUSE_URL"] = url
        os.environ["UCJ_QUARANTINE_DIR"] = str(self.tmp / f"quarantine-{name}")
        os.environ["UCJ_DBT_TARGET_DIR"] = str(self.tmp / "dbt-target")
        export_environment(url)
        conninfo = PgParams.from_url(url).conninfo()
        migrate(conninfo)
        return conninfo

    def close(self) -> None:
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with psycopg.connect(self.server.conninfo("postgres"), autocommit=True) as conn:
            for name in self.names:
                conn.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,))
                conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))


def copy_landing(generated: Path, target: Path) -> Path:
    """A copy of the landing folder (the pipeline moves quarantined files out of it)."""
    for source in SOURCES:
        if (generated / source).exists():
            shutil.copytree(generated / source, target / source)
    return target


def ingest_then_build(landing: Path, *dbt_args: str) -> None:
    """Load the landing folder with the ingest DAG (Airflow dag.test, GX, COPY), then run
    ``dbt build`` in-process: the same models as the transform DAG without a Cosmos task per node."""
    from ucj import airflow_env, transform

    airflow_env.migrate_metadata()
    run = airflow_env.run_dag("ucj_ingest", {"landing_dir": str(landing.resolve())})
    assert run.state == "success" and not run.failed_tasks, run
    transform.run_dbt(["build", *dbt_args])


def mart_checksums(conninfo: str, schema: str = "marts") -> dict[str, tuple[int, str]]:
    """(row count, md5 of the sorted row hashes) of every table of the schema. Views are left out:
    the ``*_v1`` views are functions of the tables, and ``marts.fct_source_freshness`` shows the
    file registry's load times, which differ between two warehouses loaded from the same files."""
    with psycopg.connect(conninfo) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = %s"
                " and table_type = 'BASE TABLE' order by 1",
                (schema,),
            )
        ]
        out = {}
        for table in tables:
            query = sql.SQL(
                "select count(*), md5(coalesce(string_agg(h, '' order by h), '')) "
                "from (select md5(t::text) as h from {}.{} as t) as hashes"
            ).format(sql.Identifier(schema), sql.Identifier(table))
            out[table] = tuple(conn.execute(query).fetchone())
        return out
