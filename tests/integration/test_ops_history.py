"""Run history (audit.pipeline_runs) and `ucj status` freshness verdicts, on a real PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from rich.console import Console

from ucj.ops import history
from ucj.ops.status import due_date, expected_period, freshness, print_status, status_report

pytestmark = pytest.mark.integration

_n = itertools.count(1)


def add_file(
    conn: psycopg.Connection,
    source: str,
    region: str,
    period: str,
    status: str = "loaded",
    loaded_at: datetime | None = None,
    run_id: str | None = None,
) -> int:
    n = next(_n)
    rows = 10 if status == "loaded" else 0
    return conn.execute(
        """insert into audit.files (source, kode_wilayah, period, relative_path, file_name, content_sha256,
               size_bytes, status, is_current, rows_read, rows_loaded, run_id, seen_at, finished_at)
           values (%s, %s, %s, %s, %s, %s, 100, %s, %s, %s, %s, %s, %s, %s) returning file_id""",
        (
            source,
            region,
            period,
            f"{source}/{region}/{period}/f{n}.xlsx",
            f"f{n}.xlsx",
            f"sha{n}",
            status,
            status == "loaded",
            rows,
            rows,
            run_id,
            loaded_at or datetime(2025, 7, 1, tzinfo=UTC),
            loaded_at or datetime(2025, 7, 1, tzinfo=UTC),
        ),
    ).fetchone()[0]


# --------------------------------------------------------------------------- cadence


@pytest.mark.parametrize(
    ("source", "today", "expected"),
    [
        ("rosters", date(2025, 7, 21), "2025-06"),
        ("rosters", date(2025, 7, 20), "2025-05"),  # June is due on the 20th, late from the 21st
        ("claims", date(2025, 1, 21), "2024-12"),
        ("participants", date(2025, 1, 10), "2024-11"),
        ("budgets", date(2025, 2, 28), "2024"),
        ("budgets", date(2025, 3, 1), "2025"),
        ("workforce", date(2024, 2, 29), "2023"),  # leap year: due on the 29th
        ("workforce", date(2024, 3, 1), "2024"),
    ],
)
def test_expected_period(source, today, expected):
    assert expected_period(source, today) == expected


def test_due_dates():
    assert due_date("participants", "2025-12") == date(2026, 1, 20)
    assert due_date("budgets", "2025") == date(2025, 2, 28)


# --------------------------------------------------------------------------- freshness


def test_freshness_verdicts_per_region_and_source(warehouse):
    june_load = datetime(2025, 7, 15, 2, 0, tzinfo=UTC)
    with psycopg.connect(warehouse.conninfo) as conn:
        add_file(conn, "rosters", "74.71", "2025-05")
        add_file(conn, "rosters", "74.71", "2025-06", loaded_at=june_load)
        add_file(conn, "participants", "74.71", "2025-05")
        add_file(conn, "claims", "74.71", "2025-05")
        add_file(conn, "claims", "74.71", "2025-06", status="quarantined")
        add_file(conn, "budgets", "74.71", "2025")
        add_file(conn, "participants", "74.02", "2025-06")
        conn.commit()

        verdicts = {(f.kode_wilayah, f.source): f for f in freshness(conn, today=date(2025, 7, 21))}

    assert len(verdicts) == 2 * 5  # every region that sent something × every source
    ok = verdicts["74.71", "rosters"]
    assert (ok.verdict, ok.latest_period, ok.expected_period, ok.days_overdue) == ("ok", "2025-06", "2025-06", 0)
    assert ok.loaded_at == june_load

    late = verdicts["74.71", "participants"]
    assert (late.verdict, late.latest_period, late.days_overdue) == ("late", "2025-05", 1)  # June was due 20 July

    quarantined = verdicts["74.71", "claims"]
    assert quarantined.verdict == "late" and quarantined.newer_quarantined == "2025-06"

    assert verdicts["74.71", "budgets"].verdict == "ok"
    never = verdicts["74.71", "workforce"]
    assert (never.verdict, never.latest_period, never.expected_period) == ("late", None, "2025")
    assert never.days_overdue == (date(2025, 7, 21) - date(2025, 2, 28)).days

    # another region is judged on its own files only
    assert verdicts["74.02", "participants"].verdict == "ok"
    assert verdicts["74.02", "rosters"].verdict == "late"


def test_freshness_on_the_due_day_is_not_late_yet(warehouse):
    with psycopg.connect(warehouse.conninfo) as conn:
        add_file(conn, "participants", "74.71", "2025-05")
        conn.commit()
        [verdict] = freshness(conn, today=date(2025, 7, 20), sources=("participants",))
    assert verdict.verdict == "ok"


def test_freshness_includes_expected_regions_that_never_sent_anything(warehouse):
    with psycopg.connect(warehouse.conninfo) as conn:
        verdicts = freshness(conn, today=date(2025, 7, 21), regions=["74.05"], sources=("rosters",))
    assert [(f.kode_wilayah, f.verdict, f.latest_period) for f in verdicts] == [("74.05", "late", None)]


# --------------------------------------------------------------------------- run history


def _runs(conninfo: str) -> dict[tuple[str, str], dict]:
    with psycopg.connect(conninfo, row_factory=psycopg.rows.dict_row) as conn:
        return {(r["dag_id"], r["run_id"]): r for r in conn.execute("select * from audit.pipeline_runs")}


def test_ingest_run_is_recorded_with_files_rows_and_gx(warehouse):
    run_id = "scheduled__2025-07-01T01:00:00+08:00"
    started = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
    history.record_run_start(
        warehouse.conninfo,
        dag_id="ucj_ingest",
        run_id=run_id,
        run_type="scheduled",
        logical_date=started,
        started_at=started,
    )
    with psycopg.connect(warehouse.conninfo) as conn:
        file_id = add_file(conn, "rosters", "74.71", "2025-06", run_id=run_id)
        for failed in (2, 1):
            conn.execute(
                """insert into audit.validation_runs (file_id, suite, success, expectations, failed_expectations,
                       rows_validated, summary, run_id) values (%s, 'rosters', false, 12, %s, 10, '{}', %s)""",
                (file_id, failed, run_id),
            )
    summary = {
        "files": 3,
        "by_status": {"loaded": 1, "quarantined": 1, "duplicate": 1},
        "rows_read": 12,
        "rows_loaded": 10,
        "rows_rejected": 2,
        "changed": True,
    }
    history.record_ingest_end(warehouse.conninfo, dag_id="ucj_ingest", run_id=run_id, summary=summary)

    row = _runs(warehouse.conninfo)["ucj_ingest", run_id]
    assert row["state"] == "success" and row["run_type"] == "scheduled" and row["attempts"] == 1
    assert (row["files_seen"], row["files_loaded"], row["files_quarantined"], row["files_duplicate"]) == (3, 1, 1, 1)
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"]) == (12, 10, 2)
    assert row["gx_failed_expectations"] == 3
    assert row["finished_at"] > row["started_at"] and row["duration_seconds"] > 0
    assert row["details"]["by_status"] == {"loaded": 1, "quarantined": 1, "duplicate": 1}

    # cleared and run again: the same row, one more attempt, running until it ends again
    history.record_run_start(warehouse.conninfo, dag_id="ucj_ingest", run_id=run_id)
    row = _runs(warehouse.conninfo)["ucj_ingest", run_id]
    assert (row["state"], row["attempts"], row["finished_at"]) == ("running", 2, None)
    history.record_ingest_end(warehouse.conninfo, dag_id="ucj_ingest", run_id=run_id, summary=None, state="failed")
    row = _runs(warehouse.conninfo)["ucj_ingest", run_id]
    assert row["state"] == "failed" and row["files_seen"] == 3  # counts not given are kept


def test_transform_run_is_recorded_from_cosmos_task_states(warehouse):
    states = {
        "start_run": "success",
        "dbt.regions.seed": "success",
        "dbt.stg_ucj__rosters.run": "success",
        "dbt.stg_ucj__rosters.test": "success",
        "dbt.fct_claims.run": "success",
        "dbt.fct_claims.test": "failed",
        "dbt.fct_budget_yearly.run": "failed",
        "dbt.fct_budget_yearly.test": "upstream_failed",
        "dbt.relationships_fct_claims_kode_wilayah__test": "success",
    }
    counts = history.dbt_counts(states)
    assert counts == history.DbtCounts(models_ok=2, models_failed=1, tests_failed=1, tests_not_run=1)
    history.record_transform_end(warehouse.conninfo, dag_id="ucj_transform", run_id="manual__1", task_states=states)
    row = _runs(warehouse.conninfo)["ucj_transform", "manual__1"]  # no start recorded: a row anyway
    assert (row["state"], row["dbt_models_ok"], row["dbt_models_failed"], row["dbt_tests_failed"]) == (
        "failed",
        2,
        1,
        1,
    )
    assert history.run_state({"a": "success", "end": "running"}) == "success"
    assert history.run_state({"a": "upstream_failed"}) == "failed"


def test_record_run_end_refuses_unknown_columns(warehouse):
    with pytest.raises(TypeError):
        history.record_run_end(warehouse.conninfo, dag_id="d", run_id="r", state="success", files_lost=1)
    with pytest.raises(ValueError):
        history.record_run_end(warehouse.conninfo, dag_id="d", run_id="r", state="up_for_retry")


def test_status_report_and_printout(warehouse):
    base = datetime(2025, 7, 20, 17, 0, tzinfo=UTC)
    for i, dag_id in enumerate(["ucj_ingest", "ucj_transform", "ucj_ingest"]):
        run_id = f"scheduled__{i}"
        history.record_run_start(warehouse.conninfo, dag_id=dag_id, run_id=run_id, started_at=base + timedelta(days=i))
        history.record_run_end(
            warehouse.conninfo,
            dag_id=dag_id,
            run_id=run_id,
            state="success",
            finished_at=base + timedelta(days=i, minutes=3),
            rows_loaded=1000 * i,
        )
    with psycopg.connect(warehouse.conninfo) as conn:
        add_file(conn, "participants", "74.71", "2025-05")
        conn.commit()

    report = status_report(warehouse.conninfo, limit=2, today=date(2025, 7, 23))
    assert [r.run_id for r in report.runs] == ["scheduled__2", "scheduled__1"]  # newest first, limited
    assert report.runs[0].duration_seconds == pytest.approx(180.0)
    assert {(f.source, f.verdict) for f in report.freshness if f.source == "participants"} == {("participants", "late")}

    console = Console(record=True, width=250)
    printed = print_status(console, url=warehouse.url, limit=5, today=date(2025, 7, 23))
    text = console.export_text()
    assert "Run terakhir" in text and "scheduled__0" in text and "2,000" in text
    assert "Kota Kendari" in text and "TERLAMBAT" in text and "2025-05" in text
    assert len(printed.late) == 5  # participants overdue, the four other sources never sent


def test_print_status_on_an_empty_warehouse(warehouse):
    console = Console(record=True, width=200)
    report = print_status(console, url=warehouse.url)
    assert report.runs == [] and report.freshness == []
    assert "Belum ada run" in console.export_text()


def test_status_of_a_warehouse_not_yet_migrated(pg_server_url):
    from ucj.warehouse import PgParams

    report = status_report(PgParams.from_url(pg_server_url).conninfo("postgres"), today=date(2025, 7, 21))
    assert (report.runs, report.freshness) == ([], [])
