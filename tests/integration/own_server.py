"""A PostgreSQL server of a test's own (initdb + pg_ctl in a temporary folder, its own port), for
tests that stop, start or restart the server: never the session's or the machine's shared one.

PostgreSQL refuses to run as root: under root the binaries run as the ``postgres`` OS user
(``runuser``), in a folder owned by it. The server listens on 127.0.0.1 only, trusts local
connections, and skips fsync (a test's data need not survive a power cut).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

RUN_AS = "postgres"  # the unprivileged OS user the server runs as when the tests run as root
SUPERUSER = "postgres"


def find_bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: ``UCJ_TEST_PG_BINDIR``, the newest
    ``/usr/lib/postgresql/<version>/bin`` (Debian), or ``PATH``; None when there is none."""
    candidates = [os.environ.get("UCJ_TEST_PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    on_path = shutil.which("initdb")
    candidates.append(str(Path(on_path).parent) if on_path else "")
    for folder in filter(None, candidates):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnServer:
    """One PostgreSQL server in a temporary folder: :meth:`start`, :meth:`stop`, :meth:`restart`,
    :meth:`remove` (stops it first). ``url`` is the superuser's URL of the ``postgres`` database."""

    def __init__(self, bindir: Path, port: int | None = None) -> None:
        self.bindir = bindir
        self.port = port or _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="ucj-own-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam(RUN_AS)
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as_user = ["runuser", "-u", RUN_AS, "--"]
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=utf8", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [*self._as_user, str(self.bindir / program), *args]
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop (``fast``: every session is ended, its open transaction rolled back) and wait."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def is_running(self) -> bool:
        command = [*self._as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(command, cwd=self.root, capture_output=True).returncode == 0

    def accepts_connections(self) -> bool:
        try:
            with psycopg.connect(self.url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def remove(self) -> None:
        """Stop the server if it runs (immediately, if a fast stop fails) and delete its folder."""
        try:
            if self.data.exists() and self.is_running():
                try:
                    self.stop("fast")
                except (RuntimeError, subprocess.TimeoutExpired):
                    self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def running_server() -> Iterator[OwnServer]:
    """A started :class:`OwnServer`, removed afterwards (also when the test fails); the test is
    skipped when the machine has no PostgreSQL server binaries."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) found; set UCJ_TEST_PG_BINDIR")
    server = OwnServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.remove()
