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

from ucj.config import TIMEZONE, Settings, apply_environment, environment_value, settings

log = logging.getLogger(__name__)

WAREHOUSE_POOL = "warehouse_db"
WAREHOUSE_POOL_SLOTS = 2  # bounded database concurrency for loads (2 cores)
DAG_ORDER = ("ucj_ingest", "ucj_transform")  # dependency order for `ucj run`


def default_args() -> dict[str, object]:
    """The tasks' defaults, shared by every DAG: an owner, retries with exponential backoff.

    ``UCJ_RETRY_DELAY_SECONDS`` shortens the first delay (tests and ``ucj run`` by hand);
    nightly runs keep the default minute.
    """
    from ucj.ops.notifiers import failure_notifiers

    return {
        "owner": "ucj-data",
        "on_failure_callback": failure_notifiers(),  # webhook + e-mail notifiers, after the last retry
        "retries": 2,
        "retry_delay": timedelta(seconds=settings().airflow.retry_delay_seconds),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=15),
    }


class _NoLineageNotice(logging.Filter):
    """Cosmos warns at import that the OpenLineage provider is missing; the project emits no
    lineage, so the line reads as a fault to a newcomer and says nothing to an operator."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "To enable emitting Openlineage events" not in str(record.msg)


_NO_LINEAGE_NOTICE = _NoLineageNotice()


class WaitingSaidOnce(logging.Filter):
    """``dag.test()`` logs "No tasks to run. unrunnable tasks: {…every task instance…}" once a
    second while a task waits for its retry (hundreds of long lines for one failure). Say it once,
    short, and again only when the set of waiting tasks or their states changes."""

    PREFIX = "No tasks to run"

    def __init__(self) -> None:
        super().__init__()
        self._last: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.PREFIX):
            return True
        message = record.getMessage()
        if message == self._last:
            return False
        self._last = message
        waiting = record.args[0] if isinstance(record.args, tuple) and record.args else None
        if isinstance(waiting, set | frozenset):
            states: dict[str, int] = {}
            for ti in waiting:
                state = str(getattr(getattr(ti, "state", None), "value", getattr(ti, "state", None)))
                states[state] = states.get(state, 0) + 1
            record.msg = "No tasks to run yet: %d unfinished tasks wait (%s); said again when that changes"
            record.args = (len(waiting), ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
        return True


def environment(cfg: Settings | None = None) -> dict[str, str]:
    """Airflow's environment for this project, as a mapping (creates the Airflow home)."""
    cfg = cfg or settings()
    home = cfg.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    db_url = cfg.airflow.db_url or f"sqlite:///{home / 'airflow.db'}"
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
        "AIRFLOW__LOGGING__LOGGING_LEVEL": cfg.airflow.log_level,
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
        # No OpenLineage backend: the namespace Cosmos reads at import (else a config warning
        # on every parse), and lineage events off.
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "ucj_warehouse",
        "AIRFLOW__OPENLINEAGE__DISABLED": "True",
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    return env


def configure(cfg: Settings | None = None) -> dict[str, str]:
    """For entry points (``ucj``, the pipeline runner, test fixtures): apply :func:`environment`
    to this process, keeping values a deployment already set; returns the mapping."""
    env = environment(cfg)
    apply_environment(env)
    logging.getLogger("cosmos.operators.local").addFilter(_NO_LINEAGE_NOTICE)
    # The venv's bin first: Airflow starts its parts (and dbt) from PATH.
    venv_bin = str(Path(sys.executable).parent)
    path = environment_value("PATH", "") or ""
    if not path.startswith(venv_bin):
        apply_environment({"PATH": venv_bin + os.pathsep + path}, override=True)
    return env


SERVER_COMMANDS = ("api-server", "scheduler", "dag-processor", "triggerer", "standalone")


def local_stack_environment(cfg: Settings | None = None) -> dict[str, str]:
    """What Airflow's own processes need, besides :func:`configure`, to work as one local stack
    on this machine (``ucj airflow api-server|scheduler|dag-processor|triggerer|standalone``).

    - the execution API's URL: a task reports to the API server at 127.0.0.1 (else every task
      fails with ``Connection refused`` at its first call);
    - one JWT secret for every process of the stack (each would otherwise make its own, and the
      API server would refuse the scheduler's tasks), kept in the Airflow home, mode 0600;
    - a parallelism fit for the machine (Airflow's default of 32 LocalExecutor workers on 2 cores
      is 32 processes of ~300 MB each waiting for two CPUs);
    - INFO logs, so the API server says where it listens.
    Values a deployment already set are kept by the caller (``config.apply_environment``).
    """
    cfg = cfg or settings()
    port = environment_value("AIRFLOW__API__PORT", "8080") or "8080"
    return {
        "AIRFLOW__API__PORT": port,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": _stack_secret(cfg.airflow_home / "jwt_secret"),
        "AIRFLOW__CORE__PARALLELISM": str(max(2, 2 * (os.cpu_count() or 1))),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }


def _stack_secret(path: Path) -> str:
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def migrate_metadata(cfg: Settings | None = None) -> None:
    """``airflow db migrate`` once per Airflow version and metadata DB, then make the pool."""
    cfg = cfg or settings()
    configure(cfg)
    import airflow

    marker = cfg.airflow_home / f".migrated-{airflow.__version__}"
    db_url = environment_value("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") or ""
    if not (marker.exists() and marker.read_text() == db_url):
        airflow_bin = Path(sys.executable).parent / "airflow"
        subprocess.run([str(airflow_bin), "db", "migrate"], check=True, capture_output=True)
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
    waiting = WaitingSaidOnce()
    dag_log = logging.getLogger("airflow.sdk.definitions.dag")
    dag_log.addFilter(waiting)
    try:
        run = dag.test(run_conf=conf or {})
    finally:
        dag_log.removeFilter(waiting)
    failed = [ti.task_id for ti in run.get_task_instances() if ti.state in ("failed", "upstream_failed")]
    return DagRunResult(dag_id, run.run_id, str(getattr(run.state, "value", run.state)), failed)
