"""The backfill's dbt and the transform DAG never run at the same time: the backfill waits while
a transform run is running, and a transform's dbt build that starts meanwhile waits for the
backfill's dbt, saying who holds the lock (one session advisory lock in the warehouse,
``ucj.transform.dbt_lock``, taken by ``ucj.tasks.dbt_guard`` and by every writing dbt)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from ucj import tasks, transform

pytestmark = pytest.mark.integration


def test_the_backfill_waits_for_a_running_transform(warehouse) -> None:
    answers = iter([True, True, False])  # the transform is running for two looks, then done
    looks: list[float] = []

    def transform_running() -> bool:
        looks.append(time.monotonic())
        return next(answers)

    with tasks.dbt_guard(warehouse.url, transform_running, poll_seconds=0.2):
        assert len(looks) == 3
    with pytest.raises(TimeoutError):  # a transform that never ends: retried by Airflow later
        with tasks.dbt_guard(warehouse.url, lambda: True, poll_seconds=0.1, timeout=timedelta(seconds=0.3)):
            pass


def test_a_dbt_build_starting_meanwhile_waits_for_the_backfill_dbt(warehouse, caplog) -> None:
    waited: list[float] = []

    def transform_build() -> None:
        started = time.monotonic()
        with transform.dbt_lock(warehouse.url, "ucj_transform dbt.dbt_producer_watcher", poll_seconds=0.2):
            waited.append(time.monotonic() - started)

    with caplog.at_level("WARNING", logger="ucj.transform"):
        with tasks.dbt_guard(warehouse.url, lambda: False):
            build = threading.Thread(target=transform_build)
            build.start()
            time.sleep(1.0)  # the backfill's dbt runs
            assert build.is_alive() and not waited, "the transform's build must wait for the lock"
        build.join(10)
    assert waited and waited[0] >= 0.9
    waiting = [r.getMessage() for r in caplog.records if "waits" in r.getMessage()]
    assert waiting and "ucj: ucj_backfill dbt (server pid" in waiting[0], waiting
    with tasks.dbt_guard(warehouse.url, lambda: False):  # released: free to take again
        pass


def test_a_dbt_lock_that_is_never_released_times_out_with_its_holder_named(warehouse) -> None:
    with transform.dbt_lock(warehouse.url, "first"):
        with pytest.raises(TimeoutError, match=r"still held by ucj: first \(server pid"):
            with transform.dbt_lock(warehouse.url, "second", poll_seconds=0.1, timeout=timedelta(seconds=0.3)):
                pass
