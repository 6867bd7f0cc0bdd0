"""The embedded PostgreSQL after a crash (issue 16, item 7): a ``ucj`` process killed with
``kill -9`` leaves its server running with a handle nobody releases; the next process adopts
it (and says so), and it stops when that process lets go, instead of running on as an orphan."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.integration

HOLD = (
    "from pathlib import Path; import time; from ucj.warehouse import start_embedded; start_embedded(Path({!r}));"
    " print('up', flush=True); time.sleep(600)"
)
USE = (
    "from pathlib import Path; from ucj.warehouse import start_embedded, stop_embedded; start_embedded(Path({!r}));"
    " stop_embedded()"
)


def _postmaster(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


def test_an_orphaned_embedded_server_is_adopted_and_then_stopped() -> None:
    pgdata = Path(os.environ["UCJ_STATE_DIR"]) / f"orphan-{uuid.uuid4().hex[:8]}"
    holder = subprocess.Popen([sys.executable, "-c", HOLD.format(str(pgdata))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "up"
    finally:
        holder.kill()  # kill -9: no atexit, the handle stays in pgserver's list
        holder.wait()
    server = _postmaster(pgdata)
    assert psutil.pid_exists(server)  # the orphan
    done = subprocess.run([sys.executable, "-c", USE.format(str(pgdata))], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "adopted" in done.stderr and str(holder.pid) in done.stderr
    deadline = time.monotonic() + 30
    while psutil.pid_exists(server) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not psutil.pid_exists(server), "the adopted server was not stopped when its last user exited"
