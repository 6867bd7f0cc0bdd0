"""``ucj status``: the last pipeline runs, and which sources are late in which region.

Freshness compares, for every region × source, the latest period loaded with the period that
should be in by today (WITA). The rule per source is data: ``cadence`` and ``due`` in the source
catalogue (``ucj/ingest/fields.yaml``, :func:`ucj.ingest.fields.due_rules`). Today it says:

* monthly sources (rosters, participants, claims): month ``M`` is due by the 20th of month
  ``M+1``. On 21 July the June files must be in; on 20 July only the May files.
* yearly sources (budgets, workforce): year ``Y`` is due by the end of February of ``Y``
  (the APBD is adopted before the year starts; the year's workforce estimate comes with it).
  Corrected files later in the year supersede the first ones.

A region × source is ``late`` when the period due is not loaded (never loaded counts too);
``days_overdue`` counts from the due date of the first missing period. The regions checked are
those that have delivered any file, plus any given explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import psycopg
from rich.console import Console
from rich.table import Table

from ucj.config import SOURCES, TIMEZONE
from ucj.ingest.fields import due_rules, yearly_sources

YEARLY_SOURCES = yearly_sources()  # as the landing contract (cadence in the source catalogue)
DUE_RULES = due_rules()  # source -> DueRule (due in the source catalogue)


# --------------------------------------------------------------------------- cadence


def _next_month(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def due_date(source: str, period: str) -> date:
    """The last day on which the file of ``period`` is on time."""
    return DUE_RULES[source].due_date(period)


def _previous(source: str, period: str) -> str:
    if source in YEARLY_SOURCES:
        return f"{int(period) - 1:04d}"
    year, month = _previous_month(int(period[:4]), int(period[5:7]))
    return f"{year:04d}-{month:02d}"


def expected_period(source: str, today: date) -> str:
    """The latest period whose due date has passed on ``today``."""
    period = f"{today.year:04d}" if source in YEARLY_SOURCES else f"{today.year:04d}-{today.month:02d}"
    while today <= due_date(source, period):
        period = _previous(source, period)
    return period


def _following(source: str, period: str) -> str:
    return f"{int(period) + 1:04d}" if source in YEARLY_SOURCES else _next_month(period)


def today_wita() -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Freshness:
    kode_wilayah: str
    source: str
    latest_period: str | None  # latest period with a loaded file
    loaded_at: datetime | None  # when that period's latest file was loaded
    expected_period: str
    verdict: str  # "ok" | "late"
    days_overdue: int
    newer_quarantined: str | None  # a later period that arrived but was quarantined


@dataclass(frozen=True)
class RunRow:
    dag_id: str
    run_id: str
    state: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    files_seen: int | None
    files_loaded: int | None
    files_quarantined: int | None
    rows_read: int | None
    rows_loaded: int | None
    rows_rejected: int | None
    gx_failed_expectations: int | None
    dbt_models_ok: int | None
    dbt_tests_failed: int | None
    end_reason: str | None = None  # why it failed when not by its own last task (killed, crashed)


@dataclass(frozen=True)
class ToConfirm:
    """Something about OPD attribution a person should confirm (intermediate.int_opd_attribution_to_confirm)."""

    kode_wilayah: str
    item_kind: str  # "opd" (unconfirmed OPD) | "npp" (NPP of no OPD) | "npp_conflict"
    item: str  # the OPD's X- code, or the NPP
    item_name: str | None
    roster_workers: int
    bpjs_people: int
    budget_lines: int
    files: list[str]
    config_line: str


@dataclass(frozen=True)
class StatusReport:
    today: date
    runs: list[RunRow]
    freshness: list[Freshness]
    to_confirm: list[ToConfirm] = field(default_factory=list)

    @property
    def late(self) -> list[Freshness]:
        return [f for f in self.freshness if f.verdict == "late"]


def last_runs(conn: psycopg.Connection, limit: int = 10) -> list[RunRow]:
    """The latest runs; a run killed before recording its end shows as failed, with why."""
    from ucj.ops import history

    tracked = history.has_liveness(conn)
    extra = "liveness, end_reason" if tracked else "null, null"
    fields = ", ".join(f for f in RunRow.__dataclass_fields__ if f != "end_reason")
    rows = conn.execute(
        f"select {fields}, {extra} from audit.pipeline_runs order by started_at desc, dag_id limit %s",  # noqa: S608
        (limit,),
    ).fetchall()
    out = []
    for r in rows:
        *values, liveness, end_reason = r
        state = history.seen_state(conn, values[0], values[1], values[2], liveness)
        if state != values[2]:
            end_reason = f"{history.STALE_LEASE_REASON}; closed at the next run's start"
        values[2] = state
        out.append(RunRow(*values[:5], float(values[5]) if values[5] is not None else None, *values[6:], end_reason))
    return out


def freshness(
    conn: psycopg.Connection,
    today: date | None = None,
    regions: Iterable[str] = (),
    sources: Iterable[str] = SOURCES,
) -> list[Freshness]:
    """One verdict per region × source (regions: every region that sent a file, plus ``regions``)."""
    today = today or today_wita()
    rows = conn.execute(
        """with loaded as (
               select kode_wilayah, source, period, max(coalesce(finished_at, seen_at)) as loaded_at
               from audit.files where status = 'loaded'
               group by kode_wilayah, source, period
           ),
           latest as (
               select distinct on (kode_wilayah, source) kode_wilayah, source, period, loaded_at
               from loaded order by kode_wilayah, source, period desc
           ),
           quarantined as (
               select kode_wilayah, source, max(period) as period
               from audit.files where status = 'quarantined' group by kode_wilayah, source
           )
           select coalesce(l.kode_wilayah, q.kode_wilayah), coalesce(l.source, q.source),
                  l.period, l.loaded_at, q.period
           from latest l full join quarantined q using (kode_wilayah, source)"""
    ).fetchall()
    seen = {(r[0], r[1]): r for r in rows}
    all_regions = sorted({r[0] for r in conn.execute("select distinct kode_wilayah from audit.files")} | set(regions))
    result = []
    for region in all_regions:
        for source in sources:
            _, _, latest, loaded_at, quarantined = seen.get((region, source), (region, source, None, None, None))
            expected = expected_period(source, today)
            if latest is not None and latest >= expected:
                verdict, overdue = "ok", 0
            else:
                first_missing = _following(source, latest) if latest else expected
                verdict, overdue = "late", max(0, (today - due_date(source, first_missing)).days)
            newer_q = quarantined if quarantined and (latest is None or quarantined > latest) else None
            result.append(Freshness(region, source, latest, loaded_at, expected, verdict, overdue, newer_q))
    return result


def to_confirm(conn: psycopg.Connection, region: str | None = None) -> list[ToConfirm]:
    """What to confirm about OPD attribution, per region (empty before the first dbt build)."""
    if conn.execute("select to_regclass('intermediate.int_opd_attribution_to_confirm')").fetchone()[0] is None:
        return []
    fields_ = ", ".join(ToConfirm.__dataclass_fields__)
    rows = conn.execute(
        f"select {fields_} from intermediate.int_opd_attribution_to_confirm "  # noqa: S608
        "where %(region)s::text is null or kode_wilayah = %(region)s "
        "order by kode_wilayah, item_kind, roster_workers + bpjs_people desc, item",
        {"region": region},
    ).fetchall()
    return [ToConfirm(*r) for r in rows]


HOW_TO_CONFIRM = (
    "Konfirmasi / gabungkan: tambahkan baris di opd_aliases.yaml pada folder konfigurasi (UCJ_CONFIG_DIR); "
    "berlaku pada run berikutnya. To confirm or merge one, add the line shown to opd_aliases.yaml in the "
    "config folder (UCJ_CONFIG_DIR), under aliases: (an OPD) or npp_pairs: (an NPP), with opd: a code of "
    "dbt_project/seeds/opd.csv to merge it into that OPD, or its own name to confirm it as a new OPD; "
    "effective on the next run, no code change."
)


def status_report(conninfo: str, *, limit: int = 10, today: date | None = None) -> StatusReport:
    """The report; a warehouse not yet migrated (no audit tables) gives an empty one."""
    today = today or today_wita()
    with psycopg.connect(conninfo) as conn:
        has_runs, has_files = conn.execute(
            "select to_regclass('audit.pipeline_runs') is not null, to_regclass('audit.files') is not null"
        ).fetchone()
        return StatusReport(
            today,
            last_runs(conn, limit) if has_runs else [],
            freshness(conn, today) if has_files else [],
            to_confirm(conn),
        )


# --------------------------------------------------------------------------- printing


def _fmt_time(value: datetime | None) -> str:
    return value.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M") if value else "-"


def _fmt(value: object) -> str:
    return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


_STATE_STYLE = {"success": "green", "failed": "red", "running": "yellow"}


def print_status(
    console: Console, url: str | None = None, *, limit: int = 10, today: date | None = None, late_only: bool = False
) -> StatusReport:
    """Print the last ``limit`` runs and the freshness of every region × source; return the report.

    ``url``: the warehouse (default: the configured one, the embedded server if none).
    """
    from ucj.reference import region_names
    from ucj.warehouse import PgParams, warehouse_url

    report = status_report(PgParams.from_url(url or warehouse_url()).conninfo(), limit=limit, today=today)

    runs = Table(title=f"Run terakhir / last runs ({len(report.runs)})", title_justify="left")
    for name in (
        "DAG",
        "run",
        "status",
        "mulai (WITA)",
        "durasi s",
        "berkas",
        "dimuat",
        "karantina",
        "baris dibaca",
        "dimuat",
        "ditolak",
        "GX gagal",
        "dbt model ok",
        "dbt test gagal",
    ):
        runs.add_column(name, overflow="fold")
    for r in report.runs:
        style = _STATE_STYLE.get(r.state, "")
        runs.add_row(
            r.dag_id,
            r.run_id,
            f"[{style}]{r.state}[/]" if style else r.state,
            _fmt_time(r.started_at),
            f"{r.duration_seconds:.1f}" if r.duration_seconds is not None else "-",
            _fmt(r.files_seen),
            _fmt(r.files_loaded),
            _fmt(r.files_quarantined),
            _fmt(r.rows_read),
            _fmt(r.rows_loaded),
            _fmt(r.rows_rejected),
            _fmt(r.gx_failed_expectations),
            _fmt(r.dbt_models_ok),
            _fmt(r.dbt_tests_failed),
        )
    if report.runs:
        console.print(runs)
        for r in report.runs:
            if r.end_reason:
                console.print(f"[red]{r.dag_id} {r.run_id}:[/] {r.end_reason}")
    else:
        console.print("[yellow]Belum ada run tercatat / no runs recorded yet (audit.pipeline_runs is empty).[/]")

    names = region_names()
    shown = report.late if late_only else report.freshness
    fresh = Table(
        title=f"Kesegaran data per wilayah / source freshness on {report.today:%Y-%m-%d} "
        f"({len(report.late)} terlambat / late)",
        title_justify="left",
    )
    for name in (
        "wilayah",
        "nama",
        "sumber",
        "periode terakhir",
        "dimuat (WITA)",
        "periode wajib",
        "status",
        "hari terlambat",
        "catatan",
    ):
        fresh.add_column(name, overflow="fold")
    for f in shown:
        verdict = "[green]ok[/]" if f.verdict == "ok" else "[red]TERLAMBAT / late[/]"
        note = f"{f.newer_quarantined} dikarantina / quarantined" if f.newer_quarantined else ""
        fresh.add_row(
            f.kode_wilayah,
            names.get(f.kode_wilayah, ""),
            f.source,
            f.latest_period or "-",
            _fmt_time(f.loaded_at),
            f.expected_period,
            verdict,
            str(f.days_overdue) if f.days_overdue else "",
            note,
        )
    if report.freshness:
        console.print(fresh)
    else:
        console.print("[yellow]Belum ada berkas diterima / no files received yet (audit.files is empty).[/]")
    print_to_confirm(console, report.to_confirm)
    return report


_KIND_LABEL = {
    "opd": "OPD belum dikonfirmasi / unconfirmed OPD",
    "npp": "NPP tanpa OPD / NPP of no OPD",
    "npp_conflict": "NPP konflik / NPP conflict",
}


def print_to_confirm(console: Console, items: list[ToConfirm]) -> None:
    """The "to confirm" table: unconfirmed OPDs, NPPs of no OPD and NPP conflicts, per region."""
    if not items:
        console.print("[green]Tidak ada OPD atau NPP yang perlu dikonfirmasi / nothing to confirm.[/]")
        return
    table = Table(title=f"Perlu dikonfirmasi / to confirm ({len(items)})", title_justify="left", caption=HOW_TO_CONFIRM)
    for name in (
        "wilayah",
        "jenis",
        "kode / NPP",
        "nama",
        "pekerja daftar",
        "peserta BPJS",
        "baris anggaran",
        "berkas",
        "baris untuk opd_aliases.yaml",
    ):
        table.add_column(name, overflow="fold")
    for t in items:
        table.add_row(
            t.kode_wilayah,
            _KIND_LABEL.get(t.item_kind, t.item_kind),
            t.item,
            t.item_name or "",
            _fmt(t.roster_workers),
            _fmt(t.bpjs_people),
            _fmt(t.budget_lines),
            "\n".join(t.files[:5]) + (f"\n(+{len(t.files) - 5})" if len(t.files) > 5 else ""),
            t.config_line,
        )
    console.print(table)
