"""The report's charts: plotly figures drawn as SVG in the browser by plotly.js, offline.

Every chart is a ``<div>`` with the figure's JSON; plotly.js comes from the Python package
(:func:`plotly_js`), written next to the reports or inlined, never from a CDN. Axis and hover
numbers use Indonesian separators (``layout.separators = ",."``: 1.234,5); months are
written by :mod:`ucj.report.fmt`, so no plotly locale file is needed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from ucj.report import fmt
from ucj.report.data import ReportData

BLUE, ORANGE, GREEN, RED, GREY, PURPLE = "#1f5fa8", "#e8833a", "#2e9b5f", "#c0392b", "#8a8f98", "#7b4fa0"
PROGRAM_COLOURS = {"JKK": BLUE, "JKM": ORANGE, "BEASISWA": PURPLE}
SEGMENT_LABELS = {
    "ALL": "Semua segmen",
    "PU": "PU (Penerima Upah)",
    "BPU": "BPU (Bukan Penerima Upah)",
    "JAKON": "JAKON (Jasa Konstruksi)",
}
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def plotly_js() -> str:
    """plotly.min.js as shipped in the plotly package (works offline)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _layout(fig: go.Figure, title: str, height: int = 380, **kwargs: Any) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        separators=",.",  # decimal comma, thousands dot
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.18},
        font={"family": "Liberation Sans, Arial, sans-serif", "size": 12},
        plot_bgcolor="white",
        paper_bgcolor="white",
        **kwargs,
    )
    fig.update_xaxes(showgrid=False, linecolor="#bbb")
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#bbb")
    return fig


def _year_fraction(month: date) -> float:
    return month.year + (month.month - 1) / 12


def trajectory(data: ReportData) -> go.Figure:
    """Coverage so far and, to 2045, the national target against the +20 %/year projection."""
    fig = go.Figure()
    history = [h for h in data.coverage_history if h["coverage_pct"] is not None]
    fig.add_trace(
        go.Scatter(
            x=[_year_fraction(h["month"]) for h in history],
            y=[_f(h["coverage_pct"]) for h in history],
            customdata=[[fmt.month_long(h["month"]), fmt.pct(h["coverage_pct"])] for h in history],
            hovertemplate="%{customdata[0]}: cakupan %{customdata[1]}<extra></extra>",
            mode="lines+markers",
            name="Cakupan aktual",
            line={"color": BLUE, "width": 3},
        )
    )
    years = data.trajectory
    # The national target holds for a whole year: a step from January of each year to the end of 2045.
    steps = [*years, *years[-1:]]
    fig.add_trace(
        go.Scatter(
            x=[y["year"] for y in years] + [years[-1]["year"] + 11 / 12] if years else [],
            y=[_f(y["target_pct"]) for y in steps],
            customdata=[[y["year"], fmt.pct(y["target_pct"])] for y in steps],
            hovertemplate="Target nasional %{customdata[0]}: %{customdata[1]}<extra></extra>",
            mode="lines",
            line_shape="hv",
            name="Target nasional (RPJMN/RPJPN, 99,5% pada 2045)",
            line={"color": RED, "dash": "dash"},
        )
    )
    # The projection grows from the newest month, a year at a time.
    start = _year_fraction(data.as_of_month) if data.as_of_month else None
    first_year = years[0]["year"] if years else 0
    fig.add_trace(
        go.Scatter(
            x=[(start if start is not None else y["year"]) + y["year"] - first_year for y in years],
            y=[_f(y["projected_coverage_pct"]) for y in years],
            customdata=[[y["year"], fmt.pct(y["projected_coverage_pct"])] for y in years],
            hovertemplate="Proyeksi %{customdata[0]} (+20%/tahun): %{customdata[1]}<extra></extra>",
            mode="lines+markers",
            name="Proyeksi bila peserta tumbuh 20% per tahun",
            line={"color": GREEN, "dash": "dot"},
            marker={"size": 5},
        )
    )
    _layout(fig, "Cakupan terhadap lintasan nasional sampai 2045")
    fig.update_xaxes(title="Tahun", tickformat="d", dtick=5 if len(years) > 8 else 1)
    fig.update_yaxes(title="Cakupan (%)", range=[0, 105], ticksuffix="%")
    return fig


