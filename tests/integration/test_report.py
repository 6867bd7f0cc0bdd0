"""The coverage report, built from real marts, served by the Airflow plugin, read in Chromium.

One tiny landing folder is loaded file by file (the ingest task's body: readers, GX, COPY;
no Airflow) into a fresh warehouse database and modelled by ``dbt build`` in-process. Then:

* ``ucj report --region 74.71 --out FILE`` (a subprocess, as a person runs it) writes one
  self-contained file; Chromium opens it from disk with every network request refused;
* the nightly folder (``ucj.report.airflow.nightly_reports``) is served by the real Airflow
  API server app (``create_app``, which loads ``plugins/`` through the plugin manager) under
  uvicorn on 127.0.0.1; Chromium logs in with an Airflow token and opens every report.

In Chromium every chart must have drawn (plotly's SVG inside every ``figure.chart``), the
console must stay free of errors, and every headline number must equal the marts, queried
here and formatted here with code of this file (not ``ucj.report.fmt``). Screenshots go to
``tests/output/report/`` (git ignores it); their paths are printed.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import psycopg
import pytest
from browser_helpers import chromium
from marts_helpers import ModuleWarehouse, copy_landing

from ucj.airflow_ui import default_zone_script
from ucj.bulan import BULAN
from ucj.generate import generate

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "tests" / "output" / "report"
TODAY = date(2025, 7, 25)  # the day late sources are judged on: the June files are due by 20 July
CHARTS = {"trajectory", "segments", "opd", "budget", "claims_paid", "claims_days", "quality"}


# --------------------------------------------------------------------------- the marts


@pytest.fixture(scope="module")
def marts(tmp_path_factory, pg_server_url):
    """A warehouse with tiny marts (seed 7: one participation file quarantined, rows rejected)."""
    from ucj import tasks, transform
    from ucj.ingest.validation import build_data_docs

    tmp = tmp_path_factory.mktemp("report")
    generate("tiny", 7, tmp / "generated")
    landing = copy_landing(tmp / "generated", tmp / "landing")
    wh = ModuleWarehouse(tmp, pg_server_url)
    saved = os.environ.get("UCJ_REPORTS_DIR")
    os.environ["UCJ_REPORTS_DIR"] = str(tmp / "reports")
    try:
        conninfo = wh.database()
        url = os.environ["UCJ_WAREHOUSE_URL"]
        outcomes = [tasks.ingest_one(p, landing, url, run_id=None) for p in tasks.list_files(landing)]
        assert {o["status"] for o in outcomes} == {"loaded", "quarantined"}, outcomes
        transform.run_dbt(["build"])
        transform.run_dbt(["docs", "generate", "--no-compile"])
        build_data_docs()
        yield {"conninfo": conninfo, "url": url, "tmp": tmp, "reports": tmp / "reports"}
    finally:
        if saved is None:
            os.environ.pop("UCJ_REPORTS_DIR", None)
        else:
            os.environ["UCJ_REPORTS_DIR"] = saved
        wh.close()


# --------------------------------------------------------------------------- expected figures


def idr(value) -> str:
    whole = int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return ("-" if whole < 0 else "") + "Rp " + f"{abs(whole):,}".replace(",", ".")


def pct(value) -> str:
    return f"{Decimal(value):.2f}".replace(".", ",") + "%"


def count(value) -> str:
    return f"{int(value):,}".replace(",", ".")


def expected_headline(conninfo: str, regions: list[str]) -> dict[str, str]:
    """The headline figures of the report over ``regions``, straight from the marts."""
    with psycopg.connect(conninfo) as conn:
        q = lambda sql: conn.execute(sql, {"r": regions}).fetchone()  # noqa: E731
        month = q("select max(period_month) from marts.fct_coverage_monthly where kode_wilayah = any(%(r)s)")[0]
        workers, active, uncovered, target = conn.execute(
            """select sum(workers_total), sum(active_participants), sum(uncovered_workers), max(target_pct)
               from marts.fct_coverage_monthly
               where kode_wilayah = any(%(r)s) and segment = 'ALL' and period_month = %(m)s""",
            {"r": regions, "m": month},
        ).fetchone()
        coverage = (Decimal(active) * 100 / Decimal(workers)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if len(regions) == 1:  # one Pemda: the mart's own percentage
            coverage = conn.execute(
                """select coverage_pct from marts.fct_coverage_monthly
                   where kode_wilayah = %s and segment = 'ALL' and period_month = %s""",
                (regions[0], month),
            ).fetchone()[0]
        # the budget of the data month's fiscal year, summed over the OPD rows of every region
        year = month.year
        budgeted, required, paid, shortfall, surplus = conn.execute(
            """select sum(budgeted_idr), coalesce(sum(required_idr), 0), sum(paid_idr),
                      coalesce(sum(shortfall_idr), 0), coalesce(sum(surplus_idr), 0)
               from marts.fct_budget_yearly where kode_wilayah = any(%(r)s) and fiscal_year = %(y)s""",
            {"r": regions, "y": year},
        ).fetchone()
        claims_paid, claims_paid_count = q(
            """select coalesce(sum(amount_idr), 0), count(*) from marts.fct_claims
               where kode_wilayah = any(%(r)s) and is_paid"""
        )
        (not_enrolled,) = q(
            """select sum(not_enrolled) from (
                   select distinct on (opd_code) not_enrolled from marts.fct_opd_enrollment_monthly
                   where kode_wilayah = any(%(r)s) order by opd_code, period_month desc) as newest"""
        )
        (quarantined,) = q(
            "select count(*) from audit.files where kode_wilayah = any(%(r)s) and status = 'quarantined'"
        )
    return {
        "as_of_month": f"{BULAN[month.month - 1]} {month.year}",
        "coverage_pct": pct(coverage),
        "target_pct": pct(target),
        "active_participants": count(active),
        "workers_total": count(workers),
        "uncovered_workers": count(uncovered),
        "opd_not_enrolled": count(not_enrolled),
        "budgeted_idr": idr(budgeted),
        "required_idr": idr(required),
        "paid_idr": idr(paid),
        "shortfall_idr": idr(shortfall),
        "surplus_idr": idr(surplus),
        "claims_paid_idr": idr(claims_paid),
        "claims_paid_count": count(claims_paid_count),
        "files_quarantined": count(quarantined),
    }


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser():
    with chromium() as started:
        yield started


CHARTS_DRAWN = "() => document.querySelectorAll('figure.chart .main-svg').length > 0"


def open_report(
    context, url: str, allowed: tuple[str, ...], ready: str = CHARTS_DRAWN
) -> tuple[object, list[str], list[str]]:
    """Open ``url`` (requests outside ``allowed`` refused) and wait until ``ready``; returns the
    page, console errors and page errors, and refused requests."""
    page = context.new_page()
    problems: list[str] = []
    refused: list[str] = []
    page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))

    def gate(route):
        if route.request.url.startswith(allowed):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", gate)
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    page.wait_for_function(ready)
    return page, problems, refused


def check_page(page, problems, refused, expected: dict[str, str], charts: set[str], shot: Path, capsys) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    with capsys.disabled():
        print(f"\n  screenshot: {shot.relative_to(ROOT)}", end="")
    assert problems == [], problems
    assert refused == [], f"the report asked the network for {refused}"
    drawn = page.eval_on_selector_all(
        "figure.chart",
        "els => els.map(e => [e.dataset.chart, e.querySelectorAll('svg.main-svg').length,"
        " e.querySelectorAll('.cartesianlayer .trace path').length])",
    )
    assert {d[0] for d in drawn} == charts, drawn
    for chart_id, svgs, marks in drawn:
        assert svgs > 0, f"chart {chart_id} did not draw"
        assert marks > 0, f"chart {chart_id} drew no data"
    shown = {m: page.inner_text(f'[data-metric="{m}"]').strip() for m in expected}
    assert shown == expected


def test_one_off_report_from_the_command_line(marts, browser, capsys):
    """`ucj report --region 74.71 --out FILE`: one file, plotly inside, opened offline."""
    out = marts["tmp"] / "one-off" / "kendari.html"
    env = {**os.environ, "UCJ_WAREHOUSE_URL": marts["url"]}
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "ucj"),
            "report",
            "--region",
            "74.71",
            "--out",
            str(out),
            "--today",
            TODAY.isoformat(),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    html = out.read_text(encoding="utf-8")
    assert "<script src=" not in html  # plotly.js is inline: nothing to fetch
    assert "Laporan Cakupan Jaminan Sosial Ketenagakerjaan: Kota Kendari" in html

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    try:
        page, problems, refused = open_report(context, out.as_uri(), ("file://",))
        expected = expected_headline(marts["conninfo"], ["74.71"])
        check_page(page, problems, refused, expected, CHARTS, OUTPUT / "ucj-report-74-71.png", capsys)
    finally:
        context.close()

    bad = subprocess.run(
        [str(Path(sys.executable).parent / "ucj"), "report", "--region", "99.99", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2 and "unknown region code '99.99'" in bad.stdout


BUDGET_FIGURES = (
    "budgeted_idr",
    "required_idr",
    "billed_idr",
    "paid_idr",
    "shortfall_idr",
    "surplus_idr",
    "budgeted_without_roster_idr",
)


def test_province_budget_is_the_sum_of_the_regions(marts):
    """Issue 20: the province's budget figures are those of its Pemda added up, for the fiscal
    year of the data month (said on the page), with a Pemda without a budget that year named."""
    from ucj.report.build import render
    from ucj.report.data import load, report_regions, scope_of

    with psycopg.connect(marts["conninfo"]) as conn:
        province = load(conn, scope_of(conn, None), TODAY)
        regions = [load(conn, scope_of(conn, r), TODAY) for r in report_regions(conn)]
    assert province.budget_year == province.as_of_month.year == 2025 and province.budget_year_basis == "data"
    assert len(regions) == 2 and all(r.budget_year == province.budget_year for r in regions)
    for key in BUDGET_FIGURES:
        assert province.headline[key] == sum(r.headline[key] or 0 for r in regions), key
    assert province.headline["budgeted_idr"] > 0
    assert all(v >= 0 for r in [province, *regions] for k, v in r.headline.items() if k in BUDGET_FIGURES)
    assert province.budget_totals["regions_with_budget"] == sum(r.budget_totals["regions_with_budget"] for r in regions)
    html = render(province)
    assert "Tahun anggaran <strong>2025</strong>: tahun bulan data terakhir (Juni 2025)" in html

    # The page names a Pemda the mart lists without a budget for the year (the mart's own naming is
    # checked on the published-figures data, test_marts_published): the row is changed inside a
    # transaction that is rolled back.
    with psycopg.connect(marts["conninfo"]) as conn:
        conn.execute(
            """update marts.fct_budget_totals_yearly set regions_missing_budget = 'Kota Baubau',
                      regions_with_budget = regions_with_budget - 1
               where is_total and fiscal_year = 2025"""
        )
        try:
            html = render(load(conn, scope_of(conn, None), TODAY))
        finally:
            conn.rollback()
    named = '<strong data-metric="regions_missing_budget">Kota Baubau</strong>'
    assert f"Belum menyerahkan anggaran tahun 2025: {named}" in html
    assert "Pagu dijumlahkan dari <strong>1 dari 2</strong> Pemda" in html


def test_a_warehouse_without_marts_says_so(warehouse, tmp_path):
    from ucj.report.build import write_report
    from ucj.report.data import NoMartsError

    with pytest.raises(NoMartsError, match="no marts yet .*fct_coverage_monthly"):
        write_report(warehouse.conninfo, "74.71", tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------- Airflow


@pytest.fixture(scope="module")
def airflow_server(marts):
    """The Airflow API server app (core: API, UI, plugins, auth) under uvicorn on 127.0.0.1."""
    import uvicorn

    from ucj import airflow_env
    from ucj.report.airflow import nightly_reports

    built = nightly_reports(marts["url"], TODAY)
    assert built[0] == "provinsi-74.html" and {"74-71.html", "74-72.html"} <= set(built)

    airflow_env.migrate_metadata()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "kadis:viewer")
        patch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
        patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(64))
        from airflow.api_fastapi.app import create_app, purge_cached_app

        app = create_app(apps="core")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.1)
        try:
            from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

            passwords = Path(SimpleAuthManager.get_generated_password_file())
            yield {"base": f"http://127.0.0.1:{port}", "password": json.loads(passwords.read_text())["kadis"]}
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            purge_cached_app()


def test_plugin_serves_reports_and_docs_behind_the_airflow_login(marts, airflow_server):
    import httpx

    base = airflow_server["base"]
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/ucj/reports/").status_code == 401  # no login, no report
        token = client.post("/auth/token", json={"username": "kadis", "password": airflow_server["password"]})
        assert token.status_code == 201, token.text
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}

        # The plugin manager loaded the plugin: its app and its three views reach the UI.
        plugins = client.get("/api/v2/plugins", headers=auth).json()["plugins"]
        ours = next(p for p in plugins if p["name"] == "ucj_reports")
        assert [a["url_prefix"] for a in ours["fastapi_apps"]] == ["/ucj"]
        views = {v["url_route"]: v for v in ours["external_views"]}
        assert {r: v["href"] for r, v in views.items()} == {
            "ucj-reports": "ucj/reports/",
            "ucj-data-docs": "ucj/data-docs/",
            "ucj-dbt-docs": "ucj/dbt-docs/",
        }
        assert {v["destination"] for v in views.values()} == {"nav"}

        index = client.get("/ucj/reports/", headers=auth)
        assert index.status_code == 200 and 'href="74-71.html"' in index.text and "provinsi-74.html" in index.text
        js = client.get("/ucj/reports/plotly.min.js", headers=auth)
        assert js.status_code == 200 and js.headers["content-type"].startswith("application/javascript")

        data_docs = client.get("/ucj/data-docs/", headers=auth)
        assert data_docs.status_code == 200 and "participants" in data_docs.text  # GX's site: one suite per source

        dbt_docs = client.get("/ucj/dbt-docs/", headers=auth)
        assert dbt_docs.status_code == 200 and "dbt" in dbt_docs.text.lower()
        manifest = client.get("/ucj/dbt-docs/manifest.json", headers=auth).json()
        assert "model.ucj_warehouse.fct_coverage_monthly" in manifest["nodes"]
        assert client.get("/ucj/dbt-docs/run_results.json", headers=auth).status_code == 404  # only the site

        for escape in ("/ucj/reports/%2e%2e/%2e%2e/pyproject.toml", "/ucj/reports/..%2f..%2fpyproject.toml"):
            assert client.get(escape, headers=auth).status_code == 404, escape

        # The UI's page stores WITA as the default time zone before the UI's own script runs.
        ui = client.get("/dags/ucj_transform")
        assert ui.status_code == 200
        head = ui.text.split("</head>")[0]
        assert default_zone_script() in head and head.index(default_zone_script()) < head.index('type="module"')
        assert default_zone_script() not in index.text  # the plugin's own pages are left alone


def test_nightly_reports_in_chromium_through_airflow(marts, airflow_server, browser, capsys):
    import httpx

    base = airflow_server["base"]
    token = httpx.post(f"{base}/auth/token", json={"username": "kadis", "password": airflow_server["password"]})
    # A browser set to UTC opens the UI: its time zone is WITA until the user picks another.
    utc = browser.new_context(timezone_id="UTC")
    utc.add_cookies([{"name": "_token", "value": token.json()["access_token"], "url": base}])
    try:
        page = utc.new_page()
        page.goto(f"{base}/dags/ucj_transform")
        assert "/auth/" not in page.url, page.url  # logged in: this is the UI's page
        assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "UTC"
        assert page.evaluate("localStorage.getItem('timezone')") == '"Asia/Makassar"'
        page.evaluate("localStorage.setItem('timezone', JSON.stringify('Asia/Jakarta'))")
        page.reload()
        assert page.evaluate("localStorage.getItem('timezone')") == '"Asia/Jakarta"'  # the user's choice stays
    finally:
        utc.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    context.add_cookies([{"name": "_token", "value": token.json()["access_token"], "url": base}])
    try:
        with psycopg.connect(marts["conninfo"]) as conn:
            regions = [
                r[0] for r in conn.execute("select distinct kode_wilayah from marts.fct_coverage_monthly order by 1")
            ]
        assert regions == ["74.71", "74.72"]
        for slug, scope, charts in [("provinsi-74", regions, CHARTS | {"regions"})] + [
            (r.replace(".", "-"), [r], CHARTS) for r in regions
        ]:
            page, problems, refused = open_report(context, f"{base}/ucj/reports/{slug}.html", (base,))
            expected = expected_headline(marts["conninfo"], scope)
            check_page(page, problems, refused, expected, charts, OUTPUT / f"airflow-{slug}.png", capsys)
            page.close()
    finally:
        context.close()


# --------------------------------------------------------------------------- GX Data Docs offline


def _loaded_refs(html: str) -> list[str]:
    """The relative files a page loads by itself (script/img src, link href), without any query."""
    refs = re.findall(r"""<(?:script|img)\b[^>]*?\bsrc="([^"]+)"|<link\b[^>]*?\bhref="([^"]+)\"""", html)
    return sorted({(a or b).split("?")[0] for a, b in refs})


def test_data_docs_are_offline_and_name_each_file(marts, airflow_server, browser, capsys):
    """Data Docs through the plugin: every CSS/JS file a page loads comes from the site itself
    (served, 200), each validation run is named after its file's landing path, each result page
    names its data asset, and in Chromium with every non-local request refused the index's
    table has a row per result."""
    import httpx

    from ucj.ingest.data_docs_offline import external_loads
    from ucj.ingest.validation import gx_run_name

    base = airflow_server["base"]
    landing = marts["tmp"] / "landing"
    landed = sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file())
    with httpx.Client(base_url=base, timeout=30) as client:
        token = client.post("/auth/token", json={"username": "kadis", "password": airflow_server["password"]})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        index = client.get("/ucj/data-docs/index.html", headers=auth)
        assert index.status_code == 200
        results = sorted(set(re.findall(r"'_table_row_link_path': '(validations/[^']+\.html)'", index.text)))
        assert results, "the index lists no validation result"
        pages = {"index.html": index.text}
        for path in results:
            page = client.get(f"/ucj/data-docs/{path}", headers=auth)
            assert page.status_code == 200, path
            pages[path] = page.text
        served: set[str] = set()
        for path, html in pages.items():
            assert external_loads(html) == [], path  # no http(s) script, stylesheet, image (links are fine)
            assert "__none__" not in html and "Data asset: None" not in re.sub(r"<[^>]+>|\s+", " ", html), path
            refs = _loaded_refs(html)
            assert any("static/vendor/jquery-3.7.1/jquery.min.js" in r for r in refs), path
            for ref in refs:
                asset = posixpath.normpath(posixpath.join(posixpath.dirname(path), ref))
                if asset not in served:
                    response = client.get(f"/ucj/data-docs/{asset}", headers=auth)
                    assert response.status_code == 200 and response.content, f"{path}: {ref}"
                    served.add(asset)
        # each result page names its file: the run name is the landing path ('/' as '__'),
        # <source>/<kode_wilayah>/<period>/<file>, and the data asset is the source
        names = set()
        for path, html in pages.items():
            if path == "index.html":
                continue
            text = re.sub(r"<[^>]+>|\s+", " ", html)
            run = re.search(r"Run Name (.+?) Run Time", text)
            assert run, path
            name = run.group(1).strip()
            source, region, period, file = name.split("__", 3)
            assert re.fullmatch(r"\d{2}\.\d{2}", region) and re.fullmatch(r"\d{4}(-\d{2})?", period), name
            assert f"Data asset: {source}" in text and path.startswith(f"validations/{source}/"), path
            assert file.lower().endswith((".csv", ".xlsx", ".xls", ".xlsm")), name
            names.add(name)
        assert names & {gx_run_name(f) for f in landed}, sorted(names)[:3]  # files still in the landing folder
    assert len(served) >= 14  # the vendored CSS/JS files, the favicon, the logo

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    context.add_cookies([{"name": "_token", "value": token.json()["access_token"], "url": base}])
    try:
        rows_drawn = "() => document.querySelectorAll('table tbody tr[data-index]').length > 0"
        page, problems, refused = open_report(context, f"{base}/ucj/data-docs/", (base,), rows_drawn)  # only ours
        rows = page.eval_on_selector_all("table tbody tr[data-index]", "rows => rows.map(r => r.innerText)")
        assert refused == [] and problems == [], (refused, problems)
        assert any(gx_run_name(f) in row for row in rows for f in landed), rows[:3]
        # Font Awesome's icons drew from the local font
        assert page.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
        OUTPUT.mkdir(parents=True, exist_ok=True)
        shot = OUTPUT / "data-docs-index-offline.png"
        page.screenshot(path=str(shot), full_page=False)
        with capsys.disabled():
            print(f"\n  screenshot: {shot.relative_to(ROOT)} ({len(rows)} rows)", end="")
    finally:
        context.close()
