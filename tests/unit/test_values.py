"""Indonesian value parsers and NIK checks (ucj.ingest.values)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from ucj.ingest import values as V
from ucj.ingest.values import ValueParseError

REGIONS = frozenset({"74.01", "74.07", "74.71", "74.72"})


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990-03-12", date(1990, 3, 12)),
        ("1990-3-2", date(1990, 3, 2)),
        ("1990-03-12 00:00:00", date(1990, 3, 12)),
        ("1990-03-12T10:30:00", date(1990, 3, 12)),
        ("12-03-1990", date(1990, 3, 12)),
        ("12/03/1990", date(1990, 3, 12)),
        ("03/12/1990", date(1990, 12, 3)),  # day first, always
        ("1.3.1990", date(1990, 3, 1)),
        ("12 - 03 - 1990", date(1990, 3, 12)),
        ("1990/03/12", date(1990, 3, 12)),
        ("1 Desember 2025", date(2025, 12, 1)),
        ("1 Des 2025", date(2025, 12, 1)),
        ("01-Des-2025", date(2025, 12, 1)),
        ("1 des. 2025", date(2025, 12, 1)),
        ("17 Agustus 1945", date(1945, 8, 17)),
        ("5 Pebruari 1990", date(1990, 2, 5)),
        ("5 Nopember 1990", date(1990, 11, 5)),
        ("1 December 2025", date(2025, 12, 1)),
        ("December 1, 2025", date(2025, 12, 1)),
        ("1-Dec-2025", date(2025, 12, 1)),
        ("Senin, 1 Desember 2025", date(2025, 12, 1)),
        ("33045", date(1990, 6, 21)),
        ("33045.0", date(1990, 6, 21)),
        ("45658", date(2025, 1, 1)),
        ("19900312", date(1990, 3, 12)),
        ("12031990", date(1990, 3, 12)),
        ("Kendari, 12-03-1990", date(1990, 3, 12)),
        ("  12-03-1990  ", date(1990, 3, 12)),
    ],
)
def test_parse_date_accepts_the_usual_forms(text: str, expected: date) -> None:
    assert V.parse_date(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", "-", "\u00a0"])
def test_parse_date_empty_is_none(text: str | None) -> None:
    assert V.parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31-02-2025", "DATE_INVALID"),
        ("12/25/1990", "DATE_INVALID"),  # month-first is never guessed
        ("29-02-2023", "DATE_INVALID"),
        ("12-03-90", "DATE_TWO_DIGIT_YEAR"),
        ("1 Des 90", "DATE_TWO_DIGIT_YEAR"),
        ("1990", "DATE_YEAR_ONLY"),
        ("12-03-1850", "DATE_OUT_OF_RANGE"),
        ("99999", "DATE_OUT_OF_RANGE"),
        ("abc", "DATE_UNPARSEABLE"),
        ("1 Foo 2025", "DATE_UNPARSEABLE"),
        ("Kendari", "DATE_UNPARSEABLE"),
        ("3073551", "DATE_UNPARSEABLE"),
        ("99999999", "DATE_INVALID"),
    ],
)
def test_parse_date_errors_have_codes(text: str, code: str) -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_date(text)
    assert err.value.code == code
    assert text in err.value.message


def test_parse_date_leap_day() -> None:
    assert V.parse_date("29-02-2024") == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kendari, 12-03-1990", ("Kendari", date(1990, 3, 12))),
        ("Kendari,12-03-1990", ("Kendari", date(1990, 3, 12))),
        ("Kendari / 12-03-1990", ("Kendari", date(1990, 3, 12))),
        ("Kendari 12 Maret 1990", ("Kendari", date(1990, 3, 12))),
        ("Bau-Bau, 1 Desember 1985", ("Bau-Bau", date(1985, 12, 1))),
        ("Kab. Muna, 01/02/1980", ("Kab. Muna", date(1980, 2, 1))),
        ("12-03-1990", (None, date(1990, 3, 12))),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_place_date(text: str | None, expected: tuple[str | None, date | None]) -> None:
    assert V.parse_place_date(text) == expected


def test_parse_place_date_bad_date_raises() -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_place_date("Kendari, 31-02-1990")
    assert err.value.code == "DATE_INVALID"


# --------------------------------------------------------------------------- money and integers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rp 3.073.551,70", Decimal("3073551.70")),
        ("Rp3.073.551", Decimal("3073551")),
        ("Rp. 3.073.551", Decimal("3073551")),
        ("IDR 3.073.551", Decimal("3073551")),
        ("3.073.551", Decimal("3073551")),
        ("3,073,551.70", Decimal("3073551.70")),
        ("3073551", Decimal("3073551")),
        ("3073551.7", Decimal("3073551.7")),
        ("3073551,7", Decimal("3073551.7")),
        ("3.073", Decimal("3073")),  # one separator + three digits = thousands
        ("3,073", Decimal("3073")),
        ("1,5", Decimal("1.5")),
        ("1.5", Decimal("1.5")),
        ("0.125", Decimal("0.125")),
        ("3073551.700", Decimal("3073551.700")),  # more than 3 digits before: decimal
        ("(1.000)", Decimal("-1000")),
        ("-1.000", Decimal("-1000")),
        ("-Rp 5.000", Decimal("-5000")),
        ("Rp -5.000", Decimal("-5000")),
        ("Rp 3.000.000,-", Decimal("3000000")),
        ("Rp 3.000.000,00", Decimal("3000000.00")),
        ("1 500 000", Decimal("1500000")),
        ("Rp\u00a03.073.551", Decimal("3073551")),
        ("Rp113 juta", Decimal("113000000")),
        ("1,2 juta", Decimal("1200000")),
        ("42 jt", Decimal("42000000")),
        ("1,25 miliar", Decimal("1250000000")),
        ("500 ribu", Decimal("500000")),
        ("0", Decimal("0")),
    ],
)
def test_parse_money(text: str, expected: Decimal) -> None:
    assert V.parse_money(text) == expected


@pytest.mark.parametrize("text", [None, "", "-", "Rp -", "Rp. -", "Rp", "  "])
def test_parse_money_no_value(text: str | None) -> None:
    assert V.parse_money(text) is None


@pytest.mark.parametrize("text", ["abc", "3.07.551", "1.234,5.6", "Rp 12a", "3.073.551 USD", "1e6"])
def test_parse_money_errors(text: str) -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_money(text)
    assert err.value.code == "MONEY_UNPARSEABLE"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.427", 1427),
        ("1427", 1427),
        ("1,427", 1427),
        ("140.940", 140940),
        ("1427.0", 1427),
        ("", None),
        ("-", None),
        ("88 357", 88357),
    ],
)
def test_parse_int(text: str, expected: int | None) -> None:
    assert V.parse_int(text) == expected


@pytest.mark.parametrize(("text", "code"), [("1,5", "INT_NOT_WHOLE"), ("abc", "INT_UNPARSEABLE")])
def test_parse_int_errors(text: str, code: str) -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_int(text)
    assert err.value.code == code


# --------------------------------------------------------------------------- coded values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L", "L"),
        ("l", "L"),
        ("Laki-laki", "L"),
        ("Laki Laki", "L"),
        ("LAKI-LAKI", "L"),
        ("Pria", "L"),
        ("M", "L"),
        ("Male", "L"),
        ("P", "P"),
        ("Perempuan", "P"),
        ("Wanita", "P"),
        ("F", "P"),
        ("Female", "P"),
        ("", None),
        (None, None),
    ],
)
def test_parse_sex(text: str | None, expected: str | None) -> None:
    assert V.parse_sex(text) == expected


def test_parse_sex_unknown() -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_sex("X")
    assert err.value.code == "SEX_UNKNOWN"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PU", "PU"),
        ("pu", "PU"),
        ("P.U.", "PU"),
        ("Penerima Upah", "PU"),
        ("Penerima Upah (PU)", "PU"),
        ("BPU", "BPU"),
        ("Bukan Penerima Upah", "BPU"),
        ("JAKON", "JAKON"),
        ("Jakon", "JAKON"),
        ("Jasa Konstruksi", "JAKON"),
        ("TOTAL", "TOTAL"),
        ("Jumlah", "TOTAL"),
        (None, None),
    ],
)
def test_parse_segment(text: str | None, expected: str | None) -> None:
    assert V.parse_segment(text) == expected


def test_parse_segment_errors() -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_segment("Formalitas")
    assert err.value.code == "SEGMENT_UNKNOWN"
    with pytest.raises(ValueParseError) as err:
        V.parse_segment("TOTAL", allow_total=False)
    assert err.value.code == "SEGMENT_TOTAL"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AKTIF", "AKTIF"),
        ("Aktif", "AKTIF"),
        ("NON AKTIF", "NON AKTIF"),
        ("Non-Aktif", "NON AKTIF"),
        ("NONAKTIF", "NON AKTIF"),
        ("TIDAK AKTIF", "NON AKTIF"),
        ("Tdk Aktif", "NON AKTIF"),
        ("Tdk. Aktif", "NON AKTIF"),
        ("", None),
    ],
)
def test_parse_status_kepesertaan(text: str, expected: str | None) -> None:
    assert V.parse_status_kepesertaan(text) == expected


def test_parse_status_kepesertaan_unknown() -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_status_kepesertaan("Meninggal")
    assert err.value.code == "STATUS_UNKNOWN"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DILAPORKAN", "DILAPORKAN"),
        ("Dilaporkan", "DILAPORKAN"),
        ("Berkas Lengkap", "BERKAS_LENGKAP"),
        ("BERKAS_LENGKAP", "BERKAS_LENGKAP"),
        ("Verifikasi", "VERIFIKASI"),
        ("Proses Verifikasi", "VERIFIKASI"),
        ("Disetujui", "DISETUJUI"),
        ("DIBAYAR", "DIBAYAR"),
        ("Sudah Dibayar", "DIBAYAR"),
        ("Lunas", "DIBAYAR"),
        ("Ditolak", "DITOLAK"),
        ("KEDALUWARSA", "KEDALUWARSA"),
        ("Kadaluarsa", "KEDALUWARSA"),
        ("Kedaluarsa", "KEDALUWARSA"),
        ("", None),
    ],
)
def test_parse_claim_status(text: str, expected: str | None) -> None:
    assert V.parse_claim_status(text) == expected


def test_parse_claim_status_unknown() -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_claim_status("Menunggu")
    assert err.value.code == "CLAIM_STATUS_UNKNOWN"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JKK", "JKK"),
        ("jkm", "JKM"),
        ("Jaminan Kematian", "JKM"),
        ("Jaminan Kecelakaan Kerja", "JKK"),
        ("Beasiswa", "BEASISWA"),
        ("Beasiswa JKM", "BEASISWA"),
        ("", None),
    ],
)
def test_parse_program(text: str, expected: str | None) -> None:
    assert V.parse_program(text) == expected


@pytest.mark.parametrize(
    ("text", "code"), [("JHT", "PROGRAM_NOT_FUNDED"), ("JP", "PROGRAM_NOT_FUNDED"), ("JKN", "PROGRAM_UNKNOWN")]
)
def test_parse_program_errors(text: str, code: str) -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_program(text)
    assert err.value.code == code


# --------------------------------------------------------------------------- NIK

GOOD_NIK = "7471010101900001"  # Kendari, born 01-01-1990, man, serial 0001


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        (GOOD_NIK, None),
        ("7471014101900001", None),  # woman: day + 40
        ("7472017112990001", None),  # woman born 31-12-1999
        ("7407012902000001", None),  # 29 Feb, year 00 (2000 is a leap year)
        (None, "NIK_MISSING"),
        ("", "NIK_MISSING"),
        ("7.47101E+15", "NIK_AS_NUMBER"),
        ("7471010101900001.0", "NIK_AS_NUMBER"),
        ("7471010101900001,0", "NIK_AS_NUMBER"),
        ("7471010101900000", "NIK_EXCEL_PRECISION"),
        ("747101010190001", "NIK_LENGTH"),
        ("74710101019000012", "NIK_LENGTH"),
        ("74710101019000a1", "NIK_NOT_DIGITS"),
        ("7471 0101 0190 0001", "NIK_NOT_DIGITS"),
        ("7471013002900001", "NIK_BAD_DATE"),  # 30 February
        ("7471013104900001", "NIK_BAD_DATE"),  # 31 April
        ("7471010013900001", "NIK_BAD_DATE"),  # month 13
        ("7471010000900001", "NIK_BAD_DATE"),  # month 00
        ("7471010001900001", "NIK_BAD_DATE"),  # day 00
        ("7471013501900001", "NIK_BAD_DATE"),  # day 35 (neither man nor woman)
        ("7471012902010001", "NIK_BAD_DATE"),  # 29 Feb 01
        ("7473010101900001", "NIK_UNKNOWN_REGION"),
        ("7371010101900001", "NIK_UNKNOWN_REGION"),
    ],
)
def test_check_nik_codes(nik: str | None, code: str | None) -> None:
    assert V.check_nik(nik, REGIONS) == code


def test_check_nik_regions() -> None:
    assert V.check_nik("7371010101900001") is None  # no region list: not checked
    assert V.check_nik("7371010101900001", REGIONS | {"73.71"}) is None
    assert V.check_nik("7371010101900001", frozenset({"73"})) is None  # province wildcard
    assert V.check_nik(GOOD_NIK, frozenset({"7471"})) is None
    assert V.check_nik(GOOD_NIK, frozenset({"74.71.01"})) is None


def test_check_nik_against_roster() -> None:
    assert V.check_nik(GOOD_NIK, REGIONS, date(1990, 1, 1), "L") is None
    assert V.check_nik(GOOD_NIK, REGIONS, date(1990, 1, 2), "L") == "NIK_DOB_MISMATCH"
    assert V.check_nik(GOOD_NIK, REGIONS, date(2090, 1, 1)) is None  # only yy is encoded
    assert V.check_nik(GOOD_NIK, REGIONS, None, "P") == "NIK_SEX_MISMATCH"
    assert V.check_nik(GOOD_NIK, REGIONS, None, "Perempuan") == "NIK_SEX_MISMATCH"
    assert V.check_nik(GOOD_NIK, REGIONS, None, "?") is None  # unknown sex: not compared
    assert V.check_nik("7471014101900001", REGIONS, date(1990, 1, 1), "P") is None
    # a birth year pins the leap-year rule: 29 Feb 1900 never existed
    assert V.check_nik("7471012902000001", REGIONS, date(1900, 2, 28)) == "NIK_BAD_DATE"


def test_nik_reasons_cover_every_code_in_both_languages() -> None:
    for indonesian, english in V.NIK_REASONS.values():
        assert indonesian and english and indonesian != english
    assert "7.47101E+15" in V.NIK_REASONS["NIK_AS_NUMBER"][0]


def test_one_masking_rule_for_niks() -> None:
    """Reports, logs and alerts mask NIKs with ucj.privacy.mask_identifiers (the only rule)."""
    from ucj.privacy import mask_identifiers

    assert mask_identifiers(GOOD_NIK) == "************0001"
    assert mask_identifiers("123") == "123"
    assert mask_identifiers("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" 7471010101900001 ", GOOD_NIK),
        ("'7471010101900001", GOOD_NIK),
        ("7471 0101 0190 0001", GOOD_NIK),
        ("7471.0101.0190.0001", GOOD_NIK),
        ("7.47101E+15", "7.47101E+15"),
        ("7471010101900001.0", "7471010101900001.0"),
        ("", None),
    ],
)
def test_normalize_identifier_for_a_nik(text: str, expected: str | None) -> None:
    assert V.normalize_identifier(text, V.IDENTIFIER_LENGTHS["nik"]) == expected


# --------------------------------------------------------------------------- vectorised


def test_vectorised_parsers_align_with_scalar() -> None:
    series = pd.Series(["12-03-1990", None, "31-02-2025", "12-03-1990", "1 Des 2025"], index=[5, 6, 7, 8, 9])
    parsed, errors = V.parse_dates(series)
    assert list(parsed.index) == [5, 6, 7, 8, 9]
    assert parsed.tolist() == [date(1990, 3, 12), None, None, date(1990, 3, 12), date(2025, 12, 1)]
    assert errors.tolist() == [None, None, "DATE_INVALID", None, None]
    money, money_errors = V.parse_moneys(pd.Series(["Rp 3.073.551,70", "x", None]))
    assert money.tolist() == [Decimal("3073551.70"), None, None]
    assert money_errors.tolist() == [None, "MONEY_UNPARSEABLE", None]
    assert V.parse_ints(pd.Series(["1.427", "1,5"]))[1].tolist() == [None, "INT_NOT_WHOLE"]
    assert V.parse_sexes(pd.Series(["L", "Wanita", "?"]))[0].tolist() == ["L", "P", None]
    assert V.parse_segments(pd.Series(["PU", "TOTAL"]), allow_total=False)[1].tolist() == [
        None,
        "SEGMENT_TOTAL",
    ]
    assert V.parse_statuses_kepesertaan(pd.Series(["Aktif"]))[0].tolist() == ["AKTIF"]
    assert V.parse_claim_statuses(pd.Series(["Lunas"]))[0].tolist() == ["DIBAYAR"]
    assert V.parse_programs(pd.Series(["JHT"]))[1].tolist() == ["PROGRAM_NOT_FUNDED"]
    assert set(V.PARSERS_BY_KIND) >= {"date", "money", "integer", "sex", "segment", "program"}


def test_vectorised_parsers_accept_empty_and_str_dtype() -> None:
    parsed, errors = V.parse_dates(pd.Series([], dtype=object))
    assert parsed.empty and errors.empty
    parsed, _ = V.parse_moneys(pd.Series(["3.073.551", None], dtype="str"))
    assert parsed.tolist() == [Decimal("3073551"), None]


def _random_nik(rnd: random.Random) -> str:
    choice = rnd.random()
    if choice < 0.05:
        return rnd.choice(["", "7.47101E+15", "7471010101900001.0", "12345", "74710101019000x1"])
    region = rnd.choice(["7471", "7472", "7407", "7401", "7473", "3171"])
    day = rnd.randint(0, 72)
    month = rnd.randint(0, 13)
    return f"{region}{rnd.randint(1, 12):02d}{day:02d}{month:02d}{rnd.randint(0, 99):02d}{rnd.randint(0, 9999):04d}"


def test_check_niks_matches_check_nik() -> None:
    rnd = random.Random(7)
    n = 5000
    niks = [_random_nik(rnd) for _ in range(n)]
    niks[0] = None
    births = [
        None if rnd.random() < 0.3 else date(rnd.randint(1960, 2005), rnd.randint(1, 12), rnd.randint(1, 28))
        for _ in range(n)
    ]
    # make some birth dates agree with the NIK so the DOB branch is exercised both ways
    for i in range(0, n, 3):
        nik = niks[i]
        if nik and nik.isdigit() and len(nik) == 16:
            day, month, yy = int(nik[6:8]) % 40, int(nik[8:10]), int(nik[10:12])
            try:
                births[i] = date(1900 + yy if yy > 10 else 2000 + yy, month, day)
            except ValueError:
                pass
    sexes = [rnd.choice(["L", "P", None, "Laki-laki", "?"]) for _ in range(n)]
    expected = [V.check_nik(k, REGIONS, b, s) for k, b, s in zip(niks, births, sexes, strict=True)]
    got = V.check_niks(pd.Series(niks), REGIONS, pd.Series(births, dtype=object), pd.Series(sexes))
    assert got.tolist() == expected
    assert len(set(expected)) >= 8  # many codes exercised
    plain = V.check_niks(pd.Series(niks))
    assert plain.tolist() == [V.check_nik(k) for k in niks]


def test_check_niks_empty_and_index() -> None:
    assert V.check_niks(pd.Series([], dtype=object)).empty
    got = V.check_niks(pd.Series([GOOD_NIK, "x"], index=[10, 11]), REGIONS)
    assert got.index.tolist() == [10, 11]
    assert got.tolist() == [None, "NIK_NOT_DIGITS"]
    assert got.dtype == np.dtype(object)


@pytest.mark.parametrize("text", ["JASKON", "PPU", "MANDIRI", "INFORMAL", "NON PU", "KONSTRUKSI SIPIL", "Konstruksi"])
def test_segment_look_alikes_are_not_guessed(text: str) -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_segment(text)
    assert err.value.code == "SEGMENT_UNKNOWN"


def test_province_code_is_a_wildcard_only_without_its_kabupaten() -> None:
    seed_like = frozenset({"74", "74.71", "74.72", "74.71.01"})
    assert V.check_nik("7471010101900001", seed_like) is None
    assert V.check_nik("7499010101900001", seed_like) == "NIK_UNKNOWN_REGION"  # 74 lists its kab/kota
    assert V.check_nik("7371010101900001", frozenset({"73", "74.71"})) is None  # 73 lists none
    niks = pd.Series(["7471010101900001", "7499010101900001"])
    assert V.check_niks(niks, seed_like).tolist() == [None, "NIK_UNKNOWN_REGION"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06", "2025-06"),
        ("2025/6", "2025-06"),
        ("06-2025", "2025-06"),
        ("6/2025", "2025-06"),
        ("Juni 2025", "2025-06"),
        ("JUN 2025", "2025-06"),
        ("Jun-2025", "2025-06"),
        ("202506", "2025-06"),
        ("Periode: Mei 2025", "2025-05"),
        ("2025-06-01", "2025-06"),
        ("01/06/2025", "2025-06"),
        ("45809", "2025-06"),
        ("Desember 2024", "2024-12"),
        (None, None),
        ("", None),
        ("-", None),
    ],
)
def test_parse_year_month(text: str | None, expected: str | None) -> None:
    assert V.parse_year_month(text) == expected


@pytest.mark.parametrize("text", ["Jun-25", "2025", "Juno 2025", "2025-13", "bulan ini"])
def test_parse_year_month_errors(text: str) -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_year_month(text)
    assert err.value.code == "PERIOD_UNPARSEABLE"
    assert "YYYY-MM" in err.value.message


def test_year_month_is_a_kind_with_a_vectorised_parser() -> None:
    values, errors = V.PARSERS_BY_KIND["year_month"](pd.Series(["Juni 2025", "Jun-25", None]))
    assert values.tolist() == ["2025-06", None, None]
    assert errors.tolist() == [None, "PERIOD_UNPARSEABLE", None]
