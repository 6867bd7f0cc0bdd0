"""Readable views of the marts and of the rejects, for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from psycopg import sql
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ucj.privacy import mask_identifiers
from ucj.warehouse import connect

# What `ucj marts` shows first, in this order; any other mart follows.
MART_ORDER = (
    "fct_opd_enrollment_monthly",
    "fct_coverage_monthly",
    "fct_claims_monthly",
    "fct_budget_yearly",
    "fct_claims",
    "dim_opd",
    "dim_region",
)


def format_value(value: object, column: str = "") -> str:
    """Indonesian number format: 1.234.567 and 35,05 (years and codes stay as they are)."""
    if column.endswith(("year", "_code")) and isinstance(value, int):
        return str(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, (float, Decimal)):
        text = f"{value:,.2f}"
        return text.replace(",", "_").replace(".", ",").replace("_", ".")
    return str(value)


def mart_names(conn) -> list[str]:
    """The marts, without the previous release's views (``<mart>_v1``, kept for old dashboards)."""
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
        " and table_name !~ '_v[0-9]+$' order by table_name"
    ).fetchall()
    found = [r[0] for r in rows]
    return [m for m in MART_ORDER if m in found] + [m for m in found if m not in MART_ORDER]


def print_marts(console: Console, url: str | None = None, limit: int = 30) -> None:
    with connect(url) as conn:
        names = mart_names(conn)
        if not names:
            console.print("[yellow]No marts yet: run `ucj run` or `ucj demo` first.[/]")
            return
        for name in names:
            cur = conn.execute(
                sql.SQL("select * from marts.{} order by 1, 2, 3, 4 limit %s").format(sql.Identifier(name)), (limit,)
            )
            total = conn.execute(sql.SQL("select count(*) from marts.{}").format(sql.Identifier(name))).fetchone()[0]
            table = Table(title=f"marts.{name} ({min(limit, total)} of {total} rows)", title_justify="left")
            for column in cur.description:
                table.add_column(column.name, overflow="fold")
            for row in cur.fetchall():
                table.add_row(*(format_value(v, c.name) for v, c in zip(row, cur.description, strict=True)))
            console.print(table)


_STATUS_LABEL = {
    "loaded": "dimuat / loaded",
    "quarantined": "DIKARANTINA / QUARANTINED",
    "duplicate": "duplikat / duplicate",
}


def print_rejects(console: Console, region: str, period: str, url: str | None = None) -> None:
    """The rejection report an OPD can act on, for one region and period.

    First every file received (status, rows read = loaded + rejected, and for a quarantined
    file the reason and where to look), then every rejected row of the files in force: file,
    sheet, row, column, the value as received (NIKs masked), the reason code and what to do,
    in Bahasa Indonesia and English. Warnings (rows loaded, [U] rules) come last. Rows of a
    version that a later delivery replaced are left out: that version no longer counts.
    """
    from ucj.reference import region_names

    with connect(url) as conn:
        files = conn.execute(
            """select file_id, relative_path, status, is_current, superseded_by, rows_read, rows_loaded,
                      rows_rejected, rows_warned, error_code, error_message, quarantine_path, seen_at
               from audit.files where kode_wilayah = %s and period = %s order by relative_path, file_id""",
            (region, period),
        ).fetchall()
        rows = []
        if files:
            rows = conn.execute(
                """select f.relative_path, r.sheet, r.source_row, r.column_name, r.source_header, r.value,
                          r.reason_code, r.severity, r.message_id, r.message_en
                   from audit.rejected_rows r join audit.files f using (file_id)
                   where r.kode_wilayah = %s and r.period = %s and (f.is_current or f.status = 'quarantined')
                   order by r.severity, f.relative_path, r.source_row, r.column_name, r.reason_code""",
                (region, period),
            ).fetchall()
    for renderable in rejects_renderables(region, region_names().get(region, ""), period, files, rows):
        console.print(renderable)


def _data(value: object) -> Text:
    """A value from a file or the database as plain text: never rich markup, identifiers masked.

    A sender's cell may hold ``[/b]`` (rich would raise MarkupError) or a file name may hold
    ``[revisi]`` (rich would swallow it as a style tag).
    """
    return Text(mask_identifiers("" if value is None else str(value)))


def rejects_renderables(
    region: str, region_name: str, period: str, files: Sequence[Sequence[Any]], rows: Sequence[Sequence[Any]]
) -> list[Table | Text]:
    """What :func:`print_rejects` shows, from the rows of ``audit.files`` and ``audit.rejected_rows``.

    Separate from the queries so that it can be tested without a database; every data cell
    and title is a :class:`rich.text.Text`, so no value is ever read as markup.
    """
    from ucj.ingest.quarantine import FILE_REASONS, display_value

    if not files:
        return [Text(f"Tidak ada berkas / No files for {region} {region_name} period {period}.")]
    out: list[Table | Text] = []
    summary = Table(
        title=Text(f"Berkas diterima / Files received: {region} {region_name}, periode / period {period}"),
        title_justify="left",
    )
    for col in (
        "berkas / file",
        "status",
        "dibaca / read",
        "dimuat / loaded",
        "ditolak / rejected",
        "peringatan / warned",
        "alasan / reason",
    ):
        summary.add_column(col, overflow="fold")
    for _, path, status, current, superseded_by, read, loaded, rejected, warned, code, message, _q, _seen in files:
        label = _STATUS_LABEL.get(status, status)
        if status == "loaded" and not current and superseded_by:
            label = f"diganti / superseded by #{superseded_by}"
        reason = ""
        if code:
            reason_id, _ = FILE_REASONS.get(code, ("", ""))
            reason = f"{code}: {reason_id} {message or ''}".strip()
        summary.add_row(
            _data(path),
            _data(label),
            _data(format_value(read)),
            _data(format_value(loaded)),
            _data(format_value(rejected)),
            _data(format_value(warned)),
            _data(reason),
        )
    out.append(summary)
    for severity, title in (
        ("reject", "Baris ditolak (tidak dimuat) / Rejected rows (not loaded); perbaiki / fix and resend"),
        ("warn", "Peringatan (baris tetap dimuat) / Warnings (rows were loaded)"),
    ):
        chosen = [r for r in rows if r[7] == severity]
        if not chosen:
            continue
        detail = Table(title=Text(f"{title}: {len(chosen)}"), title_justify="left")
        for col in (
            "berkas / file",
            "lembar / sheet",
            "baris / row",
            "kolom / column",
            "nilai / value",
            "kode / code",
            "yang harus dilakukan / what to do",
        ):
            detail.add_column(col, overflow="fold")
        for path, sheet, row, column, header, value, code, _sev, msg_id, msg_en in chosen:
            where = f"{header} ({column})" if header else column or "-"
            detail.add_row(
                _data(path),
                _data(sheet or "-"),
                _data(row or "-"),
                _data(where),
                Text(display_value(value, code)),
                _data(code),
                _data(f"{msg_id} / {msg_en}"),
            )
        out.append(detail)
    if not rows:
        out.append(Text("Tidak ada baris ditolak / No rejected rows."))
    return out
