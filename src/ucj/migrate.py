"""Versioned schema migrations for what the pipeline owns (raw, audit, roles).

Migrations are the SQL files ``migrations/V<NNN>__<name>.sql`` of this package, applied in
order, each in its own transaction, and recorded in ``audit.schema_migrations`` with a
checksum. An applied file that has since changed is an error, not a silent re-run. A
PostgreSQL advisory lock keeps two processes from migrating at once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

_LOCK_KEY = 7471_0001  # advisory lock id for migrations
_NAME = re.compile(r"^V(\d{3})__([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available() -> list[Migration]:
    folder = resources.files("ucj") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def migrate(conninfo: str) -> list[int]:
    """Apply the migrations not yet applied; return their versions."""
    applied_now: list[int] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute("create schema if not exists audit")
            conn.execute(
                """create table if not exists audit.schema_migrations (
                       version integer primary key, name text not null, checksum text not null,
                       applied_at timestamptz not null default now())"""
            )
            done = dict(conn.execute("select version, checksum from audit.schema_migrations").fetchall())
            for migration in available():
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise RuntimeError(
                            f"migration V{migration.version:03d}__{migration.name}.sql was changed after it "
                            "was applied; add a new migration instead of editing an applied one"
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "insert into audit.schema_migrations (version, name, checksum) values (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                applied_now.append(migration.version)
            from ucj.warehouse import apply_secrets  # role passwords and the pseudonym key, from env

            apply_secrets(conn)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied_now
