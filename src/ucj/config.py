"""Settings, read only from the environment (STYLE.md: connections and settings from env).

One typed object, :class:`Settings`, built by :func:`settings`: a group per concern (``paths``,
``warehouse``, ``roles``, ``dbt``, ``airflow``, ``ingest``, ``alerts``, ``report``), each a
pydantic-settings model whose fields name their ``UCJ_*`` variable. This is the only module that
reads ``os.environ``; functions that prepare another tool's environment (Airflow, dbt, GX) return
a mapping, and entry points (``ucj``, DAG files, test fixtures) apply it with
:func:`apply_environment`. ``.env.example`` lists exactly :func:`env_names` (a unit test checks).

The project's folders (``dags/``, ``dbt_project/``, ``expectations/``, ``plugins/``) are found in
``UCJ_PROJECT_DIR``; unset, in the source checkout the package is imported from (an editable
install), else in the copy an installed wheel carries as package data (``ucj/_project``).
Every other path defaults to a folder inside the checkout (or, for an installed wheel, the working
directory) so that a fresh clone runs with no configuration at all; a Pemda deployment points them
elsewhere through ``UCJ_*`` variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
# dags/, dbt_project/, expectations/ and plugins/ inside a built wheel (pyproject.toml, hatch sources)
SHIPPED_PROJECT_DIR = PACKAGE_DIR / "_project"
TIMEZONE = "Asia/Makassar"  # WITA
SOURCES: tuple[str, ...] = ("rosters", "participants", "claims", "budgets", "workforce")
_TRUE = {"1", "true", "yes", "y", "ya", "on"}

# Variables the code writes for another tool to read, not settings: dbt's profile
# (dbt_project/profiles.yml) reads these, set from UCJ_WAREHOUSE_URL (ucj.warehouse.environment).
DBT_PROFILE_VARIABLES: tuple[str, ...] = ("UCJ_PGHOST", "UCJ_PGPORT", "UCJ_PGUSER", "UCJ_PGPASSWORD", "UCJ_PGDATABASE")


def _env(name: str, default: Any = None) -> Any:
    """A field read from the variable ``name`` (the variable's name is the field's alias)."""
    return Field(default, validation_alias=name)


class _Group(BaseSettings):
    """One group of settings, read from the environment when built; a variable set to an empty
    (or blank) value counts as unset."""

    model_config = SettingsConfigDict(
        case_sensitive=True,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        validate_by_alias=True,
        validate_by_name=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data


def _resolved(value: str | None) -> Path | None:
    return Path(value).expanduser().resolve() if value else None


class PathSettings(_Group):
    project_dir: str | None = _env("UCJ_PROJECT_DIR")
    state_dir: str | None = _env("UCJ_STATE_DIR")  # embedded PostgreSQL, Airflow home, GX results


class WarehouseSettings(_Group):
    url: str | None = _env("UCJ_WAREHOUSE_URL")  # None: start the embedded PostgreSQL
    pseudonym_key: str | None = _env("UCJ_PSEUDONYM_KEY")


class RoleSettings(_Group):
    """Passwords of the roles the migrations create; unset: no password (local trust auth)."""

    loader_password: str = _env("UCJ_LOADER_PASSWORD", "")
    transformer_password: str = _env("UCJ_TRANSFORMER_PASSWORD", "")
    bi_reader_password: str = _env("UCJ_BI_READER_PASSWORD", "")
    caseworker_password: str = _env("UCJ_CASEWORKER_PASSWORD", "")

    def password(self, role: str) -> str:
        """The password of the role ``ucj_<name>`` (``ucj_loader`` -> ``loader_password``)."""
        return getattr(self, f"{role.removeprefix('ucj_')}_password")


class DbtSettings(_Group):
    target_dir: str | None = _env("UCJ_DBT_TARGET_DIR")
    # The longest one statement of dbt may run (PostgreSQL's interval syntax; "0" = no limit): a
    # model stuck on a bad plan fails and is retried or reported, instead of holding the night.
    statement_timeout: str = _env("UCJ_DBT_STATEMENT_TIMEOUT", "1h")
    seeds_dir: str | None = _env("UCJ_SEEDS_DIR")  # the seeds the sample-data generator reads


class AirflowSettings(_Group):
    db_url: str | None = _env("UCJ_AIRFLOW_DB_URL")  # None: SQLite inside AIRFLOW_HOME
    retry_delay_seconds: float = _env("UCJ_RETRY_DELAY_SECONDS", 60.0)
    log_level: str = _env("UCJ_LOG_LEVEL", "WARNING")


class IngestSettings(_Group):
    landing_dir: str | None = _env("UCJ_LANDING_DIR")
    quarantine_dir: str | None = _env("UCJ_QUARANTINE_DIR")
    # Deployment config folder (headers.yaml, values.yaml, opd_aliases.yaml merged over the
    # package defaults, see ucj.ingest.overrides); None: package defaults only.
    config_dir: str | None = _env("UCJ_CONFIG_DIR")
    max_bad_row_share: float = _env("UCJ_MAX_BAD_ROW_SHARE", 0.5)  # above it the file is quarantined
    chunk_rows: int = _env("UCJ_CHUNK_ROWS", 50_000)  # rows read, typed and validated at a time
    # a file is read only once it has not changed for this long (one still being copied in is
    # left for the next run, never quarantined half-written)
    settle_seconds: float = _env("UCJ_SETTLE_SECONDS", 30.0)
    # GX's uncommitted folder (validation results, Data Docs); default expectations/gx/uncommitted
    gx_uncommitted_dir: str | None = _env("UCJ_GX_UNCOMMITTED_DIR")


class AlertSettings(_Group):
    """Where alerts go. A channel left unset is skipped."""

    webhook_url: str | None = _env("UCJ_ALERT_WEBHOOK_URL")
    smtp_host: str | None = _env("UCJ_ALERT_SMTP_HOST")
    smtp_port: int = _env("UCJ_ALERT_SMTP_PORT", 25)
    smtp_user: str | None = _env("UCJ_ALERT_SMTP_USER")
    smtp_password: str | None = _env("UCJ_ALERT_SMTP_PASSWORD")
    smtp_starttls: bool = _env("UCJ_ALERT_SMTP_STARTTLS", False)
    email_from: str | None = _env("UCJ_ALERT_EMAIL_FROM")
    email_to: Annotated[tuple[str, ...], NoDecode] = _env("UCJ_ALERT_EMAIL_TO", ())

    @field_validator("webhook_url", "smtp_host", "smtp_user", "smtp_password", "email_from", mode="before")
    @classmethod
    def _stripped(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("smtp_starttls", mode="before")
    @classmethod
    def _yes(cls, value: Any) -> Any:
        return value.strip().lower() in _TRUE if isinstance(value, str) else value

    @field_validator("email_to", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return tuple(a.strip() for a in value.split(",") if a.strip()) if isinstance(value, str) else value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlertSettings:
        """From the environment, or from ``env`` over it (its names are the variables')."""
        return cls() if env is None else cls.model_validate(dict(env))

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.email_from and self.email_to)


