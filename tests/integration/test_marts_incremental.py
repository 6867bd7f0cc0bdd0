"""Incremental marts equal a full refresh, and two full runs give identical marts.

Over the tiny landing folder (3 months): a warehouse loaded with every month but the last, then
the last month added and dbt run again incrementally (lookback 0: only the newest month is
rebuilt, so the months kept from the first run are checked too), must hold the same marts as a
``dbt build --full-refresh`` of that warehouse and as a second, fresh warehouse loaded with the
whole folder in one run. Marts are compared by a checksum per mart (row count + md5 of the
sorted row hashes). Files are loaded by the ingest DAG (Airflow dag.test, GX, COPY) and dbt
runs in-process (``dbt build``: the models the transform DAG runs through Cosmos).

Compared: every table of ``marts``, ``restricted`` and ``intermediate`` (the person-month models
are incremental too). Then corrected exports of 74.71 for the
two newest months (some people no longer listed in either, some AKTIF turned NON AKTIF) are
delivered at the same paths and dbt runs incrementally with lookback 1 (the window is those two
months): lapses appear and vanish inside the window, statuses change, and the people no longer
listed fall back to their status of a month before the window. That run must equal a
``--full-refresh`` too. Then a night with nothing new: ``int_participation_monthly`` rebuilds only the
months whose inputs changed, so it rewrites none.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import psycopg
import pytest
from marts_helpers import ModuleWarehouse, copy_landing, ingest_then_build, mart_checksums
from servers import BOTH_SERVERS

from ucj.generate import generate

pytestmark = [pytest.mark.integration, BOTH_SERVERS]  # issue 17: the PostgreSQL a Pemda runs too

LAST_MONTH = "2025-06"
MONTHLY = ("rosters", "participants", "claims")
SCHEMAS = ("marts", "restricted", "intermediate")
CORRECTED_REGION = "74.71"
CORRECTED_MONTHS = ("2025-05", "2025-06")  # the lookback-1 window after LAST_MONTH arrived


def checksums(conninfo: str) -> dict[str, tuple[int, str]]:
    """The checksum of every table of SCHEMAS, as ``schema.table``."""
    return {
        f"{schema}.{table}": value for schema in SCHEMAS for table, value in mart_checksums(conninfo, schema).items()
    }


def correct_exports(landing: Path) -> dict[str, int]:
    """Re-deliver 74.71's exports of CORRECTED_MONTHS: 5 people AKTIF in the newest month and listed
    in the one before are listed in neither any more; 3 other AKTIF people turn NON AKTIF in the newest."""
    region = landing / "participants" / CORRECTED_REGION
    files = {month: next((region / month).glob("*.csv")) for month in CORRECTED_MONTHS}
    tables = {}
    for month, path in files.items():
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        tables[month] = rows
    header = tables[CORRECTED_MONTHS[-1]][0]
    nik, status = header.index("NIK"), header.index("STATUS KEPESERTAAN")
    active = [row[nik] for row in tables[CORRECTED_MONTHS[-1]][1:] if row[status] == "AKTIF"]
    earlier = {row[nik] for row in tables[CORRECTED_MONTHS[0]][1:]}
    dropped = set([n for n in active if n in earlier][:5])
    turned = set([n for n in active if n not in dropped][:3])
    for month, rows in tables.items():
        kept = [rows[0]] + [row for row in rows[1:] if row[nik] not in dropped]
        if month == CORRECTED_MONTHS[-1]:
            for row in kept[1:]:
                if row[nik] in turned:
                    row[status] = "NON AKTIF"
        with files[month].open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(kept)
    assert len(dropped) == 5 and len(turned) == 3
    return {"dropped": len(dropped), "turned": len(turned)}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("incremental") / "generated"
    generate("tiny", 7, out)
    return out


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory, pg_server_url):
    wh = ModuleWarehouse(tmp_path_factory.mktemp("incremental-wh"), pg_server_url)
    try:
        yield wh
    finally:
        wh.close()


@pytest.fixture(scope="module")
def incremental_then_full(generated, warehouses, tmp_path_factory) -> dict[str, dict]:
    from ucj import transform

    tmp = tmp_path_factory.mktemp("incremental-run")
    landing = copy_landing(generated, tmp / "landing")
    held_back = tmp / "held-back"
    for source in MONTHLY:
        for folder in (landing / source).glob(f"*/{LAST_MONTH}"):
            (held_back / folder.relative_to(landing)).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(folder), held_back / folder.relative_to(landing))
    assert any(held_back.rglob("*.*")), "the last month has files"
    conninfo = warehouses.database()
    ingest_then_build(landing)
    first = checksums(conninfo)
    for path in held_back.rglob("*"):
        if path.is_file():
            target = landing / path.relative_to(held_back)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    # lookback 0: only the newest month is rebuilt, the earlier months are kept as they were
    ingest_then_build(landing, "--vars", "{lookback_months: 0}")
    incremental = checksums(conninfo)
    transform.run_dbt(["build", "--full-refresh"])
    full_refresh = checksums(conninfo)
    correct_exports(landing)
    ingest_then_build(landing, "--vars", "{lookback_months: 1}")
    corrected = checksums(conninfo)
    with psycopg.connect(conninfo) as conn:
        fallbacks = conn.execute(
            "select count(*) from intermediate.int_participant_status_latest "
            "where kode_wilayah = %s and status_month < %s",
            (CORRECTED_REGION, f"{CORRECTED_MONTHS[0]}-01"),
        ).fetchone()[0]
    transform.run_dbt(["build", "--full-refresh"])
    corrected_full_refresh = checksums(conninfo)
    # a night with nothing new (the default lookback, 3 months): no input of int_participation_monthly
    # changed, so none of its months is rewritten (macros/participation_window.sql)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        before_rerun = conn.execute("select txid_current()").fetchone()[0]
    ingest_then_build(landing)
    rerun = checksums(conninfo)
    with psycopg.connect(conninfo) as conn:
        rewritten = {
            table: conn.execute(
                f"select count(*) from intermediate.{table} where xmin::text::bigint > %s", (before_rerun,)
            ).fetchone()[0]
            for table in ("int_participation_monthly", "int_participants_lapsed_monthly")
        }
    return {
        "first": first,
        "incremental": incremental,
        "full_refresh": full_refresh,
        "corrected": corrected,
        "corrected_full_refresh": corrected_full_refresh,
        "fallbacks": fallbacks,
        "rerun": rerun,
        "rewritten": rewritten,
    }


def test_added_month_changes_the_marts(incremental_then_full) -> None:
    runs = incremental_then_full
    for table in (
        "marts.fct_coverage_monthly",
        "marts.fct_lapsed_participants_monthly",
        "restricted.lapsed_participants",
        "intermediate.int_participant_status_latest",
    ):
        assert runs["first"][table] != runs["incremental"][table], table


def test_incremental_run_equals_full_refresh(incremental_then_full) -> None:
    runs = incremental_then_full
    assert runs["incremental"] == runs["full_refresh"]


def test_corrected_months_in_the_window_equal_full_refresh(incremental_then_full) -> None:
    runs = incremental_then_full
    for table in (
        "marts.fct_lapsed_participants_monthly",
        "restricted.lapsed_participants",
        "intermediate.int_participant_status_latest",
        "marts.fct_coverage_monthly",
    ):
        assert runs["corrected"][table] != runs["full_refresh"][table], table
    assert runs["fallbacks"] > 0, "people no longer listed fall back to a month before the window"
    assert runs["corrected"] == runs["corrected_full_refresh"]


def test_a_night_with_nothing_new_rewrites_no_month_of_the_participation(incremental_then_full) -> None:
    runs = incremental_then_full
    assert runs["rerun"] == runs["corrected_full_refresh"]
    assert runs["rewritten"]["int_participation_monthly"] == 0
    # the monthly models after it still rebuild their lookback months (the idiom's window)
    assert runs["rewritten"]["int_participants_lapsed_monthly"] > 0


def test_two_full_runs_give_identical_marts(generated, warehouses, incremental_then_full, tmp_path_factory) -> None:
    tmp = tmp_path_factory.mktemp("second-full-run")
    conninfo = warehouses.database()
    ingest_then_build(copy_landing(generated, tmp / "landing"))
    second = checksums(conninfo)
    with psycopg.connect(conninfo) as conn:  # file ids are the warehouse's own: they differ between the two
        lineage = {
            f"{schema}.{table}"
            for schema, table in conn.execute(
                "select table_schema, table_name from information_schema.columns where column_name = 'file_id'"
            )
        }
    # the window's inputs of int_participation_monthly keep a hash of each month's file ids
    lineage.add("intermediate.monthly_window_inputs_applied")
    first_warehouse = incremental_then_full["full_refresh"]
    assert {k: v for k, v in second.items() if k not in lineage} == {
        k: v for k, v in first_warehouse.items() if k not in lineage
    }
    assert set(second) == set(first_warehouse)
    assert set(second) >= {
        "marts.fct_coverage_monthly",
        "marts.fct_opd_enrollment_monthly",
        "marts.fct_claims",
        "marts.fct_claims_monthly",
        "marts.fct_budget_yearly",
        "marts.dim_region",
        "marts.dim_opd",
        "marts.fct_lapsed_participants_monthly",
        "marts.fct_rentan_coverage_monthly",
        "restricted.lapsed_participants",
        "intermediate.int_participant_status_latest",
    }
