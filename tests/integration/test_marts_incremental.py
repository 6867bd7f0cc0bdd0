"""Incremental marts equal a full refresh, and two full runs give identical marts.

Over the tiny landing folder (3 months): a warehouse loaded with every month but the last, then
the last month added and dbt run again incrementally (lookback 0: only the newest month is
rebuilt, so the months kept from the first run are checked too), must hold the same marts as a
``dbt build --full-refresh`` of that warehouse and as a second, fresh warehouse loaded with the
whole folder in one run. Marts are compared by a checksum per mart (row count + md5 of the
sorted row hashes). Files are loaded by the ingest DAG (Airflow dag.test, GX, COPY) and dbt
runs in-process (``dbt build``: the models the transform DAG runs through Cosmos).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from marts_helpers import ModuleWarehouse, copy_landing, ingest_then_build, mart_checksums

from ucj.generate import generate

pytestmark = pytest.mark.integration

LAST_MONTH = "2025-06"
MONTHLY = ("rosters", "participants", "claims")


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
    first = mart_checksums(conninfo)
    for path in held_back.rglob("*"):
        if path.is_file():
            target = landing / path.relative_to(held_back)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    # lookback 0: only the newest month is rebuilt, the earlier months are kept as they were
    ingest_then_build(landing, "--vars", "{lookback_months: 0}")
    incremental = mart_checksums(conninfo)
    transform.run_dbt(["build", "--full-refresh"])
    full_refresh = mart_checksums(conninfo)
    return {"first": first, "incremental": incremental, "full_refresh": full_refresh}


def test_added_month_changes_the_marts(incremental_then_full) -> None:
    runs = incremental_then_full
    assert runs["first"]["fct_coverage_monthly"] != runs["incremental"]["fct_coverage_monthly"]


def test_incremental_run_equals_full_refresh(incremental_then_full) -> None:
    runs = incremental_then_full
    assert runs["incremental"] == runs["full_refresh"]


def test_two_full_runs_give_identical_marts(generated, warehouses, incremental_then_full, tmp_path_factory) -> None:
    tmp = tmp_path_factory.mktemp("second-full-run")
    conninfo = warehouses.database()
    ingest_then_build(copy_landing(generated, tmp / "landing"))
    second = mart_checksums(conninfo)
    assert second == incremental_then_full["full_refresh"]
    assert set(second) >= {
        "fct_coverage_monthly", "fct_opd_enrollment_monthly", "fct_claims", "fct_claims_monthly",
        "fct_budget_yearly", "dim_region", "dim_opd",
    }  # fmt: skip
