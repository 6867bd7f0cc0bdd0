"""From the reader's text cells to typed values, keeping every parse failure as a reason code.

The reader hands over text exactly as received; this module applies the Indonesian value
parsers of :mod:`ucj.ingest.values` per field kind (from ``fields.yaml``). A value that cannot
be parsed becomes NULL and its reason code goes to the ``<field>__error`` column, where the
Great Expectations suite of the source (``expectations/``) turns it into a row rejection.
Parsers run once per distinct value of a chunk: government files repeat the same dates,
wages and spellings thousands of times.
"""

from __future__ import annotations

import pandas as pd

from ucj.ingest import values
from ucj.ingest.fields import source_fields
from ucj.reference import known_region_codes


def _texts(series: pd.Series) -> pd.Series:
    """Stripped text as an object Series with None for empty cells (never NaN)."""
    out = series.astype(object).where(series.notna(), None)
    out = out.map(lambda text: (str(text).strip() or None) if text is not None else None)
    return out.astype(object).where(out.notna(), None)


def _nulls(index: pd.Index) -> pd.Series:
    return pd.Series([None] * len(index), index=index, dtype=object)


def header_kinds(field_of_header: list[str | None], kind_of_header: list[str | None]) -> dict[str, str]:
    """The value kind of each mapped field in this file ("TTL" makes tanggal_lahir a place_date)."""
    return {f: k for f, k in zip(field_of_header, kind_of_header, strict=False) if f and k}


def canonicalize(
    chunk: pd.DataFrame,
    source: str,
    kinds: dict[str, str] | None = None,
    title_opd: str | None = None,
) -> pd.DataFrame:
    """Typed columns for every field of the source (NULL when absent) plus ``<field>__error``.

    Columns of the result: ``_source_row``, every canonical field (typed), every
    ``<field>__error`` (reason code or NULL), ``<field>__raw`` for required fields (the text
    as received, for the required-field rule), and ``_source_values`` (the original text of the
    row as a dict). ``kinds`` overrides a field's kind for this file (from the reader);
    ``title_opd`` fills the roster's OPD where the file has no OPD column.
    """
    specs = source_fields(source)
    kinds = kinds or {}
    out = pd.DataFrame({"_source_row": chunk["_source_row"].to_numpy()}, index=chunk.index)
    originals: dict[str, pd.Series] = {}
    for name, spec in specs.items():
        if name in chunk.columns:
            raw = _texts(chunk[name])
        else:
            raw = _nulls(chunk.index)
        originals[name] = raw
        if spec.required:
            out[f"{name}__raw"] = raw  # required means: some text was there (typed may be NULL)
        kind = kinds.get(name, spec.kind)
        parser = values.PARSERS_BY_KIND.get(kind)
        if parser is None:  # identifier, text, codes kept as text
            out[name] = raw
            out[f"{name}__error"] = _nulls(chunk.index)
        elif kind == "segment":
            out[name], out[f"{name}__error"] = values.parse_segments(raw, allow_total=source == "workforce")
        else:
            out[name], out[f"{name}__error"] = parser(raw)
        if kind == "place_date" and "tempat_lahir" in specs and "tempat_lahir" not in chunk.columns:
            out["tempat_lahir"] = raw.map(_place_only)
    if source == "rosters" and title_opd:
        out["opd"] = out["opd"].where(out["opd"].notna(), title_opd)
        out["opd__raw"] = out["opd"]
    if "nik" in specs:
        reasons = values.check_niks(
            out["nik"],
            known_region_codes(),
            birth_dates=out["tanggal_lahir"] if "tanggal_lahir" in out.columns else None,
            sexes=out["jenis_kelamin"] if "jenis_kelamin" in out.columns else None,
        )
        # a missing NIK is a required-field failure (rosters, participants), not a NIK-format one
        out["nik__error"] = reasons.where(out["nik"].notna(), None)
    out["_source_values"] = _source_values(chunk, originals)
    return out


def _place_only(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return values.parse_place_date(text)[0]
    except values.ValueParseError:
        return None


def _source_values(chunk: pd.DataFrame, originals: dict[str, pd.Series]) -> list[dict[str, str]]:
    extras = chunk["_extras"].tolist() if "_extras" in chunk.columns else [None] * len(chunk)
    names = list(originals)
    columns = [originals[n].tolist() for n in names]
    rows = []
    for i, extra in enumerate(extras):
        row = {n: col[i] for n, col in zip(names, columns, strict=True) if isinstance(col[i], str)}
        if extra:
            row.update({f"extra:{k}": v for k, v in extra.items() if isinstance(v, str)})
        rows.append(row)
    return rows
