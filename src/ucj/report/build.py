"""Render reports to HTML files: one per Pemda, one for the province, and an index.

A report is one HTML file. In the nightly folder (:func:`build_all`) every report loads
``plotly.min.js`` from beside it (written once from the plotly package); a one-off report
(:func:`write_report`, ``ucj report --out FILE``) carries plotly.js inside itself, so it can
be mailed or opened anywhere offline. Files are replaced atomically: a reader (or the
Airflow plugin) never sees half a report.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import psycopg
from markupsafe import Markup

from ucj.config import TIMEZONE
from ucj.ops.status import today_wita
from ucj.privacy import mask_identifiers
from ucj.report import charts, fmt
from ucj.report.data import ReportData, Scope, load, report_regions, scope_of

PLOTLY_FILE = "plotly.min.js"
INDEX_FILE = "index.html"
# The trajectory table shows these years (and the first year of the projection).
MILESTONE_YEARS = (2025, 2026, 2029, 2030, 2035, 2040, 2045)


def reports_dir() -> Path:
    """Where the nightly reports go: ``UCJ_REPORTS_DIR``, default ``<UCJ_STATE_DIR>/reports``."""
    from ucj.config import settings

    return settings().reports_dir


@dataclass(frozen=True)
class BuiltReport:
    scope: Scope
    path: Path
    data: ReportData


@cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ucj.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["mask"] = lambda value: mask_identifiers("" if value is None else str(value))
    return env


def _generated_at() -> str:
    now = datetime.now(ZoneInfo(TIMEZONE))
    return f"{fmt.day_long(now.date())} {now:%H:%M}"


def _cards(data: ReportData) -> list[dict[str, str]]:
    """The headline figures, in the order the page shows them; ``metric`` names the value."""
    h = data.headline
    behind = (h.get("coverage_pct") or 0) < (h.get("target_pct") or 0)
    shortfall = h.get("shortfall_idr")
    year = f" {data.budget_year}" if data.budget_year else ""
    cards = [
        (
            "coverage_pct",
            "Cakupan (peserta aktif / pekerja)",
            fmt.pct(h.get("coverage_pct")),
            "bad" if behind else "good",
        ),
        ("target_pct", "Target nasional tahun ini", fmt.pct(h.get("target_pct")), ""),
        ("active_participants", "Peserta aktif", fmt.number(h.get("active_participants")), ""),
        ("workers_total", "Pekerja di luar ASN/TNI/Polri", fmt.number(h.get("workers_total")), ""),
        ("uncovered_workers", "Pekerja belum terlindungi", fmt.number(h.get("uncovered_workers")), ""),
        (
            "participants_to_target",
            "Kekurangan peserta terhadap target",
            fmt.number(h.get("participants_to_target")),
            "bad" if h.get("participants_to_target") else "",
        ),
        (
            "opd_not_enrolled",
            "Pegawai non-ASN belum terdaftar",
            fmt.number(h.get("opd_not_enrolled")),
            "bad" if h.get("opd_not_enrolled") else "",
        ),
        ("budgeted_idr", f"Pagu iuran APBD{year}", fmt.rupiah(h.get("budgeted_idr")), ""),
        ("required_idr", f"Kebutuhan iuran{year} (OPD dengan daftar pegawai)", fmt.rupiah(h.get("required_idr")), ""),
        ("paid_idr", f"Iuran terbayar{year}", fmt.rupiah(h.get("paid_idr")), ""),
        (
            "shortfall_idr",
            f"Kekurangan anggaran{year} (OPD yang pagunya kurang)",
            fmt.rupiah(shortfall),
            "bad" if (shortfall or 0) > 0 else "",
        ),
        ("surplus_idr", f"Kelebihan anggaran{year} (OPD yang pagunya lebih)", fmt.rupiah(h.get("surplus_idr")), ""),
        ("claims_paid_idr", "Klaim dibayar (nilai)", fmt.rupiah(h.get("claims_paid_idr")), ""),
        ("claims_paid_count", "Klaim dibayar (jumlah)", fmt.number(h.get("claims_paid_count")), ""),
        ("avg_days_to_payment", "Rata-rata lama pembayaran", fmt.days(h.get("avg_days_to_payment")), ""),
        (
            "files_quarantined",
            "Berkas dikarantina",
            fmt.number(h.get("files_quarantined")),
            "bad" if h.get("files_quarantined") else "",
        ),
        ("rows_rejected", "Baris ditolak", fmt.number(h.get("rows_rejected")), "bad" if h.get("rows_rejected") else ""),
        (
            "late_sources",
            "Sumber data terlambat",
            fmt.number(h.get("late_sources")),
            "bad" if h.get("late_sources") else "good",
        ),
    ]
    return [{"metric": m, "label": label, "text": text, "tone": tone} for m, label, text, tone in cards]


def _claims_by_program(data: ReportData) -> list[dict[str, object]]:
    totals: dict[str, dict[str, object]] = {}
    for c in data.claims_monthly:
        t = totals.setdefault(
            c["program"], {"program": c["program"], "claims_count": 0, "paid_count": 0, "paid_amount_idr": 0}
        )
        t["claims_count"] += c["claims_count"] or 0
        t["paid_count"] += c["paid_count"] or 0
        t["paid_amount_idr"] += c["paid_amount_idr"] or 0
    return [totals[p] for p in sorted(totals)]


def render(data: ReportData, *, plotly: str = "directory", region_links: bool = False) -> str:
    """The report as one HTML page.

    ``plotly``: ``"directory"`` loads ``plotly.min.js`` from beside the page; ``"inline"``
    puts plotly.js inside the page. ``region_links``: the province report links each Pemda's
    report (true in the nightly folder, where they sit side by side).
    """
    from ucj.ingest.quarantine import FILE_REASONS

    divs = {
        chart_id: charts.to_div(chart_id, fig) if fig is not None else None for chart_id, fig in charts.charts(data)
    }

    def chart(chart_id: str) -> Markup:
        div = divs.get(chart_id)
        if div is None:
            return Markup('<p class="empty" data-chart-empty="{}">Belum ada data untuk grafik ini.</p>').format(
                chart_id
            )
        return Markup('<figure class="chart" data-chart="{}">').format(chart_id) + Markup(div) + Markup("</figure>")

    return (
        _templates()
        .get_template("report.html.j2")
        .render(
            data=data,
            f=fmt,
            chart=chart,
            cards=_cards(data),
            as_of=fmt.month_long(data.as_of_month) if data.as_of_month else "belum ada data",
            milestone_years=set(MILESTONE_YEARS) | {y["year"] for y in data.trajectory[:1]},
            segment_labels=charts.SEGMENT_LABELS,
            claims_by_program=_claims_by_program(data),
            reasons={code: text_id for code, (text_id, _en) in FILE_REASONS.items()},
            plotly_inline=Markup(charts.plotly_js()) if plotly == "inline" else None,
            plotly_src=PLOTLY_FILE,
            region_links=region_links,
            generated_at=_generated_at(),
        )
    )


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _ensure_plotly_js(folder: Path) -> Path:
    path = folder / PLOTLY_FILE
    js = charts.plotly_js()
    if not path.exists() or path.stat().st_size != len(js.encode("utf-8")):
        _write_atomic(path, js)
    return path


def write_report(conninfo: str, region: str | None, out: Path, today: date | None = None) -> BuiltReport:
    """One self-contained report (plotly.js inline) of ``region``, or of the province when ``None``."""
    with psycopg.connect(conninfo) as conn:
        scope = scope_of(conn, region)
        data = load(conn, scope, today or today_wita())
    _write_atomic(out, render(data, plotly="inline"))
    return BuiltReport(scope, out, data)


def build_all(conninfo: str, out_dir: Path | None = None, today: date | None = None) -> list[BuiltReport]:
    """Every Pemda's report, the province's, ``plotly.min.js`` and ``index.html`` into ``out_dir``.

    Returns the reports, the province first. ``today``: the day late sources are judged on
    (the nightly run passes its own date, so a re-run of an old night says what it said then).
    """
    out_dir = out_dir or reports_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    today = today or today_wita()
    _ensure_plotly_js(out_dir)
    built: list[BuiltReport] = []
    with psycopg.connect(conninfo) as conn:
        scopes = [scope_of(conn, None)] + [scope_of(conn, r) for r in report_regions(conn)]
        for scope in scopes:
            data = load(conn, scope, today)
            path = out_dir / f"{scope.slug}.html"
            _write_atomic(path, render(data, plotly="directory", region_links=True))
            built.append(BuiltReport(scope, path, data))
    rows = [
        {
            "code": b.scope.code,
            "name": b.scope.name,
            "as_of": fmt.month_long(b.data.as_of_month) if b.data.as_of_month else "-",
            "coverage": fmt.pct(b.data.headline.get("coverage_pct")),
            "target": fmt.pct(b.data.headline.get("target_pct")),
            "active": fmt.number(b.data.headline.get("active_participants")),
            "workers": fmt.number(b.data.headline.get("workers_total")),
            "file": b.path.name,
        }
        for b in built
    ]
    index = _templates().get_template("index.html.j2").render(reports=rows, generated_at=_generated_at())
    _write_atomic(out_dir / INDEX_FILE, index)
    return built
