"""Quarantine: a file that cannot be loaded is moved (never deleted) beside a bilingual report.

The report names the file, sheet, row, column, value and rule, in Bahasa Indonesia and
English, so that the OPD that sent it can fix it. The registry keeps the verdict, and the
row-level failures found before the verdict go to ``audit.rejected_rows`` as for any file.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from ucj.config import Settings
from ucj.ingest.landing import LandedFile
from ucj.ingest.validation import RowFailure, SuiteSummary
from ucj.privacy import mask_identifiers, neutralise_cell

if TYPE_CHECKING:
    from ucj.ingest.load import FileOutcome
    from ucj.ingest.readers import TableRead

MAX_REPORTED_ROWS = 200

# What each file-level code means, for the person who sent the file: (Bahasa Indonesia, English).
FILE_REASONS: dict[str, tuple[str, str]] = {
    "EMPTY_FILE": ("Berkas kosong.", "The file is empty."),
    "UNREADABLE": ("Berkas rusak atau tidak dapat dibaca.", "The file is damaged or cannot be read."),
    "ENCRYPTED": ("Berkas dilindungi kata sandi; kirim ulang tanpa kata sandi.", "The workbook is password-protected; send it without a password."),
    "NO_HEADER": ("Baris judul kolom tidak ditemukan.", "No header row with the expected column names was found."),
    "UNSUPPORTED_TYPE": ("Jenis berkas tidak didukung (xlsx, xls, csv).", "Unsupported file type (xlsx, xls, csv)."),
    "MISSING_REQUIRED_COLUMN": ("Kolom wajib tidak ada.", "A required column is missing."),
    "DUPLICATED_HEADER": ("Dua kolom memakai judul yang sama.", "Two columns map to the same field."),
    "NO_DATA_ROWS": ("Berkas hanya berisi judul kolom, tanpa data.", "The file has a header but no data rows."),
    "TOO_MANY_BAD_ROWS": ("Terlalu banyak baris yang salah; periksa seluruh berkas.", "Too many rows break the rules; check the whole file."),
    "WRONG_PERIOD": ("Isi berkas tidak sesuai dengan folder periode.", "The file's content does not match its period folder."),
}  # fmt: skip


def quarantine_file(
    conn: psycopg.Connection,
    landed: LandedFile,
    digest: str,
    size: int,
    table: TableRead | None,
    code: str,
    message: str,
    failures: list[RowFailure],
    summary: SuiteSummary,
    outcome: FileOutcome,
    cfg: Settings,
    run_id: str | None,
) -> FileOutcome:
    from ucj.ingest.load import record_skipped, record_validation

    target = _free_path(cfg.quarantine_dir / landed.relative_path)
    file_id = conn.execute(
        """insert into audit.files (source, kode_wilayah, period, relative_path, file_name, content_sha256,
               size_bytes, status, file_type, extension_mismatch, encoding, sheet, header_row, rows_read,
               rows_loaded, rows_rejected, rows_skipped, error_code, error_message, quarantine_path, run_id, finished_at)
           values (%s, %s, %s, %s, %s, %s, %s, 'quarantined', %s, %s, %s, %s, %s, %s, 0, %s, %s, %s, %s, %s, %s, now())
           returning file_id""",
        (
            landed.source,
            landed.kode_wilayah,
            landed.period,
            landed.relative_path,
            landed.file_name,
            digest,
            size,
            getattr(table, "file_type", None),
            bool(getattr(table, "extension_mismatch", False)),
            getattr(table, "encoding", None),
            getattr(table, "sheet", None),
            getattr(table, "header_row", None),
            outcome.rows_read,
            outcome.rows_read,
            len(table.skipped) if table else 0,
            code,
            message,
            str(target),
            run_id,
        ),  # fmt: skip
    ).fetchone()[0]
    if failures:
        with conn.cursor().copy(
            """copy audit.rejected_rows (file_id, source, kode_wilayah, period, sheet, source_row, column_name,
                   value, rule, reason_code, severity, message_en, message_id) from stdin"""
        ) as copy:
            for f in failures:
                copy.write_row(
                    (file_id, landed.source, landed.kode_wilayah, landed.period, getattr(table, "sheet", None),
                     f.source_row, f.column, f.value, f.rule, f.reason_code, f.severity, f.message_en, f.message_id)
                )  # fmt: skip
    record_skipped(conn, file_id, table)
    record_validation(conn, file_id, summary, run_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(landed.path, target)
    write_report(target, landed, code, message, failures, table, outcome.rows_read)
    outcome.status, outcome.file_id = "quarantined", file_id
    outcome.rows_loaded, outcome.rows_rejected = 0, outcome.rows_read
    outcome.error_code, outcome.error_message, outcome.quarantine_path = code, message, str(target)
    return outcome


def _free_path(path: Path) -> Path:
    """``path``, or ``name (2).ext`` … when an earlier delivery is already quarantined there."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
    return candidate


def write_report(
    target: Path,
    landed: LandedFile,
    code: str,
    message: str,
    failures: list[RowFailure],
    table: Any,
    rows_read: int,
) -> Path:
    """``<file>.report.md`` (people) and ``<file>.rejects.csv`` (spreadsheets) beside the quarantined file."""
    reason_id, reason_en = FILE_REASONS.get(code, (message, message))
    sheet = getattr(table, "sheet", None) or "-"
    lines = [
        f"# Laporan karantina / Quarantine report: {landed.file_name}",
        "",
        f"- Berkas / File: `{landed.relative_path}`",
        f"- Sumber / Source: {landed.source} · Wilayah / Region: {landed.kode_wilayah} · Periode / Period: {landed.period}",
        f"- Lembar / Sheet: {sheet}",
        f"- Baris data dibaca / Data rows read: {rows_read}",
        f"- Kode / Code: **{code}**",
        "",
        f"**Bahasa Indonesia:** {reason_id} Berkas ini tidak dimuat sama sekali; perbaiki lalu kirim ulang ke folder yang sama.",
        "",
        f"**English:** {reason_en} {mask_identifiers(message)} Nothing from this file was loaded; fix it and deliver it again to the same folder.",
        "",
    ]
    if failures:
        lines += [
            f"## Baris bermasalah / Rows with problems (first {min(len(failures), MAX_REPORTED_ROWS)} of {len(failures)})",
            "",
            "| lembar / sheet | baris / row | kolom / column | nilai / value | aturan / rule | alasan / reason |",
            "|---|---|---|---|---|---|",
        ]
        for f in failures[:MAX_REPORTED_ROWS]:
            value = mask_identifiers(f.value or "").replace("|", "\\|")
            lines.append(
                f"| {sheet} | {f.source_row} | {f.column or '-'} | `{value}` | {f.rule} | {f.reason_code}: {f.message_id} / {f.message_en} |"
            )
    report = target.with_name(target.name + ".report.md")
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with target.with_name(target.name + ".rejects.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "sheet", "row", "column", "value", "rule", "reason_code", "alasan", "reason"])
        writer.writerow([landed.relative_path, sheet, "", "", "", "file", code, reason_id, mask_identifiers(message)])
        for f in failures:
            writer.writerow(
                [neutralise_cell(x) for x in (landed.relative_path, sheet, f.source_row, f.column or "",
                 mask_identifiers(f.value or ""), f.rule, f.reason_code, f.message_id, f.message_en)]
            )  # fmt: skip
    (target.with_name(target.name + ".report.json")).write_text(
        json.dumps(
            {"file": landed.relative_path, "code": code, "message": mask_identifiers(message), "rows_read": rows_read}
        ),
        encoding="utf-8",
    )
    return report
