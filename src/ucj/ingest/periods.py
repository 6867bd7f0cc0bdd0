"""Does a file's content belong to the period folder it was delivered into?

A file's period comes from its folder (the landing contract); its content may say otherwise:

* a ``PERIODE`` column (participation exports, some rosters and claims lists), read as
  ``YYYY-MM``;
* for monthly sources without one, the title block ("KEADAAN BULAN JUNI 2025",
  "Periode: Juni 2025");
* for ``workforce``, the year of ``tanggal_data`` (the as-of date lies within the year);
* for ``budgets``, the fiscal year in the title block ("TAHUN ANGGARAN 2025", "APBD 2025"),
  else a year written in the ``uraian`` lines.

The verdict is by majority: when most of the rows that state a period name another one, the
file was delivered into the wrong folder (file level, ``WRONG_PERIOD``: quarantined). When
only a minority of rows name another period, those rows are rejected (``PERIOD_MISMATCH``)
and the rest loads. Pure functions and a small accumulator: no database, no GX.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from ucj.ingest.values import MONTHS, ValueParseError, parse_year_month

MONTHLY_COLUMN_SOURCES = frozenset({"rosters", "participants", "claims"})

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_TITLE_MONTH = re.compile(
    rf"\b(?:bulan|periode|keadaan|posisi|per)\s*:?\s*(?:bulan\s+)?({_MONTH_NAMES})\.?\s+((?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)
_FISCAL_YEAR = re.compile(
    r"\b(?:tahun\s+anggaran|t\.?\s?a\.?|apbd(?:\s+perubahan)?|apbd-?p|tahun)\s*:?\s*((?:19|20)\d{2})\b",
    re.IGNORECASE,
)


def title_month(lines: list[str]) -> str | None:
    """The one reporting month a title block names ("KEADAAN BULAN JUNI 2025"), or None.

    Only a month introduced by BULAN, PERIODE, KEADAAN, POSISI or PER counts: a span such as
    "PKS Mei 2025 s.d. Mei 2026" names no reporting month. Two different months: None.
    """
    found = set()
    for line in lines:
        for m in _TITLE_MONTH.finditer(line):
            found.add(f"{int(m[2]):04d}-{MONTHS[m[1].lower()]:02d}")
    return found.pop() if len(found) == 1 else None


def title_year(lines: list[str]) -> str | None:
    """The fiscal year a budget title names ("TAHUN ANGGARAN 2025", "APBD 2025"), or None when
    it names none or several."""
    found = {m[1] for line in lines for m in _FISCAL_YEAR.finditer(line)}
    return found.pop() if len(found) == 1 else None


def years_in(texts: pd.Series) -> pd.Series:
    """The fiscal year each text names ("Iuran JKK Non ASN TA 2025"), None where none or several.

    Only a year after TAHUN, TA, TAHUN ANGGARAN or APBD counts: "Permendagri 90/2019" is no period.
    """

    def one(text: object) -> str | None:
        if not isinstance(text, str):
            return None
        years = {m[1] for m in _FISCAL_YEAR.finditer(text)}
        return years.pop() if len(years) == 1 else None

    return pd.Series([one(t) for t in texts.tolist()], index=texts.index, dtype=object)


@dataclass
class PeriodCheck:
    """Accumulates, chunk by chunk, what the content says about the file's period.

    ``observe`` marks the rows that name another period (``PERIOD_MISMATCH`` in the row's
    ``periode__error`` or ``tanggal_data__error``, which the GX suite turns into a rejection);
    ``verdict`` says whether the whole file is in the wrong folder.
    """

    source: str
    period: str  # the folder's period: YYYY-MM or YYYY
    title_lines: list[str] = field(default_factory=list)
    stated: Counter[str] = field(default_factory=Counter)  # period named -> rows
    evidence: str = ""  # where the content's period was read, for the message
    first_row: dict[str, int] = field(default_factory=dict)  # period named -> first row naming it

    def __post_init__(self) -> None:
        self.title_period: str | None = None
        if self.source in MONTHLY_COLUMN_SOURCES:
            self.title_period = title_month(self.title_lines)
        elif self.source == "budgets":
            self.title_period = title_year(self.title_lines)

    def observe(self, typed: pd.DataFrame) -> None:
        """Count the periods the rows of one typed chunk name; mark the minority later."""
        column, error_column, named = self._named(typed)
        if named is None:
            return
        rows = typed["_source_row"]
        for value, row in zip(named.tolist(), rows.tolist(), strict=True):
            if not isinstance(value, str):  # no period stated (None/NaN)
                continue
            self.stated[value] += 1
            self.first_row.setdefault(value, int(row))
        if error_column is not None:
            other = named.notna() & (named != self.period) & typed[error_column].isna()
            if other.any():
                typed.loc[other, error_column] = "PERIOD_MISMATCH"
        self.evidence = column

    def _named(self, typed: pd.DataFrame) -> tuple[str, str | None, pd.Series | None]:
        if self.source in MONTHLY_COLUMN_SOURCES and "periode" in typed.columns:
            return "PERIODE", "periode__error", typed["periode"].astype(object)
        if self.source == "workforce" and "tanggal_data" in typed.columns:
            dates = typed["tanggal_data"].tolist()
            years = [f"{d.year:04d}" if hasattr(d, "year") and d == d else None for d in dates]
            return "tanggal_data", "tanggal_data__error", pd.Series(years, index=typed.index, dtype=object)
        if self.source == "budgets" and self.title_period is None and "uraian" in typed.columns:
            return "uraian", None, years_in(typed["uraian"])
        return "", None, None

    def verdict(self) -> tuple[str, str] | None:
        """(content period, English explanation) when the file belongs to another period."""
        if self.stated:
            total = sum(self.stated.values())
            other = total - self.stated.get(self.period, 0)
            if other * 2 > total:
                named, count = self.stated.most_common(1)[0]
                return named, (
                    f"the {self.evidence} column names {named} in {count} of {total} rows "
                    f"(first at row {self.first_row[named]}), but the file is in the folder of period "
                    f"{self.period}; deliver it into the {named} folder"
                )
            return None
        if self.title_period and self.title_period != self.period:
            return self.title_period, (
                f"the title block names period {self.title_period}, but the file is in the folder of "
                f"period {self.period}; deliver it into the {self.title_period} folder"
            )
        return None


def period_of_text(text: str) -> str | None:
    """``YYYY-MM`` of a text, or None when it cannot be read (helper for callers and tests)."""
    try:
        return parse_year_month(text)
    except ValueParseError:
        return None
