"""Monthly BPJS Ketenagakerjaan participation exports: one file per region per month.

The hot path of the generator (~10 million rows at province scale): the fixed part of each
person's row is rendered once per region, a month's rows are then joined from it with the
month's status and payment date, and written in one block.
"""

from __future__ import annotations

import numpy as np

from ucj.bulan import BULAN
from ucj.generate.defects import Column, inject
from ucj.generate.formats import fmt_plain, month_end, period_str, year_month
from ucj.generate.run import Run
from ucj.generate.world import SEG_BPU, RegionWorld, rng_for
from ucj.generate.writers import write_xlsx

SEGMENT_LABELS = {"short": ("PU", "BPU", "JAKON"), "long": ("Penerima Upah", "Bukan Penerima Upah", "Jasa Konstruksi")}
STATUS_LABELS = {"short": ("AKTIF", "NON AKTIF"), "long": ("Aktif", "Non-Aktif")}
HEADERS = {
    "a": (
        "NIK",
        "NO KPJ",
        "NAMA LENGKAP",
        "TGL LAHIR",
        "JENIS KELAMIN",
        "NPP",
        "NAMA PERUSAHAAN",
        "SEGMEN",
        "UPAH",
        "IURAN JKK",
        "IURAN JKM",
        "STATUS KEPESERTAAN",
        "TGL KEPESERTAAN",
        "TGL BAYAR",
        "PERIODE",
    ),
    "b": (
        "NO. IDENTITAS",
        "KPJ",
        "NAMA TK",
        "TANGGAL LAHIR",
        "JK",
        "KODE PERUSAHAAN",
        "PEMBERI KERJA",
        "SEGMEN KEPESERTAAN",
        "UPAH DILAPORKAN",
        "IURAN JKK",
        "IURAN JKM",
        "STATUS PESERTA",
        "TMT KEPESERTAAN",
        "TANGGAL PEMBAYARAN",
        "PERIODE",
    ),
}
FIELDS = (
    "nik",
    "kpj",
    "nama",
    "tanggal_lahir",
    "jenis_kelamin",
    "npp",
    "nama_pemberi_kerja",
    "segmen",
    "upah",
    "iuran_jkk",
    "iuran_jkm",
    "status_kepesertaan",
    "tanggal_kepesertaan",
    "tanggal_bayar",
    "periode",
)
SPECS = (
    "nik",
    "text",
    "text",
    "date:dmy_dash",
    "text",
    "text",
    "text",
    "segment",
    "wage:plain",
    "number",
    "number",
    "text",
    "date:dmy_dash",
    "text",
    "text",
)
REQUIRED = {"nik", "kpj", "nama", "segmen", "status_kepesertaan"}


def style_of(code: str) -> str:
    """Kendari's branch exports short labels and header a; the others vary by region."""
    return "a" if code in ("74.71", "74.07") or int(code[-2:]) % 2 else "b"


def columns(style: str) -> list[Column]:
    return [Column(h, f, s, f in REQUIRED) for h, f, s in zip(HEADERS[style], FIELDS, SPECS, strict=True)]


