"""Scale-out: the project's DAGs on a real CeleryExecutor deployment on this machine.

``scripts/celery_stack.sh`` (a thin wrapper around ``python -m ucj.ops.celery_stack``) starts and
stops it::

    scripts/celery_stack.sh up          # Redis and PostgreSQL (started if down), Airflow metadata,
                                        # api-server, scheduler, dag-processor, triggerer, 2 workers
    scripts/celery_stack.sh status      # processes, health, the Celery workers that answer a ping
    scripts/celery_stack.sh trigger ucj_ingest --wait
    eval "$(scripts/celery_stack.sh env)" && airflow dags list   # the airflow CLI against the stack
    scripts/celery_stack.sh down        # TERM every process group, KILL what is left

Broker: the machine's Redis (``UCJ_CELERY_REDIS_URL``, default ``redis://127.0.0.1:6379/1``).
Airflow metadata and Celery results: the machine's PostgreSQL (``UCJ_AIRFLOW_DB_URL``, default
database ``ucj_airflow`` on ``127.0.0.1:5432``, created when missing). The warehouse:
``UCJ_WAREHOUSE_URL``, default database ``ucj_warehouse`` on the same server. Secrets (JWT,
Fernet, the UI password) are generated once into the state folder (``UCJ_CELERY_STATE_DIR``,
default ``$UCJ_STATE_DIR/celery``), beside the processes' logs and pid files.

Every process runs in its own process group (``start_new_session``), so ``down`` stops its
children too; task processes, which Airflow puts in groups of their own, are found as
descendants and stopped with them.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from ucj.config import TIMEZONE, settings

DAG_IDS = ("ucj_ingest", "ucj_transform")
UI_USER = "admin"
# The machine's services, started with the same commands as the machine's own set-up.
PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_START = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
)
FINISHED = ("success", "failed")


class StackError(RuntimeError):
    """The stack could not start, is not healthy, or a run did not end as asked."""


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the stack: each Celery worker reports its own name.

    Two workers on one machine would otherwise both record the machine's name on their task
    instances; ``UCJ_WORKER_HOSTNAME`` is set per worker process by :class:`CeleryStack`.
    """
    return os.environ.get("UCJ_WORKER_HOSTNAME") or socket.getfqdn()


# --- configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StackConfig:
    """Where the stack's parts live. :meth:`from_env` reads ``UCJ_CELERY_*`` (see the README)."""

    state_dir: Path
    airflow_db_url: str  # SQLAlchemy URL of the metadata database (PostgreSQL)
    redis_url: str  # the Celery broker, with a database number of the stack's own
    warehouse_url: str
    queue: str = "ucj"
    api_port: int = 8080
    trigger_log_port: int = 8794
    workers: int = 2
    concurrency: int = 2  # task slots per worker
    triggerer: bool = True
    use_schedule: bool = True  # False: no cron or Asset-triggered runs, only runs asked for
    paused_at_creation: bool = False
    landing_dir: Path | None = None
    quarantine_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> StackConfig:
        cfg = settings()
        env = os.environ
        server = env.get("UCJ_CELERY_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        return cls(
            state_dir=Path(env.get("UCJ_CELERY_STATE_DIR") or cfg.state_dir / "celery").resolve(),
            airflow_db_url=cfg.airflow_db_url or _with_database(server, "ucj_airflow", "postgresql+psycopg2"),
            redis_url=env.get("UCJ_CELERY_REDIS_URL", "redis://127.0.0.1:6379/1"),
            warehouse_url=cfg.warehouse_url or _with_database(server, "ucj_warehouse", "postgresql"),
            queue=env.get("UCJ_CELERY_QUEUE", "ucj"),
            api_port=int(env.get("UCJ_CELERY_API_PORT", "8080")),
            trigger_log_port=int(env.get("UCJ_CELERY_TRIGGER_LOG_PORT", "8794")),
            workers=int(env.get("UCJ_CELERY_WORKERS", "2")),
            concurrency=int(env.get("UCJ_CELERY_CONCURRENCY", "2")),
            landing_dir=cfg.landing_dir,
            quarantine_dir=cfg.quarantine_dir,
        )

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def worker_names(self) -> list[str]:
        return [f"ucj-worker-{i}" for i in range(1, self.workers + 1)]


