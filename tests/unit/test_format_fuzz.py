"""The format-fuzz corpus (issue 14 item 9): files written from a truth table in random layouts.

For each of rosters, participants, claims and budgets, Hypothesis draws a truth table and a
:class:`~ucj.generate.variations.Layout` (title block, header wordings in and outside
``fields.yaml``, column order, extra and empty columns, identifier / number / date / count
styles, footnotes, JUMLAH row, signature block, a workbook split over sheets with an
instructions sheet and a hidden helper sheet), writes the file and runs the dry-run check on it.

Asserted: the file's verdict is the expected one; every truth row is loaded exactly once with
the values of the truth, or (only the deliberately broken row) rejected with a reason code; no
other row is loaded or rejected; every data sheet is read and every other sheet skipped with a
reason; footnotes and signature lines are skipped rows.

The example count per source is fixed and the "ci" profile (tests/conftest.py) is
derandomised, so CI time is bounded and a failure reproduces. Layout choices that fail today
are listed in ``variations.KNOWN_FAILING``; they are kept out of the main corpus and pinned, each with
a minimal example, by ``test_known_failing_variation`` (``xfail(strict=True)``): when a reader
fix lands, that test turns XPASS → fails, and the entry is removed to let the corpus draw it.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ucj.generate import variations as v
from ucj.ingest.check import FileCheck, check_file
from ucj.ingest.fields import source_fields

NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
SHRINK = (*NO_SHRINK, Phase.shrink)
EXAMPLES = {"rosters": 40, "participants": 40, "claims": 40, "budgets": 40}


# --------------------------------------------------------------------------- the dry run


def dry_run(path: Path, source: str) -> FileCheck:
    return check_file(path, source=source, kode_wilayah=v.KODE_WILAYAH, period=v.PERIOD[source], keep_rows=True)


# --------------------------------------------------------------------------- strategies


@st.composite
def layouts(draw: st.DrawFn, source: str) -> v.Layout:
    """A layout of ``source``, each choice drawn (and shrunk) separately, known failures out."""

    def pick(name: str, options: Any) -> Any:
        return draw(st.sampled_from(list(options)), label=name)

    return v.without_known_failures(v.draw_layout(source, pick))


def truths(source: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.builds(
        lambda seed, n: v.truth_table(source, random.Random(seed), n),
        st.integers(0, 2**32 - 1),
        st.integers(4, 9),
    )


# --------------------------------------------------------------------------- expectations


def expected_value(source: str, name: str, value: Any, lay: v.Layout) -> Any:
    """What the loaded row must hold for field ``name``: the truth, typed as the reader types it."""
    if name in lay.omitted or name in lay.unlisted or value is None:
        return None
    if isinstance(value, int) and source_fields(source)[name].kind == "money":
        return Decimal(value)
    return value


def expected_verdict(source: str, lay: v.Layout) -> str | None:
    """None for "load", else the quarantine code this layout must get.

    A header row is one where at least two fields, one of them required, are recognised: with
    fewer the file has no header (NO_HEADER). A required field under a wording fields.yaml does
    not know is missing (MISSING_REQUIRED_COLUMN), unless it is the OPD and the title block, a
    sheet name (the OPD's short name) or the file name (rosters) says it.
    """
    specs = source_fields(source)
    mapped = [n for n in lay.headers if n not in lay.unlisted]
    if len(mapped) < 2 or not any(specs[n].required for n in mapped):
        return "NO_HEADER"
    opd_elsewhere = "{OPD}" in lay.title or lay.file_type == "xlsx" or source == "rosters"
    missing = [n for n in lay.unlisted if specs[n].required and not (specs[n].title_or_filename and opd_elsewhere)]
    return "MISSING_REQUIRED_COLUMN" if missing else None


def assert_outcome(source: str, truth: list[dict[str, Any]], lay: v.Layout, written: v.Written, fc: FileCheck) -> None:
    why = f"layout: {lay.describe()}"
    code = expected_verdict(source, lay)
    if code is not None:
        assert (fc.verdict, fc.code) == ("quarantine", code), f"{fc.code}: {fc.message} — {why}"
        return
    assert fc.verdict == "load", f"{fc.code}: {getattr(fc, 'message', '')} — {why}"
    # Sheets: every data sheet read, every other sheet skipped with a reason.
    status = {s.name: s for s in fc.sheets}
    for name in written.data_sheets:
        assert status[name].status == "read", f"data sheet {name!r} not read: {status[name].reason} — {why}"
    for name in written.skip_sheets:
        assert status[name].status == "skipped" and status[name].reason, f"sheet {name!r} not skipped — {why}"
    # Rows: each truth row loaded exactly once at its place, or (the broken one) rejected.
    bad = [p for p in written.placed if p.bad]
    assert fc.rows_read == len(truth), f"read {fc.rows_read} rows of {len(truth)} — {why}"
    assert fc.rows_loaded == len(truth) - len(bad), why
    loaded = fc.loaded
    at = {(s, int(r)): i for i, (s, r) in enumerate(zip(loaded["_sheet"], loaded["_source_row"], strict=True))}
    rejects = {(f.sheet, f.source_row) for f in fc.failures if f.severity == "reject"}
    for row, place in zip(truth, written.placed, strict=True):
        where = (place.sheet, place.row)
        if place.bad:
            assert where in rejects and where not in at, f"broken row {where} not rejected — {why}"
            reasons = {f.reason_code for f in fc.failures if (f.sheet, f.source_row) == where}
            assert all(reasons), why
            continue
        assert where not in rejects, f"row {where} rejected: {_reasons(fc, where)} — {why}"
        assert where in at, f"row {where} not loaded — {why}"
        got = loaded.iloc[at[where]]
        for key in v.KEY[source]:
            if key == "opd" and "opd" in lay.unlisted:
                continue
            assert got[key] == row[key], f"{key} of row {where}: {got[key]!r} != {row[key]!r} — {why}"
        for name in v.FIELDS[source]:
            want = expected_value(source, name, row[name], lay)
            if name == "opd" and "opd" in lay.unlisted:
                assert got["opd"], f"row {where}: no OPD from title, sheet or file name — {why}"
                continue
            if name in lay.unlisted and got[name] == row[name]:
                continue  # the reader learnt this wording: better than expected
            assert _same(got[name], want), f"{name} of row {where}: {got[name]!r} != {want!r} — {why}"
    # Footnotes and signature lines are skipped rows, never data.
    skipped_text = " | ".join(str(r.text) for r in fc.skipped_rows)
    for note in lay.footnotes:
        assert note in skipped_text, f"footnote {note!r} not among skipped rows — {why}"
    if lay.signature:
        for line in v.SIGNATURE:
            if line:
                assert line in skipped_text, f"signature line {line!r} not among skipped rows — {why}"


def _same(got: Any, want: Any) -> bool:
    if want is None:
        return got is None or (isinstance(got, float) and got != got) or got is pd.NaT
    if isinstance(want, dt.date):
        return isinstance(got, dt.date) and got == want
    return got == want


def _reasons(fc: FileCheck, where: tuple[str | None, int]) -> list[str]:
    return [f"{f.column}={f.value!r}: {f.reason_code}" for f in fc.failures if (f.sheet, f.source_row) == where]


def file_name(source: str, truth: list[dict[str, Any]]) -> str:
    """As offices name files: the OPD and the month for rosters, else a plain export name."""
    if source == "rosters":
        by_name = {o.name: o.singkatan for o in v.opds()[v.KODE_WILAYAH]}
        return f"{by_name[truth[0]['opd']]} JUNI 2025"
    return {"participants": "export_kepesertaan", "claims": "laporan klaim", "budgets": "DPA iuran"}[source]


def run_case(tmp: Path, source: str, truth: list[dict[str, Any]], lay: v.Layout, seed: int = 0) -> None:
    if "opd" in lay.unlisted:  # the OPD comes from the title, sheet or file name: one OPD per file
        truth = [row for row in truth if row["opd"] == truth[0]["opd"]]
    written = v.write_file(tmp / file_name(source, truth), source, truth, lay, random.Random(seed))
    try:
        assert_outcome(source, truth, lay, written, dry_run(written.path, source))
    finally:
        written.path.unlink()


# --------------------------------------------------------------------------- the corpus


def _fuzz(source: str):
    @settings(
        max_examples=EXAMPLES[source],
        deadline=None,
        # No shrinking in CI (each step writes and checks a file, ~1 s): the message names the
        # layout; `HYPOTHESIS_PROFILE=explore` shrinks to a minimal one.
        phases=SHRINK if os.environ.get("HYPOTHESIS_PROFILE") == "explore" else NO_SHRINK,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(truth=truths(source), lay=layouts(source))
    def test(tmp_path: Path, truth: list[dict[str, Any]], lay: v.Layout) -> None:
        run_case(tmp_path, source, truth, lay)

    test.__name__ = f"test_fuzz_{source}"
    return test


test_fuzz_rosters = _fuzz("rosters")
test_fuzz_participants = _fuzz("participants")
test_fuzz_claims = _fuzz("claims")
test_fuzz_budgets = _fuzz("budgets")


# --------------------------------------------------------------------------- fixed cases


def plain_layout(source: str, **changes: Any) -> v.Layout:
    """The readers' own dialect: listed wordings, field order, numbers, Excel dates."""
    lay = v.Layout(
        source,
        headers={n: v.listed_wordings(source, n)[0] for n in v.FIELDS[source]},
        order=list(v.FIELDS[source]),
    )
    for name, value in changes.items():
        setattr(lay, name, value)
    return lay


@pytest.mark.parametrize("source", v.SOURCES)
def test_plain_layout_loads(tmp_path: Path, source: str) -> None:
    run_case(tmp_path, source, v.truth_table(source, random.Random(7), 6), plain_layout(source))


@pytest.mark.parametrize("source", v.SOURCES)
def test_unlisted_required_header_quarantines(tmp_path: Path, source: str) -> None:
    """A required field under a wording fields.yaml does not know: MISSING_REQUIRED_COLUMN."""
    required = next(
        n
        for n, spec in source_fields(source).items()
        if spec.required and not spec.title_or_filename and v.unlisted_wordings(source, n)
    )
    lay = plain_layout(source)
    lay.headers[required] = v.unlisted_wordings(source, required)[0]
    lay.unlisted.add(required)
    truth = v.truth_table(source, random.Random(3), 5)
    written = v.write_file(tmp_path / file_name(source, truth), source, truth, lay, random.Random(0))
    fc = dry_run(written.path, source)
    assert (fc.verdict, fc.code) == ("quarantine", "MISSING_REQUIRED_COLUMN")


def test_layouts_are_varied() -> None:
    """The generator's draw covers every style (a guard against a choice that never fires)."""
    rng = random.Random(1)
    drawn = [v.random_layout(s, rng) for s in v.SOURCES for _ in range(60)]
    assert {lay.id_style for lay in drawn} == set(v.ID_STYLES)
    assert {lay.money_style for lay in drawn} == set(v.MONEY_STYLES)
    assert {lay.date_style for lay in drawn} == set(v.DATE_STYLES)
    assert {lay.sheets for lay in drawn} == {1, 2, 3}
    assert any(lay.unlisted for lay in drawn) and any(lay.signature for lay in drawn)


@pytest.mark.parametrize(
    ("source", "failing"),
    [
        pytest.param(source, f, id=f"{f.name}-{source}", marks=pytest.mark.xfail(strict=True, reason=f.why))
        for f in v.KNOWN_FAILING
        for source in f.sources
    ],
)
def test_known_failing_variation(tmp_path: Path, source: str, failing: v.Failing) -> None:
    """The smallest layout showing each variation that fails today (XPASS = fixed: drop the entry)."""
    minimal = dict(failing.minimal)
    if minimal.get("order") == "amounts_first":
        minimal["order"] = sorted(v.FIELDS[source], key=lambda name: name not in v.SUMMED)
    run_case(tmp_path, source, v.truth_table(source, random.Random(11), 4), plain_layout(source, **minimal))
