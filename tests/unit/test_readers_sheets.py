"""Files as Pemda send them (issue 14): every sheet, hidden sheets, footnotes, formulas
without a value, a BOM before cp1252 text, DPA budget layouts, and the dry run ``ucj check``
over the loader's own path (real GX, no database)."""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from click.testing import CliRunner

from ucj.cli import main
from ucj.ingest.check import check_file
from ucj.ingest.landing import LandingPathError, discover
from ucj.ingest.readers import FileRead, read_file


def _nik(i: int) -> str:
    """A valid Kendari NIK: born 1 January 1970+i, a man, serial i+1."""
    return f"747101010170{i + 1:04d}"[:12] + f"{i + 1:04d}"


def _roster_rows(first: int, n: int, opd: str | None = None) -> list[list[Any]]:
    header = ["No.", "NIK", "Nama Lengkap", "Jabatan"] + (["Unit Kerja"] if opd else [])
    rows = [header]
    for i in range(first, first + n):
        rows.append([i - first + 1, _nik(i), f"PEKERJA {i}", "Staf"] + ([opd] if opd else []))
    return rows


def _xlsx(path: Path, sheets: dict[str, list[list[Any]]], hidden: tuple[str, ...] = (), chart: bool = False) -> Path:
    workbook = xlsxwriter.Workbook(path)
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write_string(r, c, value) if isinstance(value, str) else sheet.write(r, c, value)
        if name in hidden:
            sheet.hide()
    visible = [ws for ws in workbook.worksheets() if ws.name not in hidden]
    if visible:
        visible[0].activate()  # Excel keeps the active sheet visible: make it one that is
    if chart:
        chartsheet = workbook.add_chartsheet("Grafik")
        bar = workbook.add_chart({"type": "bar"})
        first = next(iter(sheets))
        bar.add_series({"values": f"='{first}'!$A$2:$A$3"})
        chartsheet.set_chart(bar)
    workbook.close()
    return path


def _rows(read: FileRead) -> pd.DataFrame:
    frames = [chunk.assign(_sheet=t.sheet, _opd=t.title_opd) for t in read.tables for chunk in t.chunks()]
    return pd.concat(frames, ignore_index=True)


def test_every_sheet_with_a_table_is_read_and_the_rest_listed(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "non_asn.xlsx",
        {
            "Petunjuk": [["Petunjuk pengisian"], ["Isi satu lembar per OPD"]],
            "Dinkes": [["DAFTAR TENAGA NON ASN"], [], *_roster_rows(0, 3)],
            "Satpol PP": _roster_rows(3, 2),
            "Referensi": [["Kode", "Jabatan"], ["1", "Staf"]],
            "Lama": _roster_rows(5, 2),
        },
        hidden=("Lama",),
        chart=True,
    )
    read = read_file(path, "rosters")
    status = {s.name: (s.status, s.reason_code) for s in read.sheets}
    assert status == {
        "Petunjuk": ("skipped", "NO_TABLE"),
        "Dinkes": ("read", None),
        "Satpol PP": ("read", None),
        "Referensi": ("skipped", "NO_TABLE"),
        "Lama": ("skipped", "HIDDEN_SHEET"),
        "Grafik": ("skipped", "NOT_A_WORKSHEET"),
    }
    rows = _rows(read)
    assert rows["nik"].tolist() == [_nik(i) for i in range(5)]
    assert rows["_sheet"].tolist() == ["Dinkes"] * 3 + ["Satpol PP"] * 2
    # no OPD column: each sheet's name is its OPD (the file name names none of them)
    assert rows["_opd"].tolist() == ["Dinkes"] * 3 + ["Satpol PP"] * 2
    assert [t.header_row for t in read.tables] == [3, 1]


def test_a_hidden_first_sheet_is_not_read_before_the_visible_one(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "roster.xlsx",
        {
            "April": [["KEADAAN BULAN APRIL 2025"], *_roster_rows(0, 2, "Dinkes")],
            "Juni": [["KEADAAN BULAN JUNI 2025"], *_roster_rows(2, 2, "Dinkes")],
        },
        hidden=("April",),
    )
    check = check_file(path, "rosters", "74.71", "2025-06", keep_rows=True)
    assert check.verdict == "load", check.message
    assert check.loaded["nik"].tolist() == [_nik(2), _nik(3)]
    assert [(s.name, s.status) for s in check.sheets] == [("April", "skipped"), ("Juni", "read")]


