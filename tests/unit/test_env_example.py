"""The settings model (``ucj.config``) is the source of every ``UCJ_*`` variable: `.env.example`
lists exactly its variables (and dbt's profile variables the code sets from them), the code names
no other, and only ``config.py`` touches ``os.environ``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ucj.config import DBT_PROFILE_VARIABLES, PROJECT_ROOT, env_names, settings

CODE_DIRS = ("src", "dags", "plugins")
VARIABLE = re.compile(r"UCJ_[A-Z0-9]+(?:_[A-Z0-9]+)*")
LISTED = re.compile(r"^#?\s*(UCJ_[A-Z0-9_]+)=", re.MULTILINE)
KNOWN = set(env_names()) | set(DBT_PROFILE_VARIABLES)


def code_files() -> list[Path]:
    return [path for folder in CODE_DIRS for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))]


def variables_in_code() -> dict[str, str]:
    """Variable name -> first ``file:line`` where the code names it as a whole string literal
    (``_env("UCJ_X")``, ``{"UCJ_PGHOST": …}``); names inside docstrings, help texts and f-strings
    are prose, not reads."""
    found: dict[str, str] = {}
    for path in code_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and VARIABLE.fullmatch(node.value):
                found.setdefault(node.value, f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    return found


def variables_in_example(path: Path) -> set[str]:
    return set(LISTED.findall(path.read_text(encoding="utf-8")))


def test_the_settings_know_their_variables() -> None:
    """Guards the lists below: one variable of every group, read into its field."""
    names = env_names()
    assert names["UCJ_WAREHOUSE_URL"] == "warehouse.url" and names["UCJ_ALERT_EMAIL_TO"] == "alerts.email_to"
    assert {group.split(".")[0] for group in names.values()} == {
        "paths",
        "warehouse",
        "roles",
        "dbt",
        "airflow",
        "ingest",
        "alerts",
        "report",
    }
    assert {"UCJ_WAREHOUSE_URL", "UCJ_PGHOST", "UCJ_ALERT_SMTP_HOST"} <= set(variables_in_code())


def test_every_setting_is_in_the_env_example() -> None:
    listed = variables_in_example(PROJECT_ROOT / ".env.example")
    missing = {name: field for name, field in env_names().items() if name not in listed}
    missing |= {name: "dbt's profile" for name in DBT_PROFILE_VARIABLES if name not in listed}
    assert not missing, "add to .env.example (commented out, with its default and what it does): " + ", ".join(
        f"{name} ({field})" for name, field in sorted(missing.items())
    )


def test_the_env_example_lists_no_variable_the_settings_do_not_read() -> None:
    stale = variables_in_example(PROJECT_ROOT / ".env.example") - KNOWN
    assert not stale, f"ucj.config reads none of these; remove them from .env.example: {sorted(stale)}"


def test_the_compose_env_example_lists_only_settings() -> None:
    """deploy/.env.example: settings, dbt's profile, and compose's own ``UCJ_HOST_*`` mounts."""
    listed = variables_in_example(PROJECT_ROOT / "deploy" / ".env.example")
    stale = {name for name in listed - KNOWN if not name.startswith("UCJ_HOST_")}
    assert not stale, f"ucj.config reads none of these; remove them from deploy/.env.example: {sorted(stale)}"


def test_the_code_names_no_variable_the_settings_do_not_know() -> None:
    unknown = {name: where for name, where in variables_in_code().items() if name not in KNOWN}
    assert not unknown, "read it through a field of ucj.config.Settings: " + ", ".join(
        f"{name} ({where})" for name, where in sorted(unknown.items())
    )


def test_only_config_touches_os_environ() -> None:
    """Other modules get values from ``settings()`` and return mappings for other tools' environments
    (``warehouse.environment``, ``airflow_env.environment``); ``config.apply_environment`` applies them."""
    readers = [
        str(path.relative_to(PROJECT_ROOT))
        for path in code_files()
        if "os.environ" in path.read_text(encoding="utf-8") or "getenv(" in path.read_text(encoding="utf-8")
    ]
    assert readers == ["src/ucj/config.py"]


def test_settings_read_their_variables(monkeypatch, tmp_path) -> None:
    """A value of each type arrives typed in its group; blank counts as unset."""
    monkeypatch.setenv("UCJ_CHUNK_ROWS", "1234")
    monkeypatch.setenv("UCJ_RETRY_DELAY_SECONDS", "2.5")
    monkeypatch.setenv("UCJ_ALERT_SMTP_STARTTLS", "ya")
    monkeypatch.setenv("UCJ_ALERT_EMAIL_TO", " a@x ,, b@x ")
    monkeypatch.setenv("UCJ_WAREHOUSE_URL", "  ")
    monkeypatch.setenv("UCJ_REPORTS_DIR", str(tmp_path / "r"))
    monkeypatch.setenv("UCJ_TRANSFORMER_PASSWORD", "s3cret")
    cfg = settings()
    assert (cfg.ingest.chunk_rows, cfg.airflow.retry_delay_seconds) == (1234, 2.5)
    assert cfg.alerts.smtp_starttls is True and cfg.alerts.email_to == ("a@x", "b@x")
    assert cfg.warehouse.url is None
    assert cfg.reports_dir == tmp_path / "r"
    assert cfg.roles.password("ucj_transformer") == "s3cret" and cfg.roles.password("ucj_loader") == ""


def test_the_warehouse_url_of_the_example_is_the_owner_s() -> None:
    """The migrations run as the URL's user; the loader and transformer roles are derived from it."""
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    urls = re.findall(r"^#?\s*UCJ_WAREHOUSE_URL=(\S+)", text, re.MULTILINE)
    assert urls and all(re.match(r"postgresql://ucj_owner[:@]", url) for url in urls), urls
