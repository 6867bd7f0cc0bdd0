"""Load one landed file: registry check, read, type, validate, COPY: all or nothing.

One file is one PostgreSQL transaction. Inside it: an advisory lock on the file's place (two
runs that see the same file load it once), the registry row, COPY of the good rows into
``raw.<source>`` and of the rejections into ``audit.rejected_rows``, and the supersession of
the earlier version of a corrected file. A file-level failure rolls all of that back; the
file is then moved to quarantine with a report, and the registry records why.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from ucj.config import Settings, settings
from ucj.ingest.canonical import canonicalize, header_kinds
from ucj.ingest.landing import LandedFile
from ucj.ingest.quarantine import quarantine_file
from ucj.ingest.readers import FileLevelError, TableRead, read_table
from ucj.ingest.validation import RowFailure, SuiteSummary, validate_chunk

log = logging.getLogger(__name__)

LINEAGE = ("batch_id", "kode_wilayah", "period", "source_file", "sheet", "source_row")
REJECT_COLUMNS = (
    "file_id", "source", "kode_wilayah", "period", "sheet", "source_row", "column_name", "value",
    "rule", "reason_code", "severity", "message_en", "message_id", "original_values",
)  # fmt: skip


@dataclass
class FileOutcome:
    """What happened to one file; also what Airflow passes on (as a dict) and the audit records."""

    relative_path: str
    source: str
    kode_wilayah: str
    period: str
    status: str  # loaded | unchanged | duplicate | quarantined
    file_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_warned: int = 0
    rows_skipped: int = 0
    error_code: str | None = None
    error_message: str | None = None
    quarantine_path: str | None = None
    superseded: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class FileRejected(Exception):
    """A file-level verdict: the whole file goes to quarantine."""

    def __init__(self, code: str, message: str, **where: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.where = where


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def period_end(period: str) -> date:
    """The last day a file of this period may speak of (a date after it is in the future)."""
    if len(period) == 4:
        return date(int(period), 12, 31)
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])


def ingest_file(
    landed: LandedFile, conninfo: str, run_id: str | None = None, cfg: Settings | None = None
) -> FileOutcome:
    """Load ``landed`` into the warehouse, or quarantine it; safe to call again at any time."""
    cfg = cfg or settings()
    outcome = FileOutcome(landed.relative_path, landed.source, landed.kode_wilayah, landed.period, status="loaded")
    digest = sha256_of(landed.path)
    size = landed.path.stat().st_size
    failures: list[RowFailure] = []
    summary = SuiteSummary(landed.source)
    table: TableRead | None = None
    with psycopg.connect(conninfo) as conn:
        try:
            with conn.transaction():
                conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (landed.relative_path,))
                previous = _registry_verdict(conn, landed, digest)
                if previous is not None:
                    return previous
                table = _open(landed)
                file_id = _register(conn, landed, digest, size, table, run_id)
                outcome.file_id = file_id
                _copy_rows(conn, landed, table, file_id, cfg, outcome, failures, summary)
                _finish(conn, landed, table, file_id, outcome, summary, run_id)
            log.info(
                "%s: loaded %s rows, rejected %s", landed.relative_path, outcome.rows_loaded, outcome.rows_rejected
            )
            return outcome
        except (FileRejected, FileLevelError) as err:
            code = err.code
            message = err.message
        with conn.transaction():
            return quarantine_file(
                conn, landed, digest, size, table, code, message, failures, summary, outcome, cfg, run_id
            )


def _registry_verdict(conn: psycopg.Connection, landed: LandedFile, digest: str) -> FileOutcome | None:
    """Unchanged or duplicate content needs no load; None means: load it."""
    row = conn.execute(
        """select file_id, relative_path, status from audit.files
           where source = %s and kode_wilayah = %s and period = %s and content_sha256 = %s
             and status in ('loaded', 'duplicate')
           order by (relative_path = %s) desc, file_id limit 1""",
        (landed.source, landed.kode_wilayah, landed.period, digest, landed.relative_path),
    ).fetchone()
    if row is None:
        return None
    file_id, path, status = row
    base = FileOutcome(landed.relative_path, landed.source, landed.kode_wilayah, landed.period, "unchanged", file_id)
    if path == landed.relative_path:
        return base  # the same content at the same place: loaded (or judged duplicate) before
    new_id = conn.execute(
        """insert into audit.files (source, kode_wilayah, period, relative_path, file_name, content_sha256,
               size_bytes, status, error_code, error_message, finished_at)
           values (%s, %s, %s, %s, %s, %s, %s, 'duplicate', 'DUPLICATE_CONTENT', %s, now()) returning file_id""",
        (
            landed.source,
            landed.kode_wilayah,
            landed.period,
            landed.relative_path,
            landed.file_name,
            digest,
            landed.path.stat().st_size,
            f"same content as {path} (file {file_id}); not loaded twice",
        ),  # fmt: skip
    ).fetchone()[0]
    base.status, base.file_id = "duplicate", new_id
    base.error_code, base.error_message = "DUPLICATE_CONTENT", f"same content as {path}"
    return base


def _open(landed: LandedFile) -> TableRead:
    table = read_table(landed.path, landed.source)
    if table.duplicated_fields:
        raise FileRejected(
            "DUPLICATED_HEADER",
            f"two or more columns map to the same field: {', '.join(table.duplicated_fields)}; keep one column per field",
            sheet=table.sheet,
            row=table.header_row,
        )
    if table.missing_required:
        raise FileRejected(
            "MISSING_REQUIRED_COLUMN",
            f"required column(s) missing: {', '.join(table.missing_required)} (header row {table.header_row})",
            sheet=table.sheet,
            row=table.header_row,
        )
    return table


def _register(
    conn: psycopg.Connection, landed: LandedFile, digest: str, size: int, table: TableRead, run_id: str | None
) -> int:
    return conn.execute(
        """insert into audit.files (source, kode_wilayah, period, relative_path, file_name, content_sha256,
               size_bytes, status, file_type, extension_mismatch, encoding, sheet, header_row, run_id)
           values (%s, %s, %s, %s, %s, %s, %s, 'loaded', %s, %s, %s, %s, %s, %s) returning file_id""",
        (
            landed.source,
            landed.kode_wilayah,
            landed.period,
            landed.relative_path,
            landed.file_name,
            digest,
            size,
            table.file_type,
            table.extension_mismatch,
            table.encoding,
            table.sheet,
            table.header_row,
            run_id,
        ),  # fmt: skip
    ).fetchone()[0]


def _raw_columns(conn: psycopg.Connection, source: str) -> list[str]:
    rows = conn.execute(
        """select column_name from information_schema.columns
           where table_schema = 'raw' and table_name = %s order by ordinal_position""",
        (source,),
    ).fetchall()
    return [r[0] for r in rows if r[0] not in ("loaded_at",)]


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _copy_rows(
    conn: psycopg.Connection,
    landed: LandedFile,
    table: TableRead,
    file_id: int,
    cfg: Settings,
    outcome: FileOutcome,
    failures: list[RowFailure],
    summary: SuiteSummary,
) -> None:
    columns = _raw_columns(conn, landed.source)
    fields = [c for c in columns if c not in LINEAGE and c != "source_values"]
    end = period_end(landed.period)
    seen_keys: set[tuple[Any, ...]] = set()
    lineage = (file_id, landed.kode_wilayah, landed.period, landed.relative_path, table.sheet)
    kinds = header_kinds(table.field_of_header, table.kind_of_header)
    for chunk in table.chunks():
        typed = canonicalize(chunk, landed.source, kinds, table.title_opd)
        chunk_failures = validate_chunk(typed, landed.source, end, summary)
        chunk_failures += _cross_chunk_duplicates(typed, landed.source, seen_keys, chunk_failures)
        rejected = {f.source_row for f in chunk_failures if f.severity == "reject"}
        warned = {f.source_row for f in chunk_failures if f.severity == "warn"} - rejected
        failures.extend(chunk_failures)
        outcome.rows_read += len(typed)
        outcome.rows_rejected += len(rejected)
        outcome.rows_warned += len(warned)
        good = typed[~typed["_source_row"].isin(rejected)]
        present = [f for f in fields if f in good.columns]
        with conn.cursor().copy(
            f"copy raw.{landed.source} ({', '.join(LINEAGE + tuple(present))}, source_values) from stdin"
        ) as copy:
            data = [good[f].tolist() for f in present]
            rows = good["_source_row"].tolist()
            originals = good["_source_values"].tolist()
            for i, row in enumerate(rows):
                copy.write_row(
                    (*lineage, int(row), *(_clean(col[i]) for col in data), json.dumps(originals[i], allow_nan=False))
                )
        outcome.rows_loaded += len(good)
        _copy_failures(conn, landed, table.sheet, file_id, chunk_failures, typed)
    outcome.rows_skipped = len(table.skipped)
    if outcome.rows_read == 0:
        raise FileRejected("NO_DATA_ROWS", "the file has a header but no data rows")
    share = outcome.rows_rejected / outcome.rows_read
    if share > cfg.max_bad_row_share:
        raise FileRejected(
            "TOO_MANY_BAD_ROWS",
            f"{outcome.rows_rejected} of {outcome.rows_read} rows ({share:.0%}) break the rules; "
            f"more than {cfg.max_bad_row_share:.0%} means the file itself is wrong",
        )


_KEYS = {
    "rosters": ("nik",),
    "participants": ("kpj",),
    "claims": ("nomor_klaim",),
    "budgets": ("opd", "kode_rekening"),
    "workforce": ("segmen",),
}


def _cross_chunk_duplicates(
    typed: Any, source: str, seen: set[tuple[Any, ...]], failures: Sequence[RowFailure]
) -> list[RowFailure]:
    """Keys already seen in an earlier chunk of the same file (GX sees one chunk at a time)."""
    keys = _KEYS[source]
    rejected = {f.source_row for f in failures if f.severity == "reject"}
    extra = []
    for row, *key in typed[["_source_row", *keys]].itertuples(index=False, name=None):
        if row in rejected or any(k is None or (isinstance(k, float) and math.isnan(k)) for k in key):
            continue
        key_t = tuple(key)
        if key_t in seen:
            extra.append(
                RowFailure(
                    row,
                    keys[0],
                    str(key[0]),
                    f"expect_unique_across_file({'+'.join(keys)})",
                    "DUPLICATE_KEY",
                    "reject",
                    f"duplicate key ({', '.join(keys)}); the first row is kept",
                    f"kunci ganda ({', '.join(keys)}); baris pertama dipakai",
                )  # fmt: skip
            )
        else:
            seen.add(key_t)
    return extra


def _copy_failures(
    conn: psycopg.Connection,
    landed: LandedFile,
    sheet: str | None,
    file_id: int,
    failures: Iterable[RowFailure],
    typed: Any,
) -> None:
    failures = list(failures)
    if not failures:
        return
    originals = dict(zip(typed["_source_row"].tolist(), typed["_source_values"].tolist(), strict=True))
    with conn.cursor().copy(f"copy audit.rejected_rows ({', '.join(REJECT_COLUMNS)}) from stdin") as copy:
        for f in failures:
            copy.write_row(
                (
                    file_id,
                    landed.source,
                    landed.kode_wilayah,
                    landed.period,
                    sheet,
                    f.source_row,
                    f.column,
                    f.value,
                    f.rule,
                    f.reason_code,
                    f.severity,
                    f.message_en,
                    f.message_id,
                    json.dumps(originals.get(f.source_row)),
                )  # fmt: skip
            )


def _finish(
    conn: psycopg.Connection,
    landed: LandedFile,
    table: TableRead,
    file_id: int,
    outcome: FileOutcome,
    summary: SuiteSummary,
    run_id: str | None,
) -> None:
    superseded = conn.execute(
        """update audit.files set is_current = false, superseded_by = %s
           where source = %s and kode_wilayah = %s and period = %s and relative_path = %s and is_current
           returning file_id""",
        (file_id, landed.source, landed.kode_wilayah, landed.period, landed.relative_path),
    ).fetchall()
    outcome.superseded = [r[0] for r in superseded]
    conn.execute(
        """update audit.files set is_current = true, rows_read = %s, rows_loaded = %s, rows_rejected = %s,
               rows_warned = %s, rows_skipped = %s, finished_at = now() where file_id = %s""",
        (
            outcome.rows_read,
            outcome.rows_loaded,
            outcome.rows_rejected,
            outcome.rows_warned,
            outcome.rows_skipped,
            file_id,
        ),
    )
    record_skipped(conn, file_id, table)
    record_validation(conn, file_id, summary, run_id)


def record_skipped(conn: psycopg.Connection, file_id: int, table: TableRead | None) -> None:
    if table is None or not table.skipped:
        return
    with conn.cursor().copy("copy audit.skipped_rows (file_id, source_row, kind, text) from stdin") as copy:
        for s in table.skipped:
            copy.write_row((file_id, s.row, s.kind, s.text))


def record_validation(conn: psycopg.Connection, file_id: int, summary: SuiteSummary, run_id: str | None) -> None:
    if summary.rows_validated == 0 and not summary.failed:
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
        ),  # fmt: skip
    )
