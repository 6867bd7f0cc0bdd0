"""The published-figures scenario through the whole pipeline reproduces the headline figures.

One demo landing folder (seed 1, scenario ``published-figures``) is loaded once by the ingest
DAG (Airflow dag.test: GX, COPY) into a fresh warehouse database and modelled by ``dbt build``
in-process (the models the transform DAG runs through Cosmos, without a task per node; the
DAG itself is exercised by test_pipeline_end_to_end); every figure of
../shared/domain/reference/headline_figures.csv (= dbt_project/seeds/headline_figures.csv) is
then read back from the marts: integers exactly, percentages to 2 decimals.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from marts_helpers import ModuleWarehouse, copy_landing, ingest_then_build
from servers import BOTH_SERVERS

from ucj.generate import generate

pytestmark = [pytest.mark.integration, BOTH_SERVERS]  # issue 17: the PostgreSQL a Pemda runs too

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def published(tmp_path_factory, pg_server_url) -> str:
    tmp = tmp_path_factory.mktemp("published-marts")
    generated = tmp / "generated"
    generate("demo", 1, generated, scenario="published-figures")
    wh = ModuleWarehouse(tmp, pg_server_url)
    try:
        conninfo = wh.database()
        ingest_then_build(copy_landing(generated, tmp / "landing"))
        yield conninfo
    finally:
        wh.close()


def headline_rows() -> list[dict]:
    with open(ROOT / "dbt_project" / "seeds" / "headline_figures.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# measure -> SQL reading the figure from the marts; %(region)s and %(as_of)s are bound.
COVERAGE = """select {col} from marts.fct_coverage_monthly
              where kode_wilayah = %(region)s and segment = '{segment}'
                and period_month = date_trunc('month', %(as_of)s::date)::date"""
CLAIMS_2023_2024 = """select {agg} from marts.fct_claims
                      where kode_wilayah = %(region)s and submitted_date between '2023-01-01' and '2024-12-31'
                        {filter}"""
MEASURES = {
    "workers_excl_asn_tni_polri": COVERAGE.format(col="workers_total", segment="ALL"),
    "active_participants": COVERAGE.format(col="active_participants", segment="ALL"),
    "uncovered_workers": COVERAGE.format(col="uncovered_workers", segment="ALL"),
    "potential_workers_pu": COVERAGE.format(col="workers_total", segment="PU"),
    "potential_workers_bpu": COVERAGE.format(col="workers_total", segment="BPU"),
    "potential_workers_jakon": COVERAGE.format(col="workers_total", segment="JAKON"),
    "coverage_pct": COVERAGE.format(col="coverage_pct", segment="ALL"),
    "non_asn_registered_from_six_opd": """
        select sum(roster_workers) from marts.fct_opd_enrollment_monthly
        where kode_wilayah = %(region)s and period_month = date_trunc('month', %(as_of)s::date)::date
          and opd_code not like '%%-PR' and roster_workers > 0""",
    "budget_iuran_non_asn": """select sum(budgeted_idr) from marts.fct_budget_yearly
                               where kode_wilayah = %(region)s and fiscal_year = %(as_of)s::integer""",
    "budget_workers_non_asn": """select sum(budgeted_workers) from marts.fct_budget_yearly
                                 where kode_wilayah = %(region)s and fiscal_year = %(as_of)s::integer""",
    # "more than 3,000" non-ASN covered: the figure is a lower bound
    "non_asn_covered": """select sum(enrolled_active) from marts.fct_opd_enrollment_monthly
                          where kode_wilayah = %(region)s and opd_code not like '%%-PR'
                            and period_month = date_trunc('month', %(as_of)s::date)::date""",
    "pekerja_rentan_covered": """select sum(enrolled_active) from marts.fct_rentan_coverage_monthly
                                 where kode_wilayah = %(region)s
                                   and period_month = date_trunc('month', %(as_of)s::date)::date""",
    "claims_count": CLAIMS_2023_2024.format(agg="count(*)", filter=""),
    "claims_paid_jkm": CLAIMS_2023_2024.format(agg="sum(amount_idr)", filter="and is_paid and program = 'JKM'"),
    "claims_paid_jkk": CLAIMS_2023_2024.format(agg="sum(amount_idr)", filter="and is_paid and program = 'JKK'"),
    "claims_paid_total": CLAIMS_2023_2024.format(agg="sum(amount_idr)", filter="and is_paid"),
}
LOWER_BOUNDS = {"non_asn_covered"}
# Sulawesi Tenggara's 35.10 % is the province (17 kabupaten/kota); the demo scale delivers 3 of them.
NOT_IN_DEMO = {("74", "coverage_pct")}


@pytest.mark.parametrize("row", headline_rows(), ids=lambda r: f"{r['kode_wilayah']}-{r['measure']}-{r['as_of']}")
def test_headline_figure_from_marts(published: str, row: dict) -> None:
    if (row["kode_wilayah"], row["measure"]) in NOT_IN_DEMO:
        pytest.skip("province-wide figure: the demo landing holds 3 of the 17 kabupaten/kota")
    as_of = row["as_of"] if len(row["as_of"]) != 9 else "2023"
    with psycopg.connect(published) as conn:
        value = conn.execute(MEASURES[row["measure"]], {"region": row["kode_wilayah"], "as_of": as_of}).fetchone()[0]
    assert value is not None, row
    expected = Decimal(row["value"])
    if row["unit"] == "percent":
        assert Decimal(value).quantize(Decimal("0.01")) == expected.quantize(Decimal("0.01"))
    elif row["measure"] in LOWER_BOUNDS:
        assert value > expected
    else:
        assert Decimal(value) == expected


def test_kendari_coverage_row(published: str) -> None:
    with psycopg.connect(published) as conn:
        row = conn.execute(
            """select workers_total, active_participants, coverage_pct, uncovered_workers
               from marts.fct_coverage_monthly
               where kode_wilayah = '74.71' and period_month = '2025-06-01' and segment = 'ALL'"""
        ).fetchone()
    assert row == (140_940, 49_397, Decimal("35.05"), 91_543)


def test_wakatobi_claims_are_per_rule(published: str) -> None:
    with psycopg.connect(published) as conn:
        rows = conn.execute(
            """select program, count(*), count(*) filter (where is_amount_per_rule is false)
               from marts.fct_claims where kode_wilayah = '74.07' group by program order by program"""
        ).fetchall()
    assert rows == [("JKK", 4, 0), ("JKM", 27, 0)]


def test_marts_hold_no_personal_identifiers(published: str) -> None:
    with psycopg.connect(published) as conn:
        columns = {
            r[0]
            for r in conn.execute("select column_name from information_schema.columns where table_schema = 'marts'")
        }
        assert not columns & {"nik", "kpj", "nama", "worker_name", "participant_name"}
        restricted = {
            r[0]
            for r in conn.execute("select table_name from information_schema.tables where table_schema = 'restricted'")
        }
        assert {"workers_not_enrolled", "lapsed_participants"} <= restricted


def test_reconciliation_tests_pass(published: str) -> None:
    """The singular tests (marts against raw counts) pass on the published data."""
    from ucj import transform

    transform.run_dbt(["test", "--select", "test_type:singular"])


def test_every_built_table_has_planner_statistics(published: str) -> None:
    """dbt analyzes each table it builds (macro analyze_table), so the next model's plan is not a
    one-row guess."""
    with psycopg.connect(published) as conn:
        missing = conn.execute(
            """select schemaname || '.' || relname from pg_stat_user_tables
               where schemaname in ('intermediate', 'marts', 'restricted')
                 and last_analyze is null"""  # autovacuum sets last_autoanalyze, not this
        ).fetchall()
        tables = conn.execute(
            "select count(*) from pg_stat_user_tables where schemaname in ('intermediate', 'marts')"
        ).fetchone()[0]
    assert tables > 10
    assert missing == []


def test_a_sum_over_segments_cannot_double_count(published: str) -> None:
    """Issue 20: a BI SUM over fct_coverage_monthly doubled Kendari's June participants (98,794)
    because the ALL row sat among the segment rows. The ALL row is flagged is_total: the sum of
    the rows that are not totals is the ALL row's figure, in coverage and in lapses alike."""
    with psycopg.connect(published) as conn:
        q = """select sum({col}) filter (where not is_total), sum({col}) filter (where is_total), count(*)
               from marts.{mart} where kode_wilayah = '74.71' and period_month = '2025-06-01'"""
        coverage = q.format(col="active_participants", mart="fct_coverage_monthly")
        segments, total, rows = conn.execute(coverage).fetchone()
        assert (segments, total, rows) == (49_397, 49_397, 4)
        segments, total, rows = conn.execute(
            q.format(col="lapsed_participants", mart="fct_lapsed_participants_monthly")
        ).fetchone()
        assert rows == 4 and segments == total
        regions = conn.execute(
            "select count(*) from marts.fct_coverage_monthly where region_name is null or is_total is null"
        ).fetchone()[0]
    assert regions == 0


