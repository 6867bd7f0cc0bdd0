"""Dashboards as code (issue 20): the Superset bundle imported into a real Superset, its charts'
data read through Superset's API and compared with SQL on the marts, one dashboard in Chromium.

Superset lives in a venv of its own (``bi/superset/requirements.txt``; ``make test-bi`` makes
``.ucj/superset-venv``, or ``UCJ_SUPERSET_VENV`` names another). A tiny warehouse is built the
way the roles test builds one (the ingest's task bodies, then ``dbt build`` as ucj_transformer);
``scripts/superset_import.py`` loads the bundle with the warehouse URI for ``ucj_bi_reader``,
twice (it must be idempotent); Superset is then served by gunicorn on 127.0.0.1 and asked, as
its admin, for each chart's data: every query Superset runs reaches PostgreSQL as ucj_bi_reader.

Marked ``bi``: left out of ``make test`` and a plain ``pytest`` (slow: Superset's start and
migrations); ``make test-bi`` runs it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import requests
import yaml
from browser_helpers import chromium
from marts_helpers import ModuleWarehouse, copy_landing

from ucj import tasks, transform
from ucj.generate import generate
from ucj.warehouse import BI_READER, PgParams

pytestmark = [pytest.mark.integration, pytest.mark.bi]

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "bi" / "superset" / "bundle"
EXPOSURES = ROOT / "dbt_project" / "models" / "exposures.yml"
OUTPUT = ROOT / "tests" / "output" / "bi"
VENV = (ROOT / os.environ.get("UCJ_SUPERSET_VENV", ".ucj/superset-venv")).resolve()  # relative: to the checkout

# Per chart of the bundle (by file name): the SQL on the marts that must give the same rows, and
# the chart's column names in the order of the SQL's columns.
EXPECTED = {
    "peserta_aktif_per_bulan": (
        "select period_month, region_name, sum(active_participants) from marts.fct_coverage_monthly"
        " where is_total group by 1, 2",
        ["period_month", "region_name", "Peserta aktif"],
    ),
    "cakupan_provinsi": (
        "select period_month, region_name, regions_reporting, workers_total, active_participants, coverage_pct,"
        " target_pct, participants_to_target from marts.fct_coverage_province_monthly where is_total",
        [
            "period_month",
            "region_name",
            "regions_reporting",
            "workers_total",
            "active_participants",
            "coverage_pct",
            "target_pct",
            "participants_to_target",
        ],
    ),
    "kepesertaan_opd_per_bulan": (
        "select period_month, sum(enrolled_active), sum(not_enrolled) from marts.fct_opd_enrollment_monthly group by 1",
        ["period_month", "Terdaftar aktif", "Belum terdaftar"],
    ),
    "anggaran_per_tahun": (
        "select fiscal_year, region_name, is_total, budgeted_idr, required_idr, surplus_idr, shortfall_idr,"
        " billed_idr, paid_idr, regions_missing_budget from marts.fct_budget_totals_yearly",
        [
            "fiscal_year",
            "region_name",
            "is_total",
            "budgeted_idr",
            "required_idr",
            "surplus_idr",
            "shortfall_idr",
            "billed_idr",
            "paid_idr",
            "regions_missing_budget",
        ],
    ),
    "klaim_per_program": (
        "select program, sum(claims_count) from marts.fct_claims_monthly group by 1",
        ["program", "Jumlah klaim"],
    ),
}


def _superset_bin(name: str) -> Path:
    path = VENV / "bin" / name
    if not path.exists():
        pytest.fail(f"no Superset venv at {VENV}: run `make test-bi` (it installs bi/superset/requirements.txt)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _plain(value):
    """A value of PostgreSQL as Superset's JSON gives it: dates as epoch milliseconds, numbers as floats."""
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return float(value)
    return value


def _rows_of(data: list[dict], names: list[str]) -> list[tuple]:
    return sorted((tuple(_plain(row[n]) for n in names) for row in data), key=repr)


