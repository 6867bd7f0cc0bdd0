"""How the report writes numbers, money, percentages and months: Indonesian style.

Every number goes through :func:`ucj.marts_view.format_value` (thousands with dots, decimals
with a comma: the one formatting rule of the codebase); this module only adds the units a
reader expects: ``Rp 553.127.196`` (whole Rupiah), ``35,05%``, ``Jun 2025``.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ucj.bulan import BULAN
from ucj.marts_view import format_value

MISSING = "-"


def number(value: object) -> str:
    """A count: ``140.940``."""
    if value is None:
        return MISSING
    return format_value(int(value))


def rupiah(value: object) -> str:
    """Money in whole Rupiah: ``Rp 553.127.196``, ``-Rp 7.138.440`` (half a Rupiah rounds away from 0)."""
    if value is None:
        return MISSING
    whole = int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{'-' if whole < 0 else ''}Rp {format_value(abs(whole))}"


def pct(value: object) -> str:
    """A percentage with two decimals: ``35,05%``."""
    if value is None:
        return MISSING
    return f"{format_value(Decimal(str(value)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP))}%"


def days(value: object) -> str:
    """A duration in whole days: ``65 hari``."""
    if value is None:
        return MISSING
    return f"{number(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))} hari"


def month_short(month: date) -> str:
    """``Jun 2025`` (Indonesian month abbreviation: Mei, Agu, Okt, Des)."""
    return f"{BULAN[month.month - 1][:3]} {month.year}"


def month_long(month: date) -> str:
    """``Juni 2025``."""
    return f"{BULAN[month.month - 1]} {month.year}"


def day_long(day: date) -> str:
    """``8 Juni 2025``."""
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"
