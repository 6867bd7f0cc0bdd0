"""`ucj airflow …` runs the real Airflow CLI with the project's local-stack environment (issue 20)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from ucj.airflow_env import local_stack_environment
from ucj.config import settings

UCJ = str(Path(sys.executable).parent / "ucj")


def airflow_value(state: Path, section: str, key: str) -> str:
    """The value the real Airflow CLI resolves under `ucj airflow`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env["UCJ_STATE_DIR"] = str(state)
    done = subprocess.run(
        [UCJ, "airflow", "config", "get-value", section, key], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_task_reaches_the_api_server_and_every_process_shares_one_secret(tmp_path) -> None:
    state = tmp_path / "state"
    assert airflow_value(state, "core", "execution_api_server_url") == "http://127.0.0.1:8080/execution/"
    secret = airflow_value(state, "api_auth", "jwt_secret")
    assert len(secret) >= 32 and (state / "airflow" / "jwt_secret").read_text() == secret
    assert stat.S_IMODE((state / "airflow" / "jwt_secret").stat().st_mode) == 0o600


def test_the_local_stack_fits_the_machine(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("UCJ_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__API__PORT", "8793")
    env = local_stack_environment(settings())
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8793/execution/"
    assert int(env["AIRFLOW__CORE__PARALLELISM"]) == max(2, 2 * (os.cpu_count() or 1))  # not Airflow's 32
    assert local_stack_environment(settings())["AIRFLOW__API_AUTH__JWT_SECRET"] == env["AIRFLOW__API_AUTH__JWT_SECRET"]
