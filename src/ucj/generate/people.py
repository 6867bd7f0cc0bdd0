"""People: Indonesian names, NIKs consistent with birth date, sex and region, unique KPJs.

Faker is slow per call, so name pools are drawn from Faker ``id_ID`` once per seed and people
are then drawn from the pools with numpy. Everything is vectorised: a batch of people is a set
of parallel arrays.

NIK (DOMAIN.md §5): ``PPKKCC DDMMYY SSSS``: kecamatan code, day of birth (+40 for women),
month, two-digit year, serial ≥ 0001. To keep NIKs unique across batches generated separately,
each batch gets its own serial range (``serial_block``): batch *b* uses serials
``400·b + 1 … 400·(b + 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from faker import Faker

from ucj.generate.formats import EPOCH, date_to_day
from ucj.generate.reference import Region

SERIALS_PER_BLOCK = 400
# Names with apostrophes (cp1252 rosters turn them into ’) and Buton/Muna honorifics.
APOSTROPHE_NAMES_M = ("Ma'ruf", "Syafi'i", "Mu'min", "Jum'at", "Sa'ad")
APOSTROPHE_NAMES_F = ("Nur'aini", "Mu'minah", "Rabi'ah", "Zulaiha'", "Ru'yati")
BUTON_REGIONS = {"74.72", "74.04", "74.07", "74.03", "74.10", "74.13", "74.14", "74.15"}


@dataclass(frozen=True)
class NamePools:
    male: tuple[str, ...]
    female: tuple[str, ...]
    last: tuple[str, ...]


@cache
def name_pools(seed: int) -> NamePools:
    """Name pools drawn from Faker ``id_ID`` with a fixed seed (deterministic for a Faker version)."""
    fake = Faker("id_ID")
    fake.seed_instance(seed)

    def pool(fn, n: int) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for _ in range(n):
            seen.setdefault(fn(), None)
        return tuple(seen)

    male = pool(fake.first_name_male, 1500) + APOSTROPHE_NAMES_M
    female = pool(fake.first_name_female, 1000) + APOSTROPHE_NAMES_F
    last = pool(fake.last_name, 1500)
    return NamePools(male, female, last)


@dataclass
class People:
    """A batch of people as parallel arrays."""

    nik: np.ndarray  # int64, 16 digits
    sex: np.ndarray  # int8: 0 = L, 1 = P
    dob: np.ndarray  # int32 day numbers since 1970-01-01
    name: list[str]
    birthplace: list[str]

    def __len__(self) -> int:
        return len(self.sex)


def make_names(rng: np.random.Generator, sex: np.ndarray, pools: NamePools, buton: bool) -> list[str]:
    """Indonesian names: ``First Last``, ``First Second Last``, ``First``, or (Buton) ``La Ode First``."""
    n = len(sex)
    male, female, last = pools.male, pools.female, pools.last
    f1 = rng.integers(0, 1 << 30, n)
    f2 = rng.integers(0, 1 << 30, n)
    ln = rng.integers(0, len(last), n)
    pattern = rng.random(n)
    honor = rng.random(n)
    out = []
    for i in range(n):
        first = female if sex[i] else male
        a = first[f1[i] % len(first)]
        p = pattern[i]
        if p < 0.12:
            name = a
        elif p < 0.62:
            name = f"{a} {last[ln[i]]}"
        else:
            b = first[f2[i] % len(first)]
            name = f"{a} {b}" if p < 0.8 else f"{a} {b} {last[ln[i]]}"
        if buton and honor[i] < 0.25:
            name = (
                ("Wa Ode " if sex[i] else "La Ode ") + name if honor[i] < 0.1 else ("Wa " if sex[i] else "La ") + name
            )
        out.append(name)
    return out


def _nik_parts(kec_num: np.ndarray, dob: np.ndarray, sex: np.ndarray, serial: np.ndarray) -> np.ndarray:
    d = dob.astype("datetime64[D]")
    years = d.astype("datetime64[Y]").astype(np.int64) + 1970
    months = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (d - d.astype("datetime64[M]")).astype(np.int64) + 1 + 40 * sex.astype(np.int64)
    return (
        kec_num.astype(np.int64) * 10**10
        + days * 10**8
        + months * 10**6
        + (years % 100) * 10**4
        + serial.astype(np.int64)
    )


def make_people(
    rng: np.random.Generator,
    n: int,
    home: Region,
    others: list[Region],
    serial_block: int,
    pools: NamePools,
    ref_year: int,
    age_min: int = 19,
    age_max: int = 58,
    p_female: float = 0.42,
    p_moved: float = 0.12,
) -> People:
    """``n`` people living in ``home``; a share ``p_moved`` got their NIK in another region."""
    sex = (rng.random(n) < p_female).astype(np.int8)
    lo = date_to_day(EPOCH.replace(year=ref_year - age_max))
    hi = date_to_day(EPOCH.replace(year=ref_year - age_min))
    dob = rng.integers(lo, hi, n).astype(np.int32)
    # NIK region: a kecamatan of home, or of another region for people who moved.
    home_kec = np.array([int(c.replace(".", "")) for c, _ in home.kecamatan], dtype=np.int64)
    other_kec = np.array([int(c.replace(".", "")) for r in others for c, _ in r.kecamatan], dtype=np.int64)
    kec = home_kec[rng.integers(0, len(home_kec), n)]
    if len(other_kec):
        moved = rng.random(n) < p_moved
        kec[moved] = other_kec[rng.integers(0, len(other_kec), int(moved.sum()))]
    base = serial_block * SERIALS_PER_BLOCK
    serial = base + rng.integers(1, SERIALS_PER_BLOCK + 1, n)
    nik = _nik_parts(kec, dob, sex, serial)
    # redraw serials until all NIKs in the batch are unique
    for _ in range(50):
        _, first_idx = np.unique(nik, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first_idx] = False
        if not dup.any():
            break
        serial[dup] = base + rng.integers(1, SERIALS_PER_BLOCK + 1, int(dup.sum()))
        nik[dup] = _nik_parts(kec[dup], dob[dup], sex[dup], serial[dup])
    else:  # pragma: no cover - practically impossible
        raise RuntimeError("could not make unique NIKs")
    # birthplace: the kecamatan town of the NIK region, sometimes the regency seat
    names_by_kec = {int(c.replace(".", "")): nm for r in [home, *others] for c, nm in r.kecamatan}
    towns = {int(c.replace(".", "")): r.short_name for r in [home, *others] for c, _ in r.kecamatan}
    pick = rng.random(n) < 0.5
    kec_l = kec.tolist()
    birthplace = [towns[k] if p else names_by_kec[k] for k, p in zip(kec_l, pick.tolist(), strict=True)]
    names = make_names(rng, sex, pools, home.code in BUTON_REGIONS)
    return People(nik, sex, dob, names, birthplace)


def make_kpj(rng: np.random.Generator, n: int, block: int) -> np.ndarray:
    """``n`` unique 11-digit KPJ numbers from the block of a region (blocks never overlap)."""
    start = 11_000_000_000 + block * 400_000_000
    steps = rng.integers(1, 200, n).astype(np.int64)
    kpj = start + np.cumsum(steps)
    return rng.permutation(kpj)
