"""The planner guard of bench/plans.py (issue 17 item 3): the comparison of two dbt runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("bench_plans", Path(__file__).parents[2] / "bench" / "plans.py")
plans = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plans)


def _results(**nodes: tuple[float, str]) -> dict:
    rows = [
        {"unique_id": f"model.ucj_warehouse.{name}", "execution_time": s, "status": status}
        for name, (s, status) in nodes.items()
    ]
    rows.append({"unique_id": "test.ucj_warehouse.not_null_x.abc", "execution_time": 99.0, "status": "pass"})
    return {"results": rows}


def test_a_model_slower_than_the_ratio_fails() -> None:
    embedded = _results(fast=(0.2, "success"), lapsed=(8.0, "success"))
    external = _results(fast=(3.0, "success"), lapsed=(45.0, "success"))
    rows, failures = plans.compare(embedded, external, ratio=5.0, floor=5.0)
    assert [r["node"] for r in rows] == ["lapsed", "fast"]  # slowest on the external server first
    assert len(failures) == 1 and failures[0].startswith("lapsed: 45.0 s")
    assert rows[1]["ratio"] == 1.0  # 3.0 s and 0.2 s both count as the 5 s floor: no flapping


def test_a_timeout_on_the_external_server_fails_and_tests_are_ignored() -> None:
    embedded = _results(lapsed=(8.0, "success"))
    external = _results(lapsed=(600.0, "error"))
    _, failures = plans.compare(embedded, external)
    assert failures == ["lapsed: error on the external server after 600.0 s (8.0 s embedded)"]
    _, failures = plans.compare(embedded, _results(lapsed=(30.0, "success")))
    assert failures == []  # 3.75x: within 5x
