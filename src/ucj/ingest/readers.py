"""Read landed files (xlsx/xlsm/xlsb, xls, csv) into chunks of cell text, sheet by sheet.

The reader finds each sheet's header row, maps header texts to canonical fields
(``fields.yaml`` and the deployment's ``UCJ_CONFIG_DIR``), and streams data rows as DataFrames
of text exactly as a person would see it. It types nothing: :mod:`ucj.ingest.values` parses,
the validator judges. The parts: :mod:`ucj.ingest.sniff` (file type, encoding),
:mod:`ucj.ingest.grids` (sheets and CSV as raw rows), :mod:`ucj.ingest.layout` (header,
columns, the OPD of a table), :mod:`ucj.ingest.rows` (data rows and the others).

Every sheet is read or skipped with its reason (:class:`SheetEntry`): a workbook may hold one
table per OPD, month or segment. Hidden sheets are listed, never read: what the sender does
not see is not loaded.

Row layout handled (DOMAIN.md §8): a title block above the header (its OPD and periods are
picked up), an optional second header row under merged group headers, a row-number column
("No."), a column-number row ("1", "2", "(3)") under the header, blank rows, JUMLAH/TOTAL and
Sub Total rows, repeated header rows, footnotes (Sumber:, Keterangan:, *) …) and a signature
block at the bottom (place and date, Kepala, NIP).

Memory: CSV is read in blocks of ``chunk_rows`` records. For workbooks, calamine holds a
sheet's cells in native memory (roughly 30-60 bytes per non-empty cell, e.g. ~100-150 MB for
200k rows x 15 columns) and converts rows to Python one at a time; only one chunk of Python
objects exists at once. xlrd (fallback for .xls calamine cannot read) holds the whole workbook.

Row numbers (``_source_row``, ``SkippedRow.row``, ``header_row``) are 1-based as a
spreadsheet program shows them, per sheet; for CSV they count records (a quoted field
spanning lines is one row), which is what Excel shows when it opens the CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from ucj.ingest.errors import FileVerdict
from ucj.ingest.fields import SOURCES, source_spec
from ucj.ingest.grids import Grid, csv_grids, head_text, workbook_grids
from ucj.ingest.layout import (
    GENERIC_SHEET,
    HEADER_SCAN_ROWS,
    HeaderHit,
    Layout,
    build_layout,
    column_letter,
    fill_from_group_row,
    find_header,
    merge_subheader,
    surrounding_opd,
    trim,
)
from ucj.ingest.rows import (  # noqa: F401 - cell_text and identifier_cell_text: the readers' public API
    ChunkBuilder,
    MergeFiller,
    SkippedRow,
    cell_text,
    gc_paused,
    identifier_cell_text,
)
from ucj.ingest.sniff import FILE_TYPE_EXTENSIONS, file_error, sniff_type

FileLevelError = FileVerdict  # the reader's verdicts are file-level verdicts like any other


@dataclass
class TableRead:
    """What :func:`read_table` found; iterate :meth:`chunks` for the data rows."""

    path: Path
    source: str
    file_type: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    header_row: int
    headers: list[str]
    field_of_header: list[str | None]
    duplicated_fields: list[str]
    missing_required: list[str]
    title_lines: list[str]
    title_opd: str | None
    skipped: list[SkippedRow] = field(default_factory=list)
    chunk_rows: int = 50_000
    extension_mismatch: bool = False
    kind_of_header: list[str | None] = field(default_factory=list)
    ignored_columns: list[int] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    header_rows: list[int] = field(default_factory=list)
    title_opd_source: str | None = None  # "title" | "sheet" | "filename" | None
    other_sheets_with_header: list[str] = field(default_factory=list)
    # field -> extra-column keys of the other columns that mean the same field with the same
    # value layout ("NIK" and "NIK KTP"): the loader fills gaps from them and quarantines the
    # file when they disagree. Columns with another layout ("TTL" beside "Tanggal Lahir") are
    # plain extra columns.
    duplicate_columns: dict[str, list[str]] = field(default_factory=dict)
    # canonical field -> formula cells without a calculated value in its column (read as empty)
    uncalculated_fields: dict[str, int] = field(default_factory=dict)
    rows_yielded: int = 0
    _rows: Callable[[], Iterator[list[Any]]] | None = field(default=None, repr=False, compare=False)
    _layout: Layout | None = field(default=None, repr=False, compare=False)

    def source_column(self, name: str | None) -> str | None:
        """``"<column letter>: <header as written>"`` of the column field ``name`` is read from
        (what the sender looks for in the file), or None when no column holds it."""
        if self._layout is None or name is None:
            return None
        for field_name, i in self._layout.outputs:
            if field_name == name:
                return f"{column_letter(i + self._layout.col_offset)}: {self.headers[i]}"
        return None

    def chunks(self) -> Iterator[pd.DataFrame]:
        """Yield DataFrames of at most ``chunk_rows`` data rows.

        Columns: ``_source_row`` (int64), one object column per mapped canonical field
        (cell text, None when empty), ``_extras`` (dict of unmapped header -> text, or None).
        Non-data rows go to ``skipped``. Calling it again starts over (``skipped`` is reset).
        """
        if self._rows is None or self._layout is None:
            raise RuntimeError("TableRead was not produced by read_table()")
        self.skipped = []
        self.rows_yielded = 0
        builder = ChunkBuilder(self._layout, self.source, self.skipped, self.sheet)
        rownum = self.header_rows[-1] if self.header_rows else self.header_row
        iterator = self._rows()
        while True:
            with gc_paused():
                rows = list(islice(iterator, self.chunk_rows))
                frame = builder.build(rows, rownum + 1) if rows else None
            if frame is None:
                return
            rownum += len(rows)
            if len(frame):
                self.rows_yielded += len(frame)
                yield frame


@dataclass
class SheetEntry:
    """One sheet of a workbook (or the one table of a CSV): read, or skipped with the reason."""

    index: int
    name: str | None
    status: str  # "read" | "skipped"
    reason_code: str | None = None  # HIDDEN_SHEET, NOT_A_WORKSHEET, EMPTY_SHEET, NO_TABLE, OTHER_PERIOD
    reason: str | None = None
    table: TableRead | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class FileRead:
    """Every sheet of one file; the data sheets carry a :class:`TableRead` each."""

    path: Path
    source: str
    file_type: str
    encoding: str | None
    extension_mismatch: bool
    sheets: list[SheetEntry]

    @property
    def tables(self) -> list[TableRead]:
        return [s.table for s in self.sheets if s.status == "read" and s.table is not None]

    def skip(self, entry: SheetEntry, code: str, reason: str) -> None:
        """Turn a data sheet into a skipped one (e.g. a sheet of another period)."""
        entry.status, entry.reason_code, entry.reason = "skipped", code, reason


def read_file(path: Path, source: str, chunk_rows: int = 50_000) -> FileRead:
    """Open ``path`` and find the header of every sheet that holds a table of ``source``.

    Every visible worksheet with a recognisable header is a data sheet (one per OPD, month or
    segment). The others are listed with the reason they are skipped: hidden sheets (what the
    sender does not see is not loaded: an old month kept out of sight, a lookup list), chart
    and dialog sheets, empty sheets and sheets with no header of this source (instructions).

    Raises :class:`FileLevelError` (EMPTY_FILE, UNREADABLE, ENCRYPTED, UNSUPPORTED_TYPE,
    NO_HEADER) with a message for the person who sent the file.
    """
    path = Path(path)
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    file_type = sniff_type(path)
    encoding: str | None = None
    if file_type == "csv":
        candidates, encoding = csv_grids(path)
        sheets = [_csv_sheet(path, source, candidates, chunk_rows)]
    else:
        sheets = [_sheet_entry(path, source, grid, chunk_rows) for grid in workbook_grids(path, file_type)]
    read = FileRead(
        path=path,
        source=source,
        file_type=file_type,
        encoding=encoding,
        extension_mismatch=path.suffix.lower() not in FILE_TYPE_EXTENSIONS[file_type],
        sheets=sheets,
    )
    tables = read.tables
    if not tables:
        previews = [s.reason for s in sheets if s.reason_code == "NO_TABLE" and s.reason]
        hidden_tables = [s for s in sheets if s.reason_code == "HIDDEN_SHEET" and s.table is not None]
        if hidden_tables:
            names = ", ".join(repr(s.name) for s in hidden_tables)
            raise file_error(
                "NO_HEADER",
                path,
                f"the only sheet(s) with a {source} table are hidden ({names}); unhide the sheet of this"
                " period in Excel (right-click a sheet tab > Unhide), or delete the old ones, and resend.",
            )
        if not previews:
            raise file_error("EMPTY_FILE", path, "the workbook has no data in any sheet; send the filled file.")
        raise _no_header(path, source, previews[0])
    names = [t.sheet for t in tables]
    for entry in sheets:
        if entry.table is not None:
            table = entry.table
            table.file_type, table.encoding = file_type, encoding
            table.extension_mismatch = read.extension_mismatch
            table.other_sheets_with_header = [n for n in names if n != table.sheet and n]
            if len(tables) > 1 and entry.status == "read":
                _sheet_opd(table, several=True)
    return read


def read_table(path: Path, source: str, chunk_rows: int = 50_000) -> TableRead:
    """The first data sheet of ``path`` (:func:`read_file` has them all)."""
    return read_file(path, source, chunk_rows).tables[0]


def _csv_sheet(path: Path, source: str, grids: list[Grid], chunk_rows: int) -> SheetEntry:
    """The CSV's table: the first delimiter under which a header is found."""
    preview = None
    for grid in grids:
        head = head_text(grid)
        hit = find_header(source, head)
        if hit is not None:
            table = _assemble(path, source, grid, head, hit, chunk_rows)
            return SheetEntry(0, None, "read", table=table)
        if preview is None and any(any(c is not None for c in row) for row in head):
            preview = _preview(grid, head)
    raise _no_header(path, source, preview or "no text")