def _with_database(server_url: str, dbname: str, driver: str) -> str:
    parts = urlsplit(server_url)
    return f"{driver}://{parts.netloc}/{dbname}"


def _libpq_url(sqlalchemy_url: str, dbname: str | None = None) -> str:
    """``postgresql+psycopg2://u@h/db`` -> ``postgresql://u@h/db`` (what psycopg accepts)."""
    parts = urlsplit(sqlalchemy_url)
    return f"postgresql://{parts.netloc}/{dbname if dbname is not None else parts.path.lstrip('/')}"


def free_port() -> int:
    """A TCP port nothing listens on now (for tests that run beside other stacks)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the machine's services --------------------------------------------------------------------


def _is_local(host: str | None) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


def _wait(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise StackError(f"{what} not ready after {timeout:.0f} s")


def _postgres_up(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(_libpq_url(url, "postgres"), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _redis_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


def ensure_services(config: StackConfig, log: Callable[[str], None] = print) -> None:
    """Start the machine's PostgreSQL and Redis when they are down (only when they are local)."""
    for name, url, up, command in (
        ("PostgreSQL", config.airflow_db_url, _postgres_up, PG_START),
        ("Redis", config.redis_url, _redis_up, REDIS_START),
    ):
        if up(url):
            continue
        if not _is_local(urlsplit(url).hostname):
            raise StackError(f"{name} at {urlsplit(url).hostname} does not answer; start it, then run `up` again")
        log(f"{name} is not running: {command}")
        result = subprocess.run(command, shell=True, capture_output=True, text=True)
        if result.returncode != 0:
            raise StackError(f"could not start {name} ({command}): {result.stderr.strip() or result.stdout.strip()}")
        _wait(lambda url=url, up=up: up(url), 30, name)


def ensure_database(url: str) -> None:
    """Create the database of ``url`` on its server when it does not exist."""
    import psycopg
    from psycopg import sql

    dbname = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_libpq_url(url, "postgres"), autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone():
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    dbname = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_libpq_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (dbname,),
        )
        conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(dbname)))


# --- the REST API ------------------------------------------------------------------------------


