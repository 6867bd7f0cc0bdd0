"""dbt: the project's paths, its environment, and the manifest Cosmos renders the DAG from."""

from __future__ import annotations

import os
from pathlib import Path

from ucj.config import settings

PROFILE = "ucj_warehouse"
TARGET = "warehouse"


def project_dir() -> Path:
    return settings().dbt_project_dir


def manifest_path() -> Path:
    return settings().dbt_target_dir / "manifest.json"


def run_dbt(args: list[str], quiet: bool = True) -> None:
    """Run dbt in-process against the warehouse of the environment; raise when it fails."""
    from dbt.cli.main import dbtRunner

    os.environ.pop("DBT_PROJECT_DIR", None)  # it would silently override --project-dir
    cwd = project_dir()
    result = dbtRunner().invoke(
        [
            *args,
            "--project-dir",
            str(cwd),
            "--profiles-dir",
            str(cwd),
            "--target",
            TARGET,
            "--target-path",
            str(settings().dbt_target_dir),
            *(["--quiet"] if quiet else []),
        ]  # fmt: skip
    )
    if not result.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception or result.result}")


def ensure_manifest(force: bool = False) -> Path:
    """``dbt parse`` when the manifest is missing or older than any model, seed or macro."""
    path = manifest_path()
    if not force and path.exists():
        built = path.stat().st_mtime
        sources = [
            p for p in project_dir().rglob("*") if p.suffix in (".sql", ".yml", ".csv") and "target" not in p.parts
        ]
        if all(p.stat().st_mtime <= built for p in sources):
            return path
    for key in ("UCJ_PGHOST", "UCJ_PGUSER", "UCJ_PGDATABASE"):  # dbt parse needs the profile's variables
        os.environ.setdefault(key, "unset")
    run_dbt(["parse"])
    return path
