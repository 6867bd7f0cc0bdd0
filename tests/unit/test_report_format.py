"""The report writes numbers the Indonesian way: Rp 553.127.196, 35,05%, Jun 2025."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ucj.report import fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (553127196, "Rp 553.127.196"),  # APBD 2026 Kendari (DOMAIN.md)
        (Decimal("256147284.00"), "Rp 256.147.284"),
        (Decimal("14958.50"), "Rp 14.959"),  # half a Rupiah rounds up
        (Decimal("-7138440.00"), "-Rp 7.138.440"),  # a negative shortfall is a surplus
        (0, "Rp 0"),
        (None, "-"),
    ],
)
def test_rupiah(value, text):
    assert fmt.rupiah(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("35.05"), "35,05%"), (Decimal("99.5"), "99,50%"), (Decimal("100"), "100,00%"), (None, "-")],
)
def test_pct(value, text):
    assert fmt.pct(value) == text


def test_counts_days_and_months():
    assert fmt.number(140940) == "140.940"
    assert fmt.number(None) == "-"
    assert fmt.days(Decimal("64.5")) == "65 hari"
    assert [fmt.month_short(date(2025, m, 1)) for m in (5, 8, 10, 12)] == [
        "Mei 2025",
        "Agu 2025",
        "Okt 2025",
        "Des 2025",
    ]
    assert fmt.month_long(date(2025, 6, 1)) == "Juni 2025"
    assert fmt.day_long(date(2025, 6, 8)) == "8 Juni 2025"
