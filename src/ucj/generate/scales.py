"""The three scales: which regions, months, sizes.

``tiny``: Kendari and Baubau, 3 OPDs each, a few hundred people, 3 months: seconds.
``demo``: Kendari, Baubau, Wakatobi (the Pemda of the source articles) at real sizes, 4 months.
``province``: all 17 kabupaten/kota, ~1.4 million workers, 24 months, ~10 million participation rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ucj.generate import scenarios as sc
from ucj.generate.formats import parse_month
from ucj.generate.reference import opds

REGION_ORDER = (
    "74.01",
    "74.02",
    "74.03",
    "74.04",
    "74.05",
    "74.06",
    "74.07",
    "74.08",
    "74.09",
    "74.10",
    "74.11",
    "74.12",
    "74.13",
    "74.14",
    "74.15",
    "74.71",
    "74.72",
)


@dataclass
class RegionPlan:
    """Sizes of one region; ``active_at_anchor`` distinct people are AKTIF in the anchor month."""

    code: str
    workforce: dict[int, tuple[int, int, int]]  # year -> (PU, BPU, JAKON)
    workforce_date: dict[int, dt.date]
    active_at_anchor: int
    opd_sizes: dict[str, int]  # roster workers at the anchor month, per OPD code
    enrol_rate: float
    rentan: int = 0
    rentan_start: int | None = None  # month index
    claims_factor: float = 1.0

    @property
    def index(self) -> int:
        """Stable index of the region (NIK serial block, KPJ block, random streams)."""
        return REGION_ORDER.index(self.code)


@dataclass
class ScalePlan:
    name: str
    first: int  # month index
    last: int
    anchor: int
    regions: list[RegionPlan]
    defect_rate: float
    roster_months: list[int]
    participants_xlsx: set[tuple[str, int]] = field(default_factory=set)
    min_claims: float = 0.0  # expected claims per region-month at least (tiny)

    @property
    def months(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    @property
    def years(self) -> list[int]:
        return sorted({m // 12 for m in self.months})


def _wf_date(year: int) -> dt.date:
    return dt.date(year, 5, 31)


def _kendari(first_year: int, last_year: int) -> RegionPlan:
    wf = {2025: sc.KENDARI_WORKFORCE_2025}
    if first_year <= 2024:
        wf[2024] = (86_120, 35_410, 16_080)
    dates = {2025: sc.KENDARI_WORKFORCE_DATE, 2024: dt.date(2024, 6, 10)}
    return RegionPlan(
        "74.71",
        {y: wf[y] for y in range(first_year, last_year + 1)},
        {y: dates[y] for y in range(first_year, last_year + 1)},
        sc.KENDARI_ACTIVE_2025_06,
        dict(sc.KENDARI_ROSTERS_2025_06),
        0.88,
    )


def _baubau(first_year: int, last_year: int) -> RegionPlan:
    wf = {2024: (32_100, 16_200, 5_300), 2025: (33_000, 16_500, 5_500)}
    return RegionPlan(
        "74.72",
        {y: wf[y] for y in range(first_year, last_year + 1)},
        {y: _wf_date(y) for y in range(first_year, last_year + 1)},
        18_200,
        dict(sc.BAUBAU_ROSTERS),
        sc.BAUBAU_ENROLLED / sum(sc.BAUBAU_ROSTERS.values()),
        rentan=sc.BAUBAU_RENTAN,
        rentan_start=parse_month(sc.BAUBAU_RENTAN_START),
    )


def _wakatobi(first_year: int, last_year: int) -> RegionPlan:
    wf = {2024: (19_400, 16_700, 2_900), 2025: (20_000, 17_000, 3_000)}
    sizes = [180, 120, 210, 90, 160, 140, 130, 110, 75, 60, 85, 140]
    codes = [o.code for o in opds()["74.07"] if not o.is_rentan_programme]
    return RegionPlan(
        "74.07",
        {y: wf[y] for y in range(first_year, last_year + 1)},
        {y: _wf_date(y) for y in range(first_year, last_year + 1)},
        8_400,
        dict(zip(codes, sizes, strict=True)),
        0.8,
    )


# workforce 2025 (thousands) of the other 14 kabupaten: synthetic, summing with the three above to ~1.4 M
OTHER_WORKFORCE = {
    "74.01": 140,
    "74.02": 135,
    "74.03": 130,
    "74.04": 63,
    "74.05": 200,
    "74.06": 95,
    "74.08": 90,
    "74.09": 34,
    "74.10": 34,
    "74.11": 75,
    "74.12": 20,
    "74.13": 46,
    "74.14": 62,
    "74.15": 46,
}


def tiny() -> ScalePlan:
    first, last = parse_month("2025-04"), parse_month("2025-06")
    kdi = RegionPlan(
        "74.71",
        {2025: (240, 110, 50)},
        {2025: dt.date(2025, 6, 8)},
        130,
        {"KDI-01": 25, "KDI-02": 18, "KDI-03": 22},
        0.85,
    )
    bau = RegionPlan(
        "74.72",
        {2025: (180, 90, 30)},
        {2025: dt.date(2025, 5, 31)},
        100,
        {"BAU-01": 20, "BAU-02": 15, "BAU-03": 12},
        0.9,
        rentan=25,
        rentan_start=parse_month("2025-05"),
    )
    return ScalePlan(
        "tiny", first, last, last, [kdi, bau], 0.02, [first, last], participants_xlsx={("74.72", first)}, min_claims=1.5
    )


def demo() -> ScalePlan:
    first, last = parse_month("2025-03"), parse_month("2025-06")
    regions = [_kendari(2025, 2025), _baubau(2025, 2025), _wakatobi(2025, 2025)]
    return ScalePlan("demo", first, last, last, regions, 0.01, [first, last], participants_xlsx={("74.07", first)})


def province() -> ScalePlan:
    first, last = parse_month("2024-01"), parse_month("2025-12")
    anchor = parse_month("2025-06")
    rng = np.random.default_rng(7401)  # fixed: the plan does not depend on the run's seed
    regions = []
    for code in REGION_ORDER:
        if code == "74.71":
            regions.append(_kendari(2024, 2025))
            continue
        if code == "74.72":
            regions.append(_baubau(2024, 2025))
            continue
        if code == "74.07":
            regions.append(_wakatobi(2024, 2025))
            continue
        total = OTHER_WORKFORCE[code] * 1000
        pu, bpu = round(total * 0.55), round(total * 0.36)
        wf25 = (pu, bpu, total - pu - bpu)
        wf24 = tuple(round(v * 0.975) for v in wf25)
        codes = [o.code for o in opds()[code] if not o.is_rentan_programme]
        sizes = {c: int(rng.integers(150, 450)) for c in codes}
        rentan = int(rng.integers(300, 1500)) if rng.random() < 0.5 else 0
        start = int(rng.integers(first + 3, anchor)) if rentan else None
        regions.append(
            RegionPlan(
                code,
                {2024: wf24, 2025: wf25},
                {2024: _wf_date(2024), 2025: _wf_date(2025)},
                round(total * float(rng.uniform(0.25, 0.33))),
                sizes,
                float(rng.uniform(0.75, 0.95)),
                rentan,
                start,
            )
        )
    roster_months = sorted({first, first + 6, first + 12, anchor, last})
    return ScalePlan("province", first, last, anchor, regions, 0.001, roster_months)


SCALES = {"tiny": tiny, "demo": demo, "province": province}


def get_plan(scale: str) -> ScalePlan:
    try:
        return SCALES[scale]()
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}") from None
