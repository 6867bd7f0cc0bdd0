"""The source catalogue: canonical fields of each landing source, their header synonyms, and
per source its cadence, uniqueness key, whether an empty file is allowed and when a period's
file is due.

All of it is data (``fields.yaml`` beside this module); this module loads it once, normalizes
every synonym with :func:`normalize_header` and answers "which field does this header mean?"
for a source. A deployment adds header synonyms without code in ``$UCJ_CONFIG_DIR/headers.yaml``
(:mod:`ucj.ingest.overrides`): they are merged into the table of the config folder in use.
The source-level keys (cadence, unique_key, empty_file_allowed, due) come from the package only;
``landing.YEARLY_SOURCES``, ``load.EMPTY_IS_NEWS``, ``load._KEYS`` and the due dates of
``ucj.ops.status`` derive from them.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path

import yaml

SOURCES = ("rosters", "participants", "claims", "budgets", "workforce")
CADENCES = ("monthly", "yearly")
CATALOGUE_KEYS = ("cadence", "unique_key", "empty_file_allowed", "due", "key_fields", "fields")

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
class DueRule:
    """When a period's file is late: it is on time up to ``day`` (None: the last day) of the
    month ``months_after_period_start`` months after the period's first month.

    Monthly sources ``DueRule(1, 20)``: June is due by 20 July. Yearly sources
    ``DueRule(1, None)``: year Y is due by the end of February of Y.
    """

    months_after_period_start: int
    day: int | None

    def due_date(self, period: str) -> date:
        """The last day on which the file of ``period`` (``YYYY`` or ``YYYY-MM``) is on time."""
        year, month = int(period[:4]), int(period[5:7]) if len(period) > 4 else 1
        months = year * 12 + (month - 1) + self.months_after_period_start
        year, month = divmod(months, 12)
        month += 1
        return date(year, month, self.day or calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class SourceSpec:
    """One source of the catalogue: its fields, the fields that identify a data row, and the
    source-level rules (cadence, uniqueness key, empty file allowed, due rule)."""

    name: str
    fields: dict[str, FieldSpec]
    key_fields: tuple[str, ...]
    by_key: dict[str, str]
    cadence: str = "monthly"  # "monthly" (period YYYY-MM) | "yearly" (period YYYY)
    unique_key: tuple[str, ...] = ()  # a later row of a file with the same complete key is a duplicate
    empty_file_allowed: bool = False  # True: a file with no data rows is news (claims), not an error
    due: DueRule = DueRule(1, 20)

    @property
    def yearly(self) -> bool:
        return self.cadence == "yearly"


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
    missing = [key for key in CATALOGUE_KEYS if key not in raw]
    if missing:
        raise ValueError(f"fields.yaml: source {source} lacks {', '.join(missing)}")
    cadence = raw["cadence"]
    if cadence not in CADENCES:
        raise ValueError(f"fields.yaml: {source}.cadence {cadence!r} is not one of {', '.join(CADENCES)}")
    unique_key = tuple(raw["unique_key"])
    unknown = [name for name in (*unique_key, *raw["key_fields"]) if name not in fields]
    if unknown or not unique_key:
        raise ValueError(f"fields.yaml: {source}.unique_key/key_fields name no field or unknown ones: {unknown}")
    if not isinstance(raw["empty_file_allowed"], bool):
        raise ValueError(f"fields.yaml: {source}.empty_file_allowed must be true or false")
    return SourceSpec(
        name=source,
        fields=fields,
        key_fields=tuple(raw["key_fields"]),
        by_key=by_key,
        cadence=cadence,
        unique_key=unique_key,
        empty_file_allowed=raw["empty_file_allowed"],
        due=_due_rule(source, raw["due"]),
    )


def _due_rule(source: str, raw: object) -> DueRule:
    if not isinstance(raw, dict) or set(raw) != {"months_after_period_start", "day"}:
        raise ValueError(f"fields.yaml: {source}.due must be {{months_after_period_start: N, day: 1-28|last}}")
    months, day = raw["months_after_period_start"], raw["day"]
    if not isinstance(months, int) or months < 0 or not (day == "last" or (isinstance(day, int) and 1 <= day <= 28)):
        raise ValueError(f"fields.yaml: {source}.due {raw!r}: months_after_period_start >= 0, day 1-28 or last")
    return DueRule(months, None if day == "last" else day)


@cache
def _package() -> tuple[dict[str, SourceSpec], frozenset[str]]:
    """The catalogue as the package ships it (``fields.yaml`` only)."""
    raw = yaml.safe_load(FIELDS_YAML.read_text(encoding="utf-8"))
    specs = {source: _spec_from_yaml(source, raw["sources"][source]) for source in SOURCES}
    ignored = frozenset(normalize_header(text) for text in raw["ignored_headers"])
    return specs, ignored


@cache
def _load_for(config_dir: Path | None) -> tuple[dict[str, SourceSpec], frozenset[str]]:
    """The package catalogue with the header synonyms of ``config_dir``/headers.yaml merged in."""
    specs, ignored = _package()
    if config_dir is None:
        return specs, ignored
    from ucj.ingest import overrides

    extra = overrides.header_synonyms(config_dir)
    if not extra:
        return specs, ignored
    merged = dict(specs)
    for entry in extra:
        spec = merged[entry.source]
        key = normalize_header(entry.header)
        owner = spec.by_key.get(key)
        if owner is not None and owner != entry.field:
            raise overrides.ConfigError(
                entry.file,
                entry.line,
                f"header {entry.header!r} for {entry.source}.{entry.field} already means {entry.source}.{owner}",
            )
        if key in ignored:
            raise overrides.ConfigError(
                entry.file, entry.line, f"header {entry.header!r} is a row-number column header (dropped)"
            )
        field = spec.fields[entry.field]
        kind = entry.kind or field.kind
        synonyms = field.synonyms if key in field.synonyms else (*field.synonyms, key)
        kind_of_synonym = tuple((k, v) for k, v in field.kind_of_synonym if k != key)
        if kind != field.kind:
            kind_of_synonym = (*kind_of_synonym, (key, kind))
        fields = {**spec.fields, entry.field: replace(field, synonyms=synonyms, kind_of_synonym=kind_of_synonym)}
        merged[entry.source] = replace(spec, fields=fields, by_key={**spec.by_key, key: entry.field})
    return merged, ignored


def _load() -> tuple[dict[str, SourceSpec], frozenset[str]]:
    from ucj.ingest import overrides

    return _load_for(overrides.config_dir())


def clear_cache() -> None:
    """Forget the merged synonym tables (after ``UCJ_CONFIG_DIR`` or its files changed)."""
    _load_for.cache_clear()


def default_catalogue() -> dict[str, SourceSpec]:
    """Source -> spec as the package ships it (no ``UCJ_CONFIG_DIR`` synonyms)."""
    return dict(_package()[0])


def catalogue() -> dict[str, SourceSpec]:
    """Source -> spec in use: the package catalogue with ``$UCJ_CONFIG_DIR/headers.yaml`` merged in.

    Raises :class:`ucj.ingest.overrides.ConfigError` for a broken config file.
    """
    return dict(_load()[0])


def source_spec(source: str) -> SourceSpec:
    """The full spec of ``source``; raises ``KeyError`` for an unknown source."""
    specs, _ = _load()
    if source not in specs:
        raise KeyError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    return specs[source]


def field_kinds() -> frozenset[str]:
    """Every value kind ``fields.yaml`` uses (fields' and synonyms' kinds)."""
    kinds: set[str] = set()
    for spec in _package()[0].values():
        for field in spec.fields.values():
            kinds.add(field.kind)
            kinds.update(kind for _, kind in field.kind_of_synonym)
    return frozenset(kinds)


# The constants other modules keep as module-level names derive from these (package catalogue:
# the source-level keys are not deployment settings, so no config folder is read for them).


def yearly_sources() -> frozenset[str]:
    """Sources delivered once a year (period folder ``YYYY``): ``landing.YEARLY_SOURCES``."""
    return frozenset(name for name, spec in _package()[0].items() if spec.yearly)


def empty_file_allowed_sources() -> frozenset[str]:
    """Sources whose file may truthfully have no rows: ``load.EMPTY_IS_NEWS``."""
    return frozenset(name for name, spec in _package()[0].items() if spec.empty_file_allowed)


def unique_keys() -> dict[str, tuple[str, ...]]:
    """Source -> the fields that identify one row of a file: ``load._KEYS``."""
    return {name: spec.unique_key for name, spec in _package()[0].items()}


def due_rules() -> dict[str, DueRule]:
    """Source -> when a period's file is late (``ucj status``, the report's late sources)."""
    return {name: spec.due for name, spec in _package()[0].items()}


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


def match_header_kind(source: str, header_text: str) -> tuple[str, str] | None:
    """(canonical field, kind of its values under this header), or None.

    The kind differs from the field's default for e.g. "TTL" (place_date).
    """
    return _lookup(source, header_text)


def is_ignored_header(header_text: str) -> bool:
    """True for a row-number column header ("No.", "Nomor Urut"): dropped, not an extra."""
    _, ignored = _load()
    return normalize_header(header_text) in ignored
