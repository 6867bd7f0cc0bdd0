"""Parsers for values as Indonesian government spreadsheets write them.

Every parser takes the cell text a reader produced (``None`` or empty = no value) and returns
the typed value, or raises :class:`ValueParseError` with a stable ``code``. The vectorised
versions (``parse_dates``, ``parse_moneys``, ..., ``check_niks``) take a pandas Series and
return ``(values, error_codes)`` Series aligned with the input; they parse each distinct
text once, so repeated values (dates, wages, L/P) cost nothing.

Decisions on ambiguous text (documented contract, tested in tests/unit/test_values.py):

* Dates are day-first: ``03/12/1990`` is 3 December 1990. Month > 12 is rejected
  (``DATE_INVALID``), never swapped. Two-digit years are rejected (``DATE_TWO_DIGIT_YEAR``).
  A bare 4-digit number 1900-2100 is a year, not a serial (``DATE_YEAR_ONLY``).
  Other whole numbers 61..73050 are Excel serials (1900-03-01..2099-12-31).
  ``yyyymmdd`` and ``ddmmyyyy`` 8-digit forms are accepted (they can never both be valid).
* Money: a single separator ("." or ",") followed by exactly three digits is a thousands
  separator (``3.073`` = 3073, ``3,073`` = 3073); otherwise it is the decimal mark
  (``1,5`` = 1.5, ``3073551.7`` = 3073551.7). With both, the last one is the decimal mark
  (``3.000.000,00`` = ``3,000,000.00`` = 3000000). Thousands groups must have three digits;
  the one exception is a two-digit tail after proper groups with the same mark:
  ``3.000.000.00`` is 3000000 (zero cents read either way), while ``3.000.000.50`` is
  ``MONEY_AMBIGUOUS`` (cents, or a group with a digit missing?). ``(1.000)`` and ``-1.000``
  are negative (the validator decides whether negatives are allowed). ``-``, ``Rp -`` and
  ``Rp. -`` are no value. ``Rp``, ``Rp.``, ``IDR`` in front and ``rupiah``, ``,-``, ``.-``,
  ``,00-`` behind are dropped: ``Rp 3.000.000,-`` is 3000000.
* Money words multiply: ``ribu``/``rb``/``k``/``thousand``, ``juta``/``jt``/``million``,
  ``miliar``/``milyar``/``mlyr``/``billion``, ``T``/``triliun``/``trilyun``/``trillion``.
  With a word, a single separator followed by one, two or four+ digits is the decimal mark
  (``1,2 juta`` = 1200000, ``1.5 juta`` = 1500000), but followed by exactly three digits it is
  ``MONEY_AMBIGUOUS``: ``1.500 juta`` is 1,5 juta to some and 1500 juta to others, a factor of
  1000. A bare ``M`` is ``MONEY_AMBIGUOUS`` too: miliar in Indonesian, million in English.
  ``T`` is safe (triliun and trillion agree).
* Integers (counts) follow the money rules and must be whole (``1.427`` = 1427, ``1,5`` is
  ``INT_NOT_WHOLE``). A unit word after the number is read by :func:`parse_quantity` and
  dropped by :func:`parse_int`: ``230 Orang``, ``230 org``, ``230 jiwa``, ``230 peserta``,
  ``230 pekerja``, ``230 tenaga kerja``, ``230 TK`` (orang); ``1.800 OB`` (orang-bulan: person
  months, 150 workers for 12 months; the budget layout converts it, so the unit is kept by
  :func:`parse_quantities`); ``OT``/``OH``/``OK`` (orang-tahun, -hari, -kali); ``12 bln``,
  ``12 bulan``; ``tahun``/``thn``; ``paket``/``pkt``; ``kali``/``x``. ``OK`` in a budget line
  is orang-kali (person-times), not plain persons, so it has its own code. ``ribu``/``rb`` and
  ``juta``/``jt`` multiply a count (with the money ambiguity rule: ``INT_AMBIGUOUS``); every
  other word is ``INT_UNKNOWN_UNIT`` with the word in the message, never a guess.
* Identifiers (NIK, KPJ, NPP, claim numbers) keep their text; :func:`normalize_identifier`
  only removes what people type around the digits (a leading apostrophe, quotes, ``="…"``,
  spaces, no-break spaces, dots and dashes between groups) when the result is ASCII digits of
  a plausible length for the field (:data:`IDENTIFIER_LENGTHS`). Otherwise the text stays as
  received so the NIK rules give their reason; float forms (``7.40101E+15``,
  ``7471010101900001.0``) are never turned into digits (``NIK_AS_NUMBER``); a workbook's
  numeric cell comes with the reader's flag and is judged by the loader.

New reason codes of this module are explained in :data:`VALUE_REASONS` (for the sender).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import numpy as np
import pandas as pd

from ucj.config import config_dir_text


class ValueParseError(ValueError):
    """A non-empty value that cannot be read; ``code`` is stable, ``message`` is English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_EMPTY_MARKS = frozenset({"", "-", "--", "—", "–", "_"})


def _clean(text: object) -> str | None:
    """Strip a cell text; None for no value (None, NaN, empty, a lone dash)."""
    if text is None:
        return None
    if not isinstance(text, str):
        if isinstance(text, float) and math.isnan(text):
            return None
        text = str(text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2007", " ").strip()
    return None if text in _EMPTY_MARKS else text


# --------------------------------------------------------------------------- dates

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "januari jan january",
        "februari feb pebruari peb february",
        "maret mar march",
        "april apr",
        "mei may",
        "juni jun june",
        "juli jul july",
        "agustus agu agt ags aug august",
        "september sep sept",
        "oktober okt oct october",
        "november nov nopember nop",
        "desember des dec december",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

_EXCEL_EPOCH = date(1899, 12, 30)
SERIAL_MIN = 61  # 1900-03-01: below it Excel's fictitious 1900-02-29 shifts dates
SERIAL_MAX = 73050  # 2099-12-31
YEAR_MIN, YEAR_MAX = 1900, 2100

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DMY = re.compile(r"(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})")
_YMD = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_D_MON_Y = re.compile(r"(\d{1,2})(?:\s*[-/.\s]\s*|(?=[A-Za-z]))([A-Za-z]+)\.?(?:\s*[-/.,\s]\s*)(\d{2,4})")
_MON_D_Y = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{2,4})")
_SERIAL = re.compile(r"(\d{1,5})(?:\.(\d+))?")
_EIGHT = re.compile(r"\d{8}")
_DAY_NAMES = re.compile(
    r"^(senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\s*,?\s*",
    re.IGNORECASE,
)
_TRAILING_DATE = re.compile(
    r"(?<!\d)(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}"
    r"|\d{1,2}\s*[-/.\s]?\s*[A-Za-z]+\.?\s*[-/.,\s]\s*\d{2,4}|\d{4,5}(?:\.\d+)?|\d{8})$"
)