class ApiClient:
    """The stack's REST API (``/api/v2``), authenticated as the simple auth manager's user."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._login = {"username": username, "password": password}
        self._token: str | None = None

    def _call(self, method: str, path: str, body: object = None, auth: bool = True) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth:
            if self._token is None:
                self._token = self._call("POST", "/auth/token", self._login, auth=False)["access_token"]
            headers["Authorization"] = f"Bearer {self._token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 401 and auth:
                self._token = None
            detail = exc.read().decode(errors="replace")[:500]
            raise StackError(f"{method} {path}: HTTP {exc.code} {detail}") from exc
        return json.loads(payload) if payload else None

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/api/v2/monitor/health", auth=False)

    def import_errors(self) -> list[dict[str, Any]]:
        return self._call("GET", "/api/v2/importErrors")["import_errors"]

    def dag(self, dag_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v2/dags/{quote(dag_id)}")

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self._call("PATCH", f"/api/v2/dags/{quote(dag_id)}", {"is_paused": paused})

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        run = self._call("POST", f"/api/v2/dags/{quote(dag_id)}/dagRuns", {"logical_date": None, "conf": conf or {}})
        return run["dag_run_id"]

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v2/dags/{quote(dag_id)}/dagRuns/{quote(run_id, safe='')}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of the run, mapped ones included."""
        found: list[dict[str, Any]] = []
        while True:
            page = self._call(
                "GET",
                f"/api/v2/dags/{quote(dag_id)}/dagRuns/{quote(run_id, safe='')}/taskInstances"
                f"?limit=100&offset={len(found)}",
            )
            found.extend(page["task_instances"])
            if not page["task_instances"] or len(found) >= page["total_entries"]:
                return found

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float, interval: float = 3.0) -> dict[str, Any]:
        """Poll until the run succeeds or fails; on timeout, say which tasks are where."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.dag_run(dag_id, run_id)
            if run["state"] in FINISHED:
                return run
            if time.monotonic() > deadline:
                states: dict[str, int] = {}
                for ti in self.task_instances(dag_id, run_id):
                    states[str(ti["state"])] = states.get(str(ti["state"]), 0) + 1
                raise StackError(f"{dag_id} run {run_id} still {run['state']} after {timeout:.0f} s: tasks {states}")
            time.sleep(interval)


# --- the stack ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


class CeleryStack:
    """Start, watch and stop one Airflow deployment with the CeleryExecutor."""

    def __init__(self, config: StackConfig, log: Callable[[str], None] = print) -> None:
        self.config = config
        self.log = log
        self.logs_dir = config.state_dir / "logs"
        self.run_dir = config.state_dir / "run"
        self._children: dict[int, subprocess.Popen] = {}  # started by this process (reaped on down)

    # -- settings shared by every process --

    def secrets(self) -> dict[str, str]:
        """JWT secret, API secret key, Fernet key and the UI password: made once, kept 0600."""
        path = self.config.state_dir / "secrets.json"
        if path.exists():
            return json.loads(path.read_text())
        from cryptography.fernet import Fernet

        values = {
            "jwt_secret": secrets.token_urlsafe(32),
            "api_secret_key": secrets.token_urlsafe(32),
            "fernet_key": Fernet.generate_key().decode(),
            "ui_password": secrets.token_urlsafe(12),
        }
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(values, fh)
        return values

    def airflow_env(self) -> dict[str, str]:
        """What every process of the stack (and the ``airflow`` CLI run against it) is given."""
        from ucj import airflow_env
        from ucj.warehouse import export_environment

        c = self.config
        secret = self.secrets()
        saved = dict(os.environ)
        try:  # both helpers write os.environ; keep only their answers
            project = airflow_env.configure()
            warehouse = export_environment(c.warehouse_url)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        passwords = c.state_dir / "simple_auth_manager_passwords.json"
        env = {
            **project,
            **warehouse,
            "AIRFLOW_HOME": str(c.state_dir / "airflow"),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": TIMEZONE,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": str(c.paused_at_creation),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{c.api_url}/execution/",
            "AIRFLOW__CORE__FERNET_KEY": secret["fernet_key"],
            "AIRFLOW__CORE__PARALLELISM": str(max(2, c.workers * c.concurrency)),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "ucj.ops.celery_stack.worker_hostname",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{UI_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(c.api_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__BASE_URL": c.api_url,
            "AIRFLOW__API__SECRET_KEY": secret["api_secret_key"],
            "AIRFLOW__API_AUTH__JWT_SECRET": secret["jwt_secret"],
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": c.airflow_db_url,
            "AIRFLOW__CELERY__BROKER_URL": c.redis_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + c.airflow_db_url,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(c.concurrency),
            # each worker imports GX, dbt and Cosmos once; the task processes it forks start warm
            "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": json.dumps({"imports": ["ucj.ops.celery_preload"]}),
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": c.queue,
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.logs_dir / "tasks"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("UCJ_LOG_LEVEL", "INFO"),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(c.trigger_log_port),
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            # the stack's own Cosmos cache: a partial-parse file another profile wrote (another
            # stack, a test) makes dbt parse the whole project again in every task
            "AIRFLOW__COSMOS__CACHE_DIR": str(c.state_dir / "cosmos"),
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": str(c.use_schedule),
            "GX_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
        }
        if c.landing_dir:
            env["UCJ_LANDING_DIR"] = str(c.landing_dir)
        if c.quarantine_dir:
            env["UCJ_QUARANTINE_DIR"] = str(c.quarantine_dir)
        env.update(c.extra_env)
        if not passwords.exists():  # the simple auth manager keeps passwords that are already there
            passwords.write_text(json.dumps({UI_USER: secret["ui_password"]}))
            passwords.chmod(0o600)
        return env

    def process_env(self) -> dict[str, str]:
        env = {**os.environ, **self.airflow_env()}
        env.pop("DBT_PROJECT_DIR", None)  # it would silently override dbt's --project-dir
        venv_bin = str(Path(sys.executable).parent)  # Airflow starts its parts (and dbt) from PATH
        env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
        return env

    def components(self) -> list[Component]:
        airflow = str(Path(sys.executable).parent / "airflow")
        parts = [
            Component("api-server", [airflow, "api-server"]),
            Component("scheduler", [airflow, "scheduler"]),
            Component("dag-processor", [airflow, "dag-processor"]),
        ]
        if self.config.triggerer:
            parts.append(Component("triggerer", [airflow, "triggerer"]))
        worker = [airflow, "celery", "worker", "--concurrency", str(self.config.concurrency)]
        worker += ["--queues", self.config.queue, "--skip-serve-logs"]  # task logs: this machine's disk
        for name in self.config.worker_names:
            argv = [*worker, "--celery-hostname", f"{name}@%h"]
            parts.append(Component(name, argv, {"UCJ_WORKER_HOSTNAME": name}))
        return parts

    def client(self) -> ApiClient:
        return ApiClient(self.config.api_url, UI_USER, self.secrets()["ui_password"])

    # -- lifecycle --

    def up(self, timeout: float = 300) -> None:
        """Start everything and wait until it is healthy; on failure stop what was started."""
        started = time.monotonic()
        running = self._running()
        if running:
            names = ", ".join(sorted(running))
            raise StackError(f"already running in {self.config.state_dir}: {names}; run `down` first")
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        ensure_services(self.config, self.log)
        ensure_database(self.config.airflow_db_url)
        ensure_database(_libpq_url(self.config.warehouse_url))
        env = self.process_env()
        (self.config.state_dir / "stack.env").write_text(
            "".join(f"export {k}={_shell_quote(v)}\n" for k, v in self.airflow_env().items())
        )
        self.log("Migrating Airflow's metadata database …")
        self._run_once("migrate", [str(Path(sys.executable).parent / "airflow"), "db", "migrate"], env)
        self._run_once("pool", [sys.executable, "-c", "from ucj.airflow_env import ensure_pool; ensure_pool()"], env)
        self._ensure_manifest(env)
        try:
            for part in self.components():
                self._start(part, env)
            self.wait_healthy(timeout=max(30.0, timeout - (time.monotonic() - started)))
        except BaseException:
            self.down(grace=10)
            raise
        self.log(f"Stack up in {time.monotonic() - started:.0f} s: {self.config.api_url} (user {UI_USER})")

    def _run_once(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log_path = self.logs_dir / f"{name}.log"
        with log_path.open("w") as out:
            result = subprocess.run(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=self.config.state_dir)
        if result.returncode != 0:
            raise StackError(f"{' '.join(argv[-3:])} failed ({result.returncode}):\n{_tail(log_path)}")

    def _ensure_manifest(self, env: dict[str, str]) -> None:
        """The dbt manifest the transform DAG renders from (without it every task would run `dbt ls`)."""
        from ucj import transform

        saved = dict(os.environ)
        try:
            os.environ.update({k: v for k, v in env.items() if k.startswith("UCJ_")})
            transform.ensure_manifest()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def _start(self, part: Component, env: dict[str, str]) -> None:
        log_path = self.logs_dir / f"{part.name}.log"
        with log_path.open("ab") as out:
            proc = subprocess.Popen(
                part.argv,
                env={**env, **part.env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.config.state_dir,
                start_new_session=True,  # its own process group: `down` stops its children too
            )
        self._children[proc.pid] = proc
        created = _create_time(proc.pid)
        (self.run_dir / f"{part.name}.pid").write_text(f"{proc.pid} {created}\n")

    def _pids(self) -> dict[str, tuple[int, float]]:
        found = {}
        for path in sorted(self.run_dir.glob("*.pid")) if self.run_dir.exists() else []:
            pid, created = path.read_text().split()
            found[path.stem] = (int(pid), float(created))
        return found

    def _running(self) -> dict[str, int]:
        """The stack's processes that are alive (a pid reused by another program does not count)."""
        return {
            name: pid for name, (pid, created) in self._pids().items() if _alive(pid) and _create_time(pid) == created
        }

    def wait_healthy(self, timeout: float = 300) -> None:
        """api-server answers; scheduler, dag-processor (and triggerer) heartbeat; every worker pongs;
        both DAGs parsed without import errors."""
        deadline = time.monotonic() + timeout
        client = self.client()
        expected = {"scheduler", "dag_processor"} | ({"triggerer"} if self.config.triggerer else set())
        waiting_for = "the api-server"
        while True:
            self._fail_if_dead()
            try:
                waiting_for = self._pending(client, expected)
            except (StackError, OSError) as exc:
                waiting_for = f"the api-server ({exc})"
            if not waiting_for:
                return
            if time.monotonic() > deadline:
                raise StackError(f"not healthy after {timeout:.0f} s: waiting for {waiting_for}\n{self.log_tails(15)}")
            time.sleep(2)

    def _pending(self, client: ApiClient, expected: set[str]) -> str:
        health = client.health()
        unhealthy = sorted(k for k in expected if (health.get(k) or {}).get("status") != "healthy")
        if health.get("metadatabase", {}).get("status") != "healthy":
            return "the metadata database"
        if unhealthy:
            return " and ".join(name.replace("_", "-") for name in unhealthy) + " heartbeat"
        missing = sorted(set(self.config.worker_names) - self.ping_workers())
        if missing:
            return f"{missing[0]} Celery ping" + (f" (and {', '.join(missing[1:])})" if missing[1:] else "")
        errors = client.import_errors()
        if errors:
            text = "\n".join(f"{e['filename']}:\n{e['stack_trace']}" for e in errors)
            raise StackError(f"the DAG files do not import:\n{text}")
        for dag_id in DAG_IDS:
            try:
                client.dag(dag_id)
            except StackError:
                return f"dag-processor to parse {dag_id}"
        return ""

    def ping_workers(self, timeout: float = 2.0) -> set[str]:
        """The names of the stack's Celery workers that answer a broadcast ping on its broker."""
        from celery import Celery

        app = Celery("ucj-celery-stack-ping", broker=self.config.redis_url)
        try:
            replies = app.control.ping(timeout=timeout) or []
        except Exception:  # noqa: BLE001 - the broker not answering is "no worker" here
            return set()
        finally:
            app.close()
        return {node.split("@", 1)[0] for reply in replies for node in reply}

    def _fail_if_dead(self) -> None:
        for name, (pid, _created) in self._pids().items():
            proc = self._children.get(pid)
            dead = proc.poll() is not None if proc else not _alive(pid)
            if dead:
                code = f" (exit code {proc.returncode})" if proc else ""
                raise StackError(f"{name} exited{code}:\n{_tail(self.logs_dir / f'{name}.log')}")

    def down(self, grace: float = 30) -> list[str]:
        """TERM every process group and its descendants; KILL what is still there after ``grace``."""
        import psutil

        targets: list[psutil.Process] = []
        stopped = []
        for name, pid in self._running().items():
            try:
                root = psutil.Process(pid)
                targets += [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            stopped.append(name)
            with _suppress_lookup():
                os.killpg(pid, signal.SIGTERM)
        for proc in targets:  # task processes run in process groups of their own
            with _suppress_lookup():
                proc.send_signal(signal.SIGTERM)
        _gone, alive = psutil.wait_procs(targets, timeout=grace)
        for proc in alive:
            with _suppress_lookup():
                os.killpg(proc.pid, signal.SIGKILL)
            with _suppress_lookup():
                proc.kill()
        psutil.wait_procs(alive, timeout=10)
        for proc in self._children.values():
            with _suppress_lookup():
                proc.wait(timeout=5)
        self._children.clear()
        for path in self.run_dir.glob("*.pid") if self.run_dir.exists() else []:
            path.unlink()
        return stopped

    def status(self) -> dict[str, Any]:
        running = self._running()
        report: dict[str, Any] = {
            "processes": {name: (pid if name in running else None) for name, (pid, _c) in self._pids().items()},
            "api": self.config.api_url,
        }
        try:
            report["health"] = self.client().health()
        except (StackError, OSError) as exc:
            report["health"] = f"no answer: {exc}"
        report["celery_workers"] = sorted(self.ping_workers()) if running else []
        return report

    def log_tails(self, lines: int = 40) -> str:
        """The end of every process's log: what a failed test prints."""
        return "\n".join(f"--- {path.name} ---\n{_tail(path, lines)}" for path in sorted(self.logs_dir.glob("*.log")))


class _suppress_lookup:
    """Ignore a process that is already gone (or not ours to signal)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        import psutil

        return exc_type is not None and issubclass(exc_type, ProcessLookupError | PermissionError | psutil.Error)


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _create_time(pid: int) -> float:
    import psutil

    try:
        return round(psutil.Process(pid).create_time(), 2)
    except psutil.NoSuchProcess:
        return 0.0


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _shell_quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


# --- the command line --------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="celery_stack.sh",
        description="The ucj DAGs on Airflow's CeleryExecutor: Redis, PostgreSQL, api-server, scheduler, "
        "dag-processor, triggerer and Celery workers on this machine.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the stack and wait until it is healthy")
    up.add_argument("--workers", type=int, help="Celery workers (default 2, UCJ_CELERY_WORKERS)")
    up.add_argument("--concurrency", type=int, help="task slots per worker (default 2, UCJ_CELERY_CONCURRENCY)")
    up.add_argument("--no-triggerer", action="store_true", help="no triggerer (no deferrable task needs one)")
    up.add_argument("--no-schedule", action="store_true", help="only runs that are triggered: no nightly runs")
    up.add_argument("--timeout", type=float, default=300, help="seconds to wait for health (default 300)")
    down = sub.add_parser("down", help="stop every process of the stack")
    down.add_argument("--grace", type=float, default=30, help="seconds between TERM and KILL (default 30)")
    sub.add_parser("status", help="processes, health and the Celery workers that answer")
    sub.add_parser("env", help="print `export` lines that point the airflow CLI at the stack")
    sub.add_parser("logs", help="the end of every process's log")
    trigger = sub.add_parser("trigger", help="unpause a DAG and trigger a run through the REST API")
    trigger.add_argument("dag_id", choices=DAG_IDS)
    trigger.add_argument("--landing", help="landing folder for ucj_ingest (default UCJ_LANDING_DIR)")
    trigger.add_argument("--wait", action="store_true", help="wait until the run succeeds or fails")
    trigger.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(list(argv) if argv is not None else None)

    config = StackConfig.from_env()
    if args.command == "up":
        config = replace(
            config,
            workers=args.workers or config.workers,
            concurrency=args.concurrency or config.concurrency,
            triggerer=not args.no_triggerer,
            use_schedule=not args.no_schedule,
        )
    stack = CeleryStack(config)
    try:
        if args.command == "up":
            stack.up(timeout=args.timeout)
            print(f"password of {UI_USER}: {config.state_dir / 'simple_auth_manager_passwords.json'}")
        elif args.command == "down":
            stopped = stack.down(grace=args.grace)
            print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        elif args.command == "status":
            report = stack.status()
            print(json.dumps(report, indent=2, default=str))
            return 0 if report["processes"] and all(report["processes"].values()) else 1
        elif args.command == "env":
            print("".join(f"export {k}={_shell_quote(v)}\n" for k, v in stack.airflow_env().items()), end="")
        elif args.command == "logs":
            print(stack.log_tails())
        elif args.command == "trigger":
            client = stack.client()
            client.set_paused(args.dag_id, False)
            conf = {"landing_dir": str(Path(args.landing).resolve())} if args.landing else {}
            run_id = client.trigger(args.dag_id, conf)
            print(f"{args.dag_id}: {run_id}")
            if args.wait:
                run = client.wait_for_run(args.dag_id, run_id, timeout=args.timeout)
                print(f"{args.dag_id}: {run['state']}")
                return 0 if run["state"] == "success" else 1
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
