"""The fault matrix (docs/fault-matrix.md), the rows of one warehouse's night: the faults are
injected one after the other into the tiny sample (seed 7, the session's undisturbed run) plus two
damaged files, as a Pemda's server meets them, and each test asserts its row, and that the rows add
up in every file and the marts equal an undisturbed run's at the end.

The night, in order:

1. ingest, in a process of its own, ``kill -9`` while a COPY streams (it waits behind a lock the
   test holds, so the moment is known); the quarantine folder is a full disk (a 64 KiB tmpfs);
2. ingest again, ``kill -9`` as soon as one more file has been loaded (wherever it is then);
3. two ingest runs at once (one in a process of its own, one here), while one file is being
   copied in (touched again and again, same bytes);
4. the disk is grown and the copy has ended: ingest again; everything is loaded or quarantined, once;
5. transform, undisturbed (timed): the reference time of this machine, now;
6. transform, ``kill -9`` in the middle of its ``dbt build`` (it waits for a table the test locks);
7. transform again (timed, its log read), while a ``ucj dbt run`` starts beside it: the second
   dbt waits for the first (the warehouse's dbt lock), and neither fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import pytest
from fault_helpers import (
    loaded_files,
    query,
    rows_that_do_not_add_up,
    spawn_dag,
    spawn_ucj,
    wait_until,
)
from marts_helpers import ModuleWarehouse, copy_landing
from reprocess_helpers import SEED, marts, prepare_airflow, run_dag_test, task_states, undisturbed_marts

from ucj.generate import generate

pytestmark = pytest.mark.integration

NUL_FILE = "rosters/74.71/2025-06/Daftar Non ASN Juni 2025 (salinan rusak).csv"
LONG_FILE = "rosters/74.71/2025-06/Daftar Non ASN Juni 2025 (kutip).csv"
TRANSFORM_SLOWDOWN_ALLOWED = 1.5  # issue 16: the run after an interruption, against an undisturbed one


def _damaged_files(landing: Path) -> None:
    """A NUL far beyond the sniffed head (256 KB), and one cell longer than the csv module takes."""
    rows = [f"74710101{i:08d},PEKERJA {i},Dinas Kesehatan" for i in range(9000)]
    rows[8800] = rows[8800].replace("PEKERJA", "PEK\x00ERJA")
    (landing / NUL_FILE).write_text("NIK,Nama,OPD\n" + "\n".join(rows) + "\n", encoding="utf-8")
    rows = [f"74710101{i:08d},PEKERJA {i},Dinas Kesehatan" for i in range(20)]
    rows[10] = rows[10].replace("PEKERJA", '"' + "X" * 140_000)
    (landing / LONG_FILE).write_text("NIK,Nama,OPD\n" + "\n".join(rows) + "\n", encoding="utf-8")


class LockedTable(threading.Thread):
    """Hold a lock on a table until told to let go: whoever writes it (a COPY, a dbt model) waits
    at a known moment."""

    def __init__(self, conninfo: str, table: str, mode: str = "share"):
        super().__init__(daemon=True)
        self.conninfo, self.table, self.mode = conninfo, table, mode
        self.locked, self.release = threading.Event(), threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.conninfo) as conn:
            conn.execute(f"lock table {self.table} in {self.mode} mode")
            self.locked.set()
            self.release.wait(600)
            conn.rollback()


def _waiting(conninfo: str, database: str, table: str, like: str = "%") -> bool:
    """A statement of the database that waits for a lock on the table. Read from pg_locks, not
    from the statement's text: pg_stat_activity keeps only its first 1 kB, and a model's pre-hook
    names the table after that."""
    return bool(
        query(
            conninfo,
            """select 1 from pg_locks as locks
               inner join pg_stat_activity as activity on activity.pid = locks.pid
               where activity.datname = %s and not locks.granted and locks.locktype = 'relation'
                   and locks.relation = to_regclass(%s) and activity.query ilike %s""",
            (database, table, like),
        )
    )


class Toucher(threading.Thread):
    """A copy into the landing folder that goes on: the file's time changes every 50 ms, its bytes
    stay the same (so that the marts can equal an undisturbed run's once it has settled)."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.stop = path, threading.Event()

    def run(self) -> None:
        tick = time.time_ns()
        while not self.stop.wait(0.05):
            tick += 1_000_000_000
            os.utime(self.path, ns=(tick, tick))


@contextmanager
def _small_disk(folder: Path) -> Iterator[bool]:
    """The quarantine folder on a 64 KiB tmpfs (the two damaged files do not fit); False where
    this machine does not let the test mount one (the folder is then an ordinary one)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = (
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def _lock_held_by(conninfo: str, application: str) -> bool:
    return bool(
        query(
            conninfo,
            """select 1 from pg_locks l join pg_stat_activity a using (pid)
                                   where l.locktype = 'advisory' and l.granted and a.application_name = %s""",
            (application,),
        )
    )


def _running(conninfo: str) -> set[str]:
    return {r[0] for r in query(conninfo, "select run_id from audit.pipeline_runs where state = 'running'")}


@pytest.fixture(scope="module")
def night(tmp_path_factory, pg_server_url) -> dict:
    tmp = tmp_path_factory.mktemp("faults")
    generated = tmp / "generated"
    generate("tiny", SEED, generated)
    baseline = undisturbed_marts(generated, tmp_path_factory.mktemp("undisturbed"), pg_server_url)
    wh = ModuleWarehouse(tmp, pg_server_url)
    out: dict = {"baseline": baseline, "tmp": tmp}
    stack = ExitStack()
    try:
        conninfo = out["conninfo"] = wh.database()
        database = wh.names[-1]
        prepare_airflow()
        landing = out["landing"] = copy_landing(generated, tmp / "landing")
        _damaged_files(landing)
        conf = {"landing_dir": str(landing)}

        quarantine = tmp / "quarantine-small-disk"
        disk = stack.enter_context(_small_disk(quarantine))
        os.environ["UCJ_QUARANTINE_DIR"] = str(quarantine)  # ModuleWarehouse.close() restores it
        out["disk_mounted"] = disk

        # 1. killed while a COPY streams
        lock = LockedTable(conninfo, "raw.participants")
        lock.start()
        assert lock.locked.wait(60)
        first = spawn_dag("ucj_ingest", tmp / "ingest-1.log", conf)
        wait_until(
            lambda: _waiting(conninfo, database, "raw.participants", "copy raw.participants%"), "a COPY behind the lock"
        )
        out["loaded_before_kill_1"] = loaded_files(conninfo)
        first.kill()
        lock.release.set()
        lock.join(30)
        out["after_kill_1"] = (loaded_files(conninfo), rows_that_do_not_add_up(conninfo))
        out["killed_runs"] = _running(conninfo)

        # 2. killed as soon as one more file is in
        second = spawn_dag("ucj_ingest", tmp / "ingest-2.log", conf)
        before = loaded_files(conninfo)
        wait_until(lambda: loaded_files(conninfo) > before, "one more file loaded", every=0.02)
        second.kill()
        out["after_kill_2"] = (loaded_files(conninfo), rows_that_do_not_add_up(conninfo))
        out["killed_runs"] |= _running(conninfo)

        # 3. two runs at once, while a file is still being copied in
        loaded = {r[0] for r in query(conninfo, "select relative_path from audit.files where status = 'loaded'")}
        candidates = sorted(
            str(p.relative_to(landing))
            for p in landing.rglob("*.csv")
            if str(p.relative_to(landing)) not in loaded and str(p.relative_to(landing)) not in (NUL_FILE, LONG_FILE)
        )
        assert candidates, "the kills left no file to load"
        changing = out["changing"] = candidates[0]
        out["changing_bytes"] = (landing / changing).read_bytes()
        out["unloaded_before_3"] = len(candidates)
        toucher = Toucher(landing / changing)
        toucher.start()
        beside = spawn_dag("ucj_ingest", tmp / "ingest-3-beside.log", conf)
        third = run_dag_test("ucj_ingest", conf=conf)
        out["beside_ingest_rc"] = beside.wait()
        toucher.stop.set()
        toucher.join(10)
        out["third"] = (str(third.state), task_states(third))
        out["beside_ingest_log"] = beside.output
        out["after_3"] = query(
            conninfo,
            "select relative_path, status from audit.files where relative_path in (%s, %s, %s)",
            (changing, NUL_FILE, LONG_FILE),
        )
        out["landing_after_3"] = {rel: (landing / rel).exists() for rel in (NUL_FILE, LONG_FILE)}
        out["quarantine_after_3"] = sorted(str(p.relative_to(quarantine)) for p in quarantine.rglob("*") if p.is_file())

        # 4. space freed, the copy has ended: the next run finishes the work
        if disk:
            subprocess.run(["mount", "-o", "remount,size=16m", str(quarantine)], check=True)
        old = time.time() - 3600
        os.utime(landing / changing, (old, old))
        fourth = run_dag_test("ucj_ingest", conf=conf)
        out["fourth"] = (str(fourth.state), task_states(fourth))

        # 5. an undisturbed transform, the reference time
        undisturbed = spawn_dag("ucj_transform", tmp / "transform-undisturbed.log")
        out["undisturbed_rc"] = undisturbed.wait()
        out["undisturbed_seconds"] = undisturbed.seconds
        out["marts_undisturbed_transform"] = marts(conninfo)

        # 6. killed in the middle of its dbt build: it reaches a table the test holds
        lock = LockedTable(conninfo, "intermediate.int_participation_monthly", "access exclusive")
        lock.start()
        assert lock.locked.wait(60)
        killed = spawn_dag("ucj_transform", tmp / "transform-killed.log")
        wait_until(
            lambda: _waiting(conninfo, database, "intermediate.int_participation_monthly"),
            "the build at the locked table",
        )
        killed.kill()
        lock.release.set()
        lock.join(30)

        # 7. again, with a second dbt beside it
        rerun = spawn_dag("ucj_transform", tmp / "transform-rerun.log")
        wait_until(
            lambda: _lock_held_by(conninfo, "ucj: ucj_transform dbt.dbt_producer_watcher"), "the build's dbt lock"
        )
        beside = spawn_ucj(["dbt", "run", "--select", "path:models/staging"], tmp / "dbt-beside.log")
        out["rerun_rc"], out["beside_rc"] = rerun.wait(), beside.wait()
        out["rerun_seconds"] = rerun.seconds
        out["rerun_log"], out["beside_log"] = rerun.output, beside.output
        out["undisturbed_log"] = undisturbed.output
        out["marts"] = marts(conninfo)
        out["runs"] = query(
            conninfo, "select dag_id, run_id, state, to_jsonb(r)::text from audit.pipeline_runs r order by started_at"
        )
        yield out
    finally:
        wh.close()
        stack.close()


def _assert_invariants(night: dict) -> None:
    assert rows_that_do_not_add_up(night["conninfo"]) == []
    assert night["marts"] == night["baseline"], "the marts differ from an undisturbed run's"


def test_killed_mid_copy_leaves_nothing_and_the_next_run_loads_the_file(night) -> None:
    loaded, unsound = night["after_kill_1"]
    assert unsound == [], "a killed COPY left rows behind"
    assert loaded == night["loaded_before_kill_1"], "the file of the killed COPY was registered"
    participants = query(
        night["conninfo"], "select count(*) from audit.files where source = 'participants' and status = 'loaded'"
    )[0][0]
    assert participants > 0, "the next runs loaded the participation exports"
    _assert_invariants(night)


def test_killed_mid_ingest_keeps_what_was_committed(night) -> None:
    loaded, unsound = night["after_kill_2"]
    assert unsound == []
    assert loaded > night["after_kill_1"][0]
    _assert_invariants(night)


def test_killed_runs_left_running_are_closed_as_failed_by_the_next_run(night) -> None:
    assert len(night["killed_runs"]) == 2, night["killed_runs"]
    states = {run_id: (state, row) for _, run_id, state, row in night["runs"]}
    for run_id in night["killed_runs"]:
        state, row = states[run_id]
        assert state == "failed" and re.search(r"without recording its end", row), (run_id, state, row)
    assert not [r for r in night["runs"] if r[2] == "running"], night["runs"]
    _assert_invariants(night)


def test_a_file_changing_while_read_is_left_for_the_next_run(night) -> None:
    assert not [row for row in night["after_3"] if row[0] == night["changing"]], "a file still changing was registered"
    rows = query(
        night["conninfo"], "select status, rows_read from audit.files where relative_path = %s", (night["changing"],)
    )
    assert len(rows) == 1 and rows[0][0] == "loaded" and rows[0][1] > 0, rows
    assert (night["landing"] / night["changing"]).read_bytes() == night["changing_bytes"]
    _assert_invariants(night)


def test_two_ingest_runs_at_once_load_every_file_once(night) -> None:
    assert night["unloaded_before_3"] > 1, "the two runs had files to share"
    assert "DAG RUN STATE" in night["beside_ingest_log"], night["beside_ingest_log"][-2000:]
    twice = query(
        night["conninfo"],
        "select relative_path from audit.files where status = 'loaded' group by 1 having count(*) > 1",
    )
    assert twice == [], "a file loaded twice"
    _assert_invariants(night)


def test_a_full_quarantine_disk_keeps_the_damaged_files_in_the_landing_until_space_is_freed(night) -> None:
    if not night["disk_mounted"]:
        pytest.skip("no tmpfs on this machine: test_fault_quarantine_disk.py simulates the full disk instead")
    assert night["landing_after_3"] == {NUL_FILE: True, LONG_FILE: True}, "moved to a full disk"
    kept = night["quarantine_after_3"]
    assert not [f for f in kept if f in (NUL_FILE, LONG_FILE) or "partial" in f], kept
    assert night["third"][0] == "failed", "a full quarantine disk fails the run (Airflow alerts)"
    assert night["fourth"][0] == "success", night["fourth"]
    _assert_invariants(night)


@pytest.mark.parametrize(("path", "code"), [(NUL_FILE, "NUL_CHARACTER"), (LONG_FILE, "FIELD_TOO_LONG")])
def test_a_damaged_file_is_quarantined_with_its_reason_and_the_night_goes_on(night, path: str, code: str) -> None:
    rows = query(
        night["conninfo"],
        "select status, error_code, quarantine_path from audit.files where relative_path = %s",
        (path,),
    )
    assert [(status, error) for status, error, _ in rows] == [("quarantined", code)]
    moved = Path(rows[0][2])
    assert moved.exists() and Path(f"{moved}.report.md").exists() and not (night["landing"] / path).exists()
    assert night["fourth"][0] == "success", night["fourth"]
    _assert_invariants(night)


def test_a_transform_after_a_killed_one_builds_cleanly_in_its_usual_time(night) -> None:
    assert night["undisturbed_rc"] == 0 and night["rerun_rc"] == 0, night["rerun_log"][-3000:]
    assert night["marts_undisturbed_transform"] == night["baseline"]
    log = night["rerun_log"]
    assert "already exists" not in log
    errors = [line for line in log.splitlines() if "[error" in line]
    assert errors == [], errors[:5]
    limit = TRANSFORM_SLOWDOWN_ALLOWED * night["undisturbed_seconds"]
    assert night["rerun_seconds"] <= limit, (night["rerun_seconds"], night["undisturbed_seconds"])
    _assert_invariants(night)


def test_two_dbt_commands_at_once_wait_for_each_other(night) -> None:
    assert night["beside_rc"] == 0, night["beside_log"][-3000:]
    assert "already exists" not in night["beside_log"] + night["rerun_log"]
    assert re.search(
        r"dbt run waits: another dbt command writes to the warehouse \(ucj: ucj_transform", night["beside_log"]
    ), night["beside_log"][-2000:]
    _assert_invariants(night)
