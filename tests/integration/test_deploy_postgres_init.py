"""deploy/postgres-init runs for real against the machine's PostgreSQL (throw-away names): the
databases of the docker-compose stack, their owners, and the Metabase reader's access to marts.
Skipped where no PostgreSQL is reachable on 127.0.0.1 (or ``UCJ_TEST_ADMIN_CONNINFO``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import psycopg
import pytest

from ucj.config import PROJECT_ROOT

pytestmark = pytest.mark.integration

INIT_SCRIPT = PROJECT_ROOT / "deploy" / "postgres-init" / "10-databases.sh"


@pytest.fixture(scope="module")
def env_file() -> dict[str, str]:
    values = {}
    for line in (PROJECT_ROOT / "deploy" / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@pytest.fixture
def local_postgres() -> str:
    conninfo = os.environ.get("UCJ_TEST_ADMIN_CONNINFO", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
    try:
        psycopg.connect(conninfo, connect_timeout=2).close()
    except psycopg.OperationalError:
        pytest.skip("no local PostgreSQL to run the init script against")
    if not shutil.which("psql"):
        pytest.skip("psql is not installed")
    return conninfo


def test_the_postgres_init_script_creates_the_databases(local_postgres, env_file):
    tag = uuid.uuid4().hex[:8]
    names = {
        "WAREHOUSE_DB_NAME": f"h6_wh_{tag}",
        "WAREHOUSE_DB_USER": f"h6_loader_{tag}",
        "WAREHOUSE_READER_USER": f"h6_reader_{tag}",
        "AIRFLOW_DB_NAME": f"h6_af_{tag}",
        "AIRFLOW_DB_USER": f"h6_af_{tag}",
        "METABASE_DB_NAME": f"h6_mb_{tag}",
        "METABASE_DB_USER": f"h6_mb_{tag}",
    }
    admin = psycopg.conninfo.conninfo_to_dict(local_postgres)
    env = {
        **os.environ,
        **{k: v for k, v in env_file.items() if k.endswith("_PASSWORD")},
        **names,
        "POSTGRES_USER": str(admin.get("user", "postgres")),
        "PGHOST": str(admin.get("host", "127.0.0.1")),
        "PGPORT": str(admin.get("port", "5432")),
    }
    try:
        done = subprocess.run(["bash", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        with psycopg.connect(local_postgres, autocommit=True) as conn:
            owners = dict(
                conn.execute(
                    "select datname, pg_get_userbyid(datdba) from pg_database where datname like %s",
                    (f"h6_%_{tag}",),
                ).fetchall()
            )
        assert owners == {
            names["WAREHOUSE_DB_NAME"]: names["WAREHOUSE_DB_USER"],
            names["AIRFLOW_DB_NAME"]: names["AIRFLOW_DB_USER"],
            names["METABASE_DB_NAME"]: names["METABASE_DB_USER"],
        }
        wh = psycopg.conninfo.make_conninfo(local_postgres, dbname=names["WAREHOUSE_DB_NAME"])
        with psycopg.connect(wh, autocommit=True) as conn:
            # a table the loader makes in marts is readable by the reader (Metabase) at once
            conn.execute(f"set role {names['WAREHOUSE_DB_USER']}")
            conn.execute("create table marts.probe (x int)")
            conn.execute(f"set role {names['WAREHOUSE_READER_USER']}")
            conn.execute("select * from marts.probe")
    finally:
        with psycopg.connect(local_postgres, autocommit=True) as conn:
            for db in (names["WAREHOUSE_DB_NAME"], names["AIRFLOW_DB_NAME"], names["METABASE_DB_NAME"]):
                conn.execute(f'drop database if exists "{db}" with (force)')
            for role in {names[k] for k in names if k.endswith("_USER")}:
                conn.execute(f'drop role if exists "{role}"')
