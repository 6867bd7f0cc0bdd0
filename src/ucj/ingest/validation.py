"""Great Expectations: run a source's checkpoint over a typed chunk, turn failures into row verdicts.

The suites live in ``expectations/gx`` (the committed File Data Context, one suite and one
checkpoint per source). Each expectation's ``meta`` says what a failure means:
``severity`` ``reject`` (the row is not loaded) or ``warn`` (loaded, reported: DOMAIN.md's
unverified rules), ``reason_code`` (``FROM_COLUMN`` takes the code from the
``<field>__error`` column, which holds the parser's precise reason), and the messages in
English and Bahasa Indonesia. GX is imported lazily: it costs seconds to import.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ucj.config import apply_environment, settings
from ucj.ingest.canonical import source_values
from ucj.ingest.reasons import explain

_context_lock = threading.Lock()
GX_ENVIRONMENT = {"GX_ANALYTICS_ENABLED": "false"}  # no telemetry (also in airflow_env.environment)
DATA_DOCS_SITE_DIR = "data_docs/local_site"  # relative to GX's uncommitted folder (great_expectations.yml)
RUN_NAME_SEPARATOR = "__"  # stands for "/" of a landing path in a GX run name


@dataclass(frozen=True)
class RowFailure:
    source_row: int
    column: str | None
    value: str | None
    rule: str
    reason_code: str
    severity: str  # "reject" | "warn"
    message_en: str
    message_id: str
    sheet: str | None = None  # the sheet of a workbook the row is on (None for a CSV)


@dataclass
class SuiteSummary:
    """What one suite said over all chunks of a file (summed)."""

    suite: str
    rows_validated: int = 0
    expectations: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # rule -> unexpected count

    @property
    def success(self) -> bool:
        return not self.failed

    def as_json(self) -> dict[str, Any]:
        return {"suite": self.suite, "rows": self.rows_validated, "failed": self.failed}


@cache
def _context() -> Any:
    apply_environment(GX_ENVIRONMENT)  # GX reads it at import
    import great_expectations as gx

    cfg = settings()
    # great_expectations.yml puts its results and Data Docs under ${UCJ_GX_UNCOMMITTED_DIR}
    uncommitted = {"UCJ_GX_UNCOMMITTED_DIR": str(cfg.gx_uncommitted_dir)}
    return gx.get_context(mode="file", project_root_dir=str(cfg.expectations_dir), runtime_environment=uncommitted)


def data_docs_dir() -> Path:
    """Where :func:`build_data_docs` writes the GX Data Docs site (git ignores it)."""
    return settings().gx_uncommitted_dir / DATA_DOCS_SITE_DIR


def build_data_docs(keep_results_per_suite: int | None = 25) -> Path:
    """Render the Data Docs site (suites and recent validation results); returns its ``index.html``.

    The site is ``<uncommitted>/data_docs/local_site/`` (``settings().gx_uncommitted_dir``, default
    ``expectations/gx/uncommitted``). Every chunk a checkpoint
    validates leaves one result in ``uncommitted/validations/``; only the newest
    ``keep_results_per_suite`` per suite are kept (None keeps all), so that building stays fast
    as runs pile up. The audit trail of every validation run is ``audit.validation_runs``.
    Each run is named after its file's landing path (:func:`gx_run_name`), each result page names
    its data asset (:func:`_name_data_assets`), and the pages load their CSS and JavaScript from the
    site itself (``ucj.ingest.data_docs_offline``), so the site works without internet.
    """
    from ucj.ingest.data_docs_offline import localize

    results = settings().gx_uncommitted_dir / "validations"
    with _context_lock:
        if keep_results_per_suite is not None:
            _prune_results(results, keep_results_per_suite)
        _name_data_assets(results)
        _context().build_data_docs(site_names=["local_site"])
        localize(data_docs_dir())
    return data_docs_dir() / "index.html"


def _name_data_assets(folder: Path) -> None:
    """Give each stored result the data asset it validated, where GX's result page looks for it.

    GX 1.24.1 records a dataframe asset's name in ``meta.active_batch_definition`` (the index
    reads it there) while the result page reads ``meta.batch_spec.data_asset_name`` only, and so
    says ``Data asset: None``. The name (the source: ``participants``, …) is copied over once.
    """
    import json

    if not folder.is_dir():
        return
    for path in folder.rglob("*.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        meta = result.get("meta") or {}
        spec = meta.get("batch_spec")
        asset = (meta.get("active_batch_definition") or {}).get("data_asset_name")
        if isinstance(spec, dict) and asset and not spec.get("data_asset_name"):
            spec["data_asset_name"] = asset
            path.write_text(json.dumps(result, indent=2), encoding="utf-8")


def _prune_results(folder: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` result files per suite (GX stores them as
    ``<suite>/<run name>/<run time>/<batch>.json``; run times sort as text, whatever the run's name)."""
    if not folder.is_dir():
        return
    for suite in folder.iterdir():
        if not suite.is_dir():
            continue
        results = sorted(suite.rglob("*.json"), key=lambda p: p.relative_to(suite).parts[-2:], reverse=True)
        for old in results[keep:]:
            old.unlink(missing_ok=True)
            for parent in old.parents:
                if parent == suite or any(parent.iterdir()):
                    break
                parent.rmdir()


