"""Airflow plugin: the coverage reports, the GX Data Docs and the dbt docs inside the Airflow UI.

The app (``ucj.report.web``) is mounted on the API server at ``/ucj``; three entries in the
UI's navigation show it in an iframe. Hrefs are relative (no leading slash): the UI resolves
them against its base URL, so the views also work behind a path prefix.

Every Airflow process loads plugins (a task does, for its template context), so this module
imports nothing heavy: the FastAPI app is built when the API server first asks for it.

It also makes the UI show WITA by default (``ucj.airflow_ui``: a browser's stored choice wins).
"""

from __future__ import annotations

from functools import cached_property

from airflow.plugins_manager import AirflowPlugin

from ucj.airflow_ui import DefaultUiTimezone

URL_PREFIX = "/ucj"


def _view(name: str, path: str, route: str, **extra: object) -> dict[str, object]:
    return {"name": name, "href": f"{URL_PREFIX.strip('/')}/{path}/", "url_route": route, "destination": "nav", **extra}


class UcjReportsPlugin(AirflowPlugin):
    name = "ucj_reports"
    external_views = [
        _view("Laporan Cakupan UCJ", "reports", "ucj-reports", nav_top_level=True),
        _view("Data Docs (Great Expectations)", "data-docs", "ucj-data-docs", category="docs"),
        _view("dbt Docs (marts)", "dbt-docs", "ucj-dbt-docs", category="docs"),
    ]

    fastapi_root_middlewares = [{"middleware": DefaultUiTimezone, "name": "UI time zone WITA by default"}]

    @cached_property
    def fastapi_apps(self) -> list[dict[str, object]]:  # type: ignore[override]
        from ucj.report.web import create_app

        return [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "UCJ reports and docs"}]
