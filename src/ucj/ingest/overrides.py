"""Deployment config: teach the pipeline a new file variant without changing code.

``UCJ_CONFIG_DIR`` (unset: package defaults only) names a folder whose YAML files are merged
over the package defaults on the next run:

``headers.yaml``
    Per source, per canonical field, extra header synonyms, written as in ``fields.yaml``
    (a text, or ``{header: ..., kind: ...}`` when that header carries another value layout)::

        rosters:
          nik: ["No. Induk KTP"]
          tanggal_lahir: [{header: "Tempat / Tgl. Lahir Pegawai", kind: place_date}]

    Merged into :mod:`ucj.ingest.fields`; a synonym that already means another field is an error.

``values.yaml``
    Extra spellings of coded values per kind, ``{kind: {CANONICAL: [spelling, ...]}}``::

        segment:
          BPU: ["Bukan Penerima Upah Mandiri"]

    Kinds: see :data:`VALUE_KINDS`; the canonical codes of each are :data:`CANONICAL_CODES`.

``opd_aliases.yaml``
    ``aliases:`` a list of ``{alias, opd, kode_wilayah (optional)}`` and ``npp_pairs:`` a list
    of ``{npp, opd, kode_wilayah (optional)}``, for OPD attribution (:func:`opd_aliases`,
    :func:`npp_pairs`, :func:`write_alias_seed`).

Every file is validated as a whole; a broken one raises :class:`ConfigError` naming the file and
the line. :func:`check_config` validates everything (run it at start). Results are cached per
config folder: a long-lived process sees edited files after :func:`clear_cache`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ucj.config import config_dir_text
from ucj.ingest import fields
from ucj.ingest.values import code_key

ENV_VAR = "UCJ_CONFIG_DIR"
HEADERS_FILE = "headers.yaml"
VALUES_FILE = "values.yaml"
OPD_ALIASES_FILE = "opd_aliases.yaml"
FILES = (HEADERS_FILE, VALUES_FILE, OPD_ALIASES_FILE)

# Canonical codes per value kind (SOURCES.md). None: no fixed list (status_kepegawaian is kept
# as the code the config gives).
CANONICAL_CODES: dict[str, tuple[str, ...] | None] = {
    "sex": ("L", "P"),
    "segment": ("PU", "BPU", "JAKON"),
    "status_kepesertaan": ("AKTIF", "NON AKTIF"),
    "status_claim": (
        "DILAPORKAN",
        "BERKAS_LENGKAP",
        "VERIFIKASI",
        "DISETUJUI",
        "DIBAYAR",
        "DITOLAK",
        "KEDALUWARSA",
    ),
    "program": ("JKK", "JKM", "BEASISWA"),
    "status_kepegawaian": None,
}
VALUE_KINDS = tuple(CANONICAL_CODES)

_REGION = re.compile(r"^\d{2}(\.\d{2})?$")  # as the landing contract: 74 or 74.04


class ConfigError(Exception):
    """A broken file of the config folder; ``file`` and ``line`` (1-based, None: the whole file)."""

    def __init__(self, file: Path | str, line: int | None, message: str) -> None:
        self.file = str(file)
        self.line = line
        self.message = message
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class HeaderSynonym:
    """One extra header synonym from ``headers.yaml``; ``kind`` None: the field's own kind."""

    source: str
    field: str
    header: str
    kind: str | None
    file: str
    line: int


@dataclass(frozen=True)
class OpdAlias:
    """A name an OPD goes by in files (``alias``), the OPD of the reference it means (``opd``),
    and the region it holds in (``kode_wilayah``; None: every region)."""

    alias: str
    opd: str
    kode_wilayah: str | None = None


@dataclass(frozen=True)
class NppPair:
    """An employer registration number (NPP) that belongs to an OPD."""

    npp: str
    opd: str
    kode_wilayah: str | None = None


# --------------------------------------------------------------------------- the folder


@cache
def _resolve(text: str | None) -> Path | None:
    return Path(text).expanduser().resolve() if text else None


