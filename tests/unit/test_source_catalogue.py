"""The source catalogue (fields.yaml) and the constants that derive from it."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from ucj import config
from ucj.ingest import fields, landing, load, overrides
from ucj.ingest.fields import DueRule
from ucj.ops import status


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.delenv(overrides.ENV_VAR, raising=False)
    overrides.clear_cache()
    yield
    overrides.clear_cache()


def test_every_source_has_every_key():
    raw = yaml.safe_load(fields.FIELDS_YAML.read_text(encoding="utf-8"))["sources"]
    assert tuple(raw) == fields.SOURCES == config.SOURCES
    for source, entry in raw.items():
        assert set(fields.CATALOGUE_KEYS) <= set(entry), source
        spec = fields.source_spec(source)
        assert spec.cadence in fields.CADENCES
        assert spec.unique_key and set(spec.unique_key) <= set(spec.fields)
        assert set(spec.key_fields) <= set(spec.fields)
        assert isinstance(spec.empty_file_allowed, bool)
        assert isinstance(spec.due, DueRule)


def test_derived_constants_equal_the_catalogue():
    catalogue = fields.catalogue()
    assert set(catalogue) == set(fields.SOURCES)
    yearly = frozenset(s for s, spec in catalogue.items() if spec.cadence == "yearly")
    assert landing.YEARLY_SOURCES == yearly == status.YEARLY_SOURCES
    assert load.EMPTY_IS_NEWS == frozenset(s for s, spec in catalogue.items() if spec.empty_file_allowed)
    assert load._KEYS == {s: spec.unique_key for s, spec in catalogue.items()}
    assert status.DUE_RULES == {s: spec.due for s, spec in catalogue.items()}


def test_the_catalogue_today():
    # What SOURCES.md and the loader said before the catalogue existed: a change here is a
    # change of the landing contract (README).
    assert landing.YEARLY_SOURCES == {"budgets", "workforce"}
    assert load.EMPTY_IS_NEWS == {"claims"}
    assert load._KEYS == {
        "rosters": ("nik",),
        "participants": ("kpj",),
        "claims": ("nomor_klaim",),
        "budgets": ("opd", "kode_rekening"),
        "workforce": ("segmen",),
    }


def test_cadence_is_the_landing_period_format(tmp_path):
    for source, spec in fields.catalogue().items():
        period = "2025" if spec.yearly else "2025-06"
        landed = landing.parse_landed(tmp_path, f"{source}/74.71/{period}/file.xlsx")
        assert landed.period == period
        wrong = "2025-06" if spec.yearly else "2025"
        with pytest.raises(landing.LandingPathError):
            landing.parse_landed(tmp_path, f"{source}/74.71/{wrong}/file.xlsx")


@pytest.mark.parametrize(
    ("rule", "period", "due"),
    [
        (DueRule(1, 20), "2025-06", date(2025, 7, 20)),
        (DueRule(1, 20), "2025-12", date(2026, 1, 20)),
        (DueRule(1, None), "2024", date(2024, 2, 29)),
        (DueRule(1, None), "2025", date(2025, 2, 28)),
        (DueRule(0, None), "2025-02", date(2025, 2, 28)),
        (DueRule(14, 1), "2025", date(2026, 3, 1)),
    ],
)
def test_due_rule(rule, period, due):
    assert rule.due_date(period) == due


@pytest.mark.parametrize(
    ("source", "today", "expected"),
    [
        ("rosters", date(2025, 7, 21), "2025-06"),
        ("rosters", date(2025, 7, 20), "2025-05"),
        ("claims", date(2025, 1, 21), "2024-12"),
        ("participants", date(2025, 1, 10), "2024-11"),
        ("budgets", date(2025, 2, 28), "2024"),
        ("budgets", date(2025, 3, 1), "2025"),
        ("workforce", date(2024, 2, 29), "2023"),
        ("workforce", date(2024, 3, 1), "2024"),
    ],
)
def test_late_sources_follow_the_due_rule(source, today, expected):
    assert status.expected_period(source, today) == expected
    assert status.due_date(source, expected) < today


def test_a_config_folder_changes_synonyms_not_the_catalogue(tmp_path, monkeypatch):
    (tmp_path / "headers.yaml").write_text('claims: {nominal: ["Nilai Santunan Dibayar"]}\n', encoding="utf-8")
    monkeypatch.setenv(overrides.ENV_VAR, str(tmp_path))
    merged, default = fields.catalogue(), fields.default_catalogue()
    for source in fields.SOURCES:
        for key in ("cadence", "unique_key", "empty_file_allowed", "due", "key_fields"):
            assert getattr(merged[source], key) == getattr(default[source], key)
    assert merged["claims"].by_key["nilaisantunandibayar"] == "nominal"
    assert "nilaisantunandibayar" not in default["claims"].by_key
