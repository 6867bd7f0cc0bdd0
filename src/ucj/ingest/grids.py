"""The sheets of a workbook (calamine; xlrd for old .xls it cannot read) and a CSV under each
candidate delimiter, as restartable streams of raw rows, with what a person cannot see in them:
hidden sheets, chart sheets, formulas without a calculated value."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ucj.ingest.errors import FileVerdict
from ucj.ingest.layout import HEADER_SCAN_ROWS
from ucj.ingest.rows import cell_text, csv_text
from ucj.ingest.sniff import (
    FILE_TYPE_EXTENSIONS,
    SAMPLE_BYTES,
    check_text,
    delimiter_candidates,
    detect_encoding,
    encrypted,
    file_error,
    open_text,
    read_sample,
)


@dataclass
class Grid:
    """One sheet (or a CSV) as a restartable stream of raw rows."""

    name: str | None
    rows: Callable[[], Iterator[list[Any]]]  # raw rows from the first row of the sheet
    col_offset: int
    is_text: bool  # CSV cells are already text
    delimiter: str | None = None
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    index: int = 0  # position in the workbook
    hidden: bool = False  # hidden or "very hidden" in Excel: the sender does not see it
    not_worksheet: str | None = None  # "chart", "dialog", "macro" sheets hold no table
    uncalculated: dict[str, int] = field(default_factory=dict)  # column letter -> formulas without a value


def head_text(grid: Grid) -> list[list[str | None]]:
    convert = csv_text if grid.is_text else cell_text
    head: list[list[str | None]] = []
    for raw in grid.rows():
        head.append([convert(v) for v in raw])
        if len(head) >= HEADER_SCAN_ROWS + 1:
            break
    return head


def workbook_grids(path: Path, file_type: str) -> Iterator[Grid]:
    """Every sheet of a workbook in workbook order, via calamine (xlrd for .xls it cannot read)."""
    import python_calamine as pc

    try:
        if path.suffix.lower() in FILE_TYPE_EXTENSIONS[file_type]:
            workbook = pc.CalamineWorkbook.from_path(str(path))
        else:  # calamine picks the format by the name's extension: give it the content instead
            with path.open("rb") as handle:
                workbook = pc.CalamineWorkbook.from_filelike(handle)
    except pc.PasswordError as exc:
        raise encrypted(path) from exc
    except Exception as exc:  # calamine raises several error types for damaged files
        if file_type == "xls":
            yield from _xlrd_grids(path)
            return
        raise file_error(
            "UNREADABLE",
            path,
            f"the workbook cannot be read ({exc}); open it in Excel, save it again as .xlsx and resend.",
        ) from exc
    metas = workbook.sheets_metadata
    uncalculated = _uncalculated_formulas(path) if file_type == "xlsx" else {}
    for index, meta in enumerate(metas):  # in workbook order: hidden sheets are listed, not read
        name = meta.name
        hidden = str(meta.visible) != str(pc.SheetVisibleEnum.Visible)
        kind = str(meta.typ).rsplit(".", 1)[-1]
        if kind != "WorkSheet":
            yield Grid(name, _no_rows, 0, False, index=index, hidden=hidden, not_worksheet=kind)
            continue
        try:
            sheet = workbook.get_sheet_by_index(index)
        except Exception as exc:  # a broken sheet: say which one
            raise file_error(
                "UNREADABLE", path, f"sheet {name!r} cannot be read ({exc}); save the file again."
            ) from exc
        merges = list(getattr(sheet, "merged_cell_ranges", None) or [])
        offset = sheet.start[1] if sheet.start else 0
        yield Grid(name, sheet.iter_rows, offset, False, None, merges, index, hidden, None, uncalculated.get(name, {}))


def _no_rows() -> Iterator[list[Any]]:
    return iter(())


_SHEET_PART = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"', re.IGNORECASE)
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"', re.IGNORECASE)
_REL_REVERSED = re.compile(r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"', re.IGNORECASE)
_FORMULA_CELL = re.compile(rb"<c\b([^>]*)>(?:(?!</c>).)*?<f\b(?:(?!</c>).)*?</c>", re.DOTALL)
_CELL_REF = re.compile(rb'\br="([A-Z]+)\d+"')
_CACHED_VALUE = re.compile(rb"<v>[^<]")  # "<v/>", "<v />" and "<v></v>" hold no value


def _uncalculated_formulas(path: Path) -> dict[str, dict[str, int]]:
    """Per sheet name, the columns with formula cells that carry no calculated value.

    A workbook written by a program (not Excel) may hold formulas (``=PROPER(B2)``) without the
    value Excel would have stored; every reader then sees an empty cell. Found by scanning the
    sheet XML for ``<c>`` elements with an ``<f>`` and no ``<v>``, so the loader can say so per
    column instead of loading NULLs silently.
    """
    import html

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            rels_xml = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            targets = dict(_REL.findall(rels_xml)) | {i: t for t, i in _REL_REVERSED.findall(rels_xml)}
            out: dict[str, dict[str, int]] = {}
            for name, rid in _SHEET_PART.findall(workbook):
                target = targets.get(rid, "")
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if part not in names:
                    continue
                xml = archive.read(part)
                if b"<f" not in xml:
                    continue
                columns: dict[str, int] = {}
                for m in _FORMULA_CELL.finditer(xml):
                    if _CACHED_VALUE.search(m[0]) or b"<is>" in m[0]:
                        continue
                    ref = _CELL_REF.search(m[1])
                    column = ref[1].decode() if ref else "?"
                    columns[column] = columns.get(column, 0) + 1
                if columns:
                    out[html.unescape(name)] = columns
            return out
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}


def _xlrd_grids(path: Path) -> Iterator[Grid]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except xlrd.biffh.XLRDError as exc:
        if "encrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise encrypted(path) from exc
        raise file_error("UNREADABLE", path, f"the .xls workbook cannot be read ({exc}); save it as .xlsx.") from exc
    except Exception as exc:
        raise file_error("UNREADABLE", path, f"the .xls workbook cannot be read ({exc}); save it as .xlsx.") from exc
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        hidden = bool(getattr(sheet, "visibility", 0))
        yield Grid(sheet.name, _xlrd_rows(book, sheet), 0, False, index=index, hidden=hidden)


def _xlrd_rows(book: Any, sheet: Any) -> Callable[[], Iterator[list[Any]]]:
    import xlrd

    def rows() -> Iterator[list[Any]]:
        for r in range(sheet.nrows):
            out: list[Any] = []
            for cell in sheet.row(r):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        out.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                    except (ValueError, OverflowError):
                        out.append(cell.value)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    out.append(bool(cell.value))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    out.append("")
                else:
                    out.append(cell.value)
            yield out

    return rows


# --------------------------------------------------------------------------- CSV


def csv_grid(path: Path, encoding: str, delimiter: str) -> Grid:
    def rows() -> Iterator[list[str]]:
        with open_text(path, encoding) as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                yield from reader
            except csv.Error as err:  # the csv module's field limit (131,072 characters)
                raise _field_too_long(reader.line_num, err) from None

    return Grid(None, rows, 0, True, delimiter)


def _field_too_long(line: int, err: csv.Error) -> FileVerdict:
    """A cell longer than the csv module takes: in a roster or an export, an unclosed quote that
    swallowed the rest of the file into one cell, or not a table at all. Refused, with its line."""
    return FileVerdict(
        "FIELD_TOO_LONG",
        f"a cell ending on line {line} is longer than {csv.field_size_limit():,} characters ({err}): usually a "
        'quote (") that is never closed, so the rest of the file was read as one cell; remove the stray quote (or '
        "save the file again from Excel as CSV) and resend",
        row=line,
    )


def csv_grids(path: Path) -> tuple[list[Grid], str]:
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    encoding = detect_encoding(path, head)
    sample = read_sample(path, encoding)
    check_text(path, sample)
    if not sample.strip():
        raise file_error("EMPTY_FILE", path, "the file is empty; send it again with the data.")
    return [csv_grid(path, encoding, d) for d in delimiter_candidates(sample)], encoding
