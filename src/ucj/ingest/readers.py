"""Read landed files (xlsx/xlsm/xlsb, xls, csv) into chunks of cell text.

The reader finds the header row, maps header texts to canonical fields (``fields.yaml``),
and streams data rows as DataFrames of text exactly as a person would see it. It types
nothing: :mod:`ucj.ingest.values` parses, the validator judges.

Row layout handled (DOMAIN.md §8): a title block above the header (its OPD is picked up),
an optional second header row under merged group headers, a row-number column ("No."),
a column-number row ("1", "2", "(3)") under the header, blank rows, JUMLAH/TOTAL rows,
repeated header rows and a signature block at the bottom (place and date, Kepala, NIP).

Memory: CSV is read in blocks of ``chunk_rows`` records. For workbooks, calamine holds the
chosen sheet's cells in native memory (roughly 30-60 bytes per non-empty cell, e.g.
~100-150 MB for 200k rows x 15 columns) and converts rows to Python one at a time; only one
chunk of Python objects exists at once. xlrd (fallback for .xls calamine cannot read) holds
the whole workbook.

Row numbers (``_source_row``, ``SkippedRow.row``, ``header_row``) are 1-based as a
spreadsheet program shows them; for CSV they count records (a quoted field spanning lines
is one row), which is what Excel shows when it opens the CSV.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import mmap
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ucj.ingest.errors import FileVerdict
from ucj.ingest.fields import (
    SOURCES,
    is_ignored_header,
    match_header_kind,
    source_spec,
)
from ucj.ingest.values import MONTHS

_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))

HEADER_SCAN_ROWS = 30
CSV_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 256 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_OLE_WORKBOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))


FileLevelError = FileVerdict  # the reader's verdicts are file-level verdicts like any other


@dataclass
class SkippedRow:
    """A row that is not data, kept for the audit."""

    row: int
    kind: str  # "blank" | "total" | "signature" | "footnote" | "title" | "repeated_header"
    text: str
    sheet: str | None = None


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
    _layout: _Layout | None = field(default=None, repr=False, compare=False)

    def source_column(self, name: str | None) -> str | None:
        """``"<column letter>: <header as written>"`` of the column field ``name`` is read from
        (what the sender looks for in the file), or None when no column holds it."""
        if self._layout is None or name is None:
            return None
        for field_name, i in self._layout.outputs:
            if field_name == name:
                return f"{_column_letter(i + self._layout.col_offset)}: {self.headers[i]}"
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
        builder = _ChunkBuilder(self._layout, self.source, self.skipped, self.sheet)
        rownum = self.header_rows[-1] if self.header_rows else self.header_row
        iterator = self._rows()
        while True:
            with _gc_paused():
                rows = list(islice(iterator, self.chunk_rows))
                frame = builder.build(rows, rownum + 1) if rows else None
            if frame is None:
                return
            rownum += len(rows)
            if len(frame):
                self.rows_yielded += len(frame)
                yield frame


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a block of rows is built.

    A block allocates hundreds of thousands of small lists that hold only strings (no
    cycles); letting the collector scan them repeatedly costs ~25% of the read time. The
    previous state is restored before the chunk is handed to the caller.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- layout


@dataclass
class _Layout:
    """Column roles derived from the header row."""

    width: int
    headers: list[str]
    fields: list[str | None]
    kinds: list[str | None]
    ignored: frozenset[int]
    outputs: list[tuple[str, int]]  # (canonical field, column) yielded as columns
    extras: list[tuple[str, int]]  # (extra key, column) gathered into _extras
    key_idx: tuple[int, ...]
    required_idx: tuple[int, ...]
    identifier_idx: frozenset[int]
    header_variants: frozenset[str]
    col_offset: int = 0


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _header_match(source: str, text: str) -> tuple[str, str] | None:
    """The field a header means, with the synonyms of the config folder in use (UCJ_CONFIG_DIR)."""
    return _header_match_in(os.environ.get("UCJ_CONFIG_DIR", ""), source, text)


@lru_cache(maxsize=8192)
def _header_match_in(config: str, source: str, text: str) -> tuple[str, str] | None:
    return match_header_kind(source, text)


def _preferred_columns(spec: Any, matches: list[tuple[str, str] | None]) -> dict[str, int]:
    """The column each field is read from when several headers mean it: the first whose values
    have the field's own layout ("Tanggal Lahir" over "TTL", which also holds the place),
    else the first. The other columns stay in the row as extra columns."""
    chosen: dict[str, int] = {}
    for i, found in enumerate(matches):
        if found is None:
            continue
        name, kind = found
        if name not in chosen:
            chosen[name] = i
        elif kind == spec.fields[name].kind and matches[chosen[name]][1] != kind:  # type: ignore[index]
            chosen[name] = i
    return chosen


def _build_layout(source: str, headers: list[str], col_offset: int) -> _Layout:
    spec = source_spec(source)
    fields: list[str | None] = []
    kinds: list[str | None] = []
    ignored: set[int] = set()
    outputs: list[tuple[str, int]] = []
    extras: list[tuple[str, int]] = []
    seen_extra: set[str] = set()
    matches = [_header_match(source, text) if text else None for text in headers]
    chosen = _preferred_columns(spec, matches)
    for i, (text, found) in enumerate(zip(headers, matches, strict=True)):
        fields.append(found[0] if found else None)
        kinds.append(found[1] if found else None)
        if found and chosen[found[0]] == i:
            outputs.append((found[0], i))
            continue
        if not found and text and is_ignored_header(text) and not ignored:
            ignored.add(i)
            continue
        key = text or f"column {_column_letter(i + col_offset)}"
        while key in seen_extra:
            key = f"{key} ({_column_letter(i + col_offset)})"
        seen_extra.add(key)
        extras.append((key, i))
    position = {name: i for name, i in outputs}
    variants = {v for text in headers if text for v in (text, text.upper(), text.lower())}
    return _Layout(
        width=len(headers),
        headers=headers,
        fields=fields,
        kinds=kinds,
        ignored=frozenset(ignored),
        outputs=outputs,
        extras=extras,
        key_idx=tuple(position[f] for f in spec.key_fields if f in position),
        required_idx=tuple(position[f] for f, s in spec.fields.items() if s.required and f in position),
        identifier_idx=frozenset(i for i, kind in enumerate(kinds) if kind == "identifier"),
        header_variants=frozenset(variants),
        col_offset=col_offset,
    )


# --------------------------------------------------------------------------- row classes

_TOTAL = re.compile(r"^\s*(?:sub\s*-?\s*total|grand\s*total|total|jumlah)\b", re.IGNORECASE)
_SIGNATURE_WORDS = re.compile(
    r"\b(?:kepala|mengetahui|menyetujui|nip|kuasa pengguna anggaran|pengguna anggaran|"
    r"bendahara|pejabat pembuat komitmen|pejabat penatausahaan|sekretaris|ttd|dibuat oleh|"
    r"diperiksa oleh|disetujui oleh|pembina|penata muda|penata tk|plt|plh)\b"
    r"|(?:^|\s)a\.\s?n\.?(?:\s|$)",
    re.IGNORECASE,
)
_PLACE_MONTH_DATE = re.compile(
    r"^[A-Za-z][\w .'-]*,\s*[._\u2026\s]*(?:\d{1,2}\s+)?([A-Za-z]+)?\.?\s*[._\u2026\s]*\d{4}$"
)
_PLACE_NUMERIC_DATE = re.compile(r"^[A-Za-z][\w .'-]*,\s*\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{4}$")
_COLUMN_NUMBER = re.compile(r"^\(?(\d{1,2})\)?$")
# A note under or beside a table: "Sumber: Dashboard UCJ", "Keterangan: ...", "*) tenaga harian".
_FOOTNOTE = re.compile(
    r"^\s*(?:(?:sumber(?:\s+data)?|keterangan|ket|catatan|cat|nb|n\.b|note|notes|source|diolah\s+dari|"
    r"data\s+diolah|disclaimer)\s*[:.)-]|\*+\s*\)|\*{1,3}\s+\S|\(\*+\)|[1-9]\)\s+\S)",
    re.IGNORECASE,
)
_IDENTIFIER_LIKE = re.compile(r"(?:NUM:)?[\d\s.,'+eE-]*\d{5}[\d\s.,'+eE-]*")


def _is_place_date(cell: str, sparse: bool) -> bool:
    m = _PLACE_MONTH_DATE.match(cell)
    if m and (m[1] is None or m[1].lower() in MONTHS):
        return True
    return sparse and bool(_PLACE_NUMERIC_DATE.match(cell))


class _RowClassifier:
    """Classifies the rows that are not plainly data (see :class:`_ChunkBuilder`).

    Stateful: once a signature block starts, later rows without key fields belong to it.
    """

    def __init__(self, layout: _Layout, source: str) -> None:
        self.layout = layout
        self.source = source
        self.in_signature = False
        self.in_footnotes = False

    def kind(self, cells: list[Any], tail: list[str]) -> str | None:
        """Why this row is skipped ("blank", "total", ...), or None when it is data.

        ``cells`` are stripped text or None; ``tail`` the texts right of the header.
        """
        layout = self.layout
        content = [(i, v) for i, v in enumerate(cells) if v is not None and i not in layout.ignored]
        content += [(-1, v) for v in tail]
        if not content:
            return "blank"
        keys = [i for i in layout.key_idx if cells[i] is not None]
        identified = self._identified(cells, keys, len(content))
        if self.in_signature and not identified:
            return "signature"
        texts = [str(v) for _, v in content]
        if not identified:
            if any(_FOOTNOTE.match(t) for t in texts[:2]):
                self.in_footnotes = True
                return "footnote"
            if self.in_footnotes and self._is_note_continuation(texts):
                return "footnote"
        if self.source != "workforce" and self._is_total(cells, keys):
            return "total"
        if self._is_header_again(content):
            return "repeated_header"
        if not identified and self._is_signature(texts):
            self.in_signature = True
            return "signature"
        if not any(cells[i] is not None for i in layout.required_idx):
            return "title"
        return None

    def _is_note_continuation(self, texts: list[str]) -> bool:
        """One line of words under a footnote (a wrapped note), not a place-and-date or a title of
        the signature block: a row of several cells under a note is judged as any other row."""
        return len(texts) == 1 and " " in texts[0] and not self._is_signature(texts)

    def _identified(self, cells: list[Any], keys: list[int], filled: int) -> bool:
        """Does the row name a person/claim/account? A sparse row (<= 2 cells) counts only
        when an identifier key holds digits: "Kendari, 30 Juni 2025" or "Mengetahui" typed
        in the NIK column of a CSV is a signature, not a participant."""
        if not keys:
            return False
        if filled > 2:
            return True
        return any(i in self.layout.identifier_idx and _IDENTIFIER_LIKE.fullmatch(str(cells[i])) for i in keys)

    def _is_total(self, cells: list[Any], keys: list[int]) -> bool:
        firsts = [(i, v) for i, v in enumerate(cells[: self.layout.width]) if v is not None][:2]
        for i, v in firsts:
            if isinstance(v, str) and _TOTAL.match(v):
                others = [k for k in keys if k != i]
                return not others
        return False

    def _is_header_again(self, content: list[tuple[int, Any]]) -> bool:
        if len(content) >= 3:
            numbers = [_COLUMN_NUMBER.match(str(v)) for _, v in content]
            if all(numbers):
                values = [int(m[1]) for m in numbers if m]
                if all(b - a == 1 for a, b in pairwise(values)):
                    return True
        hits = sum(
            1 for _, v in content if isinstance(v, str) and (_header_match(self.source, v) or is_ignored_header(v))
        )
        return hits >= 2 and hits * 2 >= len(content)

    @staticmethod
    def _is_signature(texts: list[str]) -> bool:
        sparse = len(texts) <= 2
        return any(_SIGNATURE_WORDS.search(t) or _is_place_date(t, sparse) for t in texts)


def _joined(cells: list[Any]) -> str:
    return " | ".join(str(v) for v in cells if v is not None)


class _ChunkBuilder:
    """Turns a block of raw rows into a DataFrame of data rows, recording skipped rows.

    Rows whose key fields are all filled (and are not a repeated header or a column-number
    row) are data, decided with numpy for the whole block; only the others go through the
    Python :class:`_RowClassifier`, in row order.
    """

    def __init__(self, layout: _Layout, source: str, skipped: list[SkippedRow], sheet: str | None = None) -> None:
        self.layout = layout
        self.skipped = skipped
        self.sheet = sheet
        self.classifier = _RowClassifier(layout, source)
        numbers = {str(n) for n in range(100)} | {f"({n})" for n in range(100)}
        self.suspicious_key = list(layout.header_variants | numbers)

    def build(self, rows: list[list[Any]], first_row: int) -> pd.DataFrame:
        """DataFrame of the data rows among ``rows`` (sheet rows ``first_row``...)."""
        layout = self.layout
        overflow: dict[int, dict[str, str]] = {}
        if set(map(len, rows)) != {layout.width}:
            rows = [r if len(r) == layout.width else self._fit(r, first_row + i, overflow) for i, r in enumerate(rows)]
        block = np.array(rows, dtype=object).reshape(len(rows), layout.width)
        block[block == ""] = None
        keep = self._data_mask(block, first_row, overflow)
        rownums = np.arange(first_row, first_row + len(rows), dtype=np.int64)
        if not keep.all():
            rownums, block = rownums[keep], block[keep]
        data: dict[str, Any] = {"_source_row": rownums}
        for name, i in layout.outputs:
            data[name] = pd.Series(block[:, i], dtype=object, copy=False)
        data["_extras"] = pd.Series(self._extras(block), dtype=object, copy=False)
        frame = pd.DataFrame(data)
        if overflow:
            _merge_overflow(frame, overflow)
        return frame

    def _data_mask(self, block: np.ndarray, first_row: int, overflow: dict[int, dict[str, str]]) -> np.ndarray:
        layout = self.layout
        n = len(block)
        if len(layout.key_idx) >= 2:
            fast = (block[:, list(layout.key_idx)] != None).all(axis=1)  # noqa: E711
            first_key = pd.Series(block[:, layout.key_idx[0]])
            fast &= ~first_key.isin(self.suspicious_key).to_numpy()
            fast &= ~first_key.str.match(_FOOTNOTE).fillna(False).to_numpy(dtype=bool)  # "Keterangan:" + a note
        else:
            fast = np.zeros(n, dtype=bool)
        keep = np.ones(n, dtype=bool)
        for i in np.flatnonzero(~fast):
            row = first_row + int(i)
            cells = [v.strip() or None if isinstance(v, str) else v for v in block[i]]
            tail = list(overflow.get(row, {}).values())
            kind = self.classifier.kind(cells, tail)
            if kind is not None:
                keep[i] = False
                overflow.pop(row, None)
                self.skipped.append(SkippedRow(row, kind, _joined(cells + tail), self.sheet))
        return keep

    def _fit(self, cells: list[Any], rownum: int, overflow: dict[int, dict[str, str]]) -> list[Any]:
        """Pad a short row; cut a long one, keeping its non-empty tail in ``overflow``."""
        width = self.layout.width
        if len(cells) < width:
            return [*cells, *([None] * (width - len(cells)))]
        tail = {
            f"column {_column_letter(j + self.layout.col_offset)}": text
            for j in range(width, len(cells))
            if (text := cells[j]) is not None and (text := str(text).strip())
        }
        if tail:
            overflow[rownum] = tail
        return cells[:width]

    def _extras(self, block: np.ndarray) -> np.ndarray:
        out = np.full(len(block), None, dtype=object)
        pairs = self.layout.extras
        if not pairs or not len(block):
            return out
        sub = block[:, [i for _, i in pairs]]
        keys = [key for key, _ in pairs]
        for r in np.flatnonzero(pd.notna(sub).any(axis=1)):
            out[r] = {k: v for k, v in zip(keys, sub[r], strict=True) if v is not None}
        return out


def _merge_overflow(frame: pd.DataFrame, overflow: dict[int, dict[str, str]]) -> None:
    extras = frame["_extras"].to_numpy(dtype=object, copy=True)
    position = {row: i for i, row in enumerate(frame["_source_row"].tolist())}
    for row, tail in overflow.items():
        i = position.get(row)
        if i is not None:
            extras[i] = {**(extras[i] or {}), **tail}
    frame["_extras"] = pd.Series(extras, index=frame.index, dtype=object)


# --------------------------------------------------------------------------- cell text


def cell_text(value: Any) -> str | None:
    """Text of a workbook cell as a person sees it (None for empty).

    Strings are stripped; whole floats lose ".0"; other floats use ``repr``; dates are ISO;
    datetimes with a time keep it ("1990-03-12 10:30:00"); booleans are TRUE/FALSE.
    """
    kind = type(value)
    if kind is str:
        return value.strip() or None
    if kind is float:
        if value != value:  # noqa: PLR0124 - NaN
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is datetime:
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if kind is date or kind is time:
        return value.isoformat()
    if kind is timedelta:
        return str(value)
    if value is None:
        return None
    return str(value).strip() or None


def identifier_cell_text(value: Any) -> str | None:
    """Like :func:`cell_text`, but a numeric cell becomes "NUM:<repr(float)>".

    An identifier (NIK, KPJ, NPP, claim number) stored as a number has lost leading zeros or
    its last digits; the prefix lets the validator reject it instead of trusting the digits.
    """
    kind = type(value)
    if kind is float or kind is int:
        return "NUM:" + repr(float(value))
    return cell_text(value)


def _csv_text(value: str) -> str | None:
    return value.strip() or None


# --------------------------------------------------------------------------- type sniffing


def _file_error(code: str, path: Path, what: str) -> FileLevelError:
    return FileLevelError(code, f"{path.name}: {what}", path=path)


def _sniff_type(path: Path) -> str:
    """'xlsx', 'xlsb', 'xls' or 'csv' by content; raises FileLevelError otherwise."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE_BYTES)
    except OSError as exc:
        raise _file_error("UNREADABLE", path, f"the file cannot be opened ({exc.strerror}).") from exc
    if size == 0 or not head.strip():
        raise _file_error("EMPTY_FILE", path, "the file is empty; send it again with the data.")
    if head.startswith(_ZIP_MAGIC):
        return _zip_type(path)
    if head.startswith(_OLE_MAGIC):
        return _ole_type(path)
    if head.startswith(b"%PDF"):
        raise _file_error("UNSUPPORTED_TYPE", path, "this is a PDF; send the Excel (.xlsx) or CSV file instead.")
    lowered = head[:2048].lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        raise _file_error(
            "UNSUPPORTED_TYPE",
            path,
            "this is a web page (HTML/XML) saved with an Excel name; open it in Excel and"
            " save it as 'Excel Workbook (.xlsx)' before sending.",
        )
    return "csv"