def test_a_workbook_whose_only_table_is_hidden_says_so(tmp_path: Path) -> None:
    sheets = {"Data": _roster_rows(0, 2, "Dinkes"), "Kosong": [["catatan"]]}
    path = _xlsx(tmp_path / "r.xlsx", sheets, hidden=("Data",))
    check = check_file(path, "rosters", "74.71", "2025-06")
    assert check.verdict == "quarantine" and check.code == "NO_HEADER"
    assert "hidden" in (check.message or "") and "Unhide" in (check.message or "")


def test_sheets_of_other_months_are_skipped_when_this_month_has_one(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "roster.xlsx",
        {"Mei 2025": _roster_rows(0, 2, "Dinkes"), "Juni 2025": _roster_rows(0, 3, "Dinkes")},
    )
    check = check_file(path, "rosters", "74.71", "2025-06", keep_rows=True)
    assert check.verdict == "load", check.message
    assert {s.name: (s.status, s.reason_code) for s in check.sheets} == {
        "Mei 2025": ("skipped", "OTHER_PERIOD"),
        "Juni 2025": ("read", None),
    }
    assert check.rows_loaded == 3 and check.rows_rejected == 0


def test_the_same_person_on_two_sheets_is_a_duplicate_key(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "r.xlsx", {"Dinkes": _roster_rows(0, 2), "Dishub": _roster_rows(1, 2)})
    check = check_file(path, "rosters", "74.71", "2025-06", keep_rows=True)
    assert (check.rows_read, check.rows_loaded, check.rows_rejected) == (4, 3, 1)
    duplicate = [f for f in check.failures if f.reason_code == "DUPLICATE_KEY"]
    assert [(f.sheet, f.source_row) for f in duplicate] == [("Dishub", 2)]