def _sheet_entry(path: Path, source: str, grid: Grid, chunk_rows: int) -> SheetEntry:
    entry = SheetEntry(grid.index, grid.name, "skipped")
    if grid.not_worksheet:
        entry.reason_code = "NOT_A_WORKSHEET"
        entry.reason = f"a {grid.not_worksheet} holds no table"
        return entry
    head = head_text(grid)
    if not any(any(c is not None for c in row) for row in head):
        entry.reason_code, entry.reason = "EMPTY_SHEET", "the sheet is empty"
        return entry
    hit = find_header(source, head)
    if hit is None:
        preview = _preview(grid, head)
        entry.reason_code = "HIDDEN_SHEET" if grid.hidden else "NO_TABLE"
        entry.reason = (
            f"{'hidden sheet with ' if grid.hidden else ''}no header row of a {source} table in the first"
            f" {HEADER_SCAN_ROWS} rows ({preview})"
        )
        return entry
    table = _assemble(path, source, grid, head, hit, chunk_rows)
    entry.table = table
    if grid.hidden:
        entry.reason_code = "HIDDEN_SHEET"
        entry.reason = (
            f"hidden sheet with a {source} table (header in row {table.header_row}): what the sender does not"
            " see is not loaded; unhide it in Excel and resend if it belongs to this delivery"
        )
        return entry
    entry.status = "read"
    entry.warnings = _uncalculated_warnings(grid, table)
    return entry


