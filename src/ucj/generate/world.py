"""The synthetic world of one region: people, rosters, BPJS participation, claims.

Everything about a region is held in parallel numpy arrays (one element per person), built
once and then read by the writers month by month. Memory is bounded by the largest region
(about 70k people at province scale), never by the number of rows written.

Time is in month indices (see ``formats``). A person is on an OPD roster in months
``roster_from <= m < roster_to`` and is a BPJS participant in months ``join <= m < lapse``;
after lapsing they stay in the exports as NON AKTIF for ``SHOW_LAPSED`` months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

from ucj.generate import scenarios as sc
from ucj.generate.formats import date_to_day, month_start, parse_month
from ucj.generate.people import NamePools, make_kpj, make_people
from ucj.generate.reference import BPU_MIN_INCOME, Opd, Region, opds, regions
from ucj.generate.scales import RegionPlan, ScalePlan

NEVER = 1 << 20  # a month index far in the future
SHOW_LAPSED = 3
SEG_PU, SEG_BPU, SEG_JAKON = 0, 1, 2
ROLE_OPD, ROLE_BILLED, ROLE_RENTAN, ROLE_OTHER, ROLE_CLAIMANT = 0, 1, 2, 3, 4

STATUS_PEGAWAI = ("Honorer", "PPPK Paruh Waktu", "Tenaga Harian Lepas", "Kontrak")
STATUS_P = (0.6, 0.25, 0.1, 0.05)
KATEGORI_RENTAN = (
    "nelayan",
    "petani",
    "buruh bangunan",
    "pedagang asongan",
    "pedagang ikan/sayur",
    "imam/marbot",
    "pekerja sara",
    "ojek online",
)
KATEGORI_P = (0.35, 0.25, 0.1, 0.08, 0.08, 0.06, 0.04, 0.04)
JABATAN = {
    "Satpol PP": ("Anggota Satpol PP", "Petugas Ketertiban", "Tenaga Administrasi", "Pengemudi"),
    "Damkar": ("Petugas Pemadam", "Operator Mobil Pemadam", "Petugas Penyelamat", "Tenaga Administrasi"),
    "DLHK": ("Petugas Kebersihan", "Sopir Truk Sampah", "Petugas Taman", "Tenaga Administrasi"),
    "DLH": ("Petugas Kebersihan", "Sopir Truk Sampah", "Petugas Taman", "Tenaga Administrasi"),
    "RSUD": ("Perawat", "Bidan", "Cleaning Service", "Petugas Keamanan", "Tenaga Administrasi"),
    "Dinkes": ("Perawat", "Bidan", "Tenaga Promosi Kesehatan", "Tenaga Administrasi"),
}
JABATAN_DEFAULT = (
    "Tenaga Administrasi",
    "Operator Komputer",
    "Pengemudi",
    "Petugas Keamanan",
    "Petugas Kebersihan",
    "Pramubakti",
)
HONOR_LEVELS = (1_500_000, 2_000_000, 2_500_000, 2_770_000, 3_000_000)


def rng_for(seed: int, region_index: int, stream: int) -> np.random.Generator:
    """Independent random stream per (seed, region, purpose): order of generation never matters."""
    return np.random.default_rng([seed, region_index, stream])


def anchored_schedule(
    rng: np.random.Generator, n_at: int, anchor: int, first: int, last: int, churn: float, span: int = 72
) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) months of people of whom exactly ``n_at`` are present at ``anchor``.

    Adds leavers before the anchor and joiners after it at the monthly ``churn`` rate.
    """
    before, after = anchor - first, last - anchor
    a_start = np.where(
        rng.random(n_at) < 0.9, first - rng.integers(1, span, n_at), rng.integers(first, anchor + 1, n_at)
    )
    a_end = np.full(n_at, NEVER, dtype=np.int64)
    if after > 0:
        leave = rng.random(n_at) < churn * after
        a_end[leave] = rng.integers(anchor + 1, last + 1, int(leave.sum()))
    nb = int(round(n_at * churn * (before + SHOW_LAPSED)))
    b_end = rng.integers(first - SHOW_LAPSED + 1, anchor + 1, nb)
    b_start = b_end - rng.integers(1, span, nb)
    nc = int(round(n_at * churn * after))
    c_start = rng.integers(anchor + 1, last + 1, nc) if after > 0 else np.zeros(0, dtype=np.int64)
    c_end = np.full(nc, NEVER, dtype=np.int64)
    return (
        np.concatenate([a_start, b_start, c_start]).astype(np.int64),
        np.concatenate([a_end, b_end, c_end]).astype(np.int64),
    )


