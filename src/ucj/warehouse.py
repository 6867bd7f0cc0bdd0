"""The warehouse connection: ``UCJ_WAREHOUSE_URL``, or an embedded PostgreSQL when it is unset.

One setting feeds every consumer: psycopg here, Airflow's ``warehouse`` connection
(``AIRFLOW_CONN_WAREHOUSE``) and dbt's ``profiles.yml`` (``UCJ_PG*`` variables read with
``env_var``). :func:`export_environment` writes them all from the one URL.

That URL is the owner's (it runs the migrations). Every other step connects as the least
role it needs (migration ``V020``): the ingest as :data:`LOADER`, dbt as :data:`TRANSFORMER`.
Their URLs are derived from the owner's: same server and database, the role's name, and its
password from ``UCJ_<ROLE>_PASSWORD`` (unset: no password, as with local trust auth).
"""

from __future__ import annotations

import json
import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import psycopg

from ucj.config import Settings, apply_environment, settings

log = logging.getLogger(__name__)

WAREHOUSE_DB = "warehouse"

# The LOGIN roles of migration V020 and the variables their passwords come from.
LOADER = "ucj_loader"  # the ingest: rows of raw and audit
TRANSFORMER = "ucj_transformer"  # dbt: reads raw and audit, owns its schemas
BI_READER = "ucj_bi_reader"  # BI: SELECT on marts
CASEWORKER = "ucj_caseworker"  # person-level lists in restricted
ROLE_PASSWORD_ENV = {
    LOADER: "UCJ_LOADER_PASSWORD",
    TRANSFORMER: "UCJ_TRANSFORMER_PASSWORD",
    BI_READER: "UCJ_BI_READER_PASSWORD",
    CASEWORKER: "UCJ_CASEWORKER_PASSWORD",
}
_embedded_lock = threading.Lock()
_embedded: dict[Path, object] = {}


@dataclass(frozen=True)
class PgParams:
    """A PostgreSQL URL taken apart, as dbt and Airflow want it."""

    host: str  # a host name, or a unix-socket directory (starts with "/")
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> PgParams:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        host = unquote(parts.hostname or "") if parts.hostname else ""
        if "host" in query:  # libpq style: postgresql://user@/db?host=/socket/dir
            host = query["host"][0]
        elif parts.netloc and "%2f" in parts.netloc.lower():  # URL-encoded socket directory
            host = unquote(parts.netloc.rsplit("@", 1)[-1].split(":")[0])
        return cls(
            host=host or "localhost",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
        )

    def url(self, dbname: str | None = None, driver: str = "postgresql") -> str:
        """A URL with the socket directory URL-encoded as the host (what Airflow and SQLAlchemy parse)."""
        host = quote(self.host, safe="") if self.host.startswith("/") else self.host
        auth = quote(self.user, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        return f"{driver}://{auth}@{host}:{self.port}/{dbname or self.dbname}"

    def conninfo(self, dbname: str | None = None) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=dbname or self.dbname,
        )


def advisory_lock_held_sql(key_sql: str) -> str:
    """A condition on ``pg_locks l``: a granted advisory lock of this database on the bigint key
    ``key_sql`` (an SQL expression, e.g. ``hashtextextended(%s, 0)``). The 64-bit key is split into
    ``classid`` (high half) and ``objid`` (low half); joined again here."""
    return (
        "l.locktype = 'advisory' and l.granted and l.objsubid = 1"
        " and l.database = (select oid from pg_database where datname = current_database())"
        f" and ((l.classid::bigint << 32) | l.objid::bigint) = {key_sql}"
    )


def start_embedded(pgdata: Path) -> str:
    """Start (or join) the embedded PostgreSQL in ``pgdata``; create the warehouse database.

    The server is shared by every process of the project that asks for the same folder and
    stops when the last of them exits (pgserver counts the handles).
    """
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI)
        warnings.simplefilter("ignore")
        import pgserver

    with _embedded_lock:
        server = _embedded.get(pgdata)
        if server is None:
            pgdata.mkdir(parents=True, exist_ok=True)
            adopt_orphaned_embedded(pgdata)
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
            _embedded[pgdata] = server
    params = PgParams.from_url(server.get_uri())  # type: ignore[attr-defined]
    _ensure_database(params, WAREHOUSE_DB)
    return PgParams(params.host, params.port, params.user, "", WAREHOUSE_DB).url()


