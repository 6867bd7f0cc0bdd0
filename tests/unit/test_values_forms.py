"""Values as people type them in real Pemda files (issue 14): identifiers, counts, Rupiah.

Tables of Indonesian examples per form, then seeded random round trips (property tests:
hypothesis is not in the lock, so they draw from ``random.Random`` with fixed seeds), then
the canonical step: the typed column is normalised, ``source_values`` keeps the text.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pandas as pd
import pytest

from ucj.ingest import values as V
from ucj.ingest.canonical import canonicalize
from ucj.ingest.values import ValueParseError

NIK = "7471010101900001"  # Kendari, born 01-01-1990, man, serial 0001
NIK_LENGTHS = V.IDENTIFIER_LENGTHS["nik"]


# --------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    "typed",
    [
        NIK,
        f" {NIK} ",
        f"'{NIK}",  # Excel's text marker
        f"`{NIK}",
        f"\u2019{NIK}",  # a curly apostrophe from a word processor
        "7471 0101 0190 0001",
        "7471  0101 0190 0001",
        "74.71.01.010190.0001",  # the Kemendagri display form
        "7471.0101.0190.0001",
        "7471-0101-0190-0001",
        "7471\u00a00101\u00a00190\u00a00001",  # no-break spaces from a web page
        "7471\u202f0101\u202f0190\u202f0001",
        f'"{NIK}"',
        f"'{NIK}'",
        f'="{NIK}"',  # the CSV trick to keep a number as text
        "'7471 0101 0190 0001",
    ],
)
def test_a_typed_nik_becomes_its_sixteen_digits(typed: str) -> None:
    assert V.normalize_identifier(typed, NIK_LENGTHS) == NIK
    assert V.check_nik(V.normalize_identifier(typed, NIK_LENGTHS)) is None


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("7.40101E+15", "NIK_AS_NUMBER"),
        ("7.47101e+15", "NIK_AS_NUMBER"),
        ("7471010101900001.0", "NIK_AS_NUMBER"),
        ("'7471010101900001.0", "NIK_AS_NUMBER"),  # the apostrophe does not hide the float
        ("7471 0101 0190 001", "NIK_NOT_DIGITS"),  # 15 digits: left as typed
        ("7471 0101 0190 00012", "NIK_NOT_DIGITS"),
        ("7471 0101 0190 OOO1", "NIK_NOT_DIGITS"),  # letter O for zero
        ("-", "NIK_MISSING"),  # kept as typed: the NIK rule rejects it (not a silent NULL)
        ("NIK 7471010101900001", "NIK_NOT_DIGITS"),
        ("7471010101900000", "NIK_EXCEL_PRECISION"),
        ("7471 0101 0190 0000", "NIK_EXCEL_PRECISION"),
        ("\u0667\u0664\u0667\u0661010101900001", "NIK_NOT_DIGITS"),  # Arabic-Indic digits
    ],
)
def test_what_is_not_a_nik_keeps_its_reason(typed: str, code: str) -> None:
    assert V.check_nik(V.normalize_identifier(typed, NIK_LENGTHS)) == code


@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        ("kpj", "'11012345678", "11012345678"),
        ("kpj", "110 1234 5678", "11012345678"),
        ("kpj", "110-1234-567", "1101234567"),  # 10 digits: joined, then KPJ_FORMAT warns
        ("kpj", "KPJ 11012345678", "KPJ 11012345678"),
        ("kpj", "123 45", "123 45"),  # not a plausible KPJ
        ("npp", "'00012345", "00012345"),  # leading zeros are kept
        ("npp", "1234 5678", "12345678"),
        ("npp", "NPP-1234", "NPP-1234"),
        ("nomor_klaim", "JKK2506747100001", "JKK2506747100001"),
        ("nomor_klaim", "JKK-2506-0001", "JKK-2506-0001"),  # letters: never mangled
        ("nomor_klaim", "'2506 7471 00001", "2506747100001"),
        ("nomor_klaim", "KLM/2025/06/001", "KLM/2025/06/001"),
    ],
)
def test_other_identifiers(field: str, typed: str, expected: str) -> None:
    series = pd.Series([typed, None, typed], index=[5, 6, 7], dtype=object)
    assert V.normalize_identifiers(series, field).tolist() == [expected, None, expected]


def test_random_niks_typed_with_separators_come_back() -> None:
    rnd = random.Random(14)
    for _ in range(2000):
        nik = "".join(rnd.choice("0123456789") for _ in range(16))
        cuts = sorted(rnd.sample(range(1, 16), rnd.randint(0, 5)))
        parts = [nik[a:b] for a, b in zip([0, *cuts], [*cuts, 16], strict=True)]
        typed = rnd.choice([" ", ".", "-", "\u00a0"]).join(parts)
        typed = rnd.choice(["{}", "'{}", '"{}"', '="{}"', " {} "]).format(typed)
        if typed.count(".") == 1 and len(parts) == 2:  # 3583321333.925497 reads as a float: NIK_AS_NUMBER
            assert V.check_nik(V.normalize_identifier(typed, NIK_LENGTHS)) == "NIK_AS_NUMBER"
            continue
        assert V.normalize_identifier(typed, NIK_LENGTHS) == nik, typed


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        ("230", 230, None),
        ("230 Orang", 230, "orang"),
        ("230 orang", 230, "orang"),
        ("230 org", 230, "orang"),
        ("230 Org.", 230, "orang"),
        ("230 jiwa", 230, "orang"),
        ("230 peserta", 230, "orang"),
        ("230 pekerja", 230, "orang"),
        ("230 tenaga kerja", 230, "orang"),
        ("230 TK", 230, "orang"),
        ("230 pegawai", 230, "orang"),
        ("230 OB", 230, "orang_bulan"),
        ("1.800 OB", 1800, "orang_bulan"),
        ("1.800 O/B", 1800, "orang_bulan"),
        ("1800 Orang-Bulan", 1800, "orang_bulan"),
        ("1800 org/bln", 1800, "orang_bulan"),
        ("12 OT", 12, "orang_tahun"),
        ("20 OH", 20, "orang_hari"),
        ("5 OK", 5, "orang_kali"),
        ("12 bln", 12, "bulan"),
        ("12 bulan", 12, "bulan"),
        ("12 Bln.", 12, "bulan"),
        ("1 tahun", 1, "tahun"),
        ("1 thn", 1, "tahun"),
        ("1 paket", 1, "paket"),
        ("1 pkt", 1, "paket"),
        ("2 kali", 2, "kali"),
        ("2x", 2, "kali"),
        ("1 500 orang", 1500, "orang"),
        ("1,5 bulan", Decimal("1.5"), "bulan"),
        ("2 rb", 2000, None),
        ("1,2 juta", 1_200_000, None),
        ("", None, None),
        ("-", None, None),
    ],
)
def test_parse_quantity(text: str, number: int | Decimal | None, unit: str | None) -> None:
    assert V.parse_quantity(text) == (number, unit)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("230 Orang", 230), ("1.800 OB", 1800), ("12 bln", 12), ("5 OK", 5), ("230 TK", 230), ("1.427", 1427)],
)
def test_parse_int_drops_the_unit(text: str, expected: int) -> None:
    assert V.parse_int(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "in_message"),
    [
        ("230 ekor", "INT_UNKNOWN_UNIT", "'ekor'"),
        ("230 unit", "INT_UNKNOWN_UNIT", "'unit'"),
        ("5 M", "INT_UNKNOWN_UNIT", "'M'"),
        ("230 orang bulan x", "INT_UNKNOWN_UNIT", "orang bulan x"),
        ("1.500 rb", "INT_AMBIGUOUS", "1500"),
        ("1,5 OB", "INT_NOT_WHOLE", "1,5 OB"),
        ("banyak", "INT_UNPARSEABLE", "banyak"),
        ("OB", "INT_UNPARSEABLE", "OB"),
    ],
)
def test_count_errors_name_the_problem(text: str, code: str, in_message: str) -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_int(text)
    assert err.value.code == code
    assert in_message in err.value.message


def test_parse_quantities_is_aligned_and_keeps_the_unit() -> None:
    series = pd.Series(["1.800 OB", "230 orang", None, "230 ekor", "1.800 OB"], index=[3, 1, 4, 1, 5])
    numbers, units, errors = V.parse_quantities(series)
    assert numbers.tolist() == [1800, 230, None, None, 1800]
    assert units.tolist() == ["orang_bulan", "orang", None, None, "orang_bulan"]
    assert errors.tolist() == [None, None, None, "INT_UNKNOWN_UNIT", None]
    assert list(numbers.index) == list(series.index) == list(units.index) == list(errors.index)


def test_empty_quantities() -> None:
    numbers, units, errors = V.parse_quantities(pd.Series([], dtype=object))
    assert len(numbers) == len(units) == len(errors) == 0


# --------------------------------------------------------------------------- Rupiah


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rp 3.000.000", 3_000_000),
        ("Rp3.000.000", 3_000_000),
        ("Rp. 3.000.000", 3_000_000),
        ("RP. 3.000.000", 3_000_000),
        ("IDR 3.000.000", 3_000_000),
        ("3.000.000 rupiah", 3_000_000),
        ("Rp 3.000.000,-", 3_000_000),
        ("Rp 3.000.000.-", 3_000_000),
        ("Rp 3.000.000,00", 3_000_000),
        ("3.000.000,00", 3_000_000),
        ("3,000,000.00", 3_000_000),
        ("3.000.000.00", 3_000_000),  # zero cents: the same amount whichever mark is decimal
        ("Rp 3.073.551,70", Decimal("3073551.70")),
        ("(Rp 3.000.000)", -3_000_000),
        ("Rp (3.000.000)", -3_000_000),
        ("(3.000.000,00)", -3_000_000),
        ("-Rp 3.000.000", -3_000_000),
        ("Rp\u00a03.000.000", 3_000_000),
        ("3\u202f000\u202f000", 3_000_000),
        ("Rp 3 juta", 3_000_000),
        ("Rp 3jt", 3_000_000),
        ("3 jt.", 3_000_000),
        ("1,5 juta", 1_500_000),
        ("1.5 juta", 1_500_000),
        ("1,25 juta", 1_250_000),
        ("0.500 juta", 500_000),
        ("500 rb", 500_000),
        ("500 ribu", 500_000),
        ("Rp 2 miliar", 2_000_000_000),
        ("Rp 2 milyar", 2_000_000_000),
        ("1,2 miliar", 1_200_000_000),
        ("2 T", 2_000_000_000_000),  # triliun and trillion agree
        ("2 triliun", 2_000_000_000_000),
        ("IDR 1.5 million", 1_500_000),
        ("Rp -", None),
        ("-", None),
    ],
)
def test_rupiah_forms(text: str, expected: int | Decimal | None) -> None:
    assert V.parse_money(text) == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("text", "in_message"),
    [
        ("1.500 juta", "1500"),  # 1,5 juta or 1500 juta?
        ("1,500 juta", "1500"),
        ("Rp 1.204 miliar", "1204"),
        ("2 M", "'M'"),  # miliar in Indonesian, million in English
        ("Rp 1,2 M", "'M'"),
        ("1,5M", "'M'"),
        ("3.000.000.50", "decimal mark"),  # cents, or a group missing a digit?
    ],
)
def test_ambiguous_amounts_are_refused_with_a_message(text: str, in_message: str) -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_money(text)
    assert err.value.code == "MONEY_AMBIGUOUS"
    assert in_message in err.value.message and text in err.value.message


@pytest.mark.parametrize("text", ["3.000.00.000", "Rp 3 ekor", "USD 3.000", "3.000.000 USD"])
def test_unreadable_amounts(text: str) -> None:
    with pytest.raises(ValueParseError) as err:
        V.parse_money(text)
    assert err.value.code == "MONEY_UNPARSEABLE"


def test_new_codes_are_explained_in_both_languages() -> None:
    for code in ("MONEY_AMBIGUOUS", "INT_UNKNOWN_UNIT", "INT_AMBIGUOUS"):
        indonesian, english = V.VALUE_REASONS[code]
        assert indonesian and english and indonesian != english


def _indonesian(amount: int, rnd: random.Random) -> str:
    """``amount`` as an OPD might type it: dots for thousands, maybe Rp, maybe ,- or ,00."""
    grouped = f"{amount:,}".replace(",", ".")
    prefix = rnd.choice(["", "Rp ", "Rp", "Rp. ", "IDR ", "Rp\u00a0"])
    suffix = rnd.choice(["", ",-", ",00", ",00-", ".-"])
    return f"{prefix}{grouped}{suffix}"


def test_random_indonesian_amounts_parse_back() -> None:
    rnd = random.Random(2025)
    for _ in range(3000):
        amount = rnd.choice([rnd.randint(0, 999), rnd.randint(1000, 10**7), rnd.randint(10**7, 10**13)])
        text = _indonesian(amount, rnd)
        if amount >= 1000 or "," in text:  # "Rp 123" is also fine, but "123.-" is not grouped
            assert V.parse_money(text) == amount, text
        negative = f"({text})"
        assert V.parse_money(negative) == -amount, negative


def test_random_english_amounts_parse_back() -> None:
    rnd = random.Random(2026)
    for _ in range(2000):
        amount = rnd.randint(1000, 10**12)
        text = rnd.choice(["", "Rp ", "IDR "]) + f"{amount:,}" + rnd.choice(["", ".00"])
        assert V.parse_money(text) == amount, text


def test_random_counts_with_units_parse_back() -> None:
    rnd = random.Random(7)
    words = {"orang": "orang", "org": "orang", "OB": "orang_bulan", "bln": "bulan", "TK": "orang", "": None}
    for _ in range(2000):
        count = rnd.randint(0, 10**6)
        word = rnd.choice(list(words))
        grouped = f"{count:,}".replace(",", ".") if rnd.random() < 0.5 else str(count)
        text = f"{grouped} {word}".strip()
        assert V.parse_quantity(text) == (count, words[word]), text
        assert V.parse_int(text) == count


# --------------------------------------------------------------------------- canonical


def _roster_chunk(niks: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_source_row": list(range(2, 2 + len(niks))),
            "nik": niks,
            "nama": ["Budi"] * len(niks),
            "tanggal_lahir": ["01-01-1990"] * len(niks),
            "jenis_kelamin": ["L"] * len(niks),
        }
    )


def test_canonical_normalises_the_typed_nik_and_keeps_the_text() -> None:
    typed = ["'7471010101900001", "7471 0101 0190 0001", "74.71.01.010190.0001", "7.47101E+15", "7471 0101 0190 001"]
    out = canonicalize(_roster_chunk(typed), "rosters")
    assert out["nik"].tolist()[:3] == [NIK, NIK, NIK]
    assert out["nik__error"].tolist() == [None, None, None, "NIK_AS_NUMBER", "NIK_NOT_DIGITS"]
    assert [json.loads(row)["nik"] for row in out["_source_json"]] == typed
    assert out["nik__raw"].tolist() == typed


def test_canonical_keeps_claim_numbers_with_letters() -> None:
    chunk = pd.DataFrame(
        {"_source_row": [2, 3], "nomor_klaim": ["JKK-2506-0001", "'2506 0001"], "kpj": ["'110 1234 5678", "x"]}
    )
    out = canonicalize(chunk, "claims")
    assert out["nomor_klaim"].tolist() == ["JKK-2506-0001", "25060001"]
    assert out["kpj"].tolist() == ["11012345678", "x"]
    assert json.loads(out["_source_json"].iat[1])["nomor_klaim"] == "'2506 0001"
