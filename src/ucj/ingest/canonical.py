"""From the reader's text cells to typed values, keeping every parse failure as a reason code.

The reader hands over text exactly as received; this module applies the Indonesian value
parsers of :mod:`ucj.ingest.values` per field kind (from ``fields.yaml``). A value that cannot
be parsed becomes NULL and its reason code goes to the ``<field>__error`` column, where the
Great Expectations suite of the source (``expectations/``) turns it into a row rejection.
Parsers run once per distinct value of a chunk: government files repeat the same dates,
wages and spellings thousands of times.
"""

from __future__ import annotations

import json
import math
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ucj.ingest import values
from ucj.ingest.fields import source_fields
from ucj.reference import known_region_codes


def _text(value: Any) -> str | None:
    """One cell as stripped text; None for an empty cell (None, NaN, NA, blank)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


class Coded:
    """A column of cell texts as codes into its distinct stripped texts (a dictionary encoding).

    Government files repeat the same dates, wages, segments and spellings thousands of times:
    each distinct text is stripped, parsed, JSON-encoded and formatted once, and the results
    are spread to the rows by the codes (-1: no text).
    """

    def __init__(self, cells: np.ndarray) -> None:
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
        stripped = [(u.strip() or None) if u.__class__ is str else _text(u) for u in uniques]
        again, distinct = pd.factorize(np.array(stripped, dtype=object), use_na_sentinel=True)
        self.codes = np.append(again, -1)[codes]  # code -1 (no text) stays -1
        self.uniques = np.asarray(distinct, dtype=object)

    @classmethod
    def empty(cls, n: int) -> Coded:
        return cls(np.full(n, None, dtype=object))

    def spread(self, per_unique: Any, missing: Any = None) -> np.ndarray:
        """``per_unique[i]`` for every row whose text is ``uniques[i]``; ``missing`` elsewhere."""
        table = np.empty(len(self.uniques) + 1, dtype=object)
        table[:-1] = per_unique
        table[-1] = missing
        return table[self.codes]

    def texts(self, index: pd.Index) -> pd.Series:
        return pd.Series(self.spread(self.uniques), index=index, dtype=object, copy=False)


def _parsed(parser: Any, coded: Coded, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """A vectorised parser applied to the distinct texts only, spread to the rows."""
    parsed, errors = parser(pd.Series(coded.uniques, dtype=object))
    return (
        pd.Series(coded.spread(parsed.to_numpy(dtype=object)), index=index, dtype=object, copy=False),
        pd.Series(coded.spread(errors.to_numpy(dtype=object)), index=index, dtype=object, copy=False),
    )


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
    as received, for the required-field rule), and ``_source_json`` (the original text of the
    row as a JSON object, what ``raw.<source>.source_values`` keeps; see :func:`source_values`).
    ``kinds`` overrides a field's kind for this file (from the reader);
    ``title_opd`` fills the OPD where the row has none (title block, sheet name, file name).
    """
    specs = source_fields(source)
    kinds = kinds or {}
    out = pd.DataFrame({"_source_row": chunk["_source_row"].to_numpy()}, index=chunk.index)
    originals: dict[str, Coded] = {}
    for name, spec in specs.items():
        coded = Coded(chunk[name].to_numpy(dtype=object)) if name in chunk.columns else Coded.empty(len(chunk))
        originals[name] = coded
        raw = coded.texts(chunk.index)
        if spec.required:
            out[f"{name}__raw"] = raw  # required means: some text was there (typed may be NULL)
        kind = kinds.get(name, spec.kind)
        parser = values.PARSERS_BY_KIND.get(kind)
        if kind == "identifier":  # typed separators removed; _source_json keeps the text as received
            normalised = values.normalize_identifiers(pd.Series(coded.uniques, dtype=object), name)
            out[name] = pd.Series(coded.spread(normalised.to_numpy(dtype=object)), index=chunk.index, dtype=object)
            out[f"{name}__error"] = _nulls(chunk.index)
        elif kind == "status_kepegawaian" and (taught := values.taught_spellings(kind)):
            # free text, but a deployment may teach its spellings ("THL" -> "Tenaga Harian Lepas")
            texts = [taught.get(values.code_key(u), u) for u in coded.uniques]
            out[name] = pd.Series(coded.spread(np.array(texts, dtype=object)), index=chunk.index, dtype=object)
            out[f"{name}__error"] = _nulls(chunk.index)
        elif parser is None:  # text, codes kept as text
            out[name] = raw
            out[f"{name}__error"] = _nulls(chunk.index)
        elif kind == "segment":
            allow_total = source == "workforce"
            segments = partial(values.parse_segments, allow_total=allow_total)
            out[name], out[f"{name}__error"] = _parsed(segments, coded, chunk.index)
        else:
            out[name], out[f"{name}__error"] = _parsed(parser, coded, chunk.index)
        if kind == "place_date" and "tempat_lahir" in specs and "tempat_lahir" not in chunk.columns:
            out["tempat_lahir"] = coded.spread([_place_only(u) for u in coded.uniques])
    if "opd" in specs and title_opd:  # the OPD the title block or sheet names (rosters, DPA budgets)
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
        reasons = reasons.where(out["nik"].notna(), None)
        if "nik__number" in chunk.columns:  # typed as a number: Excel kept 15 digits of 16
            reasons = reasons.where(~chunk["nik__number"].to_numpy(dtype=bool), "NIK_AS_NUMBER")
        out["nik__error"] = reasons
    for name, spec in specs.items():  # the other identifiers typed as numbers: judged by the loader
        if spec.kind == "identifier" and name != "nik" and f"{name}__number" in chunk.columns:
            out[f"{name}__number"] = chunk[f"{name}__number"].to_numpy(dtype=bool)
    out["_source_json"] = _source_json(chunk, originals)
    return out


def _place_only(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return values.parse_place_date(text)[0]
    except values.ValueParseError:
        return None


def _source_json(chunk: pd.DataFrame, originals: dict[str, Coded]) -> np.ndarray:
    """Each row's original texts as a JSON object (``{"kpj": "110…", "extra:KET": "…"}``).

    Each distinct text of a column is encoded once and spread to its rows; a row is then one
    ``join`` of its fragments, and only rows with extra columns take a second step. The text
    equals ``json.dumps(dict)`` of the row's fields in field order, then its extras.
    """
    n = len(chunk)
    columns = [
        coded.spread([f", {json.dumps(name)}: {json_string(u)}" for u in coded.uniques], missing="")
        for name, coded in originals.items()
        if len(coded.uniques)
    ]
    rows = ["".join(fragments) for fragments in zip(*columns, strict=True)] if columns else [""] * n
    if "_extras" in chunk.columns:
        extras = chunk["_extras"].to_numpy(dtype=object)
        for i in np.flatnonzero(pd.notna(extras)):
            extra = extras[i]
            if isinstance(extra, dict):
                rows[i] += "".join(
                    f", {json.dumps(f'extra:{k}')}: {json.dumps(v)}" for k, v in extra.items() if isinstance(v, str)
                )
    out = np.empty(n, dtype=object)
    out[:] = ["{" + text[2:] + "}" for text in rows]
    return out


def json_string(text: str) -> str:
    """``json.dumps(text)``, without its machinery for the usual plain ASCII text."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text)


def source_values(typed: pd.DataFrame, position: int) -> dict[str, str]:
    """The original texts of the row at ``position`` of a typed chunk (for reports)."""
    return json.loads(typed["_source_json"].iat[position])