def _make_date(year: int, month: int, day: int, text: str) -> date:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueParseError("DATE_OUT_OF_RANGE", f"date {text!r} has year {year}, outside {YEAR_MIN}-{YEAR_MAX}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueParseError(
            "DATE_INVALID",
            f"date {text!r} has no such day (read as day {day}, month {month}, year {year}; dates are read day-first)",
        ) from None


def _two_digit(text: str) -> ValueParseError:
    return ValueParseError("DATE_TWO_DIGIT_YEAR", f"date {text!r} has a two-digit year; write the year in full")


def _month_number(name: str, text: str) -> int:
    month = MONTHS.get(name.lower())
    if month is None:
        raise ValueParseError("DATE_UNPARSEABLE", f"date {text!r}: unknown month name {name!r}")
    return month


def _from_serial(whole: str, text: str) -> date:
    serial = int(whole)
    if not SERIAL_MIN <= serial <= SERIAL_MAX:
        raise ValueParseError(
            "DATE_OUT_OF_RANGE",
            f"date {text!r} looks like an Excel serial number but is outside 1900-2099",
        )
    return _EXCEL_EPOCH + timedelta(days=serial)


def _parse_date_only(text: str) -> date | None:
    """Parse a text that is only a date; None when no date format matches."""
    if m := _ISO.fullmatch(text):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _DMY.fullmatch(text):
        if len(m[4]) != 4:
            raise _two_digit(text)
        return _make_date(int(m[4]), int(m[3]), int(m[1]), text)
    if m := _YMD.fullmatch(text):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _D_MON_Y.fullmatch(text):
        month = _month_number(m[2], text)
        if len(m[3]) != 4:
            raise _two_digit(text)
        return _make_date(int(m[3]), month, int(m[1]), text)
    if m := _MON_D_Y.fullmatch(text):
        month = _month_number(m[1], text)
        if len(m[3]) != 4:
            raise _two_digit(text)
        return _make_date(int(m[3]), month, int(m[2]), text)
    if _EIGHT.fullmatch(text):
        return _parse_eight_digits(text)
    if m := _SERIAL.fullmatch(text):
        if m[2] is None and len(m[1]) == 4 and YEAR_MIN <= int(m[1]) <= YEAR_MAX:
            raise ValueParseError("DATE_YEAR_ONLY", f"date {text!r} is only a year; give day, month and year")
        return _from_serial(m[1], text)
    return None


def _parse_eight_digits(text: str) -> date:
    for year, month, day in ((text[:4], text[4:6], text[6:]), (text[4:], text[2:4], text[:2])):
        try:
            if YEAR_MIN <= int(year) <= YEAR_MAX:
                return date(int(year), int(month), int(day))
        except ValueError:
            continue
    raise ValueParseError("DATE_INVALID", f"date {text!r} is neither yyyymmdd nor ddmmyyyy")


def parse_date(text: str | None) -> date | None:
    """Parse a date as Indonesian files write it; None for no value.

    Accepts ISO ``1990-03-12`` (also with a time), ``12-03-1990``, ``12/03/1990``,
    ``12.3.1990``, ``1990/03/12``, ``1 Desember 2025``, ``1 Des 2025``, ``01-Des-2025``,
    English month names (``December 1, 2025``), a leading day name (``Senin, 1 Des 2025``),
    Excel serials (``33045``, ``33045.0``), 8-digit ``yyyymmdd``/``ddmmyyyy`` and
    place-and-date ``Kendari, 12-03-1990``. Raises :class:`ValueParseError` otherwise.
    """
    cleaned = _clean(text)
    if cleaned is None:
        return None
    return _parse_date_cached(cleaned)


@lru_cache(maxsize=65536)
def _parse_date_cached(text: str) -> date:
    body = _DAY_NAMES.sub("", text)
    parsed = _parse_date_only(body)
    if parsed is None:
        _, parsed = _split_place_date(text)
    return parsed


def _split_place_date(text: str) -> tuple[str | None, date]:
    m = _TRAILING_DATE.search(text)
    if m is None:
        raise ValueParseError("DATE_UNPARSEABLE", f"cannot read a date in {text!r}")
    place = text[: m.start()].strip(" ,;/-\t") or None
    if place is not None and not re.search(r"[A-Za-z]", place):
        raise ValueParseError("DATE_UNPARSEABLE", f"cannot read a date in {text!r}")
    parsed = _parse_date_only(m[1].strip())
    if parsed is None:
        raise ValueParseError("DATE_UNPARSEABLE", f"cannot read a date in {text!r}")
    return place, parsed


def parse_place_date(text: str | None) -> tuple[str | None, date | None]:
    """Split "Kendari, 12-03-1990" (TTL) into ("Kendari", date(1990, 3, 12)).

    A bare date gives (None, date); no value gives (None, None). The place may be followed
    by a comma, slash, semicolon, dash or just a space.
    """
    cleaned = _clean(text)
    if cleaned is None:
        return None, None
    only = _parse_date_only(_DAY_NAMES.sub("", cleaned))
    if only is not None:
        return None, only
    return _split_place_date(cleaned)


# --------------------------------------------------------------------------- periods

_YM_ISO = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})")
_YM_MY = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{4})")
_YM_NAME = re.compile(r"([A-Za-z]+)\.?\s*[-/.,\s]?\s*'?(\d{2}|\d{4})")
_YM_SIX = re.compile(r"(\d{4})(\d{2})")
_PERIOD_LABEL = re.compile(r"^(?:periode|bulan|masa|per)\s*:?\s*", re.IGNORECASE)


def _period_error(text: str, why: str) -> ValueParseError:
    return ValueParseError("PERIOD_UNPARSEABLE", f"period {text!r} {why}; write it as YYYY-MM or 'Juni 2025'")


def _year_month(year: int, month: int, text: str) -> str:
    if not YEAR_MIN <= year <= YEAR_MAX or not 1 <= month <= 12:
        raise _period_error(text, "is not a month of a year")
    return f"{year:04d}-{month:02d}"


