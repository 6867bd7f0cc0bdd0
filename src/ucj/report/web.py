"""The FastAPI app the Airflow plugin mounts: reports, GX Data Docs and dbt docs in the Airflow UI.

Mounted by ``plugins/ucj_reports.py`` at ``/ucj`` of the Airflow API server:

========================  ==================================================================
``/ucj/``                 a short page linking the three below
``/ucj/reports/``         the nightly reports (``UCJ_REPORTS_DIR``: ``index.html`` and one file
                          per Pemda and for the province)
``/ucj/data-docs/``       the GX Data Docs site (``<UCJ_GX_UNCOMMITTED_DIR>/data_docs/local_site``)
``/ucj/dbt-docs/``        ``dbt docs generate``'s site (``index.html``, ``manifest.json``,
                          ``catalog.json`` of ``UCJ_DBT_TARGET_DIR``; nothing else of dbt's target)
========================  ==================================================================

Every route needs an Airflow login (the UI's JWT cookie or a Bearer token), as the Airflow
API does: Data Docs show sample values of failed checks. The folders are read at every
request, so the app serves what the last nightly run wrote without a restart. Only files
inside a folder are served (no ``..``, no symlinks out).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

DBT_DOCS_FILES = frozenset({"index.html", "manifest.json", "catalog.json"})

mimetypes.add_type("application/javascript", ".js")


def reports_root() -> Path:
    from ucj.report.build import reports_dir

    return reports_dir()


def data_docs_root() -> Path:
    from ucj.ingest.validation import data_docs_dir

    return data_docs_dir()


def dbt_docs_root() -> Path:
    from ucj.config import settings

    return settings().dbt_target_dir


_MISSING = {
    "reports": (
        "Belum ada laporan",
        "Laporan dibuat setiap malam setelah transformasi (DAG <code>ucj_transform</code>), atau dengan "
        "<code>ucj report --all</code>.",
    ),
    "data-docs": (
        "Belum ada Data Docs",
        "Data Docs Great Expectations dibuat setelah setiap run ingest (DAG <code>ucj_ingest</code>).",
    ),
    "dbt-docs": (
        "Belum ada dokumentasi dbt",
        "Dokumentasi dbt dibuat setiap malam setelah transformasi (DAG <code>ucj_transform</code>, tugas "
        "<code>build_docs</code>) dan oleh <code>ucj demo</code>, atau dengan <code>ucj dbt docs generate</code>.",
    ),
}


def _missing(kind: str, path: str) -> HTMLResponse:
    title, hint = _MISSING[kind]
    body = (
        f'<!doctype html><html lang="id"><meta charset="utf-8"><title>{title}</title>'
        f'<body style="font-family: sans-serif; padding: 24px"><h1>{title}</h1><p>{hint}</p>'
        f"<p><small>Tidak ditemukan / not found: {kind}/{path}</small></p></body></html>"
    )
    return HTMLResponse(body, status_code=404)


def _inside(root: Path, relative: str) -> Path | None:
    """``root/relative`` when it is a file inside ``root`` (directories give their index.html)."""
    root = root.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def _serve(kind: str, root: Path, relative: str) -> FileResponse | HTMLResponse:
    found = _inside(root, relative)
    if found is None:
        return _missing(kind, relative)
    media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    # The reports change every night: browsers must ask again (they get 304 when unchanged).
    return FileResponse(found, media_type=media_type, headers={"Cache-Control": "no-cache"})


PORTAL = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>UCJ: laporan dan dokumentasi</title>
<style>body{font-family:"Liberation Sans",Arial,sans-serif;padding:24px;color:#1d2430}
li{margin:8px 0}a{color:#1f5fa8}</style></head><body>
<h1>Gudang data UCJ</h1><ul>
<li><a href="reports/">Laporan cakupan Jamsostek</a>: per Pemda dan provinsi, diperbarui setiap malam</li>
<li><a href="data-docs/">Data Docs Great Expectations</a>: hasil validasi setiap berkas yang diterima</li>
<li><a href="dbt-docs/">Dokumentasi dbt</a>: model, kolom dan lineage marts</li>
</ul></body></html>"""


def _routes(kind: str, root: Callable[[], Path]):
    def folder() -> RedirectResponse:  # "/ucj/reports" -> "/ucj/reports/", so relative links work
        return RedirectResponse(f"{kind}/", status_code=307)

    def serve(path: str) -> FileResponse | HTMLResponse:
        if kind == "dbt-docs" and path not in ("", *DBT_DOCS_FILES):
            raise HTTPException(status_code=404, detail="only the dbt docs site is served")
        return _serve(kind, root(), path)

    return folder, serve


def create_app() -> FastAPI:
    """The app; every route needs an Airflow login (``requires_authenticated``)."""
    from airflow.api_fastapi.core_api.security import requires_authenticated

    app = FastAPI(
        title="UCJ reports and docs",
        dependencies=[Depends(requires_authenticated())],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.get("/", response_class=HTMLResponse)
    def portal() -> HTMLResponse:
        return HTMLResponse(PORTAL)

    for kind, root in (("reports", reports_root), ("data-docs", data_docs_root), ("dbt-docs", dbt_docs_root)):
        folder, serve = _routes(kind, root)
        app.add_api_route(f"/{kind}", folder, methods=["GET"], include_in_schema=False, response_model=None)
        app.add_api_route(
            f"/{kind}/{{path:path}}", serve, methods=["GET", "HEAD"], include_in_schema=False, response_model=None
        )
    return app
