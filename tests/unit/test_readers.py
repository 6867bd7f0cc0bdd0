"""File readers (ucj.ingest.readers) and the header synonym table (ucj.ingest.fields).

Every fixture is built in tmp_path with xlsxwriter / openpyxl / csv; no binary files are
committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from ucj.ingest.fields import (
    SOURCES,
    is_ignored_header,
    normalize_header,
    source_fields,
)
from ucj.ingest.layout import header_match
from ucj.ingest.readers import FileLevelError, TableRead, cell_text, identifier_cell_text, read_table

NIK = "7471010101900001"
PARTICIPANT_HEADER = [
    "NIK",
    "NO KPJ",
    "NAMA LENGKAP",
    "TGL LAHIR",
    "JENIS KELAMIN",
    "SEGMEN",
    "UPAH",
    "STATUS KEPESERTAAN",
]


def _participant_row(i: int) -> list[str]:
    return [
        f"7471010101{90 + i % 10:02d}{i % 9999 + 1:04d}",
        f"{10**10 + i}",
        f"PESERTA {i}",
        "12-03-1990",
        "L",
        "PU",
        "3.073.551",
        "AKTIF",
    ]


def _write_csv(path: Path, rows: list[list[Any]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def _write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]] | None = None) -> Path:
    workbook = xlsxwriter.Workbook(path)
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, value, date_format)
                else:
                    sheet.write(r, c, value)
        for cell_range in (merges or {}).get(name, []):
            first = cell_range.split(":")[0]
            col, row = ord(first[0]) - 65, int(first[1:]) - 1
            sheet.merge_range(cell_range, rows[row][col] if row < len(rows) and col < len(rows[row]) else "")
    workbook.close()
    return path


def _all(table: TableRead) -> pd.DataFrame:
    frames = list(table.chunks())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _skipped(table: TableRead) -> list[tuple[int, str]]:
    return [(s.row, s.kind) for s in table.skipped]


# --------------------------------------------------------------------------- fields


def test_normalize_header_examples() -> None:
    assert normalize_header("No. NIK") == "nonik"
    assert normalize_header("Gaji/Honor per Bulan") == "gajihonorperbulan"
    assert normalize_header("  Tgl.\nLahir ") == "tgllahir"
    assert normalize_header("Tánggal") == "tanggal"


@pytest.mark.parametrize(
    ("source", "header", "field"),
    [
        ("rosters", "No. NIK", "nik"),
        ("rosters", "Nomor Induk Kependudukan", "nik"),
        ("rosters", "NIK KTP", "nik"),
        ("rosters", "NAMA PEGAWAI", "nama"),
        ("rosters", "Nama Tenaga Kerja", "nama"),
        ("rosters", "Unit Kerja", "opd"),
        ("rosters", "SKPD", "opd"),
        ("rosters", "Tgl. Lahir", "tanggal_lahir"),
        ("rosters", "TTL", "tanggal_lahir"),
        ("rosters", "Tempat/Tgl Lahir", "tanggal_lahir"),
        ("rosters", "Tempat, Tanggal Lahir", "tanggal_lahir"),
        ("rosters", "L/P", "jenis_kelamin"),
        ("rosters", "JK", "jenis_kelamin"),
        ("rosters", "Jabatan/Tugas", "jabatan"),
        ("rosters", "Status", "status_kepegawaian"),
        ("rosters", "Jenis Pekerjaan", "kategori_rentan"),
        ("rosters", "Gaji / Honor", "upah"),
        ("rosters", "Honorarium Per Bulan (Rp)", "upah"),
        ("rosters", "Upah (Rp)", "upah"),
        ("rosters", "Tanggal Lahir (dd-mm-yyyy)", "tanggal_lahir"),
        ("rosters", "TMT", "tmt"),
        ("rosters", "Mulai Tugas", "tmt"),
        ("participants", "No. Kartu", "kpj"),
        ("participants", "No. Identitas", "nik"),
        ("participants", "NAMA TK", "nama"),
        ("participants", "Jenis Kepesertaan", "segmen"),
        ("participants", "Status", "status_kepesertaan"),
        ("participants", "Kode Perusahaan", "npp"),
        ("participants", "Instansi", "nama_pemberi_kerja"),
        ("participants", "Iuran JKK", "iuran_jkk"),
        ("participants", "TMT Kepesertaan", "tanggal_kepesertaan"),
        ("participants", "Tanggal Pembayaran", "tanggal_bayar"),
        ("claims", "ID Klaim", "nomor_klaim"),
        ("claims", "Jenis Program", "program"),
        ("claims", "Tanggal Meninggal", "tanggal_kejadian"),
        ("claims", "Nilai Santunan", "nominal"),
        ("claims", "Status Klaim", "status_klaim"),
        ("claims", "Keterangan", "jenis_manfaat"),
        ("budgets", "Kode Akun", "kode_rekening"),
        ("budgets", "Jumlah Anggaran", "pagu"),
        ("budgets", "Nama Rekening", "uraian"),
        ("budgets", "Volume", "jumlah_pekerja"),
        ("budgets", "Terbayar", "realisasi"),
        ("workforce", "Kategori", "segmen"),
        ("workforce", "Potensi", "jumlah_pekerja"),
        ("workforce", "Per Tanggal", "tanggal_data"),
    ],
)
def test_header_synonyms(source: str, header: str, field: str) -> None:
    found = header_match(source, header)
    assert found is not None and found[0] == field, found


def test_header_unknown_and_kinds() -> None:
    assert header_match("rosters", "Nomor SK") is None
    assert header_match("rosters", "") is None
    assert header_match("rosters", "TTL") == ("tanggal_lahir", "place_date")
    assert header_match("rosters", "Tanggal Lahir") == ("tanggal_lahir", "date")
    assert is_ignored_header("No.") and is_ignored_header("Nomor Urut") and not is_ignored_header("NIK")


def test_fields_cover_sources_md() -> None:
    expected = {
        "rosters": {
            "nik",
            "nama",
            "opd",
            "tanggal_lahir",
            "jenis_kelamin",
            "jabatan",
            "status_kepegawaian",
            "kategori_rentan",
            "upah",
            "tmt",
        },
        "participants": {
            "kpj",
            "nik",
            "nama",
            "segmen",
            "status_kepesertaan",
            "npp",
            "nama_pemberi_kerja",
            "tanggal_lahir",
            "jenis_kelamin",
            "upah",
            "iuran_jkk",
            "iuran_jkm",
            "tanggal_kepesertaan",
            "tanggal_bayar",
        },
        "claims": {
            "nomor_klaim",
            "kpj",
            "program",
            "tanggal_kejadian",
            "nominal",
            "status_klaim",
            "nik",
            "jenis_manfaat",
            "tanggal_pengajuan",
            "tanggal_bayar",
        },
        "budgets": {"opd", "kode_rekening", "pagu", "uraian", "jumlah_pekerja", "realisasi"},
        "workforce": {"segmen", "jumlah_pekerja", "tanggal_data"},
    }
    required = {
        "rosters": {"nik", "nama", "opd"},
        "participants": {"kpj", "nik", "nama", "segmen", "status_kepesertaan"},
        "claims": {"nomor_klaim", "kpj", "program", "tanggal_kejadian", "nominal", "status_klaim"},
        "budgets": {"opd", "kode_rekening", "pagu"},
        "workforce": {"segmen", "jumlah_pekerja"},
    }
    assert set(SOURCES) == set(expected)
    for source in SOURCES:
        specs = source_fields(source)
        assert expected[source] <= set(specs)
        assert {n for n, s in specs.items() if s.required} == required[source]
        for spec in specs.values():
            assert spec.synonyms and all(s == normalize_header(s) for s in spec.synonyms)
            assert not any(is_ignored_header(s) for s in spec.synonyms)
    assert source_fields("rosters")["opd"].title_or_filename
    assert source_fields("rosters")["nik"].kind == "identifier"


# --------------------------------------------------------------------------- cell text


def test_cell_text_rules() -> None:
    assert cell_text("  Ani  ") == "Ani"
    assert cell_text("   ") is None
    assert cell_text(3073551.0) == "3073551"
    assert cell_text(3073551.7) == "3073551.7"
    assert cell_text(True) == "TRUE" and cell_text(False) == "FALSE"
    assert cell_text(dt.date(1990, 3, 12)) == "1990-03-12"
    assert cell_text(dt.datetime(1990, 3, 12)) == "1990-03-12"
    assert cell_text(dt.datetime(1990, 3, 12, 10, 30)) == "1990-03-12 10:30:00"
    assert cell_text(None) is None
    assert str(identifier_cell_text(7471010101900001.0)) == "7471010101900001"
    assert str(identifier_cell_text(7.47101e15)) == "7471010000000000"
    assert type(identifier_cell_text(7.47101e15)).__name__ == "IdentifierNumber"
    assert identifier_cell_text(NIK) == NIK


# --------------------------------------------------------------------------- xlsx roster


def _roster_rows() -> list[list[Any]]:
    title = "DAFTAR NAMA PEGAWAI NON ASN DINAS PEMADAM KEBAKARAN KOTA KENDARI TAHUN 2025"
    return [
        [title],
        ["PEMERINTAH KOTA KENDARI"],
        [],
        [
            "No.",
            "NIK",
            "Nama Lengkap",
            "Tempat, Tanggal Lahir",
            "Tanggal Lahir",
            "L/P",
            "Jabatan",
            "Gaji/Honor per Bulan",
            "TMT",
            "Nomor SK",
        ],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)", "(10)"],
        [
            1,
            NIK,
            "Ani Wulandari",
            "Kendari, 12-03-1990",
            "12-03-1990",
            "P",
            "Staf",
            3073551.7,
            dt.date(2020, 1, 2),
            "800/12/2025",
        ],
        [2, 7471010101900002, "Budi", "Kendari, 1 Desember 1990", 33208, "L", "Sopir", 3000000, 43832, None],
        [3],
        [4, "7471010101900003", "  Citra  ", None, "01/02/1991", "P", None, "Rp 2.500.000", None, None],
        ["JUMLAH", None, None, None, None, None, None, 8573551.7],
        [],
        [None, None, None, None, None, None, "Kendari, 30 Juni 2025"],
        [None, None, None, None, None, None, "Kepala Dinas Pemadam Kebakaran"],
        [],
        [None, None, None, None, None, None, "Drs. LA ODE MUHAMMAD, M.Si"],
        [None, None, None, None, None, None, "NIP. 19700101 199003 1 001"],
    ]


def test_xlsx_roster_with_title_no_column_total_and_signature(tmp_path: Path) -> None:
    path = _write_xlsx(tmp_path / "roster.xlsx", {"Sheet1": _roster_rows()}, {"Sheet1": ["A1:J1", "A2:J2"]})
    table = read_table(path, "rosters")
    assert (table.file_type, table.sheet, table.header_row, table.extension_mismatch) == ("xlsx", "Sheet1", 4, False)
    assert table.encoding is None and table.delimiter is None
    assert table.title_lines[0].startswith("DAFTAR NAMA PEGAWAI NON ASN")
    assert table.title_opd == "DINAS PEMADAM KEBAKARAN" and table.title_opd_source == "title"
    assert table.missing_required == []  # opd comes from the title block
    assert table.field_of_header == [
        None,
        "nik",
        "nama",
        "tanggal_lahir",
        "tanggal_lahir",
        "jenis_kelamin",
        "jabatan",
        "upah",
        "tmt",
        None,
    ]
    assert table.duplicated_fields == ["tanggal_lahir"]
    assert table.kind_of_header[3] == "place_date" and table.kind_of_header[4] == "date"
    assert table.ignored_columns == [0]
    frame = _all(table)
    assert list(frame.columns) == [
        "_source_row",
        "nik__number",
        "nik",
        "nama",
        "tanggal_lahir",
        "jenis_kelamin",
        "jabatan",
        "upah",
        "tmt",
        "_extras",
    ]
    assert frame["_source_row"].tolist() == [6, 7, 9]
    assert str(frame["_source_row"].dtype) == "int64"
    assert all(str(frame[c].dtype) == "object" for c in frame.columns if c not in ("_source_row", "nik__number"))
    assert frame["nik"].tolist() == [NIK, "7471010101900002", "7471010101900003"]
    assert frame["nik__number"].tolist() == [False, True, False]  # typed as a number: judged NIK_AS_NUMBER
    assert frame["nama"].tolist() == ["Ani Wulandari", "Budi", "Citra"]
    # "Tanggal Lahir" (a plain date) is preferred over "TTL" (place and date); TTL stays an extra
    assert frame["tanggal_lahir"].tolist() == ["12-03-1990", "33208", "01/02/1991"]
    assert table.duplicate_columns == {}  # different layouts: not a conflict to check
    assert frame["upah"].tolist() == ["3073551.7", "3000000", "Rp 2.500.000"]
    assert frame["tmt"].tolist() == ["2020-01-02", "43832", None]  # a date cell; a bare serial
    assert frame["_extras"].tolist() == [
        {"Tempat, Tanggal Lahir": "Kendari, 12-03-1990", "Nomor SK": "800/12/2025"},
        {"Tempat, Tanggal Lahir": "Kendari, 1 Desember 1990"},
        None,
    ]
    assert _skipped(table) == [
        (5, "repeated_header"),
        (8, "blank"),
        (10, "total"),
        (11, "blank"),
        (12, "signature"),
        (13, "signature"),
        (14, "blank"),
        (15, "signature"),
        (16, "signature"),
    ]
    assert table.rows_yielded == 3
    assert "JUMLAH" in table.skipped[2].text


def test_chunks_can_be_read_twice(tmp_path: Path) -> None:
    path = _write_xlsx(tmp_path / "roster.xlsx", {"Sheet1": _roster_rows()})
    table = read_table(path, "rosters")
    first, skipped = _all(table), list(table.skipped)
    second = _all(table)
    assert first.equals(second) and table.skipped == skipped


def test_xlsx_first_sheet_with_a_header_is_read(tmp_path: Path) -> None:
    sheets = {
        "Petunjuk": [["Isi data mulai baris 2"], ["Jangan ubah judul kolom"]],
        "Data": [["NIK", "Nama", "OPD"], [NIK, "Ani", "Dinas Kesehatan"]],
        "Lama": [["NIK", "Nama", "OPD"], ["7471010101900002", "Budi", "Dinkes"]],
    }
    table = read_table(_write_xlsx(tmp_path / "data.xlsx", sheets), "rosters")
    assert table.sheet == "Data" and table.header_row == 1
    assert table.other_sheets_with_header == ["Lama"]
    assert _all(table)["opd"].tolist() == ["Dinas Kesehatan"]


def test_xlsx_data_not_starting_in_column_a(tmp_path: Path) -> None:
    rows = [[], [None, None, "NIK", "Nama", "OPD", "Catatan"], [None, None, NIK, "Ani", "Dinkes", None, "x"]]
    table = read_table(_write_xlsx(tmp_path / "offset.xlsx", {"S": rows}), "rosters")
    assert table.header_row == 2 and table.headers == ["NIK", "Nama", "OPD", "Catatan"]
    frame = _all(table)
    assert frame["_source_row"].tolist() == [3]
    assert frame["_extras"].tolist() == [{"column G": "x"}]  # right of the header: kept


def test_xlsx_two_row_header(tmp_path: Path) -> None:
    rows = [
        ["No", "NIK", "Nama", "Tempat/Tgl Lahir", None, "Jenis Kelamin", "Unit Kerja"],
        [None, None, None, "Tempat Lahir", "Tanggal Lahir", None, None],
        [1, NIK, "Ani", "Kendari", "12-03-1990", "P", "Dinkes"],
    ]
    table = read_table(_write_xlsx(tmp_path / "two.xlsx", {"S": rows}, {"S": ["D1:E1"]}), "rosters")
    assert table.header_rows == [1, 2]
    assert table.field_of_header[3:5] == ["tempat_lahir", "tanggal_lahir"]
    frame = _all(table)
    assert frame[["tempat_lahir", "tanggal_lahir"]].values.tolist() == [["Kendari", "12-03-1990"]]
    assert table.skipped == []


def test_xlsx_vertical_merge_is_filled(tmp_path: Path) -> None:
    rows = [
        ["OPD", "Kode Rekening", "Uraian", "Pagu"],
        ["Dinas Kesehatan", "5.1.02.02.02.0006", "Iuran JKK bagi Non ASN", 1000000],
        [None, "5.1.02.02.02.0007", "Iuran JKM bagi Non ASN", 1250000],
        ["JUMLAH", None, None, 2250000],
    ]
    table = read_table(_write_xlsx(tmp_path / "apbd.xlsx", {"S": rows}, {"S": ["A2:A3"]}), "budgets")
    frame = _all(table)
    assert frame["opd"].tolist() == ["Dinas Kesehatan", "Dinas Kesehatan"]
    assert _skipped(table) == [(4, "total")]


def test_xlsx_cells_of_every_type(tmp_path: Path) -> None:
    path = tmp_path / "types.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["KPJ", "NIK", "Nama", "Segmen", "Status", "Upah", "Tgl Lahir", "Catatan"])
    sheet.append([12345678901, NIK, "Ani", "PU", "AKTIF", 3073551.5, dt.datetime(1990, 3, 12), True])
    sheet.append(["12345678902", 7.47101e15, "Budi", "BPU", "AKTIF", 2000000, 33045, "=1+1"])
    workbook.save(path)
    frame = _all(read_table(path, "participants"))
    assert frame["kpj"].tolist() == ["12345678901", "12345678902"]
    assert frame["kpj__number"].tolist() == [True, False]
    assert frame["nik"].tolist() == [NIK, "7471010000000000"]
    assert frame["nik__number"].tolist() == [False, True]
    assert frame["upah"].tolist() == ["3073551.5", "2000000"]
    assert frame["tanggal_lahir"].tolist() == ["1990-03-12", "33045"]
    assert frame["_extras"].tolist()[0] == {"Catatan": "TRUE"}


def test_roster_opd_from_filename_or_missing(tmp_path: Path) -> None:
    rows = [["No", "NIK", "Nama"], [1, NIK, "Ani"]]
    named = read_table(_write_xlsx(tmp_path / "Damkar JUNI 2025 (revisi).xlsx", {"S": rows}), "rosters")
    assert (named.title_opd, named.title_opd_source, named.missing_required) == ("Damkar", "filename", [])
    plain = read_table(_write_xlsx(tmp_path / "data_2025.xlsx", {"S": rows}), "rosters")
    assert plain.title_opd is None and plain.missing_required == ["opd"]
    labelled = [["Unit Kerja", ":", "Dinas Kesehatan"], [], *rows]
    table = read_table(_write_xlsx(tmp_path / "x.xlsx", {"S": labelled}), "rosters")
    assert table.title_opd == "Dinas Kesehatan" and table.header_row == 3


# --------------------------------------------------------------------------- csv


def test_csv_semicolon_cp1252(tmp_path: Path) -> None:
    rows = [PARTICIPANT_HEADER, [NIK, "12345678901", "André Ténggara", "12-03-1990", "L", "PU", "3.073.551", "AKTIF"]]
    path = _write_csv(tmp_path / "peserta.csv", rows, delimiter=";", encoding="cp1252")
    table = read_table(path, "participants")
    assert (table.file_type, table.encoding, table.delimiter, table.header_row) == ("csv", "cp1252", ";", 1)
    frame = _all(table)
    assert frame["nama"].tolist() == ["André Ténggara"]
    assert frame["upah"].tolist() == ["3.073.551"]


def test_csv_with_bom_and_tabs(tmp_path: Path) -> None:
    rows = [PARTICIPANT_HEADER, _participant_row(1)]
    path = _write_csv(tmp_path / "peserta.csv", rows, delimiter="\t", encoding="utf-8-sig")
    table = read_table(path, "participants")
    assert (table.encoding, table.delimiter) == ("utf-8-sig", "\t")
    assert table.headers[0] == "NIK" and table.missing_required == []


def test_csv_utf16_unicode_text(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "peserta.txt", [PARTICIPANT_HEADER, _participant_row(1)], "\t", "utf-16")
    table = read_table(path, "participants")
    assert table.encoding == "utf-16" and len(_all(table)) == 1


def test_csv_keeps_text_verbatim(tmp_path: Path) -> None:
    rows = [PARTICIPANT_HEADER, ["7.47101E+15", "00012345678", "Ani", "33045", "L", "PU", "3073551,70", "AKTIF"]]
    frame = _all(read_table(_write_csv(tmp_path / "p.csv", rows), "participants"))
    assert frame.loc[0, "nik"] == "7.47101E+15"
    assert frame.loc[0, "kpj"] == "00012345678"
    assert frame.loc[0, "tanggal_lahir"] == "33045"


def test_csv_named_xlsx_is_read_as_csv(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "peserta.xlsx", [PARTICIPANT_HEADER, _participant_row(1)])
    table = read_table(path, "participants")
    assert table.file_type == "csv" and table.extension_mismatch and table.delimiter == ","


def test_csv_quoted_fields_and_ragged_rows(tmp_path: Path) -> None:
    text = (
        "NIK,NO KPJ,NAMA LENGKAP,SEGMEN,STATUS\n"
        f'{NIK},12345678901,"Ani, S.Pd","PU",AKTIF\n'
        f'7471010101900002,12345678902,"Budi\nBaris Dua",BPU,AKTIF,catatan\n'
        f"7471010101900003,12345678903,Citra,JAKON\n"
        "\n"
        "TOTAL,,,,\n"
    )
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8", newline="")
    table = read_table(path, "participants")
    frame = _all(table)
    assert frame["_source_row"].tolist() == [2, 3, 4]  # records, not physical lines
    assert frame["nama"].tolist() == ["Ani, S.Pd", "Budi\nBaris Dua", "Citra"]
    assert frame["status_kepesertaan"].tolist() == ["AKTIF", "AKTIF", None]
    assert frame["_extras"].tolist() == [None, {"column F": "catatan"}, None]
    assert _skipped(table) == [(5, "blank"), (6, "total")]


def test_csv_title_lines_and_repeated_header(tmp_path: Path) -> None:
    rows = [
        ["DATA PESERTA BPJS KETENAGAKERJAAN PEMKOT KENDARI"],
        ["Periode: Juni 2025"],
        PARTICIPANT_HEADER,
        _participant_row(1),
        PARTICIPANT_HEADER,
        _participant_row(2),
        ["Kendari, 30 Juni 2025"],
        ["Mengetahui"],
        ["Kepala Bidang Kepesertaan"],
    ]
    table = read_table(_write_csv(tmp_path / "p.csv", rows), "participants")
    assert table.header_row == 3
    assert table.title_lines == ["DATA PESERTA BPJS KETENAGAKERJAAN PEMKOT KENDARI", "Periode: Juni 2025"]
    assert _all(table)["_source_row"].tolist() == [4, 6]
    assert _skipped(table) == [(5, "repeated_header"), (7, "signature"), (8, "signature"), (9, "signature")]


def test_renamed_duplicated_and_extra_headers(tmp_path: Path) -> None:
    rows = [
        ["Nomor Induk Kependudukan", "Nama Tenaga Kerja", "Perangkat Daerah", "NIK KTP", "No. HP", "Keterangan"],
        [NIK, "Ani", "Dinkes", "7471010101900009", "0812", None],
        ["7471010101900002", "Budi", "Dinkes", None, None, None],
    ]
    table = read_table(_write_csv(tmp_path / "r.csv", rows), "rosters")
    assert table.field_of_header == ["nik", "nama", "opd", "nik", None, None]
    assert table.duplicated_fields == ["nik"]
    assert table.extra_columns == ["NIK KTP", "No. HP", "Keterangan"]
    frame = _all(table)
    assert frame["nik"].tolist() == [NIK, "7471010101900002"]  # the first NIK column wins
    assert table.duplicate_columns == {"nik": ["NIK KTP"]}  # same layout: the loader compares them
    assert frame["_extras"].tolist() == [{"NIK KTP": "7471010101900009", "No. HP": "0812"}, None]


def test_workforce_total_row_is_data(tmp_path: Path) -> None:
    rows = [
        ["Segmen", "Jumlah Pekerja", "Per Tanggal"],
        ["PU", "88.357", "08-06-2025"],
        ["BPU", "36.140", None],
        ["JAKON", "16.443", None],
        ["TOTAL", "140.940", None],
    ]
    table = read_table(_write_csv(tmp_path / "w.csv", rows), "workforce")
    assert _all(table)["segmen"].tolist() == ["PU", "BPU", "JAKON", "TOTAL"]
    assert table.skipped == []


def test_claims_and_budget_rows(tmp_path: Path) -> None:
    rows = [
        ["No Klaim", "KPJ", "Program", "Tgl Kejadian", "Nominal", "Status Klaim"],
        ["K-001", "12345678901", "JKM", "01-02-2024", "Rp 42.000.000", "Dibayar"],
        ["Jumlah", None, None, None, "Rp 42.000.000", None],
    ]
    table = read_table(_write_csv(tmp_path / "c.csv", rows), "claims")
    assert _all(table)["nomor_klaim"].tolist() == ["K-001"] and _skipped(table) == [(3, "total")]


def test_header_only_yields_nothing(tmp_path: Path) -> None:
    table = read_table(_write_csv(tmp_path / "p.csv", [PARTICIPANT_HEADER]), "participants")
    assert list(table.chunks()) == [] and table.rows_yielded == 0


def test_csv_in_chunks_stays_bounded(tmp_path: Path) -> None:
    n = 200_000
    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(PARTICIPANT_HEADER)
        writer.writerows(_participant_row(i) for i in range(n))
    table = read_table(path, "participants", chunk_rows=30_000)
    sizes, last_row = [], 1
    for chunk in table.chunks():
        sizes.append(len(chunk))
        assert chunk["_source_row"].iloc[0] == last_row + 1
        last_row = int(chunk["_source_row"].iloc[-1])
    assert max(sizes) <= 30_000 and sum(sizes) == n and len(sizes) == 7
    assert last_row == n + 1 and table.rows_yielded == n


# --------------------------------------------------------------------------- file-level errors


@pytest.mark.parametrize("content", [b"", b"   \r\n\t\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "kosong.csv"
    path.write_bytes(content)
    with pytest.raises(FileLevelError) as err:
        read_table(path, "rosters")
    assert err.value.code == "EMPTY_FILE" and "kosong.csv" in err.value.message


def test_workbook_without_data_is_empty(tmp_path: Path) -> None:
    with pytest.raises(FileLevelError) as err:
        read_table(_write_xlsx(tmp_path / "e.xlsx", {"S": []}), "rosters")
    assert err.value.code == "EMPTY_FILE"


def test_truncated_xlsx_is_unreadable(tmp_path: Path) -> None:
    full = _write_xlsx(tmp_path / "full.xlsx", {"S": _roster_rows()}).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(FileLevelError) as err:
        read_table(path, "rosters")
    assert err.value.code == "UNREADABLE" and "cut.xlsx" in err.value.message and "resend" in err.value.message


def test_encrypted_workbook(tmp_path: Path) -> None:
    path = tmp_path / "rahasia.xlsx"  # an encrypted OOXML package is an OLE file with these streams
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64
    )
    with pytest.raises(FileLevelError) as err:
        read_table(path, "rosters")
    assert err.value.code == "ENCRYPTED" and "password" in err.value.message


def test_other_office_and_binary_files(tmp_path: Path) -> None:
    garbage = tmp_path / "x.csv"
    garbage.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(FileLevelError) as err:
        read_table(garbage, "rosters")
    assert err.value.code == "UNREADABLE"
    pdf = tmp_path / "x.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n...")
    with pytest.raises(FileLevelError) as err:
        read_table(pdf, "rosters")
    assert err.value.code == "UNSUPPORTED_TYPE"
    html = tmp_path / "export.xls"
    html.write_text("<html><table><tr><td>NIK</td></tr></table></html>")
    with pytest.raises(FileLevelError) as err:
        read_table(html, "rosters")
    assert err.value.code == "UNSUPPORTED_TYPE"
    other_zip = tmp_path / "x.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(FileLevelError) as err:
        read_table(other_zip, "rosters")
    assert err.value.code == "UNSUPPORTED_TYPE"


def test_no_header(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "lain.csv", [["Kolom A", "Kolom B"], ["1", "2"]])
    with pytest.raises(FileLevelError) as err:
        read_table(path, "rosters")
    assert err.value.code == "NO_HEADER"
    assert "lain.csv" in err.value.message and "NIK" in err.value.message


def test_bad_arguments(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "p.csv", [PARTICIPANT_HEADER])
    with pytest.raises(ValueError, match="unknown source"):
        read_table(path, "nope")
    with pytest.raises(ValueError, match="chunk_rows"):
        read_table(path, "participants", chunk_rows=0)


def test_broken_quote_that_swallows_records_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kutip.csv"
    path.write_text(f'NIK,Nama,OPD,Gaji\n{NIK},"Ani,Dinkes,3000000\n7471010101900002,Budi,Dinkes,3000000\n')
    table = read_table(path, "rosters")
    with pytest.raises(FileLevelError) as err:
        _all(table)
    assert (err.value.code, err.value.row, err.value.column) == ("BROKEN_QUOTES", 2, "B")


def test_a_nul_character_far_into_a_csv_is_refused_with_its_row_and_column(tmp_path: Path) -> None:
    """Beyond the sniffed head (256 KB): before, PostgreSQL's COPY refused the byte and the file
    was quarantined as an internal error."""
    path = tmp_path / "nul.csv"
    rows = [f"74710101{i:08d},PEKERJA {i},Dinkes" for i in range(9000)]
    rows[8500] = rows[8500].replace("PEKERJA", "PEK\x00ERJA")
    path.write_text("NIK,Nama,OPD\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert path.stat().st_size > 256 * 1024
    with pytest.raises(FileLevelError) as err:
        _all(read_table(path, "rosters"))
    assert (err.value.code, err.value.row, err.value.column) == ("NUL_CHARACTER", 8502, "B")
    assert "\x00" not in err.value.value


def test_a_cell_longer_than_the_csv_limit_is_refused_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "panjang.csv"
    rows = [f"74710101{i:08d},PEKERJA {i},Dinkes" for i in range(50)]
    rows[40] = rows[40].replace("PEKERJA", "X" * 140_000)
    path.write_text("NIK,Nama,OPD\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(FileLevelError) as err:
        _all(read_table(path, "rosters"))
    assert (err.value.code, err.value.row) == ("FIELD_TOO_LONG", 42)  # the line the cell ends on
    assert "131,072" in str(err.value)


def test_a_line_break_inside_a_quoted_address_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "alamat.csv"
    path.write_text(f'NIK,Nama,OPD,Alamat\n{NIK},Ani,Dinkes,"Jl. Mawar 5,\nKendari"\n')
    assert _all(read_table(path, "rosters"))["_extras"].tolist() == [{"Alamat": "Jl. Mawar 5,\nKendari"}]


def test_group_row_above_the_header_names_the_merged_columns(tmp_path: Path) -> None:
    rows = [
        ["DAFTAR HONORER DINAS LINGKUNGAN HIDUP"],
        [],
        ["No.", "Identitas", None, "Honor"],
        [None, "NIK", "Nama", None],
        [1, NIK, "Ani", 2500000],
    ]
    table = read_table(_write_xlsx(tmp_path / "g.xlsx", {"Sheet1": rows}), "rosters")
    assert table.header_row == 4 and table.field_of_header == [None, "nik", "nama", "upah"]
    assert table.title_lines == ["DAFTAR HONORER DINAS LINGKUNGAN HIDUP"]
    assert _all(table)["upah"].tolist() == ["2500000"]


def test_workbook_with_another_extension_is_read_by_content(tmp_path: Path) -> None:
    rows = [["NIK", "Nama", "OPD"], [NIK, "Ani", "Dinkes"]]
    table = read_table(_write_xlsx(tmp_path / "lama.xls", {"Sheet1": rows}), "rosters")
    assert (table.file_type, table.extension_mismatch) == ("xlsx", True)
    assert table.source_column("nama") == "B: Nama" and table.source_column("upah") is None
