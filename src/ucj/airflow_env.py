"""Airflow inside the project: AIRFLOW_HOME, metadata DB, pools, and running DAGs with ``dag.test()``.

:func:`configure` must run before Airflow is imported: Airflow reads its configuration at
import time. Everything is set through ``AIRFLOW__SECTION__KEY`` variables, never an edited
``airflow.cfg``, so that the same settings can come from a deployment's environment.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ucj.config import TIMEZONE, Settings, settings

log = logging.getLogger(__name__)

WAREHOUSE_POOL = "warehouse_db"
WAREHOUSE_POOL_SLOTS = 2  # bounded database concurrency for loads (2 cores)
DAG_ORDER = ("ucj_ingest", "ucj_transform")  # dependency order for `ucj run`


def default_args() -> dict[str, object]:
    """The tasks' defaults, shared by every DAG: an owner, retries with exponential backoff.

    ``UCJ_RETRY_DELAY_SECONDS`` shortens the first delay (tests and ``ucj run`` by hand);
    nightly runs keep the default minute.
    """
    from ucj.ops.alerts import on_failure_callback

    return {
        "owner": "ucj-data",
        "on_failure_callback": on_failure_callback,  # webhook + e-mail, after the last retry
        "retries": 2,
        "retry_delay": timedelta(seconds=float(os.environ.get("UCJ_RETRY_DELAY_SECONDS", "60"))),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=15),
    }


def configure(cfg: Settings | None = None) -> dict[str, str]:
    """Set Airflow's environment for this project (keeps values a deployment already set)."""
    cfg = cfg or settings()
    home = cfg.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    db_url = cfg.airflow_db_url or f"sqlite:///{home / 'airflow.db'}"
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(cfg.project_root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(cfg.project_root / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": TIMEZONE,
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url,
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("UCJ_LOG_LEVEL", "WARNING"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        # Cosmos: its cache (partial parse, profiles) per state folder, not shared through /tmp
        # by every checkout and test session of the machine.
        "AIRFLOW__COSMOS__CACHE_DIR": str(cfg.state_dir / "cosmos"),
        # The transform DAG's first parse after a change of the dbt project runs `dbt ls` (Cosmos
        # caches it afterwards): ~10 s alone on 2 cores, over Airflow's 30 s when the machine is
        # busy. A timeout there is no failure of the project; give the parse room.
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        # The dbt build task keeps what it reports in memory and writes the copy a retry needs
        # only when it fails, instead of rewriting the whole copy after every node (a third of
        # the build's time on the tiny data).
        "AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY": "False",
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    for key, value in env.items():
        os.environ.setdefault(key, value)
    # The venv's bin first: Airflow starts its parts (and dbt) from PATH.
    venv_bin = str(Path(sys.executable).parent)
    if not os.environ.get("PATH", "").startswith(venv_bin):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")
    return env


def migrate_metadata(cfg: Settings | None = None) -> None:
    """``airflow db migrate`` once per Airflow version and metadata DB, then make the pool."""
    cfg = cfg or settings()
    configure(cfg)
    import airflow

    marker = cfg.airflow_home / f".migrated-{airflow.__version__}"
    db_url = os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    if not (marker.exists() and marker.read_text() == db_url):
        airflow_bin = Path(sys.executable).parent / "airflow"
        subprocess.run([str(airflow_bin), "db", "migrate"], check=True, capture_output=True, env=os.environ.copy())
        marker.write_text(db_url)
    ensure_pool()


def ensure_pool() -> None:
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(
        WAREHOUSE_POOL,
        slots=WAREHOUSE_POOL_SLOTS,
        description="Loads into the warehouse at once (bounded database concurrency)",
        include_deferred=False,
    )


@dataclass
class DagRunResult:
    dag_id: str
    run_id: str
    state: str
    failed_tasks: list[str]


def run_dag(dag_id: str, conf: dict[str, object] | None = None) -> DagRunResult:
    """Run one DAG of ``dags/`` once with ``dag.test()`` (real Airflow tasks, in this process)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(settings().project_root / "dags"))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    dag = bag.dags.get(dag_id)
    if dag is None:
        raise KeyError(f"no DAG {dag_id!r} in dags/")
    from ucj.privacy import install_log_masking

    install_log_masking()  # Airflow has set up its logging by now: mask its structlog lines too
    run = dag.test(run_conf=conf or {})
    failed = [ti.task_id for ti in run.get_task_instances() if ti.state in ("failed", "upstream_failed")]
    return DagRunResult(dag_id, run.run_id, str(getattr(run.state, "value", run.state)), failed)
