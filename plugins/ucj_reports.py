"""Airflow plugin: the coverage reports, the GX Data Docs and the dbt docs inside the Airflow UI.

The app (``ucj.report.web``) is mounted on the API server at ``/ucj``; three entries in the
UI's navigation show it in an iframe. Hrefs are relative (no leading slash): the UI resolves
them against its base URL, so the views also work behind a path prefix.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from ucj.report.web import URL_PREFIX, create_app

PREFIX = URL_PREFIX.strip("/")


class UcjReportsPlugin(AirflowPlugin):
    name = "ucj_reports"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "UCJ reports and docs"}]
    external_views = [
        {
            "name": "Laporan Cakupan UCJ",
            "href": f"{PREFIX}/reports/",
            "url_route": "ucj-reports",
            "destination": "nav",
            "nav_top_level": True,
        },
        {
            "name": "Data Docs (Great Expectations)",
            "href": f"{PREFIX}/data-docs/",
            "url_route": "ucj-data-docs",
            "destination": "nav",
            "category": "docs",
        },
        {
            "name": "dbt Docs (marts)",
            "href": f"{PREFIX}/dbt-docs/",
            "url_route": "ucj-dbt-docs",
            "destination": "nav",
            "category": "docs",
        },
    ]
