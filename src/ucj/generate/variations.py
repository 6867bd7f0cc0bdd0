"""Layout variations of source files, written from a truth table (the format-fuzz corpus).

A *truth table* is a list of rows of typed values (``str``, ``datetime.date``, ``int``, None)
per source, the values the warehouse must end up with. A :class:`Layout` says how an office
writes them down: xlsx or csv (delimiter, encoding), a title block, the header wording of each
field (from ``fields.yaml`` or a plausible wording that is not in it), column order, extra and
empty columns, a "No." column, a row of column numbers, identifier, number, date and count
styles, footnotes, a JUMLAH row, a signature block, and, in a workbook, the table split over
2-3 sheets plus an instructions sheet and a hidden helper sheet.

:func:`write_file` writes one file and returns a :class:`Written` manifest: where each truth
row went (sheet, 1-based row), which fields the reader can map, and which sheets it must skip.

Every choice goes through a ``pick(name, options)`` callable, so the same description drives
plain ``random.Random`` draws (:func:`random_layout`, for ``ucj generate``) and Hypothesis
strategies (``tests/unit/test_format_fuzz.py``, which draws each choice with ``st.sampled_from``
so that a failing example shrinks choice by choice). Nothing here imports Hypothesis.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import xlsxwriter

from ucj.bulan import BULAN
from ucj.generate.formats import dots
from ucj.generate.reference import opds, regions
from ucj.ingest.fields import match_header_kind, source_fields

SOURCES = ("rosters", "participants", "claims", "budgets")
KODE_WILAYAH = "74.71"
PERIOD = {"rosters": "2025-06", "participants": "2025-06", "claims": "2025-06", "budgets": "2025"}
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)

# The field that identifies a truth row in what the reader loads (budgets: with the OPD).
KEY = {"rosters": ("nik",), "participants": ("kpj",), "claims": ("nomor_klaim",), "budgets": ("opd", "kode_rekening")}

# Fields of each truth table, in the order an office usually writes them.
FIELDS = {
    "rosters": ("nik", "nama", "opd", "tanggal_lahir", "jenis_kelamin", "jabatan", "status_kepegawaian", "upah", "tmt"),
    "participants": (
        "kpj",
        "nik",
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
    ),
    "claims": (
        "nomor_klaim",
        "kpj",
        "nik",
        "nama",
        "program",
        "jenis_manfaat",
        "tanggal_kejadian",
        "tanggal_pengajuan",
        "tanggal_bayar",
        "nominal",
        "status_klaim",
    ),
    "budgets": ("opd", "kode_rekening", "uraian", "jumlah_pekerja", "pagu", "realisasi"),
}

# Plausible header wordings that fields.yaml does not know (yet). Wordings a later fields.yaml
# learns are dropped at run time (see :func:`unlisted_wordings`), so the list never lies.
UNLISTED = {
    "rosters": {
        "nik": ["Nomor Induk Kependudukan (NIK)", "NIK Sesuai KTP", "No. Induk Kependudukan"],
        "nama": ["Nama Tenaga Non ASN", "NAMA (sesuai KTP)", "Nama Pegawai Honorer"],
        "opd": ["Asal OPD", "Unit Kerja Penempatan"],
        "tanggal_lahir": ["Tgl. Lhr", "Lahir Tanggal"],
        "jenis_kelamin": ["Jenis Kelamin L/P", "Kelamin (L/P)"],
        "jabatan": ["Jabatan Non ASN", "Tugas Pokok"],
        "status_kepegawaian": ["Status Tenaga", "Status Honorer"],
        "upah": ["Honor/Bulan", "Penghasilan Bulanan (Rp)", "Upah Sebulan"],
        "tmt": ["Mulai Bekerja", "TMT Honorer"],
    },
    "participants": {
        "kpj": ["Nomor Kartu Peserta (KPJ)", "No. Peserta BPJS"],
        "nik": ["NIK Peserta", "Nomor NIK Peserta"],
        "nama": ["Nama Peserta BPJS", "Nama Lengkap Peserta"],
        "segmen": ["Segmentasi", "Program Kepesertaan"],
        "status_kepesertaan": ["Keaktifan", "Aktif/Non Aktif"],
        "npp": ["NPP Pemberi Kerja", "Nomor NPP Instansi"],
        "nama_pemberi_kerja": ["Pemberi Kerja (Instansi)", "Nama PK"],
        "tanggal_lahir": ["Tgl. Lhr", "Lahir Tanggal"],
        "jenis_kelamin": ["Jenis Kelamin L/P"],
        "upah": ["Upah Dilaporkan (Rp)", "Upah Sebulan"],
        "iuran_jkk": ["Iuran Jaminan Kecelakaan Kerja", "JKK (Rp)"],
        "iuran_jkm": ["Iuran Jaminan Kematian", "JKM (Rp)"],
        "tanggal_kepesertaan": ["Tgl. Terdaftar", "Terdaftar Sejak"],
        "tanggal_bayar": ["Tgl Pembayaran Iuran", "Dibayar Tanggal"],
    },
    "claims": {
        "nomor_klaim": ["No. Register Klaim", "Nomor Register"],
        "kpj": ["Nomor Kartu (KPJ)", "No. Peserta BPJS"],
        "program": ["Program Klaim", "Jaminan"],
        "tanggal_kejadian": ["Tgl. Peristiwa", "Waktu Kejadian"],
        "nominal": ["Besar Santunan", "Nominal Dibayarkan"],
        "status_klaim": ["Keterangan Status", "Posisi Klaim"],
        "nik": ["NIK Peserta", "NIK Ahli Waris"],
        "nama": ["Nama Peserta BPJS"],
        "jenis_manfaat": ["Manfaat Diterima", "Bentuk Manfaat"],
        "tanggal_pengajuan": ["Tgl. Diajukan", "Tanggal Masuk Berkas"],
        "tanggal_bayar": ["Tgl. Pencairan", "Tanggal Transfer"],
    },
    "budgets": {
        "opd": ["Nama Perangkat Daerah Pengguna", "Pengguna Anggaran"],
        "kode_rekening": ["Kode Rekening Belanja", "Rekening"],
        "pagu": ["Pagu Murni", "Anggaran Tahun 2025"],
        "uraian": ["Uraian Belanja", "Nama Belanja"],
        "jumlah_pekerja": ["Jumlah Non ASN yang Didaftarkan", "Sasaran (Orang)"],
        "realisasi": ["Realisasi s.d. Juni", "Serapan"],
    },
}

EXTRA_HEADERS = ("Keterangan", "NPWP", "No. HP", "Alamat", "Nomor SK", "Ket.")
NO_HEADERS = ("No", "No.", "NO URUT", "Nomor Urut")

TITLES = {
    "rosters": (
        ["DAFTAR TENAGA NON ASN", "DAFTAR NAMA PEGAWAI NON ASN"],
        ["KEADAAN BULAN JUNI 2025", "BULAN JUNI 2025"],
    ),
    "participants": (
        ["DATA KEPESERTAAN BPJS KETENAGAKERJAAN", "REKAP PESERTA NON ASN"],
        ["PERIODE JUNI 2025", "BULAN JUNI 2025"],
    ),
    "claims": (
        ["LAPORAN KLAIM JKK DAN JKM", "DATA KLAIM BPJS KETENAGAKERJAAN"],
        ["BULAN JUNI 2025", "PERIODE JUNI 2025"],
    ),
    "budgets": (
        ["RINCIAN ANGGARAN IURAN JAMSOSTEK NON ASN", "DAFTAR PAGU IURAN BPJS KETENAGAKERJAAN"],
        ["TAHUN ANGGARAN 2025", "APBD TAHUN 2025"],
    ),
}
FOOTNOTES = (
    "Sumber: Dashboard UCJ",
    "Keterangan: data per 30 Juni 2025",
    "Catatan: honor belum termasuk tunjangan",
    "*) sesuai SK Wali Kota Kendari",
)
SIGNATURE = ("Kendari, 30 Juni 2025", "Kepala Dinas", None, "Drs. H. Ahmad Sujana, M.Si", "NIP. 19700101 199503 1 001")

ID_STYLES = ("plain", "apostrophe", "grouped", "dotted", "formula")  # formula: ="…" (csv only)
MONEY_STYLES = ("number", "plain", "dots", "rp", "rp_dot_dash", "rp_decimal")
DATE_STYLES = ("excel", "dmy_dash", "dmy_slash", "long", "iso")
COUNT_STYLES = ("number", "orang", "org")
SEX_STYLES = ("short", "long")
COLUMN_NUMBER_STYLES = ("none", "paren", "plain")

MONEY_FIELDS = {"upah", "iuran_jkk", "iuran_jkm", "nominal", "pagu", "realisasi"}
ID_FIELDS = {"nik", "kpj", "npp"}
SUMMED = {*MONEY_FIELDS, "jumlah_pekerja"}  # columns a JUMLAH row adds up

Pick = Callable[[str, Sequence[Any]], Any]


# --------------------------------------------------------------------------- truth tables

NAMES_L = ("Ahmad Fauzi", "La Ode Hasan", "Muhammad Ma'ruf", "Andi Saputra", "Rahmat Hidayat", "Irfan Jaya")
NAMES_P = ("Siti Nurhaliza", "Wa Ode Nur'aini", "Dewi Lestari", "Fitri Handayani", "Nur Aisyah", "Sri Wahyuni")
JABATAN = ("Tenaga Administrasi", "Pengemudi", "Petugas Kebersihan", "Operator Komputer", "Penjaga Malam")
STATUS_PEG = ("Honorer", "PPPK Paruh Waktu", "Kontrak", "Tenaga Harian Lepas")
KODE_REK = {
    "JKK": ("5.1.02.02.02.0006", "Belanja Iuran Jaminan Kecelakaan Kerja bagi Non ASN"),
    "JKM": ("5.1.02.02.02.0007", "Belanja Iuran Jaminan Kematian bagi Non ASN"),
}


def _nik(rng: random.Random, dob: dt.date, female: bool, serial: int) -> str:
    kec = rng.choice(regions()[KODE_WILAYAH].kecamatan)[0].replace(".", "")
    day = dob.day + (40 if female else 0)
    return f"{kec}{day:02d}{dob.month:02d}{dob.year % 100:02d}{serial:04d}"


def _day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))


def truth_table(source: str, rng: random.Random, n: int) -> list[dict[str, Any]]:
    """``n`` rows of typed values for ``source`` (Kendari, June 2025 / fiscal year 2025)."""
    kendari = opds()[KODE_WILAYAH]
    rows: list[dict[str, Any]] = []
    serials = rng.sample(range(1, 9999), n)
    for i in range(n):
        female = rng.random() < 0.45
        dob = _day(rng, dt.date(1967, 1, 1), dt.date(2005, 12, 31))
        person = {
            "nik": _nik(rng, dob, female, serials[i]),
            "nama": rng.choice(NAMES_P if female else NAMES_L) + f" {chr(65 + i % 26)}",
            "tanggal_lahir": dob,
            "jenis_kelamin": "P" if female else "L",
        }
        opd = kendari[min(i * 3 // max(n, 1), len(kendari) - 1)]  # rows grouped by OPD, 1-3 OPDs
        if source == "rosters":
            rows.append(
                {
                    **person,
                    "opd": opd.name,
                    "jabatan": rng.choice(JABATAN),
                    "status_kepegawaian": rng.choice(STATUS_PEG),
                    "upah": rng.randrange(1_000_000, 4_000_000, 50_000),
                    "tmt": _day(rng, dt.date(2010, 1, 1), dt.date(2025, 6, 1)),
                }
            )
        elif source == "participants":
            segmen = rng.choice(("PU", "PU", "BPU"))
            upah = rng.randrange(1_000_000, 4_000_000, 1_000)
            paid = rng.random() < 0.8
            rows.append(
                {
                    **person,
                    "kpj": str(11_000_000_000 + rng.randrange(1, 10**9)),
                    "npp": opd.npp,
                    "nama_pemberi_kerja": opd.name,
                    "segmen": segmen,
                    "upah": upah,
                    "iuran_jkk": round(upah * (0.0024 if segmen == "PU" else 0.01)),
                    "iuran_jkm": round(upah * 0.003) if segmen == "PU" else 6800,
                    "status_kepesertaan": "AKTIF" if paid or rng.random() < 0.5 else "NON AKTIF",
                    "tanggal_kepesertaan": _day(rng, dt.date(2020, 1, 1), dt.date(2025, 6, 1)),
                    "tanggal_bayar": _day(rng, dt.date(2025, 6, 1), dt.date(2025, 6, 15)) if paid else None,
                }
            )
        elif source == "claims":
            program = rng.choice(("JKK", "JKM"))
            kejadian = _day(rng, dt.date(2025, 3, 1), dt.date(2025, 6, 10))
            pengajuan = kejadian + dt.timedelta(days=rng.randrange(1, 15))
            status = rng.choice(("DILAPORKAN", "VERIFIKASI", "DISETUJUI", "DIBAYAR", "DIBAYAR"))
            paid = status == "DIBAYAR"
            rows.append(
                {
                    "nomor_klaim": f"KL2506{serials[i]:06d}",
                    "kpj": str(11_000_000_000 + rng.randrange(1, 10**9)),
                    "nik": person["nik"],
                    "nama": person["nama"],
                    "program": program,
                    "jenis_manfaat": "Santunan Kematian" if program == "JKM" else "Biaya Pengobatan",
                    "tanggal_kejadian": kejadian,
                    "tanggal_pengajuan": pengajuan,
                    "tanggal_bayar": min(pengajuan + dt.timedelta(days=7), dt.date(2025, 6, 30)) if paid else None,
                    "nominal": 42_000_000 if program == "JKM" else rng.randrange(500_000, 20_000_000, 1_000),
                    "status_klaim": status,
                }
            )
        else:  # budgets: per OPD a JKK line then a JKM line
            opd = kendari[i // 2 % len(kendari)]
            program = ("JKK", "JKM")[i % 2]
            workers = rng.randrange(5, 400)
            pagu = workers * 12 * (8_000 if program == "JKK" else 10_000)
            rows.append(
                {
                    "opd": opd.name,
                    "kode_rekening": KODE_REK[program][0],
                    "uraian": KODE_REK[program][1],
                    "jumlah_pekerja": workers,
                    "pagu": pagu,
                    "realisasi": pagu * rng.randrange(0, 7) // 12,
                }
            )
    return rows


# --------------------------------------------------------------------------- layouts


def listed_wordings(source: str, name: str) -> list[str]:
    """The header wordings of ``fields.yaml`` for a field (as people write them)."""
    return _yaml_headers(source)[name]


@cache
def _yaml_headers(source: str) -> dict[str, list[str]]:
    from ucj.ingest.process import yaml_headers

    return yaml_headers(source)


def unlisted_wordings(source: str, name: str) -> list[str]:
    """Plausible wordings of a field that the reader does not map (to any field) today."""
    return [w for w in UNLISTED[source].get(name, []) if match_header_kind(source, w) is None]


def extra_headers(source: str) -> list[str]:
    """Headers of columns that are no field of ``source`` (kept as extras by the reader)."""
    return [h for h in EXTRA_HEADERS if match_header_kind(source, h) is None]


@dataclass
class Layout:
    """How one office writes a table down (see the module docstring)."""

    source: str
    file_type: str = "xlsx"  # xlsx | csv
    delimiter: str = ","
    encoding: str = "utf-8"
    title: list[str] = field(default_factory=list)  # lines above the header; "{OPD}" = the sheet's OPD
    blank_after_title: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # field -> header wording
    unlisted: set[str] = field(default_factory=set)  # fields whose wording is not in fields.yaml
    omitted: set[str] = field(default_factory=set)  # optional fields left out
    order: list[str] = field(default_factory=list)  # fields, "extra:<header>", "empty", "no"
    empty_extra: bool = False  # extra columns have a header but no values
    column_numbers: str = "none"  # none | paren "(1)" | plain 1
    id_style: str = "plain"
    money_style: str = "number"
    date_style: str = "excel"
    count_style: str = "number"
    sex_style: str = "short"
    footnotes: list[str] = field(default_factory=list)
    total_row: bool = False
    signature: bool = False
    sheets: int = 1  # data sheets (xlsx)
    instructions_sheet: bool = False
    hidden_sheet: bool = False
    bad_row: bool = False  # one truth row gets an invalid value (expected: rejected)

    def describe(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if v not in ((), [], set(), False, None))


def draw_layout(source: str, pick: Pick, *, file_type: str | None = None) -> Layout:
    """A layout of ``source`` with every choice made by ``pick(name, options)``."""
    lay = Layout(source)
    lay.file_type = file_type or pick("file_type", ("xlsx", "csv"))
    csv_file = lay.file_type == "csv"
    if csv_file:
        lay.delimiter = pick("delimiter", (",", ";", "\t"))
        lay.encoding = pick("encoding", ("utf-8", "utf-8-sig", "cp1252"))
    head, when = TITLES[source]
    title: list[str] = []
    if pick("title", (True, False)):
        title.append(pick("title_line", head))
        if source in ("rosters", "budgets") and pick("title_opd", (True, False)):
            title.append("{OPD}")
        else:
            title.append("PEMERINTAH KOTA KENDARI")
        if pick("title_period", (True, False)):
            title.append(pick("title_period_line", when))
    lay.title = title
    lay.blank_after_title = bool(title) and pick("blank_after_title", (True, False))
    specs = source_fields(source)
    for name in FIELDS[source]:
        required = bool(specs[name].required)
        kind = pick(f"wording_kind:{name}", ("listed", "listed", "listed", "unlisted", "omitted"))
        if kind == "omitted" and required:
            kind = "listed"
        if kind == "unlisted" and not unlisted_wordings(source, name):
            kind = "listed"
        if kind == "omitted":
            lay.omitted.add(name)
            continue
        if kind == "unlisted":
            lay.headers[name] = pick(f"wording:{name}", unlisted_wordings(source, name))
            lay.unlisted.add(name)
        else:
            lay.headers[name] = pick(f"wording:{name}", listed_wordings(source, name))
    columns = [n for n in FIELDS[source] if n in lay.headers]
    if pick("shuffle", (False, True)):
        columns = pick("order", _rotations(columns))
    extras = [f"extra:{h}" for h in extra_headers(source)]
    for i in range(pick("extra_columns", (0, 1, 2))):
        at = pick(f"extra_at:{i}", range(len(columns) + 1))
        columns.insert(at, pick(f"extra:{i}", [e for e in extras if e not in columns] or extras))
    lay.empty_extra = pick("empty_extra", (False, True))
    if pick("empty_column", (False, True)):
        columns.insert(pick("empty_at", range(1, len(columns) + 1)), "empty")
    if pick("no_column", (True, False)):
        columns.insert(0, f"no:{pick('no_header', NO_HEADERS)}")
    lay.order = _dedupe(columns)
    lay.column_numbers = pick("column_numbers", COLUMN_NUMBER_STYLES)
    lay.id_style = pick("id_style", ID_STYLES if csv_file else ID_STYLES[:-1])
    lay.money_style = pick("money_style", MONEY_STYLES)
    lay.date_style = pick("date_style", DATE_STYLES if not csv_file else DATE_STYLES[1:])
    lay.count_style = pick("count_style", COUNT_STYLES)
    lay.sex_style = pick("sex_style", SEX_STYLES)
    lay.footnotes = list(pick("footnotes", ((), FOOTNOTES[:1], FOOTNOTES[1:3], FOOTNOTES[3:], FOOTNOTES)))
    lay.total_row = pick("total_row", (False, True))
    lay.signature = pick("signature", (False, True))
    if not csv_file:
        lay.sheets = pick("sheets", (1, 2, 3))
        lay.instructions_sheet = pick("instructions_sheet", (False, True))
        lay.hidden_sheet = pick("hidden_sheet", (False, True))
    lay.bad_row = pick("bad_row", (False, False, True))
    return lay


def _rotations(columns: list[str]) -> list[list[str]]:
    """A handful of realistic reorderings (not all n! permutations: they shrink badly)."""
    n = len(columns)
    out = [columns[k:] + columns[:k] for k in range(1, n)]
    out.append(list(reversed(columns)))
    out.append(columns[1::2] + columns[0::2])
    return out


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen or item == "empty":
            out.append(item)
            seen.add(item)
    return out


def random_layout(source: str, rng: random.Random, *, file_type: str | None = None, safe: bool = False) -> Layout:
    """A layout drawn with ``rng`` (what ``ucj generate`` uses); ``safe``: only variations that
    load correctly today (:data:`KNOWN_FAILING` taken out)."""
    lay = draw_layout(source, lambda _name, options: rng.choice(list(options)), file_type=file_type)
    return without_known_failures(lay) if safe else lay


# --------------------------------------------------------------------------- known failures


@dataclass(frozen=True)
class Failing:
    """A layout variation that does not load correctly today (the readers are being fixed).

    ``applies`` says whether a drawn layout has it; ``neutral`` is the change that takes it out
    (the corpus and ``random_layout(safe=True)`` draw everything else); ``minimal`` is the
    smallest layout that shows it, pinned by ``test_known_failing_variation``
    (tests/unit/test_format_fuzz.py) with ``xfail(strict=True)``. When a fix lands, that test
    XPASSes (a failure under strict): delete the entry, and the corpus draws the variation.
    """

    name: str
    sources: tuple[str, ...]
    applies: Callable[[Layout], bool]
    neutral: dict[str, Any]
    minimal: dict[str, Any]
    why: str


KNOWN_FAILING: list[Failing] = []  # none today: the last two were fixed in the readers (issue 14)


def without_known_failures(lay: Layout) -> Layout:
    """The layout with every variation that fails today taken out (in place; returned)."""
    for failing in KNOWN_FAILING:
        if lay.source in failing.sources and failing.applies(lay):
            for name, value in failing.neutral.items():
                setattr(lay, name, value)
    return lay


# --------------------------------------------------------------------------- cells


def fmt_identifier(text: str, style: str, name: str) -> str:
    if style == "apostrophe":
        return "'" + text
    if style == "grouped" and name == "nik":
        return " ".join(text[i : i + 4] for i in range(0, 16, 4))
    if style == "dotted" and name == "nik":
        return ".".join(text[i : i + 4] for i in range(0, 16, 4))
    if style == "formula":
        return f'="{text}"'
    return text


def fmt_money(amount: int, style: str, xlsx: bool) -> str | int:
    if style == "number":
        return amount if xlsx else str(amount)
    if style == "plain":
        return str(amount)
    if style == "dots":
        return dots(amount)
    if style == "rp":
        return f"Rp {dots(amount)}"
    if style == "rp_dot_dash":
        return f"Rp. {dots(amount)},-"
    return f"Rp {dots(amount)},00"


def fmt_date_cell(day: dt.date, style: str, xlsx: bool) -> str | dt.date:
    if style == "excel":
        return day if xlsx else f"{day.day:02d}/{day.month:02d}/{day.year}"
    if style == "dmy_dash":
        return f"{day.day:02d}-{day.month:02d}-{day.year}"
    if style == "dmy_slash":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if style == "long":
        return f"{day.day} {BULAN[day.month - 1]} {day.year}"
    return day.isoformat()


def fmt_count(n: int, style: str, xlsx: bool) -> str | int:
    if style == "orang":
        return f"{n} Orang"
    if style == "org":
        return f"{n} org"
    return n if xlsx else str(n)


def _cell(lay: Layout, name: str, value: Any, kind: str) -> Any:
    xlsx = lay.file_type == "xlsx"
    if value is None:
        return None
    if kind == "place_date":
        return f"Kendari, {fmt_date_cell(value, lay.date_style if lay.date_style != 'excel' else 'dmy_dash', False)}"
    if name in ID_FIELDS:
        return fmt_identifier(value, lay.id_style, name)
    if name in MONEY_FIELDS:
        return fmt_money(value, lay.money_style, xlsx)
    if name == "jumlah_pekerja":
        return fmt_count(value, lay.count_style, xlsx)
    if isinstance(value, dt.date):
        return fmt_date_cell(value, lay.date_style, xlsx)
    if name == "jenis_kelamin" and lay.sex_style == "long":
        return {"L": "Laki-laki", "P": "Perempuan"}[value]
    return value


BAD_VALUES = {  # field -> (cell text, reason: what makes it invalid)
    "rosters": ("nik", "747101010170001"),  # 15 digits
    "participants": ("nik", "74710101017000"),  # 14 digits
    "claims": ("tanggal_kejadian", "31-02-2025"),  # no such day
    "budgets": ("pagu", "seratus juta"),  # not a number
}


# --------------------------------------------------------------------------- writing


@dataclass
class Placed:
    """Where a truth row went: sheet (None in csv) and 1-based row; ``bad`` = the injected field."""

    sheet: str | None
    row: int
    bad: str | None = None


@dataclass
class Written:
    path: Path
    placed: list[Placed]
    data_sheets: list[str]
    skip_sheets: list[str]  # sheets the reader must skip (instructions, hidden helper)
    mapped: set[str]  # fields the reader can map from their header wording


def _sheet_names(source: str, chunks: list[list[dict[str, Any]]]) -> list[str]:
    if source in ("rosters", "budgets"):
        by_name = {o.name: o.singkatan for o in opds()[KODE_WILAYAH]}
        names = [by_name.get(c[0]["opd"], "Data") for c in chunks]
    else:
        names = [f"Data {i + 1}" for i in range(len(chunks))]
    out: list[str] = []
    for name in names:
        out.append(name if name not in out else f"{name} ({len(out) + 1})")
    return out


def _grid(lay: Layout, rows: list[dict[str, Any]], bad: set[int], first: int) -> tuple[list[list[Any]], list[int]]:
    """The cells of one sheet and the 1-based row of each truth row."""
    specs = source_fields(lay.source)
    kinds = {n: _wording_kind(lay.source, n, lay.headers.get(n)) for n in FIELDS[lay.source]}
    width = len(lay.order)
    grid: list[list[Any]] = []
    opd = rows[0].get("opd", "") if rows else ""
    for line in lay.title:
        grid.append([line.replace("{OPD}", str(opd).upper())])
    if lay.title and lay.blank_after_title:
        grid.append([])
    header: list[Any] = []
    for col in lay.order:
        if col.startswith("no:"):
            header.append(col[3:])
        elif col.startswith("extra:"):
            header.append(col[6:])
        elif col == "empty":
            header.append(None)
        else:
            header.append(lay.headers[col])
    grid.append(header)
    if lay.column_numbers != "none":
        grid.append([f"({i + 1})" if lay.column_numbers == "paren" else i + 1 for i in range(width)])
    at: list[int] = []
    for i, row in enumerate(rows):
        cells: list[Any] = []
        for col in lay.order:
            if col.startswith("no:"):
                cells.append(i + 1 if lay.file_type == "xlsx" else str(i + 1))
            elif col.startswith("extra:"):
                cells.append(None if lay.empty_extra else _extra_value(col[6:], i))
            elif col == "empty":
                cells.append(None)
            elif first + i in bad and col == BAD_VALUES[lay.source][0]:
                cells.append(BAD_VALUES[lay.source][1])
            else:
                cells.append(_cell(lay, col, row[col], kinds[col]))
        at.append(len(grid) + 1)
        grid.append(cells)
    if lay.total_row:
        total: list[Any] = [None] * width
        summed = SUMMED
        label_at = next((i for i, c in enumerate(lay.order) if c.startswith("no:") or c not in summed), 0)
        total[label_at] = "JUMLAH"
        for j, col in enumerate(lay.order):
            if col in summed and col in specs:
                amount = sum(r[col] or 0 for r in rows)
                total[j] = (
                    fmt_count(amount, lay.count_style, lay.file_type == "xlsx")
                    if col == "jumlah_pekerja"
                    else fmt_money(amount, lay.money_style, lay.file_type == "xlsx")
                )
        grid.append(total)
    if lay.footnotes:
        grid.append([])
        for note in lay.footnotes:
            grid.append([note])
    if lay.signature:
        grid.append([])
        right = max(0, width - 3)
        for line in SIGNATURE:
            grid.append([None] * right + [line])
    return grid, at


def _wording_kind(source: str, name: str, wording: str | None) -> str:
    found = match_header_kind(source, wording) if wording else None
    return found[1] if found and found[0] == name else source_fields(source)[name].kind


def _extra_value(header: str, i: int) -> str:
    return {
        "NPWP": f"{80 + i:02d}.123.456.7-811.000",
        "No. HP": f"0812{4400 + i:04d}{1000 + i:04d}",
        "Alamat": f"Jl. Saranani No. {i + 1}",
        "Nomor SK": f"800/{100 + i}/2025",
    }.get(header, "-" if i % 2 else "aktif")


def write_file(path: Path, source: str, truth: list[dict[str, Any]], lay: Layout, rng: random.Random) -> Written:
    """Write ``truth`` in layout ``lay`` to ``path`` (its suffix is set from the file type)."""
    path = path.with_suffix("." + lay.file_type)
    path.parent.mkdir(parents=True, exist_ok=True)
    n_sheets = max(1, min(lay.sheets, len(truth))) if lay.file_type == "xlsx" else 1
    bounds = [round(k * len(truth) / n_sheets) for k in range(n_sheets + 1)]
    chunks = [truth[bounds[k] : bounds[k + 1]] for k in range(n_sheets)]
    bad = {rng.randrange(len(truth))} if lay.bad_row and truth else set()
    names = _sheet_names(source, chunks)
    grids = []
    placed: list[Placed] = []
    for k, chunk in enumerate(chunks):
        grid, rows_at = _grid(lay, chunk, bad, bounds[k])
        grids.append(grid)
        for i, row_no in enumerate(rows_at):
            sheet = names[k] if lay.file_type == "xlsx" else None
            placed.append(Placed(sheet, row_no, BAD_VALUES[source][0] if bounds[k] + i in bad else None))
    mapped = {n for n in lay.headers if n not in lay.unlisted}
    skip: list[str] = []
    if lay.file_type == "csv":
        _write_csv(path, grids[0], lay)
        return Written(path, placed, [], [], mapped)
    sheets: list[tuple[str, list[list[Any]], bool]] = []
    if lay.instructions_sheet:
        sheets.append(("Petunjuk", _instructions(source), False))
        skip.append("Petunjuk")
    sheets += [(name, grid, False) for name, grid in zip(names, grids, strict=True)]
    if lay.hidden_sheet:
        sheets.append(("ref", [["Daftar Status"], ["Honorer"], ["PPPK Paruh Waktu"], ["Kontrak"]], True))
        skip.append("ref")
    _write_xlsx(path, sheets)
    return Written(path, placed, names, skip, mapped)


def _instructions(source: str) -> list[list[Any]]:
    return [
        ["PETUNJUK PENGISIAN"],
        [],
        ["1.", "Isi satu baris per orang; NIK 16 digit tanpa spasi."],
        ["2.", "Tanggal ditulis dd-mm-yyyy, contoh 01-06-2025."],
        ["3.", "Nominal dalam Rupiah tanpa titik."],
        ["4.", f"Kirim berkas {source} paling lambat tanggal 10 bulan berikutnya."],
    ]


def _write_csv(path: Path, grid: list[list[Any]], lay: Layout) -> None:
    width = max(len(r) for r in grid)
    with open(path, "w", newline="", encoding=lay.encoding) as handle:
        writer = csv.writer(handle, delimiter=lay.delimiter, lineterminator="\r\n")
        for row in grid:
            cells = ["" if v is None else str(v) for v in row]
            writer.writerow(cells + [""] * (width - len(cells)))


def _write_xlsx(path: Path, sheets: list[tuple[str, list[list[Any]], bool]]) -> None:
    options = {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(str(path), options)
    wb.set_properties({"created": FIXED_TIME, "author": "", "comments": ""})
    f_date = wb.add_format({"num_format": "dd/mm/yyyy"})
    f_money = wb.add_format({"num_format": "#,##0"})
    for name, grid, hidden in sheets:
        ws = wb.add_worksheet(name)
        if hidden:
            ws.hide()
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), f_date)
                else:
                    ws.write_number(r, c, v, f_money if v >= 1000 else None)
    wb.close()
