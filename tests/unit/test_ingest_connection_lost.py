"""The loader's message when the warehouse goes away: one line that names the file, says nothing of
it was kept and that the retry loads it again; still a transient error for Airflow's retries.
No database: an unreachable port, and a stand-in connection that breaks."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import psycopg
import pytest

from ucj.ingest import load
from ucj.ingest.landing import parse_landed
from ucj.ingest.load import WarehouseUnavailable, ingest_file
from ucj.ops.retries import classify

RELATIVE = "participants/74.71/2025-06/KEPESERTAAN_7471_JUNI_2025.csv"


@pytest.fixture
def landed(tmp_path: Path):
    path = tmp_path / RELATIVE
    path.parent.mkdir(parents=True)
    path.write_text("kpj,nik\n")
    return parse_landed(tmp_path, RELATIVE)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


class _Broken:
    """A connection whose server went away while the file was loaded."""

    broken = closed = True

    def __enter__(self) -> _Broken:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class _Alive(_Broken):
    """A connection the server answered with an error (a deadlock, a lock timeout): still open."""

    broken = closed = False


def test_lost_connection_is_one_clear_line(caplog) -> None:
    cause = psycopg.OperationalError(
        "consuming input failed: server closed the connection unexpectedly\n\tThis probably means the server"
    )
    with caplog.at_level(logging.ERROR, logger="ucj.ingest.load"):
        error = WarehouseUnavailable.for_file(RELATIVE, cause, connected=True)
    message = str(error)
    assert message == (
        f"{RELATIVE}: the warehouse connection was lost while loading the file (consuming input failed: server"
        " closed the connection unexpectedly); its transaction was rolled back, so nothing of the file was kept,"
        " and the task's retry (or the next run) loads it again"
    )
    assert [r.getMessage() for r in caplog.records] == [message]
    assert classify(error) == "transient", "Airflow retries it"


def test_unreachable_warehouse_says_nothing_was_loaded() -> None:
    error = WarehouseUnavailable.for_file(RELATIVE, psycopg.OperationalError("connection refused"), connected=False)
    message = str(error)
    assert message.startswith(f"{RELATIVE}: the warehouse could not be reached to load the file (connection refused)")
    assert "nothing of the file was loaded" in message and "\n" not in message


def test_identifiers_in_the_server_message_are_masked() -> None:
    error = WarehouseUnavailable.for_file(
        RELATIVE, psycopg.OperationalError("lost while copying NIK 7471015203900001"), connected=True
    )
    assert "7471015203900001" not in str(error) and "0001" in str(error)


def test_ingest_file_when_the_warehouse_is_down(landed) -> None:
    conninfo = f"host=127.0.0.1 port={_closed_port()} user=nobody dbname=warehouse connect_timeout=5"
    with pytest.raises(WarehouseUnavailable, match="could not be reached") as caught:
        ingest_file(landed, conninfo)
    assert isinstance(caught.value.__cause__, psycopg.OperationalError)
    assert landed.path.exists(), "the file stays in the landing folder for the retry"


def test_ingest_file_when_the_connection_breaks(landed, monkeypatch) -> None:
    cause = psycopg.errors.AdminShutdown("terminating connection due to administrator command")

    def lose_it(*args: object) -> None:
        raise cause

    monkeypatch.setattr(load.psycopg, "connect", lambda conninfo: _Broken())
    monkeypatch.setattr(load, "_ingest_locked", lose_it)
    with pytest.raises(WarehouseUnavailable, match="connection was lost while loading the file") as caught:
        ingest_file(landed, "dbname=unused")
    assert caught.value.__cause__ is cause
    assert str(caught.value).startswith(RELATIVE)


def test_an_error_the_server_answered_is_left_as_it_is(landed, monkeypatch) -> None:
    cause = psycopg.errors.DeadlockDetected("deadlock detected")

    def deadlock(*args: object) -> None:
        raise cause

    monkeypatch.setattr(load.psycopg, "connect", lambda conninfo: _Alive())
    monkeypatch.setattr(load, "_ingest_locked", deadlock)
    with pytest.raises(psycopg.errors.DeadlockDetected) as caught:
        ingest_file(landed, "dbname=unused")
    assert caught.value is cause