def parse_year_month(text: str | None) -> str | None:
    """A reporting month as ``YYYY-MM``; None for no value.

    Accepts ``2025-06``, ``2025/6``, ``06-2025``, ``6/2025``, ``Juni 2025``, ``JUN 2025``,
    ``Jun-2025``, ``202506``, a label in front (``Periode: Juni 2025``) and any full date that
    :func:`parse_date` reads (an Excel month cell arrives as ``2025-06-01``): its month.
    Raises ``PERIOD_UNPARSEABLE`` (also for two-digit years and a bare year).
    """
    cleaned = _clean(text)
    if cleaned is None:
        return None
    return _parse_year_month_cached(cleaned)


@lru_cache(maxsize=4096)
def _parse_year_month_cached(text: str) -> str:
    body = _PERIOD_LABEL.sub("", text).strip()
    if m := _YM_ISO.fullmatch(body):
        return _year_month(int(m[1]), int(m[2]), text)
    if m := _YM_MY.fullmatch(body):
        return _year_month(int(m[2]), int(m[1]), text)
    if m := _YM_SIX.fullmatch(body):
        return _year_month(int(m[1]), int(m[2]), text)
    if m := _YM_NAME.fullmatch(body):
        month = MONTHS.get(m[1].lower())
        if month is None:
            raise _period_error(text, f"has an unknown month name {m[1]!r}")
        if len(m[2]) != 4:
            raise _period_error(text, "has a two-digit year")
        return _year_month(int(m[2]), month, text)
    if re.fullmatch(r"\d{4}", body):
        raise _period_error(text, "is only a year")
    try:
        parsed = parse_date(body)
    except ValueParseError:
        parsed = None
    if parsed is None:
        raise _period_error(text, "cannot be read")
    return f"{parsed.year:04d}-{parsed.month:02d}"


# --------------------------------------------------------------------------- money, integers

_MULTIPLIERS = {
    "rb": 1_000,
    "ribu": 1_000,
    "k": 1_000,
    "thousand": 1_000,
    "jt": 1_000_000,
    "juta": 1_000_000,
    "million": 1_000_000,
    "miliar": 1_000_000_000,
    "milyar": 1_000_000_000,
    "mlyr": 1_000_000_000,
    "billion": 1_000_000_000,
    "t": 1_000_000_000_000,
    "triliun": 1_000_000_000_000,
    "trilyun": 1_000_000_000_000,
    "trillion": 1_000_000_000_000,
    "rp": 1,
    "idr": 1,
    "rupiah": 1,
}
# "M" is miliar in Indonesian and million in English: a factor of 1000 apart, so never guessed.
_AMBIGUOUS_MULTIPLIERS = frozenset({"m"})
_CURRENCY = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)
_MULTIPLIER = re.compile(r"\s*([A-Za-z]+)\.?$")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_NUMBER_BODY = re.compile(r"\d[\d.,]*|[.,]\d+")
_NO_AMOUNT = re.compile(r"(?i)(?:rp\.?|idr)\s*-*")


def _money_error(text: str, why: str) -> ValueParseError:
    return ValueParseError("MONEY_UNPARSEABLE", f"cannot read amount {text!r}: {why}")


def _ambiguous(text: str, why: str) -> ValueParseError:
    return ValueParseError("MONEY_AMBIGUOUS", f"amount {text!r} can be read two ways: {why}")


def _split_number(body: str, text: str, multiplied: bool) -> str:
    """Return ``body`` as a plain "1234.56" string following the module's separator rules."""
    dots, commas = body.count("."), body.count(",")
    if not dots and not commas:
        return body
    if dots and commas:
        decimal_mark = "." if body.rfind(".") > body.rfind(",") else ","
        whole, _, fraction = body.rpartition(decimal_mark)
        if whole.count(decimal_mark) or (not _GROUPED.fullmatch(whole) and not whole.isdigit()):
            raise _money_error(text, "mixed separators")
        return whole.replace(".", "").replace(",", "") + "." + fraction
    mark = "." if dots else ","
    if dots + commas > 1:
        if _GROUPED.fullmatch(body):
            return body.replace(mark, "")
        whole, _, fraction = body.rpartition(mark)
        if len(fraction) == 2 and _GROUPED.fullmatch(whole):
            if fraction == "00":  # "3.000.000.00": zero cents, the same amount either way
                return whole.replace(mark, "")
            raise _ambiguous(text, f"the last {mark!r} may be the decimal mark or a mistyped thousands group")
        raise _money_error(text, "thousands groups must have three digits")
    whole, _, fraction = body.partition(mark)
    if not whole:
        whole = "0"
    if multiplied and len(fraction) == 3 and whole != "0":
        raise _ambiguous(
            text,
            f"before a word such as juta or miliar, {body!r} may be the decimal {whole}.{fraction} or the whole"
            f" number {whole}{fraction}; write the amount in digits without the word",
        )
    if len(fraction) == 3 and not multiplied and whole != "0" and len(whole) <= 3:
        return whole + fraction
    return whole + "." + fraction


@lru_cache(maxsize=262144)
def _parse_money_cached(text: str) -> Decimal:
    body, negative = _strip_sign(text)
    multiplier = 1
    if m := _MULTIPLIER.search(body):
        if m[1].lower() in _AMBIGUOUS_MULTIPLIERS:
            raise _ambiguous(text, f"{m[1]!r} is miliar in Indonesian but million in English; write 'miliar' or 'juta'")
        factor = _MULTIPLIERS.get(m[1].lower())
        if factor is None:
            raise _money_error(text, f"unexpected text {m[1]!r}")
        multiplier, body = factor, body[: m.start()].rstrip()
        body, flipped = _strip_sign(body)
        negative ^= flipped
    body = body.replace(" ", "")
    if not _NUMBER_BODY.fullmatch(body):
        raise _money_error(text, "not a number")
    try:
        value = Decimal(_split_number(body, text, multiplier != 1)) * multiplier
    except InvalidOperation:
        raise _money_error(text, "not a number") from None
    if multiplier != 1 and value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return -value if negative else value


def _strip_sign(text: str) -> tuple[str, bool]:
    """Remove "Rp"/"IDR", a minus sign, accounting brackets and a ",-" tail."""
    body, negative = text.strip(), False
    for _ in range(2):
        if body.startswith("(") and body.endswith(")"):
            negative, body = not negative, body[1:-1].strip()
        if body.startswith("-"):
            negative, body = not negative, body[1:].strip()
        body = _CURRENCY.sub("", body)
    for suffix in (",-", ".-", ",--", ",00-"):
        if body.endswith(suffix):
            body = body[: -len(suffix)]
            break
    return body, negative


