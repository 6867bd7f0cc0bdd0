"""Test session set-up: a private state folder (embedded PostgreSQL, Airflow home) per session.

Airflow reads its configuration when first imported, so the environment is fixed here, before
any test imports it. Integration tests get a fresh warehouse database each; set
``UCJ_TEST_WAREHOUSE_URL`` to run them against another PostgreSQL server (e.g. the machine's).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_STATE = Path(os.environ.get("UCJ_TEST_STATE_DIR") or tempfile.mkdtemp(prefix="ucj-test-"))
os.environ["UCJ_STATE_DIR"] = str(_STATE)
os.environ.pop("UCJ_WAREHOUSE_URL", None)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("UCJ_RETRY_DELAY_SECONDS", "1")
os.environ.setdefault("UCJ_SETTLE_SECONDS", "0")  # tests write their files just before loading them
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from ucj import airflow_env  # noqa: E402

airflow_env.configure()

# Property-based tests (Hypothesis): a fixed number of examples, derandomised, so CI's time is
# bounded and a failure reproduces; `HYPOTHESIS_PROFILE=explore` searches wider by hand.
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile(
    "ci", max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("explore", max_examples=1000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


OPT_IN_MARKERS = ("stack", "bi")  # slow suites with their own make target: test-stack, test-bi


def pytest_collection_modifyitems(config, items):
    """Tests marked ``stack`` (the compose stack under Podman, slow) or ``bi`` (Superset in its own
    venv) run only when ``-m`` names the marker (``make test-stack``, ``make test-bi``); ``make test``
    and a plain ``pytest`` leave them out."""
    named = config.option.markexpr or ""
    dropped = [m for m in OPT_IN_MARKERS if m not in named]
    kept = [item for item in items if not any(item.get_closest_marker(m) for m in dropped)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
