"""docker-compose.yml agrees with the project: one image and env file for every Airflow part,
CeleryExecutor with Redis, PostgreSQL metadata, one warehouse URL written consistently, mounts
where ucj.config looks, WITA, the Airflow 3 commands.

These tests read the files; they never start a container. tests/integration/test_compose_stack.py
runs the stack under Podman (``make test-stack``), tests/integration/test_deploy_postgres_init.py
the PostgreSQL init script against a real server.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from ucj.airflow_env import WAREHOUSE_POOL, WAREHOUSE_POOL_SLOTS
from ucj.config import PROJECT_ROOT, TIMEZONE
from ucj.warehouse import PgParams

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / "deploy" / ".env.example"
DOCKERFILE = PROJECT_ROOT / "deploy" / "Dockerfile"

AIRFLOW_COMMANDS = {
    "airflow-apiserver": ["airflow", "api-server"],
    "airflow-scheduler": ["airflow", "scheduler"],
    "airflow-dag-processor": ["airflow", "dag-processor"],
    "airflow-triggerer": ["airflow", "triggerer"],
    "airflow-worker": ["airflow", "celery", "worker"],
}
AIRFLOW_SERVICES = ["airflow-init", *AIRFLOW_COMMANDS]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env_file() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@pytest.fixture(scope="module")
def project_root_in_image() -> str:
    workdirs = re.findall(r"^WORKDIR\s+(\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert workdirs, "the Dockerfile sets no WORKDIR"
    return workdirs[-1]


def _default(value: str) -> str:
    """A value as ``docker compose`` reads it when no variable is set: ``${VAR:-default}`` → default."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


def _env(compose: dict, service: str, env_file: dict[str, str]) -> dict[str, str]:
    """What a service's container sees: the env file, then its environment (which wins)."""
    spec = compose["services"][service]
    files = [_default(f if isinstance(f, str) else f["path"]) for f in spec.get("env_file", [])]
    env = dict(env_file) if "deploy/.env" in files else {}
    env.update({k: _default(str(v)) for k, v in (spec.get("environment") or {}).items()})
    return env


def _mounts(compose: dict, service: str) -> dict[str, str]:
    """container path → host path (or volume name)."""
    result = {}
    for volume in compose["services"][service].get("volumes", []):
        host, container = volume.split(":")[:2] if not volume.startswith("${") else _split_interpolated(volume)
        result[container] = host
    return result


def _split_interpolated(volume: str) -> tuple[str, str]:
    end = volume.index("}") + 1
    return volume[:end], volume[end + 1 :].split(":")[0]


def test_services(compose):
    assert set(compose["services"]) == {"postgres", "redis", "metabase", *AIRFLOW_SERVICES}
    assert set(compose["volumes"]) >= {"postgres-data", "ucj-state", "airflow-logs", "gx-uncommitted"}


def test_every_airflow_service_uses_the_one_image_and_env_file(compose):
    images = {compose["services"][s]["image"] for s in AIRFLOW_SERVICES}
    assert len(images) == 1
    for service in AIRFLOW_SERVICES:
        spec = compose["services"][service]
        assert {k: v for k, v in spec["build"].items() if k != "args"} == {
            "context": ".",
            "dockerfile": "deploy/Dockerfile",
        }
        assert [_default(f) for f in spec["env_file"]] == ["deploy/.env"]
    for service in ("postgres", "metabase"):
        assert [_default(f) for f in compose["services"][service]["env_file"]] == ["deploy/.env"]
    assert (PROJECT_ROOT / compose["services"]["airflow-init"]["build"]["dockerfile"]).is_file()


def test_airflow_commands_are_the_airflow_3_ones(compose):
    for service, command in AIRFLOW_COMMANDS.items():
        assert compose["services"][service]["command"] == command
    init = "\n".join(compose["services"]["airflow-init"]["command"])
    assert "airflow db migrate" in init
    assert f"airflow pools set {WAREHOUSE_POOL} {WAREHOUSE_POOL_SLOTS} " in init
    assert "ensure_manifest()" in init
    for service in AIRFLOW_COMMANDS:
        depends = compose["services"][service]["depends_on"]
        assert depends["airflow-init"] == {"condition": "service_completed_successfully"}
        assert depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy"


def test_celery_executor_with_redis_and_postgresql_metadata(compose, env_file):
    for service in AIRFLOW_SERVICES:
        env = _env(compose, service, env_file)
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == TIMEZONE
        broker = urlsplit(env["AIRFLOW__CELERY__BROKER_URL"])
        assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)
        metadata = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert metadata.scheme.startswith("postgresql") and metadata.hostname == "postgres"
        assert metadata.path == "/" + env["AIRFLOW_DB_NAME"]
        assert (metadata.username, metadata.password) == (env["AIRFLOW_DB_USER"], env["AIRFLOW_DB_PASSWORD"])
        assert env["UCJ_AIRFLOW_DB_URL"] == env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        backend = urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"].removeprefix("db+"))
        assert (backend.hostname, backend.path) == ("postgres", metadata.path)
        # workers reach the API server's execution API by its service name and port
        api = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
        assert (api.hostname, str(api.port), api.path) == (
            "airflow-apiserver",
            env["AIRFLOW__API__PORT"],
            "/execution/",
        )
    assert [_default(p) for p in compose["services"]["airflow-apiserver"]["ports"]] == [
        f"8080:{_env(compose, 'airflow-apiserver', {})['AIRFLOW__API__PORT']}"
    ]
    assert "redis-server" in compose["services"]["redis"]["command"]


