"""Validation helpers that need neither GX nor a database (ucj.ingest.validation, reasons, suites)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ucj.config import PROJECT_ROOT
from ucj.ingest.fields import source_fields
from ucj.ingest.reasons import ROW_REASONS, explain
from ucj.ingest.validation import DATA_DOCS_SITE_DIR, _prune_results, data_docs_dir, date_parameters, gx_run_name
from ucj.ingest.values import PARSERS_BY_KIND

SUITES = PROJECT_ROOT / "expectations" / "gx" / "expectations"
SOURCES = ("rosters", "participants", "claims", "budgets", "workforce")


def _suite(source: str) -> dict:
    return json.loads((SUITES / f"{source}.json").read_text(encoding="utf-8"))


def test_date_parameters() -> None:
    params = date_parameters(date(2025, 6, 30))
    assert params["max_birth_date"].startswith("2025-06-30") and params["max_date"].startswith("2025-09-30")


def test_explain_gives_both_languages_or_the_default() -> None:
    indonesian, english = explain("NIK_AS_NUMBER")
    assert "angka" in indonesian and "number" in english
    assert explain("SOMETHING_NEW", "x", "y") == ("x", "y")
    assert all(i and e for i, e in ROW_REASONS.values())


@pytest.mark.parametrize("source", SOURCES)
def test_every_suite_rule_has_severity_reason_and_both_messages(source: str) -> None:
    for expectation in _suite(source)["expectations"]:
        meta = expectation["meta"]
        assert meta["severity"] in ("reject", "warn"), expectation
        assert meta["reason_code"] and meta["message_en"] and meta["message_id"], expectation


@pytest.mark.parametrize("source", SOURCES)
def test_every_parsed_field_has_its_error_rule(source: str) -> None:
    """A field whose parser can fail must have the FROM_COLUMN rule that turns the failure into a rejection."""
    columns = {
        e["kwargs"].get("column") for e in _suite(source)["expectations"] if e["meta"]["reason_code"] == "FROM_COLUMN"
    }
    parsed = {name for name, spec in source_fields(source).items() if spec.kind in PARSERS_BY_KIND}
    assert {f"{name}__error" for name in parsed} <= columns


def test_only_unverified_rules_warn() -> None:
    warns = {
        e["meta"]["reason_code"] for s in SOURCES for e in _suite(s)["expectations"] if e["meta"]["severity"] == "warn"
    }
    assert warns == {"KPJ_FORMAT", "NPP_FORMAT"}  # DOMAIN.md §5: KPJ and NPP lengths are [U]


def test_data_docs_folder_is_the_uncommitted_local_site() -> None:
    assert data_docs_dir() == PROJECT_ROOT / "expectations" / "gx" / "uncommitted" / DATA_DOCS_SITE_DIR
    config = (PROJECT_ROOT / "expectations" / "gx" / "great_expectations.yml").read_text(encoding="utf-8")
    assert f"base_directory: ${{UCJ_GX_UNCOMMITTED_DIR}}/{DATA_DOCS_SITE_DIR}/" in config


def test_prune_results_keeps_the_newest_per_suite(tmp_path: Path) -> None:
    for suite in ("rosters", "claims"):
        for stamp in ("20250101T000000Z", "20250102T000000Z", "20250103T000000Z"):
            path = tmp_path / suite / "__none__" / stamp / f"ucj_landing-{suite}.json"
            path.parent.mkdir(parents=True)
            path.write_text("{}")
    _prune_results(tmp_path, keep=2)
    for suite in ("rosters", "claims"):
        left = sorted(p.parent.name for p in (tmp_path / suite).rglob("*.json"))
        assert left == ["20250102T000000Z", "20250103T000000Z"]
        assert not (tmp_path / suite / "__none__" / "20250101T000000Z").exists()  # empty folders go too


def test_prune_results_keeps_the_newest_whatever_the_run_name(tmp_path: Path) -> None:
    runs = {"20250103T000000Z": "a.csv", "20250101T000000Z": "z.csv", "20250102T000000Z": "m.csv"}
    for stamp, name in runs.items():
        path = tmp_path / "claims" / gx_run_name(f"claims/74.71/2025-06/{name}") / stamp / "ucj_landing-claims.json"
        path.parent.mkdir(parents=True)
        path.write_text("{}")
    _prune_results(tmp_path, keep=2)
    left = sorted(p.relative_to(tmp_path / "claims").parts[0] for p in tmp_path.rglob("*.json"))
    assert left == ["claims__74.71__2025-06__a.csv", "claims__74.71__2025-06__m.csv"]


def test_gx_run_name_is_the_landing_path_without_slashes() -> None:
    name = gx_run_name("participants/74.71/2025-06/peserta juni.xlsx")
    assert name == "participants__74.71__2025-06__peserta juni.xlsx"
    assert "/" not in gx_run_name("a\\b/c") and "\\" not in gx_run_name("a\\b/c")
