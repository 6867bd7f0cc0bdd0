"""Privacy building blocks (issue 7): the HMAC in SQL against Python's ``hmac``, the key only the
owner reads, roles made idempotently in every database, no full NIK in logs, no secret committed."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from ucj import tasks
from ucj.config import PROJECT_ROOT
from ucj.migrate import migrate
from ucj.privacy import DEV_PSEUDONYM_KEY, participant_key
from ucj.warehouse import TRANSFORMER, PgParams

pytestmark = pytest.mark.integration

NIK = "7471015203900001"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (b"k", NIK.encode()),
        (b"", b""),
        (b"\x00" * 3, b"\xff" * 200),
        (b"x" * 64, b"block-sized key"),
        (b"y" * 65, b"a key longer than a block is hashed first"),
        ("kunci rahasia: é ü 漢".encode(), b"KPJ:12345678901"),
    ],
)
def test_hmac_sha256_in_sql_equals_python(warehouse, key: bytes, message: bytes) -> None:
    with psycopg.connect(warehouse.conninfo) as conn:
        got = conn.execute("select private.hmac_sha256(%s, %s)", (key, message)).fetchone()[0]
    assert bytes(got) == hmac.new(key, message, hashlib.sha256).digest()


def test_the_key_is_the_owners_alone(warehouse, monkeypatch) -> None:
    with psycopg.connect(warehouse.conninfo, autocommit=True) as conn:
        conn.execute("delete from private.pseudonym_key")
        monkeypatch.delenv("UCJ_PSEUDONYM_KEY", raising=False)
        migrate(warehouse.conninfo)  # unset, and no key stored: the development key
        assert conn.execute("select private.participant_key(%s)", (NIK,)).fetchone()[0] == participant_key(
            NIK, DEV_PSEUDONYM_KEY
        )
        monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "a-deployment-key")
        migrate(warehouse.conninfo)
        assert conn.execute("select private.participant_key(%s)", (NIK,)).fetchone()[0] == participant_key(
            NIK, "a-deployment-key"
        )
        conn.execute("delete from private.pseudonym_key")
        with pytest.raises(errors.RaiseException, match="no pseudonym key"):
            conn.execute("select private.participant_key(%s)", (NIK,))
    p = PgParams.from_url(warehouse.url)
    as_transformer = PgParams(p.host, p.port, TRANSFORMER, "", p.dbname).conninfo()
    with psycopg.connect(as_transformer, autocommit=True) as conn:
        for statement in ("select * from private.pseudonym_key", "select private.hmac_pads('x')"):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)


def test_roles_exist_once_for_every_database(warehouse) -> None:
    """The migration ran in this database after others on the same server (roles are cluster-wide)."""
    migrate(warehouse.conninfo)  # and again: nothing to do
    with psycopg.connect(warehouse.conninfo) as conn:
        pemda = conn.execute("select role_name, kode_wilayah from access.pemda_roles order by 2").fetchall()
        members = conn.execute(
            "select count(*) from pg_roles where rolname like 'ucj\\_pemda\\_74%'"
            " and pg_has_role(rolname, 'ucj_pemda', 'member') and not rolcanlogin"
        ).fetchone()[0]
        logins = conn.execute(
            "select rolname from pg_roles where rolcanlogin and not rolsuper and rolname in"
            " ('ucj_loader', 'ucj_transformer', 'ucj_bi_reader', 'ucj_caseworker') order by 1"
        ).fetchall()
    assert len(pemda) == 17 == members
    assert pemda[0] == ("ucj_pemda_7401", "74.01") and pemda[-1] == ("ucj_pemda_7472", "74.72")
    assert [r[0] for r in logins] == ["ucj_bi_reader", "ucj_caseworker", "ucj_loader", "ucj_transformer"]


def test_logs_never_show_a_full_nik(tmp_path, caplog) -> None:
    """A file name carrying a NIK breaks the landing contract and is logged: masked."""
    bad = tmp_path / "rosters" / "74.71" / "2025-06" / "sub" / f"KTP {NIK}.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("NIK\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="ucj"):
        assert tasks.list_files(tmp_path) == []
        try:
            raise ValueError(f"row 2: NIK {NIK} twice")
        except ValueError:
            logging.getLogger("ucj.tasks").exception("failed for %s", NIK)
    assert "not under the landing contract" in caplog.text
    assert NIK not in caplog.text and "************0001" in caplog.text
    assert all(NIK not in (r.exc_text or "") for r in caplog.records)
    assert logging.makeLogRecord({"msg": "x"}).getMessage() == "x"  # as structlog's formatter rebuilds records


SECRET_LINE = re.compile(r"^\s*#?\s*([A-Z0-9_]*(?:PASSWORD|SECRET|_KEY|TOKEN|PASS)[A-Z0-9_]*)\s*[=:]\s*(\S*)")
# Names that look like secrets and are not: Superset's dashboard layout version (bi/superset/bundle).
NOT_SECRETS = {"DASHBOARD_VERSION_KEY"}


def test_no_secret_is_committed() -> None:
    """Every secret-looking setting in a committed settings file is a placeholder or a reference."""
    files = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    checked = [f for f in files.split() if re.search(r"(^|/)\.env[^/]*$|\.ya?ml$|\.sh$|\.cfg$|\.ini$", f)]
    assert ".env.example" in checked and "deploy/.env.example" in checked
    found = []
    for name in checked:
        for line in (PROJECT_ROOT / name).read_text(encoding="utf-8").splitlines():
            match = SECRET_LINE.match(line)
            if not match or not match[2] or match[1].endswith(("_FILE", "_DIR")) or match[1] in NOT_SECRETS:
                continue
            if not re.match(r"""^["']?(change-me|\$\{|\{\{|:)""", match[2]):
                found.append(f"{name}: {line.strip()}")
    assert found == []
    assert not any(re.search(r"(^|/)\.env$", f) for f in files.split()), "a real .env is committed"