def config_dir() -> Path | None:
    """The config folder in use (``UCJ_CONFIG_DIR``, as ``ucj.config.settings().config_dir``)."""
    return _resolve(config_dir_text() or None)


def _folder(given: Path | None) -> Path | None:
    folder = config_dir() if given is None else given
    return None if folder is None else _existing(folder)


@cache
def _existing(folder: Path) -> Path:
    if not folder.is_dir():
        raise ConfigError(folder, None, f"{ENV_VAR} is not a folder")
    return folder


def clear_cache() -> None:
    """Forget every loaded config file and merged table (tests; a long-lived process after edits)."""
    from ucj.ingest import layout, values

    taught, headers_in_layout = values._taught_in, layout._header_match_in
    for cached in (_resolve, _existing, _compose, _headers, _values, _aliases, taught, headers_in_layout):
        cached.cache_clear()
    fields.clear_cache()


# --------------------------------------------------------------------------- YAML with lines


@cache
def _compose(path: Path) -> Node | None:
    """The node tree of ``path`` (None: no file, or an empty one); nodes keep their lines."""
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(path, None, f"not UTF-8 text ({err.reason}); save it as UTF-8") from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(path, line, f"not valid YAML: {err.problem or err.context}") from None


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _shape(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return f"the text {node.value!r}" if node.value else "nothing"


def _mapping(path: Path, node: Node, what: str) -> list[tuple[str, Node, Node]]:
    """(key text, key node, value node) of a mapping (nothing: none); duplicated keys are an error."""
    if _is_null(node):
        return []
    if not isinstance(node, MappingNode):
        raise ConfigError(path, _line(node), f"expected {what} (key: value lines), found {_shape(node)}")
    seen: dict[str, int] = {}
    out = []
    for key_node, value_node in node.value:
        key = _text(path, key_node, "a key")
        if key in seen:
            raise ConfigError(path, _line(key_node), f"{key!r} is given twice (first on line {seen[key]})")
        seen[key] = _line(key_node)
        out.append((key, key_node, value_node))
    return out


def _sequence(path: Path, node: Node, what: str) -> list[Node]:
    """The items of a list (nothing, e.g. a section whose lines are all commented out: none)."""
    if _is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        raise ConfigError(
            path, _line(node), f"expected a list of {what} ([..., ...] or '- ' lines), found {_shape(node)}"
        )
    return list(node.value)


def _text(path: Path, node: Node, what: str) -> str:
    """A non-empty text exactly as written (``74.10`` stays ``74.10``, never a number)."""
    if not isinstance(node, ScalarNode):
        raise ConfigError(path, _line(node), f"expected {what} (a text), found {_shape(node)}")
    text = "" if _is_null(node) else node.value.strip()
    if not text:
        raise ConfigError(path, _line(node), f"{what} is empty")
    return text


def _root(folder: Path, name: str, what: str) -> tuple[Path, list[tuple[str, Node, Node]]]:
    path = folder / name
    node = _compose(path)
    return path, ([] if node is None else _mapping(path, node, what))


def _one_of(path: Path, node: Node, text: str, allowed: tuple[str, ...] | frozenset[str], what: str) -> None:
    if text not in allowed:
        raise ConfigError(path, _line(node), f"unknown {what} {text!r}; expected one of {', '.join(sorted(allowed))}")


# --------------------------------------------------------------------------- headers.yaml


@cache
def _headers(folder: Path) -> tuple[HeaderSynonym, ...]:
    path, sources = _root(folder, HEADERS_FILE, "a mapping source -> field -> header synonyms")
    defaults = fields.default_catalogue()
    kinds = fields.field_kinds()
    out: list[HeaderSynonym] = []
    for source, source_node, per_field in sources:
        _one_of(path, source_node, source, fields.SOURCES, "source")
        known = defaults[source].fields
        for name, field_node, synonyms in _mapping(path, per_field, f"a mapping field -> synonyms of {source}"):
            _one_of(path, field_node, name, tuple(known), f"field of {source}")
            for item in _sequence(path, synonyms, "header texts"):
                kind = None
                if isinstance(item, MappingNode):
                    entry = {key: (key_node, value) for key, key_node, value in _mapping(path, item, "a synonym")}
                    for key, (key_node, _) in entry.items():
                        _one_of(path, key_node, key, ("header", "kind"), "synonym key")
                    if "header" not in entry or "kind" not in entry:
                        raise ConfigError(path, _line(item), "a synonym mapping needs both header: and kind:")
                    header = _text(path, entry["header"][1], "header")
                    kind = _text(path, entry["kind"][1], "kind")
                    _one_of(path, entry["kind"][1], kind, kinds, "kind")
                else:
                    header = _text(path, item, "header")
                if not fields.normalize_header(header):
                    raise ConfigError(path, _line(item), f"header {header!r} has no letters or digits")
                out.append(HeaderSynonym(source, name, header, kind, str(path), _line(item)))
    return tuple(out)


def header_synonyms(config_dir: Path | None = None) -> tuple[HeaderSynonym, ...]:
    """The extra header synonyms of ``headers.yaml`` (``config_dir`` None: ``UCJ_CONFIG_DIR``).

    Only their shape is checked here; :func:`ucj.ingest.fields.catalogue` merges them and
    raises :class:`ConfigError` for a synonym that already means another field.
    """
    folder = _folder(config_dir)
    return () if folder is None else _headers(folder)


# --------------------------------------------------------------------------- values.yaml


@cache
def _values(folder: Path) -> dict[str, dict[str, str]]:
    path, kinds = _root(folder, VALUES_FILE, "a mapping kind -> canonical code -> spellings")
    out: dict[str, dict[str, str]] = {kind: {} for kind in VALUE_KINDS}
    for kind, kind_node, per_code in kinds:
        _one_of(path, kind_node, kind, VALUE_KINDS, "kind")
        codes = CANONICAL_CODES[kind]
        canonical = {code_key(code): code for code in codes} if codes else None
        seen: dict[str, tuple[str, int]] = {}  # code key of a spelling -> (canonical, line)
        for code, code_node, spellings in _mapping(path, per_code, f"a mapping canonical code -> spellings of {kind}"):
            if canonical is not None:
                if code_key(code) not in canonical:
                    raise ConfigError(
                        path, _line(code_node), f"unknown {kind} code {code!r}; expected one of {', '.join(codes)}"
                    )
                code = canonical[code_key(code)]
            for item in _sequence(path, spellings, f"spellings of {kind} {code}"):
                spelling = _text(path, item, "spelling")
                key = code_key(spelling)
                if not key:
                    raise ConfigError(path, _line(item), f"spelling {spelling!r} has no letters or digits")
                if key in seen and seen[key][0] != code:
                    raise ConfigError(
                        path,
                        _line(item),
                        f"spelling {spelling!r} of {kind} {code} already means {seen[key][0]} (line {seen[key][1]})",
                    )
                seen[key] = (code, _line(item))
                out[kind][spelling] = code
    return out


def value_spellings(kind: str, config_dir: Path | None = None) -> dict[str, str]:
    """Extra spellings of ``kind`` from ``values.yaml``: spelling as written -> canonical code.

    Empty without a config folder. Cached per config folder, so cheap to call per value; the
    dict returned is a copy. A consumer compares spellings as ``ucj.ingest.values`` does: by
    :func:`code_key` (``values.code_key``) of the spelling, e.g.
    ``{code_key(s): c for s, c in value_spellings("segment").items()}``.
    """
    if kind not in CANONICAL_CODES:
        raise KeyError(f"unknown value kind {kind!r}; expected one of {', '.join(VALUE_KINDS)}")
    folder = _folder(config_dir)
    return {} if folder is None else dict(_values(folder)[kind])


# --------------------------------------------------------------------------- opd_aliases.yaml


def _entry(path: Path, item: Node, required: tuple[str, ...]) -> dict[str, str]:
    allowed = (*required, "kode_wilayah")
    values: dict[str, str] = {}
    for key, key_node, value in _mapping(path, item, f"an entry {{{', '.join(allowed)}}}"):
        _one_of(path, key_node, key, allowed, "key")
        values[key] = _text(path, value, key)
    missing = [key for key in required if key not in values]
    if missing:
        raise ConfigError(path, _line(item), f"entry lacks {', '.join(missing)}")
    region = values.get("kode_wilayah")
    if region is not None and not _REGION.match(region):
        raise ConfigError(
            path, _line(item), f'kode_wilayah {region!r} is not a Kemendagri code like 74.04 (quote it: "74.10")'
        )
    return values


@cache
def _aliases(folder: Path) -> tuple[tuple[OpdAlias, ...], tuple[NppPair, ...]]:
    path, sections = _root(folder, OPD_ALIASES_FILE, "a mapping with aliases: and npp_pairs:")
    aliases: list[OpdAlias] = []
    pairs: list[NppPair] = []
    seen: dict[tuple[str | None, str], tuple[str, int]] = {}
    for section, section_node, items in sections:
        _one_of(path, section_node, section, ("aliases", "npp_pairs"), "section")
        for item in _sequence(path, items, f"{section} entries"):
            if section == "aliases":
                values = _entry(path, item, ("alias", "opd"))
                alias = OpdAlias(values["alias"], values["opd"], values.get("kode_wilayah"))
                label, name, key = "alias", alias.alias, (alias.kode_wilayah, "a", fields.normalize_header(alias.alias))
                aliases.append(alias)
            else:
                values = _entry(path, item, ("npp", "opd"))
                pair = NppPair(values["npp"], values["opd"], values.get("kode_wilayah"))
                label, name, key = "npp", pair.npp, (pair.kode_wilayah, "n", code_key(pair.npp))
                pairs.append(pair)
            earlier = seen.get(key)
            if earlier is not None and earlier[0] != values["opd"]:
                message = f"{label} {name!r} already means {earlier[0]!r} (line {earlier[1]})"
                raise ConfigError(path, _line(item), message)
            seen[key] = (values["opd"], _line(item))
    return tuple(aliases), tuple(pairs)


def opd_aliases(config_dir: Path | None = None) -> list[OpdAlias]:
    """OPD aliases of ``opd_aliases.yaml`` in file order (empty without a config folder)."""
    folder = _folder(config_dir)
    return [] if folder is None else list(_aliases(folder)[0])


def npp_pairs(config_dir: Path | None = None) -> list[NppPair]:
    """NPP -> OPD pairs of ``opd_aliases.yaml`` in file order (empty without a config folder)."""
    folder = _folder(config_dir)
    return [] if folder is None else list(_aliases(folder)[1])


def write_alias_seed(path: Path, config_dir: Path | None = None) -> int:
    """Write the OPD aliases as a CSV for dbt (columns ``kode_wilayah, alias, opd``; an alias
    valid in every region has an empty ``kode_wilayah``), sorted; returns the rows written."""
    rows = sorted((a.kode_wilayah or "", a.alias, a.opd) for a in opd_aliases(config_dir))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("kode_wilayah", "alias", "opd"))
        writer.writerows(rows)
    return len(rows)


# --------------------------------------------------------------------------- all of it


def check_config(config_dir: Path | None = None) -> None:
    """Load and validate every file of the config folder; raises :class:`ConfigError`.

    Also merges ``headers.yaml`` into the synonym table (a synonym that already means another
    field is found here), and refuses a YAML file of an unknown name (``header.yaml``).
    """
    folder = _folder(config_dir)
    if folder is None:
        return
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        if path.name not in FILES:
            raise ConfigError(path, None, f"unknown config file; expected {', '.join(FILES)}")
    fields._load_for(folder)
    _values(folder)
    _aliases(folder)