class ParticipantRows:
    """The fixed part of every participant's row in one region, rendered once."""

    def __init__(self, w: RegionWorld):
        self.w = w
        style = style_of(w.rp.code)
        self.style = style
        labels = "short" if style == "a" else "long"
        seg_l = SEGMENT_LABELS[labels]
        self.status = STATUS_LABELS[labels]
        n = len(w.role)
        idx = np.flatnonzero(w.enrolled)
        ppl = w.people
        dob = ppl.dob.astype("datetime64[D]").astype(str)
        tk = w.tgl_kep.astype("datetime64[D]").astype(str)
        emp_npp = [e.npp for e in w.employers] + [""]
        emp_name = [e.name for e in w.employers] + [""]
        self.pre: list[str] = [""] * n
        self.iur: list[str] = [""] * n
        self.tk: list[str] = [""] * n
        nik, kpj, sex, emp, seg = ppl.nik.tolist(), w.kpj.tolist(), ppl.sex.tolist(), w.emp.tolist(), w.seg.tolist()
        wage, jkk, jkm = w.wage.tolist(), w.iuran_jkk.tolist(), w.iuran_jkm.tolist()
        for i in idx.tolist():
            d = dob[i]
            e = emp[i]
            s = seg[i]
            upah = "" if s == 2 else fmt_plain(wage[i])
            self.pre[i] = (
                f"{nik[i]},{kpj[i]},{ppl.name[i].upper()},{d[8:10]}-{d[5:7]}-{d[0:4]},"
                f"{'P' if sex[i] else 'L'},{emp_npp[e]},{emp_name[e]},{seg_l[s]},{upah}"
            )
            self.iur[i] = f"{jkk[i]},{jkm[i]}"
            t = tk[i]
            self.tk[i] = f"{t[8:10]}-{t[5:7]}-{t[0:4]}"
        # export order: by employer, then KPJ
        self.order = idx[np.lexsort((w.kpj[idx], w.emp[idx]))]

    def lines(self, m: int, rng: np.random.Generator) -> list[str]:
        w = self.w
        mask = w.enrolled & (w.join <= m) & (m < w.lapse + 3)
        sel = self.order[mask[self.order]]
        active = (w.lapse[sel] > m).tolist()
        y, mo = year_month(m)
        per = period_str(m)
        days = [""] + [f"{d:02d}-{mo:02d}-{y:04d}" for d in range(1, 29)]
        bpu = w.seg[sel] == SEG_BPU
        day = np.where(bpu, rng.integers(1, 16, len(sel)), rng.integers(5, 29, len(sel)))
        day[rng.random(len(sel)) < 0.07] = 0  # not paid yet
        st_a, st_n = self.status
        pre, iur, tk = self.pre, self.iur, self.tk
        return [
            f"{pre[i]},{iur[i]},{st_a},{tk[i]},{days[d]},{per}\n" if a else f"{pre[i]},0,0,{st_n},{tk[i]},,{per}\n"
            for i, a, d in zip(sel.tolist(), active, day.tolist(), strict=True)
        ]


def file_name(code: str, m: int, fmt: str) -> str:
    y, mo = year_month(m)
    return f"KEPESERTAAN_{code.replace('.', '')}_{BULAN[mo - 1].upper()}_{y}.{fmt}"


def write_participants(run: Run, w: RegionWorld) -> None:
    """All monthly participation exports of a region."""
    rows = ParticipantRows(w)
    cols = columns(rows.style)
    header = ",".join(c.header for c in cols) + "\n"
    code = w.rp.code
    for m in run.plan.months:
        rng = rng_for(run.seed, w.idx, 1000 + m % 1000)
        lines = rows.lines(m, rng)
        folder_m = m + 1 if run.misfile == (code, m) else m
        fmt = "xlsx" if (code, m) in run.plan.participants_xlsx else "csv"
        path = run.out / "participants" / code / period_str(folder_m) / file_name(code, m, fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        inj = run.injector(rng, cols, fmt, month_end(m))
        if fmt == "csv":
            out, recs = inject(lines, inj, 2, lambda s: s[:-1].split(","), lambda c: ",".join(map(str, c)) + "\n")
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(header)
                f.writelines(out)
            run.record(
                path,
                "participants",
                code,
                period_str(folder_m),
                "csv",
                cols,
                1,
                2,
                len(out),
                recs,
                encoding="utf-8",
                delimiter=",",
                content_period=period_str(m),
            )
        else:
            num = {8, 9, 10}
            grid = [
                [(float(v) if v else None) if k in num else v for k, v in enumerate(s[:-1].split(","))] for s in lines
            ]
            out, recs = inject(grid, inj, 2)
            write_xlsx(path, [("Sheet1", [[c.header for c in cols], *out], None)])
            run.record(
                path,
                "participants",
                code,
                period_str(folder_m),
                "xlsx",
                cols,
                1,
                2,
                len(out),
                recs,
                sheet="Sheet1",
                content_period=period_str(m),
            )
        if folder_m != m:
            run.manifest.add_defect(run.rel(path), None, None, None, "wrong_period_folder", period_str(m))
