"""The servers the integration tests run on: the session's (embedded PostgreSQL 16, or
``UCJ_TEST_WAREHOUSE_URL``) and, for the modules that must hold on any server, an external one:
the PostgreSQL a Pemda already runs (issue 17), here the machine's PostgreSQL 15 on loopback.

``UCJ_TEST_EXTERNAL_URL`` names it (default ``postgresql://postgres@127.0.0.1:5432/postgres``,
a superuser: the tests create a database per module and the project's roles). Unset and not
reachable, its tests are skipped with the reason (a laptop without a server); set (``.ci/run``
sets it), an unreachable server fails them; ``none`` skips them on purpose.
"""

from __future__ import annotations

import os

import psycopg
import pytest

EXTERNAL_ENV = "UCJ_TEST_EXTERNAL_URL"
DEFAULT_EXTERNAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# pytestmark of a module that runs on both servers (its module fixtures are made once per server)
BOTH_SERVERS = pytest.mark.parametrize(
    "pg_server_url", ["default", "external"], indirect=True, scope="module", ids=["session-server", "external-pg"]
)

_checked: dict[str, str] = {}


def external_server_url() -> str:
    """The external server's URL once it answers; skips or fails the test as the docstring says."""
    configured = os.environ.get(EXTERNAL_ENV)
    if configured == "none":
        pytest.skip(f"{EXTERNAL_ENV}=none: the external-server runs are off")
    url = configured or DEFAULT_EXTERNAL_URL
    if url not in _checked:
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                _checked[url] = conn.execute("show server_version").fetchone()[0]
        except psycopg.OperationalError as err:
            message = (
                f"the external PostgreSQL for the tests does not answer at {url} ({err}); start it "
                f"(Debian: pg_ctlcluster 15 main start) or set {EXTERNAL_ENV}=none"
            )
            if configured:
                pytest.fail(message)
            pytest.skip(message)
    return url
