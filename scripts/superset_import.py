"""Load the dashboards as code (bi/superset/bundle) into a Superset of its own, idempotently.

Run it with the Python of Superset's own venv (never the project's .venv: Superset pins its own
Flask, SQLAlchemy 1.4 and marshmallow)::

    .ucj/superset-venv/bin/python scripts/superset_import.py --home .ucj/superset \
        --warehouse-url "$UCJ_WAREHOUSE_URL"

What it does, each step safe to repeat:

1. writes ``<home>/superset_config.py`` (a SQLite metadata DB in ``<home>``, a secret key made
   once and kept in ``<home>/secret_key``, a content security policy without outside hosts);
2. migrates the metadata DB and syncs Superset's roles and permissions (``superset db upgrade``
   and ``superset init``);
3. creates the admin user if missing (password from ``UCJ_SUPERSET_ADMIN_PASSWORD``, else one
   is made and written to ``<home>/admin_password``, mode 0600);
4. imports the bundle as one "assets" import (overwrite): the database, the datasets on the
   marts, the charts and the dashboards. The bundle's database URI is a placeholder; the real
   one is the warehouse URL's host, port and database with the read-only role ``ucj_bi_reader``
   as the user. A password for that role (production) comes from ``UCJ_BI_READER_PASSWORD``
   and goes only into Superset's metadata DB, encrypted with the secret key, never into the repo.

Standalone on purpose: it imports nothing of ``ucj`` (not installed in Superset's venv).
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import sys
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

BUNDLE = Path(__file__).resolve().parent.parent / "bi" / "superset" / "bundle"
BI_READER = "ucj_bi_reader"
DATABASE_FILE = "databases/ucj_warehouse.yaml"
PLACEHOLDER_URI = "postgresql+psycopg2://ucj_bi_reader@WAREHOUSE_HOST:5432/WAREHOUSE_DB"

CONFIG = """\
# Written by scripts/superset_import.py: a local Superset for the UCJ dashboards.
from pathlib import Path

_HOME = Path(__file__).resolve().parent
SECRET_KEY = (_HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(_HOME / "superset.db")
SQLALCHEMY_TRACK_MODIFICATIONS = False
DATA_DIR = str(_HOME)
FEATURE_FLAGS = {"DASHBOARD_RBAC": False}
SUPERSET_WEBSERVER_ADDRESS = "127.0.0.1"
# Superset's own content security policy without the outside hosts: its pages ask nothing outside
# this server (6.1.0's menu carries a telemetry pixel that no setting of the built wheel turns off;
# the policy keeps the browser from fetching it).
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,  # served on 127.0.0.1; a production Superset sits behind TLS
    "session_cookie_secure": False,
}
"""


def warehouse_uri(url: str, user: str = BI_READER) -> str:
    """The SQLAlchemy URI Superset connects with: the warehouse URL's server and database, the
    role ``user``, no password (that is passed apart). A unix-socket host (``%2F...`` or
    ``?host=/dir``) becomes libpq's ``?host=`` parameter."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    dbname = (parts.path or "/postgres").lstrip("/") or "postgres"
    port = parts.port or 5432
    netloc_host = parts.netloc.rsplit("@", 1)[-1]
    if "host" in query:
        socket_dir = query["host"][0]
    elif "%2f" in netloc_host.lower():
        socket_dir = unquote(netloc_host.split(":")[0])
    else:
        socket_dir = ""
    if socket_dir:
        return f"postgresql+psycopg2://{quote(user, safe='')}@/{dbname}?host={socket_dir}&port={port}"
    return f"postgresql+psycopg2://{quote(user, safe='')}@{parts.hostname or 'localhost'}:{port}/{dbname}"