def _uncalculated_warnings(grid: Grid, table: TableRead) -> list[str]:
    """One warning per column of the table holding formulas without a calculated value."""
    if not grid.uncalculated or table._layout is None:
        return []
    out = []
    for letter, count in sorted(grid.uncalculated.items()):
        index = _column_index(letter) - table._layout.col_offset
        header = table.headers[index] if 0 <= index < len(table.headers) else ""
        name = table.field_of_header[index] if 0 <= index < len(table.field_of_header) else None
        out.append(
            f"FORMULA_NOT_CALCULATED column {letter}"
            + (f" ({header})" if header else "")
            + (f" = {name}" if name else "")
            + f": {count} formula cell(s) without a calculated value were read as empty"
        )
    table.uncalculated_fields = {
        name: count
        for letter, count in grid.uncalculated.items()
        if 0 <= (i := _column_index(letter) - table._layout.col_offset) < len(table.field_of_header)
        and (name := table.field_of_header[i])
    }
    return out


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _preview(grid: Grid, head: list[list[str | None]]) -> str:
    first = next((row for row in head if any(c is not None for c in row)), [])
    text = ", ".join(c for c in first if c)[:120]
    return f"sheet {grid.name!r} starts with: {text}" if grid.name else f"first row: {text}"


def _no_header(path: Path, source: str, preview: str) -> FileLevelError:
    spec = source_spec(source)
    required = ", ".join(f.replace("_", " ").upper() for f, s in spec.fields.items() if s.required)
    return FileLevelError(
        "NO_HEADER",
        f"{path.name}: no header row found in the first {HEADER_SCAN_ROWS} rows ({preview}). "
        f"A {source} file needs one row of column names including {required}; put the column"
        " names directly above the data and resend.",
        path=path,
    )


