"""Personal data in logs and reports: NIK masking, and neutralising spreadsheet formulas.

UU PDP 27/2022: logs, quarantine reports and alerts never show a full NIK. A 16-digit run
(or a longer digit run, a KPJ-like 11+ digit run) keeps its last 4 digits only. Cells that a
spreadsheet would execute (``=``, ``+``, ``-``, ``@``, tab, CR at the start) are prefixed
with a quote so that opening a report never runs a formula (CSV injection).
"""

from __future__ import annotations

import re

_LONG_DIGITS = re.compile(r"(?<!\d)(\d{7,})(\d{4})(?!\d)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def mask_identifiers(text: str) -> str:
    """Mask every run of 11 or more digits but its last 4: ``7471015203900001`` → ``************0001``."""
    return _LONG_DIGITS.sub(lambda m: "*" * len(m[1]) + m[2], text)


def neutralise_cell(value: object) -> object:
    """A value safe to put in a CSV or spreadsheet cell: formulas are made plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
