"""Helpers of the backfill and retry tests: run a DAG with dag.test() and see its task instances,
row fingerprints of a warehouse, and the marts of an undisturbed run (computed once a session)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from marts_helpers import ModuleWarehouse, copy_landing, ingest_then_build, mart_checksums
from psycopg import sql

from ucj.config import PROJECT_ROOT

SEED = 7
MART_SCHEMAS = ("marts", "restricted")
RAW_TABLES = ("rosters", "participants", "claims", "budgets", "workforce")
INCREMENTAL = (
    ("intermediate", "int_participation_monthly"),
    ("marts", "fct_coverage_monthly"),
    ("marts", "fct_opd_enrollment_monthly"),
)
_UNDISTURBED: dict[int, dict[str, Any]] = {}


def prepare_airflow() -> None:
    """Airflow's metadata DB and the dbt manifest of this test's target folder: with the manifest
    the transform DAG parses in a second (without it Cosmos runs ``dbt ls``, slow on a busy machine)."""
    from ucj import airflow_env, transform

    airflow_env.migrate_metadata()
    transform.ensure_manifest()


def run_dag_test(dag_id: str, logical_date: datetime | None = None, conf: dict | None = None) -> Any:
    """One run of ``dags/<dag_id>.py`` with ``dag.test()``; returns the DagRun (task instances inside)."""
    from airflow.dag_processing.dagbag import DagBag

    from ucj import airflow_env

    airflow_env.migrate_metadata()
    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / f"{dag_id}.py"))
    assert not bag.import_errors, bag.import_errors
    kwargs: dict[str, Any] = {"run_conf": conf or {}}
    if logical_date is not None:
        kwargs["logical_date"] = logical_date
    return bag.dags[dag_id].test(**kwargs)


def task_states(run: Any) -> dict[tuple[str, int], tuple[str, int]]:
    """``{(task_id, map_index): (state, try_number)}`` of a finished dag.test() run."""
    return {(ti.task_id, ti.map_index): (str(ti.state), ti.try_number) for ti in run.get_task_instances()}


def marts(conninfo: str) -> dict[str, tuple[int, str]]:
    """A checksum per table of the marts and restricted schemas (row count + md5 of sorted row hashes)."""
    out: dict[str, tuple[int, str]] = {}
    for schema in MART_SCHEMAS:
        out |= {f"{schema}.{k}": v for k, v in mart_checksums(conninfo, schema).items()}
    return out


def fingerprint(conninfo: str, query: sql.Composable, params: tuple = ()) -> tuple[int, str]:
    """(row count, md5 of the sorted row hashes) of a query's rows."""
    wrapped = sql.SQL(
        "select count(*), md5(coalesce(string_agg(h, '' order by h), '')) "
        "from (select md5(t::text) as h from ({}) as t) as x"
    ).format(query)
    with psycopg.connect(conninfo) as conn:
        return tuple(conn.execute(wrapped, params).fetchone())  # type: ignore[return-value]


def region_rows(conninfo: str, region: str) -> dict[str, tuple[int, str]]:
    """Every raw and audit row of one region, as stored (ids, load times, xmin of the mart rows).

    ``xmin`` is the transaction that wrote a row: an incremental mart row of the region rewritten
    by a delete+insert changes it even when the values are the same.
    """
    out: dict[str, tuple[int, str]] = {}
    for table in RAW_TABLES:
        query = sql.SQL("select * from raw.{} where kode_wilayah = %s").format(sql.Identifier(table))
        out[f"raw.{table}"] = fingerprint(conninfo, query, (region,))
    out["audit.files"] = fingerprint(conninfo, sql.SQL("select * from audit.files where kode_wilayah = %s"), (region,))
    out["audit.rejected_rows"] = fingerprint(
        conninfo, sql.SQL("select * from audit.rejected_rows where kode_wilayah = %s"), (region,)
    )
    out["audit.validation_runs"] = fingerprint(
        conninfo,
        sql.SQL("select v.* from audit.validation_runs v join audit.files f using (file_id) where f.kode_wilayah = %s"),
        (region,),
    )
    for schema, table in INCREMENTAL:
        query = sql.SQL("select xmin::text as written_by, t.* from {}.{} as t where kode_wilayah = %s").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        out[f"{schema}.{table}"] = fingerprint(conninfo, query, (region,))
    return out


def undisturbed_marts(generated: Path, tmp: Path, server_url: str) -> dict[str, tuple[int, str]]:
    """The marts of an undisturbed run (ingest DAG + dbt build) over the generated folder of
    :data:`SEED`: computed once per test session, by whichever test asks first."""
    if SEED not in _UNDISTURBED:
        wh = ModuleWarehouse(tmp, server_url)
        try:
            conninfo = wh.database()
            prepare_airflow()
            ingest_then_build(copy_landing(generated, tmp / "landing"))
            _UNDISTURBED[SEED] = marts(conninfo)
        finally:
            wh.close()
    return _UNDISTURBED[SEED]


def remember_undisturbed(checksums: dict[str, tuple[int, str]]) -> None:
    """Another test's undisturbed run of the same folder (saves a second one)."""
    _UNDISTURBED.setdefault(SEED, checksums)
