"""Every write of the ingest to ``audit.*``: the file registry, its sheets, rejected and
skipped rows, validation runs. The loader and the quarantine both write through here, so a
quarantined file's rows are recorded exactly as a loaded file's are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import sql

from ucj.ingest.landing import LandedFile
from ucj.ingest.readers import FileRead, SkippedRow
from ucj.ingest.validation import RowFailure, SuiteSummary

REJECT_COLUMNS = (
    "file_id",
    "source",
    "kode_wilayah",
    "period",
    "sheet",
    "source_row",
    "column_name",
    "value",
    "rule",
    "reason_code",
    "severity",
    "message_en",
    "message_id",
    "original_values",
    "source_header",
)


def register_file(
    conn: psycopg.Connection,
    landed: LandedFile,
    digest: str,
    size: int,
    status: str,
    read: FileRead | None = None,
    **columns: Any,
) -> int:
    """Insert the file's ``audit.files`` row (what the reader learnt of it, if it got that far).

    ``columns`` are further columns of ``audit.files`` (row counts, error code, …); their names
    are code, never file content, and are quoted as identifiers all the same.
    """
    values: dict[str, Any] = {
        "source": landed.source,
        "kode_wilayah": landed.kode_wilayah,
        "period": landed.period,
        "relative_path": landed.relative_path,
        "file_name": landed.file_name,
        "content_sha256": digest,
        "size_bytes": size,
        "status": status,
    }
    if read is not None:
        first = read.tables[0] if read.tables else None
        values |= {
            "file_type": read.file_type,
            "extension_mismatch": bool(read.extension_mismatch),
            "encoding": read.encoding,
            "sheet": first.sheet if first else None,
            "header_row": first.header_row if first else None,
        }
    values |= columns
    query = sql.SQL("insert into audit.files ({}) values ({}) returning file_id").format(
        sql.SQL(", ").join(map(sql.Identifier, values)), sql.SQL(", ").join(sql.Placeholder() * len(values))
    )
    return conn.execute(query, list(values.values())).fetchone()[0]


def update_file(conn: psycopg.Connection, file_id: int, **columns: Any) -> None:
    """Set columns of the file's registry row (names are code, quoted as identifiers)."""
    query = sql.SQL("update audit.files set {} where file_id = %s").format(
        sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in columns)
    )
    conn.execute(query, [*columns.values(), file_id])


def supersede(conn: psycopg.Connection, landed: LandedFile, file_id: int) -> list[int]:
    """The new version of a path becomes current; the earlier current one is superseded."""
    rows = conn.execute(
        """update audit.files set is_current = false, superseded_by = %s
           where source = %s and kode_wilayah = %s and period = %s and relative_path = %s and is_current
           returning file_id""",
        (file_id, landed.source, landed.kode_wilayah, landed.period, landed.relative_path),
    ).fetchall()
    return [r[0] for r in rows]


def record_failures(
    conn: psycopg.Connection,
    landed: LandedFile,
    file_id: int,
    failures: Sequence[RowFailure],
    originals: Sequence[str] | None,
    source_column: Callable[[str | None, str | None], str | None],
) -> None:
    """Every rejection and warning of the file, with its row's original texts (JSON) when known.

    ``source_column(sheet, field)`` says where the sender finds the field ("I: Gaji/Honor").
    """
    if not failures:
        return
    texts: Sequence[str | None] = originals if originals is not None else [None] * len(failures)
    with conn.cursor().copy(f"copy audit.rejected_rows ({', '.join(REJECT_COLUMNS)}) from stdin") as copy:
        for f, original in zip(failures, texts, strict=True):
            copy.write_row(
                (
                    file_id,
                    landed.source,
                    landed.kode_wilayah,
                    landed.period,
                    f.sheet,
                    f.source_row,
                    f.column,
                    f.value,
                    f.rule,
                    f.reason_code,
                    f.severity,
                    f.message_en,
                    f.message_id,
                    original,
                    source_column(f.sheet, f.column),
                )
            )


def record_skipped(conn: psycopg.Connection, file_id: int, skipped: Sequence[SkippedRow]) -> None:
    """The rows that are not data (title, totals, footnotes, signature, blank), with their sheet."""
    if not skipped:
        return
    with conn.cursor().copy("copy audit.skipped_rows (file_id, source_row, kind, text, sheet) from stdin") as copy:
        for s in skipped:
            copy.write_row((file_id, s.row, s.kind, s.text, s.sheet))


def record_sheets(
    conn: psycopg.Connection, file_id: int, read: FileRead | None, counts: dict[int, Any], periods: dict[int, Any]
) -> None:
    """One ``audit.file_sheets`` row per sheet: read with its counts, or skipped with the reason."""
    if read is None:
        return
    with conn.cursor().copy(
        """copy audit.file_sheets (file_id, sheet_index, sheet, status, reason_code, reason, header_row, opd_text,
               opd_source, periods_found, rows_read, rows_loaded, rows_rejected, rows_skipped, warnings)
           from stdin"""
    ) as copy:
        for entry in read.sheets:
            table = entry.table if entry.status == "read" else None
            count = counts.get(entry.index)
            check = periods.get(entry.index)
            copy.write_row(
                (
                    file_id,
                    entry.index,
                    entry.name,
                    entry.status,
                    entry.reason_code,
                    entry.reason,
                    entry.table.header_row if entry.table is not None else None,
                    table.title_opd if table is not None else None,
                    table.title_opd_source if table is not None else None,
                    list(getattr(check, "periods_found", []) or []) or None,
                    count.read if count else 0,
                    count.loaded if count else 0,
                    count.rejected if count else 0,
                    len(table.skipped) if table is not None else 0,
                    entry.warnings or None,
                )
            )


def record_validation(
    conn: psycopg.Connection, file_id: int, summary: SuiteSummary, run_id: str | None, always: bool = False
) -> None:
    """One ``audit.validation_runs`` row; a loaded file always gets one (an empty claims export too)."""
    if summary.rows_validated == 0 and not summary.failed and not always:
        return
    conn.execute(
        """insert into audit.validation_runs (file_id, suite, success, expectations, failed_expectations,
               rows_validated, summary, run_id) values (%s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            file_id,
            summary.suite,
            summary.success,
            summary.expectations,
            len(summary.failed),
            summary.rows_validated,
            json.dumps(summary.as_json()),
            run_id,
        ),
    )
