"""Load one landed file: registry check, read, type, validate, COPY: all or nothing.

One file is one PostgreSQL transaction. Inside it: an advisory lock on the file's place (two
runs that see the same file load it once), the registry row, COPY of the good rows into
``raw.<source>`` and of the rejections into ``audit.rejected_rows``, and the supersession of
the earlier version of a corrected file. A file-level failure rolls all of that back; the
file is then moved to quarantine with a report, and the registry records why.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from ucj.config import Settings, settings
from ucj.ingest import audit
from ucj.ingest.audit import register_file
from ucj.ingest.errors import FileVerdict
from ucj.ingest.fields import unique_keys
from ucj.ingest.landing import LandedFile
from ucj.ingest.process import (  # noqa: F401 - re-exported for callers of the loader
    EMPTY_IS_NEWS,
    FileProcess,
    period_end,
    reconcile_duplicates,
    sha256_of,
    yaml_headers,
)
from ucj.ingest.quarantine import PendingMove, complete_quarantine, quarantine_file, recover_quarantine
from ucj.ingest.validation import RowFailure
from ucj.privacy import mask_identifiers

FileRejected = FileVerdict  # the name the loader's callers and tests know

log = logging.getLogger(__name__)

LINEAGE = ("file_id", "kode_wilayah", "period", "source_file", "sheet", "source_row")


@dataclass
class FileOutcome:
    """What happened to one file; also what Airflow passes on (as a dict) and the audit records."""

    relative_path: str
    source: str
    kode_wilayah: str
    period: str
    status: str  # loaded | unchanged | duplicate | quarantined | gone (quarantined by another run)
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


def ingest_file(
    landed: LandedFile,
    conninfo: str,
    run_id: str | None = None,
    cfg: Settings | None = None,
    *,
    reprocess: bool = False,
) -> FileOutcome:
    """Load ``landed`` into the warehouse, or quarantine it; safe to call again at any time.

    One transaction holds an advisory lock on the file's path from the registry check to the
    end: two runs that see the same file load it once (the second finds it registered, or
    gone to quarantine). The load itself runs in a savepoint, so a file-level verdict rolls
    back every row and the quarantine is recorded in the same locked transaction; the file
    leaves the landing folder only after that transaction commits (a crash in between is
    finished by the next run, which finds the registered verdict and moves the file).

    ``reprocess``: load the file again even when its content is the current version's (a
    backfill after a rule change): the new load is a new version that supersedes the current
    one, exactly like a correction; the earlier rows stay in ``raw`` as history. A file whose
    content is a duplicate of another path stays a duplicate.
    """
    cfg = cfg or settings()
    outcome = FileOutcome(landed.relative_path, landed.source, landed.kode_wilayah, landed.period, status="loaded")
    process = FileProcess(
        landed.path,
        landed.source,
        landed.kode_wilayah,
        landed.period,
        cfg.ingest.chunk_rows,
        cfg.ingest.max_bad_row_share,
        relative_path=landed.relative_path,
    )
    failures: list[RowFailure] = []
    try:
        conn = psycopg.connect(conninfo)
    except psycopg.OperationalError as err:
        raise WarehouseUnavailable.for_file(landed.relative_path, err, connected=False) from err
    with conn:
        try:
            done, pending = _ingest_locked(conn, landed, process, outcome, failures, cfg, run_id, reprocess)
        except (psycopg.OperationalError, psycopg.InterfaceError) as err:
            if not (conn.broken or conn.closed):
                raise  # the server answered (a lock or statement timeout, a deadlock): its message says why
            raise WarehouseUnavailable.for_file(landed.relative_path, err, connected=True) from err
    if pending is not None:  # committed: only now does the file leave the landing folder
        complete_quarantine(pending)
    return done


class WarehouseUnavailable(ConnectionError):
    """The warehouse went away while a file was loaded, or could not be reached to load it.

    Not the file's fault and no verdict on it: the file's one transaction did not commit, so
    nothing of it was kept (no rows, no registry row), and it stays in the landing folder. The
    task's retries (or the next run) load it again. A ``ConnectionError``, so the retry rules
    (:func:`ucj.ops.retries.classify`) see a transient error; the psycopg error is its ``__cause__``.
    (Lost during the commit itself, the outcome is PostgreSQL's all or nothing: the retry then
    loads the file, or finds it loaded and leaves it.)
    """

    @classmethod
    def for_file(cls, relative_path: str, error: BaseException, *, connected: bool) -> WarehouseUnavailable:
        """The error for ``relative_path``, its one-line message also logged."""
        lines = str(error).strip().splitlines()
        reason = mask_identifiers(lines[0].strip() if lines else type(error).__name__)[:200]
        if connected:
            message = (
                f"{relative_path}: the warehouse connection was lost while loading the file ({reason}); its"
                " transaction was rolled back, so nothing of the file was kept, and the task's retry (or the next"
                " run) loads it again"
            )
        else:
            message = (
                f"{relative_path}: the warehouse could not be reached to load the file ({reason}); nothing of the"
                " file was loaded, and the task's retry (or the next run) loads it"
            )
        log.error("%s", message)
        return cls(message)


def _ingest_locked(
    conn: psycopg.Connection,
    landed: LandedFile,
    process: FileProcess,
    outcome: FileOutcome,
    failures: list[RowFailure],
    cfg: Settings,
    run_id: str | None,
    reprocess: bool,
) -> tuple[FileOutcome, PendingMove | None]:
    """The whole verdict on one file in one transaction (committed when this returns)."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (landed.relative_path,))
        if not landed.path.exists():  # quarantined by another run since it was listed
            outcome.status = "gone"
            return outcome, None
        before = landed.path.stat()
        if (age := time.time() - before.st_mtime) < cfg.ingest.settle_seconds:
            return _unsettled(outcome, f"changed {age:.0f} s ago (less than {cfg.ingest.settle_seconds:.0f} s)"), None
        digest = sha256_of(landed.path)
        size = before.st_size
        if (recovered := _recover_quarantined(conn, landed, digest)) is not None:
            return recovered, None
        previous = _registry_verdict(conn, landed, digest, reprocess=reprocess)
        if previous is not None:
            return previous, None
        is_reprocess = reprocess and _current_digest(conn, landed) == digest
        try:
            with conn.transaction():  # a savepoint: a file-level verdict undoes every row
                read = process.open()
                file_id = register_file(
                    conn, landed, digest, size, "loaded", read, run_id=run_id, is_reprocess=is_reprocess
                )
                outcome.file_id = file_id
                _copy_rows(conn, landed, process, file_id, outcome, failures)
                _finish(conn, landed, process, file_id, outcome, run_id)
                _still_the_same(landed, before)
            log.info(
                "%s: loaded %s rows, rejected %s", landed.relative_path, outcome.rows_loaded, outcome.rows_rejected
            )
            return outcome, None
        except _Changing as err:  # rolled back: read again by the next run, once it has settled
            return _unsettled(FileOutcome(landed.relative_path, *_place(landed), "unsettled"), str(err)), None
        except FileVerdict as err:
            code, message, where = err.code, err.message, err.where
        except (psycopg.OperationalError, psycopg.InterfaceError, MemoryError, OSError):
            raise  # the server or the machine (a full disk), not the file: the task's retries are for these
        except Exception as err:  # anything else about this file: it is kept and reported, not retried nightly
            code, where = "INTERNAL_ERROR", {}
            message = (
                f"the file could not be loaded because of an error the pipeline does not know how to explain"
                f" ({type(err).__name__}: {mask_identifiers(str(err))[:300]}); it is kept in quarantine, and the"
                " data team should look at it"
            )
            log.error("%s: quarantined after an unexpected error (%s)", landed.relative_path, type(err).__name__)
        if code == "WRONG_PERIOD":  # the file-level verdict says it once, not once per row
            failures = [f for f in failures if f.reason_code != "PERIOD_MISMATCH"]
        log.warning("%s: quarantined (%s): %s", landed.relative_path, code, mask_identifiers(message))
        return quarantine_file(
            conn, landed, digest, size, process, code, message, failures, outcome, cfg, run_id, where
        )


