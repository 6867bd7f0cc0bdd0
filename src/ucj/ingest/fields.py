"""Canonical fields of each landing source and their header synonyms.

The synonym table is data (``fields.yaml`` beside this module); this module loads it once,
normalizes every synonym with :func:`normalize_header` and answers "which field does this
header mean?" for a source.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

SOURCES = ("rosters", "participants", "claims", "budgets", "workforce")

FIELDS_YAML = Path(__file__).with_name("fields.yaml")

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field of a source.

    ``synonyms`` are normalized header keys (see :func:`normalize_header`).
    ``kind_of_synonym`` holds the synonyms whose values use another layout than ``kind``
    (e.g. the "TTL" header of ``tanggal_lahir`` carries "Kendari, 12-03-1990": place_date).
    ``title_or_filename`` is True for a required field that may instead be named in the
    title block or the file name (``rosters.opd``).
    """

    name: str
    required: bool
    kind: str
    synonyms: tuple[str, ...]
    kind_of_synonym: tuple[tuple[str, str], ...] = ()
    title_or_filename: bool = False

    def kind_for(self, key: str) -> str:
        """Kind of the values under the normalized header ``key``."""
        for synonym, kind in self.kind_of_synonym:
            if synonym == key:
                return kind
        return self.kind


@dataclass(frozen=True)
class SourceSpec:
    """All fields of one source plus the fields that identify a data row."""

    name: str
    fields: dict[str, FieldSpec]
    key_fields: tuple[str, ...]
    by_key: dict[str, str]


def normalize_header(text: str) -> str:
    """Case-, space-, accent- and punctuation-insensitive key of a header text.

    >>> normalize_header("No. NIK")
    'nonik'
    >>> normalize_header("Gaji/Honor per Bulan")
    'gajihonorperbulan'
    """
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKD", str(text)).casefold()
    return _NON_ALNUM.sub("", folded)


def _spec_from_yaml(source: str, raw: dict) -> SourceSpec:
    fields: dict[str, FieldSpec] = {}
    by_key: dict[str, str] = {}
    for name, entry in raw["fields"].items():
        kind = entry["kind"]
        keys: list[str] = []
        overrides: list[tuple[str, str]] = []
        for synonym in [name, *entry["synonyms"]]:
            text, synonym_kind = (synonym["header"], synonym["kind"]) if isinstance(synonym, dict) else (synonym, kind)
            key = normalize_header(text)
            if key in by_key and by_key[key] != name:
                raise ValueError(f"fields.yaml: header {text!r} of {source}.{name} already means {by_key[key]}")
            by_key[key] = name
            if key not in keys:
                keys.append(key)
            if synonym_kind != kind:
                overrides.append((key, synonym_kind))
        required = entry["required"]
        fields[name] = FieldSpec(
            name=name,
            required=bool(required),
            kind=kind,
            synonyms=tuple(keys),
            kind_of_synonym=tuple(overrides),
            title_or_filename=required == "title_or_filename",
        )
    return SourceSpec(name=source, fields=fields, key_fields=tuple(raw["key_fields"]), by_key=by_key)


@cache
def _load() -> tuple[dict[str, SourceSpec], frozenset[str]]:
    raw = yaml.safe_load(FIELDS_YAML.read_text(encoding="utf-8"))
    specs = {source: _spec_from_yaml(source, raw["sources"][source]) for source in SOURCES}
    ignored = frozenset(normalize_header(text) for text in raw["ignored_headers"])
    return specs, ignored


def source_spec(source: str) -> SourceSpec:
    """The full spec of ``source``; raises ``KeyError`` for an unknown source."""
    specs, _ = _load()
    if source not in specs:
        raise KeyError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    return specs[source]


def source_fields(source: str) -> dict[str, FieldSpec]:
    """Canonical field name -> spec, in the order of ``fields.yaml``."""
    return source_spec(source).fields


def _lookup(source: str, header_text: str) -> tuple[str, str] | None:
    spec = source_spec(source)
    key = normalize_header(header_text)
    if not key:
        return None
    field = spec.by_key.get(key)
    if field is None:
        # "Tanggal Lahir (dd-mm-yyyy)", "Upah [Rp]": try again without the bracketed part.
        stripped = normalize_header(_PARENTHESES.sub(" ", str(header_text)))
        if stripped and stripped != key:
            key = stripped
            field = spec.by_key.get(key)
    if field is None:
        return None
    return field, spec.fields[field].kind_for(key)


def match_header(source: str, header_text: str) -> str | None:
    """Canonical field of ``source`` that ``header_text`` means, or None."""
    found = _lookup(source, header_text)
    return found[0] if found else None


def match_header_kind(source: str, header_text: str) -> tuple[str, str] | None:
    """(canonical field, kind of its values under this header), or None.

    The kind differs from the field's default for e.g. "TTL" (place_date).
    """
    return _lookup(source, header_text)


def is_ignored_header(header_text: str) -> bool:
    """True for a row-number column header ("No.", "Nomor Urut"): dropped, not an extra."""
    _, ignored = _load()
    return normalize_header(header_text) in ignored
