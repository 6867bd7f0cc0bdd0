"""Every defect the generator injects is caught, at its file and row, with the right reason.

``ucj generate --scale tiny --seed 7`` writes a landing folder and ``manifest.json`` listing
each injected defect. The whole folder is ingested with the real readers, GX and COPY; then:

* each row-level defect is in ``audit.rejected_rows`` at the same file and row, with a reason
  code that fits its kind (``EXPECTED_CODES``);
* ``wrong_period_folder`` files are quarantined with ``WRONG_PERIOD`` (their row defects are
  still recorded against the quarantined file);
* ``corrected_redelivery``: copying the corrected file over the first one and ingesting again
  supersedes the first version (``is_current`` moves, raw keeps both batches);
* ingesting the same folder again changes nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ucj.generate import generate
from ucj.ingest.landing import LandingPathError, discover, parse_landed
from ucj.ingest.load import ingest_file

pytestmark = pytest.mark.integration

SOURCES = ("rosters", "participants", "claims", "budgets", "workforce")

# The reason codes that correctly explain each row-level defect kind.
EXPECTED_CODES: dict[str, set[str]] = {
    "nik_excel_float": {"NIK_AS_NUMBER", "NIK_EXCEL_PRECISION"},
    "nik_invalid": {"NIK_BAD_DATE", "NIK_UNKNOWN_REGION"},
    "duplicate_row": {"DUPLICATE_KEY"},
    "missing_required": {"MISSING_REQUIRED"},
    "invalid_date": {"DATE_INVALID", "DATE_UNPARSEABLE"},
    "future_date": {"DATE_OUT_OF_RANGE"},
    "negative_wage": {"AMOUNT_OUT_OF_RANGE"},
    "absurd_wage": {"AMOUNT_OUT_OF_RANGE"},
    "unknown_segment": {"SEGMENT_UNKNOWN"},
}


def ingest_folder(landing: Path, conninfo: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in discover(landing):
        assert not isinstance(item, LandingPathError), item  # the generator follows the contract
        out[item.relative_path] = ingest_file(item, conninfo).as_dict()
    return out


def counts(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        out = {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("audit.files", "audit.rejected_rows", *(f"raw.{s}" for s in SOURCES))
        }
        out["current"] = conn.execute("select count(*) from audit.files where is_current").fetchone()[0]
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("tiny")
    manifest = generate(scale="tiny", seed=7, out=out)
    return out, json.loads(manifest.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ingested(tiny, module_warehouse, tmp_path_factory) -> tuple[Path, dict[str, dict[str, Any]], str]:
    """A copy of the landing folder (quarantine moves files out of it), ingested once."""
    generated, _ = tiny
    landing = tmp_path_factory.mktemp("manifest") / "landing"
    for source in SOURCES:
        if (generated / source).is_dir():
            shutil.copytree(generated / source, landing / source)
    return landing, ingest_folder(landing, module_warehouse.conninfo), module_warehouse.conninfo


def test_every_manifest_defect_is_caught_with_its_reason(ingested, tiny) -> None:
    landing, outcomes, conninfo = ingested
    _, manifest = tiny
    defects = manifest["defects"]
    assert {d["kind"] for d in defects} >= set(EXPECTED_CODES) - {"invalid_date"}  # the tiny set covers the kinds

    for path, outcome in outcomes.items():  # nothing lost: every file adds up
        assert outcome["rows_read"] == outcome["rows_loaded"] + outcome["rows_rejected"], path

    with psycopg.connect(conninfo) as conn:
        found: dict[tuple[str, int], set[str]] = {}
        for path, row, code in conn.execute(
            """select f.relative_path, r.source_row, r.reason_code from audit.rejected_rows r
               join audit.files f using (file_id) where r.severity = 'reject'"""
        ):
            found.setdefault((path, row), set()).add(code)

    missed = []
    for d in defects:
        if d["kind"] in EXPECTED_CODES:
            codes = found.get((d["file"], d["row"]), set())
            if not codes & EXPECTED_CODES[d["kind"]]:
                missed.append((d, sorted(codes)))
    assert not missed, missed

    wrong_period = [d for d in defects if d["kind"] == "wrong_period_folder"]
    assert wrong_period
    for d in wrong_period:
        outcome = outcomes[d["file"]]
        assert (outcome["status"], outcome["error_code"]) == ("quarantined", "WRONG_PERIOD"), outcome
        assert d["value"] in outcome["error_message"]  # names the period the content belongs to
        assert not (landing / d["file"]).exists() and Path(outcome["quarantine_path"]).is_file()

    # Only the defects explain the rejections: no file without a wrong-period defect is quarantined.
    quarantined = {p for p, o in outcomes.items() if o["status"] == "quarantined"}
    assert quarantined == {d["file"] for d in wrong_period}


def test_ingesting_the_same_folder_again_changes_nothing(ingested) -> None:
    landing, _, conninfo = ingested
    before = counts(conninfo)
    again = ingest_folder(landing, conninfo)
    assert {o["status"] for o in again.values()} == {"unchanged"}, again
    assert counts(conninfo) == before


def test_corrected_redelivery_supersedes_the_first_version(ingested, tiny) -> None:
    landing, _, conninfo = ingested
    generated, manifest = tiny
    redeliveries = [d for d in manifest["defects"] if d["kind"] == "corrected_redelivery"]
    assert redeliveries
    for d in redeliveries:
        first = parse_landed(landing, d["file"])
        with psycopg.connect(conninfo) as conn:
            old_id, old_rows = conn.execute(
                "select file_id, rows_loaded from audit.files where relative_path = %s and is_current", (d["file"],)
            ).fetchone()
        shutil.copyfile(generated / d["value"], landing / d["file"])  # the corrected file, same path
        outcome = ingest_file(first, conninfo).as_dict()
        assert outcome["status"] == "loaded" and outcome["superseded"] == [old_id], outcome
        with psycopg.connect(conninfo) as conn:
            versions = conn.execute(
                "select file_id, is_current, superseded_by from audit.files where relative_path = %s order by file_id",
                (d["file"],),
            ).fetchall()
            assert versions == [(old_id, False, outcome["file_id"]), (outcome["file_id"], True, None)]
            batches = dict(
                conn.execute(
                    f"select file_id, count(*) from raw.{first.source} where source_file = %s group by file_id",
                    (d["file"],),
                ).fetchall()
            )
            assert batches == {old_id: old_rows, outcome["file_id"]: outcome["rows_loaded"]}  # history kept
        again = ingest_file(first, conninfo).as_dict()  # the corrected file again: no change
        assert again["status"] == "unchanged" and again["file_id"] == outcome["file_id"]
