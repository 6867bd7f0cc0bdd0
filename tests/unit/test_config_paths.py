"""Where the project's folders are found: UCJ_PROJECT_DIR, the source checkout, the wheel's copy."""

from __future__ import annotations

from pathlib import Path

from ucj.config import PACKAGE_DIR, PROJECT_ROOT, SHIPPED_PROJECT_DIR, settings, source_checkout


def test_a_checkout_is_found_from_the_package(monkeypatch):
    monkeypatch.delenv("UCJ_PROJECT_DIR", raising=False)
    root = source_checkout()
    assert root is not None and PACKAGE_DIR == root / "src" / "ucj" and PROJECT_ROOT == root
    cfg = settings()
    assert cfg.project_root == root
    assert (cfg.dbt_project_dir / "dbt_project.yml").is_file()
    assert (cfg.expectations_dir / "gx" / "great_expectations.yml").is_file()


def test_ucj_project_dir_moves_every_project_folder(monkeypatch, tmp_path):
    for name in ("UCJ_STATE_DIR", "UCJ_LANDING_DIR", "UCJ_QUARANTINE_DIR", "UCJ_DBT_TARGET_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UCJ_PROJECT_DIR", str(tmp_path))
    cfg = settings()
    assert cfg.project_root == tmp_path
    assert (cfg.dbt_project_dir, cfg.expectations_dir) == (tmp_path / "dbt_project", tmp_path / "expectations")
    assert cfg.state_dir == tmp_path / ".ucj" and cfg.landing_dir == tmp_path / "data" / "landing"
    assert cfg.dbt_target_dir == tmp_path / "dbt_project" / "target"


def test_with_the_wheels_copy_nothing_defaults_into_the_package(monkeypatch, tmp_path):
    for name in ("UCJ_STATE_DIR", "UCJ_LANDING_DIR", "UCJ_QUARANTINE_DIR", "UCJ_DBT_TARGET_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UCJ_PROJECT_DIR", str(SHIPPED_PROJECT_DIR))
    monkeypatch.chdir(tmp_path)
    cfg = settings()
    assert cfg.dbt_project_dir == PACKAGE_DIR / "_project" / "dbt_project"
    assert cfg.state_dir == tmp_path / ".ucj"
    assert (cfg.landing_dir, cfg.quarantine_dir) == (tmp_path / "data" / "landing", tmp_path / "data" / "quarantine")
    assert cfg.dbt_target_dir == tmp_path / ".ucj" / "dbt-target"


def test_ucj_gx_uncommitted_dir_moves_gx_s_results_and_data_docs(monkeypatch, tmp_path):
    """A read-only install points GX's writes elsewhere; the real GX context follows the setting."""
    from ucj.ingest import validation

    monkeypatch.delenv("UCJ_GX_UNCOMMITTED_DIR", raising=False)
    assert settings().gx_uncommitted_dir == settings().expectations_dir / "gx" / "uncommitted"
    monkeypatch.setenv("UCJ_GX_UNCOMMITTED_DIR", str(tmp_path / "gx"))
    validation._context.cache_clear()
    try:
        index = validation.build_data_docs()
        context = validation._context()
        results = context.stores[context.validation_results_store_name].store_backend.full_base_directory
    finally:
        validation._context.cache_clear()
    assert index == tmp_path / "gx" / "data_docs" / "local_site" / "index.html" and index.is_file()
    assert (tmp_path / "gx" / "data_docs" / "local_site" / "expectations" / "rosters.html").is_file()
    assert Path(results) == tmp_path / "gx" / "validations"
