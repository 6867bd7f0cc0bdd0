"""APBD budget lines for contributions (one xlsx per Pemda per fiscal year) and workforce
estimates (the coverage denominator; one file per Pemda per year).

Budget layout: per OPD an account line for JKK (5.1.02.02.02.0006) and one for JKM (.0007),
each carrying the OPD's worker count, then a ``JUMLAH <OPD>`` row; a ``TOTAL`` row at the end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ucj.generate import scenarios as sc
from ucj.generate.defects import Column, inject
from ucj.generate.formats import fmt_date, month_index, round_half_up
from ucj.generate.reference import JKK_RATE, JKM_RATE_PU
from ucj.generate.run import Run
from ucj.generate.world import RegionWorld, rng_for
from ucj.generate.writers import GridLayout, write_csv, write_xlsx

ACC_JKK = ("5.1.02.02.02.0006", "Belanja Iuran Jaminan Kecelakaan Kerja bagi Non ASN")
ACC_JKM = ("5.1.02.02.02.0007", "Belanja Iuran Jaminan Kematian bagi Non ASN")
BUDGET_COLS = [
    Column("No", "no", "number"),
    Column("SKPD", "opd", "text", True),
    Column("Kode Rekening", "kode_rekening", "text", True),
    Column("Uraian", "uraian"),
    Column("Jumlah Pekerja", "jumlah_pekerja", "number"),
    Column("Pagu (Rp)", "pagu", "number", True),
    Column("Realisasi (Rp)", "realisasi", "number"),
]
WF_COLS = [
    Column("No", "no", "number"),
    Column("Segmen", "segmen", "segment", True),
    Column("Jumlah Pekerja", "jumlah_pekerja", "number", True),
    Column("Per Tanggal", "tanggal_data", "text"),
]


def budget_lines(run: Run, w: RegionWorld, year: int) -> list[tuple[str, str, int, int, int]]:
    """(opd code, opd name, workers, pagu JKK, pagu JKM) per OPD for a fiscal year."""
    by_code = {o.code: (k, o) for k, o in enumerate(w.opd_list)}
    if run.published and w.rp.code == sc.KENDARI and year in (2025, 2026):
        if year == 2025:
            codes = list(sc.KENDARI_BUDGET_2025_OPDS)
            workers = [sc.KENDARI_ROSTERS_2025_06[c] for c in codes]
            totals = sc.split_exact(sc.KENDARI_BUDGET_2025_TOTAL, workers)
        else:
            codes = list(sc.KENDARI_BUDGET_2026)
            workers = [sc.KENDARI_BUDGET_2026[c] for c in codes]
            totals = [n * sc.KENDARI_BUDGET_2026_PER_WORKER for n in workers]
        return [
            (c, by_code[c][1].name, n, *sc.jkk_jkm_split(t)) for c, n, t in zip(codes, workers, totals, strict=True)
        ]
    m = max(run.plan.first, min(run.plan.last, month_index(year, 1)))
    base = w.region.wage(year)
    jkk_m = round_half_up(base * JKK_RATE["sangat_rendah"])
    jkm_m = round_half_up(base * JKM_RATE_PU)
    out = []
    for code in w.rp.opd_sizes:
        k, opd = by_code[code]
        n = len(w.on_roster(k, m))
        if n:
            out.append((code, opd.name, n, n * jkk_m * 12, n * jkm_m * 12))
    return out


def write_budgets(run: Run, w: RegionWorld) -> None:
    years = list(run.plan.years)
    if run.published and w.rp.code == sc.KENDARI:
        years = sorted(set(years) | {2025, 2026})
    for year in years:
        lines = budget_lines(run, w, year)
        if not lines:
            continue
        rng = rng_for(run.seed, w.idx, 30000 + year)
        last_y, last_m = divmod(run.plan.last, 12)
        share = 0.0 if year > last_y else (1.0 if year < last_y else (last_m + 1) / 12)
        title = [
            ["RINCIAN ANGGARAN BELANJA IURAN JAMINAN SOSIAL KETENAGAKERJAAN NON ASN"],
            [f"PEMERINTAH {w.region.title_name}"],
            [f"TAHUN ANGGARAN {year}"],
            [None],
        ]
        header = [c.header for c in BUDGET_COLS]
        data: list[list[Any]] = []
        bold: set[int] = set()
        first = len(title) + 2
        grand = [0, 0, 0]
        headline = run.published and w.rp.code == sc.KENDARI
        inj = run.injector(
            rng, BUDGET_COLS, "xlsx", dt.date(year, 12, 31), clean=headline, allow=("duplicate_row", "missing_required")
        )
        all_recs = []
        for k, (_code, name, n, jkk, jkm) in enumerate(lines, 1):
            r_jkk = round(jkk * share * float(rng.uniform(0.9, 1.0)))
            r_jkm = round(jkm * share * float(rng.uniform(0.9, 1.0)))
            block = [[k, name, ACC_JKK[0], ACC_JKK[1], n, jkk, r_jkk], [k, name, ACC_JKM[0], ACC_JKM[1], n, jkm, r_jkm]]
            out, recs = inject(block, inj, first + len(data))
            data.extend(out)
            all_recs.extend(recs)
            bold.add(len(title) + 1 + len(data))
            data.append([None, f"JUMLAH {name.upper()}", None, None, n, jkk + jkm, r_jkk + r_jkm])
            grand = [grand[0] + n, grand[1] + jkk + jkm, grand[2] + r_jkk + r_jkm]
        bold.add(len(title) + 1 + len(data))
        data.append([None, "TOTAL", None, None, *grand])
        grid = [*title, header, *data]
        path = (
            run.out / "budgets" / w.rp.code / str(year) / f"APBD {year} Iuran BPJS Non ASN {w.region.short_name}.xlsx"
        )
        lay = GridLayout(
            header_row=len(title),
            title_rows=len(title),
            bold_rows=bold,
            merge_title_to=len(header) - 1,
            money_cols={5, 6},
            widths={1: 40, 2: 20, 3: 48, 5: 16, 6: 16},
        )
        write_xlsx(path, [("APBD", grid, lay)])
        run.record(
            path,
            "budgets",
            w.rp.code,
            str(year),
            "xlsx",
            BUDGET_COLS,
            len(title) + 1,
            first,
            len(data),
            all_recs,
            sheet="APBD",
            headline=headline,
            total_rows=sorted(b + 1 for b in bold),
        )


def write_workforce(run: Run, w: RegionWorld) -> None:
    for year, (pu, bpu, jakon) in sorted(w.rp.workforce.items()):
        as_of = w.rp.workforce_date[year]
        rows = [[1, "PU", pu], [2, "BPU", bpu], [3, "JAKON", jakon], [4, "TOTAL", pu + bpu + jakon]]
        headline = run.published and w.rp.code == sc.KENDARI
        rng = rng_for(run.seed, w.idx, 40000 + year)
        inj = run.injector(
            rng, WF_COLS, "xlsx", dt.date(year, 12, 31), clean=headline, allow=("unknown_segment", "missing_required")
        )
        folder = run.out / "workforce" / w.rp.code / str(year)
        if w.rp.code in (sc.KENDARI, sc.WAKATOBI) or w.idx % 3 == 0:
            title = [
                ["DATA POTENSI TENAGA KERJA DI LUAR ASN, TNI DAN POLRI"],
                [w.region.title_name],
                [f"Per Tanggal {fmt_date(as_of, 'long')}"],
                [None],
            ]
            data = [[*r, as_of] for r in rows]
            out, recs = inject(data, inj, len(title) + 2)
            path = folder / f"Potensi Tenaga Kerja {w.region.short_name} {year}.xlsx"
            lay = GridLayout(header_row=len(title), title_rows=len(title), merge_title_to=3, widths={2: 16, 3: 14})
            write_xlsx(path, [("Sheet1", [*title, [c.header for c in WF_COLS], *out], lay)])
            run.record(
                path,
                "workforce",
                w.rp.code,
                str(year),
                "xlsx",
                WF_COLS,
                len(title) + 1,
                len(title) + 2,
                len(out),
                recs,
                sheet="Sheet1",
                headline=headline,
            )
        else:
            data = [[*r, fmt_date(as_of, "dmy_slash")] for r in rows]
            out, recs = inject(data, inj, 2)
            path = folder / f"potensi_tk_{w.rp.code.replace('.', '')}_{year}.csv"
            write_csv(path, [[c.header for c in WF_COLS], *out], delimiter=";", encoding="cp1252")
            run.record(
                path,
                "workforce",
                w.rp.code,
                str(year),
                "csv",
                WF_COLS,
                1,
                2,
                len(out),
                recs,
                encoding="cp1252",
                delimiter=";",
                headline=headline,
            )
