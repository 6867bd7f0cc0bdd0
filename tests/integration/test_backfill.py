"""Backfills: reprocessing three months twice leaves the marts identical, and a one-region
backfill changes nothing of another region.

The tiny landing folder (two regions, April to June 2025) is loaded by the ingest DAG and built
with dbt. Then the ucj_backfill DAG (Airflow dag.test, one run per month, logical date = the
first of the month in WITA, as ``airflow backfill create`` makes them) reprocesses the three
months with ``reprocess: true``: every file is loaded again as a new version, and dbt rebuilds
the months. First for every region, then for Kota Kendari (74.71) only. The marts are compared
by a checksum of every table (ordered row hashes) before and after each pass; the other region
(Kota Baubau, 74.72) is compared row by row as stored, including ids, load times and the
transaction that wrote each incremental mart row.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from marts_helpers import ModuleWarehouse, copy_landing, ingest_then_build
from reprocess_helpers import (
    SEED,
    marts,
    prepare_airflow,
    region_rows,
    remember_undisturbed,
    run_dag_test,
    task_states,
)

from ucj.generate import generate

pytestmark = pytest.mark.integration

WITA = ZoneInfo("Asia/Makassar")
MONTHS = ("2025-04", "2025-05", "2025-06")
REGION, OTHER = "74.71", "74.72"


def backfill(landing: Path, **conf: object) -> list[dict]:
    """The three months, one ucj_backfill run each; every run must succeed."""
    summaries = []
    for month in MONTHS:
        logical_date = datetime.fromisoformat(f"{month}-01T00:00:00").replace(tzinfo=WITA)
        run = run_dag_test("ucj_backfill", logical_date, {"landing_dir": str(landing), **conf})
        states = task_states(run)
        assert all(state == "success" for state, _ in states.values()), states
        summaries.append(run.get_task_instance("summarize").xcom_pull(task_ids="summarize"))
    return summaries


def registry(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            """select count(*) filter (where status = 'loaded'),
                      count(*) filter (where status = 'loaded' and is_current),
                      count(*) filter (where is_reprocess),
                      count(*) filter (where status = 'loaded' and not is_current and superseded_by is null),
                      (select count(*) from raw.participants)
               from audit.files"""
        ).fetchone()
    return dict(zip(("loaded", "current", "reprocessed", "orphans", "raw_participants"), row, strict=True))


@pytest.fixture(scope="module")
def passes(tmp_path_factory, pg_server_url) -> dict:
    tmp = tmp_path_factory.mktemp("backfill")
    generated = tmp / "generated"
    generate("tiny", SEED, generated)
    wh = ModuleWarehouse(tmp, pg_server_url)
    try:
        conninfo = wh.database()
        prepare_airflow()
        landing = copy_landing(generated, tmp / "landing")
        ingest_then_build(landing)
        out: dict = {"marts": [marts(conninfo)], "registry": [registry(conninfo)], "other": []}
        remember_undisturbed(out["marts"][0])
        out["other"].append(region_rows(conninfo, OTHER))
        out["region_before"] = region_rows(conninfo, REGION)

        out["summaries"] = [backfill(landing, reprocess=True)]  # every region
        out["marts"].append(marts(conninfo))
        out["registry"].append(registry(conninfo))
        out["other"].append(region_rows(conninfo, OTHER))
        out["region_between"] = region_rows(conninfo, REGION)

        out["summaries"].append(backfill(landing, reprocess=True, kode_wilayah=REGION))  # one region
        out["marts"].append(marts(conninfo))
        out["registry"].append(registry(conninfo))
        out["other"].append(region_rows(conninfo, OTHER))
        out["region_after"] = region_rows(conninfo, REGION)
        yield out
    finally:
        wh.close()


def test_marts_are_identical_after_each_pass(passes) -> None:
    first, after_all_regions, after_one_region = passes["marts"]
    assert first["marts.fct_coverage_monthly"][0] > 0 and first["marts.fct_opd_enrollment_monthly"][0] > 0
    assert after_all_regions == first
    assert after_one_region == first


def test_every_file_of_the_months_was_loaded_again_as_a_new_version(passes) -> None:
    before, after_all, after_one = passes["registry"]
    all_regions, one_region = passes["summaries"]
    loaded_all = sum(s["by_status"].get("loaded", 0) for s in all_regions)
    loaded_one = sum(s["by_status"].get("loaded", 0) for s in one_region)
    assert [s["files"] > 0 for s in all_regions] == [True, True, True]
    assert after_all["loaded"] == before["loaded"] + loaded_all
    assert after_all["reprocessed"] == loaded_all > 0
    assert after_one["reprocessed"] == loaded_all + loaded_one and 0 < loaded_one < loaded_all
    # one current version per file, every earlier one superseded (history kept in raw)
    assert before["current"] == after_all["current"] == after_one["current"]
    assert after_one["orphans"] == 0
    assert after_one["raw_participants"] > after_all["raw_participants"] > before["raw_participants"]
    for summaries in passes["summaries"]:
        for s in summaries:
            assert s["rows_read"] == s["rows_loaded"] + s["rows_rejected"]


def test_a_one_region_backfill_leaves_the_other_region_untouched(passes) -> None:
    before, after_all, after_one = passes["other"]
    assert after_all != before, "the all-region pass did reload the other region"
    assert after_one == after_all, "the one-region pass touched another region's rows"


def test_the_one_region_backfill_rebuilt_its_own_region(passes) -> None:
    between, after = passes["region_between"], passes["region_after"]
    for key in (
        "raw.participants",
        "audit.files",
        "intermediate.int_participation_monthly",
        "marts.fct_coverage_monthly",
        "marts.fct_opd_enrollment_monthly",
    ):
        assert between[key] != after[key], key
