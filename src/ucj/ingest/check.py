"""``ucj check FILE…``: what the ingest would do with a file, without touching the warehouse.

A dry run over the loader's own code path (:class:`ucj.ingest.process.FileProcess`: the same
reader, parsers, Great Expectations suite and file-level verdicts), for the data engineer who
onboards a new Pemda: the sheets read and skipped (and why), each sheet's header row and
column mapping (unmapped columns too), the OPD and periods found, the rows that would load,
be rejected or be skipped, with the top reasons and a few examples (identifiers masked), and
the verdict. The only step the dry run does apart is the duplicate-key check across chunks
and sheets, which the loader leaves to PostgreSQL: here it runs over the same unique key in
Python.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ucj.ingest.errors import FileVerdict
from ucj.ingest.fields import unique_keys
from ucj.ingest.landing import LandingPathError, parse_landed
from ucj.ingest.process import FileProcess
from ucj.ingest.readers import SkippedRow
from ucj.ingest.validation import RowFailure
from ucj.privacy import mask_identifiers

EXAMPLES = 3


@dataclass
class SheetCheck:
    """One sheet: read (with its header, mapping and row counts) or skipped with the reason."""

    index: int
    name: str | None
    status: str  # "read" | "skipped"
    reason_code: str | None = None
    reason: str | None = None
    header_row: int | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # header as written -> canonical field
    unmapped: list[str] = field(default_factory=list)
    opd: str | None = None
    opd_source: str | None = None
    periods: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0


@dataclass
class FileCheck:
    """What the ingest would do with one file."""

    path: str
    source: str
    kode_wilayah: str
    period: str
    verdict: str = "load"  # "load" | "quarantine"
    code: str | None = None
    message: str | None = None
    file_type: str | None = None
    encoding: str | None = None
    sheets: list[SheetCheck] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_warned: int = 0
    rows_skipped: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)  # reason code -> rows, most first
    examples: list[dict[str, Any]] = field(default_factory=list)
    skipped_kinds: list[tuple[str, int]] = field(default_factory=list)
    failures: list[RowFailure] = field(default_factory=list, repr=False)
    skipped_rows: list[SkippedRow] = field(default_factory=list, repr=False)
    loaded: pd.DataFrame | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        """Everything but the rows themselves (identifiers in examples are masked)."""
        out = asdict(self)
        for key in ("failures", "skipped_rows", "loaded"):
            out.pop(key, None)
        return out


def check_file(
    path: Path,
    source: str,
    kode_wilayah: str,
    period: str,
    *,
    keep_rows: bool = False,
    chunk_rows: int = 50_000,
    max_bad_row_share: float = 0.5,
) -> FileCheck:
    """Run the loader's read → type → validate → verdict path over ``path``, warehouse untouched.

    ``keep_rows`` keeps the typed rows that would load in ``loaded`` (columns ``_sheet``,
    ``_source_row`` and the canonical fields) and every failure and skipped row.
    """
    result = FileCheck(str(path), source, kode_wilayah, period)
    process = FileProcess(Path(path), source, kode_wilayah, period, chunk_rows, max_bad_row_share)
    frames: list[pd.DataFrame] = []
    failures: list[RowFailure] = []
    try:
        read = process.open()
        result.file_type, result.encoding = read.file_type, read.encoding
        seen: dict[tuple[Any, ...], tuple[str | None, int]] = {}
        key_fields = _unique_key(source)
        for batch in process.batches():
            failures.extend(batch.failures)
            good = batch.good
            duplicates = _duplicates(good, key_fields, batch.table.sheet, seen) if len(good) else []
            if duplicates:
                failures.extend(duplicates)
                rows = {f.source_row for f in duplicates}
                good = good[~good["_source_row"].isin(rows)]
                counts = process.counts[batch.entry.index]
                counts.loaded -= len(rows)
                counts.rejected += len(rows)
            if keep_rows and len(good):
                frames.append(good.assign(_sheet=batch.table.sheet))
        process.verdict()
    except FileVerdict as err:
        result.verdict, result.code, result.message = "quarantine", err.code, mask_identifiers(err.message)
    _summarise(result, process, failures)
    if keep_rows:
        result.failures = failures
        result.skipped_rows = process.skipped_rows
        result.loaded = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return result


def check_landed_path(path: Path, landing_dir: Path | None = None, **options: Any) -> FileCheck:
    """:func:`check_file` for a file under the landing contract (source, region and period from
    its folders): ``<landing>/<source>/<kode_wilayah>/<period>/<file>``."""
    path = Path(path).resolve()
    root = landing_dir.resolve() if landing_dir else path.parents[3]
    try:
        landed = parse_landed(root, path.relative_to(root).as_posix())
    except (LandingPathError, ValueError) as err:
        raise ValueError(
            f"{path}: not under <landing>/<source>/<kode_wilayah>/<period>/ ({err}); "
            "give --source, --region and --period"
        ) from err
    return check_file(path, landed.source, landed.kode_wilayah, landed.period, **options)


def _unique_key(source: str) -> tuple[str, ...]:
    return tuple(unique_keys()[source])


def _duplicates(
    good: pd.DataFrame, keys: tuple[str, ...], sheet: str | None, seen: dict[tuple[Any, ...], tuple[str | None, int]]
) -> list[RowFailure]:
    """Rows whose unique key an earlier chunk or sheet already had (the loader asks PostgreSQL)."""
    if not all(k in good.columns for k in keys):
        return []
    out: list[RowFailure] = []
    values = zip(good["_source_row"].tolist(), *(good[k].tolist() for k in keys), strict=True)
    for row, *key_values in values:
        if any(v is None or v != v for v in key_values):
            continue
        key = tuple(key_values)
        if key in seen:
            out.append(
                RowFailure(
                    row,
                    keys[0],
                    str(key_values[0]),
                    f"expect_unique_across_file({'+'.join(keys)})",
                    "DUPLICATE_KEY",
                    "reject",
                    f"duplicate key ({', '.join(keys)}); the first row is kept",
                    f"kunci ganda ({', '.join(keys)}); baris pertama dipakai",
                    sheet,
                )
            )
        else:
            seen[key] = (sheet, row)
    return out


def _summarise(result: FileCheck, process: FileProcess, failures: list[RowFailure]) -> None:
    read = process.read
    if read is not None:
        for entry in read.sheets:
            sheet = SheetCheck(entry.index, entry.name, entry.status, entry.reason_code, entry.reason)
            table = entry.table
            if table is not None:
                sheet.header_row = table.header_row
                sheet.mapping = {h: f for h, f in zip(table.headers, table.field_of_header, strict=False) if h and f}
                sheet.unmapped = list(table.extra_columns)
                if entry.status == "read":
                    sheet.opd, sheet.opd_source = table.title_opd, table.title_opd_source
                    sheet.rows_skipped = len(table.skipped)
            check = process.periods.get(entry.index)
            sheet.periods = list(getattr(check, "periods_found", []) or [])
            sheet.warnings = list(entry.warnings)
            counts = process.counts.get(entry.index)
            if counts is not None:
                sheet.rows_read, sheet.rows_loaded, sheet.rows_rejected = counts.read, counts.loaded, counts.rejected
            result.sheets.append(sheet)
    counts = list(process.counts.values())
    result.rows_read = sum(c.read for c in counts)
    result.rows_loaded = sum(c.loaded for c in counts)
    result.rows_rejected = sum(c.rejected for c in counts)
    result.rows_warned = sum(c.warned for c in counts)
    skipped = process.skipped_rows
    result.rows_skipped = len(skipped)
    result.skipped_kinds = Counter(s.kind for s in skipped).most_common()
    by_reason: Counter[str] = Counter()
    rows_of: dict[str, set[tuple[str | None, int]]] = {}
    for f in failures:
        rows_of.setdefault(f.reason_code, set()).add((f.sheet, f.source_row))
    for code, rows in rows_of.items():
        by_reason[code] = len(rows)
    result.reasons = by_reason.most_common()
    shown: Counter[str] = Counter()
    for f in failures:
        if shown[f.reason_code] >= EXAMPLES:
            continue
        shown[f.reason_code] += 1
        result.examples.append(
            {
                "sheet": f.sheet,
                "row": f.source_row,
                "column": process.source_column(f.sheet, f.column) or f.column,
                "value": mask_identifiers(str(f.value)) if f.value is not None else None,
                "reason_code": f.reason_code,
                "severity": f.severity,
                "message_id": f.message_id,
                "message_en": f.message_en,
            }
        )