def _assemble(
    path: Path,
    source: str,
    grid: Grid,
    head: list[list[str | None]],
    hit: HeaderHit,
    chunk_rows: int,
) -> TableRead:
    header_cells = trim(head[hit.index])
    header_rows = [hit.index + 1]
    title_end = hit.index
    if hit.index > 0 and (filled := fill_from_group_row(head[hit.index - 1], header_cells)) is not None:
        header_cells, title_end = filled, hit.index - 1
    if hit.index + 1 < len(head):
        merged = merge_subheader(source, header_cells, trim(head[hit.index + 1]))
        if merged is not None:
            header_cells = trim(merged)
            header_rows.append(hit.index + 2)
    headers = [c or "" for c in header_cells]
    layout = build_layout(source, headers, grid.col_offset)
    title_lines = [" ".join(c for c in row if c) for row in head[:title_end] if any(c for c in row)]
    spec = source_spec(source)
    fields_present = [f for f in layout.fields if f]
    duplicated = sorted({f for f in fields_present if fields_present.count(f) > 1})
    duplicate_columns = _same_layout_duplicates(layout)
    title_opd, opd_source = surrounding_opd(source, title_lines, path, grid.name)
    missing = [
        name
        for name, s in spec.fields.items()
        if s.required and name not in fields_present and not (s.title_or_filename and title_opd)
    ]
    return TableRead(
        path=path,
        source=source,
        file_type="",
        encoding=None,
        delimiter=grid.delimiter,
        sheet=grid.name,
        header_row=header_rows[0],
        headers=headers,
        field_of_header=list(layout.fields),
        duplicated_fields=duplicated,
        missing_required=missing,
        title_lines=title_lines,
        title_opd=title_opd,
        chunk_rows=chunk_rows,
        kind_of_header=list(layout.kinds),
        ignored_columns=sorted(layout.ignored),
        extra_columns=[key for key, _ in layout.extras],
        header_rows=header_rows,
        title_opd_source=opd_source,
        duplicate_columns=duplicate_columns,
        _rows=_data_rows(grid, layout, header_rows[-1]),
        _layout=layout,
    )


def _same_layout_duplicates(layout: Layout) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    extra_key = {i: key for key, i in layout.extras}
    for name, chosen in layout.outputs:
        for i, (f, kind) in enumerate(zip(layout.fields, layout.kinds, strict=True)):
            if f == name and i != chosen and kind == layout.kinds[chosen] and i in extra_key:
                out.setdefault(name, []).append(extra_key[i])
    return out