def test_the_warehouse_url_is_written_consistently(compose, env_file):
    env = _env(compose, "airflow-worker", env_file)
    url = env["UCJ_WAREHOUSE_URL"]
    p = PgParams.from_url(url)
    assert (p.host, p.port, p.user, p.password, p.dbname) == (
        "postgres",
        5432,
        env["WAREHOUSE_DB_USER"],
        env["WAREHOUSE_DB_PASSWORD"],
        env["WAREHOUSE_DB_NAME"],
    )
    # what ucj.warehouse.export_environment would derive from the one URL
    assert env["AIRFLOW_CONN_WAREHOUSE"] == p.url(driver="postgres")
    # dbt's profile is the transformer role's (migration V020), on the same server and database
    assert (env["UCJ_PGHOST"], env["UCJ_PGPORT"], env["UCJ_PGUSER"], env["UCJ_PGPASSWORD"], env["UCJ_PGDATABASE"]) == (
        p.host,
        str(p.port),
        "ucj_transformer",
        env["UCJ_TRANSFORMER_PASSWORD"],
        p.dbname,
    )
    assert env["WAREHOUSE_READER_USER"] == "ucj_bi_reader"
    assert env["UCJ_BI_READER_PASSWORD"] == env["WAREHOUSE_READER_PASSWORD"]
    # Metabase keeps its own database on the same server
    assert (env["MB_DB_TYPE"], env["MB_DB_HOST"], env["MB_DB_DBNAME"], env["MB_DB_USER"], env["MB_DB_PASS"]) == (
        "postgres",
        "postgres",
        env["METABASE_DB_NAME"],
        env["METABASE_DB_USER"],
        env["METABASE_DB_PASSWORD"],
    )


def test_mounts_are_where_the_project_looks(compose, env_file, project_root_in_image):
    root = project_root_in_image
    for service in AIRFLOW_SERVICES:
        mounts = _mounts(compose, service)
        env = _env(compose, service, env_file)
        for folder in ("dags", "dbt_project", "expectations"):
            # ucj.config: dbt_project and expectations are PROJECT_ROOT's folders, not settings
            assert mounts[f"{root}/{folder}"] == f"./{folder}"
            assert (PROJECT_ROOT / folder).is_dir()
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == f"{root}/dags"
        assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == f"{root}/plugins"
        assert mounts[env["UCJ_LANDING_DIR"]].endswith(":-./data/landing}")
        assert mounts[env["UCJ_QUARANTINE_DIR"]].endswith(":-./data/quarantine}")
        assert mounts[env["UCJ_STATE_DIR"]] == "ucj-state"
        assert env["UCJ_DBT_TARGET_DIR"].startswith(env["UCJ_STATE_DIR"] + "/")
        # the reports the transform writes are the ones the api-server's plugin serves: one volume
        assert env["UCJ_REPORTS_DIR"].startswith(env["UCJ_STATE_DIR"] + "/")
        assert env["AIRFLOW__COSMOS__CACHE_DIR"].startswith(env["UCJ_STATE_DIR"] + "/")
        assert mounts[env["AIRFLOW__LOGGING__BASE_LOG_FOLDER"]] == "airflow-logs"
        # GX's results and Data Docs: a volume the airflow user owns, not the bind-mounted host folder
        assert mounts[f"{root}/expectations/gx/uncommitted"] == "gx-uncommitted"
        assert env["TZ"] == TIMEZONE
    postgres = _mounts(compose, "postgres")
    assert postgres["/docker-entrypoint-initdb.d"] == "./deploy/postgres-init"