class Superset:
    def __init__(self, base: str, home: Path, password: str, import_seconds: list[float], warehouse: str) -> None:
        self.base = base
        self.home = home
        self.password = password
        self.import_seconds = import_seconds
        self.warehouse = warehouse  # conninfo of the warehouse as its owner
        self.http = requests.Session()
        token = self.http.post(
            f"{base}/api/v1/security/login",
            timeout=60,
            json={
                "username": "admin",
                "password": password,
                "provider": "db",
                "refresh": False,
            },
        ).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str) -> dict:
        response = self.http.get(self.base + path, timeout=120)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()

    def listing(self, what: str) -> list[dict]:
        return self.get(f"/api/v1/{what}/?q=(page_size:100)")["result"]

    def as_reader(self) -> psycopg.Connection:
        p = PgParams.from_url(_url(self.warehouse))
        return psycopg.connect(PgParams(p.host, p.port, BI_READER, "", p.dbname).conninfo(), autocommit=True)


def _url(conninfo: str) -> str:
    d = psycopg.conninfo.conninfo_to_dict(conninfo)
    return PgParams(str(d["host"]), int(d.get("port") or 5432), str(d["user"]), "", str(d["dbname"])).url()


def _import(python: Path, home: Path, url: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    done = subprocess.run(
        [str(python), str(ROOT / "scripts" / "superset_import.py"), "--home", str(home), "--warehouse-url", url],
        env=env,
        cwd=home.parent,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 dashboards, 5 charts (database user ucj_bi_reader)" in done.stdout, done.stdout
    return time.monotonic() - started


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, pg_server_url):
    """A tiny warehouse (seed 7), built as in the roles test; its conninfo (as the owner)."""
    tmp = tmp_path_factory.mktemp("bi")
    generate("tiny", 7, tmp / "generated")
    landing = copy_landing(tmp / "generated", tmp / "landing")
    wh = ModuleWarehouse(tmp, pg_server_url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UCJ_PSEUDONYM_KEY", "kunci-uji-bi-" + uuid.uuid4().hex)
        try:
            conninfo = wh.database()
            url = _url(conninfo)
            statuses = [tasks.ingest_one(rel, landing, url, "bi-test")["status"] for rel in tasks.list_files(landing)]
            assert statuses.count("loaded") >= 10, statuses
            transform.run_dbt(["build"])
            yield conninfo
        finally:
            wh.close()


@pytest.fixture(scope="module")
def superset(warehouse, tmp_path_factory):
    python, gunicorn = _superset_bin("python"), _superset_bin("gunicorn")
    home = tmp_path_factory.mktemp("superset") / "home"
    password = "uji-" + uuid.uuid4().hex
    env = {**os.environ, "UCJ_SUPERSET_ADMIN_PASSWORD": password, "SUPERSET_HOME": str(home)}
    env.pop("UCJ_BI_READER_PASSWORD", None)  # trust auth here: the role has no password
    url = _url(warehouse)
    seconds = [_import(python, home, url, env), _import(python, home, url, env)]  # the second: nothing new
    port = _free_port()
    env["SUPERSET_CONFIG_PATH"] = str(home / "superset_config.py")
    log = (home / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            "1",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "superset.app:create_app()",
        ],
        env=env,
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:  # until Superset answers (or the server died)
            assert server.poll() is None, (home / "gunicorn.log").read_text()[-3000:]
            try:
                if requests.get(f"{base}/health", timeout=30).text == "OK":
                    break
            except (requests.ConnectionError, requests.Timeout):  # bound, the app still loading
                pass
            time.sleep(1)
        yield Superset(base, home, password, seconds, warehouse)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_bundle_imports_once_and_charts_show_the_marts_figures_as_bi_reader(superset: Superset, capsys) -> None:
    with capsys.disabled():
        print(
            f"\n  superset_import.py: {superset.import_seconds[0]:.0f} s first, "
            f"{superset.import_seconds[1]:.0f} s again",
            end="",
        )

    # one database, reached as ucj_bi_reader; two imports left one of everything
    databases = superset.listing("database")
    assert len(databases) == 1, databases
    uri = superset.get(f"/api/v1/database/{databases[0]['id']}/connection")["result"]["sqlalchemy_uri"]
    assert uri.startswith(f"postgresql+psycopg2://{BI_READER}@"), uri
    assert PgParams.from_url(_url(superset.warehouse)).dbname in uri

    # the dashboards are the exposures' dashboards: their slugs end the exposures' urls
    exposures = yaml.safe_load(EXPOSURES.read_text())["exposures"]
    slugs = {e["url"].rstrip("/").rsplit("/", 1)[-1] for e in exposures if e["type"] == "dashboard"}
    dashboards = superset.listing("dashboard")
    assert sorted(d["slug"] for d in dashboards) == sorted(slugs) and len(slugs) == 4
    for exposure in exposures:
        assert exposure["url"].startswith("http://localhost:8088/superset/dashboard/"), exposure["url"]

    # every chart of the bundle: Superset's data equals SQL on the mart, read as ucj_bi_reader
    files = {p.stem: yaml.safe_load(p.read_text()) for p in (BUNDLE / "charts").glob("*.yaml")}
    assert set(files) == set(EXPECTED)
    charts = {c["slice_name"]: c["id"] for c in superset.listing("chart")}
    assert sorted(charts) == sorted(f["slice_name"] for f in files.values())
    with superset.as_reader() as reader:
        for key, (query, names) in EXPECTED.items():
            result = superset.get(f"/api/v1/chart/{charts[files[key]['slice_name']]}/data/")["result"]
            assert len(result) == 1 and result[0]["status"] == "success", (key, result)
            data = result[0]["data"]
            expected = sorted((tuple(_plain(v) for v in row) for row in reader.execute(query)), key=repr)
            assert expected, f"{key}: the mart has rows for this chart"
            assert _rows_of(data, names) == expected, key

        # the no-double-count row set: the line chart's June total is the ALL row, not ALL + segments
        june = reader.execute(
            "select sum(active_participants) filter (where is_total), sum(active_participants)"
            " from marts.fct_coverage_monthly"
            " where period_month = (select max(period_month) from marts.fct_coverage_monthly)"
        ).fetchone()
    assert june[0] > 0 and june[1] == 2 * june[0]  # PU + BPU + JAKON add up to ALL: a plain SUM doubles
    line = superset.get(f"/api/v1/chart/{charts[files['peserta_aktif_per_bulan']['slice_name']]}/data/")
    latest = max(row["period_month"] for row in line["result"][0]["data"])
    assert sum(r["Peserta aktif"] for r in line["result"][0]["data"] if r["period_month"] == latest) == june[0]

    # SQL Lab runs as the same role: the restricted schema is refused by PostgreSQL itself
    csrf = superset.get("/api/v1/security/csrf_token/")["result"]
    response = superset.http.post(
        f"{superset.base}/api/v1/sqllab/execute/",
        timeout=120,
        headers={"X-CSRFToken": csrf, "Referer": superset.base},
        json={
            "database_id": databases[0]["id"],
            "sql": "select count(*) from restricted.workers_not_enrolled",
            "runAsync": False,
            "schema": "marts",
        },
    )
    assert response.status_code >= 400 and "permission denied for schema restricted" in response.text, response.text


def test_dashboard_in_chromium_draws_the_province_rows(superset: Superset, capsys) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shot = OUTPUT / "superset-ucj-pemda.png"
    refused: list[str] = []

    def gate(route):  # nothing outside Superset (its CSP keeps the telemetry pixel out)
        if route.request.url.startswith(superset.base):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.route("**/*", gate)
        page.goto(f"{superset.base}/login/", wait_until="load")
        page.fill("#username", "admin")  # Superset 6's React login form
        page.fill("#password", superset.password)
        page.keyboard.press("Enter")
        page.wait_for_url("**/superset/welcome/**", timeout=120_000)
        page.goto(f"{superset.base}/superset/dashboard/ucj-pemda/", wait_until="load")
        page.wait_for_selector(".dashboard-chart canvas", timeout=120_000)  # the ECharts line
        page.wait_for_selector(".dashboard-chart table tbody tr", timeout=120_000)  # the province table
        page.wait_for_timeout(1500)  # the line's animation
        page.screenshot(path=str(shot), full_page=True)
        cells = page.eval_on_selector_all(
            ".dashboard-chart table tbody tr",
            "rows => rows.map(r => Array.from(r.querySelectorAll('td')).map(td => td.innerText.trim()))",
        )
    with capsys.disabled():
        print(f"\n  screenshot: {shot.relative_to(ROOT)}", end="")
    assert refused == [], f"the dashboard asked outside Superset for {refused}"
    with superset.as_reader() as reader:
        expected = reader.execute(
            "select to_char(period_month, 'YYYY-MM'), region_name, active_participants::text"
            " from marts.fct_coverage_province_monthly where is_total order by period_month"
        ).fetchall()
    assert expected
    assert [(c[0], c[1], c[4]) for c in cells] == [tuple(r) for r in expected], cells
    assert shot.stat().st_size > 20_000