def bundle_zip(uri: str, bundle: Path = BUNDLE) -> bytes:
    """The bundle as the ZIP Superset imports, the placeholder URI replaced by ``uri``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(bundle.rglob("*.yaml")):
            relative = path.relative_to(bundle).as_posix()
            text = path.read_text(encoding="utf-8")
            if relative == DATABASE_FILE:
                if PLACEHOLDER_URI not in text:
                    raise SystemExit(f"{path}: the placeholder URI {PLACEHOLDER_URI} is missing")
                text = text.replace(PLACEHOLDER_URI, uri)
            archive.writestr(f"ucj_dashboards/{relative}", text)
    return buffer.getvalue()


def prepare_home(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    key = home / "secret_key"
    if not key.exists():
        key.write_text(secrets.token_urlsafe(48) + "\n")
        key.chmod(0o600)
    config = home / "superset_config.py"
    config.write_text(CONFIG)  # the script's own file: rewritten each run (the key stays apart)
    return config


def admin_password(home: Path) -> str:
    password = os.environ.get("UCJ_SUPERSET_ADMIN_PASSWORD")
    if password:
        return password
    stored = home / "admin_password"
    if not stored.exists():
        stored.write_text(secrets.token_urlsafe(16) + "\n")
        stored.chmod(0o600)
    return stored.read_text().strip()


def run(home: Path, warehouse_url: str, admin: str, warehouse_user: str = BI_READER) -> dict[str, int]:
    config = prepare_home(home)
    os.environ["SUPERSET_CONFIG_PATH"] = str(config)
    os.environ.setdefault("SUPERSET_HOME", str(home))

    import superset  # noqa: PLC0415 - after SUPERSET_CONFIG_PATH is set
    from flask_migrate import upgrade  # noqa: PLC0415
    from superset.app import create_app  # noqa: PLC0415

    app = create_app()
    with app.app_context():
        upgrade(directory=str(Path(superset.__file__).parent / "migrations"))
        from superset import appbuilder, db, security_manager  # noqa: PLC0415
        from superset.commands.importers.v1.assets import ImportAssetsCommand  # noqa: PLC0415
        from superset.commands.importers.v1.utils import get_contents_from_bundle  # noqa: PLC0415
        from superset.models.dashboard import Dashboard  # noqa: PLC0415
        from superset.models.slice import Slice  # noqa: PLC0415
        from superset.utils.core import override_user  # noqa: PLC0415

        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        owner = security_manager.find_user(username=admin)
        if owner is None:
            role = security_manager.find_role("Admin")
            owner = security_manager.add_user(
                admin, "UCJ", "Admin", f"{admin}@ucj.example", role, password=admin_password(home)
            )
            if not owner:
                raise SystemExit(f"could not create the Superset user {admin}")
        with zipfile.ZipFile(io.BytesIO(bundle_zip(warehouse_uri(warehouse_url, warehouse_user))), "r") as archive:
            contents = get_contents_from_bundle(archive)
        password = os.environ.get("UCJ_BI_READER_PASSWORD")
        passwords = {DATABASE_FILE: password} if password else None
        with override_user(owner):  # the importer makes the acting user an owner
            ImportAssetsCommand(contents, passwords=passwords).run()
        db.session.commit()
        return {"dashboards": db.session.query(Dashboard).count(), "charts": db.session.query(Slice).count()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=Path(".ucj/superset"), help="Superset's config and SQLite DB")
    parser.add_argument(
        "--warehouse-url",
        default=os.environ.get("UCJ_WAREHOUSE_URL"),
        help="the warehouse (default: UCJ_WAREHOUSE_URL); its user is replaced by ucj_bi_reader",
    )
    parser.add_argument("--admin", default="admin", help="the Superset admin user to create if missing")
    parser.add_argument(
        "--warehouse-user",
        default=BI_READER,
        help="the role Superset connects as (default ucj_bi_reader; for one Pemda: a LOGIN role in ucj_pemda_<kode>)",
    )
    args = parser.parse_args(argv)
    if not args.warehouse_url:
        parser.error("no --warehouse-url and no UCJ_WAREHOUSE_URL")
    counts = run(args.home.resolve(), args.warehouse_url, args.admin, args.warehouse_user)
    print(
        f"Superset in {args.home}: {counts['dashboards']} dashboards, {counts['charts']} charts "
        f"(database user {args.warehouse_user})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