def test_a_non_superuser_owner_migrates_a_fresh_server(tmp_path, monkeypatch) -> None:
    """As deployed (deploy/postgres-init): the owner has CREATEROLE, not superuser, and the roles
    do not exist yet. A server of its own (PostgreSQL 16, the strictest about CREATEROLE)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    # Not under pytest's tmp_path: pytest resets /tmp/pytest-of-<user> to 0700 whenever a session
    # starts, and the server (run as the `pgserver` system user under root) must traverse it.
    pgdata = Path(os.environ["UCJ_STATE_DIR"]) / f"pgdata-owner-{tmp_path.name}"
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    try:
        p = PgParams.from_url(server.get_uri())
        with psycopg.connect(p.conninfo("postgres"), autocommit=True) as conn:
            conn.execute("create role ucj_owner login createrole")
            conn.execute("create database warehouse_deployed owner ucj_owner")
        monkeypatch.setenv("UCJ_LOADER_PASSWORD", "a-loader-password")
        owner = PgParams(p.host, p.port, "ucj_owner", "", "warehouse_deployed")
        assert 20 in migrate(owner.conninfo())
        with psycopg.connect(PgParams(p.host, p.port, TRANSFORMER, "", owner.dbname).conninfo()) as conn:
            conn.execute("create table marts.probe as select '74.71'::text as kode_wilayah")
            conn.execute("grant select on marts.probe to ucj_bi_reader")
            assert conn.execute("select private.participant_key(%s)", (NIK,)).fetchone()[0] == participant_key(
                NIK, DEV_PSEUDONYM_KEY
            )
        with psycopg.connect(p.conninfo("warehouse_deployed")) as conn:
            owners = dict(
                conn.execute(
                    "select nspname, pg_get_userbyid(nspowner) from pg_namespace"
                    " where nspname in ('raw', 'audit', 'private', 'marts')"
                ).fetchall()
            )
            with_password = conn.execute(
                "select rolname from pg_authid where rolname like 'ucj\\_%' and rolpassword is not null"
            ).fetchall()
        assert owners == {"raw": "ucj_owner", "audit": "ucj_owner", "private": "ucj_owner", "marts": TRANSFORMER}
        assert with_password == [("ucj_loader",)]
    finally:
        server.cleanup()
