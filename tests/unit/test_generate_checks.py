"""Helpers, no tests: an independent reader of the generated files (openpyxl and the csv module only).

It knows the landing contract, Indonesian dates and Rupiah, and the NIK rules, and finds the
defects actually present in a file; the tests compare what it finds with the manifest.
Nothing here imports the generator.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl

BULAN = {
    b: i
    for i, b in enumerate(
        (
            "januari",
            "februari",
            "maret",
            "april",
            "mei",
            "juni",
            "juli",
            "agustus",
            "september",
            "oktober",
            "november",
            "desember",
        ),
        1,
    )
}
SEGMENTS = {"pu", "bpu", "jakon", "penerima upah", "bukan penerima upah", "jasa konstruksi", "total"}
NIK_RE = re.compile(r"^\d{6}([0-7]\d)(0[1-9]|1[0-2])\d{2}\d{4}$")
SCI_RE = re.compile(r"^\d[.,]\d+E\+\d+$")
DATE_FIELDS = {"tanggal_lahir", "tempat_tanggal_lahir", "tmt", "tanggal_kepesertaan", "tanggal_kejadian"}
ROW_KINDS = {
    "nik_excel_float",
    "nik_invalid",
    "duplicate_row",
    "missing_required",
    "invalid_date",
    "future_date",
    "negative_wage",
    "absurd_wage",
    "unknown_segment",
}
REQUIRED = {
    "rosters": {"nik", "nama"},
    "participants": {"nik", "kpj", "nama", "segmen", "status_kepesertaan"},
    "claims": {"nomor_klaim", "kpj", "program", "tanggal_kejadian", "nominal", "status_klaim"},
    "budgets": {"opd", "kode_rekening", "pagu"},
    "workforce": {"segmen", "jumlah_pekerja"},
}


def known_prefixes(seeds: Path) -> set[str]:
    with open(seeds / "regions.csv", encoding="utf-8") as f:
        return {r["kode_wilayah"].replace(".", "") for r in csv.DictReader(f) if r["level"] == "kecamatan"}


def read_grid(out: Path, entry: dict[str, Any]) -> list[list[Any]]:
    """All rows of a file's sheet (index 0 = spreadsheet row 1)."""
    path = out / entry["path"]
    if entry["format"] == "xlsx":
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb[entry["sheet"]]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        return rows
    with open(path, encoding=entry["encoding"], newline="") as f:
        return [list(r) for r in csv.reader(f, delimiter=entry["delimiter"])]


def data_rows(out: Path, entry: dict[str, Any]) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """(header cells, [(spreadsheet row number, cells)]) of the data rows, total rows skipped."""
    grid = read_grid(out, entry)
    header = [("" if v is None else str(v)) for v in grid[entry["header_row"] - 1]]
    totals = set(entry.get("total_rows") or ())
    rows = [(r, grid[r - 1]) for r in range(entry["first_data_row"], entry["last_data_row"] + 1) if r not in totals]
    return header, rows


def empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def parse_date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = str(v).strip()
    if "," in s:  # TTL: "Kendari, 12-03-1990"
        s = s.split(",", 1)[1].strip()
    try:
        m = re.match(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$", s)
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        m = re.match(r"^(\d{1,2}) ([A-Za-z]+) (\d{4})$", s)
        if m and m[2].lower() in BULAN:
            return dt.date(int(m[3]), BULAN[m[2].lower()], int(m[1]))
    except ValueError:
        return None
    return None


def parse_money(v: Any, source: str) -> float:
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).replace("Rp", "").replace(" ", "")
    if source == "participants":
        return float(s)
    return float(s.replace(".", "").replace(",", "."))


def nik_as_read(s: str) -> str:
    """A NIK as a person reads it: the generator types some the way offices do (``'7471…``,
    ``7471 0101 …``, ``7471.0101.…``, ``="7471…"``, the format-fuzz variations); the digits are
    the NIK when there are 16 of them."""
    text = s.strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    text = text.lstrip("'")
    digits = re.sub(r"[ .]", "", text)
    return digits if len(digits) == 16 and digits.isdigit() else s


def nik_ok(s: str, prefixes: set[str]) -> bool:
    if not NIK_RE.match(s) or s[:6] not in prefixes or int(s[12:]) < 1:
        return False
    day = int(s[6:8]) % 40
    try:
        dt.date(2000 if int(s[10:12]) % 4 == 0 else 2001, int(s[8:10]), day)
    except ValueError:
        return False
    return True


def period_end(entry: dict[str, Any]) -> dt.date:
    p = entry["content_period"]
    if len(p) == 4:
        return dt.date(int(p), 12, 31)
    y, m = int(p[:4]), int(p[5:])
    return (dt.date(y + m // 12, m % 12 + 1, 1)) - dt.timedelta(days=1)


def find_defects(out: Path, entry: dict[str, Any], prefixes: set[str]) -> set[tuple[int, str | None, str]]:
    """(row, column header, kind) of every row-level defect present in a file."""
    header, rows = data_rows(out, entry)
    cols = entry["columns"]
    assert [h for h in header if h] == list(cols), (entry["path"], header, cols)
    field_at = {i: cols[h] for i, h in enumerate(header) if h in cols}
    required = REQUIRED[entry["source"]]
    end = period_end(entry)
    found: set[tuple[int, str | None, str]] = set()
    seen: set[tuple] = set()
    for r, cells in rows:
        cells = cells + [None] * (len(header) - len(cells))
        key = tuple("" if v is None else v for v in cells)
        if key in seen:
            found.add((r, None, "duplicate_row"))
            continue
        seen.add(key)
        for i, f in field_at.items():
            v, h = cells[i], header[i]
            if empty(v):
                if f in required:
                    found.add((r, h, "missing_required"))
                continue
            if f == "nik":
                if isinstance(v, (int, float)) or SCI_RE.match(str(v)):
                    found.add((r, h, "nik_excel_float"))
                elif not nik_ok(nik_as_read(str(v)), prefixes):
                    found.add((r, h, "nik_invalid"))
            elif f in DATE_FIELDS:
                d = parse_date(v)
                if d is None:
                    found.add((r, h, "invalid_date"))
                elif d > end:
                    found.add((r, h, "future_date"))
            elif f == "upah":
                x = parse_money(v, entry["source"])
                if x < 0:
                    found.add((r, h, "negative_wage"))
                elif x > 100_000_000:
                    found.add((r, h, "absurd_wage"))
            elif f == "segmen" and str(v).strip().lower() not in SEGMENTS:
                found.add((r, h, "unknown_segment"))
    return found
