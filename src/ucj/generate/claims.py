"""BPJS claims: events drawn from active participants, amounts by the benefit rules, statuses
that move month by month; one export per region per month showing every claim that is open or
changed status that month (so a claim appears in several exports, paid late ones later).

Benefit rules (DOMAIN.md §4): JKM Rp42,000,000 (BPU within the first 3 months of membership:
Rp10,000,000); JKK death 48 × wage + Rp12,000,000 + Rp10,000,000; STMB k × wage; medical care
without ceiling. JAKON workers have no declared wage: the region's wage base is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ucj.generate import scenarios as sc
from ucj.generate.defects import Column, inject
from ucj.generate.formats import (
    date_to_day,
    day_to_date,
    fmt_date,
    fmt_plain,
    month_end,
    month_start,
    parse_month,
    period_str,
)
from ucj.generate.run import Run
from ucj.generate.world import SEG_BPU, SEG_JAKON, RegionWorld, rng_for
from ucj.generate.writers import write_csv

STEPS = ("DILAPORKAN", "BERKAS_LENGKAP", "VERIFIKASI", "DISETUJUI", "DIBAYAR")
HEADER = (
    "NO KLAIM",
    "NO KPJ",
    "NIK",
    "NAMA TK",
    "PROGRAM",
    "JENIS MANFAAT",
    "TGL KEJADIAN",
    "TGL PENGAJUAN",
    "STATUS KLAIM",
    "NOMINAL",
    "TGL BAYAR",
)
FIELDS = (
    "nomor_klaim",
    "kpj",
    "nik",
    "nama",
    "program",
    "jenis_manfaat",
    "tanggal_kejadian",
    "tanggal_pengajuan",
    "status_klaim",
    "nominal",
    "tanggal_bayar",
)
SPECS = ("text", "text", "nik", "text", "text", "text", "date:dmy_slash", "text", "text", "number", "text")
REQUIRED = {"nomor_klaim", "kpj", "program", "tanggal_kejadian", "nominal", "status_klaim"}
BENEFIT_LABEL = {
    "santunan kematian": "Santunan Kematian",
    "kematian": "Santunan Kematian Akibat Kecelakaan Kerja",
    "pengobatan": "Perawatan dan Pengobatan",
    "stmb": "STMB",
}


@dataclass
class Claim:
    nomor: str
    person: int
    program: str
    benefit: str
    amount: int
    event_day: int
    report_day: int
    history: list[tuple[int, str]] = field(default_factory=list)  # (month, status from that month)
    paid_day: int | None = None

    @property
    def report_month(self) -> int:
        d = day_to_date(self.report_day)
        return d.year * 12 + d.month - 1

    @property
    def end_month(self) -> int:
        """Month of the terminal status (a large number while open)."""
        m, s = self.history[-1]
        return m if s in ("DIBAYAR", "DITOLAK") else 1 << 20

    def status_at(self, m: int) -> str:
        st = self.history[0][1]
        for hm, hs in self.history:
            if hm <= m:
                st = hs
        return st


def _simulate(rng: np.random.Generator, c: Claim, deadline: int | None = None) -> None:
    m = c.report_month
    s = 1 if rng.random() < 0.3 else 0
    c.history = [(m, STEPS[s])]
    while s < 4:
        m += 1
        if deadline is not None and m >= deadline:
            s = 4
        else:
            step = int(rng.choice((0, 1, 1, 2), p=(0.25, 0.4, 0.2, 0.15)))
            if step == 0:
                continue
            if s < 2 <= s + step and deadline is None and rng.random() < 0.05:
                c.history.append((m, "DITOLAK"))
                return
            s = min(4, s + step)
        c.history.append((m, STEPS[s]))
    ms = month_start(m)
    c.paid_day = date_to_day(ms) + int(rng.integers(0, 27))
    c.paid_day = max(c.paid_day, c.report_day + 1)


def make_claims(run: Run, w: RegionWorld) -> list[Claim]:
    """Claims of a region; death claims make the person lapse the month after (mutates ``w.lapse``)."""
    rng = rng_for(run.seed, w.idx, 3)
    code = w.rp.code
    claims: list[Claim] = []
    seq = 0
    if w.scenario_claims:
        deadline = parse_month(sc.WAKATOBI_CLAIMS_LAST)
        for person, prog, benefit, amount, ev in w.scenario_claims:
            seq += 1
            ev_day = date_to_day(month_start(ev)) + int(rng.integers(0, 27))
            rep = ev_day + int(rng.integers(5, 40))
            c = Claim(_nomor(prog, rep, code, seq), person, prog, benefit, amount, ev_day, rep)
            _simulate(rng, c, deadline=deadline)
            claims.append(c)
        return claims  # the scenario's 31 claims are Wakatobi's only claims
    plan = run.plan
    anchor_active = w.enrolled & (w.join <= plan.anchor) & (plan.anchor < w.lapse)
    claimed = np.zeros(len(w.role), dtype=bool)
    for e in range(plan.first - 3, plan.last + 1):
        active = w.enrolled & (w.join <= e) & (e < w.lapse) & ~claimed
        n_act = int(active.sum())
        lam = n_act * w.rp.claims_factor
        n_jkm = int(rng.poisson(max(lam * 0.00012, plan.min_claims * 0.4)))
        n_jkk = int(rng.poisson(max(lam * 0.0004, plan.min_claims * 0.6)))
        dying_ok = active & ~(anchor_active & (e + 1 <= plan.anchor))
        for prog, n, pool in (("JKM", n_jkm, dying_ok), ("JKK", n_jkk, active)):
            cand = np.flatnonzero(pool & ~claimed)
            if not len(cand) or not n:
                continue
            for i in rng.choice(cand, min(n, len(cand)), replace=False).tolist():
                benefit, amount, death = _benefit(rng, w, i, prog, e)
                if death and anchor_active[i] and e + 1 <= plan.anchor:
                    benefit, amount, death = "pengobatan", int(rng.integers(2, 120)) * 250_000, False
                claimed[i] = True
                ev_day = date_to_day(month_start(e)) + int(rng.integers(0, 27))
                rep = ev_day + int(rng.integers(3, 45))
                if day_to_date(rep) > month_end(plan.last):
                    continue
                seq += 1
                c = Claim(_nomor(prog, rep, code, seq), i, prog, benefit, amount, ev_day, rep)
                _simulate(rng, c)
                claims.append(c)
                if death:
                    w.lapse[i] = min(int(w.lapse[i]), e + 1)
    return claims


def _benefit(rng: np.random.Generator, w: RegionWorld, i: int, prog: str, e: int) -> tuple[str, int, bool]:
    seg = int(w.seg[i])
    wage = float(w.wage[i]) if seg != SEG_JAKON else w.region.wage(e // 12)
    if prog == "JKM":
        if seg == SEG_BPU and e - int(w.join[i]) < 3:
            return "santunan kematian", 10_000_000, True
        return "santunan kematian", sc.JKM_AMOUNT, True
    r = rng.random()
    if r < 0.08:
        return "kematian", int(round(48 * wage)) + 22_000_000, True
    if r < 0.38:
        return "stmb", int(round(int(rng.integers(1, 7)) * wage)), False
    return "pengobatan", int(rng.integers(2, 120)) * 250_000, False


def _nomor(prog: str, report_day: int, code: str, seq: int) -> str:
    d = day_to_date(report_day)
    return f"{prog}{d.year % 100:02d}{d.month:02d}{code.replace('.', '')}{seq:05d}"


def columns() -> list[Column]:
    return [Column(h, f, s, f in REQUIRED) for h, f, s in zip(HEADER, FIELDS, SPECS, strict=True)]


def write_claims(run: Run, w: RegionWorld, claims: list[Claim]) -> None:
    """One claims export per month: claims reported by then and not closed before the month."""
    code = w.rp.code
    months = list(run.plan.months)
    if w.scenario_claims:
        months = sorted(
            set(months) | set(range(parse_month(sc.WAKATOBI_CLAIMS_FIRST), parse_month(sc.WAKATOBI_CLAIMS_LAST) + 1))
        )
    cols = columns()
    ppl = w.people
    for m in months:
        rows = []
        for c in claims:
            if c.report_month <= m <= c.end_month:
                st = c.status_at(m)
                i = c.person
                paid = fmt_date(day_to_date(c.paid_day), "dmy_slash") if st == "DIBAYAR" and c.paid_day else ""
                rows.append(
                    [
                        c.nomor,
                        str(int(w.kpj[i])),
                        str(int(ppl.nik[i])),
                        ppl.name[i].upper(),
                        c.program,
                        BENEFIT_LABEL[c.benefit],
                        fmt_date(day_to_date(c.event_day), "dmy_slash"),
                        fmt_date(day_to_date(c.report_day), "dmy_slash"),
                        st,
                        fmt_plain(c.amount),
                        paid,
                    ]
                )
        rng = rng_for(run.seed, w.idx, 20000 + m % 1000)
        inj = run.injector(rng, cols, "csv", month_end(m))
        out, recs = inject(rows, inj, 2)
        path = (
            run.out
            / "claims"
            / code
            / period_str(m)
            / f"KLAIM_{code.replace('.', '')}_{period_str(m).replace('-', '')}.csv"
        )
        write_csv(path, [list(HEADER), *out])
        run.record(
            path,
            "claims",
            code,
            period_str(m),
            "csv",
            cols,
            1,
            2,
            len(out),
            recs,
            encoding="utf-8",
            delimiter=",",
            headline=bool(run.published and w.scenario_claims),
        )