def _zip_type(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise _file_error(
            "UNREADABLE",
            path,
            "the workbook is damaged or incomplete (probably cut off while copying or"
            " uploading); open it in Excel to check, save it again and resend.",
        ) from exc
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "content.xml" in names:
        raise _file_error(
            "UNSUPPORTED_TYPE",
            path,
            "this is an OpenDocument spreadsheet (.ods); save it as Excel Workbook (.xlsx).",
        )
    raise _file_error("UNSUPPORTED_TYPE", path, "this zip file is not an Excel workbook; send an .xlsx or .csv.")


def _ole_type(path: Path) -> str:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        if mm.find(_ENCRYPTION_INFO) >= 0 or mm.find(_ENCRYPTED_PACKAGE) >= 0:
            raise _encrypted(path)
        if any(mm.find(name) >= 0 for name in _OLE_WORKBOOK_STREAMS):
            return "xls"
    raise _file_error(
        "UNSUPPORTED_TYPE",
        path,
        "this is an old Office file but not an Excel workbook; send an .xlsx or .csv.",
    )


def _encrypted(path: Path) -> FileLevelError:
    return _file_error(
        "ENCRYPTED",
        path,
        "the workbook is password-protected: remove the password (File > Info > Protect Workbook) and send it again.",
    )


# --------------------------------------------------------------------------- header search


@dataclass
class _HeaderHit:
    index: int  # 0-based row index within the scanned rows
    score: int


def _score_header(source: str, cells: list[str | None]) -> int:
    """Distinct fields a row's cells map to; 0 unless >= 2 and one is required."""
    spec = source_spec(source)
    found = {hit[0] for v in cells if v and (hit := _header_match(source, v))}
    if len(found) < 2 or not any(spec.fields[f].required for f in found):
        return 0
    return len(found)


def _find_header(source: str, rows: list[list[str | None]]) -> _HeaderHit | None:
    best: _HeaderHit | None = None
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _score_header(source, cells)
        if score and (best is None or score > best.score):
            best = _HeaderHit(index, score)
    return best


def _trim(cells: list[str | None]) -> list[str | None]:
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    return cells[:end]


def _fill_from_group_row(above: list[str | None], header: list[str | None]) -> list[str | None] | None:
    """A header whose gaps are filled from a group row above it, or None.

    Two-row headers put some column names in the upper row, merged down over both rows
    ("No.", "Honor") and group names over the others ("Identitas" over NIK and Nama): the
    header row found has gaps where the upper row has the name. The upper row counts when it
    has at least two texts (a title line has one) and fills at least one gap.
    """
    above = _trim(above)
    if sum(1 for c in above if c) < 2:
        return None
    width = max(len(above), len(header))
    header = header + [None] * (width - len(header))
    gaps = [i for i in range(len(above)) if above[i] and not header[i]]
    if not gaps:
        return None
    return [above[i] if i in gaps else header[i] for i in range(width)]


def _merge_subheader(source: str, header: list[str | None], below: list[str | None]) -> list[str | None] | None:
    """Combine a two-row header (merged group cells above sub-columns), or None.

    The row below counts as a sub-header when it has no digits-only data and maps at least
    one field under a column whose top cell is empty or unmapped.
    """
    if not below or any(v and v.replace(" ", "").isdigit() and len(v) > 2 for v in below):
        return None
    width = max(len(header), len(below))
    header = header + [None] * (width - len(header))
    below = below + [None] * (width - len(below))
    gains = [
        i
        for i in range(width)
        if below[i] and _header_match(source, below[i]) and not (header[i] and _header_match(source, header[i]))
    ]
    if not gains:
        return None
    merged: list[str | None] = []
    group: str | None = None
    for top, sub in zip(header, below, strict=True):
        group = top if top else group
        if not sub:
            merged.append(top)
        elif _header_match(source, sub):
            merged.append(sub)
        else:
            merged.append(f"{group} {sub}" if group else sub)
    return merged


# --------------------------------------------------------------------------- title OPD

_OPD_LABEL = re.compile(
    r"^\s*(?:nama\s+)?(?:opd|skpd|unit\s+kerja|instansi|perangkat\s+daerah|satuan\s+kerja|"
    r"satker|unit\s+organisasi)\s*[:=]\s*(.+?)\s*$",
    re.IGNORECASE,
)
_OPD_NAME = re.compile(
    r"\b((?:dinas|badan|satuan|satpol|kantor|sekretariat|inspektorat|rsud|rumah\s+sakit|"
    r"kecamatan|kelurahan|bagian|uptd|puskesmas)\b.*?)"
    r"(?=\s+(?:kota|kabupaten|kab|provinsi|prov|pemerintah|tahun|ta|t\.a|bulan|periode|"
    r"semester|triwulan|per)\b|\s+\d|\s*[,(:;]|\s*$)",
    re.IGNORECASE,
)
_FILENAME_NOISE = frozenset(
    """revisi rev final fix fixed baru new copy salinan data daftar nama pegawai non asn nonasn
    honorer roster tahun bulan thn bln pppk paruh waktu tenaga kerja tk update terbaru bpjs
    bpjstk ketenagakerjaan jamsostek peserta list of dan untuk per""".split()
)
_FILENAME_STOP = frozenset({"kota", "kab", "kabupaten", "prov", "provinsi"})


def _opd_from_title(lines: list[str]) -> str | None:
    for line in lines:
        if m := _OPD_LABEL.match(line):
            return m[1].strip(" :.-") or None
    for line in lines:
        for m in _OPD_NAME.finditer(line):
            name = re.sub(r"\s+", " ", m[1]).strip(" .-")
            if len(name) > 3 and name.lower() not in _GENERIC_OPD_WORDS:
                return name
    return None


# Words of a document's kind that read like an OPD name but name none ("RENCANA KERJA DAN
# ANGGARAN SATUAN KERJA PERANGKAT DAERAH" is an RKA, not an office).
_GENERIC_OPD_WORDS = frozenset(
    {"satuan kerja perangkat daerah", "satuan kerja", "organisasi perangkat daerah", "perangkat daerah",
     "kantor", "dinas", "badan", "bagian", "sekretariat", "kecamatan", "kelurahan"}
)  # fmt: skip


def _opd_from_filename(path: Path) -> str | None:
    stem = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", path.stem)
    kept: list[str] = []
    for token in re.split(r"[\s_\-.,+]+", stem):
        low = token.lower()
        if low in _FILENAME_STOP:
            break
        if not token or low in _FILENAME_NOISE or low in MONTHS or token.isdigit():
            continue
        kept.append(token)
    name = " ".join(kept).strip()
    return name or None


# --------------------------------------------------------------------------- sources of rows


@dataclass
class _Grid:
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


def _head_text(grid: _Grid) -> list[list[str | None]]:
    convert = _csv_text if grid.is_text else cell_text
    head: list[list[str | None]] = []
    for raw in grid.rows():
        head.append([convert(v) for v in raw])
        if len(head) >= HEADER_SCAN_ROWS + 1:
            break
    return head


def _workbook_grids(path: Path, file_type: str) -> Iterator[_Grid]:
    """Every sheet of a workbook in workbook order, via calamine (xlrd for .xls it cannot read)."""
    import python_calamine as pc

    try:
        if path.suffix.lower() in _EXTENSIONS[file_type]:
            workbook = pc.CalamineWorkbook.from_path(str(path))
        else:  # calamine picks the format by the name's extension: give it the content instead
            with path.open("rb") as handle:
                workbook = pc.CalamineWorkbook.from_filelike(handle)
    except pc.PasswordError as exc:
        raise _encrypted(path) from exc
    except Exception as exc:  # calamine raises several error types for damaged files
        if file_type == "xls":
            yield from _xlrd_grids(path)
            return
        raise _file_error(
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
            yield _Grid(name, _no_rows, 0, False, index=index, hidden=hidden, not_worksheet=kind)
            continue
        try:
            sheet = workbook.get_sheet_by_index(index)
        except Exception as exc:  # a broken sheet: say which one
            raise _file_error(
                "UNREADABLE", path, f"sheet {name!r} cannot be read ({exc}); save the file again."
            ) from exc
        merges = list(getattr(sheet, "merged_cell_ranges", None) or [])
        offset = sheet.start[1] if sheet.start else 0
        yield _Grid(
            name, sheet.iter_rows, offset, False, None, merges, index, hidden, None, uncalculated.get(name, {})
        )


def _no_rows() -> Iterator[list[Any]]:
    return iter(())


_SHEET_PART = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"', re.IGNORECASE)
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"', re.IGNORECASE)
_REL_REVERSED = re.compile(r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"', re.IGNORECASE)
_FORMULA_CELL = re.compile(rb'<c\b([^>]*)>(?:(?!</c>).)*?<f\b(?:(?!</c>).)*?</c>', re.DOTALL)
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


def _xlrd_grids(path: Path) -> Iterator[_Grid]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except xlrd.biffh.XLRDError as exc:
        if "encrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise _encrypted(path) from exc
        raise _file_error("UNREADABLE", path, f"the .xls workbook cannot be read ({exc}); save it as .xlsx.") from exc
    except Exception as exc:
        raise _file_error("UNREADABLE", path, f"the .xls workbook cannot be read ({exc}); save it as .xlsx.") from exc
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        hidden = bool(getattr(sheet, "visibility", 0))
        yield _Grid(sheet.name, _xlrd_rows(book, sheet), 0, False, index=index, hidden=hidden)


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


def _detect_encoding(path: Path, head: bytes) -> str:
    """BOM, else valid UTF-8, else charset-normalizer among Western code pages (cp1252).

    A UTF-8 BOM in front of text that is not UTF-8 (a tool that prepends the BOM to a cp1252
    export: "ANDR\xc9") is read as cp1252 after the BOM, not as UTF-8 with replacement
    characters; the file's encoding is then recorded as ``cp1252`` (BOM skipped).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if _is_utf8(path) else "cp1252"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        zeros_odd = head[1::2].count(0)
        if zeros_odd > len(head) // 4:
            return "utf-16-le"
        raise _file_error("UNREADABLE", path, "the file is not a spreadsheet or text file (binary content).")
    if _is_utf8(path):
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(head, cp_isolation=["cp1252", "latin_1", "cp850", "iso8859_15"]).best()
    encoding = best.encoding if best is not None else "cp1252"
    return "cp1252" if encoding in ("latin_1", "iso8859_15", "ascii") else encoding


def _open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    """The file as text; a UTF-8 BOM in front of a single-byte code page is skipped."""
    handle = path.open("rb")
    if encoding not in ("utf-8-sig", "utf-16", "utf-16-le") and handle.read(3) != codecs.BOM_UTF8:
        handle.seek(0)
    return io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _check_text(path: Path, sample: str) -> None:
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f\v")
    if controls > max(8, len(sample) // 100):
        raise _file_error("UNREADABLE", path, "the file is not a spreadsheet or text file (binary content).")


def _delimiter_candidates(sample: str) -> list[str]:
    lines = [line for line in sample.splitlines()[:60] if line.strip()]
    scores: dict[str, tuple[int, int]] = {}
    for d in CSV_DELIMITERS:
        counts = [line.count(d) for line in lines]
        nonzero = [c for c in counts if c]
        mode = max(set(nonzero), key=nonzero.count) if nonzero else 0
        scores[d] = (sum(1 for c in counts if c == mode and c), mode)
    ordered = sorted(CSV_DELIMITERS, key=lambda d: scores[d], reverse=True)
    try:
        sniffed = csv.Sniffer().sniff(sample[:65536], delimiters="".join(CSV_DELIMITERS)).delimiter
        ordered.remove(sniffed)
        ordered.insert(0, sniffed)
    except (csv.Error, ValueError):
        pass
    return ordered


def _csv_grid(path: Path, encoding: str, delimiter: str) -> _Grid:
    def rows() -> Iterator[list[str]]:
        with _open_text(path, encoding) as handle:
            yield from csv.reader(handle, delimiter=delimiter)

    return _Grid(None, rows, 0, True, delimiter)


def _read_sample(path: Path, encoding: str) -> str:
    with _open_text(path, encoding) as handle:
        sample = handle.read(_SAMPLE_BYTES)
    cut = max(sample.rfind("\n"), sample.rfind("\r"))
    return sample[: cut + 1] if cut > 0 and len(sample) >= _SAMPLE_BYTES else sample


# --------------------------------------------------------------------------- read_table

_EXTENSIONS = {
    "xlsx": {".xlsx", ".xlsm", ".xltx", ".xltm"},
    "xlsb": {".xlsb"},
    "xls": {".xls", ".xlt"},
    "csv": {".csv", ".txt", ".tsv", ".tab"},
}


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
    file_type = _sniff_type(path)
    encoding: str | None = None
    if file_type == "csv":
        csv_grids, encoding = _csv_grids(path)
        sheets = [_csv_sheet(path, source, csv_grids, chunk_rows)]
    else:
        sheets = [_sheet_entry(path, source, grid, chunk_rows) for grid in _workbook_grids(path, file_type)]
    read = FileRead(
        path=path,
        source=source,
        file_type=file_type,
        encoding=encoding,
        extension_mismatch=path.suffix.lower() not in _EXTENSIONS[file_type],
        sheets=sheets,
    )
    tables = read.tables
    if not tables:
        previews = [s.reason for s in sheets if s.reason_code == "NO_TABLE" and s.reason]
        hidden_tables = [s for s in sheets if s.reason_code == "HIDDEN_SHEET" and s.table is not None]
        if hidden_tables:
            names = ", ".join(repr(s.name) for s in hidden_tables)
            raise _file_error(
                "NO_HEADER",
                path,
                f"the only sheet(s) with a {source} table are hidden ({names}); unhide the sheet of this"
                " period in Excel (right-click a sheet tab > Unhide), or delete the old ones, and resend.",
            )
        if not previews:
            raise _file_error("EMPTY_FILE", path, "the workbook has no data in any sheet; send the filled file.")
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


def _csv_sheet(path: Path, source: str, grids: list[_Grid], chunk_rows: int) -> SheetEntry:
    """The CSV's table: the first delimiter under which a header is found."""
    preview = None
    for grid in grids:
        head = _head_text(grid)
        hit = _find_header(source, head)
        if hit is not None:
            table = _assemble(path, source, grid, head, hit, chunk_rows)
            return SheetEntry(0, None, "read", table=table)
        if preview is None and any(any(c is not None for c in row) for row in head):
            preview = _preview(grid, head)
    raise _no_header(path, source, preview or "no text")


def _sheet_entry(path: Path, source: str, grid: _Grid, chunk_rows: int) -> SheetEntry:
    entry = SheetEntry(grid.index, grid.name, "skipped")
    if grid.not_worksheet:
        entry.reason_code = "NOT_A_WORKSHEET"
        entry.reason = f"a {grid.not_worksheet} holds no table"
        return entry
    head = _head_text(grid)
    if not any(any(c is not None for c in row) for row in head):
        entry.reason_code, entry.reason = "EMPTY_SHEET", "the sheet is empty"
        return entry
    hit = _find_header(source, head)
    if hit is None:
        entry.reason_code = "NO_TABLE"
        preview = _preview(grid, head)
        entry.reason = f"no header row of a {source} table in the first {HEADER_SCAN_ROWS} rows ({preview})"
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


def _uncalculated_warnings(grid: _Grid, table: TableRead) -> list[str]:
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


def _csv_grids(path: Path) -> tuple[list[_Grid], str]:
    with path.open("rb") as handle:
        head = handle.read(_SAMPLE_BYTES)
    encoding = _detect_encoding(path, head)
    sample = _read_sample(path, encoding)
    _check_text(path, sample)
    if not sample.strip():
        raise _file_error("EMPTY_FILE", path, "the file is empty; send it again with the data.")
    return [_csv_grid(path, encoding, d) for d in _delimiter_candidates(sample)], encoding


def _preview(grid: _Grid, head: list[list[str | None]]) -> str:
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
    grid: _Grid,
    head: list[list[str | None]],
    hit: _HeaderHit,
    chunk_rows: int,
) -> TableRead:
    header_cells = _trim(head[hit.index])
    header_rows = [hit.index + 1]
    title_end = hit.index
    if hit.index > 0 and (filled := _fill_from_group_row(head[hit.index - 1], header_cells)) is not None:
        header_cells, title_end = filled, hit.index - 1
    if hit.index + 1 < len(head):
        merged = _merge_subheader(source, header_cells, _trim(head[hit.index + 1]))
        if merged is not None:
            header_cells = _trim(merged)
            header_rows.append(hit.index + 2)
    headers = [c or "" for c in header_cells]
    layout = _build_layout(source, headers, grid.col_offset)
    title_lines = [" ".join(c for c in row if c) for row in head[:title_end] if any(c for c in row)]
    spec = source_spec(source)
    fields_present = [f for f in layout.fields if f]
    duplicated = sorted({f for f in fields_present if fields_present.count(f) > 1})
    duplicate_columns = _same_layout_duplicates(layout)
    title_opd, opd_source = _title_opd(source, title_lines, path, grid.name)
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


def _same_layout_duplicates(layout: _Layout) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    extra_key = {i: key for key, i in layout.extras}
    for name, chosen in layout.outputs:
        for i, (f, kind) in enumerate(zip(layout.fields, layout.kinds, strict=True)):
            if f == name and i != chosen and kind == layout.kinds[chosen] and i in extra_key:
                out.setdefault(name, []).append(extra_key[i])
    return out


def _title_opd(
    source: str, title_lines: list[str], path: Path, sheet: str | None = None
) -> tuple[str | None, str | None]:
    """The OPD a table's surroundings name: its title block, else a sheet named like an OPD
    ("Dinas Kesehatan"), else (rosters) the file name."""
    if "opd" not in source_spec(source).fields:
        return None, None
    if opd := _opd_from_title(title_lines):
        return opd, "title"
    if sheet and (m := _OPD_NAME.search(sheet)):
        return re.sub(r"\s+", " ", m[1]).strip(" .-"), "sheet"
    if source == "rosters" and (opd := _opd_from_filename(path)):
        return opd, "filename"
    return None, None


_GENERIC_SHEET = re.compile(
    rf"^(?:sheet|lembar|sheet\s*\d+|data|daftar|rekap|rekapitulasi|tabel|table|lampiran|format|blanko|"
    rf"{_MONTH_WORDS}|\d+|[\d\s./-]+)(?:[\s._-]*(?:\d+|{_MONTH_WORDS}))*$",
    re.IGNORECASE,
)


def _sheet_opd(table: TableRead, several: bool) -> None:
    """In a workbook of several data sheets the sheet's name is its OPD ("Dinkes", "Satpol PP")
    unless its title block names one: a file name cannot name the OPD of every sheet."""
    if not several or "opd" not in source_spec(table.source).fields or table.title_opd_source in ("title", "sheet"):
        return
    name = " ".join((table.sheet or "").split())
    if not name or _GENERIC_SHEET.match(name):
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


def _data_rows(grid: _Grid, layout: _Layout, last_header_row: int) -> Callable[[], Iterator[list[Any]]]:
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
            if "\n" in "".join(cells) or "\r" in "".join(cells):  # one C-level scan per record
                _check_quotes(grid, cells, row, width)
            yield cells

    def sheet_rows() -> Iterator[list[Any]]:
        iterator = grid.rows()
        for _ in range(last_header_row):
            if next(iterator, None) is None:
                return
        filler = _MergeFiller(grid, last_header_row, width)
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


def _check_quotes(grid: _Grid, cells: list[str], row: int, width: int) -> None:
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
                f'a quote (") opened in row {row}, column {_column_letter(column)} is not closed where the cell '
                f"ends, so {len(lines) - 1} following line(s) were read as part of that cell; remove the stray "
                "quote (or save the file again from Excel as CSV) and resend",
                row=row,
                column=_column_letter(column),
                value=lines[0][:60],
            )


class _MergeFiller:
    """Gives every row of a vertically merged block the text of its top cell, as a person
    reading the sheet sees it (e.g. an OPD name merged down its budget lines)."""

    def __init__(self, grid: _Grid, last_header_row: int, width: int) -> None:
        self.blocks: dict[int, list[tuple[int, int]]] = {}
        for (r0, c0), (r1, c1) in grid.merges:
            if r1 > r0 and r0 >= last_header_row:
                for col in range(c0 - grid.col_offset, c1 - grid.col_offset + 1):
                    if 0 <= col < width:
                        self.blocks.setdefault(col, []).append((r0, r1))
        self.tops: dict[tuple[int, int], Any] = {}

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def apply(self, cells: list[Any], row: int) -> None:
        """Fill ``cells`` (0-based sheet ``row``) from the blocks that cover it."""
        for col, blocks in self.blocks.items():
            for r0, r1 in blocks:
                if r0 <= row <= r1:
                    if row == r0:
                        self.tops[(col, r0)] = cells[col]
                    elif cells[col] is None:
                        cells[col] = self.tops.get((col, r0))
                    break
