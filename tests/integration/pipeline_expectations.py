"""What the marts should say, computed from the landed files with independent readers.

Nothing of ``ucj.ingest`` is used here: openpyxl and the csv module read the files, and the
generator's manifest says where each file's header and data rows are and which OPD a roster
belongs to. If the pipeline's readers, parsers or models drift, these numbers do not.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl

from ucj.config import PROJECT_ROOT

NIK = re.compile(r"^\d{16}$")


@dataclass(frozen=True)
class FileSpec:
    path: Path
    source: str
    region: str
    period: str
    fmt: str
    encoding: str | None
    delimiter: str | None
    header_row: int
    first_data_row: int
    last_data_row: int
    columns: dict[str, str]  # header text -> field
    opd_code: str | None


def file_specs(landing: Path, manifest: Path) -> list[FileSpec]:
    """The landed files of the manifest that are still in the landing folder."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    specs = []
    for entry in data["files"]:
        path = landing / entry["path"]
        if entry["path"].startswith("_") or not path.exists():
            continue
        specs.append(
            FileSpec(
                path,
                entry["source"],
                entry["region"],
                entry["period"],
                entry["format"],
                entry.get("encoding"),
                entry.get("delimiter"),
                entry["header_row"],
                entry["first_data_row"],
                entry["last_data_row"],
                entry["columns"],
                entry.get("opd_code"),
            )
        )
    return specs


def rows_of(spec: FileSpec) -> list[dict[str, str]]:
    """Data rows as {field: text}, read with openpyxl or the csv module."""
    if spec.fmt == "xlsx":
        sheet = openpyxl.load_workbook(spec.path, read_only=True, data_only=True).worksheets[0]
        table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        text = spec.path.read_bytes().decode(spec.encoding or "utf-8-sig")
        table = list(csv.reader(io.StringIO(text), delimiter=spec.delimiter or ","))
    header = table[spec.header_row - 1]
    fields = [spec.columns.get(h.strip()) for h in header]
    rows = []
    for raw in table[spec.first_data_row - 1 : spec.last_data_row]:
        row = {f: v.strip() for f, v in zip(fields, raw, strict=False) if f}
        if "nik" in row:
            row["nik"] = nik_as_typed(row["nik"])
        rows.append(row)
    return rows


def nik_as_typed(text: str) -> str:
    """The NIK a person reads in a cell typed as offices type them (``'7471…``, ``7471 0101 …``,
    ``7471.0101.…``, ``="7471…"``; the generator draws these): its 16 digits, else the text."""
    body = text.strip()
    if body.startswith('="') and body.endswith('"'):
        body = body[2:-1]
    digits = body.lstrip("'").replace(" ", "").replace(".", "")
    return digits if len(digits) == 16 and digits.isdigit() else text


def opd_npps() -> dict[tuple[str, str], str]:
    """(region, NPP) -> OPD code, from the OPD seed."""
    with (PROJECT_ROOT / "dbt_project" / "seeds" / "opd.csv").open(encoding="utf-8") as handle:
        return {(r["kode_wilayah"], r["npp"]): r["opd_code"] for r in csv.DictReader(handle)}


def is_active(status: str) -> bool:
    return re.sub(r"[^A-Z]", "", status.upper()) == "AKTIF"


def expected_enrollment(landing: Path, manifest: Path) -> dict[tuple[str, str, date], dict[str, int]]:
    """(region, OPD, month) -> roster_workers, enrolled_active, not_enrolled, enrolled_not_on_roster."""
    specs = file_specs(landing, manifest)
    rosters: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    active: dict[tuple[str, str], set[str]] = defaultdict(set)
    billed: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    npps = opd_npps()
    months: set[tuple[str, str]] = set()
    for spec in specs:
        if spec.source == "rosters" and spec.opd_code:
            niks = {r["nik"] for r in rows_of(spec) if NIK.match(r.get("nik", ""))}
            rosters[(spec.region, spec.opd_code)][spec.period] |= niks
        elif spec.source == "participants":
            months.add((spec.region, spec.period))
            for r in rows_of(spec):
                if NIK.match(r.get("nik", "")) and is_active(r.get("status_kepesertaan", "")):
                    active[(spec.region, spec.period)].add(r["nik"])
                    opd = npps.get((spec.region, r.get("npp", "")))
                    if opd:
                        billed[(spec.region, opd, spec.period)].add(r["nik"])
    expected = {}
    for (region, opd), by_period in rosters.items():
        for month_region, month in months:
            if month_region != region:
                continue
            earlier = [p for p in by_period if p <= month]
            roster = by_period[max(earlier)] if earlier else set()
            on_billed = billed.get((region, opd, month), set())
            if not roster and not on_billed:
                continue
            enrolled = roster & active[(region, month)]
            expected[(region, opd, date.fromisoformat(month + "-01"))] = {
                "roster_workers": len(roster),
                "enrolled_active": len(enrolled),
                "not_enrolled": len(roster - enrolled),
                "enrolled_not_on_roster": len(on_billed - roster),
            }
    return expected


def mart_enrollment(url: str) -> dict:
    """The mart, keyed and shaped like :func:`expected_enrollment`."""
    from ucj.warehouse import connect

    with connect(url) as conn:
        rows = conn.execute(
            """select kode_wilayah, opd_code, period_month, roster_workers, enrolled_active, not_enrolled,
                      enrolled_not_on_roster
               from marts.fct_opd_enrollment_monthly"""
        ).fetchall()
    return {
        (r[0], r[1], r[2]): {
            "roster_workers": r[3],
            "enrolled_active": r[4],
            "not_enrolled": r[5],
            "enrolled_not_on_roster": r[6],
        }
        for r in rows
    }
