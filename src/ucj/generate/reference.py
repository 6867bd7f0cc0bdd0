"""Reference data the generator builds on: the dbt seeds (regions, OPDs).

The seeds in ``dbt_project/seeds`` are the single source of truth; the generator reads them so
that the synthetic files use exactly the region codes, OPD codes and NPPs the warehouse knows.
Set ``UCJ_SEEDS_DIR`` to read them from elsewhere.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ucj.config import settings

UMP_GROWTH = 1.065  # synthetic: wage bases outside 2025-2026 scaled by the 2025 raise (6.5%)


@dataclass(frozen=True)
class Region:
    """A kabupaten/kota with its kecamatan (the NIK region codes)."""

    code: str
    name: str
    level: str
    wage_base: dict[int, float]
    kecamatan: tuple[tuple[str, str], ...] = field(default=())  # (code, name)

    @property
    def short_name(self) -> str:
        """``Kendari``, ``Wakatobi``."""
        return self.name.replace("Kabupaten ", "").replace("Kota ", "")

    @property
    def title_name(self) -> str:
        """``KOTA KENDARI``."""
        return self.name.upper()

    def wage(self, year: int) -> float:
        """Monthly wage base (UMK or UMP) for a year; synthetic outside 2025–2026."""
        if year in self.wage_base:
            return self.wage_base[year]
        if year < 2025:
            return round(self.wage_base[2025] / UMP_GROWTH ** (2025 - year), 2)
        return round(self.wage_base[2026] * UMP_GROWTH ** (year - 2026), 2)


@dataclass(frozen=True)
class Opd:
    """An OPD (or a Pemda's pekerja rentan programme) with its employer number (NPP)."""

    kode_wilayah: str
    code: str
    name: str
    singkatan: str
    npp: str
    risk_class: str
    is_synthetic: bool

    @property
    def is_rentan_programme(self) -> bool:
        return self.code.endswith("-PR")


JKK_RATE = {"sangat_rendah": 0.0024, "rendah": 0.0054, "sedang": 0.0089, "tinggi": 0.0127, "sangat_tinggi": 0.0174}
JKM_RATE_PU = 0.0030
BPU_MIN_INCOME = 1_000_000


def seeds_dir() -> Path:
    """Directory of the dbt seeds."""
    return settings().seeds_dir


def _read(name: str) -> list[dict[str, str]]:
    with open(seeds_dir() / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def regions() -> dict[str, Region]:
    """Kabupaten/kota of Sulawesi Tenggara by code, with their kecamatan."""
    rows = _read("regions.csv")
    kec: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        if r["level"] == "kecamatan":
            kec.setdefault(r["parent"], []).append((r["kode_wilayah"], r["nama"]))
    out = {}
    for r in rows:
        if r["level"] in ("kabupaten", "kota"):
            base = {2025: float(r["wage_base_2025"]), 2026: float(r["wage_base_2026"])}
            out[r["kode_wilayah"]] = Region(
                r["kode_wilayah"], r["nama"], r["level"], base, tuple(kec.get(r["kode_wilayah"], ()))
            )
    return out


@cache
def opds() -> dict[str, list[Opd]]:
    """OPDs by region code, in seed order."""
    out: dict[str, list[Opd]] = {}
    for r in _read("opd.csv"):
        out.setdefault(r["kode_wilayah"], []).append(
            Opd(
                r["kode_wilayah"],
                r["opd_code"],
                r["opd_name"],
                r["singkatan"],
                r["npp"],
                r["jkk_risk_class"],
                r["is_synthetic"] == "true",
            )
        )
    return out


def opd_by_code(code: str) -> Opd:
    for lst in opds().values():
        for o in lst:
            if o.code == code:
                return o
    raise KeyError(code)
