"""Helpers of the fault tests (docs/fault-matrix.md): a DAG run in a process of its own that a test
can kill, the invariants every row of the matrix asserts, and what the warehouse is doing now."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent

_DAG_RUNNER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {here!r})
    from reprocess_helpers import run_dag_test
    run = run_dag_test({dag_id!r}, conf={conf!r})
    print("DAG RUN STATE", run.state)
    """
)


class Spawned:
    """A process of its own (its own session, so that a kill reaches its children too), its output
    in a file, timed from start to end."""

    def __init__(self, argv: list[str], log: Path):
        self.log = log
        self.started = time.monotonic()
        self.ended: float | None = None
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=os.environ.copy()
            )

    def kill(self) -> None:
        """``kill -9`` of the whole process group: nothing of the process gets to clean up."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        self.ended = time.monotonic()

    def wait(self, timeout: float = 900) -> int:
        code = self.proc.wait(timeout)
        self.ended = time.monotonic()
        return code

    @property
    def seconds(self) -> float:
        assert self.ended is not None
        return self.ended - self.started

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def spawn_dag(dag_id: str, log: Path, conf: dict | None = None) -> Spawned:
    """``dag.test()`` of one DAG in a Python process of its own, as ``ucj run`` runs it."""
    script = _DAG_RUNNER.format(here=str(HERE), dag_id=dag_id, conf=conf or {})
    return Spawned([sys.executable, "-c", script], log)


def spawn_ucj(args: list[str], log: Path) -> Spawned:
    return Spawned([str(Path(sys.executable).parent / "ucj"), *args], log)


def wait_until(condition: Callable[[], object], what: str, timeout: float = 300, every: float = 0.1) -> object:
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def query(conninfo: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def rows_that_do_not_add_up(conninfo: str) -> list[tuple]:
    """Every registered file whose rows do not add up: read = loaded + rejected, the raw rows of its
    batch = loaded, the rows with a rejection = rejected (a loaded file); and every path current
    twice. Empty when sound."""
    bad = query(
        conninfo,
        """with raw as (
               select file_id, count(*) as n from raw.rosters group by 1
               union all select file_id, count(*) from raw.participants group by 1
               union all select file_id, count(*) from raw.claims group by 1
               union all select file_id, count(*) from raw.budgets group by 1
               union all select file_id, count(*) from raw.workforce group by 1
           ),
           rejected as (
               select file_id, count(distinct (coalesce(sheet, ''), source_row)) as n
               from audit.rejected_rows where severity = 'reject' group by 1
           )
           select f.relative_path, f.status, f.rows_read, f.rows_loaded, f.rows_rejected,
                  coalesce(r.n, 0), coalesce(j.n, 0)
           from audit.files f
           left join raw r on r.file_id = f.file_id
           left join rejected j on j.file_id = f.file_id
           where f.rows_read <> f.rows_loaded + f.rows_rejected
              or coalesce(r.n, 0) <> f.rows_loaded
              or (f.status = 'loaded' and coalesce(j.n, 0) <> f.rows_rejected)""",
    )
    twice = query(
        conninfo,
        "select relative_path, count(*) from audit.files where is_current group by 1 having count(*) > 1",
    )
    return bad + twice


def loaded_files(conninfo: str) -> int:
    return query(conninfo, "select count(*) from audit.files where status = 'loaded'")[0][0]
