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
from ucj.ingest import values
from ucj.ingest.canonical import canonicalize, header_kinds
from ucj.ingest.fields import empty_file_allowed_sources, source_fields, unique_keys
from ucj.ingest.landing import LandedFile
from ucj.ingest.periods import PeriodCheck
from ucj.ingest.quarantine import quarantine_file
from ucj.ingest.readers import FileLevelError, TableRead, read_table
from ucj.ingest.validation import RowFailure, SuiteSummary, validate_chunk
from ucj.privacy import mask_identifiers

log = logging.getLogger(__name__)

LINEAGE = ("batch_id", "kode_wilayah", "period", "source_file", "sheet", "source_row")
REJECT_COLUMNS = (
    "file_id", "source", "kode_wilayah", "period", "sheet", "source_row", "column_name", "value",
    "rule", "reason_code", "severity", "message_en", "message_id", "original_values", "source_header",
)  # fmt: skip


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


# Sources whose export may truthfully have no rows: a month without claims is news, not an error.
# An empty roster, participation export, budget or workforce file would wipe what is known.
# (empty_file_allowed in the source catalogue, fields.yaml)
EMPTY_IS_NEWS = empty_file_allowed_sources()


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
    back every row and the quarantine is recorded in the same locked transaction.

    ``reprocess``: load the file again even when its content is the current version's (a
    backfill after a rule change): the new load is a new version that supersedes the current
    one, exactly like a correction; the earlier rows stay in ``raw`` as history. A file whose
    content is a duplicate of another path stays a duplicate.
    """
    cfg = cfg or settings()
    outcome = FileOutcome(landed.relative_path, landed.source, landed.kode_wilayah, landed.period, status="loaded")
    failures: list[RowFailure] = []
    summary = SuiteSummary(landed.source)
    table: TableRead | None = None
    with psycopg.connect(conninfo) as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (landed.relative_path,))
        if not landed.path.exists():  # quarantined by another run since it was listed
            outcome.status = "gone"
            return outcome
        digest = sha256_of(landed.path)
        size = landed.path.stat().st_size
        previous = _registry_verdict(conn, landed, digest, reprocess=reprocess)
        if previous is not None:
            return previous
        is_reprocess = reprocess and _current_digest(conn, landed) == digest
        try:
            with conn.transaction():  # a savepoint: a file-level verdict undoes every row
                table = _open(landed, cfg.chunk_rows)
                file_id = register_file(
                    conn, landed, digest, size, "loaded", table, run_id=run_id, is_reprocess=is_reprocess
                )
                outcome.file_id = file_id
                _copy_rows(conn, landed, table, file_id, cfg, outcome, failures, summary)
                _finish(conn, landed, table, file_id, outcome, summary, run_id)
            log.info(
                "%s: loaded %s rows, rejected %s", landed.relative_path, outcome.rows_loaded, outcome.rows_rejected
            )
            return outcome
        except FileRejected as err:
            code, message, where = err.code, err.message, err.where
        except FileLevelError as err:
            code, message = err.code, err.message
            where = {"sheet": err.sheet, "row": err.row, "column": err.column, "value": err.value}
        if code == "WRONG_PERIOD":  # the file-level verdict says it once, not once per row
            failures = [f for f in failures if f.reason_code != "PERIOD_MISMATCH"]
        log.warning("%s: quarantined (%s): %s", landed.relative_path, code, mask_identifiers(message))
        return quarantine_file(
            conn, landed, digest, size, table, code, message, failures, summary, outcome, cfg, run_id,
            where={k: v for k, v in where.items() if v is not None},
        )  # fmt: skip


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
             and status in ('loaded', 'duplicate')
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
        conn, landed, digest, landed.path.stat().st_size, "duplicate",
        error_code="DUPLICATE_CONTENT", error_message=f"same content as {path} (file {file_id}); not loaded twice",
        finished_at=datetime.now(UTC),
    )  # fmt: skip
    base.status, base.file_id = "duplicate", new_id
    base.error_code, base.error_message = "DUPLICATE_CONTENT", f"same content as {path}"
    return base


def _open(landed: LandedFile, chunk_rows: int = 50_000) -> TableRead:
    """Read the header; a missing required column quarantines the file before any row is read.

    Two columns that mean the same field are no reason to refuse a file: the reader prefers
    the plain one ("Tanggal Lahir" over "TTL"), and :func:`reconcile_duplicates` fills gaps
    from the other and quarantines only when the two disagree.
    """
    table = read_table(landed.path, landed.source, chunk_rows=chunk_rows)
    if table.missing_required:
        raw = yaml_headers(landed.source)
        spec = source_fields(landed.source)
        wanted = "; ".join(
            f"{name} (e.g. {', '.join(raw[name][:3])})"
            + (", or the OPD named in the title block or the file name" if spec[name].title_or_filename else "")
            for name in table.missing_required
        )
        found = ", ".join(h for h in table.headers if h)[:200]
        raise FileRejected(
            "MISSING_REQUIRED_COLUMN",
            f"required column(s) missing: {wanted}; the header in row {table.header_row} has: {found}. "
            "Add the column (any of the usual header names) and resend",
            sheet=table.sheet,
            row=table.header_row,
            column=", ".join(table.missing_required),
        )
    return table


def yaml_headers(source: str) -> dict[str, list[str]]:
    """The header wordings of ``fields.yaml`` per field, as people write them (for messages)."""
    import yaml

    from ucj.ingest.fields import FIELDS_YAML

    raw = yaml.safe_load(FIELDS_YAML.read_text(encoding="utf-8"))["sources"][source]["fields"]
    return {
        name: [s["header"] if isinstance(s, dict) else s for s in entry["synonyms"]] or [name]
        for name, entry in raw.items()
    }


def register_file(
    conn: psycopg.Connection,
    landed: LandedFile,
    digest: str,
    size: int,
    status: str,
    table: TableRead | None = None,
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
    if table is not None:
        values |= {
            "file_type": table.file_type,
            "extension_mismatch": bool(table.extension_mismatch),
            "encoding": table.encoding,
            "sheet": table.sheet,
            "header_row": table.header_row,
        }
    values |= columns
    query = sql.SQL("insert into audit.files ({}) values ({}) returning file_id").format(
        sql.SQL(", ").join(map(sql.Identifier, values)), sql.SQL(", ").join(sql.Placeholder() * len(values))
    )
    return conn.execute(query, list(values.values())).fetchone()[0]


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
    table: TableRead,
    file_id: int,
    cfg: Settings,
    outcome: FileOutcome,
    failures: list[RowFailure],
    summary: SuiteSummary,
) -> None:
    """Read, type and validate chunk by chunk, streaming the good rows into one COPY.

    The COPY runs for the whole file; psycopg's queued writer sends each chunk's rows from a
    thread while this one types and validates the next chunk, so PostgreSQL (on the other
    core) parses and indexes rows while Python works. Rejections are kept and COPYed after
    it (one connection runs one COPY at a time); duplicate keys across chunks are found by
    PostgreSQL once the rows are in (:func:`_duplicates_across_chunks`), which keeps the
    memory of this process independent of the file's size.
    """
    columns = _raw_columns(conn, landed.source)
    fields = [c for c in columns if c not in LINEAGE and c != "source_values"]
    end = period_end(landed.period)
    lineage = (file_id, landed.kode_wilayah, landed.period, landed.relative_path, table.sheet)
    kinds = header_kinds(table.field_of_header, table.kind_of_header)
    periods = PeriodCheck(landed.source, landed.period, table.title_lines)
    originals: list[str] = []  # the original texts (JSON) of each failure, in order
    warned_rows: set[int] = set()
    statement = f"copy raw.{landed.source} ({', '.join((*LINEAGE, *fields))}, source_values) from stdin"
    chunks = 0  # one chunk: GX's uniqueness rule has seen every key of the file
    with conn.cursor() as cursor, cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        for chunk in table.chunks():
            chunks += 1
            reconcile_duplicates(chunk, table, kinds)
            typed = canonicalize(chunk, landed.source, kinds, table.title_opd)
            periods.observe(typed)
            chunk_failures = validate_chunk(typed, landed.source, end, summary)
            rejected = {f.source_row for f in chunk_failures if f.severity == "reject"}
            warned = {f.source_row for f in chunk_failures if f.severity == "warn"} - rejected
            failures.extend(chunk_failures)
            originals.extend(_originals_of(typed, chunk_failures))
            warned_rows |= warned
            outcome.rows_read += len(typed)
            outcome.rows_rejected += len(rejected)
            outcome.rows_warned += len(warned)
            good = typed[~typed["_source_row"].isin(rejected)] if rejected else typed
            copy.write(_copy_block(good, lineage, fields))
            outcome.rows_loaded += len(good)
    across = _duplicates_across_chunks(conn, landed.source, file_id) if chunks > 1 else []
    for failure, original in across:
        failures.append(failure)
        originals.append(original)
        outcome.rows_loaded -= 1
        outcome.rows_rejected += 1
        if failure.source_row in warned_rows:
            outcome.rows_warned -= 1
    _copy_failures(conn, landed, table, file_id, failures, originals)
    outcome.rows_skipped = len(table.skipped)
    if outcome.rows_read == 0 and landed.source not in EMPTY_IS_NEWS:
        raise FileRejected(
            "NO_DATA_ROWS",
            f"the file has a header (row {table.header_row}) but no data rows below it; send the filled file",
            sheet=table.sheet,
            row=table.header_row,
        )
    if (wrong := periods.verdict()) is not None:
        named, why = wrong
        raise FileRejected("WRONG_PERIOD", why, sheet=table.sheet, column=periods.evidence or None, value=named)
    share = outcome.rows_rejected / outcome.rows_read if outcome.rows_read else 0.0
    if share > cfg.max_bad_row_share:
        raise FileRejected(
            "TOO_MANY_BAD_ROWS",
            f"{outcome.rows_rejected} of {outcome.rows_read} rows ({share:.0%}) break the rules; "
            f"more than {cfg.max_bad_row_share:.0%} means the file itself is wrong",
        )


def _originals_of(typed: pd.DataFrame, failures: Sequence[RowFailure]) -> list[str]:
    """The original texts (JSON) of each failure's row, in the failures' order."""
    if not failures:
        return []
    positions = pd.Index(typed["_source_row"]).get_indexer([f.source_row for f in failures])
    texts = typed["_source_json"].to_numpy(dtype=object)
    return [texts[at] if at >= 0 else "null" for at in positions]


def reconcile_duplicates(chunk: pd.DataFrame, table: TableRead, kinds: dict[str, str]) -> None:
    """Two columns meaning one field ("NIK" and "NIK KTP"): fill the gaps of the column read
    from the other, and quarantine the file (``DUPLICATED_HEADER``) when they disagree on a row.

    Values agree when their text is the same (case and spaces aside) or they parse to the same
    value ("3.000.000" and "Rp 3.000.000"). Works in place on the reader's chunk.
    """
    for name, keys in table.duplicate_columns.items():
        if name not in chunk.columns:
            continue
        main_header = next(
            (h for h, f in zip(table.headers, table.field_of_header, strict=False) if f == name and h not in keys),
            name,
        )
        for key in keys:
            other = chunk["_extras"].map(lambda e, k=key: e.get(k) if isinstance(e, dict) else None).astype(object)
            mine = chunk[name]
            both = (mine.notna() & other.notna()).to_numpy()
            if both.any():
                differ = ~_same_values(mine[both], other[both], kinds.get(name))
                if differ.any():
                    at = int(np.flatnonzero(both)[int(np.flatnonzero(differ)[0])])
                    row = int(chunk["_source_row"].iat[at])
                    text_a, text_b = str(mine.iat[at]), str(other.iat[at])
                    a, b = mask_identifiers(text_a), mask_identifiers(text_b)
                    where = next((i for i, (x, y) in enumerate(zip(text_a, text_b, strict=False)) if x != y), None)
                    hint = f", first difference at character {where + 1}" if where is not None else ""
                    raise FileRejected(
                        "DUPLICATED_HEADER",
                        f"columns {main_header!r} and {key!r} both mean {name} but disagree at row {row} "
                        f"({a!r} vs {b!r}{hint}); keep one of the two columns, or make them agree, and resend",
                        sheet=table.sheet,
                        row=row,
                        column=f"{main_header} / {key}",
                        value=f"{a} / {b}",
                    )
            fill = (mine.isna() & other.notna()).to_numpy()
            if fill.any():
                chunk.loc[fill, name] = other[fill]


def _same_values(a: pd.Series, b: pd.Series, kind: str | None) -> np.ndarray:
    def norm(series: pd.Series) -> np.ndarray:
        return np.array([" ".join(str(v).split()).casefold() for v in series], dtype=object)

    same = norm(a) == norm(b)
    parser = values.PARSERS_BY_KIND.get(kind or "")
    if parser is not None and not same.all():
        va, ea = parser(a.reset_index(drop=True))
        vb, eb = parser(b.reset_index(drop=True))
        parsed_same = (ea.isna() & eb.isna() & va.notna() & (va == vb)).to_numpy(dtype=bool)
        same |= parsed_same
    return same.astype(bool)


_KEYS = unique_keys()  # unique_key in the source catalogue (fields.yaml)


def _duplicates_across_chunks(conn: psycopg.Connection, source: str, file_id: int) -> list[tuple[RowFailure, str]]:
    """Rows of this file whose key an earlier loaded row of it already has: taken out of
    ``raw`` again and returned as rejections (with their original texts as JSON).

    GX sees one chunk at a time and rejects the later duplicates inside a chunk; a key met
    again in a later chunk is found here, by PostgreSQL, over the rows just COPYed (the first
    row is kept, as in a chunk). Rows without a complete key take no part.
    """
    keys = _KEYS[source]
    duplicates = sql.SQL(
        """select source_row from (
               select source_row, row_number() over (partition by {keys} order by source_row) as nth
               from raw.{table} where batch_id = %(file_id)s and {complete}) as ranked
           where nth > 1"""
    ).format(
        keys=sql.SQL(", ").join(map(sql.Identifier, keys)),
        table=sql.Identifier(source),
        complete=sql.SQL(" and ").join(sql.SQL("{} is not null").format(sql.Identifier(k)) for k in keys),
    )
    later = [r[0] for r in conn.execute(duplicates, {"file_id": file_id}).fetchall()]
    if not later:
        return []
    remove = sql.SQL(
        """delete from raw.{table} where batch_id = %(file_id)s and source_row = any(%(rows)s)
           returning source_row, {first}::text, source_values::text"""
    ).format(table=sql.Identifier(source), first=sql.Identifier(keys[0]))
    rows = sorted(conn.execute(remove, {"file_id": file_id, "rows": later}).fetchall())
    found = []
    for row, key, original in rows:
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
        )  # fmt: skip
        found.append((failure, original))
    return found


def _copy_failures(
    conn: psycopg.Connection,
    landed: LandedFile,
    table: TableRead,
    file_id: int,
    failures: Sequence[RowFailure],
    originals: Sequence[str],
) -> None:
    """Every rejection and warning of the file, with its row's original texts (JSON)."""
    if not failures:
        return
    with conn.cursor().copy(f"copy audit.rejected_rows ({', '.join(REJECT_COLUMNS)}) from stdin") as copy:
        for f, original in zip(failures, originals, strict=True):
            copy.write_row(
                (
                    file_id,
                    landed.source,
                    landed.kode_wilayah,
                    landed.period,
                    table.sheet,
                    f.source_row,
                    f.column,
                    f.value,
                    f.rule,
                    f.reason_code,
                    f.severity,
                    f.message_en,
                    f.message_id,
                    original,
                    table.source_column(f.column),
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
    record_validation(conn, file_id, summary, run_id, always=True)


def record_skipped(conn: psycopg.Connection, file_id: int, table: TableRead | None) -> None:
    if table is None or not table.skipped:
        return
    with conn.cursor().copy("copy audit.skipped_rows (file_id, source_row, kind, text) from stdin") as copy:
        for s in table.skipped:
            copy.write_row((file_id, s.row, s.kind, s.text))


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
        ),  # fmt: skip
    )