def segments(data: ReportData) -> go.Figure:
    """Coverage per segment in the newest month, against the year's target."""
    rows = data.segments
    labels = [SEGMENT_LABELS.get(s["segment"], s["segment"]) for s in rows]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=[_f(s["coverage_pct"]) for s in rows],
            text=[fmt.pct(s["coverage_pct"]) for s in rows],
            textposition="outside",
            customdata=[[fmt.number(s["active_participants"]), fmt.number(s["workers_total"])] for s in rows],
            hovertemplate="%{x}<br>%{customdata[0]} peserta aktif dari %{customdata[1]} pekerja<extra></extra>",
            marker_color=[GREY if s["segment"] == "ALL" else BLUE for s in rows],
            name="Cakupan",
        )
    )
    target = next((s["target_pct"] for s in rows if s["target_pct"] is not None), None)
    if target is not None:
        fig.add_hline(
            y=float(target),
            line={"color": RED, "dash": "dash"},
            annotation_text=f"Target {fmt.pct(target)}",
            annotation_position="top left",
        )
    month = fmt.month_long(data.as_of_month) if data.as_of_month else ""
    _layout(fig, f"Cakupan per segmen, {month}", showlegend=False)
    fig.update_yaxes(title="Cakupan (%)", range=[0, 105], ticksuffix="%")
    return fig


def regions(data: ReportData) -> go.Figure:
    """Province: each Pemda's coverage in its newest month, lowest first."""
    rows = sorted(data.regions, key=lambda r: (r["coverage_pct"] is None, r["coverage_pct"] or 0))
    fig = go.Figure(
        go.Bar(
            y=[r["region_name"] or r["kode_wilayah"] for r in rows],
            x=[_f(r["coverage_pct"]) for r in rows],
            orientation="h",
            text=[fmt.pct(r["coverage_pct"]) for r in rows],
            textposition="outside",
            customdata=[
                [
                    fmt.month_long(r["period_month"]),
                    fmt.number(r["active_participants"]),
                    fmt.number(r["workers_total"]),
                ]
                for r in rows
            ],
            hovertemplate="%{y} (%{customdata[0]})<br>%{customdata[1]} dari %{customdata[2]} pekerja<extra></extra>",
            marker_color=[RED if (r["coverage_pct"] or 0) < (r["target_pct"] or 0) else GREEN for r in rows],
        )
    )
    _layout(fig, "Cakupan per Pemda (bulan terbaru)", height=max(260, 60 + 34 * len(rows)), showlegend=False)
    fig.update_xaxes(title="Cakupan (%)", range=[0, 110], ticksuffix="%")
    fig.update_layout(margin={"l": 200})
    return fig


def opd(data: ReportData) -> go.Figure:
    """OPD enrolment: enrolled and not enrolled workers of each roster, the furthest behind on top."""
    rows = list(reversed(data.opd))  # plotly draws the first category at the bottom
    labels = [
        f"{r['opd_abbreviation'] or r['opd_code']} ({r['kode_wilayah']})"
        if data.scope.is_province
        else (r["opd_abbreviation"] or r["opd_code"])
        for r in rows
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[r["enrolled_active"] for r in rows],
            orientation="h",
            name="Terdaftar aktif",
            marker_color=GREEN,
            customdata=[[r["opd_name"], fmt.pct(r["enrollment_pct"])] for r in rows],
            hovertemplate="%{customdata[0]}<br>terdaftar aktif: %{x:,.0f} (%{customdata[1]})<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[r["not_enrolled"] for r in rows],
            orientation="h",
            name="Belum terdaftar / tidak aktif",
            marker_color=RED,
            customdata=[[r["opd_name"]] for r in rows],
            hovertemplate="%{customdata[0]}<br>belum terdaftar: %{x:,.0f}<extra></extra>",
        )
    )
    _layout(fig, "Kepesertaan pegawai non-ASN per OPD", height=max(280, 90 + 30 * len(rows)), barmode="stack")
    fig.update_xaxes(title="Pegawai di daftar OPD", tickformat=",d")
    return fig