def adopt_orphaned_embedded(pgdata: Path) -> list[int]:
    """Forget the handles of processes that died holding the embedded server (``kill -9`` of a
    ``ucj run``), so the server they left running is adopted by this process and stops when the
    last live process using it exits, instead of running on as an orphan. Says so in the log;
    returns the dead pids."""
    import psutil

    handles = pgdata / ".handle_pids.json"  # pgserver's list of the processes holding the server
    try:
        pids = [int(p) for p in json.loads(handles.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    dead = [p for p in pids if not psutil.pid_exists(p)]
    if dead:
        handles.write_text(json.dumps([p for p in pids if p not in dead]))
        log.warning(
            "embedded PostgreSQL in %s was left running by process(es) %s that stopped without releasing it:"
            " adopted; it stops when the last ucj process using it exits",
            pgdata,
            ", ".join(map(str, dead)),
        )
    return dead


def stop_embedded() -> None:
    """Release this process's handles on embedded servers (stops them if it held the last one)."""
    with _embedded_lock:
        for server in list(_embedded.values()):
            server.cleanup()  # type: ignore[attr-defined]
        _embedded.clear()


def _ensure_database(params: PgParams, dbname: str) -> None:
    with psycopg.connect(params.conninfo("postgres"), autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL("create database {}").format(psycopg.sql.Identifier(dbname)))


def warehouse_url(cfg: Settings | None = None) -> str:
    """The configured warehouse URL; starts the embedded server when none is configured."""
    cfg = cfg or settings()
    if cfg.warehouse.url:
        return cfg.warehouse.url
    return start_embedded(cfg.pgdata_dir)


def role_params(url: str, role: str) -> PgParams:
    """The owner's URL with ``role`` as the user (password from ``UCJ_<ROLE>_PASSWORD``)."""
    if role not in ROLE_PASSWORD_ENV:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLE_PASSWORD_ENV)}")
    p = PgParams.from_url(url)
    return PgParams(p.host, p.port, role, settings().roles.password(role), p.dbname)


def apply_secrets(conn: psycopg.Connection) -> None:
    """After migrating, as the owner: role passwords, the pseudonym key and dbt's statement
    timeout from the environment.

    Neither secret is ever in a migration or a committed file. A password variable that is unset
    leaves the role's password as it is (local trust auth needs none).
    """
    from psycopg import sql

    from ucj.privacy import store_pseudonym_key

    roles = settings().roles
    for role in ROLE_PASSWORD_ENV:
        password = roles.password(role)
        if password:  # ALTER ROLE takes no bind parameters: a quoted literal, never logged here
            conn.execute(sql.SQL("alter role {} password {}").format(sql.Identifier(role), sql.Literal(password)))
    store_pseudonym_key(conn)
    set_dbt_statement_timeout(conn, settings().dbt.statement_timeout)


def set_dbt_statement_timeout(conn: psycopg.Connection, timeout: str) -> None:
    """Every session of dbt's role in this database starts with ``statement_timeout = timeout``.

    A role setting, not a profile option (dbt-postgres has none) nor ``PGOPTIONS`` (it would reach
    the loader's connections in the same process): only dbt's statements are bounded, on any
    server, whichever tool starts dbt. PostgreSQL checks the value (``30min``, ``1h``, ``0``).
    """
    from psycopg import sql

    conn.execute(
        sql.SQL("alter role {} in database {} set statement_timeout = {}").format(
            sql.Identifier(TRANSFORMER), sql.Identifier(conn.info.dbname), sql.Literal(timeout)
        )
    )


def environment(url: str) -> dict[str, str]:
    """The one warehouse URL where Airflow and dbt look for it (a mapping; entry points apply it).

    Airflow's connection keeps the owner's URL (migrations; the tasks derive the loader's from
    it); dbt's profile gets the transformer role.
    """
    p = PgParams.from_url(url)
    dbt = role_params(url, TRANSFORMER)
    env = {
        "UCJ_WAREHOUSE_URL": url,
        "AIRFLOW_CONN_WAREHOUSE": p.url(driver="postgres"),
        "UCJ_PGHOST": p.host,
        "UCJ_PGPORT": str(p.port),
        "UCJ_PGUSER": dbt.user,
        "UCJ_PGPASSWORD": dbt.password,
        "UCJ_PGDATABASE": p.dbname,
    }
    return env


def export_environment(url: str) -> dict[str, str]:
    """For entry points (``ucj``, the pipeline runner, test fixtures, bench): apply
    :func:`environment` to this process, replacing what was set; returns it."""
    env = environment(url)
    apply_environment(env, override=True)
    return env


@contextmanager
def connect(url: str | None = None, **kwargs: object) -> Iterator[psycopg.Connection]:
    """A psycopg connection to the warehouse (commits on success, rolls back on error)."""
    params = PgParams.from_url(url or warehouse_url())
    with psycopg.connect(params.conninfo(), **kwargs) as conn:  # type: ignore[arg-type]
        yield conn
