"""The coverage report: HTML with charts, per Pemda and for the province, from the marts.

``build_all`` writes the nightly folder (``UCJ_REPORTS_DIR``); ``write_report`` one
self-contained file (``ucj report``); ``ucj.report.web`` serves the folder, the GX Data Docs
and the dbt docs inside the Airflow UI (``plugins/ucj_reports.py``).
"""

from __future__ import annotations

from ucj.report.build import BuiltReport, build_all, reports_dir, write_report

__all__ = ["BuiltReport", "build_all", "reports_dir", "write_report"]
