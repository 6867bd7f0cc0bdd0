"""The UI's page gets the WITA default; nothing else the API server serves is touched."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.testclient import TestClient

from ucj.airflow_ui import DefaultUiTimezone, default_zone_script

PAGE = '<!doctype html><html><head><script type="module" src="./static/assets/index.js"></script></head></html>'


def client() -> TestClient:
    app = FastAPI()

    @app.get("/api/v2/version")
    def version() -> JSONResponse:
        return JSONResponse({"version": "3"})

    @app.get("/ucj/reports/")
    def report() -> HTMLResponse:
        return HTMLResponse("<html><head></head><body>laporan</body></html>")

    @app.get("/{rest:path}")
    def ui(rest: str) -> HTMLResponse:
        return HTMLResponse(PAGE)

    app.add_middleware(GZipMiddleware, minimum_size=10)  # as Airflow's app: inside the plugin's middleware
    app.add_middleware(DefaultUiTimezone)
    return TestClient(app)


def test_the_ui_page_stores_wita_before_its_own_script_runs() -> None:
    with client() as c:
        for path in ("/", "/dags/ucj_transform"):  # the UI's routes all serve the same page
            page = c.get(path, headers={"Accept-Encoding": "gzip, deflate"})  # as a browser asks
            assert page.status_code == 200
            script = default_zone_script()
            assert page.text.startswith("<!doctype html><html><head>" + script + '<script type="module"')
            assert int(page.headers["content-length"]) == len(page.content)
    # the stored value is what the UI's useLocalStorage reads back: JSON of the zone's name
    assert 'setItem("timezone","\\"Asia/Makassar\\"")' in script
    assert 'if(!window.localStorage.getItem("timezone"))' in script  # a user's own choice is kept


def test_api_and_plugin_pages_are_left_alone() -> None:
    with client() as c:
        assert c.get("/api/v2/version").json() == {"version": "3"}
        assert c.get("/ucj/reports/").text == "<html><head></head><body>laporan</body></html>"
        assert json.loads(json.loads(default_zone_script().split('setItem("timezone",')[1].split(")")[0])) == (
            "Asia/Makassar"
        )
