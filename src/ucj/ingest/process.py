"""One file from cells to checked rows: read every sheet, type, validate, judge the file.

The same code path serves the ingest (:mod:`ucj.ingest.load`, which COPYs each batch of good
rows into ``raw``) and the dry run (:mod:`ucj.ingest.check`, ``ucj check``, which keeps them
to show). Nothing here touches the warehouse.

A file may hold several data sheets (one per OPD, month or segment): each is read with its
own header, title block (its OPD, its periods) and row numbers, and its rows carry the
sheet's name. Rows add up per sheet and per file: read = loaded + rejected, and the non-data
rows (title, totals, footnotes, signatures, blank) are skipped with their kind.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ucj.ingest import values
from ucj.ingest.budget_layout import derive_workers
from ucj.ingest.canonical import canonicalize, header_kinds
from ucj.ingest.errors import FileVerdict
from ucj.ingest.fields import FIELDS_YAML, empty_file_allowed_sources, source_fields
from ucj.ingest.periods import PeriodCheck
from ucj.ingest.readers import FileRead, SheetEntry, SkippedRow, TableRead, read_file
from ucj.ingest.validation import RowFailure, SuiteSummary, validate_chunk
from ucj.privacy import mask_identifiers
from ucj.reference import pemda_region_codes

# Sources whose export may truthfully have no rows: a month without claims is news, not an error.
# An empty roster, participation export, budget or workforce file would wipe what is known.
EMPTY_IS_NEWS = empty_file_allowed_sources()  # the source catalogue (fields.yaml): claims


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


@dataclass
class SheetCounts:
    """Rows of one read sheet."""

    read: int = 0
    loaded: int = 0
    rejected: int = 0
    warned: int = 0


@dataclass
class Batch:
    """One chunk of one sheet, typed and validated: ``good`` are the rows that load."""

    entry: SheetEntry
    table: TableRead
    typed: pd.DataFrame
    good: pd.DataFrame
    failures: list[RowFailure]
    originals: list[str]  # the original texts (JSON) of each failure, in order


@dataclass
class FileProcess:
    """Reads, types and validates one file; the caller decides what to do with each batch."""

    path: Path
    source: str
    kode_wilayah: str
    period: str
    chunk_rows: int = 50_000
    max_bad_row_share: float = 0.5
    relative_path: str | None = None  # under the landing folder; names the GX validation runs
    read: FileRead | None = None
    summary: SuiteSummary = field(init=False)
    counts: dict[int, SheetCounts] = field(default_factory=dict)
    periods: dict[int, PeriodCheck] = field(default_factory=dict)
    batches_seen: int = 0

    def __post_init__(self) -> None:
        self.summary = SuiteSummary(self.source)

    # ------------------------------------------------------------------ opening

    def open(self) -> FileRead:
        """Read every sheet's header. A data sheet missing a required column quarantines the
        file before any row is read; a data sheet whose title names only other periods is
        skipped when other sheets belong to this period (it is judged at the end otherwise)."""
        if self.kode_wilayah not in pemda_region_codes():
            known = sorted(pemda_region_codes())
            raise FileVerdict(
                "UNKNOWN_REGION",
                f"the folder {self.kode_wilayah!r} names no kabupaten/kota of the reference regions"
                f" ({known[0]} … {known[-1]}, {len(known)} Pemda); deliver the file into the folder of the Pemda"
                " that sends it",
                value=self.kode_wilayah,
            )
        self.read = read = read_file(self.path, self.source, chunk_rows=self.chunk_rows)
        for entry in read.sheets:
            if entry.status == "read" and entry.table is not None:
                _require_columns(entry.table)
                titles = [*entry.table.title_lines, *([entry.name] if entry.name else [])]
                self.periods[entry.index] = PeriodCheck(self.source, self.period, titles)
        own = [i for i, check in self.periods.items() if check.verdict() is None]
        if own and len(own) < len(self.periods):
            for entry in read.sheets:
                check = self.periods.get(entry.index)
                if check is not None and entry.index not in own:
                    named, _ = check.verdict() or ("", "")
                    read.skip(
                        entry,
                        "OTHER_PERIOD",
                        f"the sheet's title or name says period {named}, not {self.period}: a sheet of another"
                        " period is not loaded into this one",
                    )
                    del self.periods[entry.index]
        for entry in read.sheets:
            if entry.status == "read":
                self.counts[entry.index] = SheetCounts()
        return read

    @property
    def tables(self) -> list[TableRead]:
        return self.read.tables if self.read else []

    @property
    def first_table(self) -> TableRead | None:
        tables = self.tables
        return tables[0] if tables else None

    def source_column(self, sheet: str | None, name: str | None) -> str | None:
        """Where the sender finds field ``name`` on ``sheet`` (column letter and header)."""
        for table in self.tables:
            if table.sheet == sheet:
                return table.source_column(name)
        return None

    @property
    def skipped_rows(self) -> list[SkippedRow]:
        return [row for table in self.tables for row in table.skipped]

    @property
    def run_name(self) -> str:
        """The GX validation runs' name: the file's path under the landing folder, which says
        its source, region and period (``participants/74.71/2025-06/peserta.csv``)."""
        return self.relative_path or f"{self.source}/{self.kode_wilayah}/{self.period}/{self.path.name}"

    # ------------------------------------------------------------------ rows

    def batches(self) -> Iterator[Batch]:
        """Every chunk of every data sheet, typed and validated, in sheet order."""
        if self.read is None:
            self.open()
        assert self.read is not None
        end = period_end(self.period)
        for entry in self.read.sheets:
            if entry.status != "read" or entry.table is None:
                continue
            table = entry.table
            kinds = header_kinds(table.field_of_header, table.kind_of_header)
            counts = self.counts[entry.index]
            periods = self.periods[entry.index]
            for chunk in table.chunks():
                self.batches_seen += 1
                reconcile_duplicates(chunk, table, kinds)
                typed = canonicalize(chunk, self.source, kinds, table.title_opd)
                derived = identifiers_typed_as_numbers(typed, table.sheet)
                if self.source == "budgets":
                    derived += derive_workers(typed, table.sheet)
                periods.observe(typed)
                failures = validate_chunk(typed, self.source, end, self.summary, self.run_name) + derived
                if table.sheet is not None:
                    failures = [replace(f, sheet=table.sheet) for f in failures]
                rejected = {f.source_row for f in failures if f.severity == "reject"}
                warned = {f.source_row for f in failures if f.severity == "warn"} - rejected
                good = typed[~typed["_source_row"].isin(rejected)] if rejected else typed
                counts.read += len(typed)
                counts.rejected += len(rejected)
                counts.warned += len(warned)
                counts.loaded += len(good)
                yield Batch(entry, table, typed, good, failures, originals_of(typed, failures))

    @property
    def rows_read(self) -> int:
        return sum(c.read for c in self.counts.values())

    @property
    def rows_rejected(self) -> int:
        return sum(c.rejected for c in self.counts.values())

    def periods_found(self) -> list[str]:
        found: list[str] = []
        for check in self.periods.values():
            for text in getattr(check, "periods_found", []) or []:
                if text not in found:
                    found.append(text)
        return found

    # ------------------------------------------------------------------ verdict

    def verdict(self) -> None:
        """Raise the file-level verdict the rows lead to, if any (after every batch)."""
        table = self.first_table
        if self.rows_read == 0 and self.source not in EMPTY_IS_NEWS:
            raise FileVerdict(
                "NO_DATA_ROWS",
                f"the file has a header (row {table.header_row if table else '?'}) but no data rows below it;"
                " send the filled file",
                sheet=table.sheet if table else None,
                row=table.header_row if table else None,
            )
        for index, check in self.periods.items():
            if (wrong := check.verdict()) is not None:
                named, why = wrong
                sheet = next((s.name for s in self.read.sheets if s.index == index), None) if self.read else None
                raise FileVerdict("WRONG_PERIOD", why, sheet=sheet, column=check.evidence or None, value=named)
        read, rejected = self.rows_read, self.rows_rejected
        share = rejected / read if read else 0.0
        if share > self.max_bad_row_share:
            raise FileVerdict(
                "TOO_MANY_BAD_ROWS",
                f"{rejected} of {read} rows ({share:.0%}) break the rules; "
                f"more than {self.max_bad_row_share:.0%} means the file itself is wrong",
            )


# Excel holds at most 15 significant digits: a whole number below this is exact as typed.
_EXACT_DIGITS = 15


def identifiers_typed_as_numbers(typed: pd.DataFrame, sheet: str | None) -> list[RowFailure]:
    """KPJ, NPP and claim numbers that a workbook stores as numbers (the reader's
    ``<field>__number`` flag; the NIK is judged by its own rule, ``NIK_AS_NUMBER``).

    A whole number of at most 15 digits is exact, so it loads, with a warning that leading
    zeros, if the identifier had any, are gone; a longer or fractional one cannot be trusted:
    the row is rejected and its value set to NULL.
    """
    failures: list[RowFailure] = []
    for column in [c for c in typed.columns if c.endswith("__number")]:
        name = column[: -len("__number")]
        flags = typed[column].to_numpy(dtype=bool)
        for at in np.flatnonzero(flags):
            text = typed[name].iat[at]
            if text is None:
                continue
            exact = text.isdigit() and len(text) <= _EXACT_DIGITS
            failures.append(
                RowFailure(
                    int(typed["_source_row"].iat[at]),
                    name,
                    text,
                    f"identifier_is_text({name})",
                    "IDENTIFIER_AS_NUMBER",
                    "warn" if exact else "reject",
                    f"{name} is stored as a number in the workbook"
                    + (
                        "; leading zeros, if any, are lost: format the column as Text"
                        if exact
                        else ", which keeps only 15 digits: format the column as Text and type it again"
                    ),
                    f"{name} tersimpan sebagai angka di Excel"
                    + (
                        "; angka 0 di depan (jika ada) hilang: jadikan kolom bertipe Teks"
                        if exact
                        else " yang hanya menyimpan 15 digit: jadikan kolom bertipe Teks lalu ketik ulang"
                    ),
                    sheet,
                )
            )
        typed.drop(columns=column, inplace=True)
    return failures


def _require_columns(table: TableRead) -> None:
    """A data sheet missing a required column quarantines the file before any row is read.

    Two columns that mean the same field are no reason to refuse a file: the reader prefers
    the plain one ("Tanggal Lahir" over "TTL"), and :func:`reconcile_duplicates` fills gaps
    from the other and quarantines only when the two disagree. A required column whose cells
    are formulas Excel never calculated is as good as missing: say so.
    """
    uncalculated = [
        name
        for name, spec in source_fields(table.source).items()
        if spec.required and name in table.uncalculated_fields
    ]
    if uncalculated:
        name = uncalculated[0]
        raise FileVerdict(
            "FORMULA_NOT_CALCULATED",
            f"column {table.source_column(name)} ({name}) holds {table.uncalculated_fields[name]} formula cell(s)"
            " without a calculated value (the file was written by a program, not saved by Excel); open it in"
            " Excel, save it (Excel calculates the formulas) and resend, or paste the values",
            sheet=table.sheet,
            column=table.source_column(name),
        )
    if not table.missing_required:
        return
    raw = yaml_headers(table.source)
    spec = source_fields(table.source)
    wanted = "; ".join(
        f"{name} (e.g. {', '.join(raw[name][:3])})"
        + (
            ", or the OPD named in the title block, the sheet name or the file name"
            if spec[name].title_or_filename
            else ""
        )
        for name in table.missing_required
    )
    found = ", ".join(h for h in table.headers if h)[:200]
    where = f" of sheet {table.sheet!r}" if table.sheet else ""
    raise FileVerdict(
        "MISSING_REQUIRED_COLUMN",
        f"required column(s) missing: {wanted}; the header in row {table.header_row}{where} has: {found}. "
        "Add the column (any of the usual header names) and resend",
        sheet=table.sheet,
        row=table.header_row,
        column=", ".join(table.missing_required),
    )


def yaml_headers(source: str) -> dict[str, list[str]]:
    """The header wordings of ``fields.yaml`` per field, as people write them (for messages)."""
    import yaml

    raw = yaml.safe_load(FIELDS_YAML.read_text(encoding="utf-8"))["sources"][source]["fields"]
    return {
        name: [s["header"] if isinstance(s, dict) else s for s in entry["synonyms"]] or [name]
        for name, entry in raw.items()
    }


def originals_of(typed: pd.DataFrame, failures: Sequence[RowFailure]) -> list[str]:
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
                    raise FileVerdict(
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
