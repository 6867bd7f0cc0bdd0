"""The bad-input corpus: every kind of broken file an OPD can send, in one landing folder with
good files, ingested with the real thing (readers, GX checkpoints, COPY into PostgreSQL).

Each case states its documented outcome (docs/ingest-outcomes.md lists the same table):

* ``Loaded(rejected={row: {codes}})``: the file loads; exactly these rows are rejected, each
  with (at least) these reason codes;
* ``Quarantined(code)``: nothing of the file loads, it is moved to the quarantine folder with a
  bilingual report;
* ``Refused(reason)``: the path breaks the landing contract and is never opened;
* ``Duplicate()``: the same content was already loaded from another path.

A case whose outcome today is not the documented one is listed in ``KNOWN_GAPS`` with the
reason; it asserts today's behaviour, and the doc marks its row "KNOWN GAP".

Every file is built in tmp_path (csv, openpyxl, xlsxwriter, raw bytes); no binary is committed.
The whole corpus is ingested once per module; the tests then look at the outcome from several
angles: outcome and message per case, rows read = loaded + rejected for every file, the good
files loaded, every sheet read or skipped with its reason (``audit.file_sheets``, whose rows add
up to the file's), reports (bilingual, NIK masked, formulas neutralised), SQL-looking names and
headers harmless, bounded chunks for the very large file, and a second run that changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import psycopg
import pytest
import xlsxwriter
from openpyxl.styles import Alignment
from rich.console import Console

import ucj.ingest.process as process_module
from ucj.config import PROJECT_ROOT
from ucj.ingest.landing import LandingPathError, discover, parse_landed
from ucj.ingest.load import ingest_file
from ucj.ingest.readers import read_table
from ucj.ingest.validation import build_data_docs, data_docs_dir
from ucj.marts_view import print_rejects

pytestmark = pytest.mark.integration

ROSTERS = "rosters/74.71/2025-06"
PARTICIPANTS = "participants/74.71/2025-06"
EXCEL_EPOCH = dt.date(1899, 12, 30)
LARGE_ROWS = 200_000
DOCS = PROJECT_ROOT / "docs" / "ingest-outcomes.md"


# --------------------------------------------------------------------------- people and rows


def person(i: int) -> dict[str, Any]:
    """A valid worker: the NIK encodes the birth date and sex (Kendari, kecamatan 01)."""
    day, month, year = 1 + i % 28, 1 + (i // 28) % 12, 1970 + (i // 336) % 30
    female = i % 2 == 1
    serial = 1 + i // 10080
    nik = f"747101{day + (40 if female else 0):02d}{month:02d}{year % 100:02d}{serial:04d}"
    return {
        "nik": nik,
        "nama": f"PEKERJA {i:06d}",
        "lahir": dt.date(year, month, day),
        "jk": "P" if female else "L",
        "kpj": f"{17_000_000_000 + i}",
    }


ROSTER_HEADER = [
    "No.",
    "NIK",
    "Nama Lengkap",
    "Tanggal Lahir",
    "L/P",
    "Jabatan",
    "Unit Kerja",
    "Status",
    "Gaji/Honor per Bulan",
    "TMT",
]


def roster_row(i: int, n: int | None = None, **change: Any) -> list[Any]:
    p = person(i)
    row = {
        "No.": n if n is not None else i,
        "NIK": p["nik"],
        "Nama Lengkap": p["nama"],
        "Tanggal Lahir": p["lahir"].strftime("%d-%m-%Y"),
        "L/P": p["jk"],
        "Jabatan": "Staf",
        "Unit Kerja": "Dinas Pemadam Kebakaran",
        "Status": "Honorer",
        "Gaji/Honor per Bulan": "3.073.551",
        "TMT": "02-01-2020",
    }
    row.update(change)
    return list(row.values())


def roster_rows(start: int, n: int, **change: Any) -> list[list[Any]]:
    return [ROSTER_HEADER] + [roster_row(start + k, k + 1, **change) for k in range(n)]


PARTICIPANT_HEADER = [
    "NIK",
    "NO KPJ",
    "NAMA LENGKAP",
    "TGL LAHIR",
    "JENIS KELAMIN",
    "SEGMEN",
    "UPAH",
    "STATUS KEPESERTAAN",
    "PERIODE",
]


def participant_row(i: int, **change: Any) -> list[Any]:
    p = person(i)
    row = dict(
        zip(
            PARTICIPANT_HEADER,
            [
                p["nik"],
                p["kpj"],
                p["nama"],
                p["lahir"].strftime("%d-%m-%Y"),
                p["jk"],
                "BPU",
                "1000000",
                "AKTIF",
                "2025-06",
            ],
            strict=True,
        )
    )
    row.update(change)
    return list(row.values())


def participant_rows(start: int, n: int, **change: Any) -> list[list[Any]]:
    return [PARTICIPANT_HEADER] + [participant_row(start + k, **change) for k in range(n)]


# --------------------------------------------------------------------------- writers


def with_cell(rows: list[list[Any]], row: int, column: int, value: Any) -> list[list[Any]]:
    rows[row][column] = value
    return rows


def write_csv(path: Path, rows: list[list[Any]], delimiter: str = ",", encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)


def write_xlsx(
    path: Path,
    sheets: dict[str, list[list[Any]]],
    merges: list[str] = (),  # type: ignore[assignment]
    hidden: tuple[str, ...] = (),
) -> None:
    """One worksheet per entry. Sheets named in ``hidden`` are hidden as Excel hides them (the
    first visible sheet is then the active one: Excel never shows a hidden sheet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(path)
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        for cell_range in merges:
            sheet.merge_range(cell_range, rows[0][0])
        if name in hidden:
            sheet.hide()
    if hidden:
        next(ws for ws in workbook.worksheets() if ws.name not in hidden).activate()  # Excel shows a visible one
    workbook.close()


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def encrypted_workbook() -> bytes:
    """The container Excel writes for a password-protected workbook: an OLE2 compound file
    whose streams are ``EncryptionInfo`` and ``EncryptedPackage`` (MS-OFFCRYPTO), byte by byte."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into("<I", header, 76, 0)
    header[80:512] = b"\xff" * 432
    fat = struct.pack("<II", 0xFFFFFFFD, 0xFFFFFFFE) + b"\xff" * 504

    def entry(name: str, kind: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        out = bytearray(128)
        out[0 : len(raw)] = raw
        struct.pack_into("<HBB", out, 64, len(raw), kind, 1)
        struct.pack_into("<III", out, 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        return bytes(out)

    directory = entry("Root Entry", 5) + entry("EncryptionInfo", 2) + entry("EncryptedPackage", 2) + bytes(128)
    return bytes(header) + fat + directory


# --------------------------------------------------------------------------- expected outcomes


@dataclass(frozen=True)
class Loaded:
    loaded: int
    rejected: dict[int, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Quarantined:
    code: str


@dataclass(frozen=True)
class Refused:
    pass


@dataclass(frozen=True)
class Duplicate:
    pass


@dataclass
class Case:
    kind: str
    path: str  # relative to the landing folder
    build: Callable[[Path], None] | None  # writes the file at the given absolute path
    expect: Loaded | Quarantined | Refused | Duplicate
    message: str = ""  # a regular expression the outcome's message must match (case-insensitive)
    check: Callable[[psycopg.Connection, dict[str, Any]], None] | None = None  # more assertions


def _roster_xlsx_with_blocks(path: Path) -> None:
    """Title block (merged), column-number row, blank row, JUMLAH, signature block."""
    rows = [
        ["DAFTAR NAMA PEGAWAI NON ASN DINAS PEMADAM KEBAKARAN KOTA KENDARI"],
        ["KEADAAN BULAN JUNI 2025"],
        [],
        ROSTER_HEADER,
        [f"({k})" for k in range(1, 11)],
        roster_row(100, 1),
        roster_row(101, 2),
        [],
        roster_row(102, 3),
        ["JUMLAH", None, None, None, None, None, None, None, 9220653],
        [],
        [None, None, None, None, None, None, "Kendari, 30 Juni 2025"],
        [None, None, None, None, None, None, "Kepala Dinas Pemadam Kebakaran"],
        [None, None, None, None, None, None, "NIP. 19700101 199003 1 001"],
    ]
    write_xlsx(path, {"Sheet1": rows}, merges=["A1:J1"])


def _merged_two_row_header(path: Path) -> None:
    """openpyxl: merged title cells, merged group headers over a second header row, no OPD column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["DAFTAR HONORER DINAS LINGKUNGAN HIDUP KOTA KENDARI"])
    ws.merge_cells("A1:H1")
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([])
    ws.append(["No.", "Identitas", None, "Lahir", None, "Pekerjaan", None, "Honor"])
    ws.append([None, "NIK", "Nama", "Tempat Lahir", "Tanggal Lahir", "Jabatan", "Status", None])
    ws.merge_cells("B3:C3")
    ws.merge_cells("D3:E3")
    ws.merge_cells("F3:G3")
    ws.merge_cells("A3:A4")
    ws.merge_cells("H3:H4")
    for k in range(3):
        p = person(200 + k)
        ws.append(
            [k + 1, p["nik"], p["nama"], "Kendari", p["lahir"].strftime("%d/%m/%Y"), "Sopir", "Honorer", 2_500_000]
        )
    wb.save(path)


