"""Modules prepare other tools' environments as mappings; only ``config.apply_environment``
(called by entry points) changes this process's environment."""

from __future__ import annotations

import os

from ucj import airflow_env, warehouse
from ucj.config import apply_environment


def test_environments_are_mappings_that_leave_the_process_alone(monkeypatch, tmp_path):
    monkeypatch.setenv("UCJ_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("UCJ_TRANSFORMER_PASSWORD", "t-pass")
    before = dict(os.environ)
    airflow = airflow_env.environment()
    dbt = warehouse.environment("postgresql://ucj_owner:o-pass@db.example:5433/warehouse")
    assert dict(os.environ) == before
    assert airflow["AIRFLOW_HOME"] == str(tmp_path / "airflow")
    assert airflow["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{tmp_path / 'airflow' / 'airflow.db'}"
    assert (dbt["UCJ_PGHOST"], dbt["UCJ_PGPORT"], dbt["UCJ_PGUSER"], dbt["UCJ_PGPASSWORD"]) == (
        "db.example",
        "5433",
        "ucj_transformer",
        "t-pass",
    )


def test_apply_environment_keeps_what_is_set_unless_told(monkeypatch):
    monkeypatch.setenv("UCJ_TEST_KEPT", "deployment")
    monkeypatch.delenv("UCJ_TEST_NEW", raising=False)
    apply_environment({"UCJ_TEST_KEPT": "ours", "UCJ_TEST_NEW": "ours"})
    assert (os.environ["UCJ_TEST_KEPT"], os.environ["UCJ_TEST_NEW"]) == ("deployment", "ours")
    apply_environment({"UCJ_TEST_KEPT": "ours"}, override=True)
    assert os.environ["UCJ_TEST_KEPT"] == "ours"