def checkpoint(source: str) -> Any:
    with _context_lock:
        return _context().checkpoints.get(source)


def validate_chunk(
    typed: pd.DataFrame, source: str, period_end: date, summary: SuiteSummary, run_name: str | None = None
) -> list[RowFailure]:
    """Run the source's checkpoint over one typed chunk; return one failure per (row, rule).

    ``run_name`` (the file's path under the landing folder) names the GX run, so each result in
    the Data Docs says which file, region and period it is about (see :func:`gx_run_name`).
    """
    from great_expectations.core.run_identifier import RunIdentifier

    frame = _gx_frame(typed, source)
    run_id = RunIdentifier(run_name=gx_run_name(run_name or source), run_time=datetime.now(UTC))
    result = checkpoint(source).run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=date_parameters(period_end),
        run_id=run_id,
    )
    failures: list[RowFailure] = []
    summary.rows_validated += len(frame)
    for validation in result.run_results.values():
        summary.expectations = len(validation.results)
        for res in validation.results:
            if res.success:
                continue
            config = res.expectation_config
            error = _raised(res.exception_info)
            if error:
                raise RuntimeError(f"expectation {_rule_name(config)} of suite {source} could not run: {error}")
            rule = _rule_name(config)
            failures.extend(_row_failures(res, config, rule, typed))
            summary.failed[rule] = summary.failed.get(rule, 0) + int(res.result.get("unexpected_count") or 0)
    return failures


def gx_run_name(relative_path: str) -> str:
    """A landing path as a GX run name: GX's file store forbids ``/`` and ``\\`` in its keys (the
    run name is a folder of ``uncommitted/validations``), so each becomes ``__``:
    ``participants/74.71/2025-06/peserta.csv`` -> ``participants__74.71__2025-06__peserta.csv``."""
    return relative_path.replace("\\", "/").strip("/").replace("/", RUN_NAME_SEPARATOR)


def date_parameters(period_end: date) -> dict[str, str]:
    """Date bounds for a file of a period: births up to its end, other dates up to 3 months after."""
    return {
        "min_date": "1900-01-01T00:00:00",
        "max_birth_date": f"{period_end.isoformat()}T23:59:59",
        "max_date": f"{(period_end + timedelta(days=92)).isoformat()}T23:59:59",
    }


def _gx_frame(typed: pd.DataFrame, source: str) -> pd.DataFrame:
    """The chunk as GX should see it: only the columns the suite names, in cheap types.

        GX filters the whole frame once per expectation, so every column and every Python object
        costs 26 times. Dates become datetime64[ns] and amounts floats (compared in one vectorised
        step); ``<field>__error`` columns (a few reason codes) become categoricals and
        ``<field>__raw`` columns (was any text there?) nullable booleans: GX asks only whether they
        are null. Identifiers become categoricals too: the regex and uniqueness rules see the same
    texts, and the filtering copies integer codes instead of string objects. The reason code and the original
        text of a failed row are read from ``typed``, not from this frame.
    """
    wanted = ["_source_row", *(c for c in suite_columns(source) if c in typed.columns)]
    frame = pd.DataFrame(index=typed.index)
    for column in wanted:
        values = typed[column]
        if column.endswith("__raw"):
            present = values.notna().to_numpy()
            frame[column] = pd.arrays.BooleanArray(np.ones(len(values), dtype=bool), ~present)
        elif column.endswith("__error"):
            frame[column] = pd.Categorical(values)
        elif values.dtype == object:
            frame[column] = _comparable(values)
        else:
            frame[column] = values
    return frame