def test_footnotes_under_and_beside_a_table_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    rows = [
        ["NIK", "Nama", "OPD"],
        [_nik(0), "ANI", "Dinkes"],
        [_nik(1), "BUDI", "Dinkes"],
        ["Sumber: Dashboard UCJ", "", ""],
        ["Keterangan:", "*) tenaga harian lepas", ""],
        ["", "", "Catatan: data per 30 Juni 2025"],
        ["yang belum memiliki NIK tidak dicantumkan", "", ""],
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    check = check_file(path, "rosters", "74.71", "2025-06", keep_rows=True)
    assert check.verdict == "load" and check.rows_read == 2 and check.rows_rejected == 0
    assert [(s.row, s.kind) for s in check.skipped_rows] == [
        (4, "footnote"),
        (5, "footnote"),
        (6, "footnote"),
        (7, "footnote"),
    ]


def test_a_bom_before_cp1252_text_is_read_as_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(codecs.BOM_UTF8 + f"NIK,Nama,OPD\n{_nik(0)},ANDRÉ NUÑEZ,Dinkes\n".encode("cp1252"))
    read = read_file(path, "rosters")
    assert read.encoding == "cp1252"
    assert _rows(read)["nama"].tolist() == ["ANDRÉ NUÑEZ"]
    assert read.tables[0].headers == ["NIK", "Nama", "OPD"]


def _openpyxl_with_formulas(path: Path, name_formula: bool) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(["NIK", "Nama Asli", "Nama", "OPD", "Gaji"])
    for i in range(3):
        r = i + 2
        sheet.append(
            [
                _nik(i),
                f"pekerja {i}",
                f"=PROPER(B{r})" if name_formula else f"PEKERJA {i}",
                "Dinkes",
                f"=100000*{i + 1}",
            ]
        )
    workbook.save(path)
    return path


def test_formulas_without_a_calculated_value_are_named_per_column(tmp_path: Path) -> None:
    wage = check_file(_openpyxl_with_formulas(tmp_path / "a.xlsx", False), "rosters", "74.71", "2025-06")
    assert wage.verdict == "load"
    (warning,) = wage.sheets[0].warnings
    assert warning.startswith("FORMULA_NOT_CALCULATED column E (Gaji) = upah: 3 formula cell(s)")
    name = check_file(_openpyxl_with_formulas(tmp_path / "b.xlsx", True), "rosters", "74.71", "2025-06")
    assert name.verdict == "quarantine" and name.code == "FORMULA_NOT_CALCULATED"
    assert "column C: Nama (nama)" in (name.message or "")


def test_dpa_budget_layout_with_sub_totals(tmp_path: Path) -> None:
    rows = [
        ["DOKUMEN PELAKSANAAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH"],
        ["TAHUN ANGGARAN 2025"],
        ["SKPD : DINAS KESEHATAN"],
        [],
        ["Kode Rekening", "Uraian", "Volume", "Satuan", "Harga Satuan", "Jumlah"],
        ["5.1.02.02.02.0006", "Belanja Iuran Jaminan Kecelakaan Kerja Non ASN", "230", "Orang", "16.800", "3.864.000"],
        ["5.1.02.02.02.0007", "Belanja Iuran Jaminan Kematian Non ASN", "230", "Orang", "25.200", "5.796.000"],
        ["Sub Total", None, None, None, None, "9.660.000"],
        ["Jumlah", None, None, None, None, "9.660.000"],
    ]
    path = _xlsx(tmp_path / "dpa.xlsx", {"DPA": rows})
    check = check_file(path, "budgets", "74.71", "2025", keep_rows=True)
    assert check.verdict == "load", check.message
    loaded = check.loaded
    assert loaded["opd"].tolist() == ["DINAS KESEHATAN"] * 2
    assert [int(v) for v in loaded["pagu"]] == [3_864_000, 5_796_000]
    assert loaded["kode_rekening"].tolist() == ["5.1.02.02.02.0006", "5.1.02.02.02.0007"]
    assert [s.kind for s in check.skipped_rows] == ["total", "total"]
    assert check.sheets[0].mapping["Jumlah"] == "pagu"


def test_dot_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    folder = tmp_path / "rosters" / "74.71" / "2025-06"
    folder.mkdir(parents=True)
    (folder / ".roster.csv").write_text("NIK,Nama\n", encoding="utf-8")
    (found,) = list(discover(tmp_path))
    assert isinstance(found, LandingPathError) and "starts with '.'" in found.reason


def test_ucj_check_prints_and_exits_by_verdict(tmp_path: Path) -> None:
    folder = tmp_path / "rosters" / "74.71" / "2025-06"
    folder.mkdir(parents=True)
    good = _xlsx(folder / "dinkes.xlsx", {"Dinkes": _roster_rows(0, 2), "Satpol PP": _roster_rows(2, 1)})
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(good)])
    assert result.exit_code == 0, result.output
    assert "DIMUAT / load" in result.output and "Satpol PP" in result.output
    as_json = runner.invoke(main, ["check", "--json", str(good)])
    payload = json.loads(as_json.output.strip().splitlines()[0])
    assert payload["verdict"] == "load" and payload["rows_loaded"] == 3
    assert [s["status"] for s in payload["sheets"]] == ["read", "read"]
    empty = folder / "kosong.csv"
    empty.write_text("NIK,Nama,OPD\n", encoding="utf-8")
    bad = runner.invoke(main, ["check", str(empty)])
    assert bad.exit_code == 1 and "NO_DATA_ROWS" in bad.output


