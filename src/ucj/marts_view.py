"""Readable views of the marts and of the rejects, for the terminal."""

from __future__ import annotations

from decimal import Decimal

from psycopg import sql
from rich.console import Console
from rich.table import Table

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


def format_value(value: object) -> str:
    """Indonesian number format: 1.234.567 and 35,05."""
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
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
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
                table.add_row(*(format_value(v) for v in row))
            console.print(table)


def print_rejects(console: Console, region: str, period: str, url: str | None = None) -> None:
    """Every file of the region and period that was quarantined or had rows rejected, row by row."""
    with connect(url) as conn:
        files = conn.execute(
            """select file_id, relative_path, status, rows_read, rows_loaded, rows_rejected, error_code, error_message,
                      quarantine_path
               from audit.files where kode_wilayah = %s and period = %s order by relative_path, file_id""",
            (region, period),
        ).fetchall()
        if not files:
            console.print(f"No files for region {region}, period {period}.")
            return
        summary = Table(title=f"Berkas / Files {region} {period}", title_justify="left")
        for col in ("file", "status", "read", "loaded", "rejected", "reason / alasan"):
            summary.add_column(col)
        for _, path, status, read, loaded, rejected, code, message, _ in files:
            summary.add_row(path, status, format_value(read), format_value(loaded), format_value(rejected),
                            f"{code}: {mask_identifiers(message)}" if code else "")  # fmt: skip
        console.print(summary)
        rows = conn.execute(
            """select f.relative_path, r.sheet, r.source_row, r.column_name, r.value, r.rule, r.reason_code,
                      r.severity, r.message_id, r.message_en
               from audit.rejected_rows r join audit.files f using (file_id)
               where r.kode_wilayah = %s and r.period = %s
               order by f.relative_path, r.source_row, r.rule""",
            (region, period),
        ).fetchall()
        detail = Table(title="Baris ditolak / Rejected rows", title_justify="left")
        for col in ("file", "sheet", "row", "column", "value", "severity", "reason", "alasan / explanation"):
            detail.add_column(col, overflow="fold")
        for path, sheet, row, column, value, _rule, code, severity, msg_id, msg_en in rows:
            detail.add_row(path, sheet or "-", str(row or "-"), column or "-", mask_identifiers(value or ""),
                           severity, code, f"{msg_id} / {msg_en}")  # fmt: skip
        console.print(detail)