def _comparable(values: pd.Series) -> pd.Series:
    """Dates as datetime64[ns], amounts as floats, texts as (unsorted) categoricals, each
    distinct value converted once."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    if not len(uniques):
        return values
    first = uniques[0]
    if isinstance(first, date):
        converted = _datetime_ns(pd.to_datetime(pd.Series(uniques), errors="coerce")).to_numpy()
        out = np.append(converted, np.datetime64("NaT", "ns"))[codes]
    elif not isinstance(first, str) and hasattr(first, "as_integer_ratio"):
        out = np.append(pd.to_numeric(pd.Series(uniques), errors="coerce").to_numpy(dtype=float), np.nan)[codes]
    elif isinstance(first, str):
        return pd.Series(
            pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object)), index=values.index
        )
    else:
        return values
    return pd.Series(out, index=values.index)


@cache
def suite_columns(source: str) -> tuple[str, ...]:
    """Every column the source's suite names (from the committed suite JSON)."""
    import json

    suite = settings().expectations_dir / "gx" / "expectations" / f"{source}.json"
    names: list[str] = []
    for expectation in json.loads(suite.read_text(encoding="utf-8"))["expectations"]:
        kwargs = expectation["kwargs"]
        for key in ("column", "column_A", "column_B"):
            if isinstance(kwargs.get(key), str):
                names.append(kwargs[key])
        names.extend(kwargs.get("column_list") or [])
    return tuple(dict.fromkeys(names))


# the dates GX can compare as datetime64[ns]; every bound in the suites lies well inside
_NS_FIRST_DAY, _NS_LAST_DAY = pd.Timestamp.min.ceil("D"), pd.Timestamp.max.floor("D")


def _datetime_ns(values: pd.Series) -> pd.Series:
    """Dates as datetime64[ns]: GX compares such a column in one vectorized step, any other
    resolution value by value in Python (pandas 3 parses dates to datetime64[s]; that path
    cost ~10 % of a participation file's ingest). Dates outside the ns range (year 1 … 1677,
    2262 …) are clipped to its ends, which keeps them outside every bound the suites use.
    """
    return values.clip(lower=_NS_FIRST_DAY, upper=_NS_LAST_DAY).astype("datetime64[ns]")


def _raised(exception_info: Any) -> str | None:
    """The message of an exception GX caught while computing a metric (it may be nested per metric)."""
    if not isinstance(exception_info, dict):
        return None
    if exception_info.get("raised_exception"):
        return str(exception_info.get("exception_message"))
    for value in exception_info.values():
        message = _raised(value)
        if message:
            return message
    return None


def _rule_name(config: Any) -> str:
    kwargs = config.kwargs
    target = kwargs.get("column") or "+".join(kwargs.get("column_list") or []) or "table"
    return f"{config.type}({target})"


def _row_failures(res: Any, config: Any, rule: str, typed: pd.DataFrame) -> list[RowFailure]:
    meta = config.meta or {}
    severity = meta.get("severity", "reject")
    column = config.kwargs.get("column")
    rule_column = meta.get("rule_column") or column
    rows = _unexpected_rows(res.result.get("unexpected_index_list") or [])
    if config.type in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        rows = _later_duplicates(typed, config.kwargs.get("column_list") or [column], set(rows))
    positions = pd.Index(typed["_source_row"]).get_indexer(rows)
    code = meta.get("reason_code", "RULE_FAILED")
    codes = typed[column].to_numpy(dtype=object) if code == "FROM_COLUMN" else None
    failures = []
    for row, at in zip(rows, positions, strict=True):
        row_code, message_id, message_en = code, meta.get("message_id", ""), meta.get("message_en", "")
        if codes is not None:  # the parser's precise code, and its explanation
            row_code = str(codes[at])
            message_id, message_en = explain(row_code, message_id, message_en)
        original = source_values(typed, at).get(rule_column) if rule_column else None
        failures.append(
            RowFailure(
                source_row=row,
                column=rule_column,
                value=original,
                rule=rule,
                reason_code=row_code,
                severity=severity,
                message_en=message_en,
                message_id=message_id,
            )
        )
    return failures


def _unexpected_rows(indexes: list[dict[str, Any]]) -> list[int]:
    """The source rows GX found: one ``{"_source_row": [n, ...]}`` with ``exclude_unexpected_values``
    (the checkpoints' setting: no cell value, e.g. a NIK, in results or Data Docs), otherwise one
    ``{"_source_row": n, <column>: value}`` per row."""
    rows: list[int] = []
    for item in indexes:
        value = item["_source_row"]
        if isinstance(value, list):
            rows.extend(int(v) for v in value)
        else:
            rows.append(int(value))
    return rows


def _later_duplicates(typed: pd.DataFrame, columns: list[str], flagged: set[int]) -> list[int]:
    """Of the rows GX flags as sharing a key, all but the first occurrence of each key."""
    subset = typed[typed["_source_row"].isin(flagged)]
    duplicated = subset.duplicated(subset=columns, keep="first")
    return subset.loc[duplicated, "_source_row"].astype(int).tolist()
