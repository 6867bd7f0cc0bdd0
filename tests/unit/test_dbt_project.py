"""The dbt project's contract with BI, checked on the parsed manifest (no database needed).

Every mart has an enforced contract and a description for itself and every column; marts
carry no NIK or KPJ; person-level lists live in `restricted`; the business rules have unit
tests; the dashboards are declared as exposures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "dbt_project"
MARTS_OF_THE_CONTRACT = {
    "fct_coverage_monthly",
    "fct_opd_enrollment_monthly",
    "fct_claims",
    "fct_claims_monthly",
    "fct_budget_yearly",
    "dim_region",
    "dim_opd",
}
PERSONAL = {"nik", "kpj", "no_kpj", "nama", "worker_name", "participant_name"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    return parse(tmp_path_factory.mktemp("dbt-parse"))


def parse(target: Path, *extra: str) -> dict:
    """The manifest of ``dbt parse`` (with ``extra`` arguments such as ``--vars``)."""
    from dbt.cli.main import dbtRunner

    saved = {k: os.environ.get(k) for k in ("UCJ_PGHOST", "UCJ_PGUSER", "UCJ_PGDATABASE", "DBT_PROJECT_DIR")}
    for key in ("UCJ_PGHOST", "UCJ_PGUSER", "UCJ_PGDATABASE"):
        os.environ.setdefault(key, "unset")  # parse reads the profile, never connects
    os.environ.pop("DBT_PROJECT_DIR", None)
    try:
        args = ["parse", "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT), "--target-path", str(target)]
        args += list(extra)
        result = dbtRunner().invoke([*args, "--quiet"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert result.success, result.exception
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def models(manifest: dict, schema: str) -> dict[str, dict]:
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("schema") == schema
    }


def test_the_marts_of_marts_md_exist(manifest: dict) -> None:
    assert MARTS_OF_THE_CONTRACT <= set(models(manifest, "marts"))


@pytest.mark.parametrize("schema", ["marts", "restricted"])
def test_every_mart_has_an_enforced_contract_and_described_columns(manifest: dict, schema: str) -> None:
    for name, node in models(manifest, schema).items():
        assert node["config"]["contract"]["enforced"], name
        assert node["description"].strip(), name
        assert node["columns"], name
        for column, spec in node["columns"].items():
            assert spec["description"].strip(), f"{name}.{column}"
            assert spec["data_type"], f"{name}.{column}"


def test_marts_hold_no_personal_identifiers(manifest: dict) -> None:
    for name, node in models(manifest, "marts").items():
        assert not set(node["columns"]) & PERSONAL, name


def test_person_level_lists_are_restricted(manifest: dict) -> None:
    restricted = models(manifest, "restricted")
    assert {"workers_not_enrolled", "lapsed_participants"} <= set(restricted)
    assert "nik" in restricted["workers_not_enrolled"]["columns"]


def test_every_mart_has_a_primary_key_test(manifest: dict) -> None:
    tested: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        name = node.get("test_metadata", {}).get("name")
        if name in ("unique", "unique_combination"):
            for parent in node["depends_on"]["nodes"]:
                tested.setdefault(parent.split(".")[-1], set()).add(name)
    for mart in models(manifest, "marts"):
        assert tested.get(mart), f"{mart} has no primary-key test"


def test_business_rules_have_unit_tests(manifest: dict) -> None:
    unit = {u["model"] for u in manifest.get("unit_tests", {}).values()}
    assert {"fct_coverage_monthly", "int_contributions_expected", "int_claims_amounts_checked"} <= unit


def test_large_facts_are_incremental_with_the_lookback(manifest: dict) -> None:
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in ("int_participation_monthly", "fct_coverage_monthly", "fct_opd_enrollment_monthly"):
        assert nodes[name]["config"]["materialized"] == "incremental", name
        assert "incremental_months_filter" in nodes[name]["raw_code"], name
    assert manifest["metadata"]["project_name"] == "ucj_warehouse"
    assert any(n["resource_type"] == "snapshot" for n in manifest["nodes"].values())


def test_dashboards_are_exposures_of_the_marts(manifest: dict) -> None:
    exposures = manifest["exposures"].values()
    assert len(exposures) >= 3
    used = {parent.split(".")[-1] for e in exposures for parent in e["depends_on"]["nodes"]}
    assert {"fct_coverage_monthly", "fct_opd_enrollment_monthly", "fct_budget_yearly", "fct_claims"} <= used


def test_one_pseudonym_macro(manifest: dict) -> None:
    macros = [m for m in manifest["macros"].values() if m["name"] == "participant_key"]
    assert len(macros) == 1
    # the keyed HMAC is computed by the database (migration V020): no key in dbt's SQL
    assert "private.participant_key(" in macros[0]["macro_sql"]
    assert "env_var" not in macros[0]["macro_sql"]


def test_incremental_models_with_an_opd_code_follow_the_opd_attribution(manifest: dict) -> None:
    """An alias added to the config folder must move old months' rows too (issue 15): every
    incremental model that stores an OPD code rebuilds all months when the attribution changed."""
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    incremental = {name: n for name, n in nodes.items() if n["config"]["materialized"] == "incremental"}
    with_opd = {
        name
        for name, n in incremental.items()
        if {"opd_code", "billed_opd_code", "lapsed_billed_to_opd"} & set(n["columns"])
        or "billed_opd_code" in n["raw_code"]
        or "opd_code" in n["raw_code"]
    }
    assert {"int_participation_monthly", "fct_opd_enrollment_monthly", "lapsed_participants"} <= with_opd
    for name in with_opd:
        assert nodes[name]["config"]["meta"].get("opd_attribution") is True, name
        assert "model.ucj_warehouse.int_opd_attribution_fingerprint" in nodes[name]["depends_on"]["nodes"], name


def test_one_incremental_idiom(manifest: dict) -> None:
    """Issue 19: every incremental model is a monthly-window fact configured once, by folder, in
    dbt_project.yml (macros/incremental_months.sql); the model names only its window source. The
    two summaries of the participation lines kept by file (issue 17) are the one other idiom."""
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    incremental = {name: n for name, n in nodes.items() if n["config"]["materialized"] == "incremental"}
    by_file = {name for name, n in incremental.items() if "/by_file/" in n["original_file_path"]}
    assert by_file == {"int_participant_files", "int_participant_keys"}  # issue 17: the lines kept by file
    monthly = {name: n for name, n in incremental.items() if name not in by_file}
    assert len(monthly) >= 8
    for name, node in monthly.items():
        config = node["config"]
        assert "/monthly/" in node["original_file_path"], name
        assert config["incremental_strategy"] == "monthly_window", name
        month = config["meta"].get("window_month_column", "period_month")
        grain = ["kode_wilayah", "period_month"] if month == "period_month" else ["kode_wilayah", "participant_key"]
        assert config["unique_key"] == grain, name
        assert config["on_schema_change"] == "append_new_columns", name
        hooks = [h["sql"] for h in config["pre-hook"] + config["post-hook"]]
        assert "{{ monthly_window_pre_hook() }}" in hooks and "{{ monthly_window_post_hook() }}" in hooks, name
        source = config["meta"]["window_source"]
        assert f"model.ucj_warehouse.{source}" in node["depends_on"]["nodes"], name
        assert "materialized=" not in node["raw_code"] and "_hook=" not in node["raw_code"], name


def test_opd_marts_flag_unconfirmed_opds(manifest: dict) -> None:
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in ("dim_opd", "fct_opd_enrollment_monthly", "fct_budget_yearly"):
        column = nodes[name]["columns"].get("is_confirmed")
        assert column and column["data_type"] == "boolean" and column["description"], name
    assert "model.ucj_warehouse.int_opds" in nodes["dim_opd"]["depends_on"]["nodes"]


FULL_CHECKS = {"assert_coverage_matches_raw_participants"}


def test_whole_history_reconciliations_run_weekly_not_nightly(manifest: dict, tmp_path) -> None:
    """The nightly build (default vars) has no full_checks test; the weekly run's vars enable them
    (the DAG ucj_full_checks runs them: tests/integration/test_marts_published.py). Issue 17."""
    nightly = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    assert not nightly & FULL_CHECKS
    weekly = parse(tmp_path, "--vars", "{full_checks: true}")
    tagged = {
        n["name"] for n in weekly["nodes"].values() if n["resource_type"] == "test" and "full_checks" in n["tags"]
    }
    assert tagged == FULL_CHECKS


NEW_FILES = "__new_files__(participants, intermediate.int_participant_files)"


def test_staging_participant_row_tests_read_the_new_files(manifest: dict) -> None:
    """The row tests of stg_ucj__participants read the lines of the files the ledger
    int_participant_files (built incrementally by file, after them) does not hold yet."""
    staging = ["model.ucj_warehouse.stg_ucj__participants"]
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    tests = [n for n in tests if n["depends_on"]["nodes"] == staging]
    assert len(tests) >= 5
    for test in tests:
        assert test["config"]["where"] == NEW_FILES, test["name"]
    ledger = manifest["nodes"]["model.ucj_warehouse.int_participant_files"]
    assert ledger["config"]["materialized"] == "incremental"
    assert (
        "model.ucj_warehouse.int_participant_files"
        in manifest["parent_map"]["model.ucj_warehouse.int_participation_monthly"]
    )