def test_province_budget_rows_are_the_sum_of_the_regions(published: str) -> None:
    """Issue 20: the province's budget per fiscal year adds up every Pemda that delivered one and
    names the others. The data runs to June 2025: 2025 has the budgets of all three Pemda (the
    report showed Kendari's 2026 alone); 2026 only Kendari's."""
    with psycopg.connect(published) as conn:
        rows = {
            (r[0], r[1]): r[2:]
            for r in conn.execute(
                """select kode_wilayah, fiscal_year, budgeted_idr, required_idr, shortfall_idr, surplus_idr,
                          regions_with_budget, regions_expected, regions_missing_budget
                   from marts.fct_budget_totals_yearly"""
            )
        }
        opd_rows = dict(
            conn.execute("select fiscal_year, sum(budgeted_idr) from marts.fct_budget_yearly group by 1").fetchall()
        )
    regions = ("74.07", "74.71", "74.72")
    for year in (2025, 2026):
        province = rows[("74", year)]
        for i in range(4):  # budgeted, required, shortfall, surplus
            assert province[i] == sum(rows[(r, year)][i] for r in regions), (year, i)
        assert province[0] == opd_rows[year]
    assert rows[("74", 2025)][4:] == (3, 3, None)
    assert rows[("74", 2026)][4:] == (1, 3, "Kabupaten Wakatobi, Kota Baubau")
    assert rows[("74.71", 2026)][0] == Decimal("553127196.00")  # Kendari's APBD 2026 (DOMAIN.md §2)
    assert rows[("74.71", 2025)][0] == Decimal("256147284.00")  # Kendari's APBD 2025


