"""Access with real PostgreSQL roles (issue 7): least roles, BI read-only, per-Pemda rows, pseudonyms.

One tiny landing folder (Kendari and Baubau) is loaded into a fresh warehouse database by the
ingest's own task bodies connecting as ``ucj_loader`` (GX, COPY; no Airflow, which other tests
exercise), then modelled by ``dbt build`` in-process as ``ucj_transformer``: the grants and
row-level security of the marts are what dbt applied. Every check connects as the role it is
about (local trust auth: the roles are LOGIN roles without a password); ``psql`` (the
machine's PostgreSQL client) reads every mart as ``ucj_bi_reader``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from marts_helpers import ModuleWarehouse, copy_landing
from psycopg import errors, sql
from servers import BOTH_SERVERS

from ucj import tasks, transform
from ucj.config import PROJECT_ROOT
from ucj.generate import generate
from ucj.migrate import migrate
from ucj.privacy import participant_key
from ucj.warehouse import BI_READER, CASEWORKER, LOADER, TRANSFORMER, PgParams

pytestmark = [pytest.mark.integration, BOTH_SERVERS]  # issue 17: the PostgreSQL a Pemda runs too

KEY_A = "kunci-uji-A-" + uuid.uuid4().hex  # never committed: made up per test session
KEY_B = "kunci-uji-B-" + uuid.uuid4().hex
KENDARI, BAUBAU = "74.71", "74.72"
GX_RESULTS = PROJECT_ROOT / "expectations" / "gx" / "uncommitted" / "validations"


class Built:
    def __init__(
        self, conninfo: str, target_dir: Path, pemda_login: str, caseworker_login: str, gx_results: list[Path]
    ) -> None:
        self.conninfo = conninfo
        self.gx_results = gx_results  # the Great Expectations results the ingest wrote
        self.params = PgParams.from_url(_url(conninfo))
        self.target_dir = target_dir
        self.pemda_login = pemda_login  # a LOGIN member of ucj_pemda_7471 (Kendari's analyst)
        self.caseworker_login = caseworker_login  # member of ucj_caseworker and ucj_pemda_7472

    def as_role(self, role: str) -> psycopg.Connection:
        p = self.params
        return psycopg.connect(PgParams(p.host, p.port, role, "", p.dbname).conninfo(), autocommit=True)

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, autocommit=True)

    def tables(self, schema: str) -> list[str]:
        with self.admin() as conn:
            return [
                r[0]
                for r in conn.execute(
                    "select table_name from information_schema.tables where table_schema = %s order by 1", (schema,)
                )
            ]

    def has_kode_wilayah(self, schema: str, table: str) -> bool:
        with self.admin() as conn:
            return bool(
                conn.execute(
                    "select 1 from information_schema.columns where table_schema = %s and table_name = %s"
                    " and column_name = 'kode_wilayah'",
                    (schema, table),
                ).fetchone()
            )


def _url(conninfo: str) -> str:
    d = psycopg.conninfo.conninfo_to_dict(conninfo)
    return PgParams(str(d["host"]), int(d.get("port") or 5432), str(d["user"]), "", str(d["dbname"])).url()


def _count(conn: psycopg.Connection, schema: str, table: str, where: sql.Composable | None = None) -> int:
    query = sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    if where is not None:
        query = query + sql.SQL(" where ") + where
    return conn.execute(query).fetchone()[0]


def _of_region(kode: str) -> sql.Composable:
    return sql.SQL("left(kode_wilayah, 5) = {}").format(sql.Literal(kode))


@pytest.fixture(scope="module")
def built(tmp_path_factory, pg_server_url):
    tmp = tmp_path_factory.mktemp("roles")
    generated = tmp / "generated"
    generate("tiny", 7, generated)
    landing = copy_landing(generated, tmp / "landing")
    shutil.rmtree(generated)
    wh = ModuleWarehouse(tmp, pg_server_url)
    logins = [f"ucj_test_kendari_{uuid.uuid4().hex[:8]}", f"ucj_test_caseworker_{uuid.uuid4().hex[:8]}"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UCJ_PSEUDONYM_KEY", KEY_A)
        try:
            conninfo = wh.database()  # migrations as the owner; the key goes into private.pseudonym_key
            url = _url(conninfo)
            before = set(GX_RESULTS.rglob("*.json"))
            outcomes = [tasks.ingest_one(rel, landing, url, "roles-test") for rel in tasks.list_files(landing)]
            gx_results = sorted(set(GX_RESULTS.rglob("*.json")) - before)
            statuses = [o["status"] for o in outcomes]  # tiny data carries a few defects on purpose
            assert statuses.count("loaded") >= 10 and set(statuses) <= {"loaded", "quarantined", "duplicate"}
            transform.run_dbt(["build"])  # as ucj_transformer (export_environment)
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(sql.SQL("create role {} login in role ucj_pemda_7471").format(sql.Identifier(logins[0])))
                conn.execute(
                    sql.SQL("create role {} login in role ucj_caseworker, ucj_pemda_7472").format(
                        sql.Identifier(logins[1])
                    )
                )
            yield Built(conninfo, tmp / "dbt-target", *logins, gx_results)
        finally:
            wh.close()
            with psycopg.connect(PgParams.from_url(pg_server_url).conninfo("postgres"), autocommit=True) as conn:
                for login in logins:  # roles are cluster-wide: leave none behind
                    conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(login)))


def test_dbt_ran_as_the_transformer_and_owns_its_schemas(built: Built) -> None:
    with built.admin() as conn:
        owners = dict(
            conn.execute(
                "select n.nspname, pg_get_userbyid(n.nspowner) from pg_namespace n"
                " where nspname in ('staging', 'intermediate', 'marts', 'restricted', 'snapshots', 'reference')"
            ).fetchall()
        )
        tables = conn.execute(
            "select count(*), count(*) filter (where tableowner <> %s) from pg_tables where schemaname = 'marts'",
            (TRANSFORMER,),
        ).fetchone()
    assert owners == dict.fromkeys(
        ("staging", "intermediate", "marts", "restricted", "snapshots", "reference"), TRANSFORMER
    )
    assert tables[0] >= 10 and tables[1] == 0


@pytest.mark.parametrize("schema", ["raw", "staging", "intermediate", "audit", "restricted", "snapshots", "private"])
def test_bi_reader_cannot_read_outside_marts(built: Built, schema: str) -> None:
    tables = built.tables(schema)
    assert tables, f"{schema} has tables to try"
    with built.as_role(BI_READER) as conn:
        for table in tables:
            with pytest.raises(errors.InsufficientPrivilege):
                _count(conn, schema, table)


def test_bi_reader_reads_every_mart_whole_and_writes_nothing(built: Built) -> None:
    marts = built.tables("marts")
    with built.admin() as admin, built.as_role(BI_READER) as conn:
        for table in marts:
            assert _count(conn, "marts", table) == _count(admin, "marts", table), table
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("delete from marts.fct_claims")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("create table marts.mine (x int)")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("select private.participant_key('7471015203900001')")


def test_psql_reads_every_mart_as_bi_reader(built: Built) -> None:
    """A client nobody here wrote: the machine's psql, connected as ucj_bi_reader."""
    psql = shutil.which("psql")
    assert psql, "psql (PostgreSQL client) on PATH"
    p = built.params
    marts = built.tables("marts")
    script = "\n".join(f"select '{t}', count(*) from marts.{t};" for t in marts)
    done = subprocess.run(
        [
            psql,
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-At",
            "-F",
            "\t",
            "-h",
            p.host,
            "-p",
            str(p.port),
            "-U",
            BI_READER,
            "-d",
            p.dbname,
            "-c",
            "select current_user",
            "-f",
            "-",
        ],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    assert lines[0] == BI_READER
    counts = {name: int(n) for name, n in (line.split("\t") for line in done.stdout.splitlines()[1:])}
    with built.admin() as admin:
        assert counts == {t: _count(admin, "marts", t) for t in marts}
    assert sum(counts.values()) > 0
    denied = subprocess.run(
        [
            psql,
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-At",
            "-h",
            p.host,
            "-p",
            str(p.port),
            "-U",
            BI_READER,
            "-d",
            p.dbname,
            "-c",
            "select count(*) from restricted.workers_not_enrolled",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert denied.returncode != 0 and "permission denied" in denied.stderr


def test_a_pemda_role_sees_only_its_own_rows_in_every_mart(built: Built) -> None:
    marts = built.tables("marts")
    regional = [t for t in marts if built.has_kode_wilayah("marts", t)]
    assert set(marts) == set(regional), "every mart has kode_wilayah (else: not granted to Pemda roles)"
    both = []  # marts where the tiny data has rows of Kendari and of another region
    with built.admin() as admin, built.as_role(built.pemda_login) as conn:
        for table in regional:
            own = _count(admin, "marts", table, _of_region(KENDARI))
            others = _count(admin, "marts", table, sql.SQL("not ") + _of_region(KENDARI))
            assert _count(conn, "marts", table) == own, table
            assert _count(conn, "marts", table, sql.SQL("not ") + _of_region(KENDARI)) == 0, table
            if own and others:
                both.append(table)
    assert {"fct_coverage_monthly", "fct_opd_enrollment_monthly", "fct_claims", "dim_opd"} <= set(both), both


def test_views_of_marts_keep_row_security(built: Built) -> None:
    """Issue 20: a view has no policies of its own. The previous release's views (``*_v1``) run
    with the reader's rights (security_invoker), so the tables' policies apply to the reader; the
    freshness view reads the file registry with its owner's rights, filters regions itself and is
    a security barrier. Every view is granted to BI and the Pemda roles, as the tables are."""
    with built.admin() as conn:
        views = dict(
            conn.execute(
                """select c.relname, coalesce(array_to_string(c.reloptions, ','), '') from pg_class c
               join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'marts' and c.relkind = 'v'"""
            ).fetchall()
        )
        granted = {
            r[0]
            for r in conn.execute(
                """select table_name from information_schema.role_table_grants
               where table_schema = 'marts' and grantee = 'ucj_bi_reader' and privilege_type = 'SELECT'"""
            )
        }
    assert {
        "fct_claims_v1",
        "fct_lapsed_participants_monthly_v1",
        "fct_budget_yearly_v1",
        "dim_region_v1",
        "fct_source_freshness",
    } <= set(views)
    for view, options in views.items():
        assert view in granted, view
        if view == "fct_source_freshness":
            assert "security_invoker=false" in options and "security_barrier=true" in options
        else:
            assert "security_invoker=true" in options, (view, options)
    with built.admin() as admin, built.as_role(BI_READER) as bi, built.as_role(built.pemda_login) as pemda:
        sources = _count(admin, "marts", "fct_source_freshness")
        assert sources > 0 and _count(bi, "marts", "fct_source_freshness") == sources
        own = _count(admin, "marts", "fct_source_freshness", _of_region(KENDARI))
        assert 0 < own < sources and _count(pemda, "marts", "fct_source_freshness") == own
        # a reader's own function in the WHERE clause never sees the other regions' rows (barrier)
        pemda.execute(
            """create function pg_temp.leak(text) returns boolean language plpgsql cost 0.0000001 as
               $$ begin raise notice 'saw %', $1; return true; end $$"""
        )
        seen: list[str] = []
        pemda.add_notice_handler(lambda d: seen.append(d.message_primary))
        pemda.execute("select * from marts.fct_source_freshness where pg_temp.leak(kode_wilayah)").fetchall()
        assert seen and all(m == f"saw {KENDARI}" for m in seen), seen


def test_pemda_and_caseworker_roles_read_nothing_else(built: Built) -> None:
    with built.as_role(built.pemda_login) as conn:
        for schema, table in (
            ("raw", "participants"),
            ("audit", "files"),
            ("staging", "stg_ucj__participants"),
            ("restricted", "workers_not_enrolled"),
            ("private", "pseudonym_key"),
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                _count(conn, schema, table)
    with built.as_role(built.caseworker_login) as conn, built.admin() as admin:
        for table in built.tables("restricted"):  # the caseworker of Baubau: Baubau's people only
            assert _count(conn, "restricted", table) == _count(admin, "restricted", table, _of_region(BAUBAU)), table
        own = _count(admin, "restricted", "workers_not_enrolled", _of_region(BAUBAU))
        assert 0 < own < _count(admin, "restricted", "workers_not_enrolled")
        with pytest.raises(errors.InsufficientPrivilege):
            _count(conn, "raw", "rosters")


def test_the_loader_and_the_transformer_are_least_roles(built: Built) -> None:
    with built.as_role(LOADER) as conn:
        assert _count(conn, "raw", "participants") > 0
        for statement in (
            "drop table raw.rosters",
            "create table raw.mine (x int)",
            "select count(*) from marts.dim_region",
            "insert into audit.schema_migrations values (999, 'x', 'x')",
            "select count(*) from private.pseudonym_key",
            "create schema mine",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
    with built.as_role(TRANSFORMER) as conn:
        assert _count(conn, "raw", "participants") > 0
        for statement in (
            "delete from raw.participants",
            "insert into audit.files (source) values ('x')",
            "select count(*) from private.pseudonym_key",
            "select private.set_pseudonym_key('mine', true)",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
    with built.as_role(CASEWORKER) as conn:  # without a Pemda role: no person of any region
        assert _count(conn, "restricted", "workers_not_enrolled") == 0


def test_only_dbt_statements_are_bounded_by_the_configured_timeout(built: Built, monkeypatch) -> None:
    """Issue 20: a runaway model fails instead of holding the night; the loader is not bounded."""
    with built.as_role(TRANSFORMER) as conn:
        assert conn.execute("show statement_timeout").fetchone()[0] == "1h"  # the default
    with built.as_role(LOADER) as conn:
        loader_default = conn.execute("show statement_timeout").fetchone()[0]
    monkeypatch.setenv("UCJ_DBT_STATEMENT_TIMEOUT", "200ms")
    try:
        migrate(built.conninfo)  # the setting is applied on every run's migrate
        with built.as_role(TRANSFORMER) as conn, pytest.raises(errors.QueryCanceled, match="statement timeout"):
            conn.execute("select pg_sleep(2)")
        with built.as_role(LOADER) as conn:
            assert conn.execute("show statement_timeout").fetchone()[0] == loader_default
            conn.execute("select pg_sleep(0.5)")
    finally:
        monkeypatch.delenv("UCJ_DBT_STATEMENT_TIMEOUT")
        migrate(built.conninfo)
    with built.as_role(TRANSFORMER) as conn:
        assert conn.execute("show statement_timeout").fetchone()[0] == "1h"


def test_validation_results_name_rows_never_niks(built: Built) -> None:
    """Great Expectations' results (and the Data Docs built from them) list failing rows, not values."""
    assert built.gx_results, "the ingest wrote validation results"
    with built.admin() as conn:
        niks = {r[0] for r in conn.execute("select nik from raw.rosters union select nik from raw.participants")}
        rejected = conn.execute("select count(*) from audit.rejected_rows where column_name = 'nik'").fetchone()[0]
    assert rejected > 0, "tiny data has rejected NIKs to leak"
    texts = "".join(p.read_text(encoding="utf-8") for p in built.gx_results)
    assert '"_source_row"' in texts
    assert re.search(r"(?<![\d.])\d{16}(?!\d)", texts) is None  # a NIK, not the decimals of a share
    assert not any(nik and nik in texts for nik in niks)


def test_marts_carry_the_keyed_hmac_and_never_the_key(built: Built) -> None:
    with built.admin() as conn:
        persons = conn.execute("select person_id, participant_key from intermediate.int_persons").fetchall()
        claim_keys = conn.execute("select count(*), count(participant_key) from marts.fct_claims").fetchone()
    assert persons and claim_keys[0] > 0 and claim_keys[0] == claim_keys[1]
    assert all(key == participant_key(person_id, KEY_A) for person_id, key in persons)
    written = [*built.target_dir.rglob("*"), *(transform.project_dir() / "logs").rglob("*")]
    leaks = [p for p in written if p.is_file() and KEY_A.encode() in p.read_bytes()]
    assert leaks == []
    compiled = list(built.target_dir.rglob("int_persons.sql"))
    assert compiled and all("private.participant_key(" in p.read_text() for p in compiled)


def test_the_pseudonym_is_stable_across_runs_and_changes_with_the_key(built: Built, monkeypatch) -> None:
    """Last in this module: it rebuilds the models that compute participant_key."""
    select = ["run", "-s", "int_persons", "int_claims_lifecycle", "int_claims_amounts_checked", "fct_claims"]

    def keys() -> dict[str, str]:
        with built.admin() as conn:
            rows = conn.execute("select kode_wilayah || '/' || claim_number, participant_key from marts.fct_claims")
            return dict(rows.fetchall())

    first = keys()
    transform.run_dbt(select)
    assert keys() == first  # stable: the same key gives the same pseudonyms
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", KEY_B)
    migrate(built.conninfo)  # the owner stores the new key (apply_secrets)
    transform.run_dbt(select)
    second = keys()
    assert second.keys() == first.keys()
    assert all(second[c] != first[c] for c in first)
    with built.admin() as conn:
        persons = conn.execute("select person_id, participant_key from intermediate.int_persons").fetchall()
    assert all(key == participant_key(person_id, KEY_B) for person_id, key in persons)
    monkeypatch.delenv("UCJ_PSEUDONYM_KEY")
    migrate(built.conninfo)  # unset: a stored key is kept, never replaced by the development key
    with built.admin() as conn:
        assert conn.execute("select private.participant_key('x')").fetchone()[0] == participant_key("x", KEY_B)