class ReportSettings(_Group):
    reports_dir: str | None = _env("UCJ_REPORTS_DIR")  # default <state_dir>/reports


GROUPS: dict[str, type[_Group]] = {
    "paths": PathSettings,
    "warehouse": WarehouseSettings,
    "roles": RoleSettings,
    "dbt": DbtSettings,
    "airflow": AirflowSettings,
    "ingest": IngestSettings,
    "alerts": AlertSettings,
    "report": ReportSettings,
}


def env_names() -> dict[str, str]:
    """Every variable the settings read -> ``group.field``."""
    return {
        str(info.validation_alias): f"{group}.{name}"
        for group, model in GROUPS.items()
        for name, info in model.model_fields.items()
    }


def source_checkout() -> Path | None:
    """The checkout whose ``src/ucj`` this package is imported from (an editable install), if any."""
    root = PACKAGE_DIR.parent.parent
    is_checkout = PACKAGE_DIR.parent.name == "src" and (root / "pyproject.toml").is_file()
    return root if is_checkout and (root / "dbt_project").is_dir() else None


def project_dir() -> Path:
    """Where dags/, dbt_project/, expectations/ and plugins/ are: ``UCJ_PROJECT_DIR``, else the
    source checkout, else the copy shipped in the wheel."""
    return _resolved(PathSettings().project_dir) or source_checkout() or SHIPPED_PROJECT_DIR


# The project folder when ucj.config was first imported (settings() reads UCJ_PROJECT_DIR per call)
PROJECT_ROOT = project_dir()


