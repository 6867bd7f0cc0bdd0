"""Alerts in real Airflow runs (dag.test), to a real local webhook and SMTP server:

* the missed-deadline alert: the ucj_watchdog DAG reads the run history and sends one alert in
  Bahasa Indonesia when tonight's ingest or transform did not succeed by 06:00 WITA, and
  nothing when both did;
* the failed-task alert: the notifiers that ``default_args()`` gives every task as its
  ``on_failure_callback`` run when a task fails for good."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alert_receivers import receivers

from ucj import airflow_env
from ucj.ops import history

pytestmark = pytest.mark.integration

WITA = ZoneInfo("Asia/Makassar")
DEADLINE = datetime(2025, 7, 1, 6, 0, tzinfo=WITA)


def night(conninfo: str, dag_id: str, start: str, end: str | None, state: str = "success") -> None:
    """A run of ``dag_id`` in the history, started and finished at these WITA times on 1 July 2025."""
    at = {t: datetime.fromisoformat(f"2025-07-01T{t}:00+08:00") for t in (start, end) if t}
    run_id = f"scheduled__{dag_id}_{start}"
    history.record_run_start(conninfo, dag_id=dag_id, run_id=run_id, started_at=at[start])
    if end is not None:
        history.record_run_end(conninfo, dag_id=dag_id, run_id=run_id, state=state, finished_at=at[end])


def run_watchdog(monkeypatch, deadline: datetime = DEADLINE, expected_state: str = "success"):
    from airflow.dag_processing.dagbag import DagBag

    from ucj.config import PROJECT_ROOT

    airflow_env.migrate_metadata()
    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "ucj_watchdog.py")).dags["ucj_watchdog"]
    with receivers() as (env, box):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        run = dag.test(logical_date=deadline)
    (ti,) = run.get_task_instances()
    assert ti.state == expected_state, ti.state  # an alert sent is the watchdog doing its job
    return box


def test_a_good_night_sends_nothing(warehouse, monkeypatch):
    night(warehouse.conninfo, "ucj_ingest", "01:00", "01:05")
    night(warehouse.conninfo, "ucj_transform", "01:06", "01:20")
    box = run_watchdog(monkeypatch)
    assert box.posts == [] and box.mails == []


def test_a_failed_transform_and_a_late_ingest_alert_by_webhook_and_email(warehouse, monkeypatch):
    night(warehouse.conninfo, "ucj_ingest", "01:00", "06:20")  # finished after the deadline
    night(warehouse.conninfo, "ucj_transform", "01:30", "01:45", state="failed")
    box = run_watchdog(monkeypatch)

    (post,) = box.posts
    text = post["text"]
    assert post["kind"] == "deadline_missed" and post["language"] == "id"
    assert "Pipeline malam UCJ Warehouse BELUM SELESAI pada batas waktunya." in text
    assert "Batas waktu: 2025-07-01 06:00 WITA" in text
    assert "ucj_ingest: run scheduled__ucj_ingest_01:00 selesai 2025-07-01 06:20 WITA" in text
    assert "ucj_transform: run scheduled__ucj_transform_01:30 berstatus failed" in text
    (mail,) = box.mails
    assert mail["Subject"] == "[UCJ] BATAS WAKTU TERLEWATI: pipeline malam 2025-07-01 06:00 WITA"
    assert "berstatus failed" in mail.get_body(("html",)).get_content()


def test_a_night_without_runs_alerts(warehouse, monkeypatch):
    night(warehouse.conninfo, "ucj_ingest", "01:00", "01:05")  # yesterday's transform is older than it
    yesterday = DEADLINE - timedelta(days=1)
    history.record_run_start(
        warehouse.conninfo, dag_id="ucj_transform", run_id="old", started_at=yesterday - timedelta(hours=4)
    )
    box = run_watchdog(monkeypatch)
    (post,) = box.posts
    assert "ucj_transform: tidak ada run sejak 2025-06-30 06:00 WITA" in post["text"]
    assert "ucj_ingest" not in post["problems"]


def test_a_watchdog_that_cannot_reach_the_warehouse_alerts_through_its_failure_callback(monkeypatch):
    """The notifiers ``default_args()`` gives every task as ``on_failure_callback`` run when a task
    fails for good: here the watchdog itself, the warehouse refusing connections at 06:00."""
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://ucj_owner@127.0.0.1:1/ucj")  # nothing listens
    monkeypatch.setenv("UCJ_RETRY_DELAY_SECONDS", "0")  # read when the DAG file is parsed
    box = run_watchdog(monkeypatch, expected_state="failed")

    (post,) = box.posts  # after the last retry only
    assert post["kind"] == "task_failed" and post["error_kind"] == "transient"
    assert (post["dag_id"], post["task_id"]) == ("ucj_watchdog", "check_nightly_runs")
    assert "Percobaan ke: 3" in post["text"] and "Jenis galat: sementara" in post["text"]
    assert "OperationalError" in post["error"]
    (mail,) = box.mails
    assert mail["Subject"] == "[UCJ] GAGAL: ucj_watchdog.check_nightly_runs"
    assert "Tugas pipeline UCJ Warehouse GAGAL." in mail.get_body(("html",)).get_content()
