"""A sheet's header: where it is (the best-scoring row of the first ``HEADER_SCAN_ROWS``), two-row
headers, the canonical field of each column (``fields.yaml`` and the deployment's synonyms), and
the OPD a table's surroundings name (title block, sheet name, file name)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ucj.config import config_dir_text
from ucj.ingest.fields import is_ignored_header, match_header_kind, source_spec
from ucj.ingest.values import MONTHS

MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
HEADER_SCAN_ROWS = 30


@dataclass
class Layout:
    """Column roles derived from the header row."""

    width: int
    headers: list[str]
    fields: list[str | None]
    kinds: list[str | None]
    ignored: frozenset[int]
    outputs: list[tuple[str, int]]  # (canonical field, column) yielded as columns
    extras: list[tuple[str, int]]  # (extra key, column) gathered into _extras
    key_idx: tuple[int, ...]
    required_idx: tuple[int, ...]
    identifier_idx: frozenset[int]
    header_variants: frozenset[str]
    col_offset: int = 0


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def header_match(source: str, text: str) -> tuple[str, str] | None:
    """The field a header means, with the synonyms of the config folder in use (UCJ_CONFIG_DIR)."""
    return _header_match_in(config_dir_text(), source, text)


@lru_cache(maxsize=8192)
def _header_match_in(config: str, source: str, text: str) -> tuple[str, str] | None:
    return match_header_kind(source, text)


def _preferred_columns(spec: Any, matches: list[tuple[str, str] | None]) -> dict[str, int]:
    """The column each field is read from when several headers mean it: the first whose values
    have the field's own layout ("Tanggal Lahir" over "TTL", which also holds the place),
    else the first. The other columns stay in the row as extra columns."""
    chosen: dict[str, int] = {}
    for i, found in enumerate(matches):
        if found is None:
            continue
        name, kind = found
        if name not in chosen:
            chosen[name] = i
        elif kind == spec.fields[name].kind and matches[chosen[name]][1] != kind:  # type: ignore[index]
            chosen[name] = i
    return chosen


def build_layout(source: str, headers: list[str], col_offset: int) -> Layout:
    spec = source_spec(source)
    fields: list[str | None] = []
    kinds: list[str | None] = []
    ignored: set[int] = set()
    outputs: list[tuple[str, int]] = []
    extras: list[tuple[str, int]] = []
    seen_extra: set[str] = set()
    matches = [header_match(source, text) if text else None for text in headers]
    chosen = _preferred_columns(spec, matches)
    for i, (text, found) in enumerate(zip(headers, matches, strict=True)):
        fields.append(found[0] if found else None)
        kinds.append(found[1] if found else None)
        if found and chosen[found[0]] == i:
            outputs.append((found[0], i))
            continue
        if not found and text and is_ignored_header(text) and not ignored:
            ignored.add(i)
            continue
        key = text or f"column {column_letter(i + col_offset)}"
        while key in seen_extra:
            key = f"{key} ({column_letter(i + col_offset)})"
        seen_extra.add(key)
        extras.append((key, i))
    position = {name: i for name, i in outputs}
    variants = {v for text in headers if text for v in (text, text.upper(), text.lower())}
    return Layout(
        width=len(headers),
        headers=headers,
        fields=fields,
        kinds=kinds,
        ignored=frozenset(ignored),
        outputs=outputs,
        extras=extras,
        key_idx=tuple(position[f] for f in spec.key_fields if f in position),
        required_idx=tuple(position[f] for f, s in spec.fields.items() if s.required and f in position),
        identifier_idx=frozenset(i for i, kind in enumerate(kinds) if kind == "identifier"),
        header_variants=frozenset(variants),
        col_offset=col_offset,
    )


# --------------------------------------------------------------------------- row classes


@dataclass
class HeaderHit:
    index: int  # 0-based row index within the scanned rows
    score: int


def _score_header(source: str, cells: list[str | None]) -> int:
    """Distinct fields a row's cells map to; 0 unless >= 2 and one is required."""
    spec = source_spec(source)
    found = {hit[0] for v in cells if v and (hit := header_match(source, v))}
    if len(found) < 2 or not any(spec.fields[f].required for f in found):
        return 0
    return len(found)


def find_header(source: str, rows: list[list[str | None]]) -> HeaderHit | None:
    best: HeaderHit | None = None
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _score_header(source, cells)
        if score and (best is None or score > best.score):
            best = HeaderHit(index, score)
    return best


def trim(cells: list[str | None]) -> list[str | None]:
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    return cells[:end]


def fill_from_group_row(above: list[str | None], header: list[str | None]) -> list[str | None] | None:
    """A header whose gaps are filled from a group row above it, or None.

    Two-row headers put some column names in the upper row, merged down over both rows
    ("No.", "Honor") and group names over the others ("Identitas" over NIK and Nama): the
    header row found has gaps where the upper row has the name. The upper row counts when it
    has at least two texts (a title line has one) and fills at least one gap.
    """
    above = trim(above)
    if sum(1 for c in above if c) < 2:
        return None
    width = max(len(above), len(header))
    header = header + [None] * (width - len(header))
    gaps = [i for i in range(len(above)) if above[i] and not header[i]]
    if not gaps:
        return None
    return [above[i] if i in gaps else header[i] for i in range(width)]