@pytest.mark.parametrize("value", ["[/b]", "[revisi]"])
def test_ucj_check_prints_file_text_as_text(tmp_path: Path, value: str) -> None:
    folder = tmp_path / "rosters" / "74.71" / "2025-06"
    folder.mkdir(parents=True)
    path = folder / f"roster {value.replace('/', '')}.csv"
    path.write_text(f"NIK,Nama,OPD\n{_nik(0)},{value},Dinkes\nx{value},B,Dinkes\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert path.name in result.output
    assert f"x{value}" in result.output  # the rejected value, as written


def _budget(tmp_path: Path, header: list[str], lines: list[list[Any]]) -> Path:
    rows = [["RKA SKPD TAHUN ANGGARAN 2025"], ["SKPD : DINAS PERHUBUNGAN"], header, *lines]
    return _xlsx(tmp_path / "rka.xlsx", {"RKA": rows})


@pytest.mark.parametrize(
    ("volume", "satuan", "koefisien", "workers", "warned"),
    [
        ("230", "Orang", None, 230, False),
        ("230 Orang", None, None, 230, False),
        ("230 org", None, None, 230, False),
        ("2.760", "OB", None, 230, False),  # orang-bulan over a fiscal year: 2760 / 12
        ("2.760 OB", None, None, 230, False),
        ("1.380", "OB", "230 Orang x 6 Bulan", 230, False),  # the Koefisien names the months
        (None, None, "230 Orang x 12 Bulan", 230, False),
        ("2.761", "OB", None, None, True),  # not whole workers: stated as unknown, with a warning
        ("1", "Paket", None, None, True),
        ("12", "Bulan", None, None, True),
        ("230", None, None, 230, False),
    ],
)
def test_budget_workers_from_volume_satuan_and_koefisien(
    tmp_path: Path, volume: str | None, satuan: str | None, koefisien: str | None, workers: int | None, warned: bool
) -> None:
    header = ["Kode Rekening", "Uraian", "Koefisien", "Volume", "Satuan", "Harga Satuan", "Jumlah"]
    lines = [
        ["5.1.02.02.02.0006", "Iuran JKK Non ASN", koefisien, volume, satuan, "16.800", "3.864.000"],
        ["5.1.02.02.02.0007", "Iuran JKM Non ASN", koefisien, volume, satuan, "25.200", "5.796.000"],
        ["Sub Total", None, None, None, None, None, "9.660.000"],
    ]
    check = check_file(_budget(tmp_path, header, lines), "budgets", "74.71", "2025", keep_rows=True)
    assert check.verdict == "load", check.message
    assert check.loaded["jumlah_pekerja"].tolist() == [workers, workers]
    assert check.loaded["opd"].tolist() == ["DINAS PERHUBUNGAN"] * 2
    assert check.rows_loaded == 2 and check.rows_rejected == 0
    codes = [f.reason_code for f in check.failures]
    assert codes == (["BUDGET_VOLUME_NOT_WORKERS"] * 2 if warned else [])
    assert check.rows_warned == (2 if warned else 0)


def test_a_deployment_teaches_spellings_and_headers_without_code(tmp_path: Path, monkeypatch) -> None:
    from ucj.ingest import overrides

    config = tmp_path / "config"
    config.mkdir()
    (config / "values.yaml").write_text("segment:\n  BPU: [Bukan Penerima Upah Mandiri]\n", encoding="utf-8")
    (config / "headers.yaml").write_text("participants:\n  kpj: [Nomor Kartu Jamsostek]\n", encoding="utf-8")
    path = tmp_path / "kepesertaan.csv"
    rows = [
        ["NIK", "Nomor Kartu Jamsostek", "Nama", "Segmen", "Status"],
        [_nik(0), "12345678901", "ANI", "Bukan Penerima Upah Mandiri", "AKTIF"],
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    before = check_file(path, "participants", "74.71", "2025-06", keep_rows=True)
    assert before.verdict == "quarantine" and before.code == "MISSING_REQUIRED_COLUMN"
    monkeypatch.setenv("UCJ_CONFIG_DIR", str(config))
    overrides.clear_cache()
    try:
        after = check_file(path, "participants", "74.71", "2025-06", keep_rows=True)
        assert after.verdict == "load", after.message
        assert after.loaded[["kpj", "segmen"]].values.tolist() == [["12345678901", "BPU"]]
    finally:
        monkeypatch.delenv("UCJ_CONFIG_DIR")
        overrides.clear_cache()


def test_identifiers_typed_as_numbers_carry_a_flag_not_a_text_prefix(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["KPJ", "NIK", "Nama", "Segmen", "Status"])
    sheet.append([12345678901, _nik(0), "ANI", "PU", "AKTIF"])  # exact: loads, warned (leading zeros)
    sheet.append(["12345678902", float(_nik(1)), "BUDI", "PU", "AKTIF"])  # a 16-digit NIK as a number
    sheet.append([1.2345678901234567e17, _nik(2), "CITRA", "PU", "AKTIF"])  # 18 digits: not exact
    path = tmp_path / "kepesertaan.xlsx"
    workbook.save(path)
    check = check_file(path, "participants", "74.71", "2025-06", keep_rows=True)
    assert check.loaded["kpj"].tolist() == ["12345678901"]
    codes = {(f.source_row, f.reason_code, f.severity) for f in check.failures}
    assert (2, "IDENTIFIER_AS_NUMBER", "warn") in codes
    assert (3, "NIK_AS_NUMBER", "reject") in codes
    assert (4, "IDENTIFIER_AS_NUMBER", "reject") in codes
    assert all("NUM:" not in str(f.value) for f in check.failures)