def parse_money(text: str | None) -> Decimal | None:
    """Parse a Rupiah amount ("Rp 3.073.551,70", "3,073,551.70", "3073551"); None for none.

    See the module docstring for the separator rules. Raises ``MONEY_UNPARSEABLE``.
    """
    cleaned = _clean(text)
    if cleaned is None or _NO_AMOUNT.fullmatch(cleaned):
        return None
    return _parse_money_cached(cleaned)


_UNITS: dict[str, str] = {}
for _unit, _words in {
    "orang": "orang|org|orng|jiwa|peserta|pekerja|tenaga kerja|tk|pegawai|personil|personel|pers",
    "orang_bulan": "ob|o b|orang bulan|org bln|org bulan|orang bln|orang per bulan|org per bln",
    "orang_tahun": "ot|o t|orang tahun|org thn|org tahun|orang thn",
    "orang_hari": "oh|o h|orang hari|org hr|org hari",
    "orang_kali": "ok|o k|orang kali|org kali",
    "bulan": "bulan|bln|bl",
    "tahun": "tahun|thn|th",
    "paket": "paket|pkt|pket",
    "kali": "kali|kl|x",
}.items():
    for _word in _words.split("|"):
        _UNITS[_word] = _unit
_COUNT_MULTIPLIERS = {"rb": 1_000, "ribu": 1_000, "jt": 1_000_000, "juta": 1_000_000}
_QUANTITY = re.compile(r"(?P<number>.*?\d\)?)\s*(?P<unit>[A-Za-z][A-Za-z.\s/-]*?)\.?")


def _unit_key(word: str) -> str:
    """ "O/B", "org. bln", "Orang-Bulan" -> "o b", "org bln", "orang bulan"."""
    return " ".join(re.split(r"[\s./-]+", word.lower())).strip()


def parse_quantity(text: str | None) -> tuple[int | Decimal | None, str | None]:
    """A count as people type it, with its unit: ``"1.800 OB"`` -> ``(1800, "orang_bulan")``.

    The number follows the money rules (``1.800`` = 1800); a whole number is an ``int``, a
    fraction a ``Decimal`` (``"1,5 bulan"``). Unit codes: ``orang`` (orang, org, jiwa, peserta,
    pekerja, tenaga kerja, TK, pegawai), ``orang_bulan`` (OB, O/B, orang bulan), ``orang_tahun``
    (OT), ``orang_hari`` (OH), ``orang_kali`` (OK), ``bulan`` (bln), ``tahun`` (thn),
    ``paket`` (pkt) and ``kali`` (x); ``None`` for a bare number. ``ribu``/``rb`` and
    ``juta``/``jt`` multiply (``2 rb`` = 2000). Any other word raises ``INT_UNKNOWN_UNIT``
    naming it: a guessed unit could turn person-months into workers.
    Raises ``INT_UNPARSEABLE`` and ``INT_AMBIGUOUS`` (``1.500 rb``) too.
    """
    cleaned = _clean(text)
    if cleaned is None:
        return None, None
    return _parse_quantity_cached(cleaned)


@lru_cache(maxsize=65536)
def _parse_quantity_cached(text: str) -> tuple[int | Decimal, str | None]:
    unit = None
    number = text
    m = _QUANTITY.fullmatch(text)
    if m is not None and not _CURRENCY.match(text):
        word = _unit_key(m["unit"])
        unit = _UNITS.get(word) or _UNITS.get(word.replace(" ", ""))
        if unit is None and word.replace(" ", "") not in _COUNT_MULTIPLIERS:
            raise ValueParseError(
                "INT_UNKNOWN_UNIT",
                f"number {text!r} has the unit {m['unit'].strip()!r}, which is not a known unit"
                " (known: orang, org, jiwa, peserta, pekerja, TK, OB, OT, OH, OK, bulan, tahun, paket, kali)",
            )
        if unit is not None:
            number = m["number"]
    try:
        value = _parse_money_cached(number)
    except ValueParseError as exc:
        if exc.code == "MONEY_AMBIGUOUS":
            raise ValueParseError("INT_AMBIGUOUS", exc.message.replace("amount", "number", 1)) from None
        raise ValueParseError("INT_UNPARSEABLE", f"cannot read number {text!r}") from None
    if value == value.to_integral_value():
        return int(value), unit
    return value, unit


def parse_int(text: str | None) -> int | None:
    """Parse a count ("1.427" = 1427, "1427", "1,427", "230 Orang"); None for no value.

    A unit word is read and dropped (see :func:`parse_quantity`; use it where the unit
    matters, e.g. orang-bulan in budgets). Raises ``INT_UNPARSEABLE``, ``INT_NOT_WHOLE``,
    ``INT_UNKNOWN_UNIT`` or ``INT_AMBIGUOUS``.
    """
    value, _ = parse_quantity(text)
    if isinstance(value, Decimal):
        raise ValueParseError("INT_NOT_WHOLE", f"number {_clean(text)!r} is not a whole number")
    return value


# --------------------------------------------------------------------------- coded values


def code_key(text: str) -> str:
    """How spellings of a code are compared: upper case, letters and digits only."""
    return re.sub(r"[^0-9A-Z]+", "", text.upper())


def taught_spellings(kind: str) -> dict[str, str]:
    """Spellings a deployment taught in ``UCJ_CONFIG_DIR/values.yaml`` (code key -> code)."""
    return _taught_in(config_dir_text(), kind)


@lru_cache(maxsize=64)
def _taught_in(config: str, kind: str) -> dict[str, str]:
    """Built once per config folder and kind (looked up for every distinct value of a chunk)."""
    from ucj.ingest import overrides

    return {code_key(s): c for s, c in overrides.value_spellings(kind).items()}


def _lookup_code(
    text: str | None, table: dict[str, str], code: str, label: str, expected: str, kind: str | None = None
) -> str | None:
    """The code ``text`` spells: the deployment's own spellings first (``values.yaml`` of the
    config folder is merged over the package's), then the package's table."""
    cleaned = _clean(text)
    if cleaned is None:
        return None
    key = code_key(cleaned)
    if kind is not None and (taught := taught_spellings(kind)) and key in taught:
        return taught[key]
    if key in table:
        return table[key]
    # "Penerima Upah (PU)": try outside, then inside, the brackets.
    outside = code_key(re.sub(r"\([^)]*\)", " ", cleaned))
    if outside in table:
        return table[outside]
    for inside in re.findall(r"\(([^)]*)\)", cleaned):
        if code_key(inside) in table:
            return table[code_key(inside)]
    raise ValueParseError(code, f"unknown {label} {cleaned!r}; expected {expected}")


