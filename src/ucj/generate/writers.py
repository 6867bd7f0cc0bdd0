"""Writing grids of cells as xlsx (xlsxwriter) or csv, deterministically.

A grid is a list of rows, a row a list of cells: ``str`` (a text cell), ``int``/``float`` (a
numeric cell), ``datetime.date`` (a true Excel date, or dd/mm/yyyy text in csv) or ``None``.
xlsx files get a fixed creation time, so the same content gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)


@dataclass
class GridLayout:
    """Where things are in a grid (0-based row indices) and how to style them."""

    header_row: int
    title_rows: int = 0  # rows 0..title_rows-1 are the title block (bold)
    bold_rows: set[int] = field(default_factory=set)  # total rows etc.
    merge_title_to: int = 0  # last column of merged title rows
    money_cols: set[int] = field(default_factory=set)  # numeric cells shown as #,##0
    date_format: str = "dd/mm/yyyy"
    widths: dict[int, float] = field(default_factory=dict)


def write_xlsx(path: Path, sheets: list[tuple[str, list[list[Any]], GridLayout | None]]) -> None:
    """Write one or more sheets (name, grid, layout) to an xlsx file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(
        str(path),
        {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    wb.set_properties({"created": FIXED_TIME, "author": "", "comments": ""})
    f_title = wb.add_format({"bold": True, "align": "center"})
    f_head = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True})
    f_bold = wb.add_format({"bold": True})
    f_money = wb.add_format({"num_format": "#,##0"})
    f_money_b = wb.add_format({"num_format": "#,##0", "bold": True})
    f_cell = wb.add_format({"border": 1})
    date_formats: dict[str, Any] = {}
    for name, grid, layout in sheets:
        ws = wb.add_worksheet(name)
        lay = layout or GridLayout(header_row=0)
        if lay.date_format not in date_formats:
            date_formats[lay.date_format] = wb.add_format({"num_format": lay.date_format, "border": 1})
        f_date = date_formats[lay.date_format]
        for c, w in lay.widths.items():
            ws.set_column(c, c, w)
        for r, row in enumerate(grid):
            if r < lay.title_rows and lay.merge_title_to and len(row) == 1 and row[0] is not None:
                ws.merge_range(r, 0, r, lay.merge_title_to, row[0], f_title)
                continue
            if r == lay.header_row:
                fmt = f_head
            elif r in lay.bold_rows or r < lay.title_rows:
                fmt = f_bold
            elif r > lay.header_row:
                fmt = f_cell
            else:
                fmt = None
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v, fmt)
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v, fmt)
                elif isinstance(v, (int, float)):
                    if c in lay.money_cols and r > lay.header_row:
                        ws.write_number(r, c, v, f_money_b if r in lay.bold_rows else f_money)
                    else:
                        ws.write_number(r, c, v, fmt)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, f_date)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), f_date)
                else:  # pragma: no cover
                    raise TypeError(f"cell {r},{c}: {type(v)}")
    wb.close()


def csv_cell(v: Any, decimal_comma: bool) -> str:
    """A cell as text, the way Excel saves it as csv."""
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return f"{v.day:02d}/{v.month:02d}/{v.year:04d}"
    if isinstance(v, float):
        txt = repr(v) if v != int(v) else str(int(v))
        return txt.replace(".", ",") if decimal_comma else txt
    return str(v)


def write_csv(path: Path, grid: list[list[Any]], delimiter: str = ",", encoding: str = "utf-8") -> None:
    """Write a grid as csv (``encoding`` may be ``cp1252`` or ``utf-8-sig``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    decimal_comma = delimiter == ";"
    width = max((len(r) for r in grid), default=0)  # Excel pads every row to the table width
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        for row in grid:
            cells = [csv_cell(v, decimal_comma) for v in row]
            w.writerow(cells + [""] * (width - len(cells)))