def test_an_opd_without_a_roster_has_no_required_budget(published: str) -> None:
    """Issue 20: Kendari's 2026 table showed Kebutuhan Rp 0 for 8 of 12 OPD: those OPD never
    delivered a roster, so their need is unknown (NULL, has_roster false), never Rp 0."""
    with psycopg.connect(published) as conn:
        rows = conn.execute(
            """select has_roster, count(*), count(required_idr) + count(shortfall_idr) + count(surplus_idr),
                      count(*) filter (where required_idr = 0)
               from marts.fct_budget_yearly where kode_wilayah = '74.71' and fiscal_year = 2026 and has_budget
               group by 1 order by 1"""
        ).fetchall()
    without, with_roster = rows
    assert without[0] is False and without[1] > 0 and without[2] == 0
    assert with_roster[0] is True and with_roster[2] == 3 * with_roster[1] and with_roster[3] == 0


def test_every_mart_column_has_a_bahasa_comment(published: str) -> None:
    """Issue 19: BI tools show database comments as descriptions. Every table, view and column of
    the marts and the restricted lists carries one, Bahasa Indonesia first and the yml's English
    description after (macros/docs/persist_docs.sql)."""
    with psycopg.connect(published) as conn:
        rows = conn.execute(
            """select c.relname, a.attname, col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class')
               from pg_class c
               join pg_namespace n on n.oid = c.relnamespace
               join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
               where n.nspname in ('marts', 'restricted') and c.relkind in ('r', 'v')"""
        ).fetchall()
    relations = {r[0] for r in rows}
    some = {"fct_coverage_monthly", "fct_budget_totals_yearly", "fct_source_freshness", "fct_claims_v1"}
    assert some | {"workers_not_enrolled"} <= relations

    def bahasa_first(comment: str | None) -> bool:
        return bool(comment) and ". EN: " in comment and not comment.startswith(". EN:")

    not_bahasa_first = sorted(f"{rel}.{col}: {comment!r}" for rel, col, comment, _ in rows if not bahasa_first(comment))
    assert not_bahasa_first == []
    tables = sorted({(rel, comment) for rel, _, _, comment in rows})
    assert [(rel, comment) for rel, comment in tables if not bahasa_first(comment)] == []
    coverage = {col: comment for rel, col, comment, _ in rows if rel == "fct_coverage_monthly"}
    assert coverage["coverage_pct"].startswith("Persentase cakupan (UCJ). EN: active / workers")
    # an incremental list keeps its description and records its window in the comment's last line
    # (macros/tests/nightly_window.sql): `all` after this full build
    lapsed = dict(tables)["lapsed_participants"]
    assert lapsed.endswith("\nucj incremental window: all") and ". EN: " in lapsed.splitlines()[0]