@dataclass
class Employer:
    npp: str
    name: str
    risk: float  # JKK rate
    opd: Opd | None = None


class RegionWorld:
    """People, rosters and participation of one region for one scale and seed."""

    def __init__(self, plan: ScalePlan, rp: RegionPlan, seed: int, pools: NamePools, published: bool):
        self.plan, self.rp, self.seed, self.published = plan, rp, seed, published
        self.region: Region = regions()[rp.code]
        self.idx = rp.index
        rng = rng_for(seed, self.idx, 1)
        first, last, anchor = plan.first, plan.last, plan.anchor
        self.opd_list = [o for o in opds()[rp.code] if not o.is_rentan_programme]
        self.rentan_opd = next(o for o in opds()[rp.code] if o.is_rentan_programme)
        # ---- employers: OPDs, the rentan programme, private companies, construction projects
        self.employers: list[Employer] = [Employer(o.npp, o.name.upper(), 0.0024, o) for o in self.opd_list]
        self.emp_rentan = len(self.employers)
        self.employers.append(
            Employer(self.rentan_opd.npp, f"PEMDA {self.region.title_name} - PEKERJA RENTAN", 0.01, self.rentan_opd)
        )
        opd_index = {o.code: i for i, o in enumerate(self.opd_list)}

        cols: dict[str, list[np.ndarray]] = {
            k: []
            for k in ("role", "emp", "roster_from", "roster_to", "enrolled", "join", "lapse", "seg", "wage", "kat")
        }

        def add(n, role, emp, rfrom, rto, enrolled, join, lapse, seg, wage, kat=None):
            cols["role"].append(np.full(n, role, dtype=np.int8))
            cols["emp"].append(np.broadcast_to(np.asarray(emp, dtype=np.int64), (n,)).copy())
            cols["roster_from"].append(np.broadcast_to(np.asarray(rfrom, dtype=np.int64), (n,)).copy())
            cols["roster_to"].append(np.broadcast_to(np.asarray(rto, dtype=np.int64), (n,)).copy())
            cols["enrolled"].append(np.broadcast_to(np.asarray(enrolled, dtype=bool), (n,)).copy())
            cols["join"].append(np.broadcast_to(np.asarray(join, dtype=np.int64), (n,)).copy())
            cols["lapse"].append(np.broadcast_to(np.asarray(lapse, dtype=np.int64), (n,)).copy())
            cols["seg"].append(np.full(n, seg, dtype=np.int8))
            cols["wage"].append(np.broadcast_to(np.asarray(wage, dtype=np.float64), (n,)).copy())
            cols["kat"].append(np.full(n, -1, dtype=np.int8) if kat is None else kat.astype(np.int8))

        # ---- OPD non-ASN workers (exactly opd_sizes on the rosters at the anchor month)
        self.honor_level: dict[int, float] = {}
        for code, size in rp.opd_sizes.items():
            oi = opd_index[code]
            level = HONOR_LEVELS[int(rng.integers(len(HONOR_LEVELS)))]
            self.honor_level[oi] = level
            rfrom, rto = anchored_schedule(rng, size, anchor, first, last, 0.006)
            n = len(rfrom)
            enrolled = np.zeros(n, dtype=bool)
            n_enrol = round(rp.enrol_rate * size)
            enrolled[rng.choice(size, n_enrol, replace=False)] = True
            enrolled[size:] = rng.random(n - size) < rp.enrol_rate
            delay = rng.choice([0, 0, 0, 1, 2], n)
            join = rfrom + delay
            join[:size] = np.minimum(join[:size], anchor)
            lapse = np.where(rto == NEVER, NEVER, rto + rng.choice([0, 0, 1, 2], n))
            wage = level * rng.choice([1.0, 1.0, 1.0, 0.8, 1.2], n)
            add(n, ROLE_OPD, oi, rfrom, rto, enrolled, join, lapse, SEG_PU, np.round(wage, -4))
            # billed to the OPD, never on its roster
            nb = max(1, round(0.012 * size)) if size >= 20 else 0
            if nb:
                bj = first - rng.integers(1, 40, nb)
                bl = np.where(rng.random(nb) < 0.7, NEVER, rng.integers(first, last + 1, nb))
                add(nb, ROLE_BILLED, oi, NEVER, NEVER, True, bj, bl, SEG_PU, level)
        # ---- pekerja rentan (PKS of 12 months)
        if rp.rentan:
            n = rp.rentan
            start = rp.rentan_start
            enrolled = np.ones(n, dtype=bool) if published else rng.random(n) < 0.97
            kat = rng.choice(len(KATEGORI_RENTAN), n, p=KATEGORI_P)
            add(
                n,
                ROLE_RENTAN,
                self.emp_rentan,
                start,
                start + 12,
                enrolled,
                start,
                start + 12,
                SEG_BPU,
                BPU_MIN_INCOME,
                kat,
            )

        # ---- everyone else registered at BPJS in the region, so that exactly active_at_anchor are AKTIF
        def active_at(m: int) -> int:
            e = np.concatenate(cols["enrolled"])
            j, lp = np.concatenate(cols["join"]), np.concatenate(cols["lapse"])
            return int((e & (j <= m) & (m < lp)).sum())

        k_other = rp.active_at_anchor - active_at(anchor)
        if k_other < 0:
            raise ValueError(f"{rp.code}: OPD and rentan participants exceed active_at_anchor")
        wf = rp.workforce[anchor // 12]
        shares = np.array([wf[0] * 0.42, wf[1] * 0.25, wf[2] * 0.35])
        k_seg = np.floor(k_other * shares / shares.sum()).astype(int)
        k_seg[0] += k_other - k_seg.sum()
        n_comp = max(3, int(k_seg[0]) // 25)
        n_proj = max(2, int(k_seg[2]) // 40)
        comp_rng = rng_for(seed, self.idx, 2)
        fake = Faker("id_ID")
        fake.seed_instance(seed * 100 + self.idx)
        self.emp_company = len(self.employers)
        npp_base = 10_000_000 + self.idx * 2_000_000
        npps = npp_base + np.cumsum(comp_rng.integers(1, 50, n_comp + n_proj))
        risks = (0.0024, 0.0054, 0.0089, 0.0127, 0.0174)
        for i in range(n_comp):
            name = fake.company().upper().replace(",", "")
            self.employers.append(
                Employer(str(npps[i]), name, risks[int(comp_rng.choice(5, p=(0.35, 0.3, 0.2, 0.1, 0.05)))])
            )
        self.emp_project = len(self.employers)
        works = (
            "PEMBANGUNAN JALAN",
            "REHABILITASI GEDUNG",
            "PEMBANGUNAN JEMBATAN",
            "PENINGKATAN DRAINASE",
            "PEMBANGUNAN PASAR",
            "PELEBARAN JALAN",
        )
        for i in range(n_proj):
            name = (
                f"{fake.company().upper().replace(',', '')} ({works[i % len(works)]} {self.region.short_name.upper()})"
            )
            self.employers.append(Employer(str(npps[n_comp + i]), name, 0.0))
        base = self.region.wage(anchor // 12)
        for seg, k, churn in ((SEG_PU, k_seg[0], 0.012), (SEG_BPU, k_seg[1], 0.025), (SEG_JAKON, k_seg[2], 0.05)):
            j, lp = anchored_schedule(rng, int(k), anchor, first, last, churn, span=96 if seg == SEG_PU else 36)
            n = len(j)
            if seg == SEG_PU:
                zipf = np.minimum(rng.zipf(1.6, n) - 1, n_comp - 1)
                emp = self.emp_company + zipf
                wage = np.round(base * rng.lognormal(0.1, 0.35, n), -3)
                wage = np.clip(wage, 0.6 * base, 6 * base)
            elif seg == SEG_BPU:
                emp = np.full(n, -1)
                wage = BPU_MIN_INCOME + 500_000 * np.minimum(rng.geometric(0.55, n) - 1, 12)
            else:
                emp = self.emp_project + rng.integers(0, n_proj, n)
                wage = np.zeros(n)
            add(n, ROLE_OTHER, emp, NEVER, NEVER, True, j, lp, seg, wage)

        # ---- scenario: Wakatobi's 31 claimants of 2023-2024 (they lapse the month after the event)
        self.scenario_claims: list[
            tuple[int, str, str, int, int]
        ] = []  # (person, program, benefit, amount, event month)
        if published and rp.code == sc.WAKATOBI:
            c_first, c_last = parse_month(sc.WAKATOBI_CLAIMS_FIRST), parse_month(sc.WAKATOBI_CLAIMS_LAST)
            specs = [("JKM", "santunan kematian", sc.JKM_AMOUNT)] * sc.WAKATOBI_JKM_CLAIMS
            specs += [("JKK", b, a) for b, a in sc.WAKATOBI_JKK_CLAIMS]
            n = len(specs)
            events = np.sort(rng.integers(c_first, c_last - 2, n))
            rng.shuffle(specs)
            start = sum(len(c) for c in cols["role"])
            for k, (prog, benefit, amount) in enumerate(specs):
                ev = int(events[k])
                joined = ev - int(rng.integers(6, 40))
                if prog == "JKM" and k % 2 == 0 and self.opd_list:
                    oi = int(rng.integers(len(self.opd_list)))
                    add(1, ROLE_CLAIMANT, oi, NEVER, NEVER, True, joined, ev + 1, SEG_PU, 2_000_000.0)
                else:
                    add(
                        1,
                        ROLE_CLAIMANT,
                        self.emp_rentan,
                        NEVER,
                        NEVER,
                        True,
                        joined,
                        ev + 1,
                        SEG_BPU,
                        float(BPU_MIN_INCOME),
                        np.array([0]),
                    )
                self.scenario_claims.append((start + k, prog, benefit, amount, ev))

        # ---- stack columns
        self.role = np.concatenate(cols["role"])
        self.emp = np.concatenate(cols["emp"])
        self.roster_from = np.concatenate(cols["roster_from"])
        self.roster_to = np.concatenate(cols["roster_to"])
        self.enrolled = np.concatenate(cols["enrolled"])
        self.join = np.concatenate(cols["join"])
        self.lapse = np.concatenate(cols["lapse"])
        self.seg = np.concatenate(cols["seg"])
        self.wage = np.concatenate(cols["wage"])
        self.kat = np.concatenate(cols["kat"])
        self.pools = pools
        self._finish(rng)

    def _finish(self, rng: np.random.Generator) -> None:
        n = len(self.role)
        ppl = make_people(
            rng,
            n,
            self.region,
            [r for c, r in regions().items() if c != self.rp.code],
            self.idx,
            self.pools,
            ref_year=self.plan.anchor // 12,
        )
        self.people = ppl
        self.kpj = np.zeros(n, dtype=np.int64)
        self.kpj[self.enrolled] = make_kpj(rng, int(self.enrolled.sum()), self.idx)
        # tgl kepesertaan: a day in the join month
        starts = np.array([date_to_day(month_start(int(m))) for m in range(self.plan.first - 100, self.plan.last + 2)])
        j = np.clip(self.join, self.plan.first - 100, self.plan.last + 1) - (self.plan.first - 100)
        self.tgl_kep = starts[j] + rng.integers(0, 28, n)
        # roster details
        self.status_idx = rng.choice(len(STATUS_PEGAWAI), n, p=STATUS_P).astype(np.int8)
        self.jab_pick = rng.integers(0, 1 << 20, n)
        rf = np.clip(self.roster_from, self.plan.first - 100, self.plan.last + 1) - (self.plan.first - 100)
        self.tmt = starts[rf] + rng.integers(0, 28, n)
        self.sk_no = rng.integers(10, 999, n)
        # iuran per month (whole Rupiah, halves up)
        risk = np.array([e.risk for e in self.employers] + [0.0])
        r = risk[self.emp]
        jkk = np.where(self.seg == SEG_PU, np.floor(self.wage * r + 0.5), 0)
        jkm = np.where(self.seg == SEG_PU, np.floor(self.wage * 0.003 + 0.5), 0)
        bpu = self.seg == SEG_BPU
        jkk[bpu] = np.floor(np.maximum(self.wage[bpu], BPU_MIN_INCOME) * 0.01 + 0.5)
        jkm[bpu] = 6800
        jak = self.seg == SEG_JAKON
        jkk[jak] = rng.integers(8, 60, int(jak.sum())) * 1000
        jkm[jak] = np.floor(jkk[jak] / 7 + 0.5)
        self.iuran_jkk, self.iuran_jkm = jkk.astype(np.int64), jkm.astype(np.int64)

    # ---- views
    def jabatan(self, i: int, opd: Opd) -> str:
        lst = JABATAN.get(opd.singkatan, JABATAN_DEFAULT)
        return lst[int(self.jab_pick[i]) % len(lst)]

    def on_roster(self, opd_i: int, m: int) -> np.ndarray:
        """Indices of the people on OPD ``opd_i``'s roster in month ``m``."""
        mask = (self.role == ROLE_OPD) & (self.emp == opd_i) & (self.roster_from <= m) & (m < self.roster_to)
        return np.flatnonzero(mask)

    def rentan_roster(self) -> np.ndarray:
        return np.flatnonzero(self.role == ROLE_RENTAN)