class Settings(BaseModel):
    """Every setting, by group. Build with :func:`settings` so the environment is read once per
    call. The properties below are the paths, their defaults resolved (relative to the project or
    the working directory)."""

    model_config = ConfigDict(frozen=True)

    paths: PathSettings
    warehouse: WarehouseSettings
    roles: RoleSettings
    dbt: DbtSettings
    airflow: AirflowSettings
    ingest: IngestSettings
    alerts: AlertSettings
    report: ReportSettings

    @property
    def project_root(self) -> Path:
        return _resolved(self.paths.project_dir) or source_checkout() or SHIPPED_PROJECT_DIR

    @property
    def _home(self) -> Path:
        """State and data go beside the project, or in the working directory when the project is
        the wheel's copy inside site-packages."""
        root = self.project_root
        return Path.cwd() if root == SHIPPED_PROJECT_DIR else root

    @property
    def state_dir(self) -> Path:  # embedded PostgreSQL, Airflow home, GX results: everything git ignores
        return _resolved(self.paths.state_dir) or self._home / ".ucj"

    @property
    def landing_dir(self) -> Path:
        return _resolved(self.ingest.landing_dir) or self._home / "data" / "landing"

    @property
    def quarantine_dir(self) -> Path:
        return _resolved(self.ingest.quarantine_dir) or self._home / "data" / "quarantine"

    @property
    def config_dir(self) -> Path | None:
        return _resolved(self.ingest.config_dir)

    @property
    def dbt_project_dir(self) -> Path:
        return self.project_root / "dbt_project"

    @property
    def expectations_dir(self) -> Path:
        return self.project_root / "expectations"

    @property
    def gx_uncommitted_dir(self) -> Path:
        """Where GX writes validation results and the Data Docs site: ``UCJ_GX_UNCOMMITTED_DIR``,
        default ``expectations/gx/uncommitted`` (git ignores it); a read-only install moves it."""
        return _resolved(self.ingest.gx_uncommitted_dir) or self.expectations_dir / "gx" / "uncommitted"

    @property
    def pgdata_dir(self) -> Path:
        return self.state_dir / "pgdata"

    @property
    def airflow_home(self) -> Path:
        return self.state_dir / "airflow"

    @property
    def reports_dir(self) -> Path:
        """Where the nightly reports go: ``UCJ_REPORTS_DIR``, default ``<state_dir>/reports``."""
        return _resolved(self.report.reports_dir) or self.state_dir / "reports"

    @property
    def seeds_dir(self) -> Path:
        """The dbt seeds the sample-data generator reads: ``UCJ_SEEDS_DIR`` (taken as given),
        default ``dbt_project/seeds``."""
        return Path(self.dbt.seeds_dir) if self.dbt.seeds_dir else self.dbt_project_dir / "seeds"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target folder (manifest, compiled SQL); ``UCJ_DBT_TARGET_DIR`` moves it."""
        if chosen := _resolved(self.dbt.target_dir):
            return chosen
        if self.project_root == SHIPPED_PROJECT_DIR:  # the wheel's copy: nothing written into site-packages
            return self.state_dir / "dbt-target"
        return self.dbt_project_dir / "target"


def settings() -> Settings:
    return Settings(**{group: model() for group, model in GROUPS.items()})


def config_dir_text() -> str:
    """``UCJ_CONFIG_DIR`` as set ("" unset), for the ingest's per-value and per-header lookups
    (their caches are keyed on it): cheaper than building :func:`settings` for every cell."""
    return os.environ.get("UCJ_CONFIG_DIR", "")


def environment_value(name: str, default: str | None = None) -> str | None:
    """A variable another tool owns (``AIRFLOW__API__PORT``, ``PATH``), read where ours are."""
    return os.environ.get(name, default)


def apply_environment(env: Mapping[str, str], *, override: bool = False) -> None:
    """Apply a mapping a module prepared for another tool (Airflow, dbt, GX) to this process:
    only entry points call this. Values already set are kept unless ``override``."""
    for key, value in env.items():
        if override:
            os.environ[key] = value
        else:
            os.environ.setdefault(key, value)


def unset_environment(*names: str) -> None:
    """Remove variables that would mislead another tool (dbt's ``DBT_PROJECT_DIR``)."""
    for name in names:
        os.environ.pop(name, None)


def environment_copy() -> dict[str, str]:
    """This process's whole environment, for a subprocess."""
    return dict(os.environ)