def _formulas_with_cached_values(path: Path) -> None:
    """As Excel saves it: formula cells carry their last computed value."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, ROSTER_HEADER)
    for k in range(3):
        row = roster_row(300 + k, k + 1)
        ws.write_row(k + 1, 0, row[:8])
        ws.write_formula(k + 1, 8, "=3000000+73551", None, 3073551)
        ws.write(k + 1, 9, row[9])
    ws.write(4, 0, "JUMLAH")
    ws.write_formula(4, 8, "=SUM(I2:I4)", None, 9220653)
    wb.close()


def _dates_as_serials(path: Path) -> None:
    rows = [ROSTER_HEADER]
    for k in range(3):
        row = roster_row(400 + k, k + 1)
        row[3] = (person(400 + k)["lahir"] - EXCEL_EPOCH).days  # a number cell, no date format
        row[9] = (dt.date(2020, 1, 2) - EXCEL_EPOCH).days
        rows.append(row)
    write_xlsx(path, {"Sheet1": rows})


def _nik_as_float(path: Path) -> None:
    rows = roster_rows(500, 3)
    rows[2][1] = float(int(rows[2][1][:15] + "0"))  # what Excel keeps of a 16-digit number
    write_xlsx(path, {"Sheet1": rows})


def _second_sheet(path: Path) -> None:
    write_xlsx(path, {"Petunjuk": [["Isi data mulai baris 2 pada lembar Data"]], "Data": roster_rows(600, 3)})


def _duplicated_consistent(path: Path) -> None:
    header = ["NIK", "Nama", "TTL", "Tanggal Lahir", "No. KTP", "Unit Kerja"]
    rows = [header]
    for k in range(3):
        p = person(700 + k)
        birth = p["lahir"].strftime("%d-%m-%Y")
        rows.append([p["nik"] if k != 1 else "", p["nama"], f"Kendari, {birth}", birth, p["nik"], "Satpol PP"])
    write_csv(path, rows)


def _duplicated_conflict(path: Path) -> None:
    rows = [["NIK", "Nama", "NIK KTP", "Unit Kerja"]]
    for k in range(3):
        p = person(800 + k)
        rows.append([p["nik"], p["nama"], p["nik"] if k != 2 else person(899)["nik"], "Satpol PP"])
    write_csv(path, rows)


def _large(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["NIK", "Nama", "OPD", "Tgl Lahir", "JK", "Honor"])
        for i in range(LARGE_ROWS):
            p = person(10_000 + i)
            writer.writerow(
                [p["nik"], p["nama"], "Dinas Kebersihan", p["lahir"].strftime("%d-%m-%Y"), p["jk"], "2.500.000"]
            )


def _bad_many(path: Path) -> None:
    rows = roster_rows(900, 6)
    for k, bad in enumerate(["=cmd|' /C calc'!A0", "+62812", "-1", "@SUM(A1)", "74710"], start=1):
        rows[k][1] = bad
    write_csv(path, rows)


def _utf16(path: Path) -> None:
    rows = roster_rows(1000, 3)
    text = "\r\n".join("\t".join(str(v) for v in row) for row in rows) + "\r\n"
    write_bytes(path, b"\xff\xfe" + text.encode("utf-16-le"))


def _cp1252(path: Path) -> None:
    rows = roster_rows(1100, 3)
    rows[1][2] = "ANDRÉ NUÑEZ"
    rows[2][2] = "ZOË ŠUMBA"
    write_csv(path, rows, encoding="cp1252")


def _check_cp1252(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    names = {r[0] for r in conn.execute("select nama from raw.rosters where file_id = %s", (o["file_id"],))}
    assert {"ANDRÉ NUÑEZ", "ZOË ŠUMBA"} <= names
    assert (
        conn.execute("select encoding from audit.files where file_id = %s", (o["file_id"],)).fetchone()[0] == "cp1252"
    )


def _check_bom(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    assert (
        conn.execute("select encoding from audit.files where file_id = %s", (o["file_id"],)).fetchone()[0]
        == "utf-8-sig"
    )


def _check_semicolon(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    wages = {r[0] for r in conn.execute("select upah from raw.rosters where file_id = %s", (o["file_id"],))}
    assert {float(w) for w in wages} == {3073551.70}


def _check_serials(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    rows = conn.execute("select nik, tanggal_lahir, tmt from raw.rosters where file_id = %s", (o["file_id"],))
    by_nik = {nik: (born, tmt) for nik, born, tmt in rows}
    for k in range(3):
        p = person(400 + k)
        assert by_nik[p["nik"]] == (p["lahir"], dt.date(2020, 1, 2))


def _check_formulas(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    wages = [r[0] for r in conn.execute("select upah from raw.rosters where file_id = %s", (o["file_id"],))]
    assert [float(w) for w in wages] == [3073551.0] * 3
    skipped = conn.execute("select kind from audit.skipped_rows where file_id = %s", (o["file_id"],)).fetchall()
    assert ("total",) in skipped


def _check_blocks(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    kinds = sorted(
        r[0] for r in conn.execute("select kind from audit.skipped_rows where file_id = %s", (o["file_id"],))
    )
    assert kinds.count("signature") >= 3 and "total" in kinds and "blank" in kinds and "repeated_header" in kinds
    opds = {r[0] for r in conn.execute("select opd from raw.rosters where file_id = %s", (o["file_id"],))}
    assert opds == {"Dinas Pemadam Kebakaran"}


def _check_title_opd(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    rows = conn.execute(
        "select opd, tempat_lahir, upah from raw.rosters where file_id = %s", (o["file_id"],)
    ).fetchall()
    assert {r[0] for r in rows} == {"DINAS LINGKUNGAN HIDUP"}  # from the merged title, no OPD column
    assert {r[1] for r in rows} == {"Kendari"} and {float(r[2]) for r in rows} == {2500000.0}


def _check_sheet(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    assert conn.execute("select sheet from audit.files where file_id = %s", (o["file_id"],)).fetchone()[0] == "Data"


def _check_extras(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    values = conn.execute(
        "select source_values from raw.rosters where file_id = %s order by source_row", (o["file_id"],)
    ).fetchall()
    assert values[0][0]["extra:No. HP"] == "081234567890" and values[0][0]["extra:Keterangan"] == "aktif"


def _check_ragged(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    values = [r[0] for r in conn.execute("select source_values from raw.rosters where file_id = %s", (o["file_id"],))]
    assert any(v.get("extra:column K") == "catatan tambahan" for v in values)


def _check_duplicated_consistent(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    rows = conn.execute(
        "select source_row, nik, tanggal_lahir from raw.rosters where file_id = %s order by 1", (o["file_id"],)
    ).fetchall()
    assert [r[1] for r in rows] == [person(700 + k)["nik"] for k in range(3)]  # row 3's gap filled from No. KTP
    assert [r[2] for r in rows] == [person(700 + k)["lahir"] for k in range(3)]


def _check_sql_header(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    values = [r[0] for r in conn.execute("select source_values from raw.rosters where file_id = %s", (o["file_id"],))]
    assert all(v.get('extra:Keterangan"; DROP TABLE audit.files; --') == "x" for v in values)


def _check_mismatch_ext(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    row = conn.execute("select file_type, extension_mismatch from audit.files where file_id = %s", (o["file_id"],))
    assert row.fetchone() == ("csv", True)


def _check_xlsx_as_xls(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    row = conn.execute("select file_type, extension_mismatch from audit.files where file_id = %s", (o["file_id"],))
    assert row.fetchone() == ("xlsx", True)


# --------------------------------------------------------------------------- issue 14: real Pemda files

ROSTER_HEADER_NO_OPD = [h for h in ROSTER_HEADER if h != "Unit Kerja"]


def roster_rows_without_opd(start: int, n: int) -> list[list[Any]]:
    """A roster table with no OPD column (the sheet's name or title names the OPD)."""
    at = ROSTER_HEADER.index("Unit Kerja")
    return [[v for k, v in enumerate(row) if k != at] for row in roster_rows(start, n)]


def _sheets_of(conn: psycopg.Connection, file_id: int) -> list[tuple[Any, ...]]:
    """``audit.file_sheets`` of a file in workbook order: (sheet, status, reason_code, reason, opd_text,
    opd_source, rows_read, rows_loaded, rows_rejected, rows_skipped, warnings)."""
    return conn.execute(
        """select sheet, status, reason_code, reason, opd_text, opd_source, rows_read, rows_loaded, rows_rejected,
                  rows_skipped, warnings
           from audit.file_sheets where file_id = %s order by sheet_index""",
        (file_id,),
    ).fetchall()


def _file_counts(conn: psycopg.Connection, file_id: int) -> tuple[int, int, int]:
    return conn.execute(
        "select rows_read, rows_loaded, rows_rejected from audit.files where file_id = %s", (file_id,)
    ).fetchone()


def _multi_sheet_roster(path: Path) -> None:
    """One sheet per OPD (no OPD column: the sheet names are the OPDs), an instructions sheet
    first and a hidden helper sheet (the lookup list behind a drop-down) last."""
    write_xlsx(
        path,
        {
            "Petunjuk": [
                ["PETUNJUK PENGISIAN"],
                ["Isi satu lembar per OPD; nama lembar adalah nama OPD"],
                ["NIK diketik sebagai teks, 16 digit"],
            ],
            "Dinas Kesehatan": [
                ["DAFTAR TENAGA NON ASN"],
                ["KEADAAN BULAN JUNI 2025"],
                [],
                *roster_rows_without_opd(4200, 3),
            ],
            "Satpol PP": roster_rows_without_opd(4210, 2),
            "Referensi": [["Jabatan", "Status"], ["Staf", "Honorer"], ["Sopir", "PPPK Paruh Waktu"]],
        },
        hidden=("Referensi",),
    )


def _check_multi_sheet(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    sheets = _sheets_of(conn, o["file_id"])
    assert [s[:3] for s in sheets] == [
        ("Petunjuk", "skipped", "NO_TABLE"),
        ("Dinas Kesehatan", "read", None),
        ("Satpol PP", "read", None),
        # a hidden sheet without a table is skipped for having none: the code says NO_TABLE, not
        # HIDDEN_SHEET (the reader looks for a header before it looks at visibility)
        ("Referensi", "skipped", "HIDDEN_SHEET"),
    ], sheets
    skipped = [s for s in sheets if s[1] == "skipped"]
    assert all(s[3] and "no header row of a rosters table" in s[3] for s in skipped), skipped
    assert [(s[4], s[5]) for s in sheets if s[1] == "read"] == [("Dinas Kesehatan", "sheet"), ("Satpol PP", "sheet")]
    assert [s[6:9] for s in sheets] == [(0, 0, 0), (3, 3, 0), (2, 2, 0), (0, 0, 0)]
    read, loaded, rejected = _file_counts(conn, o["file_id"])
    assert (read, loaded, rejected) == (5, 5, 0) and read == loaded + rejected
    assert (sum(s[6] for s in sheets), sum(s[7] for s in sheets), sum(s[8] for s in sheets)) == (read, loaded, rejected)
    rows = conn.execute(
        "select sheet, opd, nik from raw.rosters where file_id = %s order by sheet, source_row", (o["file_id"],)
    ).fetchall()
    assert rows == [("Dinas Kesehatan", "Dinas Kesehatan", person(4200 + k)["nik"]) for k in range(3)] + [
        ("Satpol PP", "Satpol PP", person(4210 + k)["nik"]) for k in range(2)
    ]


def _hidden_old_month(path: Path) -> None:
    """An old month kept as a hidden first sheet, the June table on the visible second one."""

    def sheet(month: str, start: int) -> list[list[Any]]:
        return [
            ["DAFTAR NAMA PEGAWAI NON ASN DINAS PERHUBUNGAN KOTA KENDARI"],
            [f"KEADAAN BULAN {month} 2025"],
            [],
            *roster_rows(start, 3, **{"Unit Kerja": "Dinas Perhubungan"}),
        ]

    write_xlsx(path, {"Mei": sheet("MEI", 4300), "Juni": sheet("JUNI", 4302)}, hidden=("Mei",))


def _check_hidden_old_month(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    sheets = _sheets_of(conn, o["file_id"])
    assert [s[:3] for s in sheets] == [("Mei", "skipped", "HIDDEN_SHEET"), ("Juni", "read", None)], sheets
    assert "hidden sheet" in sheets[0][3] and sheets[0][6] == 0
    niks = [
        r[0]
        for r in conn.execute("select nik from raw.rosters where file_id = %s order by source_row", (o["file_id"],))
    ]
    assert niks == [person(4302 + k)["nik"] for k in range(3)]  # the June rows only
    sheet, found = conn.execute(
        "select sheet, periods_found from audit.files where file_id = %s", (o["file_id"],)
    ).fetchone()
    assert sheet == "Juni"
    assert found and all(p.startswith("2025-06") for p in found), found  # the hidden May title is not judged


def _pks_range(path: Path) -> None:
    write_xlsx(
        path,
        {
            "Sheet1": [
                ["DAFTAR PEKERJA RENTAN PENERIMA BANTUAN IURAN BPJS KETENAGAKERJAAN KOTA KENDARI"],
                ["PERIODE MEI 2025 - MEI 2026"],
                [],
                *roster_rows(4400, 3, Status="Pekerja Rentan", **{"Unit Kerja": "Dinas Sosial"}),
            ]
        },
    )


def _check_pks_range(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    found = conn.execute("select periods_found from audit.files where file_id = %s", (o["file_id"],)).fetchone()[0]
    assert found and any(p.startswith("2025-05..2026-05") for p in found), found


def _footnotes(path: Path) -> None:
    """Notes under the table, typed in the NIK column (column B) of a CSV saved from Excel."""
    width = len(ROSTER_HEADER)
    notes = ["Sumber: Dashboard UCJ", "Keterangan: tenaga harian lepas tidak termasuk", "*) gaji belum termasuk lembur"]
    write_csv(path, [*roster_rows(4500, 3), *(["", note] + [""] * (width - 2) for note in notes)])


def _check_footnotes(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    skipped = conn.execute(
        "select source_row, kind, text from audit.skipped_rows where file_id = %s order by source_row", (o["file_id"],)
    ).fetchall()
    assert [(r[0], r[1]) for r in skipped] == [(5, "footnote"), (6, "footnote"), (7, "footnote")], skipped
    assert skipped[0][2] == "Sumber: Dashboard UCJ"
    rejected = conn.execute("select count(*) from audit.rejected_rows where file_id = %s", (o["file_id"],))
    assert rejected.fetchone()[0] == 0  # neither rejected nor warned


def _bom_then_cp1252(path: Path) -> None:
    """A tool that puts a UTF-8 BOM in front of a cp1252 export."""
    rows = roster_rows(4600, 3)
    rows[1][2] = "ANDRÉ NUÑEZ"
    text = "".join(",".join(str(v) for v in row) + "\r\n" for row in rows)
    write_bytes(path, b"\xef\xbb\xbf" + text.encode("cp1252"))


def _check_bom_cp1252(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    names = [
        r[0]
        for r in conn.execute("select nama from raw.rosters where file_id = %s order by source_row", (o["file_id"],))
    ]
    assert names[0] == "ANDRÉ NUÑEZ" and not any("\ufffd" in n for n in names), names
    encoding = conn.execute("select encoding from audit.files where file_id = %s", (o["file_id"],)).fetchone()[0]
    assert encoding == "cp1252"  # the BOM is skipped, the text after it is cp1252


def _uncalculated_formulas(start: int, in_name: bool) -> Callable[[Path], None]:
    """openpyxl writes formulas with no cached value (only Excel calculates them): ``=PROPER(B2)``
    in the Nama column, or ``=3000000+73551`` in the Gaji column."""

    def build(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Data"
        ws.append(["NIK", "Nama Asli", "Nama", "Unit Kerja", "Gaji"])
        for k in range(3):
            p, r = person(start + k), k + 2
            ws.append(
                [
                    p["nik"],
                    p["nama"].lower(),
                    f"=PROPER(B{r})" if in_name else p["nama"],
                    "Dinas Kesehatan",
                    "=3000000+73551" if not in_name else "3.073.551",
                ]
            )
        wb.save(path)

    return build


def _check_uncalculated_name(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    (sheet,) = _sheets_of(conn, o["file_id"])
    assert (
        sheet[0] == "Data"
        and sheet[10]
        and sheet[10][0].startswith("FORMULA_NOT_CALCULATED column C (Nama) = nama: 3 formula cell(s)")
    ), sheet


def _check_uncalculated_wage(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    (sheet,) = _sheets_of(conn, o["file_id"])
    assert sheet[1] == "read" and sheet[10] == [
        "FORMULA_NOT_CALCULATED column E (Gaji) = upah: 3 formula cell(s) without a calculated value were read as empty"
    ], sheet
    wages = [r[0] for r in conn.execute("select upah from raw.rosters where file_id = %s", (o["file_id"],))]
    assert wages == [None] * 3  # read as empty, never as 0


DPA_TITLE = [
    ["DOKUMEN PELAKSANAAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH"],
    ["PEMERINTAH KOTA KENDARI"],
    ["TAHUN ANGGARAN 2025"],
    ["SKPD : DINAS KESEHATAN"],
    [],
]


def _dpa(path: Path) -> None:
    write_xlsx(
        path,
        {
            "DPA": [
                *DPA_TITLE,
                ["Kode Rekening", "Uraian", "Volume", "Satuan", "Harga Satuan", "Jumlah"],
                [
                    "5.1.02.02.02.0006",
                    "Belanja Iuran Jaminan Kecelakaan Kerja Non ASN",
                    "230",
                    "Orang",
                    "16.800",
                    "3.864.000",
                ],
                ["5.1.02.02.02.0007", "Belanja Iuran Jaminan Kematian Non ASN", "230", "Orang", "25.200", "5.796.000"],
                ["Sub Total", None, None, None, None, "9.660.000"],
                ["Jumlah", None, None, None, None, "9.660.000"],
            ]
        },
    )


def _check_dpa(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    rows = conn.execute(
        "select opd, kode_rekening, pagu, jumlah_pekerja from raw.budgets where file_id = %s order by source_row",
        (o["file_id"],),
    ).fetchall()
    assert [(r[0], r[1], int(r[2]), r[3]) for r in rows] == [
        ("DINAS KESEHATAN", "5.1.02.02.02.0006", 3_864_000, 230),
        ("DINAS KESEHATAN", "5.1.02.02.02.0007", 5_796_000, 230),
    ]  # pagu from Jumlah, OPD from the title block
    skipped = conn.execute(
        "select kind, text from audit.skipped_rows where file_id = %s order by source_row", (o["file_id"],)
    ).fetchall()
    assert [r[0] for r in skipped] == ["total", "total"] and skipped[0][1].startswith("Sub Total")
    (sheet,) = _sheets_of(conn, o["file_id"])
    assert sheet[4:6] == ("DINAS KESEHATAN", "title")


def _identifiers_as_typed(path: Path) -> None:
    """NIKs as people type them to keep Excel from rounding: a leading apostrophe, digit groups
    with spaces, with dots, and the ``="…"`` trick, written as the raw CSV a web export gives."""
    typed = _typed_niks()
    rows = [ROSTER_HEADER] + [roster_row(4900 + k, k + 1, NIK=typed.get(k, person(4900 + k)["nik"])) for k in range(6)]
    write_bytes(path, "".join(",".join(map(str, row)) + "\r\n" for row in rows).encode("utf-8"))


def _typed_niks() -> dict[int, str]:
    """Row offset -> the NIK as typed (the rest are plain)."""
    n = [person(4900 + k)["nik"] for k in range(4)]
    return {
        0: "'" + n[0],
        1: f"{n[1][:4]} {n[1][4:8]} {n[1][8:12]} {n[1][12:]}",
        2: f"{n[2][:2]}.{n[2][2:4]}.{n[2][4:6]}.{n[2][6:12]}.{n[2][12:]}",
        3: f'="{n[3]}"',
    }


def _check_identifiers(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    rows = conn.execute(
        "select nik, source_values->>'nik' from raw.rosters where file_id = %s order by source_row", (o["file_id"],)
    ).fetchall()
    typed = _typed_niks()
    assert [r[0] for r in rows] == [person(4900 + k)["nik"] for k in range(6)]  # normalised: 16 digits
    assert [r[1] for r in rows] == [typed.get(k, person(4900 + k)["nik"]) for k in range(6)]  # as typed


def _budget_volume_units(path: Path) -> None:
    write_xlsx(
        path,
        {
            "Sheet1": [
                ["RINCIAN IURAN BPJS KETENAGAKERJAAN NON ASN"],
                ["TAHUN ANGGARAN 2025"],
                ["OPD", "Kode Rekening", "Uraian", "Volume", "Pagu"],
                ["Dinas Sosial", "5.1.02.02.02.0006", "Iuran JKK bagi Non ASN", "230 Orang", 3_864_000],
                ["Dinas Sosial", "5.1.02.02.02.0007", "Iuran JKM bagi Non ASN", "230 Orang", 5_796_000],
            ]
        },
    )


def _check_volume_units(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    rows = conn.execute(
        "select jumlah_pekerja, source_values->>'jumlah_pekerja' from raw.budgets where file_id = %s",
        (o["file_id"],),
    ).fetchall()
    assert rows == [(230, "230 Orang")] * 2


def _dpa_person_months(path: Path) -> None:
    """A DPA whose Volume counts orang-bulan (OB): 150 workers x 12 months = 1.800 OB, once with the
    unit in the Satuan column and once in the Volume cell itself."""
    write_xlsx(
        path,
        {
            "DPA": [
                ["DOKUMEN PELAKSANAAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH"],
                ["TAHUN ANGGARAN 2025"],
                ["SKPD : DINAS SOSIAL"],
                [],
                ["Kode Rekening", "Uraian", "Volume", "Satuan", "Harga Satuan", "Jumlah"],
                ["5.1.02.02.02.0006", "Belanja Iuran JKK Non ASN", "1.800", "OB", "16.800", "30.240.000"],
                ["5.1.02.02.02.0007", "Belanja Iuran JKM Non ASN", "1.800 OB", None, "25.200", "45.360.000"],
            ]
        },
    )


def _check_person_months(conn: psycopg.Connection, o: dict[str, Any]) -> None:
    rows = conn.execute(
        "select jumlah_pekerja, source_values->>'satuan', source_values->>'jumlah_pekerja' from raw.budgets"
        " where file_id = %s order by source_row",
        (o["file_id"],),
    ).fetchall()
    # orang-bulan over a fiscal year: 1.800 OB / 12 months = 150 workers (ucj.ingest.budget_layout)
    assert rows == [(150, "OB", "1.800"), (150, None, "1.800 OB")], rows


# Cases whose outcome today is not the one the project documents: each asserts today's behaviour
# (so the corpus stays honest and notices when it changes) and says why. docs/ingest-outcomes.md
# marks the same kinds "KNOWN GAP". Remove an entry when src/ is fixed, with its new outcome.
KNOWN_GAPS: dict[str, str] = {}


def _good_xlsx_bytes(tmp: Path) -> bytes:
    path = tmp / "good.xlsx"
    write_xlsx(path, {"Sheet1": roster_rows(1200, 20)})
    return path.read_bytes()


def cases(scratch: Path) -> list[Case]:
    good_xlsx = _good_xlsx_bytes(scratch)
    r = ROSTERS
    return [
        # ---- good files of every source, in the same folder as the bad ones
        Case(
            "good_roster_xlsx", f"{r}/Damkar JUNI 2025.xlsx", _roster_xlsx_with_blocks, Loaded(3), check=_check_blocks
        ),
        Case(
            "good_participants_csv",
            f"{PARTICIPANTS}/KEPESERTAAN_7471_JUNI_2025.csv",
            lambda p: write_csv(p, participant_rows(1300, 10)),
            Loaded(10),
        ),
        Case(
            "good_claims_csv",
            "claims/74.71/2025-06/KLAIM_7471_202506.csv",
            lambda p: write_csv(
                p,
                [
                    ["NO KLAIM", "NO KPJ", "PROGRAM", "TGL KEJADIAN", "NOMINAL", "STATUS KLAIM"],
                    ["JKM2506747100001", "17000000001", "JKM", "03/05/2025", "42.000.000", "DIBAYAR"],
                    ["JKK2506747100002", "17000000002", "JKK", "10/06/2025", "Rp 70.000.000", "VERIFIKASI"],
                ],
            ),
            Loaded(2),
        ),
        Case(
            "good_budget_xlsx",
            "budgets/74.71/2025/APBD 2025 Kendari.xlsx",
            lambda p: write_xlsx(
                p,
                {
                    "Sheet1": [
                        ["RINCIAN APBD IURAN BPJS KETENAGAKERJAAN NON ASN"],
                        ["PEMERINTAH KOTA KENDARI"],
                        ["TAHUN ANGGARAN 2025"],
                        ["OPD", "Kode Rekening", "Uraian", "Pagu", "Jumlah Pekerja"],
                        ["Dinas Pemadam Kebakaran", "5.1.02.02.02.0006", "Iuran JKK bagi Non ASN", 50_000_000, 300],
                        ["Dinas Pemadam Kebakaran", "5.1.02.02.02.0007", "Iuran JKM bagi Non ASN", 60_000_000, 300],
                    ]
                },
            ),
            Loaded(2),
        ),
        Case(
            "good_workforce_csv",
            "workforce/74.71/2025/potensi_tk_7471_2025.csv",
            lambda p: write_csv(
                p,
                [
                    ["No", "Segmen", "Jumlah Pekerja", "Per Tanggal"],
                    [1, "PU", "88.357", "08/06/2025"],
                    [2, "BPU", "36.140", "08/06/2025"],
                    [3, "JAKON", "16.443", "08/06/2025"],
                    [4, "TOTAL", "140.940", "08/06/2025"],
                ],
                delimiter=";",
            ),
            Loaded(4),
        ),
        # ---- unreadable or empty files: quarantined as a whole
        Case("empty_file", f"{r}/kosong.csv", lambda p: write_bytes(p, b""), Quarantined("EMPTY_FILE"), "empty"),
        Case(
            "blank_lines_only",
            f"{r}/spasi.csv",
            lambda p: write_bytes(p, b"\r\n  \r\n\r\n"),
            Quarantined("EMPTY_FILE"),
            "empty",
        ),
        Case(
            "empty_workbook",
            f"{r}/kosong.xlsx",
            lambda p: write_xlsx(p, {"Sheet1": []}),
            Quarantined("EMPTY_FILE"),
            "no data in any sheet",
        ),
        Case(
            "header_only",
            f"{r}/judul saja.csv",
            lambda p: write_csv(p, [ROSTER_HEADER]),
            Quarantined("NO_DATA_ROWS"),
            "no data rows",
        ),
        Case(
            "claims_export_without_claims",
            "claims/74.71/2025-05/KLAIM_7471_202505.csv",
            lambda p: write_csv(p, [["NO KLAIM", "NO KPJ", "PROGRAM", "TGL KEJADIAN", "NOMINAL", "STATUS KLAIM"]]),
            Loaded(0),
        ),
        Case(
            "truncated_xlsx",
            f"{r}/terpotong.xlsx",
            lambda p: write_bytes(p, good_xlsx[: len(good_xlsx) // 2]),
            Quarantined("UNREADABLE"),
            "damaged or incomplete",
        ),
        Case(
            "password_protected_xlsx",
            f"{r}/dikunci.xlsx",
            lambda p: write_bytes(p, encrypted_workbook()),
            Quarantined("ENCRYPTED"),
            "password-protected",
        ),
        Case(
            "pdf_named_xlsx",
            f"{r}/scan.xlsx",
            lambda p: write_bytes(p, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n"),
            Quarantined("UNSUPPORTED_TYPE"),
            "PDF",
        ),
        Case(
            "html_named_xls",
            f"{r}/export web.xls",
            lambda p: write_bytes(p, b"<html><body><table><tr><td>NIK</td></tr></table></body></html>"),
            Quarantined("UNSUPPORTED_TYPE"),
            "web page",
        ),
        Case(
            "binary_garbage_csv",
            f"{r}/sampah.csv",
            lambda p: write_bytes(p, bytes(range(256)) * 64),
            Quarantined("UNREADABLE"),
            "not a spreadsheet",
        ),
        Case(
            "no_header_row",
            f"{r}/catatan.csv",
            lambda p: write_csv(p, [["Laporan bulanan"], ["isi menyusul"], ["terima kasih"]]),
            Quarantined("NO_HEADER"),
            "no header row found",
        ),
        Case(
            "broken_quotes",
            f"{r}/kutip.csv",
            lambda p: write_bytes(
                p,
                (
                    "NIK,Nama,OPD,Gaji\n"
                    + f'{person(1400)["nik"]},"ANI,Satpol PP,3000000\n'
                    + "".join(f"{person(1401 + k)['nik']},BUDI {k},Satpol PP,3000000\n" for k in range(3))
                ).encode(),
            ),
            Quarantined("BROKEN_QUOTES"),
            "quote .* not closed",
        ),
        Case(
            "nul_character_far_into_csv",
            f"{r}/nul.csv",
            lambda p: write_csv(p, with_cell(roster_rows(6000, 3000), -3, 2, "PEK\x00ERJA")),
            Quarantined("NUL_CHARACTER"),
            r"row 2999, column C .*NUL",
        ),
        Case(
            "cell_longer_than_csv_limit",
            f"{r}/panjang.csv",
            lambda p: write_csv(p, with_cell(roster_rows(9500, 20), -5, 2, "X" * 140_000)),
            Quarantined("FIELD_TOO_LONG"),
            "line 17 is longer",
        ),
        # ---- header problems
        Case(
            "missing_required_column",
            f"{PARTICIPANTS}/tanpa kpj.csv",
            lambda p: write_csv(p, [[c for c in row if c != row[1]] for row in participant_rows(1500, 3)]),
            Quarantined("MISSING_REQUIRED_COLUMN"),
            "required column.*kpj",
        ),
        Case(
            "duplicated_header_conflict",
            f"{r}/dua nik.csv",
            _duplicated_conflict,
            Quarantined("DUPLICATED_HEADER"),
            "'NIK' and 'NIK KTP' both mean nik but disagree at row 4",
        ),
        Case(
            "duplicated_header_consistent",
            f"{r}/ttl dan tanggal lahir.csv",
            _duplicated_consistent,
            Loaded(3),
            check=_check_duplicated_consistent,
        ),
        Case(
            "renamed_headers",
            f"{r}/sinonim.csv",
            lambda p: write_csv(
                p,
                [
                    [
                        "Nomor Induk Kependudukan",
                        "Nama Tenaga Kerja",
                        "Perangkat Daerah",
                        "Tgl. Lahir",
                        "Jenis Kelamin",
                        "Honorarium Per Bulan (Rp)",
                        "Terhitung Mulai Tanggal",
                    ],
                    *[
                        [
                            person(1600 + k)["nik"],
                            person(1600 + k)["nama"],
                            "BPBD",
                            person(1600 + k)["lahir"].isoformat(),
                            person(1600 + k)["jk"],
                            "Rp 2.000.000,-",
                            "1 Januari 2024",
                        ]
                        for k in range(3)
                    ],
                ],
            ),
            Loaded(3),
        ),
        Case(
            "extra_columns",
            f"{r}/kolom tambahan.csv",
            lambda p: write_csv(
                p,
                [
                    [*ROSTER_HEADER, "No. HP", "Keterangan"],
                    *[[*roster_row(1700 + k, k + 1), "081234567890", "aktif"] for k in range(3)],
                ],
            ),
            Loaded(3),
            check=_check_extras,
        ),
        Case(
            "merged_title_and_two_row_header",
            f"{r}/DLH merged.xlsx",
            _merged_two_row_header,
            Loaded(3),
            check=_check_title_opd,
        ),
        Case(
            "formulas_with_cached_values",
            f"{r}/rumus.xlsx",
            _formulas_with_cached_values,
            Loaded(3),
            check=_check_formulas,
        ),
        Case("data_on_second_sheet", f"{r}/dua lembar.xlsx", _second_sheet, Loaded(3), check=_check_sheet),
        Case(
            "ragged_rows",
            f"{r}/baris panjang.csv",
            lambda p: write_csv(
                p, [ROSTER_HEADER, roster_row(1800, 1), [*roster_row(1801, 2), "catatan tambahan"], roster_row(1802, 3)]
            ),
            Loaded(3),
            check=_check_ragged,
        ),
        Case(
            "sql_in_header_text",
            f"{r}/header sql.csv",
            lambda p: write_csv(
                p,
                [
                    [
                        *ROSTER_HEADER,
                        'Keterangan"; DROP TABLE audit.files; --',
                        "raw.rosters); DELETE FROM raw.rosters; --",
                    ],
                    *[[*roster_row(1900 + k, k + 1), "x", "y"] for k in range(3)],
                ],
            ),
            Loaded(3),
            check=_check_sql_header,
        ),
        # ---- encodings, delimiters, file types
        Case(
            "csv_named_xlsx",
            f"{r}/sebenarnya csv.xlsx",
            lambda p: write_csv(p, roster_rows(2000, 3)),
            Loaded(3),
            check=_check_mismatch_ext,
        ),
        Case(
            "xlsx_named_xls",
            f"{r}/lama.xls",
            lambda p: write_xlsx(p, {"Sheet1": roster_rows(2100, 3)}),
            Loaded(3),
            check=_check_xlsx_as_xls,
        ),
        Case("cp1252_encoding", f"{r}/windows.csv", _cp1252, Loaded(3), check=_check_cp1252),
        Case(
            "utf8_bom",
            f"{r}/bom.csv",
            lambda p: write_csv(p, roster_rows(2200, 3), encoding="utf-8-sig"),
            Loaded(3),
            check=_check_bom,
        ),
        Case("utf16_tab_unicode_text", f"{r}/unicode.csv", _utf16, Loaded(3)),
        Case(
            "semicolon_decimal_comma",
            f"{r}/titik koma.csv",
            lambda p: write_csv(p, roster_rows(2300, 3, **{"Gaji/Honor per Bulan": "3073551,70"}), delimiter=";"),
            Loaded(3),
            check=_check_semicolon,
        ),
        # ---- row-level defects: the file loads, the bad rows are rejected with their reason
        Case("nik_as_float_xlsx", f"{r}/nik angka.xlsx", _nik_as_float, Loaded(2, {3: {"NIK_AS_NUMBER"}})),
        Case(
            "nik_scientific_notation",
            f"{r}/nik e15.csv",
            lambda p: write_csv(
                p, [ROSTER_HEADER, roster_row(2400, 1), roster_row(2401, 2, NIK="7.47101E+15"), roster_row(2402, 3)]
            ),
            Loaded(2, {3: {"NIK_AS_NUMBER"}}),
        ),
        Case(
            "nik_invalid",
            f"{r}/nik salah.csv",
            lambda p: write_csv(
                p,
                [
                    ROSTER_HEADER,
                    roster_row(2500, 1),
                    roster_row(2501, 2, NIK="7471013213900001"),
                    roster_row(2502, 3, NIK="7499010101900001"),
                    roster_row(2503, 4, NIK="747101010190001"),
                    *(roster_row(2504 + k, 5 + k) for k in range(4)),
                ],
            ),
            Loaded(5, {3: {"NIK_BAD_DATE"}, 4: {"NIK_UNKNOWN_REGION"}, 5: {"NIK_LENGTH"}}),
        ),
        Case(
            "duplicate_rows",
            f"{r}/ganda.csv",
            lambda p: write_csv(
                p, [ROSTER_HEADER, roster_row(2600, 1), roster_row(2601, 2), roster_row(2601, 2), roster_row(2602, 3)]
            ),
            Loaded(3, {4: {"DUPLICATE_KEY"}}),
        ),
        Case("dates_as_excel_serials", f"{r}/tanggal serial.xlsx", _dates_as_serials, Loaded(3), check=_check_serials),
        Case(
            "future_dates",
            f"{r}/tanggal depan.csv",
            lambda p: write_csv(
                p, [ROSTER_HEADER, roster_row(2700, 1, TMT="01-01-2031"), roster_row(2701, 2), roster_row(2702, 3)]
            ),
            Loaded(2, {2: {"DATE_OUT_OF_RANGE"}}),
        ),
        Case(
            "invalid_dates",
            f"{r}/tanggal salah.csv",
            lambda p: write_csv(
                p,
                [
                    ROSTER_HEADER,
                    roster_row(2800, 1),
                    roster_row(2801, 2, **{"Tanggal Lahir": "31-02-1990"}),
                    roster_row(2802, 3, TMT="15/13/2020"),
                    *(roster_row(2803 + k, 4 + k) for k in range(3)),
                ],
            ),
            Loaded(4, {3: {"DATE_INVALID"}, 4: {"DATE_INVALID"}}),
        ),
        Case(
            "negative_wages",
            f"{r}/gaji minus.csv",
            lambda p: write_csv(
                p,
                [
                    ROSTER_HEADER,
                    roster_row(2900, 1, **{"Gaji/Honor per Bulan": "-3.073.551"}),
                    roster_row(2901, 2),
                    roster_row(2902, 3, **{"Gaji/Honor per Bulan": "(1.000.000)"}),
                    *(roster_row(2903 + k, 4 + k) for k in range(3)),
                ],
            ),
            Loaded(4, {2: {"AMOUNT_OUT_OF_RANGE"}, 4: {"AMOUNT_OUT_OF_RANGE"}}),
        ),
        Case(
            "absurd_and_unreadable_wages",
            f"{r}/gaji aneh.csv",
            lambda p: write_csv(
                p,
                [
                    ROSTER_HEADER,
                    roster_row(3000, 1, **{"Gaji/Honor per Bulan": "3.073.551.000"}),
                    roster_row(3001, 2),
                    roster_row(3002, 3, **{"Gaji/Honor per Bulan": "tiga juta"}),
                    *(roster_row(3003 + k, 4 + k) for k in range(3)),
                ],
            ),
            Loaded(4, {2: {"AMOUNT_OUT_OF_RANGE"}, 4: {"MONEY_UNPARSEABLE"}}),
        ),
        Case(
            "unknown_segment",
            f"{PARTICIPANTS}/segmen.csv",
            lambda p: write_csv(
                p,
                [
                    PARTICIPANT_HEADER,
                    participant_row(3100),
                    participant_row(3101, SEGMEN="MANDIRI"),
                    participant_row(3102, SEGMEN="Penerima Upah"),
                ],
            ),
            Loaded(2, {3: {"SEGMENT_UNKNOWN"}}),
        ),
        Case(
            "missing_required_value",
            f"{PARTICIPANTS}/status kosong.csv",
            lambda p: write_csv(
                p,
                [
                    PARTICIPANT_HEADER,
                    participant_row(3200),
                    participant_row(3201, **{"STATUS KEPESERTAAN": ""}),
                    participant_row(3202),
                ],
            ),
            Loaded(2, {3: {"MISSING_REQUIRED"}}),
        ),
        Case(
            "formula_text_in_cells",
            f"{r}/rumus teks.csv",
            lambda p: write_csv(
                p,
                [
                    ROSTER_HEADER,
                    roster_row(3300, 1, **{"Nama Lengkap": '=HYPERLINK("http://x","klik")'}),
                    roster_row(3301, 2, NIK="=1+1"),
                    roster_row(3302, 3),
                ],
            ),
            Loaded(2, {3: {"NIK_NOT_DIGITS"}}),
        ),
        # ---- whole-file verdicts after reading
        Case(
            "too_many_bad_rows",
            f"{r}/hampir semua salah.csv",
            _bad_many,
            Quarantined("TOO_MANY_BAD_ROWS"),
            r"5 of 6 rows \(83%\)",
        ),
        Case(
            "wrong_period_column",
            f"{PARTICIPANTS}/KEPESERTAAN_MEI_2025.csv",
            lambda p: write_csv(p, participant_rows(3400, 5, PERIODE="2025-05")),
            Quarantined("WRONG_PERIOD"),
            "PERIODE column names 2025-05 in 5 of 5 rows",
        ),
        Case(
            "wrong_period_title",
            f"{r}/Damkar MEI 2025.xlsx",
            lambda p: write_xlsx(
                p,
                {
                    "Sheet1": [
                        ["DAFTAR NAMA PEGAWAI NON ASN DINAS PEMADAM KEBAKARAN"],
                        ["KEADAAN BULAN MEI 2025"],
                        [],
                        *roster_rows(3500, 3),
                    ]
                },
            ),
            Quarantined("WRONG_PERIOD"),
            "title block names period 2025-05",
        ),
        Case(
            "wrong_year_budget",
            "budgets/74.71/2025/APBD 2024 Kendari.xlsx",
            lambda p: write_xlsx(
                p,
                {
                    "Sheet1": [
                        ["RINCIAN APBD IURAN BPJS KETENAGAKERJAAN NON ASN"],
                        ["TAHUN ANGGARAN 2024"],
                        ["OPD", "Kode Rekening", "Uraian", "Pagu"],
                        ["Dinas Kesehatan", "5.1.02.02.02.0006", "Iuran JKK bagi Non ASN", 40_000_000],
                    ]
                },
            ),
            Quarantined("WRONG_PERIOD"),
            "title block names period 2024",
        ),
        Case(
            "period_row_mismatch",
            f"{PARTICIPANTS}/satu baris bulan lain.csv",
            lambda p: write_csv(
                p,
                [
                    PARTICIPANT_HEADER,
                    participant_row(3600),
                    participant_row(3601, PERIODE="Mei 2025"),
                    participant_row(3602),
                    participant_row(3603, PERIODE="Jun-25"),
                ],
            ),
            Loaded(2, {3: {"PERIOD_MISMATCH"}, 5: {"PERIOD_UNPARSEABLE"}}),
        ),
        # ---- size
        Case("very_large_file", f"{r}/besar 200 ribu baris.csv", _large, Loaded(LARGE_ROWS)),
        # ---- hostile names and paths
        Case(
            "sql_in_file_name",
            f"{r}/Robert'); DROP TABLE raw.rosters;--.csv",
            lambda p: write_csv(p, roster_rows(3700, 3)),
            Loaded(3),
        ),
        Case(
            "quotes_in_file_name",
            f'{r}/Daftar "Honorer" O\'Brien `x` $(id).csv',
            lambda p: write_csv(p, roster_rows(3800, 3)),
            Loaded(3),
        ),
        Case(
            "same_content_other_name",
            f"{r}/Damkar JUNI 2025_salinan.xlsx",
            lambda p: write_bytes(p, (p.parent / "Damkar JUNI 2025.xlsx").read_bytes()),
            Duplicate(),
            "same content as",
        ),
        Case("path_traversal", f"{r}/../../../../../etc/passwd.csv", None, Refused(), "leaves the landing folder"),
        Case("absolute_path", "/etc/passwd.csv", None, Refused(), "leaves the landing folder"),
        Case("symlink_out_of_landing", f"{r}/tautan.csv", None, Refused(), "symbolic links"),
        Case(
            "wrong_folder_layout",
            "rosters/74.71/roster tanpa periode.csv",
            lambda p: write_csv(p, roster_rows(3900, 3)),
            Refused(),
            "expected <source>/<kode_wilayah>",
        ),
        Case(
            "bad_region_folder",
            "rosters/Kendari/2025-06/roster.csv",
            lambda p: write_csv(p, roster_rows(4000, 3)),
            Refused(),
            "not a Kemendagri code",
        ),
        Case(
            "bad_period_folder",
            "rosters/74.71/Juni 2025/roster.csv",
            lambda p: write_csv(p, roster_rows(4100, 3)),
            Refused(),
            "is not YYYY-MM",
        ),
        Case("unknown_source_folder", "peserta/74.71/2025-06/roster.csv", None, Refused(), "unknown source"),
        Case(
            "not_a_data_file",
            f"{r}/surat pengantar.pdf",
            lambda p: write_bytes(p, b"%PDF-1.4\n"),
            Refused(),
            "not a data file",
        ),
        Case(
            "excel_lock_file",
            f"{r}/~$Damkar JUNI 2025.xlsx",
            lambda p: write_bytes(p, b"\x00" * 165),
            Refused(),
            "not a data file",
        ),
        # ---- issue 14: files as Pemda send them
        Case(
            "multi_sheet_roster_xlsx",
            f"{r}/Non ASN per OPD JUNI 2025.xlsx",
            _multi_sheet_roster,
            Loaded(5),
            check=_check_multi_sheet,
        ),
        Case(
            "hidden_old_month_first_sheet",
            f"{r}/Dishub 2025.xlsx",
            _hidden_old_month,
            Loaded(3),
            check=_check_hidden_old_month,
        ),
        Case(
            "roster_pks_period_range",
            f"{r}/Pekerja Rentan PKS 2025-2026.xlsx",
            _pks_range,
            Loaded(3),
            check=_check_pks_range,
        ),
        Case("footnote_rows", f"{r}/dengan catatan kaki.csv", _footnotes, Loaded(3), check=_check_footnotes),
        Case("bom_then_cp1252_csv", f"{r}/bom lalu windows.csv", _bom_then_cp1252, Loaded(3), check=_check_bom_cp1252),
        Case(
            "formula_without_value_name_column",
            f"{r}/rumus nama.xlsx",
            _uncalculated_formulas(4700, True),
            Quarantined("FORMULA_NOT_CALCULATED"),
            r"column C: Nama \(nama\) holds 3 formula cell",
            check=_check_uncalculated_name,
        ),
        Case(
            "formula_without_value_wage_column",
            f"{r}/rumus gaji.xlsx",
            _uncalculated_formulas(4710, False),
            Loaded(3),
            check=_check_uncalculated_wage,
        ),
        Case(
            "dot_file",
            f"{r}/.roster.csv",
            lambda p: write_csv(p, roster_rows(4800, 2)),
            Refused(),
            r"hidden file \(the name starts with '\.'; refused\)",
        ),
        Case("dpa_budget_layout", "budgets/74.71/2025/DPA Dinkes 2025.xlsx", _dpa, Loaded(2), check=_check_dpa),
        Case(
            "identifiers_as_typed", f"{r}/nik diketik.csv", _identifiers_as_typed, Loaded(6), check=_check_identifiers
        ),
        Case(
            "budget_volume_with_units",
            "budgets/74.71/2025/Dinsos volume orang.xlsx",
            _budget_volume_units,
            Loaded(2),
            check=_check_volume_units,
        ),
        Case(
            "budget_volume_person_months",
            "budgets/74.71/2025/DPA Dinsos 2025.xlsx",
            _dpa_person_months,
            Loaded(2),
            check=_check_person_months,
        ),
        # ---- a region folder that is a code but no Pemda of the reference regions (main 4291ed8)
        Case(
            "unknown_region_folder",
            "rosters/74.99/2025-06/roster.csv",
            lambda p: write_csv(p, roster_rows(5000, 3)),
            Quarantined("UNKNOWN_REGION"),
            "the folder '74.99' names no kabupaten/kota",
        ),
    ]


# --------------------------------------------------------------------------- the run


@dataclass
class Run:
    landing: Path
    quarantine: Path
    cases: dict[str, Case]
    outcomes: dict[str, dict[str, Any]]  # kind -> outcome (FileOutcome as dict, or {"status": "refused"...})
    chunk_sizes: dict[str, list[int]]
    conninfo: str
    url: str


def ingest_all(landing: Path, conninfo: str) -> dict[str, dict[str, Any]]:
    """Every file the landing contract finds, ingested one by one (as the DAG's mapped tasks do)."""
    out: dict[str, dict[str, Any]] = {}
    for item in discover(landing):
        if isinstance(item, LandingPathError):
            out[item.path] = {"status": "refused", "error_message": item.reason}
            continue
        out[item.relative_path] = ingest_file(item, conninfo).as_dict()
    return out


@pytest.fixture(scope="module")
def run(module_warehouse, tmp_path_factory) -> Run:
    base = tmp_path_factory.mktemp("bad_inputs")
    landing, scratch, outside = base / "landing", base / "scratch", base / "outside"
    for folder in (landing, scratch, outside):
        folder.mkdir()
    all_cases = cases(scratch)
    for case in all_cases:
        if case.build is not None:
            case.build(landing / case.path)
    (outside / "secret.csv").write_text("NIK,Nama\n", encoding="utf-8")
    (landing / ROSTERS / "tautan.csv").symlink_to(outside / "secret.csv")

    sizes: dict[str, list[int]] = {}
    current: list[str] = [""]
    real = process_module.canonicalize

    def spy(chunk, *args, **kwargs):  # type: ignore[no-untyped-def]
        sizes.setdefault(current[0], []).append(len(chunk))
        return real(chunk, *args, **kwargs)

    by_path: dict[str, dict[str, Any]] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(process_module, "canonicalize", spy)
        for item in discover(landing):
            if isinstance(item, LandingPathError):
                by_path[item.path] = {"status": "refused", "error_message": item.reason}
                continue
            current[0] = item.relative_path
            by_path[item.relative_path] = ingest_file(item, module_warehouse.conninfo).as_dict()
    outcomes: dict[str, dict[str, Any]] = {}
    for case in all_cases:
        if case.path in by_path:
            outcomes[case.kind] = by_path[case.path]
        else:  # never listed by discover(): the contract check itself must refuse it
            try:
                parse_landed(landing, case.path)
                outcomes[case.kind] = {"status": "accepted?"}
            except LandingPathError as err:
                outcomes[case.kind] = {"status": "refused", "error_message": err.reason}
    quarantine = Path(os.environ["UCJ_QUARANTINE_DIR"])
    return Run(
        landing,
        quarantine,
        {c.kind: c for c in all_cases},
        outcomes,
        sizes,
        module_warehouse.conninfo,
        module_warehouse.url,
    )


def _kinds() -> list[str]:
    """Case kinds, for parametrisation (building the cases needs no files)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return [c.kind for c in cases(Path(tmp))]


KINDS = _kinds()


def test_corpus_is_large_enough() -> None:
    bad = [k for k in KINDS if not k.startswith("good_")]
    assert len(bad) >= 30, len(bad)


@pytest.mark.parametrize("kind", KINDS)
def test_documented_outcome(run: Run, kind: str) -> None:
    case, outcome = run.cases[kind], run.outcomes[kind]
    expect = case.expect
    message = outcome.get("error_message") or ""
    with psycopg.connect(run.conninfo) as conn:
        if isinstance(expect, Loaded):
            assert outcome["status"] == "loaded", outcome
            assert outcome["rows_loaded"] == expect.loaded, outcome
            assert outcome["rows_rejected"] == len(expect.rejected), outcome
            found: dict[int, set[str]] = {}
            for row, code in conn.execute(
                "select source_row, reason_code from audit.rejected_rows where file_id = %s and severity = 'reject'",
                (outcome["file_id"],),
            ):
                found.setdefault(row, set()).add(code)
            assert set(found) == set(expect.rejected), found
            for row, codes in expect.rejected.items():
                assert codes <= found[row], (row, found[row])
            assert (run.landing / case.path).exists()  # a loaded file stays where it landed
        elif isinstance(expect, Quarantined):
            assert outcome["status"] == "quarantined", outcome
            assert outcome["error_code"] == expect.code, outcome
            assert outcome["rows_loaded"] == 0
            assert not (run.landing / case.path).exists()  # moved, never deleted:
            moved = Path(outcome["quarantine_path"])
            assert moved.is_file() and moved.is_relative_to(run.quarantine)
            report = moved.with_name(moved.name + ".report.md").read_text(encoding="utf-8")
            assert "Bahasa Indonesia" in report and "English" in report and expect.code in report
            raw = conn.execute(
                f"select count(*) from raw.{outcome['source']} where file_id = %s", (outcome["file_id"],)
            ).fetchone()[0]
            assert raw == 0
        elif isinstance(expect, Duplicate):
            assert outcome["status"] == "duplicate", outcome
            assert outcome["error_code"] == "DUPLICATE_CONTENT"
        else:
            assert outcome["status"] == "refused", outcome
    if case.message:
        assert re.search(case.message, message, re.IGNORECASE), message
    if isinstance(expect, Quarantined | Refused | Duplicate):
        assert message, "a clear message is required"
    if case.check is not None:
        with psycopg.connect(run.conninfo) as conn:
            case.check(conn, outcome)


def test_rows_read_equal_loaded_plus_rejected_for_every_file(run: Run) -> None:
    with psycopg.connect(run.conninfo) as conn:
        files = conn.execute(
            "select relative_path, status, rows_read, rows_loaded, rows_rejected, file_id, source from audit.files"
        ).fetchall()
        assert files
        for path, status, read, loaded, rejected, file_id, source in files:
            assert read == loaded + rejected, path
            raw = conn.execute(f"select count(*) from raw.{source} where file_id = %s", (file_id,)).fetchone()[0]
            assert raw == loaded, path
            distinct_rejected = conn.execute(
                "select count(distinct source_row) from audit.rejected_rows where file_id = %s and severity = 'reject'",
                (file_id,),
            ).fetchone()[0]
            if status == "loaded":
                assert distinct_rejected == rejected, path
                sheets = conn.execute(
                    """select count(*), sum(rows_read), sum(rows_loaded), sum(rows_rejected)
                       from audit.file_sheets where file_id = %s""",
                    (file_id,),
                ).fetchone()
                assert sheets[0] >= 1 and tuple(sheets[1:]) == (read, loaded, rejected), (path, sheets)


def test_good_files_load_beside_the_bad_ones(run: Run) -> None:
    statuses = {kind: run.outcomes[kind]["status"] for kind in KINDS if kind.startswith("good_")}
    assert set(statuses.values()) == {"loaded"}, statuses
    with psycopg.connect(run.conninfo) as conn:
        for source in ("rosters", "participants", "claims", "budgets", "workforce"):
            assert conn.execute(f"select count(*) from raw.{source}").fetchone()[0] > 0, source


def test_every_file_and_validation_run_is_audited(run: Run) -> None:
    with psycopg.connect(run.conninfo) as conn:
        registered = {r[0] for r in conn.execute("select relative_path from audit.files")}
        validated = conn.execute(
            """select count(*) from audit.files f where f.status = 'loaded'
               and not exists (select 1 from audit.validation_runs v where v.file_id = f.file_id)"""
        ).fetchone()[0]
    opened = {o["relative_path"] for o in run.outcomes.values() if o["status"] != "refused"}
    assert opened <= registered
    assert validated == 0


def test_quarantine_reports_mask_niks_and_neutralise_formulas(run: Run) -> None:
    outcome = run.outcomes["too_many_bad_rows"]
    moved = Path(outcome["quarantine_path"])
    report = moved.with_name(moved.name + ".report.md").read_text(encoding="utf-8")
    rejects = moved.with_name(moved.name + ".rejects.csv").read_text(encoding="utf-8-sig")
    for text in (report, rejects, json.dumps(outcome)):
        assert not re.search(r"(?<!\d)\d{16}(?!\d)", text), "a full NIK in a report"
    cells = [cell for row in csv.reader(rejects.splitlines()) for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'+62812" in cells and "'@SUM(A1)" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    conflict = run.outcomes["duplicated_header_conflict"]
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", conflict["error_message"])  # NIKs masked in the message too


def test_hostile_names_never_reach_sql_as_identifiers(run: Run) -> None:
    with psycopg.connect(run.conninfo) as conn:
        tables = {r[0] for r in conn.execute("select table_schema || '.' || table_name from information_schema.tables")}
        assert {"raw.rosters", "audit.files", "audit.rejected_rows"} <= tables
        stored = {r[0] for r in conn.execute("select source_file from raw.rosters")}
    assert run.cases["sql_in_file_name"].path in stored and run.cases["quotes_in_file_name"].path in stored
    assert not (run.landing.parent / "etc").exists()


def test_very_large_file_is_read_in_bounded_chunks(run: Run) -> None:
    sizes = run.chunk_sizes[run.cases["very_large_file"].path]
    assert sum(sizes) == LARGE_ROWS
    assert len(sizes) >= 4 and max(sizes) <= 50_000  # never the whole file in memory at once
    table = read_table(run.landing / run.cases["very_large_file"].path, "rosters", chunk_rows=10_000)
    assert max(len(chunk) for chunk in table.chunks()) == 10_000


def test_second_run_over_the_same_folder_changes_nothing(run: Run) -> None:
    def counts() -> dict[str, int]:
        with psycopg.connect(run.conninfo) as conn:
            out = {
                t: conn.execute(f"select count(*) from {t}").fetchone()[0]
                for t in (
                    "audit.files",
                    "audit.rejected_rows",
                    "raw.rosters",
                    "raw.participants",
                    "raw.claims",
                    "raw.budgets",
                    "raw.workforce",
                )
            }
            out["current"] = conn.execute("select count(*) from audit.files where is_current").fetchone()[0]
        return out

    before = counts()
    again = ingest_all(run.landing, run.conninfo)
    assert {o["status"] for o in again.values()} <= {"unchanged", "refused"}, again
    assert counts() == before


def test_outcomes_are_documented(run: Run) -> None:
    """docs/ingest-outcomes.md has one row per kind, with the outcome and code this test checks."""
    text = DOCS.read_text(encoding="utf-8")
    documented = {}
    for line in text.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] in run.cases:
            documented[cells[0]] = (cells[1], cells[2])
    missing = sorted(set(KINDS) - set(documented))
    assert not missing, f"not documented: {missing}"
    for kind, case in run.cases.items():
        outcome, code = documented[kind]
        expect = case.expect
        if isinstance(expect, Loaded):
            assert outcome.startswith("loaded"), kind
            codes = set().union(*expect.rejected.values()) if expect.rejected else set()
            assert all(c in code for c in codes), (kind, code)
        elif isinstance(expect, Quarantined):
            assert outcome == "quarantined" and code == expect.code, kind
        elif isinstance(expect, Duplicate):
            assert outcome == "duplicate" and code == "DUPLICATE_CONTENT", kind
        else:
            assert outcome == "refused", kind


def test_known_gaps_are_cases_and_marked_in_the_docs(run: Run) -> None:
    """Every known gap is a case of the corpus, and the doc's row says it is a known gap."""
    text = DOCS.read_text(encoding="utf-8")
    rows = {
        cells[0]: cells
        for line in text.splitlines()
        if len(cells := [c.strip().strip("`") for c in line.strip().strip("|").split("|")]) >= 4
    }
    for kind in KNOWN_GAPS:
        assert kind in run.cases, kind
        assert "KNOWN GAP" in rows[kind][3], (kind, rows[kind])
    marked = {kind for kind, cells in rows.items() if kind in run.cases and "KNOWN GAP" in cells[3]}
    assert marked == set(KNOWN_GAPS), marked


def test_rejects_report_is_what_an_opd_can_act_on(run: Run) -> None:
    console = Console(record=True, width=300)
    print_rejects(console, "74.71", "2025-06", url=run.url)
    text = console.export_text()
    for expected in (
        "Kota Kendari",
        "nik salah.csv",
        "NIK_BAD_DATE",
        "NIK_UNKNOWN_REGION",
        "gaji aneh.csv",
        "MONEY_UNPARSEABLE",
        "DIKARANTINA / QUARANTINED",
        "WRONG_PERIOD",
        "BROKEN_QUOTES",
        "yang harus dilakukan / what to do",
        "(angka/number)",
        "=1+1",
        "I: Gaji/Honor per Bulan (upah)",
    ):
        assert expected in text, expected
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", text), "a full NIK in the rejects report"
    line = r"tanggal salah\.csv\s.*\s3\s.*D: Tanggal Lahir \(tanggal_lahir\)\s.*31-02-1990\s.*DATE_INVALID"
    assert re.search(line, text)  # file, row, column as written (letter and header), value, code


def test_data_docs_are_built_into_the_uncommitted_site(run: Run) -> None:
    index = build_data_docs()
    assert index == data_docs_dir() / "index.html" and index.is_file()
    assert (data_docs_dir() / "expectations" / "rosters.html").is_file()
