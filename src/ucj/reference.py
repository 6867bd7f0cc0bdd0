"""Reference facts the Python side needs, read from the dbt seeds (the one copy in the repo)."""

from __future__ import annotations

import csv
from functools import cache

from ucj.config import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT / "dbt_project" / "seeds"


def _rows(seed: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{seed}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def known_region_codes() -> frozenset[str]:
    """Every Kemendagri code of the regions seed (province, kabupaten/kota, kecamatan)."""
    return frozenset(row["kode_wilayah"] for row in _rows("regions"))


@cache
def region_names() -> dict[str, str]:
    return {row["kode_wilayah"]: row["nama"] for row in _rows("regions")}


@cache
def pemda_region_codes() -> frozenset[str]:
    """The codes of the kabupaten/kota (the Pemda that deliver files: landing folders)."""
    return frozenset(row["kode_wilayah"] for row in _rows("regions") if row["level"] in ("kabupaten", "kota"))