def merge_subheader(source: str, header: list[str | None], below: list[str | None]) -> list[str | None] | None:
    """Combine a two-row header (merged group cells above sub-columns), or None.

    The row below counts as a sub-header when it has no digits-only data and maps at least
    one field under a column whose top cell is empty or unmapped.
    """
    if not below or any(v and v.replace(" ", "").isdigit() and len(v) > 2 for v in below):
        return None
    width = max(len(header), len(below))
    header = header + [None] * (width - len(header))
    below = below + [None] * (width - len(below))
    gains = [
        i
        for i in range(width)
        if below[i] and header_match(source, below[i]) and not (header[i] and header_match(source, header[i]))
    ]
    if not gains:
        return None
    merged: list[str | None] = []
    group: str | None = None
    for top, sub in zip(header, below, strict=True):
        group = top if top else group
        if not sub:
            merged.append(top)
        elif header_match(source, sub):
            merged.append(sub)
        else:
            merged.append(f"{group} {sub}" if group else sub)
    return merged


# --------------------------------------------------------------------------- title OPD

_OPD_LABEL = re.compile(
    r"^\s*(?:nama\s+)?(?:opd|skpd|unit\s+kerja|instansi|perangkat\s+daerah|satuan\s+kerja|"
    r"satker|unit\s+organisasi)\s*[:=]\s*(.+?)\s*$",
    re.IGNORECASE,
)
OPD_NAME = re.compile(
    r"\b((?:dinas|badan|satuan|satpol|kantor|sekretariat|inspektorat|rsud|rumah\s+sakit|"
    r"kecamatan|kelurahan|bagian|uptd|puskesmas)\b.*?)"
    r"(?=\s+(?:kota|kabupaten|kab|provinsi|prov|pemerintah|tahun|ta|t\.a|bulan|periode|"
    r"semester|triwulan|per)\b|\s+\d|\s*[,(:;]|\s*$)",
    re.IGNORECASE,
)
_FILENAME_NOISE = frozenset(
    """revisi rev final fix fixed baru new copy salinan data daftar nama pegawai non asn nonasn
    honorer roster tahun bulan thn bln pppk paruh waktu tenaga kerja tk update terbaru bpjs
    bpjstk ketenagakerjaan jamsostek peserta list of dan untuk per""".split()
)
_FILENAME_STOP = frozenset({"kota", "kab", "kabupaten", "prov", "provinsi"})


def _opd_from_title(lines: list[str]) -> str | None:
    for line in lines:
        if m := _OPD_LABEL.match(line):
            return m[1].strip(" :.-") or None
    for line in lines:
        for m in OPD_NAME.finditer(line):
            name = re.sub(r"\s+", " ", m[1]).strip(" .-")
            if len(name) > 3 and name.lower() not in _GENERIC_OPD_WORDS:
                return name
    return None


# Words of a document's kind that read like an OPD name but name none ("RENCANA KERJA DAN
# ANGGARAN SATUAN KERJA PERANGKAT DAERAH" is an RKA, not an office).
_GENERIC_OPD_WORDS = frozenset(
    {
        "satuan kerja perangkat daerah",
        "satuan kerja",
        "organisasi perangkat daerah",
        "perangkat daerah",
        "kantor",
        "dinas",
        "badan",
        "bagian",
        "sekretariat",
        "kecamatan",
        "kelurahan",
    }
)


def _opd_from_filename(path: Path) -> str | None:
    stem = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", path.stem)
    kept: list[str] = []
    for token in re.split(r"[\s_\-.,+]+", stem):
        low = token.lower()
        if low in _FILENAME_STOP:
            break
        if not token or low in _FILENAME_NOISE or low in MONTHS or token.isdigit():
            continue
        kept.append(token)
    name = " ".join(kept).strip()
    return name or None


# --------------------------------------------------------------------------- sources of rows


def surrounding_opd(
    source: str, title_lines: list[str], path: Path, sheet: str | None = None
) -> tuple[str | None, str | None]:
    """The OPD a table's surroundings name: its title block, else a sheet named like an OPD
    ("Dinas Kesehatan"), else (rosters) the file name."""
    if "opd" not in source_spec(source).fields:
        return None, None
    if opd := _opd_from_title(title_lines):
        return opd, "title"
    if sheet and (m := OPD_NAME.search(sheet)):
        return re.sub(r"\s+", " ", m[1]).strip(" .-"), "sheet"
    if source == "rosters" and (opd := _opd_from_filename(path)):
        return opd, "filename"
    return None, None


GENERIC_SHEET = re.compile(
    rf"^(?:sheet|lembar|sheet\s*\d+|data|daftar|rekap|rekapitulasi|tabel|table|lampiran|format|blanko|"
    rf"{MONTH_WORDS}|\d+|[\d\s./-]+)(?:[\s._-]*(?:\d+|{MONTH_WORDS}))*$",
    re.IGNORECASE,
)