class _Changing(Exception):
    """The file changed while it was read (still being written)."""


def _place(landed: LandedFile) -> tuple[str, str, str]:
    return landed.source, landed.kode_wilayah, landed.period


def _still_the_same(landed: LandedFile, before: os.stat_result) -> None:
    after = landed.path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise _Changing(f"changed while it was read ({before.st_size} -> {after.st_size} bytes)")


def _unsettled(outcome: FileOutcome, why: str) -> FileOutcome:
    """Left in the landing folder for the next run: not registered, not quarantined."""
    outcome.status, outcome.error_code = "unsettled", "FILE_CHANGING"
    outcome.error_message = f"{why}: probably still being copied in; left for the next run"
    outcome.rows_read = outcome.rows_loaded = outcome.rows_rejected = outcome.rows_warned = outcome.rows_skipped = 0
    log.warning("%s: %s", outcome.relative_path, outcome.error_message)
    return outcome


def _recover_quarantined(conn: psycopg.Connection, landed: LandedFile, digest: str) -> FileOutcome | None:
    """The path's latest verdict is a quarantine of this very content, but the file is still in
    the landing folder: the run that judged it stopped between the commit and the move. Finish
    the move now (same target, a report from the registry) instead of judging it twice."""
    row = conn.execute(
        """select file_id, error_code, error_message, quarantine_path, rows_read from audit.files
           where source = %s and kode_wilayah = %s and period = %s and relative_path = %s
           order by file_id desc limit 1""",
        (landed.source, landed.kode_wilayah, landed.period, landed.relative_path),
    ).fetchone()
    if row is None:
        return None
    file_id, code, message, target, rows_read = row
    latest = conn.execute("select status, content_sha256 from audit.files where file_id = %s", (file_id,)).fetchone()
    if latest != ("quarantined", digest) or not target or Path(target).exists():
        return None  # not an interrupted move: a file quarantined before and sent again is judged anew
    log.warning("%s: registered as quarantined but still in the landing folder; moving it now", landed.relative_path)
    recover_quarantine(landed, code, message, Path(target), rows_read)
    outcome = FileOutcome(landed.relative_path, landed.source, landed.kode_wilayah, landed.period, "quarantined")
    outcome.file_id, outcome.error_code, outcome.error_message, outcome.quarantine_path = file_id, code, message, target
    return outcome


