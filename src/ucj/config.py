"""Settings, read only from the environment (STYLE.md: connections and settings from env).

The project's folders (``dags/``, ``dbt_project/``, ``expectations/``, ``plugins/``) are found in
``UCJ_PROJECT_DIR``; unset, in the source checkout the package is imported from (an editable
install), else in the copy an installed wheel carries as package data (``ucj/_project``).
Every other path defaults to a folder inside the checkout (or, for an installed wheel, the working
directory) so that a fresh clone runs with no configuration at all; a Pemda deployment points them
elsewhere through ``UCJ_*`` variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# dags/, dbt_project/, expectations/ and plugins/ inside a built wheel (pyproject.toml, hatch sources)
SHIPPED_PROJECT_DIR = PACKAGE_DIR / "_project"
TIMEZONE = "Asia/Makassar"  # WITA
SOURCES: tuple[str, ...] = ("rosters", "participants", "claims", "budgets", "workforce")


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def _optional_path(var: str) -> Path | None:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else None


def source_checkout() -> Path | None:
    """The checkout whose ``src/ucj`` this package is imported from (an editable install), if any."""
    root = PACKAGE_DIR.parent.parent
    is_checkout = PACKAGE_DIR.parent.name == "src" and (root / "pyproject.toml").is_file()
    return root if is_checkout and (root / "dbt_project").is_dir() else None


def project_dir() -> Path:
    """Where dags/, dbt_project/, expectations/ and plugins/ are: ``UCJ_PROJECT_DIR``, else the
    source checkout, else the copy shipped in the wheel."""
    return _path("UCJ_PROJECT_DIR", source_checkout() or SHIPPED_PROJECT_DIR)


# The project folder when ucj.config was first imported (settings() reads UCJ_PROJECT_DIR per call)
PROJECT_ROOT = project_dir()


@dataclass(frozen=True)
class Settings:
    """Where things live. Build with :func:`settings` so the environment is read once per call."""

    project_root: Path
    state_dir: Path  # embedded PostgreSQL, Airflow home, GX results: everything git ignores
    landing_dir: Path
    quarantine_dir: Path
    warehouse_url: str | None  # None: start the embedded PostgreSQL
    airflow_db_url: str | None  # None: SQLite inside AIRFLOW_HOME
    dbt_project_dir: Path
    expectations_dir: Path
    max_bad_row_share: float  # above this share of rejected rows the whole file is quarantined
    chunk_rows: int = 50_000  # rows read, typed and validated at a time: bounds the ingest's memory
    # Deployment config folder (headers.yaml, values.yaml, opd_aliases.yaml merged over the
    # package defaults, see ucj.ingest.overrides); None: package defaults only.
    config_dir: Path | None = None
    # a file is read only once it has not changed for this long (one still being copied in is
    # left for the next run, never quarantined half-written)
    settle_seconds: float = 30.0
    # The longest one statement of dbt may run (PostgreSQL's interval syntax; "0" = no limit): a
    # model stuck on a bad plan fails and is retried or reported, instead of holding the night.
    dbt_statement_timeout: str = "1h"

    @property
    def pgdata_dir(self) -> Path:
        return self.state_dir / "pgdata"

    @property
    def airflow_home(self) -> Path:
        return self.state_dir / "airflow"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target folder (manifest, compiled SQL); ``UCJ_DBT_TARGET_DIR`` moves it."""
        if self.project_root == SHIPPED_PROJECT_DIR:  # the wheel's copy: nothing written into site-packages
            return _path("UCJ_DBT_TARGET_DIR", self.state_dir / "dbt-target")
        return _path("UCJ_DBT_TARGET_DIR", self.dbt_project_dir / "target")


def settings() -> Settings:
    root = project_dir()
    # state and data beside the project, or in the working directory when the project is the
    # wheel's copy inside site-packages
    home = Path.cwd() if root == SHIPPED_PROJECT_DIR else root
    state = _path("UCJ_STATE_DIR", home / ".ucj")
    return Settings(
        project_root=root,
        state_dir=state,
        landing_dir=_path("UCJ_LANDING_DIR", home / "data" / "landing"),
        quarantine_dir=_path("UCJ_QUARANTINE_DIR", home / "data" / "quarantine"),
        warehouse_url=os.environ.get("UCJ_WAREHOUSE_URL") or None,
        airflow_db_url=os.environ.get("UCJ_AIRFLOW_DB_URL") or None,
        dbt_project_dir=root / "dbt_project",
        expectations_dir=root / "expectations",
        max_bad_row_share=float(os.environ.get("UCJ_MAX_BAD_ROW_SHARE", "0.5")),
        chunk_rows=int(os.environ.get("UCJ_CHUNK_ROWS", "50000")),
        config_dir=_optional_path("UCJ_CONFIG_DIR"),
        settle_seconds=float(os.environ.get("UCJ_SETTLE_SECONDS", "30")),
        dbt_statement_timeout=os.environ.get("UCJ_DBT_STATEMENT_TIMEOUT") or "1h",
    )
