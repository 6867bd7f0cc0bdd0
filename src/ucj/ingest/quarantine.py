"""Quarantine: a file that cannot be loaded is moved (never deleted) beside a bilingual report.

The report names the file, sheet, row, column, value and rule, in Bahasa Indonesia and
English, so that the OPD that sent it can fix it. The registry keeps the verdict, and the
row-level failures found before the verdict go to ``audit.rejected_rows`` as for any file.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from ucj.config import Settings
from ucj.ingest import audit
from ucj.ingest.landing import LandedFile
from ucj.ingest.validation import RowFailure
from ucj.privacy import mask_identifiers, neutralise_cell

if TYPE_CHECKING:
    from ucj.ingest.load import FileOutcome
    from ucj.ingest.process import FileProcess

log = logging.getLogger(__name__)

MAX_REPORTED_ROWS = 200
REPORT_SUFFIXES = (".report.md", ".rejects.csv", ".report.json")
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})

# What each file-level code means, for the person who sent the file: (Bahasa Indonesia, English).
FILE_REASONS: dict[str, tuple[str, str]] = {
    "EMPTY_FILE": (
        "Berkas kosong.",
        "The file is empty.",
    ),
    "UNREADABLE": (
        "Berkas rusak atau tidak dapat dibaca.",
        "The file is damaged or cannot be read.",
    ),
    "ENCRYPTED": (
        "Berkas dilindungi kata sandi; kirim ulang tanpa kata sandi.",
        "The workbook is password-protected; send it without a password.",
    ),
    "BROKEN_QUOTES": (
        'Tanda kutip (") tidak ditutup sehingga baris-baris berikutnya terbaca sebagai satu sel.',
        'A quote (") is not closed, so the following lines were read as one cell.',
    ),
    "FIELD_TOO_LONG": (
        "Satu sel terlalu panjang (biasanya tanda kutip yang tidak ditutup); simpan ulang dari Excel sebagai CSV.",
        "One cell is too long (usually a quote that is never closed); save the file again from Excel as CSV.",
    ),
    "NUL_CHARACTER": (
        "Berkas berisi karakter NUL (0x00) sehingga rusak; simpan ulang sebagai CSV UTF-8 lalu kirim ulang.",
        "The file holds a NUL character (0x00) and is damaged; save it again as CSV UTF-8 and resend.",
    ),
    "NO_HEADER": (
        "Baris judul kolom tidak ditemukan.",
        "No header row with the expected column names was found.",
    ),
    "UNSUPPORTED_TYPE": (
        "Jenis berkas tidak didukung (xlsx, xls, csv).",
        "Unsupported file type (xlsx, xls, csv).",
    ),
    "MISSING_REQUIRED_COLUMN": (
        "Kolom wajib tidak ada.",
        "A required column is missing.",
    ),
    "DUPLICATED_HEADER": (
        "Dua kolom berarti isian yang sama tetapi isinya berbeda; simpan satu kolom saja.",
        "Two columns mean the same field but disagree; keep one of them.",
    ),
    "NO_DATA_ROWS": (
        "Berkas hanya berisi judul kolom, tanpa data.",
        "The file has a header but no data rows.",
    ),
    "TOO_MANY_BAD_ROWS": (
        "Terlalu banyak baris yang salah; periksa seluruh berkas.",
        "Too many rows break the rules; check the whole file.",
    ),
    "INTERNAL_ERROR": (
        "Berkas tidak dapat dimuat karena kesalahan yang belum dikenali; tim data akan memeriksanya.",
        "The file could not be loaded because of an error the pipeline does not recognise; the data team will look.",
    ),
    "UNKNOWN_REGION": (
        "Folder wilayah bukan kode kabupaten/kota Sulawesi Tenggara; kirim ke folder Pemda pengirim.",
        "The region folder is no kabupaten/kota code of Sulawesi Tenggara; deliver into the sender's folder.",
    ),
    "FORMULA_NOT_CALCULATED": (
        "Kolom wajib berisi rumus tanpa nilai terhitung; buka dan simpan berkas di Excel, lalu kirim ulang.",
        "A required column holds formulas without a calculated value; open and save the file in Excel and resend.",
    ),
    "WRONG_PERIOD": (
        "Isi berkas (kolom PERIODE, judul, atau tanggal data) menyebut periode lain dari folder periodenya;"
        " kirim ke folder periode yang benar.",
        "The file's content (PERIODE column, title or data date) names another period than its folder;"
        " deliver it into the right period folder.",
    ),
}


@dataclass
class PendingMove:
    """A quarantine verdict recorded in the registry, whose file is moved only once the
    registry row is committed (:func:`complete_quarantine`)."""

    source: Path
    target: Path
    write: Callable[[], object]  # writes the reports beside the moved file


def quarantine_file(
    conn: psycopg.Connection,
    landed: LandedFile,
    digest: str,
    size: int,
    process: FileProcess,
    code: str,
    message: str,
    failures: list[RowFailure],
    outcome: FileOutcome,
    cfg: Settings,
    run_id: str | None,
    where: dict[str, Any] | None = None,
) -> tuple[FileOutcome, PendingMove]:
    """Record the verdict in the caller's transaction; the move (never a delete) and the reports
    follow its commit, with :func:`complete_quarantine` on the returned :class:`PendingMove`.

    A file in quarantine therefore always has its registry row; a crash between the commit and
    the move leaves a registered file still in the landing folder, which the next run moves
    (:func:`recover_quarantine`).
    """
    target = _free_path(cfg.quarantine_dir / landed.relative_path)
    skipped = process.skipped_rows
    file_id = audit.register_file(
        conn,
        landed,
        digest,
        size,
        "quarantined",
        process.read,
        rows_read=outcome.rows_read,
        rows_loaded=0,
        rows_rejected=outcome.rows_read,
        rows_skipped=len(skipped),
        error_code=code,
        error_message=message,
        quarantine_path=str(target),
        run_id=run_id,
        finished_at=datetime.now(UTC),
        periods_found=process.periods_found() or None,
    )
    audit.record_failures(conn, landed, file_id, failures, None, process.source_column)
    audit.record_skipped(conn, file_id, skipped)
    audit.record_sheets(conn, file_id, process.read, process.counts, process.periods)
    audit.record_validation(conn, file_id, process.summary, run_id)
    outcome.status, outcome.file_id = "quarantined", file_id
    outcome.rows_loaded, outcome.rows_rejected = 0, outcome.rows_read
    outcome.error_code, outcome.error_message, outcome.quarantine_path = code, message, str(target)
    rows_read = outcome.rows_read

    def reports() -> Path:
        return write_report(target, landed, code, message, failures, process, rows_read, where or {})

    return outcome, PendingMove(landed.path, target, reports)


class QuarantineDiskFull(OSError):
    """The quarantine folder's disk is full: the file stays in the landing folder, untouched.

    Its verdict is committed; the next run after space is freed finishes the quarantine (moves
    the file, writes the report) without judging it again. An ``OSError`` (``ENOSPC``), so the
    task's retries apply: a machine's problem, not the file's.
    """

    def __init__(self, pending: PendingMove, folder: Path, cause: OSError) -> None:
        self.source, self.target, self.folder = pending.source, pending.target, folder
        message = (
            f"Disk penuh di folder karantina {folder}: berkas {pending.source.name} tetap di folder landing "
            f"({pending.source}) dan akan dikarantina pada run berikutnya setelah ruang disk dikosongkan. / "
            f"The quarantine folder {folder} is on a full disk ({cause.strerror or cause}): the file "
            f"{pending.source} stays in the landing folder, unchanged, and will be quarantined on the next run "
            f"once space is freed there. Nothing partial was left in the quarantine folder."
        )
        super().__init__(errno.ENOSPC, message)

    def __str__(self) -> str:
        return str(self.strerror)

    def __reduce__(self) -> tuple[type, tuple[int, str]]:
        return OSError, (errno.ENOSPC, str(self.strerror))  # pickled as a plain OSError


def complete_quarantine(pending: PendingMove) -> None:
    """Move the file (after its registry row is committed) and write the reports beside it.

    Nothing in the quarantine folder is ever partial: the reports and the file are written under
    temporary names in the target folder and renamed into place when complete, the reports
    first and the file last (the file's name in quarantine means: quarantine complete). The
    landing copy is removed only after that. A full disk (:class:`QuarantineDiskFull`) removes
    the temporary files and leaves the landing copy as it was, for :func:`recover_quarantine`.

    Safe to repeat: a file already moved (by another run that reached the same verdict) is left,
    and reports already complete are kept.
    """
    folder = pending.target.parent
    try:
        if pending.source.exists() and not pending.target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            pending.write()
            _move_whole(pending.source, pending.target)
        elif pending.target.exists():
            pending.write()
    except OSError as err:
        if err.errno not in DISK_FULL_ERRNOS or isinstance(err, QuarantineDiskFull):
            raise
        full = QuarantineDiskFull(pending, _existing_parent(folder), err)
        log.error("%s", full)
        raise full from err


def recover_quarantine(landed: LandedFile, code: str, message: str, target: Path, rows_read: int) -> None:
    """A file the registry says is quarantined but that is still in the landing folder (the
    process stopped between the commit and the move, or the quarantine folder's disk was full):
    move it now. Its reports, when the first attempt completed them, are kept; otherwise they
    are written from the registry."""

    def reports() -> None:
        if not all(target.with_name(target.name + suffix).exists() for suffix in REPORT_SUFFIXES):
            write_report(target, landed, code, message, [], None, rows_read, {})

    complete_quarantine(PendingMove(landed.path, target, reports))


def _existing_parent(path: Path) -> Path:
    """The quarantine folder a person should look at: the deepest part of ``path`` that exists."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _temporary(path: Path) -> Path:
    """A hidden name beside ``path``, unique to this process (two runs never share one)."""
    return path.with_name(f".{path.name}.partial-{os.getpid()}")


@contextlib.contextmanager
def _written_whole(path: Path) -> Iterator[Path]:
    """Write to a temporary name in ``path``'s folder; renamed into place only when the body
    finished (flushed to disk), removed when it did not (a partial file is never left)."""
    temporary = _temporary(path)
    try:
        yield temporary
        descriptor = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _move_whole(source: Path, target: Path) -> None:
    """``source`` to ``target``, never leaving a partial ``target``: a rename on the same file
    system; across file systems a copy to a temporary name, renamed when complete, and only then
    the source removed."""
    try:
        os.rename(source, target)  # atomic, needs no space
        return
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
    with _written_whole(target) as temporary:
        shutil.copyfile(source, temporary)
        shutil.copystat(source, temporary)
    source.unlink()


def display_value(value: str | None, reason_code: str | None = None) -> str:
    """A received value as the sender can find it in the file, identifiers masked.

    An identifier the workbook stores as a number (``NIK_AS_NUMBER``, ``IDENTIFIER_AS_NUMBER``)
    is shown as the digits Excel holds plus "(angka/number)", so the sender sees why.
    """
    if value is None:
        return ""
    text = str(value)
    if reason_code in ("NIK_AS_NUMBER", "IDENTIFIER_AS_NUMBER") and text.isdigit():
        text = f"{text} (angka/number)"
    return mask_identifiers(text)


def _column_label(table: Any, name: str | None, sheet: str | None = None) -> str:
    """``"I: Gaji/Honor per Bulan (upah)"``: where the sender finds the value, and the field it means.

    ``table`` is the file's :class:`~ucj.ingest.process.FileProcess` (every sheet) or one
    :class:`~ucj.ingest.readers.TableRead`."""
    if not name:
        return "-"
    where = None
    if table is not None and hasattr(table, "tables"):
        where = table.source_column(sheet, name)
    elif table is not None and hasattr(table, "source_column"):
        where = table.source_column(name)
    return f"{where} ({name})" if where else name


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, no HTML."""
    flat = " ".join(text.split())
    return flat.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


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
    where: dict[str, Any] | None = None,
) -> Path:
    """``<file>.report.md`` (people) and ``<file>.rejects.csv`` (spreadsheets) beside the quarantined file."""
    reason_id, reason_en = FILE_REASONS.get(code, (message, message))
    where = where or {}
    first = getattr(table, "first_table", table)
    sheet = where.get("sheet") or getattr(first, "sheet", None) or "-"
    lines = [
        f"# Laporan karantina / Quarantine report: {_md(landed.file_name)}",
        "",
        f"- Berkas / File: {_md(landed.relative_path)}",
        f"- Sumber / Source: {landed.source} · Wilayah / Region: {landed.kode_wilayah} · "
        f"Periode / Period: {landed.period}",
        f"- Lembar / Sheet: {_md(str(sheet))}",
        f"- Baris data dibaca / Data rows read: {rows_read}",
        f"- Kode / Code: **{code}**",
        *(
            f"- {label}: {_md(mask_identifiers(str(where[key])))}"
            for key, label in (("row", "Baris / Row"), ("column", "Kolom / Column"), ("value", "Nilai / Value"))
            if where.get(key) is not None
        ),
        "",
        f"**Bahasa Indonesia:** {reason_id} Berkas ini tidak dimuat sama sekali; "
        "perbaiki lalu kirim ulang ke folder yang sama.",
        "",
        f"**English:** {reason_en} {_md(mask_identifiers(message))} "
        "Nothing from this file was loaded; fix it and deliver it again to the same folder.",
        "",
    ]
    if failures:
        lines += [
            f"## Baris bermasalah / Rows with problems "
            f"(first {min(len(failures), MAX_REPORTED_ROWS)} of {len(failures)})",
            "",
            "| lembar / sheet | baris / row | kolom / column | nilai / value | aturan / rule | alasan / reason |",
            "|---|---|---|---|---|---|",
        ]
        for f in failures[:MAX_REPORTED_ROWS]:
            lines.append(
                f"| {_md(str(f.sheet or sheet))} | {f.source_row} | {_md(_column_label(table, f.column, f.sheet))} "
                f"| {_md(display_value(f.value, f.reason_code))} "
                f"| {f.rule} | {f.reason_code}: {f.message_id} / {f.message_en} |"
            )
    report = target.with_name(target.name + ".report.md")
    with _written_whole(report) as temporary:
        temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (
        _written_whole(target.with_name(target.name + ".rejects.csv")) as temporary,
        temporary.open("w", encoding="utf-8-sig", newline="") as handle,
    ):
        writer = csv.writer(handle)
        writer.writerow(["file", "sheet", "row", "column", "value", "rule", "reason_code", "alasan", "reason"])
        writer.writerow(
            [
                neutralise_cell(x)
                for x in (
                    landed.relative_path,
                    sheet,
                    where.get("row", ""),
                    where.get("column", ""),
                    mask_identifiers(str(where.get("value", ""))),
                    "file",
                    code,
                    reason_id,
                    mask_identifiers(message),
                )
            ]
        )
        for f in failures:
            writer.writerow(
                [
                    neutralise_cell(x)
                    for x in (
                        landed.relative_path,
                        f.sheet or sheet,
                        f.source_row,
                        _column_label(table, f.column, f.sheet),
                        display_value(f.value, f.reason_code),
                        f.rule,
                        f.reason_code,
                        f.message_id,
                        f.message_en,
                    )
                ]
            )
    with _written_whole(target.with_name(target.name + ".report.json")) as temporary:
        temporary.write_text(
            json.dumps(
                {
                    "file": landed.relative_path,
                    "code": code,
                    "message": mask_identifiers(message),
                    "rows_read": rows_read,
                }
            ),
            encoding="utf-8",
        )
    return report