def _current_digest(conn: psycopg.Connection, landed: LandedFile) -> str | None:
    """The content hash of the version of this path the marts use now (None: none loaded)."""
    row = conn.execute(
        """select content_sha256 from audit.files
           where source = %s and kode_wilayah = %s and period = %s and relative_path = %s
             and status = 'loaded' and is_current""",
        (landed.source, landed.kode_wilayah, landed.period, landed.relative_path),
    ).fetchone()
    return row[0] if row else None


def _registry_verdict(
    conn: psycopg.Connection, landed: LandedFile, digest: str, *, reprocess: bool = False
) -> FileOutcome | None:
    """Unchanged or duplicate content needs no load; None means: load it.

    Unchanged: the path's latest version (loaded or judged a duplicate) has this content. A file
    that comes back to an earlier content (A, then B, then A) is a new version, not unchanged.
    Duplicate: the content is the current version of another path of the same place.
    ``reprocess`` loads an unchanged file again (a duplicate stays a duplicate).
    """
    place = (landed.source, landed.kode_wilayah, landed.period)
    base = FileOutcome(landed.relative_path, *place, "unchanged")
    latest = conn.execute(
        """select file_id, content_sha256, status from audit.files
           where source = %s and kode_wilayah = %s and period = %s and relative_path = %s
             and status in ('loaded', 'duplicate') and withdrawn_at is null
           order by file_id desc limit 1""",
        (*place, landed.relative_path),
    ).fetchone()
    if latest is not None and latest[1] == digest:
        if reprocess and latest[2] == "loaded":
            return None  # loaded again on request
        base.file_id = latest[0]
        return base  # the same content at the same place: loaded (or judged duplicate) before
    other = conn.execute(
        """select file_id, relative_path from audit.files
           where source = %s and kode_wilayah = %s and period = %s and content_sha256 = %s
             and status = 'loaded' and is_current and relative_path <> %s
           order by file_id limit 1""",
        (*place, digest, landed.relative_path),
    ).fetchone()
    if other is None:
        return None
    file_id, path = other
    new_id = register_file(
        conn,
        landed,
        digest,
        landed.path.stat().st_size,
        "duplicate",
        error_code="DUPLICATE_CONTENT",
        error_message=f"same content as {path} (file {file_id}); not loaded twice",
        finished_at=datetime.now(UTC),
    )
    # The path now holds another path's content: what it held before is no longer delivered there.
    base.superseded = audit.supersede(conn, landed, new_id)
    base.status, base.file_id = "duplicate", new_id
    base.error_code, base.error_message = "DUPLICATE_CONTENT", f"same content as {path}"
    return base


