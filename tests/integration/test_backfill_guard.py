"""The backfill's dbt and the transform DAG never run at the same time: the backfill waits while
a transform run is running, and a transform that starts meanwhile waits for the backfill's dbt
(a session advisory lock in the warehouse, ``ucj.tasks.dbt_guard``)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from ucj import tasks

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


def test_a_transform_starting_meanwhile_waits_for_the_backfill_dbt(warehouse) -> None:
    waited: list[float] = []

    def transform_first_task() -> None:
        started = time.monotonic()
        tasks.wait_for_backfill_dbt(warehouse.url)
        waited.append(time.monotonic() - started)

    with tasks.dbt_guard(warehouse.url, lambda: False):
        transform = threading.Thread(target=transform_first_task)
        transform.start()
        time.sleep(1.0)  # the backfill's dbt runs
        assert transform.is_alive() and not waited, "the transform must wait for the lock"
    transform.join(10)
    assert waited and waited[0] >= 0.9
    with tasks.dbt_guard(warehouse.url, lambda: False):  # released: free to take again
        pass
