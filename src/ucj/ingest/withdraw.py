"""Withdraw a delivered file that should never have been delivered (``ucj withdraw``).

A wrong Pemda's file, a test upload, a roster sent twice under two names: its current version
stops being current, the registry keeps when and why, and the file leaves the landing folder
for ``<quarantine>/withdrawn/`` so the next night does not load it again. The next transform
drops its rows from the tables rebuilt whole and from the incremental models' nightly window
(``lookback_months``); a file of an older period needs that month rebuilt (the ``ucj_backfill``
DAG for its month and region, docs/runbook.md). Delivering the same content again later
loads it again.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ucj.config import Settings, settings


@dataclass
class Withdrawn:
    relative_path: str
    file_ids: list[int]
    moved_to: Path | None


def withdraw(conninfo: str, relative_path: str, reason: str, cfg: Settings | None = None) -> Withdrawn:
    """Withdraw the current version of ``relative_path`` (relative to the landing folder).

    Raises ``LookupError`` when the path has no current version. Safe to repeat: a second
    call finds nothing current and says so.
    """
    cfg = cfg or settings()
    relative_path = relative_path.replace("\\", "/").strip("/")
    if not reason.strip():
        raise ValueError("give the reason for withdrawing the file (--reason)")
    with psycopg.connect(conninfo) as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (relative_path,))
        rows = conn.execute(
            """update audit.files set is_current = false, withdrawn_at = now(), withdrawn_reason = %s
               where relative_path = %s and is_current
               returning file_id""",
            (reason.strip(), relative_path),
        ).fetchall()
        if not rows:
            raise LookupError(f"{relative_path}: no current version in the registry (audit.files); nothing withdrawn")
        landed = cfg.landing_dir / relative_path
        moved: Path | None = None
        if landed.exists():
            moved = _free(cfg.quarantine_dir / "withdrawn" / relative_path)
            moved.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(landed, moved)
            moved.with_name(moved.name + ".withdrawn.txt").write_text(
                f"Ditarik / withdrawn: {relative_path}\nAlasan / reason: {reason.strip()}\n", encoding="utf-8"
            )
    return Withdrawn(relative_path, [r[0] for r in rows], moved)


def _free(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.{n}{path.suffix}")
        n += 1
    return candidate