def test_the_image_installs_the_project_editable_from_the_lock(project_root_in_image):
    text = DOCKERFILE.read_text(encoding="utf-8")
    syncs = re.findall(r"uv sync[^\n\\]*", text)
    assert syncs and all("--frozen" in s and "--no-dev" in s for s in syncs)
    assert "--no-editable" not in text  # PROJECT_ROOT must stay the source tree, not site-packages
    bootstrap = (PROJECT_ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    assert re.search(r'UV_VERSION="([\d.]+)"', bootstrap)[1] == re.search(r"UV_VERSION=([\d.]+)", text)[1]
    for folder in ("src", "dags", "plugins", "dbt_project", "expectations"):
        assert re.search(rf"^COPY {folder} \./{folder}$", text, re.MULTILINE), folder
    assert Path(project_root_in_image).is_absolute()


def test_airflow_settings_are_known_to_airflow(compose, env_file):
    from airflow.configuration import conf

    described = conf.configuration_description
    env = _env(compose, "airflow-scheduler", env_file)
    for key in env:
        match = re.fullmatch(r"AIRFLOW__([A-Z_]+?)__([A-Z_]+)", key)
        if not match:
            continue
        section, option = match[1].lower(), match[2].lower()
        if section == "celery" and option not in described.get("celery", {}).get("options", {}):
            continue  # described by the Celery provider, which the image installs for the worker
        if section == "cosmos":  # Cosmos reads its [cosmos] options in cosmos.settings, undescribed
            import cosmos.settings

            source = Path(cosmos.settings.__file__).read_text()
            assert f'conf.get("cosmos", "{option}"' in source or f'"cosmos", "{option}"' in source, key
            continue
        assert option in described.get(section, {}).get("options", {}), f"{key} is not an Airflow setting"


def test_the_env_example_holds_no_real_secret(env_file):
    for key, value in env_file.items():
        if any(word in key for word in ("PASSWORD", "SECRET", "FERNET", "PASS", "KEY")) and value:
            assert "change-me" in value, key
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text().split()  # deploy/.env stays out of git


def test_celery_provider_is_locked_for_the_worker():
    lock = (PROJECT_ROOT / "uv.lock").read_text(encoding="utf-8")
    assert 'name = "apache-airflow-providers-celery"' in lock  # the worker's `airflow celery` needs it
    assert re.search(r'name = "celery"\nversion = "5\.6\.', lock)  # 5.7 breaks providers-celery 3.26


def test_images_are_variables_with_the_upstream_defaults(compose):
    """A Pemda's `docker compose up` pulls the upstream images; a machine without a registry names
    its own (scripts/podman_images.sh) through the variables."""
    services = compose["services"]
    assert services["postgres"]["image"] == "${UCJ_POSTGRES_IMAGE:-postgres:16-bookworm}"
    assert services["redis"]["image"] == "${UCJ_REDIS_IMAGE:-redis:7-bookworm}"
    for service in AIRFLOW_SERVICES:
        assert services[service]["build"]["args"] == {"BASE_IMAGE": "${UCJ_BASE_IMAGE:-python:3.11-slim-bookworm}"}
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11-slim-bookworm$", text, re.MULTILINE)
    assert re.findall(r"^FROM (.+)$", text, re.MULTILINE) == ["${BASE_IMAGE}"]
    assert [_default(p) for p in services["postgres"]["ports"]] == ["127.0.0.1:5432:5432"]
    # stand-ins exist for each upstream image the test replaces
    script = (PROJECT_ROOT / "scripts" / "podman_images.sh").read_text(encoding="utf-8")
    for name in ("ucj-python", "ucj-postgres", "ucj-redis"):
        assert f"localhost/{name}:" in script


def test_metabase_sits_in_a_profile_the_pipeline_does_not_need(compose):
    services = compose["services"]
    assert services["metabase"]["profiles"] == ["bi"]
    assert [s for s, spec in services.items() if s != "metabase" and "profiles" in spec] == []
    assert all("metabase" not in (spec.get("depends_on") or {}) for spec in services.values())


def test_every_airflow_container_waits_for_what_it_needs(compose):
    """Podman ignores depends_on conditions: the image's entrypoint waits for PostgreSQL, Redis and
    airflow-init (its mark in the state volume), except in airflow-init itself."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/ucj-entrypoint"]' in text
    assert "COPY deploy/airflow-entrypoint.sh /usr/local/bin/ucj-entrypoint" in text
    entrypoint = (PROJECT_ROOT / "deploy" / "airflow-entrypoint.sh").read_text(encoding="utf-8")
    assert "airflow db check " in entrypoint and "airflow db check-migrations" in entrypoint
    assert "AIRFLOW__CELERY__BROKER_URL" in entrypoint and 'exec "$@"' in entrypoint
    mark = re.search(r'mark="\$\{UCJ_STATE_DIR:-([^}]+)\}/([\w.-]+)"', entrypoint)
    init = "\n".join(compose["services"]["airflow-init"]["command"])
    assert init.strip().splitlines()[-1].strip() == f"touch {mark[1]}/{mark[2]}"  # the last step, after the rest
    for service in AIRFLOW_SERVICES:
        env = _env(compose, service, {})
        assert env["UCJ_WAIT_FOR_INIT"] == ("0" if service == "airflow-init" else "1"), service
        assert env["UCJ_STATE_DIR"] == mark[1]


def test_cosmos_runs_as_in_the_project(compose, env_file):
    """The watcher settings ucj.airflow_env.configure() gives our own processes hold in the stack."""
    from ucj.airflow_env import configure

    wanted = {k: v for k, v in configure().items() if k == "AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY"}
    assert wanted
    for service in AIRFLOW_SERVICES:
        env = _env(compose, service, env_file)
        for key, value in wanted.items():
            assert env[key] == value, (service, key)