def budget(data: ReportData) -> go.Figure:
    """Budget (pagu) against what the roster needs and what was paid, per OPD."""
    rows = data.budget
    labels = [
        f"{b['opd_abbreviation'] or b['opd_code']} ({b['kode_wilayah']})"
        if data.scope.is_province
        else (b["opd_abbreviation"] or b["opd_code"])
        for b in rows
    ]
    fig = go.Figure()
    for key, name, colour in (
        ("budgeted_idr", "Anggaran (pagu APBD)", BLUE),
        ("required_idr", "Kebutuhan iuran", ORANGE),
        ("paid_idr", "Iuran terbayar", GREEN),
    ):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[_f(b[key]) for b in rows],
                name=name,
                marker_color=colour,
                customdata=[[fmt.rupiah(b[key])] for b in rows],
                hovertemplate=f"%{{x}}<br>{name}: %{{customdata[0]}}<extra></extra>",
            )
        )
    _layout(fig, f"Anggaran, kebutuhan dan iuran terbayar per OPD, tahun {data.budget_year}", barmode="group")
    fig.update_yaxes(title="Rupiah", tickprefix="Rp ", tickformat=",.0f")
    return fig


def claims_paid(data: ReportData) -> go.Figure:
    """Claims paid per month, stacked by programme."""
    months = sorted({c["month"] for c in data.claims_monthly})
    by_program: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for c in data.claims_monthly:
        by_program[c["program"]][c["month"]] = c["paid_amount_idr"] or Decimal(0)
    fig = go.Figure()
    for program in sorted(by_program):
        values = [by_program[program].get(m, Decimal(0)) for m in months]
        fig.add_trace(
            go.Bar(
                x=[fmt.month_short(m) for m in months],
                y=[float(v) for v in values],
                name=program,
                marker_color=PROGRAM_COLOURS.get(program, GREY),
                customdata=[[fmt.rupiah(v)] for v in values],
                hovertemplate=f"%{{x}} {program}: %{{customdata[0]}}<extra></extra>",
            )
        )
    _layout(fig, "Klaim dibayar per bulan dan program", barmode="stack")
    fig.update_xaxes(type="category", title="Bulan")
    fig.update_yaxes(title="Rupiah", tickprefix="Rp ", tickformat=",.0f")
    return fig


def claims_days(data: ReportData) -> go.Figure:
    """Days from submission to payment of the paid claims, per programme."""
    by_program: dict[str, list[int]] = defaultdict(list)
    for c in data.claims_paid:
        if c["days_to_payment"] is not None:
            by_program[c["program"]].append(c["days_to_payment"])
    fig = go.Figure()
    for program in sorted(by_program):
        fig.add_trace(
            go.Box(
                y=by_program[program],
                name=program,
                boxpoints="all",
                jitter=0.4,
                marker_color=PROGRAM_COLOURS.get(program, GREY),
                hovertemplate=f"{program}: %{{y}} hari<extra></extra>",
            )
        )
    _layout(fig, "Lama pembayaran klaim (hari sejak pengajuan)", showlegend=False)
    fig.update_yaxes(title="Hari", rangemode="tozero")
    return fig


def quality(data: ReportData) -> go.Figure:
    """Rows loaded and rejected per source."""
    rows = data.quality
    fig = go.Figure()
    for key, name, colour in (("rows_loaded", "Baris dimuat", GREEN), ("rows_rejected", "Baris ditolak", RED)):
        fig.add_trace(
            go.Bar(
                x=[q["source"] for q in rows],
                y=[q[key] for q in rows],
                name=name,
                marker_color=colour,
                hovertemplate=f"%{{x}}: %{{y:,.0f}} {name.lower()}<extra></extra>",
            )
        )
    _layout(fig, "Baris diterima per sumber data", barmode="stack")
    fig.update_yaxes(title="Baris", tickformat=",d")
    return fig


def charts(data: ReportData) -> list[tuple[str, go.Figure | None]]:
    """(chart id, figure) in page order; ``None`` where the marts have nothing to draw."""
    out: list[tuple[str, go.Figure | None]] = [
        ("trajectory", trajectory(data) if data.coverage_history or data.trajectory else None),
        ("segments", segments(data) if data.segments else None),
    ]
    if data.scope.is_province:
        out.append(("regions", regions(data) if data.regions else None))
    out += [
        ("opd", opd(data) if data.opd else None),
        ("budget", budget(data) if data.budget else None),
        ("claims_paid", claims_paid(data) if data.claims_monthly else None),
        ("claims_days", claims_days(data) if data.claims_paid else None),
        ("quality", quality(data) if data.quality else None),
    ]
    return out


def to_div(chart_id: str, fig: go.Figure) -> str:
    """The chart as an HTML ``<div>`` (plotly.js must be on the page already)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{chart_id}", config=CONFIG)
