"""dbt: the project's paths, its environment, and the manifest Cosmos renders the DAG from."""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from ucj.config import apply_environment, settings, unset_environment

log = logging.getLogger(__name__)

PROFILE = "ucj_warehouse"
TARGET = "warehouse"
DBT_LOCK = "ucj:dbt"  # session advisory lock (warehouse): one dbt writes to the warehouse at a time
WRITING_COMMANDS = frozenset({"build", "run", "seed", "snapshot"})


def project_dir() -> Path:
    return settings().dbt_project_dir


def manifest_path() -> Path:
    return settings().dbt_target_dir / "manifest.json"


def _module_of_caller() -> str:
    """What dbt's behaviour flags ask ``inspect.stack()`` for, without reading every frame's source."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name and name != "dbt_common.behavior_flags":
            return name
        frame = frame.f_back
    return "Unknown"


def speed_up_in_process_dbt(_context: object = None) -> None:
    """Make in-process dbt cheap to start inside a deep stack (Airflow task, pytest).

    dbt-common builds every adapter behaviour flag with ``inspect.stack()``, which reads the
    source of every frame: inside an Airflow task with GX, Cosmos and pytest loaded this cost
    seconds per dbt invocation, i.e. per Cosmos task. The replacement returns the same
    answer (the calling module's name) from the frames alone. Usable as an
    ``on_execute_callback`` (the Cosmos tasks' one: it also masks identifiers in their logs).
    """
    from dbt_common import behavior_flags

    from ucj.privacy import install_log_masking

    behavior_flags.BehaviorFlagRendered._default_source = staticmethod(_module_of_caller)
    install_log_masking()  # the Cosmos tasks' callback: identifiers masked in their log lines too


def _lock_holder(conn: Any) -> str:
    """Who holds the dbt lock, in words (application, server pid, since when), for the waiting log line."""
    from ucj.warehouse import advisory_lock_held_sql

    row = conn.execute(
        """select coalesce(nullif(a.application_name, ''), 'a session'), a.pid,
                  to_char(a.backend_start at time zone 'Asia/Makassar', 'YYYY-MM-DD HH24:MI:SS'),
                  coalesce(a.client_addr::text, 'local')
           from pg_locks l join pg_stat_activity a using (pid)
           where """
        + advisory_lock_held_sql("hashtextextended(%(key)s, 0)")
        + """
           limit 1""",
        {"key": DBT_LOCK},
    ).fetchone()
    if row is None:
        return "a session that has just released it"
    return f"{row[0]} (server pid {row[1]}, from {row[3]}, connected since {row[2]} WITA)"


@contextmanager
def dbt_lock(
    url: str, who: str, *, poll_seconds: float = 30.0, timeout: timedelta = timedelta(hours=2)
) -> Iterator[None]:
    """Hold the warehouse's dbt lock for a dbt command that writes (build, run, seed, snapshot).

    Two dbt commands writing the same relations at once break each other: each caches the
    warehouse's relations when it starts, so the second finds a table the first has just created
    and fails with ``relation ... already exists`` (two ``ucj run``, a nightly run beside a
    backfill, a second scheduler). Every writing dbt of the project takes this lock first: the
    transform DAG's ``dbt build`` and its per-node retries (:func:`watch_after_build`),
    ``ucj dbt``, the backfill (:func:`ucj.tasks.dbt_guard`). A second one waits, saying every
    ``poll_seconds`` who holds the lock, and gives up after ``timeout`` (``TimeoutError``,
    retried by Airflow). The lock is a session lock: a killed process's session ends and frees it.
    """
    import psycopg
    from psycopg import errors

    from ucj.warehouse import LOADER, role_params

    give_up = time.monotonic() + timeout.total_seconds()
    conninfo = role_params(url, LOADER).conninfo()
    with psycopg.connect(conninfo, autocommit=True, application_name=f"ucj: {who}"[:63]) as conn:
        lock = "select pg_advisory_lock(hashtextextended(%s, 0))"
        acquired = conn.execute("select pg_try_advisory_lock(hashtextextended(%s, 0))", (DBT_LOCK,)).fetchone()[0]
        waited = not acquired
        while not acquired:
            holder = _lock_holder(conn)
            if time.monotonic() > give_up:
                raise TimeoutError(
                    f"{who}: dbt not started; the warehouse's dbt lock is still held by {holder} after {timeout}"
                )
            log.warning("%s waits: another dbt command writes to the warehouse (%s)", who, holder)
            conn.execute("select set_config('lock_timeout', %s, false)", (f"{max(int(poll_seconds * 1000), 1)}ms",))
            try:
                conn.execute(lock, (DBT_LOCK,))
                acquired = True
            except errors.LockNotAvailable:
                pass
            finally:
                conn.execute("set lock_timeout = 0")
        if waited:
            log.warning("%s: the other dbt command has ended; this one starts now", who)
        try:
            yield
        finally:
            if not conn.closed:
                conn.execute("select pg_advisory_unlock(hashtextextended(%s, 0))", (DBT_LOCK,))


@functools.cache
def _locked_operator_class(cls: type) -> type:
    """A subclass of a Cosmos local operator whose in-process dbt runs under :func:`dbt_lock`.

    A subclass (not a wrapped bound method) so that Airflow's copies of the task keep it. It keeps
    the class name, which the Airflow UI shows.
    """

    def run_dbt_runner(self: Any, command: list[str], env: dict[str, str], cwd: str, **kwargs: Any) -> Any:
        from ucj import tasks

        with dbt_lock(tasks.airflow_warehouse_url(), f"ucj_transform {self.task_id}"):
            return super(locked, self).run_dbt_runner(command, env, cwd, **kwargs)

    locked = type(cls.__name__, (cls,), {"run_dbt_runner": run_dbt_runner, "__module__": cls.__module__})
    return locked


def producer_args() -> dict[str, Any]:
    """Arguments of the task that runs the one ``dbt build`` (Cosmos' watcher producer).

    A retry of the producer never builds again: Cosmos restores what the first try reported and
    skips; the model and test tasks whose node failed then run dbt for their node alone. That
    retry has nothing to wait for, so it comes at once rather than after the usual backoff.
    """
    return {"retry_delay": timedelta(seconds=1), "retry_exponential_backoff": False}


def watch_after_build(group: Any) -> None:
    """Start the watching tasks of a watcher-mode ``DbtTaskGroup`` once its ``dbt build`` has ended.

    Cosmos leaves the producer beside the task group's first tasks, each of which waits for
    its node's result (deferred, or polling). That needs a free slot for the producer while
    they wait: under ``dag.test()`` (one task at a time) a watcher picked first waits forever,
    and on two small workers the waiting tasks crowd the build out. Here the build runs first,
    and every first watching task starts when it ends, succeeded or failed (``all_done``), so
    that it reports its node's own result. The producer runs even when the task before the
    group failed (``all_done``): a watcher whose producer never ran would wait forever.

    A test of two models (a ``relationships`` test) has a task of its own after both. Cosmos
    would also count it among each parent's tests, so that a model whose *other* parent dbt
    skipped would report a failed test and stop everything after it (e.g. a failed claims
    test stopping the enrollment marts through ``stg_reference__opds``); here it reports
    only to its own task.
    """
    from cosmos.airflow.graph import is_detached_test
    from cosmos.constants import PRODUCER_WATCHER_DONE_TASK_ID, PRODUCER_WATCHER_TASK_ID

    prefix = f"{group.group_id}." if group.group_id else ""
    producer = group.children[prefix + PRODUCER_WATCHER_TASK_ID]
    detached = {uid for uid, node in group.dbt_graph.nodes.items() if is_detached_test(node)}
    own_tests = {parent: [t for t in tests if t not in detached] for parent, tests in producer.tests_per_model.items()}
    producer.tests_per_model = {
        **{parent: tests for parent, tests in own_tests.items() if tests},
        **{test: [test] for test in sorted(detached)},
    }
    producer.trigger_rule = "all_done"
    for task in group.iter_tasks():  # the build and every per-node retry: under the dbt lock
        if callable(getattr(task, "run_dbt_runner", None)):
            task.__class__ = _locked_operator_class(type(task))
    for task in list(group.roots):
        if task.task_id in (producer.task_id, prefix + PRODUCER_WATCHER_DONE_TASK_ID):
            continue
        producer >> task
        task.trigger_rule = "all_done"


def publish_opd_aliases(url: str | None = None) -> int:
    """Replace ``audit.opd_aliases`` with the aliases and NPP pairs of the config folder
    (``UCJ_CONFIG_DIR/opd_aliases.yaml``; none without one), in one transaction; returns the rows.

    dbt reads the table (source ``audit.opd_aliases``): an alias line added to the folder takes
    effect on the next dbt build, with no code change. Called before every ``dbt build``/``run``.
    """
    from ucj.ingest import overrides
    from ucj.warehouse import connect

    overrides.clear_cache()  # a long-lived worker sees tonight's folder, not the one it started with
    rows = [("alias", a.kode_wilayah, a.alias, a.opd) for a in overrides.opd_aliases()]
    rows += [("npp", p.kode_wilayah, p.npp, p.opd) for p in overrides.npp_pairs()]
    folder = overrides.config_dir()
    where = str(folder / overrides.OPD_ALIASES_FILE) if folder else None
    with connect(url) as conn:
        conn.execute("delete from audit.opd_aliases")
        with conn.cursor() as cur:
            cur.executemany(
                "insert into audit.opd_aliases (kind, kode_wilayah, name, opd, config_file) "
                "values (%s, %s, %s, %s, %s)",
                [(*row, where) for row in rows],
            )
    return len(rows)


class DbtFailed(RuntimeError):
    """A dbt command that did not succeed; ``failed_tests``: the tests whose verdict was *fail*
    (a check that found rows), as opposed to an error (SQL, connection), which a retry may mend."""

    def __init__(self, message: str, failed_tests: list[str]) -> None:
        super().__init__(message)
        self.failed_tests = failed_tests


def run_dbt(args: list[str], quiet: bool = True, *, lock: bool = True) -> None:
    """Run dbt in-process against the warehouse of the environment; raise when it fails.

    A command that writes (build, run, seed, snapshot) runs under the warehouse's dbt lock
    (:func:`dbt_lock`; ``lock=False`` when the caller holds it already), and a ``build`` or ``run``
    first publishes the config folder's OPD aliases (:func:`publish_opd_aliases`).
    """
    url = settings().warehouse.url
    if lock and url and args and args[0] in WRITING_COMMANDS:
        with dbt_lock(url, f"dbt {args[0]}"):
            _invoke_dbt(args, quiet)
    else:
        _invoke_dbt(args, quiet)


def _invoke_dbt(args: list[str], quiet: bool) -> None:
    from dbt.cli.main import dbtRunner

    if args and args[0] in ("build", "run") and settings().warehouse.url:
        publish_opd_aliases(settings().warehouse.url)
    speed_up_in_process_dbt()
    unset_environment("DBT_PROJECT_DIR")  # it would silently override --project-dir
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
        ]
    )
    if not result.success:
        failed = [
            node.node.name
            for node in getattr(result.result, "results", None) or []
            if str(getattr(node.status, "value", node.status)) == "fail"
        ]
        raise DbtFailed(f"dbt {' '.join(args)} failed: {result.exception or result.result}", failed)


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
    # dbt parse needs the profile's variables (kept where set)
    apply_environment(dict.fromkeys(("UCJ_PGHOST", "UCJ_PGUSER", "UCJ_PGDATABASE"), "unset"))
    run_dbt(["parse"])
    return path


def scheduled_build_blocked(url: str, ingest_runs_active: int) -> str | None:
    """Why the transform's time-table (01:30) run should not build now; None when it should.

    On a Pemda's first start the scheduler makes the latest nightly slot run of both DAGs at
    once (``catchup=False``): the transform would start on a warehouse the ingest has not
    prepared yet, or on a raw layer it is still loading, and fail or build half the files. The
    raw Asset event at the end of the ingest starts the transform on the complete raw layer, so
    the slot run has nothing to add in these cases. Checked in this order: the warehouse's
    migrations are all applied, no ``ucj_ingest`` run is queued or running, and a file is loaded.
    """
    from ucj.migrate import available
    from ucj.warehouse import connect

    wanted = {m.version for m in available()}
    with connect(url) as conn:
        table = conn.execute("select to_regclass('audit.schema_migrations')").fetchone()[0]
        applied = {v for (v,) in conn.execute("select version from audit.schema_migrations")} if table else set()
        missing = wanted - applied
        if missing:
            return (
                f"the warehouse is not prepared yet ({len(wanted) - len(missing)} of {len(wanted)} migrations "
                "applied): ucj_ingest prepares it, and its raw Asset event starts the transform"
            )
        if ingest_runs_active:
            return (
                f"ucj_ingest is still loading ({ingest_runs_active} run(s) queued or running): its raw Asset "
                "event starts the transform on the complete raw layer"
            )
        loaded = conn.execute("select count(*) from audit.files where status = 'loaded' and is_current").fetchone()[0]
    if not loaded:
        return "no file is loaded in the raw layer yet: the ingest that loads one starts the transform (raw Asset)"
    return None
