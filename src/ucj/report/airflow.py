"""The nightly step: rebuild the reports after the transform (a task body, no Airflow import).

In ``dags/ucj_transform.py``, after the dbt task group::

    @task
    def build_reports() -> None:
        from ucj import tasks
        from ucj.report.airflow import nightly_reports

        nightly_reports(tasks.airflow_warehouse_url(), get_current_context().get("logical_date"))

    record_start() >> dbt >> build_reports() >> record_run()

An asset-triggered run has no logical date: late sources are then judged on today (WITA).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ucj.config import TIMEZONE
from ucj.report.build import build_all, reports_dir
from ucj.warehouse import PgParams

log = logging.getLogger(__name__)


def nightly_reports(url: str, logical_date: datetime | date | None = None) -> list[str]:
    """Write every report into ``UCJ_REPORTS_DIR``; returns the file names.

    Late sources are judged on the run's own day in WITA (``logical_date``), so re-running an
    old night rebuilds what that night said; without one, today.
    """
    today = None
    if isinstance(logical_date, datetime):
        today = logical_date.astimezone(ZoneInfo(TIMEZONE)).date()
    elif isinstance(logical_date, date):
        today = logical_date
    folder = reports_dir()
    built = build_all(PgParams.from_url(url).conninfo(), folder, today=today)
    log.info("wrote %d reports into %s", len(built), folder)
    return [b.path.name for b in built]