def test_province_trajectory_is_the_sum_of_the_regions(published: str) -> None:
    """Issue 19: the report reads its figures from marts only, the province's trajectory from its
    own mart: each year the sum of the Pemda rows, the percentage recomputed from the sums."""
    with psycopg.connect(published) as conn:
        regions = {
            year: (count, workers, projected)
            for year, count, workers, projected in conn.execute(
                """select target_year, count(*), sum(workers_total), sum(projected_active_participants)
                   from marts.fct_coverage_trajectory_yearly group by 1"""
            )
        }
        province = {
            row[0]: row[1:]
            for row in conn.execute(
                """select target_year, regions_reporting, workers_total, projected_active_participants,
                          projected_coverage_pct, kode_wilayah
                   from marts.fct_coverage_province_trajectory_yearly"""
            )
        }
    assert set(province) == set(regions) and 2045 in province
    for year, (count, workers, projected) in regions.items():
        assert province[year][:3] == (count, workers, projected), year
        assert province[year][3] == round(Decimal(projected) * 100 / workers, 2), year
        assert province[year][4] == "74"
    assert {row[0] for row in regions.values()} == {3}, "the three Pemda of the sample data"


def test_the_weekly_whole_history_checks_run_in_their_dag_and_catch_a_mart_off_by_one(published: str) -> None:
    """Issue 17: the reconciliation with every raw row is not part of the nightly build (it reads all
    history); the weekly DAG ucj_full_checks runs it (real Airflow, dag.test). It passes on the
    published marts, and fails when one month of the coverage mart no longer matches raw."""
    from ucj import airflow_env

    run = airflow_env.run_dag("ucj_full_checks")
    assert run.state == "success" and not run.failed_tasks, run
    off_by_one = """update marts.fct_coverage_monthly set active_participants = active_participants + %s
                    where (kode_wilayah, period_month, segment) = (
                        select kode_wilayah, max(period_month), 'ALL' from marts.fct_coverage_monthly
                        where segment = 'ALL' group by kode_wilayah order by kode_wilayah limit 1)"""
    with psycopg.connect(published, autocommit=True) as conn:
        assert conn.execute(off_by_one, (1,)).rowcount == 1
    try:
        run = airflow_env.run_dag("ucj_full_checks")
        assert run.state == "failed" and run.failed_tasks == ["run_full_checks"], run
    finally:
        with psycopg.connect(published, autocommit=True) as conn:
            conn.execute(off_by_one, (-1,))