def _sheet_opd(table: TableRead, several: bool) -> None:
    """In a workbook of several data sheets the sheet's name is its OPD ("Dinkes", "Satpol PP")
    unless its title block names one: a file name cannot name the OPD of every sheet."""
    if not several or "opd" not in source_spec(table.source).fields or table.title_opd_source in ("title", "sheet"):
        return
    name = " ".join((table.sheet or "").split())
    if not name or GENERIC_SHEET.match(name):
        if table.title_opd_source == "filename":  # one file name for several sheets names none of them
            table.title_opd, table.title_opd_source = None, None
            _recheck_opd(table)
        return
    table.title_opd, table.title_opd_source = name, "sheet"
    _recheck_opd(table)


def _recheck_opd(table: TableRead) -> None:
    spec = source_spec(table.source)
    present = {f for f in table.field_of_header if f}
    table.missing_required = [
        name
        for name, s in spec.fields.items()
        if s.required and name not in present and not (s.title_or_filename and table.title_opd)
    ]


def _data_rows(grid: Grid, layout: Layout, last_header_row: int) -> Callable[[], Iterator[list[Any]]]:
    """Restartable iterator over the rows after the header, as text cells.

    CSV rows come straight from the csv module (empty = ""); workbook rows are converted
    with :func:`cell_text` / :func:`identifier_cell_text` (empty = None) at full sheet width.
    Every row is yielded, so the consumer can number them.
    """
    width = layout.width
    identifiers = layout.identifier_idx

    def csv_rows() -> Iterator[list[Any]]:
        iterator = grid.rows()
        for _ in range(last_header_row):
            if next(iterator, None) is None:
                return
        row = last_header_row
        for cells in iterator:
            row += 1
            joined = "".join(cells)  # one C-level scan per record for each check
            if "\n" in joined or "\r" in joined:
                _check_quotes(grid, cells, row, width)
            if "\x00" in joined:
                _refuse_nul(cells, row)
            yield cells

    def sheet_rows() -> Iterator[list[Any]]:
        iterator = grid.rows()
        for _ in range(last_header_row):
            if next(iterator, None) is None:
                return
        filler = MergeFiller(grid, last_header_row, width)
        convs: list[Callable[[Any], str | None]] = []
        row = last_header_row
        for raw in iterator:
            if len(convs) != len(raw):
                convs = [identifier_cell_text if i in identifiers else cell_text for i in range(len(raw))]
            cells = [(v.strip() or None) if v.__class__ is str else conv(v) for conv, v in zip(convs, raw, strict=True)]
            if filler:
                filler.apply(cells, row)
            row += 1
            yield cells

    return csv_rows if grid.is_text else sheet_rows


def _refuse_nul(cells: list[str], row: int) -> None:
    """A NUL character (0x00) in a text export: the file is damaged (a copy cut short and padded
    with zeros, binary bytes pasted in). PostgreSQL text cannot hold it, and rows around it cannot
    be trusted: refused, naming the row and column."""
    column = next(i for i, cell in enumerate(cells) if "\x00" in cell)
    raise FileVerdict(
        "NUL_CHARACTER",
        f"row {row}, column {column_letter(column)} holds a NUL character (0x00): the file is damaged (a copy "
        "cut short, or binary content); save it again from the source application as CSV UTF-8 and resend",
        row=row,
        column=column_letter(column),
        value=cells[column].replace("\x00", "\\0")[:60],
    )


def _check_quotes(grid: Grid, cells: list[str], row: int, width: int) -> None:
    """A quoted CSV cell may hold line breaks (an address); when its later lines look like
    whole records (the delimiter at least ``width - 2`` times) a quote was opened and never
    closed, and the records that follow were swallowed into one cell: refuse the file rather
    than lose them silently."""
    need = max(2, width - 2)
    for column, cell in enumerate(cells):
        lines = cell.splitlines()
        if len(lines) > 1 and any(line.count(grid.delimiter or ",") >= need for line in lines[1:]):
            raise FileLevelError(
                "BROKEN_QUOTES",
                f'a quote (") opened in row {row}, column {column_letter(column)} is not closed where the cell '
                f"ends, so {len(lines) - 1} following line(s) were read as part of that cell; remove the stray "
                "quote (or save the file again from Excel as CSV) and resend",
                row=row,
                column=column_letter(column),
                value=lines[0][:60],
            )
