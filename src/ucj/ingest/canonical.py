"""From the reader's text cells to typed values, keeping every parse failure as a reason code.

The reader hands over text exactly as received; this module applies the Indonesian value
parsers of :mod:`ucj.ingest.values` per field kind (from ``fields.yaml``). A value that cannot
be parsed becomes NULL and its reason code goes to the ``<field>__error`` column, where the
Great Expectations suite of the source (``expectations/``) turns it into a row rejection.
Parsers run once per distinct value of a chunk: government files repeat the same dates,
wages and spellings thousands of times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd

from ucj.ingest import values
from ucj.ingest.fields import FieldSpec, source_fields
from ucj.reference import known_region_codes

# kind -> scalar parser returning the typed value (raises values.ValueParseError)
_PARSERS: dict[str, Callable[[str], Any]] = {
    "date": values.parse_date,
    "money": values.parse_money,
    "integer": values.parse_int,
    "sex": values.parse_sex,
    "segment": values.parse_segment,
    "status_kepesertaan": values.parse_status_kepesertaan,
    "status_claim": values.parse_claim_status,
    "program": values.parse_program,
}


def _strip(text: object) -> str | None:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    stripped = str(text).strip()
    return stripped or None


def _parse_unique(series: pd.Series, parse: Callable[[str], Any]) -> tuple[pd.Series, pd.Series]:
    """Apply ``parse`` to each distinct non-empty value; return (typed values, error codes)."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for text in series.dropna().unique():
        try:
            parsed[text] = parse(text)
        except values.ValueParseError as err:
            errors[text] = err.code
    return series.map(parsed), series.map(errors)


def canonicalize(chunk: pd.DataFrame, source: str) -> pd.DataFrame:
    """Typed columns for every field of the source (NULL when absent) plus ``<field>__error``.

    Columns of the result: ``_source_row``, every canonical field (typed), every
    ``<field>__error`` (reason code or NULL), ``tempat_lahir`` where a place-and-date field
    exists, and ``_source_values`` (the original text of the row as a dict).
    """
    specs = source_fields(source)
    out = pd.DataFrame({"_source_row": chunk["_source_row"].to_numpy()}, index=chunk.index)
    originals: dict[str, pd.Series] = {}
    for name, spec in specs.items():
        raw = chunk[name].map(_strip) if name in chunk.columns else pd.Series(None, index=chunk.index, dtype=object)
        originals[name] = raw
        typed, errors = _typed(raw, spec)
        out[name] = typed
        out[f"{name}__error"] = errors
    if "tanggal_lahir" in specs and specs["tanggal_lahir"].kind == "place_date":
        out["tempat_lahir"] = originals["tanggal_lahir"].map(_place_only)
    if "nik" in specs:
        out["nik__error"] = out["nik__error"].where(out["nik__error"].notna(), _nik_reasons(out))
    out["_source_values"] = _source_values(chunk, originals)
    return out


def _typed(raw: pd.Series, spec: FieldSpec) -> tuple[pd.Series, pd.Series]:
    none = pd.Series(None, index=raw.index, dtype=object)
    if spec.kind == "place_date":
        return _parse_unique(raw, lambda text: values.parse_place_date(text)[1])
    parser = _PARSERS.get(spec.kind)
    if parser is None:  # identifier, text: kept as text
        return raw, none
    return _parse_unique(raw, parser)


def _place_only(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return values.parse_place_date(text)[0]
    except values.ValueParseError:
        return None


def _nik_reasons(frame: pd.DataFrame) -> pd.Series:
    regions = known_region_codes()
    births = frame["tanggal_lahir"] if "tanggal_lahir" in frame.columns else None
    sexes = frame["jenis_kelamin"] if "jenis_kelamin" in frame.columns else None
    reasons = []
    for i, nik in enumerate(frame["nik"].tolist()):
        if nik is None or (isinstance(nik, float) and pd.isna(nik)):
            reasons.append(None)  # missing NIK is a required-field failure, not a NIK-format one
            continue
        birth = births.iat[i] if births is not None else None
        sex = sexes.iat[i] if sexes is not None else None
        reasons.append(
            values.check_nik(
                nik,
                known_regions=regions,
                birth_date=birth if isinstance(birth, date) else None,
                sex=sex if isinstance(sex, str) else None,
            )
        )
    return pd.Series(reasons, index=frame.index, dtype=object)


def _source_values(chunk: pd.DataFrame, originals: dict[str, pd.Series]) -> list[dict[str, str]]:
    extras = chunk["_extras"].tolist() if "_extras" in chunk.columns else [None] * len(chunk)
    names = list(originals)
    columns = [originals[n].tolist() for n in names]
    rows = []
    for i, extra in enumerate(extras):
        row = {n: col[i] for n, col in zip(names, columns, strict=True) if col[i] is not None}
        if extra:
            row.update({f"extra:{k}": v for k, v in extra.items() if v is not None})
        rows.append(row)
    return rows