def _raw_columns(conn: psycopg.Connection, source: str) -> list[str]:
    rows = conn.execute(
        """select column_name from information_schema.columns
           where table_schema = 'raw' and table_name = %s order by ordinal_position""",
        (source,),
    ).fetchall()
    return [r[0] for r in rows if r[0] not in ("loaded_at",)]


_COPY_NULL = "\\N"


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (backslash, tab, newline and return escaped)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as COPY text cells; None, NaN and NA become NULL, an absent column is all NULL.

    Each distinct value is formatted once (government files repeat dates, wages, codes).
    """
    if name not in frame.columns:
        return np.full(len(frame), _COPY_NULL, dtype=object)
    codes, uniques = pd.factorize(frame[name].to_numpy(dtype=object))
    texts = np.array([*map(_copy_text, uniques), _COPY_NULL], dtype=object)
    return texts[codes]  # code -1 (missing) takes the last entry, NULL


def _copy_block(frame: pd.DataFrame, lineage: Sequence[Any], fields: Sequence[str]) -> bytes:
    """The rows of ``frame`` as one block of COPY text: lineage, row number, fields, original texts.

    Distinct values are formatted once per column and each line is one ``join``; the original
    texts are JSON (no raw tab or newline), so only backslashes need doubling.
    """
    if not len(frame):
        return b""
    prefix = "\t".join(_copy_text(v) if v is not None else _COPY_NULL for v in lineage)
    rows = frame["_source_row"].to_numpy(dtype=np.int64).astype(str).astype(object)
    originals = [t.replace("\\", "\\\\") if "\\" in t else t for t in frame["_source_json"].tolist()]
    columns = [_copy_column(frame, name) for name in fields]
    lines = ["\t".join(cells) for cells in zip(rows, *columns, originals, strict=True)]
    return (prefix + "\t" + f"\n{prefix}\t".join(lines) + "\n").encode("utf-8")


def _copy_rows(
    conn: psycopg.Connection,
    landed: LandedFile,
    process: FileProcess,
    file_id: int,
    outcome: FileOutcome,
    failures: list[RowFailure],
) -> None:
    """Read, type and validate chunk by chunk (every sheet), streaming the good rows into one COPY.

    The COPY runs for the whole file; psycopg's queued writer sends each chunk's rows from a
    thread while this one types and validates the next chunk, so PostgreSQL (on the other
    core) parses and indexes rows while Python works. Rejections are kept and COPYed after
    it (one connection runs one COPY at a time); duplicate keys across chunks and sheets are
    found by PostgreSQL once the rows are in (:func:`_duplicates_across_chunks`), which keeps
    the memory of this process independent of the file's size.
    """
    columns = _raw_columns(conn, landed.source)
    fields = [c for c in columns if c not in LINEAGE and c != "source_values"]
    originals: list[str] = []  # the original texts (JSON) of each failure, in order
    warned_rows: set[tuple[str | None, int]] = set()
    statement = f"copy raw.{landed.source} ({', '.join((*LINEAGE, *fields))}, source_values) from stdin"
    with conn.cursor() as cursor, cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        for batch in process.batches():
            lineage = (file_id, landed.kode_wilayah, landed.period, landed.relative_path, batch.table.sheet)
            failures.extend(batch.failures)
            originals.extend(batch.originals)
            rejected = {f.source_row for f in batch.failures if f.severity == "reject"}
            warned_rows |= {(batch.table.sheet, f.source_row) for f in batch.failures if f.severity == "warn"} - {
                (batch.table.sheet, r) for r in rejected
            }
            copy.write(_copy_block(batch.good, lineage, fields))
    counts = process.counts
    outcome.rows_read = sum(c.read for c in counts.values())
    outcome.rows_rejected = sum(c.rejected for c in counts.values())
    outcome.rows_warned = sum(c.warned for c in counts.values())
    outcome.rows_loaded = sum(c.loaded for c in counts.values())
    sheets = [t.sheet for t in process.tables]
    across = _duplicates_across_chunks(conn, landed.source, file_id, sheets) if process.batches_seen > 1 else []
    for failure, original in across:
        failures.append(failure)
        originals.append(original)
        outcome.rows_loaded -= 1
        outcome.rows_rejected += 1
        index = next((s.index for s in process.read.sheets if s.name == failure.sheet), None) if process.read else None
        if index in counts:
            counts[index].loaded -= 1
            counts[index].rejected += 1
        if (failure.sheet, failure.source_row) in warned_rows:
            outcome.rows_warned -= 1
    audit.record_failures(conn, landed, file_id, failures, originals, process.source_column)
    outcome.rows_skipped = len(process.skipped_rows)
    process.verdict()


_KEYS = unique_keys()  # unique_key in the source catalogue (fields.yaml)


def _duplicates_across_chunks(
    conn: psycopg.Connection, source: str, file_id: int, sheets: Sequence[str | None] = (None,)
) -> list[tuple[RowFailure, str]]:
    """Rows of this file whose key an earlier loaded row of it already has: taken out of
    ``raw`` again and returned as rejections (with their original texts as JSON).

    GX sees one chunk at a time and rejects the later duplicates inside a chunk; a key met
    again in a later chunk or on a later sheet is found here, by PostgreSQL, over the rows
    just COPYed (the first row, in sheet and row order, is kept, as in a chunk). Rows without
    a complete key take no part.
    """
    keys = _KEYS[source]
    duplicates = sql.SQL(
        """select sheet, source_row from (
               select sheet, source_row,
                      row_number() over (
                          partition by {keys}
                          order by array_position(%(sheets)s::text[], sheet), source_row) as nth
               from raw.{table} where file_id = %(file_id)s and {complete}) as ranked
           where nth > 1"""
    ).format(
        keys=sql.SQL(", ").join(map(sql.Identifier, keys)),
        table=sql.Identifier(source),
        complete=sql.SQL(" and ").join(sql.SQL("{} is not null").format(sql.Identifier(k)) for k in keys),
    )
    later = conn.execute(duplicates, {"file_id": file_id, "sheets": list(sheets)}).fetchall()
    if not later:
        return []
    remove = sql.SQL(
        """delete from raw.{table} as r using unnest(%(sheets)s::text[], %(rows)s::int[]) as d(sheet, source_row)
           where r.file_id = %(file_id)s and r.source_row = d.source_row and r.sheet is not distinct from d.sheet
           returning r.sheet, r.source_row, r.{first}::text, r.source_values::text"""
    ).format(table=sql.Identifier(source), first=sql.Identifier(keys[0]))
    params = {"file_id": file_id, "sheets": [r[0] for r in later], "rows": [r[1] for r in later]}
    rows = sorted(conn.execute(remove, params).fetchall(), key=lambda r: (r[0] or "", r[1]))
    found = []
    for sheet, row, key, original in rows:
        value = json.loads(original).get(keys[0], key)
        failure = RowFailure(
            row,
            keys[0],
            value,
            f"expect_unique_across_file({'+'.join(keys)})",
            "DUPLICATE_KEY",
            "reject",
            f"duplicate key ({', '.join(keys)}); the first row is kept",
            f"kunci ganda ({', '.join(keys)}); baris pertama dipakai",
            sheet,
        )
        found.append((failure, original))
    return found


def _finish(
    conn: psycopg.Connection,
    landed: LandedFile,
    process: FileProcess,
    file_id: int,
    outcome: FileOutcome,
    run_id: str | None,
) -> None:
    outcome.superseded = audit.supersede(conn, landed, file_id)
    audit.update_file(
        conn,
        file_id,
        is_current=True,
        rows_read=outcome.rows_read,
        rows_loaded=outcome.rows_loaded,
        rows_rejected=outcome.rows_rejected,
        rows_warned=outcome.rows_warned,
        rows_skipped=outcome.rows_skipped,
        periods_found=process.periods_found() or None,
        finished_at=datetime.now(UTC),
    )
    audit.record_skipped(conn, file_id, process.skipped_rows)
    audit.record_sheets(conn, file_id, process.read, process.counts, process.periods)
    audit.record_validation(conn, file_id, process.summary, run_id, always=True)
