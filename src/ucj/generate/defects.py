"""Injected defects and the manifest that lists them.

Defect kinds (a fixed vocabulary; ``kind`` in the manifest):

=====================  ======================================================================
``nik_excel_float``    NIK mangled by Excel: a numeric cell holding the NIK with the 16th digit
                       zeroed (xlsx), or scientific notation such as ``7.47101E+15`` (csv;
                       ``7,47101E+15`` in ``;``-separated files).
``nik_invalid``        16 digits but not a valid NIK: day ``00``/month ``13`` in the date part,
                       or a region prefix that is not a known kecamatan.
``duplicate_row``      an exact copy of another data row (the manifest points at the copy;
                       ``value`` names the row it copies).
``missing_required``   a required field left empty (``column`` says which).
``invalid_date``       a date that does not exist (``31-02-1990``, ``15/13/1988``, ``32 Januari 1990``).
``future_date``        a valid date after the end of the file's period (birth, TMT, joining, event).
``negative_wage``      a negative wage / declared income.
``absurd_wage``        a wage × 1000 (three zeros too many), above Rp100 juta a month.
``unknown_segment``    a segment spelling no known variant matches (``JASKON``, ``PPU``, ``MANDIRI`` …).
``wrong_period_folder`` whole file: delivered into the folder of another period; ``value`` is the
                       period the content belongs to (its file name and PERIODE column say so).
``corrected_redelivery`` whole file: the file was delivered again with corrected content; the
                       first version is at ``file``, the corrected one at ``value``
                       (``_redeliveries/<same relative path>``).
=====================  ======================================================================

Row-level defects hit a share ``defect_rate`` of the data rows, at most one defect per row,
kinds taken in turn (from a random start per file) among those that apply to the file's columns.
In ``inplace`` mode the row itself is damaged; in ``extra`` mode (the published-figures files) a
damaged copy is inserted after the valid row, so valid rows still add up.

Manifest (``<out>/manifest.json``)::

    {"scale": "tiny", "seed": 1, "scenario": null, "defect_rate": 0.02,
     "months": ["2025-04", …], "regions": ["74.71", …], "defect_kinds": [...],
     "files": [{"path": "rosters/74.71/2025-06/Damkar JUNI 2025.xlsx", "source": "rosters",
                "region": "74.71", "period": "2025-06", "content_period": "2025-06",
                "format": "xlsx", "sheet": "Sheet1", "encoding": null, "delimiter": null,
                "header_row": 5, "first_data_row": 6, "last_data_row": 31, "rows": 26,
                "columns": {"NIK": "nik", …}, "opd_code": "KDI-02", "headline": false,
                "redelivery_of": null}, …],
     "defects": [{"file": …, "sheet": "Sheet1" | null, "row": 12, "column": "NIK" | null,
                  "kind": "nik_excel_float", "value": "7471014509870000.0"}, …]}

``row`` is 1-based as a spreadsheet program shows it (title block and header rows counted).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ucj.generate.formats import fmt_date

KINDS = (
    "nik_excel_float",
    "nik_invalid",
    "duplicate_row",
    "missing_required",
    "invalid_date",
    "future_date",
    "negative_wage",
    "absurd_wage",
    "unknown_segment",
    "wrong_period_folder",
    "corrected_redelivery",
)
ROW_KINDS = KINDS[:9]
UNKNOWN_SEGMENTS = ("JASKON", "PPU", "MANDIRI", "INFORMAL", "NON PU", "KONSTRUKSI SIPIL")
UNKNOWN_PREFIX = "749901"  # not a kecamatan of Sultra

# Which fields each kind may hit, per column spec ("nik", "date:<style>", "ttl:<style>",
# "money:<style>", "plain_money", "segment", "text", "required" is a flag).
KIND_SPECS: dict[str, tuple[str, ...]] = {
    "nik_excel_float": ("nik",),
    "nik_invalid": ("nik",),
    "invalid_date": ("date", "ttl"),
    "future_date": ("date", "ttl"),
    "negative_wage": ("wage",),
    "absurd_wage": ("wage",),
    "unknown_segment": ("segment",),
}


@dataclass
class Column:
    """A column of a generated file: header text, logical field, how its cells are written."""

    header: str
    field: str
    spec: str = "text"  # nik | date:<style> | ttl:<style> | wage:<style> | segment | text | number
    required: bool = False
    future_ok: bool = True  # may receive future_date (not the birth date in participation files)

    @property
    def family(self) -> str:
        return self.spec.split(":")[0]

    @property
    def style(self) -> str:
        return self.spec.split(":")[1] if ":" in self.spec else ""


@dataclass
class Injector:
    """Decides which rows of a file get which defect and damages them."""

    rng: np.random.Generator
    rate: float
    columns: list[Column]
    fmt: str  # xlsx | csv
    decimal_comma: bool = False
    mode: str = "inplace"  # inplace | extra
    period_end: dt.date = dt.date(2025, 6, 30)
    allow: tuple[str, ...] = ROW_KINDS

    def kinds(self) -> list[str]:
        out = []
        for kind in self.allow:
            if kind == "duplicate_row":
                out.append(kind)
            elif kind == "missing_required":
                if any(c.required for c in self.columns):
                    out.append(kind)
            elif self._targets(kind):
                out.append(kind)
        return out

    def _targets(self, kind: str) -> list[int]:
        fams = KIND_SPECS[kind]
        return [i for i, c in enumerate(self.columns) if c.family in fams and (kind != "future_date" or c.future_ok)]

    def plan(self, n: int) -> list[tuple[int, str]]:
        """(data row index, kind) for the rows to damage, in row order."""
        kinds = self.kinds()
        if self.rate <= 0 or n == 0 or not kinds:
            return []
        hit = np.flatnonzero(self.rng.random(n) < self.rate)
        start = int(self.rng.integers(len(kinds)))
        return [(int(i), kinds[(start + k) % len(kinds)]) for k, i in enumerate(hit)]

    def damage(self, kind: str, cells: list[Any]) -> tuple[list[Any], str | None, str] | None:
        """Damaged copy of a row: (cells, column header, value written); None if the kind cannot apply."""
        cells = list(cells)
        rng = self.rng
        if kind == "missing_required":
            req = [i for i, c in enumerate(self.columns) if c.required]
            i = req[int(rng.integers(len(req)))]
            cells[i] = None if self.fmt == "xlsx" else ""
            return cells, self.columns[i].header, ""
        targets = self._targets(kind)
        i = targets[int(rng.integers(len(targets)))]
        col, old = self.columns[i], cells[i]
        if old is None or old == "":
            return None  # nothing to damage (e.g. no wage on a JAKON row)
        new: Any
        if kind == "nik_excel_float":
            nik = str(old)
            if self.fmt == "xlsx":
                new = float(int(nik[:15] + "0"))
            else:
                new = f"{int(nik):.5E}"
                if self.decimal_comma:
                    new = new.replace(".", ",")
        elif kind == "nik_invalid":
            nik = str(old)
            r = int(rng.integers(3))
            if r == 0:
                new = nik[:6] + "00" + nik[8:]
            elif r == 1:
                new = nik[:8] + "13" + nik[10:]
            else:
                new = UNKNOWN_PREFIX + nik[6:]
        elif kind == "invalid_date":
            bad = ("31-02-1990", "30/02/1988", "15-13-1985", "32 Januari 1991", "00-05-1993", "29-02-2023")
            new = bad[int(rng.integers(len(bad)))]
            if col.family == "ttl":
                new = f"{str(old).split(',')[0]}, {new}"
        elif kind == "future_date":
            d = self.period_end + dt.timedelta(days=int(rng.integers(60, 3000)))
            if col.family == "ttl":
                new = f"{str(old).split(',')[0]}, {fmt_date(d, col.style)}"
            elif col.style == "excel" and self.fmt == "xlsx":
                new = d
            else:
                new = fmt_date(d, col.style or "dmy_dash")
        elif kind in ("negative_wage", "absurd_wage"):
            new = _rewage(old, col.style, self.fmt, self.decimal_comma, -1 if kind == "negative_wage" else 1000)
        elif kind == "unknown_segment":
            new = UNKNOWN_SEGMENTS[int(rng.integers(len(UNKNOWN_SEGMENTS)))]
        else:  # pragma: no cover
            raise ValueError(kind)
        cells[i] = new
        return cells, col.header, _as_text(new)


def parse_id_money(v: Any) -> float:
    """Rupiah from a cell: numbers, ``Rp 3.073.551,70``, ``3.073.551``, ``3314389.80``."""
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).replace("Rp", "").replace(" ", "").strip()
    if "," in s or s.count(".") > 1 or (s.count(".") == 1 and len(s.split(".")[1]) == 3):
        s = s.replace(".", "").replace(",", ".")
    return float(s)


def _rewage(old: Any, style: str, fmt: str, decimal_comma: bool, factor: int) -> Any:
    from ucj.generate.formats import fmt_plain, fmt_rupiah

    value = parse_id_money(old) * factor
    if isinstance(old, (int, float)):
        return value
    if style == "plain":
        return fmt_plain(value)
    if style == "number":  # a numeric cell written as text in a csv
        txt = fmt_plain(value)
        return txt.replace(".", ",") if decimal_comma else txt
    return fmt_rupiah(value, style)


def _as_text(v: Any) -> str:
    if isinstance(v, dt.date):
        return v.isoformat()
    return "" if v is None else str(v)


def inject(
    rows: list[Any],
    injector: Injector | None,
    first_row: int,
    to_cells: Callable[[Any], list[Any]] = list,
    from_cells: Callable[[list[Any]], Any] = lambda c: c,
) -> tuple[list[Any], list[tuple[int, str | None, str, str]]]:
    """Apply an injector's plan to data rows; returns (rows out, [(sheet row, column, kind, value)])."""
    if injector is None:
        return rows, []
    plan = injector.plan(len(rows))
    if not plan:
        return rows, []
    out: list[Any] = []
    recs: list[tuple[int, str | None, str, str]] = []
    prev = 0
    for idx, kind in plan:
        out.extend(rows[prev:idx])
        prev = idx + 1
        row = rows[idx]
        out.append(row)
        if kind == "duplicate_row":
            out.append(row)
            recs.append((first_row + len(out) - 1, None, kind, f"duplicate of row {first_row + len(out) - 2}"))
            continue
        damaged = injector.damage(kind, to_cells(row))
        if damaged is None:  # the kind does not apply to this row: duplicate it instead
            out.append(row)
            recs.append(
                (first_row + len(out) - 1, None, "duplicate_row", f"duplicate of row {first_row + len(out) - 2}")
            )
            continue
        cells, col, value = damaged
        if injector.mode == "inplace":
            out.pop()
        out.append(from_cells(cells))
        recs.append((first_row + len(out) - 1, col, kind, value))
    out.extend(rows[prev:])
    return out, recs


@dataclass
class Manifest:
    scale: str
    seed: int
    scenario: str | None
    defect_rate: float
    months: list[str]
    regions: list[str]
    files: list[dict[str, Any]] = field(default_factory=list)
    defects: list[dict[str, Any]] = field(default_factory=list)

    def add_file(self, **entry: Any) -> None:
        self.files.append(entry)

    def add_defect(
        self, file: str, sheet: str | None, row: int | None, column: str | None, kind: str, value: str
    ) -> None:
        assert kind in KINDS, kind
        self.defects.append(dict(file=file, sheet=sheet, row=row, column=column, kind=kind, value=value))

    def write(self, out: Path) -> Path:
        path = out / "manifest.json"
        doc = dict(
            scale=self.scale,
            seed=self.seed,
            scenario=self.scenario,
            defect_rate=self.defect_rate,
            months=self.months,
            regions=self.regions,
            defect_kinds=list(KINDS),
            files=sorted(self.files, key=lambda f: f["path"]),
            defects=sorted(self.defects, key=lambda d: (d["file"], d["sheet"] or "", d["row"] or 0, d["kind"])),
        )
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path
