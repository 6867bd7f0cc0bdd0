"""Does a file's content belong to the period folder it was delivered into?

A file's period comes from its folder (the landing contract: ``YYYY-MM`` or ``YYYY``); its
content may say otherwise:

* a ``PERIODE`` column (participation exports, some rosters and claims lists), read as
  ``YYYY-MM``; a cell may also name a range (``Mei 2025 - Mei 2026``): a range that covers the
  folder's month counts as naming that month;
* for ``workforce``, the year of ``tanggal_data`` (the as-of date lies within the year);
* for ``budgets`` whose title names no period, a fiscal year written in the ``uraian`` lines;
* otherwise the title block, for every source.

What a title names is a list of :class:`PeriodSpan` (first month, last month, the text it was
read from), found by :func:`periods_in_text` line by line. Forms read:

* ranges: ``Mei 2025 - Mei 2026`` (``-``, ``–``, ``s.d.``, ``s/d``, ``sd``, ``sampai dengan``,
  ``hingga``), ``Mei s.d. Juni 2025`` (the first month takes the year of the second, or the
  year before when its month comes later), ``1 Mei 2025 sampai dengan 30 April 2026``,
  ``01/05/2025 - 30/04/2026``, with or without a word in front (``PKS periode …``); months
  written as numbers (``Periode 2025-05 s.d. 2026-05``, ``05/2025 s/d 04/2026``) only after a
  period word or joined by a word (``s.d.``, ``s/d``, ``sampai``): ``05/2025 - 04/2026`` alone is
  not read;
* quarters and halves: ``Triwulan II 2025``, ``TW 2`` (April–June), ``Semester I 2025``
  (January–June); without a year they take the one year the line or else the title names,
  else the folder's year;
* months: a month and year anywhere (``Juni 2025``, ``Bulan Juni 2025``), and a full date
  only after a word that introduces a period (``per``, ``keadaan``, ``posisi``, ``periode``,
  ``bulan``, ``s.d.``, ``s/d``, ``sampai dengan``, ``hingga``): ``keadaan per 30 Juni 2025``,
  ``posisi 30-06-2025``, ``s.d. 30 Juni 2025`` (cumulative up to: the month of that date),
  ``Periode 06/2025``;
* years: ``TA 2026``, ``T.A. 2026``, ``Tahun Anggaran 2026``, ``Tahun 2026``, ``APBD 2026``,
  ``APBD-P 2025``, ``APBD Perubahan 2025``, ``Periode 2025`` (January–December).

Not periods: a full date with no such word in front (``Dicetak tanggal 3 Juli 2025``: a date
after ``dicetak``, ``tanggal cetak``, ``diunduh`` … never counts, not even a month and year),
and the year of a regulation (``Perbup Nomor 12 Tahun 2023``, ``Permendagri 90/2019``).

A span covers a folder period (:func:`covers`) when the folder's month lies within it, or for a
year folder when the span overlaps that year (``TA 2026`` covers the 2026 folder only).

The verdict. For a ``PERIODE`` column (or ``tanggal_data``, or ``uraian``) it is by majority:
when most of the rows that state a period name another one, the file was delivered into the
wrong folder (file level, ``WRONG_PERIOD``: quarantined); when only a minority do, those rows
are rejected (``PERIOD_MISMATCH``) and the rest loads. Without such rows the title decides: the
file is in the wrong folder when the title names at least one period and none of the periods
that decide covers the folder's period. A period that encloses another one the title names
does not decide, it is context: in "KOTA KENDARI TAHUN 2025 / KEADAAN BULAN MEI 2025" the
month decides, not the year; in "PKS MEI 2025 - MEI 2026 / KEADAAN BULAN MEI 2025" the month,
not the contract period. Pure functions and a small accumulator: no database, no GX.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ucj.ingest.values import MONTHS

MONTHLY_COLUMN_SOURCES = frozenset({"rosters", "participants", "claims"})


# --------------------------------------------------------------------------- spans


@dataclass(frozen=True)
class PeriodSpan:
    """A period a text names: its first and last month (``YYYY-MM``) and the text read."""

    start: str
    end: str
    text: str

    @property
    def label(self) -> str:
        """``2025-06`` for one month, ``2025`` for a calendar year, else ``2025-05..2026-05``."""
        if self.start == self.end:
            return self.start
        if self.start[:4] == self.end[:4] and self.start[5:] == "01" and self.end[5:] == "12":
            return self.start[:4]
        return f"{self.start}..{self.end}"

    def __str__(self) -> str:
        return f"{self.label} ({self.text})"


def covers(span: PeriodSpan, period: str) -> bool:
    """Whether a span covers a folder period: ``YYYY-MM`` within it, or ``YYYY`` overlapping it."""
    if len(period) == 4:
        return span.start <= f"{period}-12" and span.end >= f"{period}-01"
    return span.start <= period <= span.end


def _folder_of(span: PeriodSpan, period: str) -> str | None:
    """The one folder (of the granularity of ``period``) a span belongs into, or None."""
    if len(period) == 4:
        return span.start[:4] if span.start[:4] == span.end[:4] else None
    return span.start if span.start == span.end else None


def _contains(outer: PeriodSpan, inner: PeriodSpan) -> bool:
    return (outer.start, outer.end) != (inner.start, inner.end) and outer.start <= inner.start <= inner.end <= outer.end


def deciding_spans(spans: list[PeriodSpan]) -> list[PeriodSpan]:
    """The spans that decide: those enclosing no other span named (an enclosing one is context)."""
    return [s for s in spans if not any(_contains(s, t) for t in spans)]


# --------------------------------------------------------------------------- reading texts

_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MON = rf"(?<![a-z])(?:{_NAMES})(?![a-z])\.?"
_YEAR = r"(?<!\d)(?:19|20)\d{2}(?!\d)"
_DAY_DATE = (
    rf"(?:(?<!\d)\d{{1,2}}[\s-]*{_MON}[\s-]*{_YEAR}"
    rf"|(?<![\d/.])\d{{1,2}}[-/.]\d{{1,2}}[-/.]{_YEAR}"
    rf"|{_YEAR}-\d{{1,2}}-\d{{1,2}}(?!\d))"
)
_MON_YEAR = rf"{_MON}[\s,-]*{_YEAR}"
_NUM_MON_YEAR = rf"(?:(?<![\d/.])\d{{1,2}}[-/.]{_YEAR}|{_YEAR}[-/.]\d{{1,2}}(?![\d/.-]))"
_MOMENT = rf"(?:{_DAY_DATE}|{_MON_YEAR})"
_ANY_MOMENT = rf"(?:{_DAY_DATE}|{_MON_YEAR}|{_NUM_MON_YEAR})"
_UP_TO = r"(?:s\.\s?d\b\.?|s\s?/\s?d\b\.?|sampai\s+dengan\b|hingga\b)"
_CONNECTOR = rf"\s*(?:[-–—]|(?<![a-z]){_UP_TO}|(?<![a-z])(?:sd|sampai)\b)\s*"
_INTRO_WORD = rf"(?<![a-z])(?:keadaan\b|posisi\b|periode\b|bulan\b|per\b|{_UP_TO})"
_INTRO = rf"(?:{_INTRO_WORD}(?:\s*:)?(?:\s*(?:{_INTRO_WORD}|tanggal\b|tgl\b\.?)(?:\s*:)?)*\s*)"
_PRINTED = r"(?<![a-z])(?:dicetak|tanggal\s+cetak|tgl\.?\s*cetak|dibuat|diunduh|diekspor|printed|generated)\b"
_FISCAL_WORD = r"(?<![a-z])(?:tahun\s+anggaran|t\.\s?a\b\.?|ta\b|apbd[\s-]*perubahan\b|apbd[\s-]?p\b|apbd\b|tahun\b)"
_ROMAN = r"(?:iv|iii|ii|i|[1-4])(?![a-z0-9])"
_YEAR_AFTER = rf"(?:\s*(?:tahun(?:\s+anggaran)?|t\.?\s?a\b\.?)?\s*:?\s*{_YEAR})?"

_SCAN = re.compile(
    rf"""
      (?P<printed>{_PRINTED}\s*:?\s*(?:(?:tanggal|tgl\.?|pada)\s*:?\s*)?(?:{_DAY_DATE}|{_MON_YEAR}))
    | (?P<range>{_INTRO}{_ANY_MOMENT}{_CONNECTOR}{_ANY_MOMENT}|{_MOMENT}{_CONNECTOR}{_MOMENT}
        |{_NUM_MON_YEAR}\s*(?:(?<![a-z]){_UP_TO}|(?<![a-z])(?:sd|sampai)\b)\s*{_NUM_MON_YEAR})
    | (?P<months>{_INTRO}?(?:(?<!\d)\d{{1,2}}\s+)?{_MON}{_CONNECTOR}(?:\d{{1,2}}[\s-]+)?{_MON_YEAR})
    | (?P<quarter>{_INTRO}?(?<![a-z])(?:triwulan|tw|kuartal)\s*[-.]?\s*(?:ke\s*-?\s*)?{_ROMAN}{_YEAR_AFTER})
    | (?P<half>{_INTRO}?(?<![a-z])(?:semester|smt)\s*[-.]?\s*(?:ke\s*-?\s*)?{_ROMAN}{_YEAR_AFTER})
    | (?P<point>{_INTRO}(?:{_ANY_MOMENT}|{_YEAR}))
    | (?P<fiscal>{_FISCAL_WORD}\s*:?\s*{_YEAR})
    | (?P<date>{_DAY_DATE})
    | (?P<month>{_MON_YEAR})
    """,
    re.IGNORECASE | re.VERBOSE,
)
_PART = re.compile(
    rf"""
      (?P<d>\d{{1,2}})[\s-]*(?P<dmon>{_NAMES})\.?[\s-]*(?P<dy>{_YEAR})
    | (?P<nd>\d{{1,2}})[-/.](?P<nm>\d{{1,2}})[-/.](?P<ny>{_YEAR})
    | (?P<iy>{_YEAR})-(?P<im>\d{{1,2}})-\d{{1,2}}(?!\d)
    | (?P<mon>{_NAMES})\.?[\s,-]*(?P<my>{_YEAR})
    | (?<![\d/.])(?P<mm>\d{{1,2}})[-/.](?P<mmy>{_YEAR})
    | (?P<ym>{_YEAR})[-/.](?P<ymm>\d{{1,2}})(?![\d/.-])
    | (?P<y>{_YEAR})
    """,
    re.IGNORECASE | re.VERBOSE,
)
_MONTH_WORD = re.compile(rf"(?<![a-z])({_NAMES})(?![a-z])", re.IGNORECASE)
_ROMAN_NUMBER = re.compile(rf"(?<![a-z])({_ROMAN})\s*(?:\b|$)", re.IGNORECASE)
_ROMANS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_REGULATION = re.compile(r"(?<![a-z])(?:nomor|nomer|no)\.?\s*:?\s*[\w./-]+\s*$", re.IGNORECASE)


def _month(year: int, month: int) -> str | None:
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None


def _parts(text: str) -> list[tuple[int, int | None]]:
    """(year, month or None for a bare year) of each date, month or year in a matched text."""
    out: list[tuple[int, int | None]] = []
    for m in _PART.finditer(text):
        if m["d"]:
            out.append((int(m["dy"]), MONTHS[m["dmon"].lower()]))
        elif m["nd"]:
            out.append((int(m["ny"]), int(m["nm"])))
        elif m["iy"]:
            out.append((int(m["iy"]), int(m["im"])))
        elif m["mon"]:
            out.append((int(m["my"]), MONTHS[m["mon"].lower()]))
        elif m["mm"]:
            out.append((int(m["mmy"]), int(m["mm"])))
        elif m["ym"]:
            out.append((int(m["ym"]), int(m["ymm"])))
        else:
            out.append((int(m["y"]), None))
    return out


def _span(kind: str, text: str, year: int | None) -> PeriodSpan | None:
    """The span one scanner match names (None: not a period, or not a readable one)."""
    parts = _parts(text)
    start: str | None
    end: str | None
    if kind == "range":
        (y1, m1), (y2, m2) = parts[0], parts[-1]
        start, end = _month(y1, m1 or 1), _month(y2, m2 or 12)
    elif kind == "months":
        y2, m2 = parts[-1]
        m1 = MONTHS[_MONTH_WORD.findall(text)[0].lower()]
        start, end = _month(y2 if m1 <= (m2 or 12) else y2 - 1, m1), _month(y2, m2 or 12)
    elif kind in ("quarter", "half"):
        word = re.search(r"(?:triwulan|tw|kuartal|semester|smt)\s*[-.]?\s*(?:ke\s*-?\s*)?(.*)", text, re.IGNORECASE)
        number = _ROMANS[_ROMAN_NUMBER.match(word[1])[1].lower()] if word else 0
        years = [y for y, _ in parts]
        year = years[-1] if years else year
        if year is None or (kind == "half" and number > 2):
            return None
        size = 3 if kind == "quarter" else 6
        start, end = _month(year, (number - 1) * size + 1), _month(year, number * size)
    else:  # point, fiscal, month
        y, m = parts[-1]
        start, end = (_month(y, 1), _month(y, 12)) if m is None else (_month(y, m), _month(y, m))
    if start is None or end is None or start > end:
        return None
    return PeriodSpan(start, end, " ".join(text.split()))


@lru_cache(maxsize=4096)
def _scan(line: str, year: int | None) -> tuple[PeriodSpan, ...]:
    spans: list[PeriodSpan] = []
    yearless: list[tuple[str, str]] = []  # quarters and halves without a year: the line's year decides
    for m in _SCAN.finditer(line):
        kind = m.lastgroup
        if kind in ("printed", "date"):  # printed on, or a bare date: no period
            continue
        if kind == "fiscal" and re.match(r"tahun\b", m[0], re.IGNORECASE) and _REGULATION.search(line[: m.start()]):
            continue  # "Nomor 12 Tahun 2023" is a regulation, not a period
        if kind in ("quarter", "half") and not any(y for y, _ in _parts(m[0])):
            yearless.append((kind, m[0]))
            continue
        if (span := _span(kind, m[0], year)) is not None:
            spans.append(span)
    if yearless:
        years = {s.start[:4] for s in spans} | {s.end[:4] for s in spans}
        own = int(years.pop()) if len(years) == 1 else year
        quarters = [_span(kind, text, own) for kind, text in yearless]
        spans.extend(s for s in quarters if s is not None)
    return tuple(spans)


def periods_in_text(line: str, year: int | None = None) -> list[PeriodSpan]:
    """The periods one line of text names, in the order written.

    ``year`` is the year of a quarter or half written without one (``TW 2``) when the line
    names no year itself; without it such a quarter is left out. See the module docstring for
    the forms read.
    """
    if not isinstance(line, str) or not line.strip():
        return []
    return list(_scan(line, year))


def periods_in_title(lines: list[str], year: int | None = None) -> list[PeriodSpan]:
    """The periods a title block names; a quarter without a year takes the one year the title
    names, else ``year``. Repeated spans (same months, same text) are listed once."""
    first = [s for line in lines for s in periods_in_text(line)]
    years = {s.start[:4] for s in first} | {s.end[:4] for s in first}
    default = int(next(iter(years))) if len(years) == 1 else year
    spans = [s for line in lines for s in periods_in_text(line, default)]
    return list(dict.fromkeys(spans))


# --------------------------------------------------------------------------- older readers

_FISCAL_YEAR = re.compile(rf"{_FISCAL_WORD}\s*:?\s*({_YEAR})", re.IGNORECASE)


def _fiscal_years(text: str) -> set[str]:
    return {
        m[1]
        for m in _FISCAL_YEAR.finditer(text)
        if not (re.match(r"tahun\b", m[0], re.IGNORECASE) and _REGULATION.search(text[: m.start()]))
    }


def title_month(lines: list[str]) -> str | None:
    """The one reporting month a title block names ("KEADAAN BULAN JUNI 2025"), or None.

    None when the periods that decide (see the module docstring) are not one and the same
    single month: a year, a range, or two different months.
    """
    found = {(s.start, s.end) for s in deciding_spans(periods_in_title(lines))}
    if len(found) == 1 and (only := found.pop())[0] == only[1]:
        return only[0]
    return None


def title_year(lines: list[str]) -> str | None:
    """The fiscal year a budget title names ("TAHUN ANGGARAN 2025", "APBD 2025"), or None when
    it names none or several."""
    found = {y for line in lines for y in _fiscal_years(line)}
    return found.pop() if len(found) == 1 else None


def years_in(texts: pd.Series) -> pd.Series:
    """The fiscal year each text names ("Iuran JKK Non ASN TA 2025"), None where none or several.

    Only a year after TAHUN, TA, TAHUN ANGGARAN or APBD counts: "Permendagri 90/2019" and
    "Perpres Nomor 109 Tahun 2013" are no periods.
    """

    def one(text: object) -> str | None:
        if not isinstance(text, str):
            return None
        years = _fiscal_years(text)
        return years.pop() if len(years) == 1 else None

    return pd.Series([one(t) for t in texts.tolist()], index=texts.index, dtype=object)


# --------------------------------------------------------------------------- the check


@dataclass
class PeriodCheck:
    """Accumulates, chunk by chunk, what the content says about the file's period.

    ``observe`` marks the rows that name another period (``PERIOD_MISMATCH`` in the row's
    ``periode__error`` or ``tanggal_data__error``, which the GX suite turns into a rejection);
    ``verdict`` says whether the whole file is in the wrong folder; ``periods_found`` lists
    what the title names, for the audit.
    """

    source: str
    period: str  # the folder's period: YYYY-MM or YYYY
    title_lines: list[str] = field(default_factory=list)
    stated: Counter[str] = field(default_factory=Counter)  # period named -> rows
    evidence: str = ""  # where the content's period was read, for the message
    first_row: dict[str, int] = field(default_factory=dict)  # period named -> first row naming it

    def __post_init__(self) -> None:
        self.title_spans: list[PeriodSpan] = periods_in_title(self.title_lines, int(self.period[:4]))
        deciding = deciding_spans(self.title_spans)
        self.title_period: str | None = deciding[0].label if len({s.label for s in deciding}) == 1 else None

    @property
    def periods_found(self) -> list[str]:
        """What the title names, readable: ``["2025-05..2026-05 (PERIODE MEI 2025 - MEI 2026)"]``."""
        return [str(s) for s in self.title_spans]

    def observe(self, typed: pd.DataFrame) -> None:
        """Count the periods the rows of one typed chunk name; mark the minority later."""
        column, error_column, named = self._named(typed)
        if named is None:
            return
        if column == "PERIODE":
            named = self._ranges(typed, named)
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

    def _ranges(self, typed: pd.DataFrame, named: pd.Series) -> pd.Series:
        """Read again, as a range, the PERIODE cells that name no month or another month.

        A cell such as ``Mei 2025 - Mei 2026`` cannot be one month (``PERIOD_UNPARSEABLE``), and
        ``1 Mei 2025 s.d. 30 April 2026`` reads as its last date's month: when the range covers
        the folder's month the row names that month (its error cleared, ``periode`` set to it);
        a range that does not is counted under its label (``2025-01..2025-03``).
        """
        if "_source_json" not in typed.columns:
            return named
        errors = typed["periode__error"]
        suspect = (named.isna() & (errors == "PERIOD_UNPARSEABLE")) | (named.notna() & (named != self.period))
        if not suspect.any():
            return named
        named = named.copy()
        at = {name: typed.columns.get_loc(name) for name in ("_source_json", "periode", "periode__error")}
        for position in np.flatnonzero(suspect.to_numpy(dtype=bool)):
            original = json.loads(typed.iat[position, at["_source_json"]]).get("periode")
            if not original:
                continue
            # the column is the word that introduces the period: "2025-05 - 2026-05" reads as a range
            spans = [s for s in periods_in_text(f"periode {original}") if s.start != s.end]
            if not spans:
                continue
            if any(covers(s, self.period) for s in spans):
                named.iat[position] = self.period
                typed.iat[position, at["periode"]] = self.period
            else:
                named.iat[position] = spans[0].label  # marked PERIOD_MISMATCH by the caller
            typed.iat[position, at["periode__error"]] = None
        return named

    def _named(self, typed: pd.DataFrame) -> tuple[str, str | None, pd.Series | None]:
        if self.source in MONTHLY_COLUMN_SOURCES and "periode" in typed.columns:
            return "PERIODE", "periode__error", typed["periode"].astype(object)
        if self.source == "workforce" and "tanggal_data" in typed.columns:
            dates = typed["tanggal_data"].tolist()
            years = [f"{d.year:04d}" if hasattr(d, "year") and d == d else None for d in dates]
            return "tanggal_data", "tanggal_data__error", pd.Series(years, index=typed.index, dtype=object)
        if self.source == "budgets" and not self.title_spans and "uraian" in typed.columns:
            return "uraian", None, years_in(typed["uraian"])
        return "", None, None

    def verdict(self) -> tuple[str, str] | None:
        """(content period, English explanation) when the file belongs to another period."""
        if self.stated:
            total = sum(self.stated.values())
            other = total - self.stated.get(self.period, 0)
            if other * 2 > total:
                named, count = self.stated.most_common(1)[0]
                where = f"deliver it into the {named} folder"
                if ".." in named:
                    where = f"deliver it into the folder of a month within {named}"
                return named, (
                    f"the {self.evidence} column names {named} in {count} of {total} rows "
                    f"(first at row {self.first_row[named]}), but the file is in the folder of period "
                    f"{self.period}; {where}"
                )
            return None
        deciding = deciding_spans(self.title_spans)
        if not deciding or any(covers(s, self.period) for s in deciding):
            return None
        labels = list(dict.fromkeys(s.label for s in deciding))
        if len(labels) == 1 and (folder := _folder_of(deciding[0], self.period)) is not None:
            return folder, (
                f"the title block names period {deciding[0]}, but the file is in the folder of "
                f"period {self.period}; deliver it into the {folder} folder"
            )
        if len(deciding) == 1:
            named = f"period {deciding[0]}, which does not cover"
        else:
            named = f"periods {', '.join(str(s) for s in deciding)}, none of which covers"
        return ", ".join(labels), (
            f"the title block names {named} period {self.period}, the folder the file is in; "
            f"deliver it into the folder of a period it names"
        )
