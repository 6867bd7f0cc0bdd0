"""OPD rosters of non-ASN workers and pekerja rentan rosters, as offices make them.

Each OPD has its own habits, drawn once per (seed, OPD): xlsx or csv (``;`` + cp1252 as Excel
saves it in an Indonesian locale, or UTF-8 with BOM), header wording, date and Rupiah formats,
a title block, sometimes a row of column numbers under the header, sometimes a JUMLAH row, and a
signature block below the table.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from ucj.bulan import BULAN
from ucj.generate.defects import Column, inject
from ucj.generate.formats import day_to_date, fmt_date, fmt_rupiah, month_end, period_str, year_month
from ucj.generate.reference import Opd
from ucj.generate.run import REDELIVERY_DIR, Run
from ucj.generate.variations import fmt_identifier
from ucj.generate.world import KATEGORI_RENTAN, STATUS_PEGAWAI, RegionWorld
from ucj.generate.writers import GridLayout, write_csv, write_xlsx

H_NO = ("No.", "NO", "No")
H_NIK = ("NIK", "No. NIK", "Nomor Induk Kependudukan", "NIK KTP")
H_NAMA = ("Nama", "Nama Lengkap", "NAMA PEGAWAI", "Nama Tenaga Kerja")
H_UNIT = ("Unit Kerja", "OPD", "Instansi", "SKPD")
H_TGL = ("Tanggal Lahir", "Tgl Lahir", "TGL. LAHIR")
H_TTL = ("TTL", "Tempat, Tanggal Lahir", "Tempat/Tgl Lahir")
H_JK = ("Jenis Kelamin", "JK", "L/P", "Gender")
H_JAB = ("Jabatan", "Jabatan/Tugas", "Posisi")
H_STATUS = ("Status", "Status Kepegawaian", "Jenis Pegawai")
H_UPAH = ("Gaji", "Honor", "Honorarium", "Upah", "Penghasilan", "Gaji/Honor per Bulan")
H_TMT = ("TMT", "Tanggal Mulai Kerja", "Mulai Tugas")
H_SK = ("Nomor SK", "No. SK")
H_KAT = ("Kategori", "Pekerjaan", "Jenis Pekerjaan")


@dataclass
class RosterStyle:
    fmt: str  # xlsx | csv_cp1252 | csv_bom
    h: dict[str, str]
    birth: str  # split | ttl | date_only
    date_style: str
    date_mix: bool
    rupiah: str
    jk_long: bool
    has_unit: bool
    has_sk: bool
    numbering_row: bool
    total_row: bool
    sheet: str
    name_pattern: int
    sort_by_name: bool
    # drawn from the format-fuzz variations (ucj.generate.variations), so the demo data is not the
    # readers' own dialect: how NIKs are typed, and a note under the table
    id_style: str = "plain"
    footnote: str | None = None


def roster_style(seed: int, key: str, force_xlsx: bool = False) -> RosterStyle:
    """The habits of one OPD (deterministic for a seed)."""
    r = random.Random(f"{seed}:{key}")
    p = r.random()
    fmt = "xlsx" if force_xlsx or p < 0.78 else ("csv_cp1252" if p < 0.9 else "csv_bom")
    h = {
        k: r.choice(v)
        for k, v in dict(
            no=H_NO,
            nik=H_NIK,
            nama=H_NAMA,
            unit=H_UNIT,
            tgl=H_TGL,
            ttl=H_TTL,
            jk=H_JK,
            jab=H_JAB,
            status=H_STATUS,
            upah=H_UPAH,
            tmt=H_TMT,
            sk=H_SK,
            kat=H_KAT,
        ).items()
    }
    date_style = r.choice(("dmy_dash", "dmy_slash", "long", "excel", "excel"))
    birth = r.choice(("split", "split", "ttl", "date_only"))
    return RosterStyle(
        fmt=fmt,
        h=h,
        birth=birth,
        date_style=date_style,
        date_mix=r.random() < 0.3,
        rupiah=r.choice(("rp_decimal", "dots", "number", "number")),
        jk_long=r.random() < 0.3,
        has_unit=r.random() < 0.5,
        has_sk=r.random() < 0.5,
        numbering_row=r.random() < 0.3,
        total_row=r.random() < 0.4,
        sheet=r.choice(("Sheet1", "DATA", "Non ASN", "Lampiran")),
        name_pattern=r.randrange(4),
        sort_by_name=r.random() < 0.5,
        **_variation_habits(seed, key, fmt),
    )


def _variation_habits(seed: int, key: str, fmt: str) -> dict[str, Any]:
    """Habits from the format-fuzz variations, drawn from a stream of their own (the styles
    above, and so the published figures' files, keep their draws)."""
    r = random.Random(f"{seed}:{key}:variations")
    styles = ["plain", "plain", "apostrophe", "grouped", "dotted"] + (["formula"] if fmt != "xlsx" else [])
    notes = [None, None, "Sumber: SIMPEG dan daftar hadir OPD", "Keterangan: *) tenaga harian lepas"]
    return {"id_style": r.choice(styles), "footnote": r.choice(notes)}


def roster_columns(st: RosterStyle, rentan: bool) -> list[Column]:
    ds = st.date_style if st.fmt == "xlsx" else ("dmy_slash" if st.date_style == "excel" else st.date_style)
    ttl_style = ds if ds != "excel" else "dmy_dash"
    h = st.h
    cols = [
        Column(h["no"], "no", "number"),
        Column(h["nik"], "nik", "nik", True),
        Column(h["nama"], "nama", "text", True),
    ]
    if st.birth == "split":
        cols += [Column("Tempat Lahir", "tempat_lahir"), Column(h["tgl"], "tanggal_lahir", f"date:{ds}")]
    elif st.birth == "ttl":
        cols.append(Column(h["ttl"], "tempat_tanggal_lahir", f"ttl:{ttl_style}"))
    else:
        cols.append(Column(h["tgl"], "tanggal_lahir", f"date:{ds}"))
    cols.append(Column(h["jk"], "jenis_kelamin"))
    if rentan:
        cols += [
            Column("Alamat", "alamat"),
            Column(h["kat"], "kategori_rentan"),
            Column(h["status"], "status_kepegawaian"),
            Column(h["upah"], "upah", f"wage:{st.rupiah}"),
            Column(h["tmt"], "tmt", f"date:{ds}"),
        ]
        return cols
    cols.append(Column(h["jab"], "jabatan"))
    if st.has_unit:
        cols.append(Column(h["unit"], "opd"))
    cols += [
        Column(h["status"], "status_kepegawaian"),
        Column(h["upah"], "upah", f"wage:{st.rupiah}"),
        Column(h["tmt"], "tmt", f"date:{ds}"),
    ]
    if st.has_sk:
        cols.append(Column(h["sk"], "nomor_sk"))
    return cols


def _date_cell(d: dt.date, style: str, mix: bool, k: int) -> Any:
    if mix and k % 9 == 4:  # an odd row typed differently
        style = "dmy_slash" if style != "dmy_slash" else "long"
    if style == "excel":
        return d
    return fmt_date(d, style)


def file_name(st: RosterStyle, opd: Opd, m: int, ext: str, rentan_part: str = "") -> str:
    y, mo = year_month(m)
    b = BULAN[mo - 1]
    ab = opd.singkatan
    pats = (
        f"{ab} {b.upper()} {y}",
        f"Daftar Non ASN {ab} {b} {y}",
        f"DATA HONORER {ab.upper()} {b.upper()} {y}",
        f"{ab.replace(' ', '_')}_{mo:02d}_{y} (revisi)",
    )
    if rentan_part:
        return f"Daftar Pekerja Rentan {rentan_part} {b} {y}.{ext}"
    return f"{pats[st.name_pattern]}.{ext}"


def build_rows(
    w: RegionWorld, people: np.ndarray, cols: list[Column], st: RosterStyle, opd: Opd, cp1252: bool, rentan: bool
) -> list[list[Any]]:
    """Data rows of a roster, one per person, cells as the office types them."""
    ppl = w.people
    kec_names = dict((c.replace(".", ""), n) for c, n in w.region.kecamatan)
    rows = []
    for k, i in enumerate(people.tolist(), 1):
        name = ppl.name[i]
        if cp1252:
            name = name.replace("'", "\u2019")
        dob = day_to_date(int(ppl.dob[i]))
        sex = int(ppl.sex[i])
        row: list[Any] = []
        for c in cols:
            f = c.field
            if f == "no":
                v: Any = k
            elif f == "nik":
                v = str(int(ppl.nik[i]))
            elif f == "nama":
                v = name
            elif f == "tempat_lahir":
                v = ppl.birthplace[i]
            elif f == "tanggal_lahir":
                v = _date_cell(dob, c.style, st.date_mix, k)
            elif f == "tempat_tanggal_lahir":
                v = f"{ppl.birthplace[i]}, {fmt_date(dob, c.style)}"
            elif f == "jenis_kelamin":
                v = ("Perempuan" if sex else "Laki-laki") if st.jk_long else ("P" if sex else "L")
            elif f == "jabatan":
                v = w.jabatan(i, opd)
            elif f == "opd":
                v = opd.name
            elif f == "status_kepegawaian":
                v = "Pekerja Rentan" if rentan else STATUS_PEGAWAI[int(w.status_idx[i])]
            elif f == "upah":
                v = fmt_rupiah(float(w.wage[i]), c.style)
            elif f == "tmt":
                v = _date_cell(day_to_date(int(w.tmt[i])), c.style, st.date_mix, k + 1)
            elif f == "nomor_sk":
                v = f"800/{int(w.sk_no[i])}/{opd.singkatan.upper().replace(' ', '')}/{day_to_date(int(w.tmt[i])).year}"
            elif f == "kategori_rentan":
                v = KATEGORI_RENTAN[int(w.kat[i])]
            elif f == "alamat":
                v = f"Kec. {kec_names.get(str(int(ppl.nik[i]))[:6], w.region.short_name)}"
            else:  # pragma: no cover
                raise KeyError(f)
            row.append(v)
        rows.append(row)
    return rows


def write_roster(
    run: Run,
    w: RegionWorld,
    opd: Opd,
    m: int,
    people: np.ndarray,
    rentan_part: str = "",
    headline: bool = False,
) -> None:
    """One roster file (and, when chosen, its corrected re-delivery)."""
    key = f"{w.rp.code}:{opd.code}:{rentan_part}"
    st = roster_style(run.seed, key, force_xlsx=bool(rentan_part))
    rentan = bool(rentan_part)
    cols = roster_columns(st, rentan)
    cp1252 = st.fmt == "csv_cp1252"
    ext = "xlsx" if st.fmt == "xlsx" else "csv"
    rng = np.random.default_rng([run.seed, w.idx, 5, m, hash_code(key)])
    if st.sort_by_name:
        people = people[np.argsort([w.people.name[i] for i in people.tolist()], kind="stable")]
    rows = build_rows(w, people, cols, st, opd, cp1252, rentan)
    y, mo = year_month(m)
    region = w.region
    what = "PEKERJA RENTAN PENERIMA BANTUAN IURAN BPJS KETENAGAKERJAAN" if rentan else "PEGAWAI NON ASN"
    title = [
        [f"DAFTAR NAMA {what} {opd.name.upper()}"],
        [f"{region.title_name} TAHUN {y}"],
        [f"KEADAAN BULAN {BULAN[mo - 1].upper()} {y}"],
        [None],
    ]
    if rentan:
        title[2] = [f"PKS {rentan_part.upper()} - {BULAN[mo - 1].upper()} {y} S.D. {BULAN[mo - 1].upper()} {y + 1}"]
    header = [c.header for c in cols]
    head_rows = [*title, header]
    if st.numbering_row:
        head_rows.append([f"({k})" for k in range(1, len(cols) + 1)])
    first = len(head_rows) + 1  # 1-based sheet row of the first data row
    redeliver = run.redeliver == (w.rp.code, opd.code, m)
    versions = [("first", rows)]
    if redeliver:
        drop = set(rng.choice(len(rows), max(1, len(rows) // 25), replace=False).tolist())
        versions = [("first", [r for k, r in enumerate(rows) if k not in drop]), ("corrected", rows)]
    for version, vrows in versions:
        inj = run.injector(
            rng,
            cols,
            "xlsx" if ext == "xlsx" else "csv",
            month_end(m),
            decimal_comma=cp1252,
            clean=version == "corrected",
        )
        data, recs = inject(vrows, inj, first)
        data = _type_identifiers(data, cols, st.id_style, first, recs)
        grid = [*head_rows, *data]
        bold = set()
        wage_col = next(k for k, c in enumerate(cols) if c.field == "upah")
        if st.total_row:
            total = sum(float(w.wage[i]) for i in people.tolist()) if version == "corrected" or not redeliver else None
            if total is None:
                total = sum(_money(r[wage_col]) for r in vrows)
            tr: list[Any] = [None] * len(cols)
            tr[1] = "JUMLAH"
            tr[wage_col] = fmt_rupiah(total, cols[wage_col].style)
            bold.add(len(grid))
            grid.append(tr)
        if st.footnote:
            grid.append([st.footnote])
        sig_col = max(1, len(cols) - 3)
        place = region.short_name
        sig_date = month_end(m)
        official = (
            w.pools.male[int(rng.integers(len(w.pools.male)))]
            + " "
            + w.pools.last[int(rng.integers(len(w.pools.last)))]
        )
        nip = (
            f"NIP. 19{int(rng.integers(65, 85))}{int(rng.integers(1, 13)):02d}{int(rng.integers(1, 29)):02d} "
            f"{int(rng.integers(1990, 2010))}{int(rng.integers(1, 13)):02d} 1 00{int(rng.integers(1, 9))}"
        )
        for line in (
            [None],
            [f"{place}, {fmt_date(sig_date, 'long')}"],
            [f"{'Direktur' if opd.singkatan == 'RSUD' else 'Kepala'} {opd.name}"],
            [None],
            [None],
            [official.upper()],
            [nip],
        ):
            grid.append([None] * sig_col + line if line[0] is not None else [None])
        rel_base = run.out / "rosters" / w.rp.code / period_str(m)
        name = file_name(st, opd, m, ext, rentan_part)
        path = (
            (run.out / REDELIVERY_DIR / rel_base.relative_to(run.out) / name)
            if version == "corrected"
            else rel_base / name
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        n_rows = len(data)
        if ext == "xlsx":
            lay = GridLayout(
                header_row=len(title),
                title_rows=len(title),
                bold_rows=bold,
                merge_title_to=len(cols) - 1,
                money_cols={wage_col},
                date_format="dd/mm/yyyy" if st.date_style != "long" else "d mmmm yyyy",
                widths={1: 20, 2: 28},
            )
            write_xlsx(path, [(st.sheet, grid, lay)])
            sheet, enc, delim = st.sheet, None, None
        else:
            enc = "cp1252" if cp1252 else "utf-8-sig"
            delim = ";" if cp1252 else ","
            write_csv(path, grid, delimiter=delim, encoding=enc)
            sheet = None
        extra = dict(opd_code=opd.code, headline=headline, kind="rentan" if rentan else "non_asn")
        if version == "corrected":
            extra["redelivery_of"] = run.rel(rel_base / name)
        rel = run.record(
            path,
            "rosters",
            w.rp.code,
            period_str(m),
            ext,
            cols,
            len(title) + 1,
            first,
            n_rows,
            recs,
            sheet=sheet,
            encoding=enc,
            delimiter=delim,
            **extra,
        )
        if version == "corrected":
            run.manifest.add_defect(run.rel(rel_base / name), sheet, None, None, "corrected_redelivery", rel)


def _type_identifiers(
    data: list[list[Any]], cols: list[Column], style: str, first: int, recs: list[tuple[int, str | None, str, str]]
) -> list[list[Any]]:
    """NIKs as this office types them (``'7471…``, ``7471 0101 …``): only the cells no defect
    was injected into, which keep the value the defect manifest expects."""
    if style == "plain":
        return data
    at = next((k for k, c in enumerate(cols) if c.field == "nik"), None)
    if at is None:
        return data
    damaged = {row for row, col, _kind, _value in recs if col in (cols[at].header, "nik")}
    out = []
    for j, row in enumerate(data):
        cell = row[at]
        if first + j not in damaged and isinstance(cell, str) and len(cell) == 16 and cell.isdigit():
            row = [*row[:at], fmt_identifier(cell, style, "nik"), *row[at + 1 :]]
        out.append(row)
    return out


def _money(v: Any) -> float:
    from ucj.generate.defects import parse_id_money

    return parse_id_money(v)


def hash_code(key: str) -> int:
    """A stable small integer for a string (Python's hash() is salted per process)."""
    h = 0
    for ch in key:
        h = (h * 131 + ord(ch)) % 1_000_003
    return h


def write_rosters(run: Run, w: RegionWorld) -> None:
    """All roster deliveries of a region: each delivering OPD at each roster month, and the rentan rosters."""
    opd_by_code = {o.code: (k, o) for k, o in enumerate(w.opd_list)}
    for m in run.plan.roster_months:
        for code in w.rp.opd_sizes:
            k, opd = opd_by_code[code]
            people = w.on_roster(k, m)
            if len(people):
                write_roster(run, w, opd, m, people, headline=run.published and w.rp.code == "74.71")
    if w.rp.rentan:
        people = w.rentan_roster()
        nelayan = w.kat[people] == 0
        parts = [("Nelayan", people[nelayan]), ("Lainnya", people[~nelayan])] if len(people) > 500 else [("", people)]
        for part, ppl in parts:
            write_roster(
                run,
                w,
                w.rentan_opd,
                int(w.rp.rentan_start),
                ppl,
                rentan_part=part or "Sektor Informal",
                headline=run.published,
            )
