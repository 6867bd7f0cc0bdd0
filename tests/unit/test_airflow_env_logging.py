"""dag.test()'s waiting line said once (issue 20: one failed task flooded 438 such lines)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

from ucj.airflow_env import WaitingSaidOnce


class State(Enum):
    UP_FOR_RETRY = "up_for_retry"
    NONE = "none"


@dataclass(frozen=True)
class FakeTI:  # the two attributes the filter reads of an Airflow TaskInstance
    task_id: str
    state: State


def test_the_waiting_line_is_said_once_short_and_again_when_the_states_change(caplog) -> None:
    logger = logging.getLogger("airflow.sdk.definitions.dag")
    waiting = WaitingSaidOnce()
    logger.addFilter(waiting)
    first = {
        FakeTI("ingest_file", State.UP_FOR_RETRY),
        FakeTI("summarize", State.NONE),
        FakeTI("record_run", State.NONE),
    }
    second = {FakeTI("summarize", State.NONE), FakeTI("record_run", State.NONE)}
    try:
        with caplog.at_level(logging.WARNING, logger=logger.name):
            for _ in range(300):  # a retry's delay: one line a second
                logger.warning("No tasks to run. unrunnable tasks: %s", first)
            for _ in range(5):
                logger.warning("No tasks to run. unrunnable tasks: %s", second)
            logger.warning("something else")
    finally:
        logger.removeFilter(waiting)
    messages = [r.getMessage() for r in caplog.records if r.name == logger.name]
    assert messages == [
        "No tasks to run yet: 3 unfinished tasks wait (2 none, 1 up_for_retry); said again when that changes",
        "No tasks to run yet: 2 unfinished tasks wait (2 none); said again when that changes",
        "something else",
    ]
