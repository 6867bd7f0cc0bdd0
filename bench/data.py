"""Bench-only data: a generator plan with one more month, big single exports, landing views.

Nothing here changes the generator: :func:`bench_plan` wraps ``scales.province()`` (a region
subset, the months 2024-01 … 2026-01, i.e. 24 months of history and one new month), and the
big files of the ingest suite are cut from the generated participation exports.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from ucj.generate import core, scales
from ucj.generate.formats import parse_month, period_str
from ucj.generate.participants import HEADERS

NEW_MONTH = "2026-01"  # the month that arrives in the nightly run
PLAN_NAME = "bench"


def bench_plan(regions: Iterable[str] | None = None) -> scales.ScalePlan:
    """The province plan, optionally for some regions only, running one month further (2026-01).

    The generator's province scale ends in 2025-12 (24 months); one more month gives 24
    months of history plus the month that arrives. 2026 reuses the 2025 workforce figures.
    Region worlds are seeded by the region's index, so a subset holds the same people as the
    whole province.
    """
    plan = scales.province()
    if regions is not None:
        wanted = set(regions)
        plan.regions = [r for r in plan.regions if r.code in wanted]
    plan.last = parse_month(NEW_MONTH)
    plan.roster_months = sorted(set(plan.roster_months) | {plan.last})
    for region in plan.regions:
        region.workforce[2026] = region.workforce[2025]
        region.workforce_date[2026] = dt.date(2026, 5, 31)
    return plan


def generate(out: Path, seed: int, regions: Iterable[str] | None = None) -> Path:
    """Generate the bench plan into ``out`` (deterministic for a seed and region set)."""
    chosen = tuple(regions) if regions is not None else None
    scales.SCALES[PLAN_NAME] = lambda: bench_plan(chosen)
    try:
        return core.generate(PLAN_NAME, seed, out)
    finally:
        scales.SCALES.pop(PLAN_NAME, None)


def period_key(period: str) -> str:
    """Order periods: a year file (budgets, workforce) arrives with the year's January."""
    return f"{period}-01" if len(period) == 4 else period


def landing_view(source: Path, dest: Path, first: str | None, last: str) -> int:
    """Hard-link the files of periods ``first`` … ``last`` under the landing contract into ``dest``.

    Hard links: quarantine moves a file out of ``dest`` without touching ``source``. Folders
    outside the contract (``_redeliveries``) are left out. Returns the number of files linked.
    """
    count = 0
    for path in sorted(source.glob("*/*/*/*")):
        rel = path.relative_to(source)
        if not path.is_file() or rel.parts[0].startswith("_"):
            continue
        key = period_key(rel.parts[2])
        if (first is not None and key < first) or key > last:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.link(path, target)
        count += 1
    return count


def months_back(month: str, n: int) -> str:
    return period_str(parse_month(month) - n)


def big_participants_csv(generated: Path, rows: int, out: Path, period: str = "2025-06") -> int:
    """One participation export of ``rows`` rows, cut from the generated exports of all regions.

    Rows are taken region by region from the export of ``period``, then of the months before
    it; from the second month on, the KPJ's first digit is changed so that every KPJ stays
    unique in the file (the suite rejects duplicate KPJs). PERIODE is set to ``period``. The
    rows keep the generator's defects (0.1 % at province scale), so the pipeline rejects a few.
    Returns the number of data rows written.
    """
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS["a"])
        for back in range(24):
            month = months_back(period, back)
            for export in sorted(generated.glob(f"participants/*/{month}/*.csv")):
                with export.open(encoding="utf-8", newline="") as src:
                    reader = csv.reader(src)
                    next(reader)
                    for record in reader:
                        if len(record) != len(HEADERS["a"]):
                            continue  # a broken row of the generator's defects: keep the file parseable
                        if back and record[1][:1].isdigit():
                            record[1] = str((int(record[1][0]) + back) % 10) + record[1][1:]
                        record[-1] = period
                        writer.writerow(record)
                        written += 1
                        if written >= rows:
                            return written
    if written < rows:
        raise ValueError(f"only {written} participation rows available, {rows} asked")
    return written


def csv_to_xlsx(source: Path, out: Path, rows: int) -> int:
    """The first ``rows`` data rows of a CSV export as an xlsx workbook (one sheet, header row 1)."""
    import xlsxwriter

    out.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = book.add_worksheet("Kepesertaan")
    written = 0
    with source.open(encoding="utf-8", newline="") as handle:
        for i, record in enumerate(csv.reader(handle)):
            if i > rows:
                break
            sheet.write_row(i, 0, record)
            written = i
    book.close()
    return written


def reset_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
