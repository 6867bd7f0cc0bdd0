"""Rows of a sheet below its header: which are data and which are not (blank, JUMLAH/TOTAL,
footnotes, signature block, repeated headers, title lines), and the cell text a person sees.

Data rows are decided with numpy for a whole block; only the others go through the Python
:class:`RowClassifier`, in row order.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ucj.ingest.fields import is_ignored_header
from ucj.ingest.layout import Layout, column_letter, header_match

if TYPE_CHECKING:
    from ucj.ingest.grids import Grid
from ucj.ingest.values import MONTHS


@dataclass
class SkippedRow:
    """A row that is not data, kept for the audit."""

    row: int
    kind: str  # "blank" | "total" | "signature" | "footnote" | "title" | "repeated_header"
    text: str
    sheet: str | None = None


@contextmanager
def gc_paused() -> Iterator[None]:
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
_ROW_NUMBER = re.compile(r"\(?\d{1,6}[.)]?|[a-zA-Z][.)]|[IVXLC]+\.?")  # 12, 12., (3), a., IV
# an amount or a count: 9.660.000, Rp 1.500,-, (250.000), 230 Orang, 2.760 OB
_AMOUNT = re.compile(r"\(?-?\s*(?:Rp\.?|IDR)?\s*[\d.,]+\s*(?:,-)?\s*(?:[A-Za-z]{1,12})?\)?", re.IGNORECASE)
_COLUMN_NUMBER = re.compile(r"^\(?(\d{1,2})\)?$")
# A note under or beside a table: "Sumber: Dashboard UCJ", "Keterangan: ...", "*) tenaga harian".
_FOOTNOTE = re.compile(
    r"^\s*(?:(?:sumber(?:\s+data)?|keterangan|ket|catatan|cat|nb|n\.b|note|notes|source|diolah\s+dari|"
    r"data\s+diolah|disclaimer)\s*[:.)-]|\*+\s*\)|\*{1,3}\s+\S|\(\*+\)|[1-9]\)\s+\S)",
    re.IGNORECASE,
)
_IDENTIFIER_LIKE = re.compile(r"[\d\s.,'+eE-]*\d{5}[\d\s.,'+eE-]*")


def _is_place_date(cell: str, sparse: bool) -> bool:
    m = _PLACE_MONTH_DATE.match(cell)
    if m and (m[1] is None or m[1].lower() in MONTHS):
        return True
    return sparse and bool(_PLACE_NUMERIC_DATE.match(cell))


class _RowClassifier:
    """Classifies the rows that are not plainly data (see :class:`ChunkBuilder`).

    Stateful: once a signature block starts, later rows without key fields belong to it.
    """

    def __init__(self, layout: Layout, source: str) -> None:
        self.layout = layout
        self.source = source
        self.in_signature = False
        self.in_footnotes = False

    def kind(self, cells: list[Any], tail: list[str]) -> str | None:
        """Why this row is skipped ("blank", "total", ...), or None when it is data.

        ``cells`` are stripped text or None; ``tail`` the texts right of the header.
        """
        layout = self.layout
        # the row-number column ("No.") is not content, unless it holds words (a note typed under
        # the table from column A: "Sumber: SIMPEG")
        content = [
            (i, v)
            for i, v in enumerate(cells)
            if v is not None and (i not in layout.ignored or not _ROW_NUMBER.fullmatch(str(v)))
        ]
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
        """A JUMLAH/TOTAL/Sub Total row: the label among the first two cells (the usual place), or
        anywhere when every other cell of the row is a number (a table that starts with its amount
        columns puts the label after them); no key of a person or account beside the label."""
        filled = [(i, v) for i, v in enumerate(cells[: self.layout.width]) if v is not None]
        for position, (i, v) in enumerate(filled):
            if not (isinstance(v, str) and _TOTAL.match(v)):
                continue
            if any(k != i for k in keys):
                return False
            return position < 2 or all(_AMOUNT.fullmatch(str(x)) for j, x in filled if j != i)
        return False

    def _is_header_again(self, content: list[tuple[int, Any]]) -> bool:
        if len(content) >= 3:
            numbers = [_COLUMN_NUMBER.match(str(v)) for _, v in content]
            if all(numbers):
                values = [int(m[1]) for m in numbers if m]
                if all(b - a == 1 for a, b in pairwise(values)):
                    return True
        hits = sum(
            1 for _, v in content if isinstance(v, str) and (header_match(self.source, v) or is_ignored_header(v))
        )
        return hits >= 2 and hits * 2 >= len(content)

    @staticmethod
    def _is_signature(texts: list[str]) -> bool:
        sparse = len(texts) <= 2
        return any(_SIGNATURE_WORDS.search(t) or _is_place_date(t, sparse) for t in texts)


def _joined(cells: list[Any]) -> str:
    return " | ".join(str(v) for v in cells if v is not None)


class ChunkBuilder:
    """Turns a block of raw rows into a DataFrame of data rows, recording skipped rows.

    Rows whose key fields are all filled (and are not a repeated header or a column-number
    row) are data, decided with numpy for the whole block; only the others go through the
    Python :class:`_RowClassifier`, in row order.
    """

    def __init__(self, layout: Layout, source: str, skipped: list[SkippedRow], sheet: str | None = None) -> None:
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
            column = block[:, i]
            if i in layout.identifier_idx:
                numbers = np.fromiter((v.__class__ is IdentifierNumber for v in column), bool, len(column))
                if numbers.any():  # the text Excel shows, and the flag that it was a number
                    column = column.copy()
                    column[numbers] = [str(v) for v in column[numbers]]
                    data[f"{name}__number"] = numbers
            data[name] = pd.Series(column, dtype=object, copy=False)
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
            # as text: a column-number row typed as numbers (1 2 3 …) holds numbers in identifier columns
            keys = block[:, layout.key_idx[0]]
            first_key = pd.Series([v if v is None or v.__class__ is str else str(v) for v in keys])
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
            f"column {column_letter(j + self.layout.col_offset)}": text
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
            cells = zip(keys, sub[r], strict=True)
            out[r] = {k: v if v.__class__ is str else str(v) for k, v in cells if v is not None}
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


class IdentifierNumber:
    """A number in an identifier column (NIK, KPJ, NPP, claim number): Excel stores at most 15
    significant digits and no leading zeros, so its digits cannot be trusted as typed.

    Carried through the reader as this type (``str()`` gives the digits Excel holds), turned
    into text plus a ``<field>__number`` flag column by :class:`ChunkBuilder`, and judged by
    the loader (``NIK_AS_NUMBER``; ``IDENTIFIER_AS_NUMBER`` for the others).
    """

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def __str__(self) -> str:
        return str(int(self.value)) if self.value.is_integer() else repr(self.value)

    def __repr__(self) -> str:
        return f"IdentifierNumber({self.value!r})"


def identifier_cell_text(value: Any) -> str | IdentifierNumber | None:
    """Like :func:`cell_text`, but a numeric cell becomes an :class:`IdentifierNumber`."""
    kind = type(value)
    if kind is float or kind is int:
        return IdentifierNumber(float(value))
    return cell_text(value)


def csv_text(value: str) -> str | None:
    return value.strip() or None


# --------------------------------------------------------------------------- type sniffing


class MergeFiller:
    """Gives every row of a vertically merged block the text of its top cell, as a person
    reading the sheet sees it (e.g. an OPD name merged down its budget lines)."""

    def __init__(self, grid: Grid, last_header_row: int, width: int) -> None:
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
