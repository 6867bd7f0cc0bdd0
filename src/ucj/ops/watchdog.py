"""The missed-deadline check: by the deadline (06:00 WITA), tonight's ingest and transform must
have succeeded; otherwise an alert in Bahasa Indonesia goes out (``ucj.ops.alerts``, sent by the
notifiers of ``ucj.ops.notifiers``).

Airflow 3.3's own ``DeadlineAlert`` cannot be exercised with ``dag.test()`` and needs the
triggerer; this check reads the run history (``audit.pipeline_runs``) the DAGs write, so it also
sees a night on which the scheduler never started a run at all. It depends on the deadline it
is given (the watchdog run's logical date), never on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg

from ucj.ops import alerts

NIGHTLY_DAGS = ("ucj_ingest", "ucj_transform")
WINDOW = timedelta(hours=24)  # "tonight": the runs started in the day before the deadline


@dataclass(frozen=True)
class LastRun:
    dag_id: str
    run_id: str
    state: str
    started_at: datetime
    finished_at: datetime | None


@dataclass
class NightlyCheck:
    deadline: datetime
    runs: dict[str, LastRun | None]
    problems: list[str] = field(default_factory=list)  # Bahasa Indonesia, one per problem
    alerted: dict[str, bool] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline.isoformat(),
            "ok": self.ok,
            "problems": list(self.problems),
            "runs": {k: (v.run_id, v.state) if v else None for k, v in self.runs.items()},
            "alerted": self.alerted,
        }


def last_runs(conn: psycopg.Connection, deadline: datetime, window: timedelta = WINDOW) -> dict[str, LastRun | None]:
    """The latest run of each nightly DAG started in ``(deadline - window, deadline]``."""
    from ucj.ops import history

    liveness = "liveness" if history.has_liveness(conn) else "null"
    out: dict[str, LastRun | None] = {}
    for dag_id in NIGHTLY_DAGS:
        row = conn.execute(
            f"""select dag_id, run_id, state, started_at, finished_at, {liveness} from audit.pipeline_runs
               where dag_id = %s and started_at > %s and started_at <= %s
               order by started_at desc limit 1""",  # noqa: S608 - a fixed column name
            (dag_id, deadline - window, deadline),
        ).fetchone()
        if row is None:
            out[dag_id] = None
            continue
        state = history.seen_state(conn, row[0], row[1], row[2], row[5])  # a killed run is not running
        out[dag_id] = LastRun(row[0], row[1], state, row[3], row[4])
    return out


def check(conninfo: str, deadline: datetime, window: timedelta = WINDOW) -> NightlyCheck:
    """What is wrong with tonight's runs at ``deadline`` (nothing: ``ok``)."""
    with psycopg.connect(conninfo) as conn:
        runs = last_runs(conn, deadline, window)
    result = NightlyCheck(deadline, runs)
    since = alerts.when_text(deadline - window)
    for dag_id, run in runs.items():
        if run is None:
            result.problems.append(f"{dag_id}: tidak ada run sejak {since}")
        elif run.state != "success":
            result.problems.append(f"{dag_id}: run {run.run_id} berstatus {run.state}")
        elif run.finished_at is None or run.finished_at > deadline:
            result.problems.append(f"{dag_id}: run {run.run_id} selesai {alerts.when_text(run.finished_at)}")
    ingest, transform = runs["ucj_ingest"], runs["ucj_transform"]
    if ingest and transform and transform.started_at < ingest.started_at:
        result.problems.append(
            f"ucj_transform: tidak ada run setelah ingest {ingest.run_id} (mart belum memuat data malam ini)"
        )
    return result


def check_and_alert(conninfo: str, deadline: datetime, window: timedelta = WINDOW) -> NightlyCheck:
    """:func:`check`, then the alert (webhook + e-mail) when something is wrong. Never raises on
    a failed delivery (``notifiers.send``)."""
    result = check(conninfo, deadline, window)
    if not result.ok:
        alert = alerts.nightly_missed_alert(deadline_time=deadline, problems=result.problems)
        from ucj.ops import notifiers

        result.alerted = notifiers.send(alert)
    return result
