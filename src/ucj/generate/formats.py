"""Indonesian formats: month names, dates and Rupiah amounts as offices write them.

Months are handled as integer indices (``year * 12 + month - 1``) so that month arithmetic is
plain integer arithmetic.
"""

from __future__ import annotations

import calendar
import datetime as dt

from ucj.bulan import BULAN

EPOCH = dt.date(1970, 1, 1)


def month_index(year: int, month: int) -> int:
    """Month index of a calendar month."""
    return year * 12 + month - 1


def parse_month(text: str) -> int:
    """Month index of ``YYYY-MM``."""
    year, month = text.split("-")
    return month_index(int(year), int(month))


def year_month(mi: int) -> tuple[int, int]:
    """(year, month) of a month index."""
    return mi // 12, mi % 12 + 1


def period_str(mi: int) -> str:
    """``YYYY-MM`` of a month index."""
    y, m = year_month(mi)
    return f"{y:04d}-{m:02d}"


def month_start(mi: int) -> dt.date:
    y, m = year_month(mi)
    return dt.date(y, m, 1)


def month_end(mi: int) -> dt.date:
    y, m = year_month(mi)
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def day_to_date(day: int) -> dt.date:
    """Date of a day number (days since 1970-01-01)."""
    return EPOCH + dt.timedelta(days=int(day))


def date_to_day(d: dt.date) -> int:
    return (d - EPOCH).days


def fmt_date(d: dt.date, style: str) -> str:
    """A date as text: ``dmy_dash`` (the default; ``excel`` too), ``dmy_slash``, ``long``, ``iso``."""
    if style == "dmy_slash":
        return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"
    if style == "long":
        return f"{d.day} {BULAN[d.month - 1]} {d.year:04d}"
    if style == "iso":
        return d.isoformat()
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"


def dots(n: int) -> str:
    """Thousands separated with dots: ``3.073.551`` (sign kept)."""
    return f"{n:,}".replace(",", ".")


def fmt_rupiah(amount: float, style: str) -> str | float:
    """Rupiah as an office writes it: ``Rp 3.073.551,70`` (``rp_decimal``), ``3.073.551`` (any other
    style) or a number (``number``: a numeric cell)."""
    if style == "number":
        return float(amount) if amount != int(amount) else int(amount)
    if style == "rp_decimal":
        cents = round(abs(amount) * 100)
        sign = "-" if amount < 0 else ""
        return f"Rp {sign}{dots(cents // 100)},{cents % 100:02d}"
    return dots(round(amount))


def fmt_plain(amount: float) -> str:
    """A plain machine number as BPJS exports write it: ``3314389.80`` or ``16800``."""
    cents = round(amount * 100)
    if cents % 100 == 0:
        return str(cents // 100)
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def round_half_up(x: float) -> int:
    """Round to whole Rupiah, halves up (as iuran are billed)."""
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)