def _table(mapping: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, variants in mapping.items():
        for variant in variants.split("|"):
            out[code_key(variant)] = value
    return out


_SEX = _table(
    {
        "L": "L|LK|LAKI|LAKI-LAKI|LAKI LAKI|LAKILAKI|LELAKI|PRIA|M|MALE|MAN|COWOK",
        "P": "P|PR|PRP|PEREMPUAN|WANITA|W|F|FEMALE|WOMAN|CEWEK",
    }
)
_SEGMENT = _table(
    {
        # Only the names BPJS Ketenagakerjaan uses (SOURCES.md). Look-alikes such as JASKON,
        # PPU, INFORMAL, MANDIRI or KONSTRUKSI are rejected (SEGMENT_UNKNOWN), not guessed:
        # a wrong segment moves a worker between coverage denominators.
        "PU": "PU|P.U.|PENERIMA UPAH|PEKERJA PENERIMA UPAH|TK PU",
        "BPU": "BPU|B.P.U.|BUKAN PENERIMA UPAH|PEKERJA BUKAN PENERIMA UPAH|TK BPU",
        "JAKON": "JAKON|JASA KONSTRUKSI|PROYEK JASA KONSTRUKSI",
    }
)
_TOTAL = _table({"TOTAL": "TOTAL|JUMLAH|JUMLAH TOTAL|TOTAL PEKERJA|SEMUA|SEMUA SEGMEN|GRAND TOTAL"})
_STATUS = _table(
    {
        "AKTIF": "AKTIF|AKTIP|ACTIVE|A|STATUS AKTIF",
        "NON AKTIF": "NON AKTIF|NON-AKTIF|NONAKTIF|NON AKTIP|TIDAK AKTIF|TDK AKTIF|TDK. AKTIF|"
        "INACTIVE|NA|N/A KTIF|PASIF|NON ACTIVE|NONACTIVE",
    }
)
_CLAIM_STATUS = _table(
    {
        "DILAPORKAN": "DILAPORKAN|LAPOR|DILAPOR|BARU|DIAJUKAN|PENGAJUAN|REPORTED|SUBMITTED",
        "BERKAS_LENGKAP": "BERKAS LENGKAP|BERKAS_LENGKAP|LENGKAP|DOKUMEN LENGKAP|COMPLETE",
        "VERIFIKASI": "VERIFIKASI|DIVERIFIKASI|PROSES VERIFIKASI|DALAM VERIFIKASI|SEDANG VERIFIKASI|"
        "VERIFIKASI BERKAS|DIPROSES|PROSES|VERIFIED|IN VERIFICATION",
        "DISETUJUI": "DISETUJUI|SETUJU|APPROVED|ACC|DITETAPKAN",
        "DIBAYAR": "DIBAYAR|SUDAH DIBAYAR|TERBAYAR|LUNAS|DIBAYARKAN|SUDAH BAYAR|PAID|SELESAI",
        "DITOLAK": "DITOLAK|TOLAK|REJECTED|DECLINED|TIDAK DISETUJUI",
        "KEDALUWARSA": "KEDALUWARSA|KADALUARSA|KEDALUARSA|KADALUWARSA|DALUWARSA|DALUARSA|EXPIRED",
    }
)
_PROGRAM = _table(
    {
        "JKK": "JKK|JAMINAN KECELAKAAN KERJA|KECELAKAAN KERJA|JKK (JAMINAN KECELAKAAN KERJA)",
        "JKM": "JKM|JAMINAN KEMATIAN|KEMATIAN",
        "BEASISWA": "BEASISWA|BEASISWA JKK|BEASISWA JKM|JKK BEASISWA|JKM BEASISWA|"
        "BEASISWA PENDIDIKAN|MANFAAT BEASISWA|SCHOLARSHIP",
    }
)
_UNFUNDED_PROGRAMS = _table({"JHT": "JHT|JAMINAN HARI TUA", "JP": "JP|JAMINAN PENSIUN|JKP"})


def parse_sex(text: str | None) -> str | None:
    """ "L" or "P" from L/P, Laki-laki, Pria, Perempuan, Wanita, M/F; raises ``SEX_UNKNOWN``."""
    return _lookup_code(text, _SEX, "SEX_UNKNOWN", "sex", "L or P", "sex")


def parse_segment(text: str | None, allow_total: bool = True) -> str | None:
    """ "PU", "BPU" or "JAKON" (and "TOTAL" when ``allow_total``, for workforce files).

    Raises ``SEGMENT_UNKNOWN``; with ``allow_total=False`` a total raises ``SEGMENT_TOTAL``.
    """
    cleaned = _clean(text)
    if cleaned is not None and code_key(cleaned) in _TOTAL:
        if allow_total:
            return "TOTAL"
        raise ValueParseError("SEGMENT_TOTAL", f"segment {cleaned!r} is a total, not a segment")
    return _lookup_code(cleaned, _SEGMENT, "SEGMENT_UNKNOWN", "segment", "PU, BPU or JAKON", "segment")


def parse_status_kepesertaan(text: str | None) -> str | None:
    """ "AKTIF" or "NON AKTIF"; raises ``STATUS_UNKNOWN``."""
    return _lookup_code(
        text, _STATUS, "STATUS_UNKNOWN", "participation status", "AKTIF or NON AKTIF", "status_kepesertaan"
    )


def parse_claim_status(text: str | None) -> str | None:
    """One of DILAPORKAN, BERKAS_LENGKAP, VERIFIKASI, DISETUJUI, DIBAYAR, DITOLAK,
    KEDALUWARSA; raises ``CLAIM_STATUS_UNKNOWN``."""
    return _lookup_code(
        text,
        _CLAIM_STATUS,
        "CLAIM_STATUS_UNKNOWN",
        "claim status",
        "DILAPORKAN, BERKAS LENGKAP, VERIFIKASI, DISETUJUI, DIBAYAR, DITOLAK or KEDALUWARSA",
        "status_claim",
    )


def parse_program(text: str | None) -> str | None:
    """ "JKK", "JKM" or "BEASISWA"; JHT/JP raise ``PROGRAM_NOT_FUNDED``, others
    ``PROGRAM_UNKNOWN``."""
    cleaned = _clean(text)
    if cleaned is not None and code_key(cleaned) in _UNFUNDED_PROGRAMS:
        raise ValueParseError(
            "PROGRAM_NOT_FUNDED",
            f"program {cleaned!r} is not funded by the Pemda (only JKK and JKM are)",
        )
    if cleaned is not None and "BEASISWA" in code_key(cleaned):
        return "BEASISWA"
    return _lookup_code(cleaned, _PROGRAM, "PROGRAM_UNKNOWN", "program", "JKK, JKM or BEASISWA", "program")


# --------------------------------------------------------------------------- NIK

NIK_REASONS: dict[str, tuple[str, str]] = {
    "NIK_MISSING": (
        "NIK kosong; isi NIK 16 digit sesuai KTP",
        "NIK is empty; fill in the 16-digit NIK from the identity card",
    ),
    "NIK_AS_NUMBER": (
        (
            "NIK tersimpan sebagai angka di Excel (mis. 7.47101E+15) sehingga digit terakhir hilang;"
            " format kolom sebagai Teks lalu ketik ulang NIK"
        ),
        (
            "NIK was stored as a number by Excel (e.g. 7.47101E+15), which loses the last digits;"
            " format the column as Text and type the NIK again"
        ),
    ),
    "NIK_EXCEL_PRECISION": (
        (
            "NIK berakhiran 0000: digit terakhir dibulatkan oleh Excel (batas 15 digit);"
            " format kolom sebagai Teks lalu ketik ulang NIK"
        ),
        (
            "NIK ends in 0000: Excel rounded its last digits (15-digit limit);"
            " format the column as Text and type the NIK again"
        ),
    ),
    "NIK_LENGTH": (
        "NIK harus 16 digit",
        "NIK must have exactly 16 digits",
    ),
    "NIK_NOT_DIGITS": (
        "NIK hanya boleh berisi angka (tanpa spasi, titik atau huruf)",
        "NIK may contain digits only (no spaces, dots or letters)",
    ),
    "NIK_BAD_DATE": (
        "Digit ke-7 s.d. 12 NIK bukan tanggal lahir yang sah (DDMMYY, perempuan DD+40)",
        "Digits 7-12 of the NIK are not a valid birth date (DDMMYY, women DD+40)",
    ),
    "NIK_UNKNOWN_REGION": (
        "4 digit pertama NIK bukan kode kabupaten/kota yang dikenal",
        "The first 4 digits of the NIK are not a known kabupaten/kota code",
    ),
    "NIK_DOB_MISMATCH": (
        "Tanggal lahir dalam NIK tidak sama dengan kolom tanggal lahir",
        "The birth date inside the NIK differs from the birth date column",
    ),
    "NIK_SEX_MISMATCH": (
        ("Jenis kelamin dalam NIK (tanggal +40 untuk perempuan) tidak sama dengan kolom jenis kelamin"),
        "The sex encoded in the NIK (day +40 for women) differs from the sex column",
    ),
}

VALUE_REASONS: dict[str, tuple[str, str]] = {
    "MONEY_AMBIGUOUS": (
        (
            "nilai uang bisa dibaca dua cara (mis. '1.500 juta' = 1,5 juta atau 1.500 juta; 'M' = miliar"
            " atau million); tulis nilainya lengkap dengan angka, mis. 1.500.000.000"
        ),
        (
            "the amount can be read two ways (e.g. '1.500 juta' = 1.5 or 1500 juta; 'M' = miliar or million);"
            " write it in full digits, e.g. 1.500.000.000"
        ),
    ),
    "INT_UNKNOWN_UNIT": (
        "satuan setelah angka tidak dikenal; tulis angka saja atau satuan seperti orang, OB, bulan",
        "the unit after the number is not known; write the number alone or a unit such as orang, OB, bulan",
    ),
    "INT_AMBIGUOUS": (
        "angka bisa dibaca dua cara (mis. '1.500 rb'); tulis angkanya lengkap tanpa kata ribu/juta",
        "the number can be read two ways (e.g. '1.500 rb'); write it in full digits without ribu/juta",
    ),
}
"""(Bahasa Indonesia, English) for the codes added with the typed-forms rules (issue 14)."""

_NIK_DIGITS = re.compile(r"\d{16}")
_NUMBERISH = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)|\d+\.\d*|\d+,0+")
_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@lru_cache(maxsize=64)
def _region_sets(known_regions: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(4-digit kab/kota codes, 2-digit province wildcards) from codes like "74.71" or "74".

    A province code is a wildcard only when none of its kabupaten/kota is listed: the regions
    seed lists province 74 *and* its 17 kab/kota, and then ``7499…`` is an unknown region.
    """
    kabkota, provinces = set(), set()
    for code in known_regions:
        digits = re.sub(r"\D", "", str(code))
        if len(digits) == 2:
            provinces.add(digits)
        elif len(digits) >= 4:
            kabkota.add(digits[:4])
    provinces -= {code[:2] for code in kabkota}
    return frozenset(kabkota), frozenset(provinces)


def _nik_format_reason(nik: str) -> str | None:
    if _NUMBERISH.fullmatch(nik):
        return "NIK_AS_NUMBER"
    if not nik.isdigit() or not nik.isascii():
        return "NIK_NOT_DIGITS"
    if len(nik) != 16:
        return "NIK_LENGTH"
    if nik.endswith("0000"):
        return "NIK_EXCEL_PRECISION"
    return None


def _nik_date_ok(dd: int, mm: int, yy: int, birth_year: int | None) -> bool:
    day = dd - 40 if dd > 40 else dd
    if not 1 <= mm <= 12 or not 1 <= day <= _DAYS_IN_MONTH[mm]:
        return False
    if mm == 2 and day == 29:
        year = birth_year if birth_year is not None else yy
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0 or birth_year is None)
        return leap
    return True


def check_nik(
    nik: str | None,
    known_regions: frozenset[str] | None = None,
    birth_date: date | None = None,
    sex: str | None = None,
) -> str | None:
    """None when ``nik`` is a valid NIK, else the first failing reason code.

    Codes in order of precedence: NIK_MISSING, NIK_AS_NUMBER, NIK_NOT_DIGITS, NIK_LENGTH,
    NIK_EXCEL_PRECISION, NIK_BAD_DATE, NIK_UNKNOWN_REGION, NIK_DOB_MISMATCH,
    NIK_SEX_MISMATCH. ``known_regions`` holds Kemendagri codes ("74.71", "7471"; a 2-digit
    province code "73" accepts every kab/kota of that province); the NIK's first four digits
    must be one of them. ``sex`` is "L"/"P" (other spellings are parsed; unknown is ignored).
    """
    text = _clean(nik)
    if text is None:
        return "NIK_MISSING"
    reason = _nik_format_reason(text)
    if reason:
        return reason
    dd, mm, yy = int(text[6:8]), int(text[8:10]), int(text[10:12])
    if not _nik_date_ok(dd, mm, yy, birth_date.year if birth_date else None):
        return "NIK_BAD_DATE"
    if known_regions is not None:
        kabkota, provinces = _region_sets(frozenset(known_regions))
        if text[:4] not in kabkota and text[:2] not in provinces:
            return "NIK_UNKNOWN_REGION"
    female = dd > 40
    if birth_date is not None:
        day = dd - 40 if female else dd
        if (day, mm, yy) != (birth_date.day, birth_date.month, birth_date.year % 100):
            return "NIK_DOB_MISMATCH"
    if sex is not None:
        try:
            parsed = parse_sex(sex)
        except ValueParseError:
            parsed = None
        if parsed is not None and (parsed == "P") != female:
            return "NIK_SEX_MISMATCH"
    return None


# --------------------------------------------------------------------------- identifiers

IDENTIFIER_LENGTHS: dict[str, tuple[int, int]] = {
    "nik": (16, 16),
    "kpj": (9, 13),
    "npp": (6, 10),
}
"""Digit counts (min, max) for which typed separators are removed, per identifier field.

A NIK has exactly 16 digits; KPJ (11) and NPP (8) lengths are [U] (DOMAIN.md), so a KPJ or
NPP a digit or two off is still joined and then gets its KPJ_FORMAT / NPP_FORMAT warning on
clean digits. Other identifier fields (``nomor_klaim``) use :data:`DEFAULT_IDENTIFIER_LENGTHS`.
"""
DEFAULT_IDENTIFIER_LENGTHS = (4, 30)

# Excel's text marker and the quotes people type around a number to keep it text.
_ID_WRAPPED = re.compile(r'="(.*)"|"(.*)"|\'(.*)\'|[\'`\u2018\u2019](.*)', re.DOTALL)
# Between digit groups: spaces (also no-break, figure, narrow and zero-width), dots, dashes.
_ID_SEPARATORS = re.compile(r"[\s.\-\u00a0\u2007\u202f\u200b\u2010-\u2013]")


def normalize_identifier(text: str | None, lengths: tuple[int, int] = DEFAULT_IDENTIFIER_LENGTHS) -> str | None:
    """An identifier as people type it, reduced to its digits when that is unambiguous.

    Removes a leading apostrophe (Excel's text marker), surrounding quotes, the CSV ``="…"``
    trick and spaces/dots/dashes between digit groups (``7471 0101 0190 0001``,
    ``74.71.01.010190.0001``), but only when what remains is ASCII digits with a length in
    ``lengths``. Anything else comes back as received (stripped), so the existing checks
    reject it with their own reason: a float form (``7.47101E+15``, ``7471010101900001.0``)
    stays NIK_AS_NUMBER, a claim number with letters
    (``JKK-2506-0001``) is kept as written, and so is a lone dash (not "no value" here: the
    NIK rules must see it).
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    stripped = str(text).strip()
    return _normalize_identifier_cached(stripped, lengths) if stripped else None


@lru_cache(maxsize=262144)
def _normalize_identifier_cached(text: str, lengths: tuple[int, int]) -> str:
    if _NUMBERISH.fullmatch(text):
        return text
    body = text
    if m := _ID_WRAPPED.fullmatch(body):
        body = next(group for group in m.groups() if group is not None).strip()
    if _NUMBERISH.fullmatch(body):  # '7471010101900001.0: a number Excel rounded, so NIK_AS_NUMBER
        return body
    digits = _ID_SEPARATORS.sub("", body)
    low, high = lengths
    if digits.isascii() and digits.isdigit() and low <= len(digits) <= high and body[0].isdigit():
        return digits
    return text


def normalize_identifiers(series: pd.Series, field: str | None = None) -> pd.Series:
    """Vectorised :func:`normalize_identifier` with the lengths of ``field`` (see
    :data:`IDENTIFIER_LENGTHS`); each distinct text is normalised once."""
    lengths = IDENTIFIER_LENGTHS.get(field or "", DEFAULT_IDENTIFIER_LENGTHS)
    normalised, _ = _map_unique(series, lambda text: normalize_identifier(text, lengths))
    return normalised


# --------------------------------------------------------------------------- vectorised


def _map_unique(series: pd.Series, parse: Callable[[str], object]) -> tuple[pd.Series, pd.Series]:
    """Apply ``parse`` once per distinct text; return (values, error codes) Series."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    n = len(uniques)
    values = np.empty(n + 1, dtype=object)
    errors = np.empty(n + 1, dtype=object)
    values[n] = errors[n] = None
    for i, text in enumerate(uniques):
        try:
            values[i] = parse(text)
            errors[i] = None
        except ValueParseError as exc:
            values[i] = None
            errors[i] = exc.code
    index = np.where(codes < 0, n, codes)
    return (
        pd.Series(values[index], index=series.index, dtype=object, name=series.name),
        pd.Series(errors[index], index=series.index, dtype=object, name=series.name),
    )


def parse_dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_date` (also reads place-and-date): (dates, error codes)."""
    return _map_unique(series, parse_date)


def parse_moneys(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_money`: (Decimal values, error codes)."""
    return _map_unique(series, parse_money)


def parse_ints(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_int`: (int values, error codes)."""
    return _map_unique(series, parse_int)


def parse_quantities(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorised :func:`parse_quantity`: (numbers, unit codes, error codes)."""
    pairs, errors = _map_unique(series, parse_quantity)
    array = pairs.to_numpy(dtype=object)
    numbers = np.array([p[0] if p is not None else None for p in array], dtype=object)
    units = np.array([p[1] if p is not None else None for p in array], dtype=object)
    return (
        pd.Series(numbers, index=series.index, dtype=object, name=series.name),
        pd.Series(units, index=series.index, dtype=object, name=series.name),
        errors,
    )


def parse_sexes(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_sex`."""
    return _map_unique(series, parse_sex)


def parse_segments(series: pd.Series, allow_total: bool = True) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_segment`."""
    return _map_unique(series, lambda text: parse_segment(text, allow_total=allow_total))


def parse_statuses_kepesertaan(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_status_kepesertaan`."""
    return _map_unique(series, parse_status_kepesertaan)


def parse_claim_statuses(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_claim_status`."""
    return _map_unique(series, parse_claim_status)


def parse_programs(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_program`."""
    return _map_unique(series, parse_program)


def parse_year_months(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_year_month`: ("YYYY-MM" texts, error codes)."""
    return _map_unique(series, parse_year_month)


PARSERS_BY_KIND: dict[str, Callable[[pd.Series], tuple[pd.Series, pd.Series]]] = {
    "date": parse_dates,
    "place_date": parse_dates,
    "money": parse_moneys,
    "integer": parse_ints,
    "sex": parse_sexes,
    "segment": parse_segments,
    "status_kepesertaan": parse_statuses_kepesertaan,
    "status_claim": parse_claim_statuses,
    "program": parse_programs,
    "year_month": parse_year_months,
}
"""Vectorised parser per field kind (kinds not listed are free text or identifiers)."""


def _date_parts(values: pd.Series | None, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) int arrays of a Series of dates; -1 where missing."""
    year = np.full(n, -1, dtype=np.int64)
    month = year.copy()
    day = year.copy()
    if values is None:
        return year, month, day
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques):
        uy = np.array([getattr(d, "year", -1) for d in uniques], dtype=np.int64)
        um = np.array([getattr(d, "month", -1) for d in uniques], dtype=np.int64)
        ud = np.array([getattr(d, "day", -1) for d in uniques], dtype=np.int64)
        ok = codes >= 0
        year[ok], month[ok], day[ok] = uy[codes[ok]], um[codes[ok]], ud[codes[ok]]
    return year, month, day


def _sex_codes(sexes: pd.Series | None, n: int) -> np.ndarray:
    """1 for P, 0 for L, -1 unknown/missing."""
    if sexes is None:
        return np.full(n, -1, dtype=np.int8)
    parsed, _ = parse_sexes(sexes)
    arr = parsed.to_numpy(dtype=object)
    return np.where(arr == "P", 1, np.where(arr == "L", 0, -1)).astype(np.int8)


def check_niks(
    series: pd.Series,
    known_regions: frozenset[str] | None = None,
    birth_dates: pd.Series | None = None,
    sexes: pd.Series | None = None,
) -> pd.Series:
    """Vectorised :func:`check_nik`: a Series of reason codes (None where the NIK is valid).

    Well-formed 16-digit texts are checked with numpy on a digit matrix; anything else falls
    back to :func:`check_nik` per distinct value.
    """
    raw = series.to_numpy(dtype=object)
    n = len(raw)
    result = np.full(n, None, dtype=object)
    if n == 0:
        return pd.Series(result, index=series.index, dtype=object, name=series.name)
    is16 = np.fromiter(
        (type(v) is str and len(v) == 16 and v.isdigit() and v.isascii() for v in raw),
        dtype=bool,
        count=n,
    )
    # Anything not plainly 16 ASCII digits: the scalar rules (cheap, rare in good files).
    other = np.flatnonzero(~is16)
    if len(other):
        by = birth_dates.to_numpy(dtype=object) if birth_dates is not None else None
        sx = sexes.to_numpy(dtype=object) if sexes is not None else None
        for i in other:
            result[i] = check_nik(
                raw[i],
                known_regions,
                _as_date(by[i]) if by is not None else None,
                _as_text(sx[i]) if sx is not None else None,
            )
    idx = np.flatnonzero(is16)
    if len(idx):
        result[idx] = _check_well_formed(raw[idx], known_regions, birth_dates, sexes, idx, n)
    return pd.Series(result, index=series.index, dtype=object, name=series.name)


def _as_date(value: object) -> date | None:
    if value is None or value is pd.NaT or isinstance(value, float):
        return None
    return value if isinstance(value, date) else None


def _as_text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _check_well_formed(
    niks: np.ndarray,
    known_regions: frozenset[str] | None,
    birth_dates: pd.Series | None,
    sexes: pd.Series | None,
    idx: np.ndarray,
    n: int,
) -> np.ndarray:
    """Reason codes for NIKs known to be 16 ASCII digits (numpy on the digit matrix)."""
    digits = np.frombuffer("".join(niks).encode("ascii"), dtype=np.uint8).reshape(-1, 16).astype(np.int64) - 48
    out = np.full(len(niks), None, dtype=object)

    def two(col: int) -> np.ndarray:
        return digits[:, col] * 10 + digits[:, col + 1]

    dd, mm, yy = two(6), two(8), two(10)
    female = dd > 40
    day = np.where(female, dd - 40, dd)
    b_year, b_month, b_day = (a[idx] for a in _date_parts(birth_dates, n))
    month_ok = (mm >= 1) & (mm <= 12)
    max_day = _DAYS_IN_MONTH[np.clip(mm, 0, 12)]
    date_ok = month_ok & (day >= 1) & (day <= max_day)
    feb29 = date_ok & (mm == 2) & (day == 29)
    leap_known = (b_year % 4 == 0) & ((b_year % 100 != 0) | (b_year % 400 == 0))
    date_ok &= ~feb29 | np.where(b_year >= 0, leap_known, yy % 4 == 0)

    serial_zero = (digits[:, 12:16] == 0).all(axis=1)
    checks: list[tuple[str, np.ndarray]] = [
        ("NIK_EXCEL_PRECISION", serial_zero),
        ("NIK_BAD_DATE", ~date_ok),
    ]
    if known_regions is not None:
        kabkota, provinces = _region_sets(frozenset(known_regions))
        kk = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
        known = np.isin(kk, np.array(sorted(int(c) for c in kabkota), dtype=np.int64))
        known |= np.isin(kk // 100, np.array(sorted(int(c) for c in provinces), dtype=np.int64))
        checks.append(("NIK_UNKNOWN_REGION", ~known))
    has_dob = b_year >= 0
    dob_bad = has_dob & ((day != b_day) | (mm != b_month) | (yy != b_year % 100))
    checks.append(("NIK_DOB_MISMATCH", dob_bad))
    sex = _sex_codes(sexes, n)[idx]
    checks.append(("NIK_SEX_MISMATCH", (sex >= 0) & ((sex == 1) != female)))
    for code, bad in reversed(checks):
        out[bad] = code
    return out
