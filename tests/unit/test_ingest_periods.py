"""Does a file's content belong to its period folder? (ucj.ingest.periods; no database, no GX)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ucj.ingest.periods import PeriodCheck, title_month, title_year, years_in


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
