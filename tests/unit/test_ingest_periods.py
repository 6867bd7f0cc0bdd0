"""Does a file's content belong to its period folder? (ucj.ingest.periods; no database, no GX)."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import random

import pandas as pd
import pytest

from ucj.bulan import BULAN
from ucj.ingest.periods import PeriodCheck, PeriodSpan, covers, periods_in_text, title_month, title_year, years_in
from ucj.ingest.values import ValueParseError, parse_year_month


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["DAFTAR NAMA PEGAWAI NON ASN", "KEADAAN BULAN JUNI 2025"], "2025-06"),
        (["Periode: Mei 2025"], "2025-05"),
        (["DATA PESERTA PER DESEMBER 2024"], "2024-12"),
        (["POSISI BULAN Agustus 2025"], "2025-08"),
        (["DAFTAR PEKERJA RENTAN", "PKS MEI 2025 - MEI 2025 S.D. MEI 2026"], None),  # a span names no month
        (["DAFTAR NAMA PEGAWAI NON ASN TAHUN 2025"], None),  # a year only
        (["BULAN JUNI 2025", "BULAN JULI 2025"], None),  # two months: undecided
        ([], None),
    ],
)
def test_title_month(lines: list[str], expected: str | None) -> None:
    assert title_month(lines) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["RINCIAN APBD", "TAHUN ANGGARAN 2025"], "2025"),
        (["APBD 2026 KOTA KENDARI"], "2026"),
        (["DPA SKPD T.A. 2024"], "2024"),
        (["RINCIAN IURAN", "sesuai Permendagri 90/2019"], None),  # a law's year is no period
        (["TAHUN ANGGARAN 2025", "APBD 2024"], None),
    ],
)
def test_title_year(lines: list[str], expected: str | None) -> None:
    assert title_year(lines) == expected


def test_years_in_uraian_counts_fiscal_years_only() -> None:
    texts = pd.Series(["Iuran JKK Non ASN TA 2025", "Iuran JKM (Permendagri 90/2019)", None, "APBD 2024 dan TA 2025"])
    assert years_in(texts).tolist() == ["2025", None, None, None]


def _typed(periods: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_source_row": range(2, 2 + len(periods)),
            "periode": pd.Series(periods, dtype=object),
            "periode__error": pd.Series([None] * len(periods), dtype=object),
        }
    )


def test_minority_rows_of_another_month_are_marked_not_the_file() -> None:
    check = PeriodCheck("participants", "2025-06")
    chunk = _typed(["2025-06", "2025-05", None, "2025-06"])
    check.observe(chunk)
    assert chunk["periode__error"].tolist() == [None, "PERIOD_MISMATCH", None, None]
    assert check.verdict() is None


def test_majority_of_another_month_is_a_wrong_period_file_across_chunks() -> None:
    check = PeriodCheck("participants", "2025-06")
    check.observe(_typed(["2025-05", "2025-05"]))
    check.observe(_typed(["2025-05", "2025-06"]))
    named, why = check.verdict()
    assert named == "2025-05"
    assert "PERIODE column names 2025-05 in 3 of 4 rows" in why and "folder of period 2025-06" in why


def test_an_unreadable_period_keeps_its_own_error() -> None:
    check = PeriodCheck("claims", "2025-06")
    chunk = _typed(["2025-06", None])
    chunk.loc[1, "periode__error"] = "PERIOD_UNPARSEABLE"
    check.observe(chunk)
    assert chunk["periode__error"].tolist() == [None, "PERIOD_UNPARSEABLE"]


def test_title_block_decides_when_there_is_no_periode_column() -> None:
    check = PeriodCheck("rosters", "2025-06", ["DAFTAR HONORER", "KEADAAN BULAN MEI 2025"])
    check.observe(pd.DataFrame({"_source_row": [5], "periode": [None], "periode__error": [None]}, dtype=object))
    assert check.verdict()[0] == "2025-05"
    assert PeriodCheck("rosters", "2025-06", ["KEADAAN BULAN JUNI 2025"]).verdict() is None


def test_periode_column_wins_over_the_title() -> None:
    check = PeriodCheck("rosters", "2025-06", ["KEADAAN BULAN MEI 2025"])
    check.observe(_typed(["2025-06", "2025-06"]))
    assert check.verdict() is None


def test_workforce_uses_the_year_of_tanggal_data() -> None:
    check = PeriodCheck("workforce", "2025")
    chunk = pd.DataFrame(
        {
            "_source_row": [2, 3, 4],
            "tanggal_data": pd.Series([dt.date(2024, 12, 31)] * 3, dtype=object),
            "tanggal_data__error": pd.Series([None] * 3, dtype=object),
        }
    )
    check.observe(chunk)
    assert check.verdict()[0] == "2024"
    assert chunk["tanggal_data__error"].tolist() == ["PERIOD_MISMATCH"] * 3


def test_budgets_title_year_then_uraian() -> None:
    assert PeriodCheck("budgets", "2025", ["TAHUN ANGGARAN 2024"]).verdict()[0] == "2024"
    check = PeriodCheck("budgets", "2025", ["RINCIAN IURAN"])
    check.observe(pd.DataFrame({"_source_row": [5, 6], "uraian": ["Iuran JKK TA 2024", "Iuran JKM TA 2024"]}))
    assert check.verdict()[0] == "2024"
    fine = PeriodCheck("budgets", "2025", ["RINCIAN IURAN"])
    fine.observe(pd.DataFrame({"_source_row": [5], "uraian": ["Iuran JKK bagi Non ASN"]}))
    assert fine.verdict() is None


# --------------------------------------------------------------------------- periods as people write them


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # ranges
        ("PERIODE MEI 2025 - MEI 2026", [("2025-05", "2026-05", "PERIODE MEI 2025 - MEI 2026")]),
        ("Mei 2025 – Mei 2026", [("2025-05", "2026-05", "Mei 2025 – Mei 2026")]),
        ("Mei 2025 - Mei 2026", [("2025-05", "2026-05", "Mei 2025 - Mei 2026")]),
        ("Mei s.d. Juni 2025", [("2025-05", "2025-06", "Mei s.d. Juni 2025")]),
        ("Januari s/d Juni 2025", [("2025-01", "2025-06", "Januari s/d Juni 2025")]),
        ("Jan 2025 sd Des 2025", [("2025-01", "2025-12", "Jan 2025 sd Des 2025")]),
        ("mei 2025 hingga april 2026", [("2025-05", "2026-04", "mei 2025 hingga april 2026")]),
        ("Desember s.d. Februari 2026", [("2025-12", "2026-02", "Desember s.d. Februari 2026")]),
        (
            "1 Mei 2025 sampai dengan 30 April 2026",
            [("2025-05", "2026-04", "1 Mei 2025 sampai dengan 30 April 2026")],
        ),
        ("1 Januari - 31 Maret 2025", [("2025-01", "2025-03", "1 Januari - 31 Maret 2025")]),
        ("01/05/2025 - 30/04/2026", [("2025-05", "2026-04", "01/05/2025 - 30/04/2026")]),
        ("01/07/2026-30/09/2026", [("2026-07", "2026-09", "01/07/2026-30/09/2026")]),
        ("Periode 2025-05 s.d. 2026-05", [("2025-05", "2026-05", "Periode 2025-05 s.d. 2026-05")]),
        ("PERIODE 05/2025-04/2026", [("2025-05", "2026-04", "PERIODE 05/2025-04/2026")]),
        ("05/2025 s/d 04/2026", [("2025-05", "2026-04", "05/2025 s/d 04/2026")]),
        ("05/2025 - 04/2026", []),  # numbers joined by a dash, no period word: not read as months
        (
            "DAFTAR PEKERJA RENTAN PKS periode Mei 2025 - Mei 2026",
            [("2025-05", "2026-05", "periode Mei 2025 - Mei 2026")],
        ),
        (
            "PKS PEKERJA RENTAN - JUNI 2025 S.D. JUNI 2026",
            [("2025-06", "2026-06", "JUNI 2025 S.D. JUNI 2026")],
        ),
        # quarters and halves
        ("LAPORAN TRIWULAN II 2025", [("2025-04", "2025-06", "TRIWULAN II 2025")]),
        ("Triwulan III TA 2025", [("2025-07", "2025-09", "Triwulan III TA 2025")]),
        ("TW-4 2024", [("2024-10", "2024-12", "TW-4 2024")]),
        ("REKAP TW 2 TAHUN 2025", [("2025-04", "2025-06", "TW 2 TAHUN 2025")]),
        ("Semester I 2025", [("2025-01", "2025-06", "Semester I 2025")]),
        ("SEMESTER II TAHUN 2024", [("2024-07", "2024-12", "SEMESTER II TAHUN 2024")]),
        ("TW 2", []),  # no year: see test_a_quarter_without_a_year_takes_one
        # months
        ("keadaan per 30 Juni 2025", [("2025-06", "2025-06", "keadaan per 30 Juni 2025")]),
        ("KEADAAN S.D. 30 JUNI 2025", [("2025-06", "2025-06", "KEADAAN S.D. 30 JUNI 2025")]),
        ("Realisasi s.d. 30 Juni 2025", [("2025-06", "2025-06", "s.d. 30 Juni 2025")]),
        ("sampai dengan 30 Juni 2025", [("2025-06", "2025-06", "sampai dengan 30 Juni 2025")]),
        ("posisi 30-06-2025", [("2025-06", "2025-06", "posisi 30-06-2025")]),
        ("Per Tanggal 31 Desember 2024", [("2024-12", "2024-12", "Per Tanggal 31 Desember 2024")]),
        ("Periode 06/2025", [("2025-06", "2025-06", "Periode 06/2025")]),
        ("Periode 2025-06-30", [("2025-06", "2025-06", "Periode 2025-06-30")]),
        ("Bulan Juni 2025", [("2025-06", "2025-06", "Bulan Juni 2025")]),
        ("Juni 2025", [("2025-06", "2025-06", "Juni 2025")]),
        ("Damkar JUN 2025", [("2025-06", "2025-06", "JUN 2025")]),
        # years
        ("TA 2026", [("2026-01", "2026-12", "TA 2026")]),
        ("DPA SKPD T.A. 2024", [("2024-01", "2024-12", "T.A. 2024")]),
        ("Tahun Anggaran 2026", [("2026-01", "2026-12", "Tahun Anggaran 2026")]),
        ("APBD 2026 KOTA KENDARI", [("2026-01", "2026-12", "APBD 2026")]),
        ("APBD-P 2025", [("2025-01", "2025-12", "APBD-P 2025")]),
        ("APBD Perubahan 2025", [("2025-01", "2025-12", "APBD Perubahan 2025")]),
        ("KOTA KENDARI TAHUN 2025", [("2025-01", "2025-12", "TAHUN 2025")]),
        ("Periode 2025", [("2025-01", "2025-12", "Periode 2025")]),
        # no periods
        ("Dicetak tanggal 3 Juli 2025", []),
        ("Dicetak: Juli 2025", []),
        ("Tanggal cetak 03-07-2025", []),
        ("Kendari, 30 Juni 2025", []),  # a bare date: no period word in front
        ("Diterima 30/06/2025", []),
        ("Berdasarkan Perbup Nomor 12 Tahun 2023", []),
        ("UU No. 24 Tahun 2011 tentang BPJS", []),
        ("sesuai Permendagri 90/2019", []),
        ("GURU HONORER SD NEGERI 1 KENDARI", []),
        ("APBD PROVINSI SULAWESI TENGGARA", []),
        ("DAFTAR GAJI PER OPD", []),
        ("", []),
    ],
)
def test_periods_in_text(line: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(s.start, s.end, s.text) for s in periods_in_text(line)] == expected


def test_a_line_may_name_several_periods_and_a_printed_date_among_them_is_none() -> None:
    spans = periods_in_text("KEADAAN BULAN JUNI 2025 (dicetak tanggal 3 Juli 2025) TA 2025")
    assert [s.label for s in spans] == ["2025-06", "2025"]


@pytest.mark.parametrize(
    ("line", "year", "expected"),
    [
        ("TW 2", 2025, "2025-04..2025-06"),
        ("Triwulan I", 2026, "2026-01..2026-03"),
        ("periode semester ii", 2025, "2025-07..2025-12"),
        ("TW 3 (Juli s.d. September 2024)", 2025, "2024-07..2024-09"),  # the line's own year wins
    ],
)
def test_a_quarter_without_a_year_takes_one(line: str, year: int, expected: str) -> None:
    assert expected in [s.label for s in periods_in_text(line, year)]


@pytest.mark.parametrize(
    ("span", "period", "expected"),
    [
        (PeriodSpan("2025-05", "2026-05", "PKS"), "2025-06", True),
        (PeriodSpan("2025-05", "2026-05", "PKS"), "2025-05", True),
        (PeriodSpan("2025-05", "2026-05", "PKS"), "2026-05", True),
        (PeriodSpan("2025-05", "2026-05", "PKS"), "2025-04", False),
        (PeriodSpan("2025-05", "2026-05", "PKS"), "2026-06", False),
        (PeriodSpan("2025-05", "2026-05", "PKS"), "2025", True),  # a year folder: overlap
        (PeriodSpan("2025-05", "2026-05", "PKS"), "2026", True),
        (PeriodSpan("2025-05", "2026-05", "PKS"), "2027", False),
        (PeriodSpan("2026-01", "2026-12", "TA 2026"), "2026", True),  # a fiscal year: its own year only
        (PeriodSpan("2026-01", "2026-12", "TA 2026"), "2025", False),
        (PeriodSpan("2026-01", "2026-12", "TA 2026"), "2027", False),
        (PeriodSpan("2026-01", "2026-12", "TA 2026"), "2026-07", True),
        (PeriodSpan("2025-06", "2025-06", "Juni 2025"), "2025-06", True),
        (PeriodSpan("2025-06", "2025-06", "Juni 2025"), "2025-07", False),
    ],
)
def test_covers(span: PeriodSpan, period: str, expected: bool) -> None:
    assert covers(span, period) is expected


def test_span_labels() -> None:
    assert PeriodSpan("2025-06", "2025-06", "x").label == "2025-06"
    assert PeriodSpan("2025-01", "2025-12", "x").label == "2025"
    assert PeriodSpan("2025-05", "2026-05", "x").label == "2025-05..2026-05"
    assert (
        str(PeriodSpan("2025-05", "2026-05", "PKS MEI 2025 - MEI 2026")) == "2025-05..2026-05 (PKS MEI 2025 - MEI 2026)"
    )


# --------------------------------------------------------------------------- the title's verdict


def test_a_pks_period_covering_the_folder_is_no_wrong_period() -> None:
    """Issue 14 item 4: a rentan roster titled with its PKS period, delivered inside it."""
    lines = ["DAFTAR PEKERJA RENTAN PENERIMA BANTUAN IURAN", "PERIODE MEI 2025 - MEI 2026"]
    check = PeriodCheck("rosters", "2025-06", lines)
    assert check.verdict() is None
    assert check.periods_found == ["2025-05..2026-05 (PERIODE MEI 2025 - MEI 2026)"]


def test_a_pks_period_outside_the_folder_says_which_period_it_found() -> None:
    check = PeriodCheck("rosters", "2026-07", ["PERIODE MEI 2025 - MEI 2026"])
    named, why = check.verdict()
    assert named == "2025-05..2026-05"
    assert why == (
        "the title block names period 2025-05..2026-05 (PERIODE MEI 2025 - MEI 2026), which does not cover "
        "period 2026-07, the folder the file is in; deliver it into the folder of a period it names"
    )


def test_one_other_month_keeps_the_message_shape() -> None:
    named, why = PeriodCheck("rosters", "2025-06", ["KEADAAN BULAN MEI 2025"]).verdict()
    assert named == "2025-05"
    assert why == (
        "the title block names period 2025-05 (KEADAAN BULAN MEI 2025), but the file is in the folder of "
        "period 2025-06; deliver it into the 2025-05 folder"
    )


def test_several_periods_none_covering_are_all_named() -> None:
    named, why = PeriodCheck("claims", "2025-08", ["REKAP KLAIM TRIWULAN II 2025", "BULAN JANUARI 2025"]).verdict()
    assert named == "2025-04..2025-06, 2025-01"
    assert "periods 2025-04..2025-06 (TRIWULAN II 2025), 2025-01 (BULAN JANUARI 2025), none of which covers" in why


@pytest.mark.parametrize(
    ("source", "folder", "lines", "wrong"),
    [
        ("rosters", "2025-06", ["DAFTAR PEKERJA RENTAN", "PKS periode Mei 2025 - Mei 2026"], None),
        ("rosters", "2025-04", ["PKS 01/05/2025 - 30/04/2026"], "2025-05..2026-04"),
        ("rosters", "2025-06", ["DAFTAR HONORER", "Januari s/d Juni 2025"], None),
        ("claims", "2025-05", ["REKAP KLAIM TRIWULAN II 2025"], None),
        ("claims", "2025-07", ["REKAP KLAIM TRIWULAN II 2025"], "2025-04..2025-06"),
        ("claims", "2025-05", ["REKAP KLAIM TW 2"], None),  # the folder's year
        ("claims", "2025-08", ["REKAP KLAIM TW 2"], "2025-04..2025-06"),
        ("claims", "2025-08", ["REKAP KLAIM TW 2", "TAHUN 2024"], "2024-04..2024-06"),  # the title's year
        ("participants", "2025-03", ["Semester I 2025"], None),
        ("participants", "2025-06", ["DATA PESERTA keadaan per 30 Juni 2025"], None),
        ("participants", "2025-06", ["DATA PESERTA posisi 31-05-2025"], "2025-05"),
        ("participants", "2025-06", ["Juni 2025"], None),
        ("participants", "2025-06", ["Dicetak tanggal 3 Juli 2025"], None),  # printed on: no period
        ("rosters", "2025-06", ["DAFTAR HONORER TA 2025"], None),
        ("rosters", "2026-01", ["DAFTAR HONORER TA 2025"], "2025"),
        # a period enclosing another one the title names is context, the narrower one decides
        ("rosters", "2025-06", ["KOTA KENDARI TAHUN 2025", "KEADAAN BULAN MEI 2025"], "2025-05"),
        ("rosters", "2025-06", ["PKS MEI 2025 - MEI 2026", "KEADAAN BULAN MEI 2025"], "2025-05"),
        ("rosters", "2025-06", ["KOTA KENDARI TAHUN 2025", "PKS JUNI 2025 S.D. JUNI 2026"], None),
        ("rosters", "2026-03", ["KOTA KENDARI TAHUN 2025", "PKS JUNI 2025 S.D. JUNI 2026"], None),
        ("budgets", "2026", ["RINCIAN APBD", "TA 2026"], None),
        ("budgets", "2025", ["RINCIAN APBD", "TA 2026"], "2026"),
        ("budgets", "2025", ["APBD-P 2025"], None),
        ("budgets", "2025", ["TAHUN ANGGARAN 2025", "Realisasi s.d. 30 Juni 2025"], None),
        ("budgets", "2025", ["Realisasi keadaan per 30 Juni 2024"], "2024"),
        ("budgets", "2025", ["RINCIAN IURAN sesuai Perpres Nomor 109 Tahun 2013"], None),
        ("workforce", "2025", ["DATA POTENSI TENAGA KERJA", "Per Tanggal 31 Desember 2025"], None),
        ("workforce", "2025", ["DATA POTENSI TENAGA KERJA", "Per Tanggal 31 Desember 2024"], "2024"),
    ],
)
def test_title_verdict(source: str, folder: str, lines: list[str], wrong: str | None) -> None:
    verdict = PeriodCheck(source, folder, lines).verdict()
    assert (verdict[0] if verdict else None) == wrong


def test_periods_found_lists_every_period_of_the_title() -> None:
    check = PeriodCheck(
        "rosters", "2025-06", ["KOTA KENDARI TAHUN 2025", "KEADAAN BULAN JUNI 2025", "Dicetak 3 Juli 2025"]
    )
    assert check.periods_found == ["2025 (TAHUN 2025)", "2025-06 (KEADAAN BULAN JUNI 2025)"]
    assert PeriodCheck("rosters", "2025-06", ["DAFTAR HONORER"]).periods_found == []


# --------------------------------------------------------------------------- ranges in a PERIODE column


def _typed_cells(cells: list[str | None]) -> pd.DataFrame:
    """A typed chunk as canonicalize makes it: the parsed month, its error, the original texts."""
    periods, errors = [], []
    for cell in cells:
        try:
            periods.append(parse_year_month(cell))
            errors.append(None)
        except ValueParseError as err:
            periods.append(None)
            errors.append(err.code)
    return pd.DataFrame(
        {
            "_source_row": range(2, 2 + len(cells)),
            "periode": pd.Series(periods, dtype=object),
            "periode__error": pd.Series(errors, dtype=object),
            "_source_json": [json.dumps({"nik": "7471", "periode": c} if c else {"nik": "7471"}) for c in cells],
        }
    )


def test_a_range_in_the_periode_column_covering_the_folder_counts_as_its_month() -> None:
    check = PeriodCheck("rosters", "2025-06")
    cells = ["Mei 2025 - Mei 2026", "1 Mei 2025 sampai dengan 30 April 2026", "2025-05 - 2026-05", "2025-06", None]
    chunk = _typed_cells(cells)
    check.observe(chunk)
    assert chunk["periode__error"].tolist() == [None] * 5
    assert chunk["periode"].tolist()[:4] == ["2025-06"] * 4
    assert check.verdict() is None


def test_a_range_in_the_periode_column_outside_the_folder_is_another_period() -> None:
    check = PeriodCheck("participants", "2025-06")
    chunk = _typed_cells(["Jan 2025 - Mar 2025", "Januari s.d. Maret 2025", "Juni 2025"])
    check.observe(chunk)
    assert chunk["periode__error"].tolist() == ["PERIOD_MISMATCH", "PERIOD_MISMATCH", None]
    named, why = check.verdict()
    assert named == "2025-01..2025-03"
    assert "names 2025-01..2025-03 in 2 of 3 rows (first at row 2)" in why
    assert why.endswith("deliver it into the folder of a month within 2025-01..2025-03")


def test_an_unreadable_cell_that_is_no_range_keeps_its_error() -> None:
    check = PeriodCheck("claims", "2025-06")
    chunk = _typed_cells(["2025-06", "Jun-25", "bulan ini"])
    check.observe(chunk)
    assert chunk["periode__error"].tolist() == [None, "PERIOD_UNPARSEABLE", "PERIOD_UNPARSEABLE"]
    assert check.verdict() is None


# --------------------------------------------------------------------------- properties

# hypothesis is not installed in .venv: the properties run over a seeded table of random cases.
_FULL = list(BULAN)
_SHORT = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
_CONNECTORS = [" - ", " – ", "-", " s.d. ", " s/d ", " sd ", " sampai dengan ", " hingga ", " S.D. "]
_PREFIXES = ["", "Periode ", "PERIODE: ", "PKS periode ", "DAFTAR PEKERJA RENTAN "]


def _render(rng: random.Random, start: tuple[int, int], end: tuple[int, int]) -> str:
    def month(m: int) -> str:
        name = rng.choice([_FULL, _SHORT])[m - 1]
        return rng.choice([name, name.upper(), name.lower()])

    (y1, m1), (y2, m2) = start, end
    connector = rng.choice(_CONNECTORS)
    style = rng.choice(["month-year", "month-year", "dates", "numeric", "numeric-months", "shared-year"])
    if style == "shared-year" and (y2 == y1 or (y2 == y1 + 1 and m1 > m2)):
        body = f"{month(m1)}{connector}{month(m2)} {y2}"
    elif style == "dates":
        body = f"1 {month(m1)} {y1}{connector}{calendar.monthrange(y2, m2)[1]} {month(m2)} {y2}"
    elif style == "numeric-months":  # numbers only with a period word in front
        body = f"Periode {m1:02d}/{y1}{connector}{m2}-{y2}"
    elif style == "numeric":
        body = f"01/{m1:02d}/{y1}{connector}{calendar.monthrange(y2, m2)[1]:02d}/{m2:02d}/{y2}"
    else:
        body = f"{month(m1)} {y1}{connector}{month(m2)} {y2}"
    return rng.choice(_PREFIXES) + body


def _random_cases(seed: int, n: int) -> list[tuple[str, tuple[int, int], tuple[int, int], str]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        first = rng.randrange(2019 * 12, 2030 * 12)
        last = first + rng.randrange(1, 30)  # a range: at least two months
        folder = rng.randrange(first - 14, last + 14)
        start, end = divmod(first, 12), divmod(last, 12)
        start, end = (start[0], start[1] + 1), (end[0], end[1] + 1)
        period = f"{folder // 12:04d}-{folder % 12 + 1:02d}" if rng.random() < 0.7 else f"{folder // 12:04d}"
        cases.append((_render(rng, start, end), start, end, period))
    return cases


@pytest.mark.parametrize(("text", "start", "end", "period"), _random_cases(seed=14, n=400))
def test_property_covers_agrees_with_date_arithmetic(
    text: str, start: tuple[int, int], end: tuple[int, int], period: str
) -> None:
    spans = periods_in_text(text)
    assert len(spans) == 1, text
    span = spans[0]
    assert (span.start, span.end) == (f"{start[0]:04d}-{start[1]:02d}", f"{end[0]:04d}-{end[1]:02d}"), text
    first, last = dt.date(*start, 1), dt.date(*end, 1)
    if len(period) == 4:  # a year folder: the range overlaps the year
        expected = first <= dt.date(int(period), 12, 1) and last >= dt.date(int(period), 1, 1)
    else:
        expected = first <= dt.date(int(period[:4]), int(period[5:]), 1) <= last
    assert covers(span, period) is expected, (text, period)
    check = PeriodCheck("rosters" if len(period) == 7 else "budgets", period, ["DAFTAR", text])
    assert (check.verdict() is None) is expected, (text, period)


@pytest.mark.parametrize("seed", range(20))
def test_property_a_printed_date_is_never_a_period(seed: int) -> None:
    rng = random.Random(seed)
    m, y, d = rng.randrange(1, 13), rng.randrange(2019, 2031), rng.randrange(1, 29)
    name = rng.choice([_FULL, _SHORT])[m - 1]
    text = rng.choice([f"Dicetak tanggal {d} {name} {y}", f"dicetak: {d:02d}/{m:02d}/{y}", f"Kendari, {d} {name} {y}"])
    assert periods_in_text(rng.choice([text, text.upper()])) == []
