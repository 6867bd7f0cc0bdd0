"""bench/run.py on an external server (issue 17 item 5): database names, the server in the report."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from unittest import mock

import pytest

BENCH = Path(__file__).parents[2] / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    # run.py puts bench/ on sys.path and sets UCJ_SETTLE_SECONDS when imported: not for the other tests
    with mock.patch.dict("os.environ"), mock.patch.object(sys, "path", list(sys.path)):
        spec.loader.exec_module(module)
    return module


run = _load("run")
report = _load("report")


def test_every_database_name_carries_the_prefix() -> None:
    assert run.db_name("bench", "template") == "bench_template"
    assert run.db_name("benchsrvtest", "hist_0123456789") == "benchsrvtest_hist_0123456789"


@pytest.mark.parametrize("prefix", ["", "Bench", "1bench", "bench-pg15", 'x"; drop', "b" * 60])
def test_a_prefix_that_needs_quoting_or_is_too_long_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="--db-prefix"):
        run.db_name(prefix, "template")


def test_the_report_names_the_server() -> None:
    external = {"server": {"kind": "external", "version": "15.20", "build": "…", "address": "127.0.0.1:5432"}}
    assert report.server(external) == "PostgreSQL 15.20 (external, 127.0.0.1:5432)"
    assert report.server({"postgresql": "16.2 (pgserver, embedded, unix socket)"}).startswith("PostgreSQL 16.2")
