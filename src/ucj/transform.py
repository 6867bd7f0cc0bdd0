"""dbt: the project's paths, its environment, and the manifest Cosmos renders the DAG from."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from ucj.config import settings

PROFILE = "ucj_warehouse"
TARGET = "warehouse"


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
    ``on_execute_callback``.
    """
    from dbt_common import behavior_flags

    behavior_flags.BehaviorFlagRendered._default_source = staticmethod(_module_of_caller)


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


def run_dbt(args: list[str], quiet: bool = True) -> None:
    """Run dbt in-process against the warehouse of the environment; raise when it fails.

    A ``build`` or ``run`` first publishes the config folder's OPD aliases (:func:`publish_opd_aliases`).
    """
    from dbt.cli.main import dbtRunner

    if args and args[0] in ("build", "run") and settings().warehouse_url:
        publish_opd_aliases(settings().warehouse_url)
    speed_up_in_process_dbt()
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
