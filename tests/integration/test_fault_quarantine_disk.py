"""Fault: the quarantine folder's disk is full when a broken file is to be moved there.

The quarantine folder is a real small disk (a 64 KiB tmpfs, we run as root) and the broken file
is larger than it; the disk is then grown (``remount,size=16m``) as an operator freeing space
would. Where ``mount`` is not allowed, the same steps run against a simulated full disk (a copy
that writes part of the file and fails with ``ENOSPC``), so the behaviour is tested either way.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from ucj.config import settings
from ucj.ingest import quarantine
from ucj.ingest.landing import parse_landed
from ucj.ingest.load import ingest_file
from ucj.ingest.quarantine import QuarantineDiskFull

REL = "rosters/74.71/2025-06/roster.xlsx"
BROKEN_SIZE = 200 * 1024  # larger than the small disk (64 KiB)


@dataclass
class QuarantineDisk:
    folder: Path
    mounted: bool  # a real tmpfs; False: a simulated full disk
    monkeypatch: pytest.MonkeyPatch
    full: bool = True

    def free_space(self) -> None:
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,size=16m", str(self.folder)], check=True)
        self.full = False


class _OtherFileSystem:
    """``os`` as the quarantine module sees it when its folder is on another disk: no rename across."""

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    @staticmethod
    def rename(source: object, target: object) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[QuarantineDisk]:
    folder = tmp_path / "quarantine"
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(folder)]
    mounted = subprocess.run(mount, capture_output=True).returncode == 0
    monkeypatch.setenv("UCJ_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("UCJ_QUARANTINE_DIR", str(folder))
    state = QuarantineDisk(folder, mounted, monkeypatch)
    if mounted:  # a real disk smaller than the file
        stat = os.statvfs(folder)
        assert stat.f_blocks * stat.f_frsize <= 64 * 1024 < BROKEN_SIZE
    if not mounted:  # simulated: a copy onto the full disk writes part of the file, then fails
        copy = shutil.copyfile

        def copyfile(source: object, target: object, **kwargs: object) -> object:
            if not state.full:
                return copy(source, target, **kwargs)
            Path(str(target)).write_bytes(Path(str(source)).read_bytes()[: 16 * 1024])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

        monkeypatch.setattr(quarantine.shutil, "copyfile", copyfile)
        monkeypatch.setattr(quarantine, "os", _OtherFileSystem())
    try:
        yield state
    finally:
        if mounted:
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(folder)], check=False)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _registry(conninfo: str) -> list[tuple]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            "select file_id, relative_path, status, error_code, rows_read, rows_loaded, rows_rejected,"
            " quarantine_path from audit.files order by file_id"
        ).fetchall()


def _partials(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".partial-" in p.name]


def test_a_full_quarantine_disk_keeps_the_file_in_the_landing_until_space_is_freed(
    warehouse, disk: QuarantineDisk
) -> None:
    landing = Path(os.environ["UCJ_LANDING_DIR"])
    path = landing / REL
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 not a workbook " + os.urandom(BROKEN_SIZE))  # an xlsx that cannot be read
    sent = _sha(path)
    landed = parse_landed(landing, REL)

    for _ in range(2):  # the run that judged it, then a run while the disk is still full
        with pytest.raises(QuarantineDiskFull) as raised:
            ingest_file(landed, warehouse.conninfo, run_id="full", cfg=settings())
        message = str(raised.value)
        assert str(disk.folder) in message and "disk" in message.lower() and "full" in message, message
        assert "landing" in message and "next run" in message, message
        assert raised.value.errno == errno.ENOSPC
        assert path.exists() and _sha(path) == sent  # untouched in the landing folder
        assert _partials(disk.folder) == []
        rows = _registry(warehouse.conninfo)
        assert len(rows) == 1 and rows[0][2] == "quarantined" and rows[0][3] == "UNREADABLE", rows  # judged once
        target = Path(rows[0][7])
        assert not target.exists()  # no truncated "quarantined" copy

    disk.free_space()
    outcome = ingest_file(landed, warehouse.conninfo, run_id="freed", cfg=settings())
    assert (outcome.status, outcome.error_code, outcome.quarantine_path) == ("quarantined", "UNREADABLE", str(target))
    assert not path.exists()
    assert _sha(target) == sent
    report = target.with_name(target.name + ".report.md").read_text(encoding="utf-8")
    assert "UNREADABLE" in report and REL in report
    assert all(target.with_name(target.name + s).exists() for s in quarantine.REPORT_SUFFIXES)
    assert _partials(disk.folder) == []

    rows = _registry(warehouse.conninfo)
    assert [r[0] for r in rows] == [outcome.file_id]  # one registry row, the first verdict's
    assert all(r[4] == r[5] + r[6] for r in rows), rows  # rows_read = rows_loaded + rows_rejected

    again = ingest_file(landed, warehouse.conninfo, run_id="after", cfg=settings())
    assert again.status == "gone" and len(_registry(warehouse.conninfo)) == 1
