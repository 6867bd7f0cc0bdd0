"""docker-compose.yml, run for real under Podman: the production stack with two Celery workers.

Builds the project image from ``deploy/Dockerfile`` (on the local stand-in base image of
``scripts/podman_images.sh``; Podman's layer cache keeps rebuilds short), brings the compose file
up with podman-compose (PostgreSQL, Redis, airflow-init, api-server, scheduler, dag-processor,
triggerer, ``airflow-worker`` scaled to 2; Metabase's profile left out), lands the tiny
generated files in the mounted landing folder and triggers ``ucj_ingest``; the scheduler then
runs ``ucj_transform`` on the raw Asset by itself. Asserts: both runs succeed, tasks ran on both
workers, the enrollment mart equals what the files say (``pipeline_expectations``, independent
readers), the report is served by the plugin behind the Airflow login, and after ``down`` and
``up`` the warehouse (named volume) still holds the mart. Everything is brought down (volumes
too) at the end, also on failure.

Slow (builds an image, starts nine containers): marked ``stack``, left out of ``make test``;
``make test-stack`` runs it. Needs root, podman, debootstrap and runc (docs/runbook.md
"Run the stack with Podman"); skipped where podman is missing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from pipeline_expectations import expected_enrollment, mart_enrollment

from ucj.config import PROJECT_ROOT
from ucj.generate import generate

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed (docs/runbook.md)"),
]

PROJECT = "ucj-stack-test"  # fixed: a run killed half-way is cleaned up by the next one
IMAGE = "localhost/ucj-warehouse:latest"  # docker-compose.yml's image (ucj-warehouse:latest)
BASE_IMAGE = "localhost/ucj-python:3.11-bookworm"
POSTGRES_IMAGE = "localhost/ucj-postgres:15-bookworm"
REDIS_IMAGE = "localhost/ucj-redis:7-bookworm"
AIRFLOW_UID = 50000  # deploy/Dockerfile's airflow user: it writes the landing and quarantine mounts
SOURCES = ("rosters", "participants", "claims", "budgets", "workforce")
SERVICES = (
    "postgres",
    "redis",
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
UP_TIMEOUT = 900
RUN_TIMEOUT = 1800
DAG_IDS = ("ucj_ingest", "ucj_transform")
LOG_TAIL = 30  # lines of a failed (or skipping) task's log in the report


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env_file(path: Path) -> dict[str, str]:
    """deploy/.env.example with every "change-me" secret replaced (the same value wherever it recurs)."""
    from cryptography.fernet import Fernet

    text = (PROJECT_ROOT / "deploy" / ".env.example").read_text(encoding="utf-8")
    text = text.replace("change-me-fernet-key", Fernet.generate_key().decode())
    for token in sorted(set(re.findall(r"change-me-[a-z-]+", text)), key=len, reverse=True):
        text = text.replace(token, secrets.token_hex(12))
    path.write_text(text, encoding="utf-8")
    return dict(
        line.split("=", 1) for line in text.splitlines() if line.strip() and not line.startswith("#") and "=" in line
    )


class Stack:
    """podman-compose on docker-compose.yml with the test's variables; timings kept for the report."""

    def __init__(self, env: dict[str, str], api_port: int, pg_port: int, settings: dict[str, str]):
        self.env = env
        self.api = f"http://127.0.0.1:{api_port}"
        self.settings = settings
        self.warehouse_url = (
            f"postgresql://{settings['WAREHOUSE_DB_USER']}:{settings['WAREHOUSE_DB_PASSWORD']}"
            f"@127.0.0.1:{pg_port}/{settings['WAREHOUSE_DB_NAME']}"
        )
        self.timings: dict[str, float] = {}
        self.checks: list[str] = []  # what passed, in order, for the report
        self.worker_names: dict[str, str] = {}  # hostname Airflow records -> worker container
        self._token: str | None = None

    def compose(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        command = [str(Path(sys.executable).parent / "podman-compose"), "-p", PROJECT, *args]
        result = subprocess.run(
            command, cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(command[1:])} failed ({result.returncode}):\n{result.stderr[-4000:]}")
        return result

    def up(self) -> None:
        # --no-deps: no `podman run --requires` between the containers. Podman 4.3 cannot start a
        # container whose required container (airflow-init) requires others ("depends on container
        # … not found in input list"), and would restart airflow-init with every dependent; the
        # containers' own waits (deploy/airflow-entrypoint.sh) do the ordering.
        self.compose("up", "-d", "--no-build", "--no-deps", "--scale", "airflow-worker=2")

    def down(self, volumes: bool = False) -> None:
        """`down` knows one container per service: the second worker (--scale) is removed by label."""
        self.compose("down", *(["-v"] if volumes else []), check=False, timeout=900)
        label = f"label=io.podman.compose.project={PROJECT}"
        left = subprocess.run(["podman", "ps", "-aq", "--filter", label], capture_output=True, text=True).stdout.split()
        if left:
            subprocess.run(["podman", "rm", "-f", "-t", "60", *left], capture_output=True, check=False)
        if volumes:
            names = subprocess.run(
                ["podman", "volume", "ls", "-q", "--filter", label], capture_output=True, text=True
            ).stdout.split()
            if names:
                subprocess.run(["podman", "volume", "rm", "-f", *names], capture_output=True, check=False)

    def containers(self, service: str | None = None) -> list[str]:
        label = f"label=io.podman.compose.project={PROJECT}"
        args = ["podman", "ps", "--filter", label, "--format", "{{.Names}}"]
        if service:
            args[4:4] = ["--filter", f"label=com.docker.compose.service={service}"]
        return sorted(subprocess.run(args, capture_output=True, text=True, check=True).stdout.split())

    def exec(self, container: str, *argv: str) -> str:
        return subprocess.run(["podman", "exec", container, *argv], capture_output=True, text=True, check=True).stdout

    def logs(self, lines: int = 40) -> str:
        out = []
        ps = subprocess.run(
            [
                "podman",
                "ps",
                "-a",
                "--filter",
                f"label=io.podman.compose.project={PROJECT}",
                "--format",
                "{{.Names}} {{.Status}}",
            ],
            capture_output=True,
            text=True,
        )
        out.append(ps.stdout)
        for name in ps.stdout.split("\n"):
            if name.strip():
                name = name.split()[0]
                log = subprocess.run(["podman", "logs", "--tail", str(lines), name], capture_output=True, text=True)
                out.append(f"--- {name}\n{log.stdout[-6000:]}{log.stderr[-6000:]}")
        return "\n".join(out)

    # -- the REST API --

    def password(self) -> str:
        apiserver = self.containers("airflow-apiserver")[0]
        return json.loads(self.exec(apiserver, "cat", "/var/lib/ucj/simple_auth_manager_passwords.json"))["admin"]

    def call(self, method: str, path: str, **kwargs):
        import httpx

        if self._token is None:
            answer = httpx.post(f"{self.api}/auth/token", json={"username": "admin", "password": self.password()})
            assert answer.status_code == 201, answer.text
            self._token = answer.json()["access_token"]
        answer = httpx.request(
            method, self.api + path, headers={"Authorization": f"Bearer {self._token}"}, timeout=60, **kwargs
        )
        answer.raise_for_status()
        return answer.json()

    def wait_healthy(self, timeout: float = UP_TIMEOUT) -> dict:
        """The api-server answers, every heartbeat is healthy, both DAGs are parsed without errors."""
        import httpx

        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"{self.api}/api/v2/monitor/health", timeout=10).json()
                parts = ("metadatabase", "scheduler", "dag_processor", "triggerer")
                if all(health.get(p, {}).get("status") == "healthy" for p in parts):
                    self._token = None  # the password file may be new
                    dags = {d["dag_id"] for d in self.call("GET", "/api/v2/dags")["dags"]}
                    errors = self.call("GET", "/api/v2/importErrors")["import_errors"]
                    assert errors == [], errors
                    if {"ucj_ingest", "ucj_transform"} <= dags:
                        return health
                last = health
            except (httpx.HTTPError, ValueError, IndexError, subprocess.CalledProcessError) as exc:
                last = exc
            time.sleep(5)
        raise AssertionError(f"the stack was not healthy after {timeout:.0f} s; last answer: {last}\n{self.logs()}")

    def wait_run(self, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
            if run["state"] in ("success", "failed"):
                return run
            time.sleep(5)
        raise AssertionError(f"{dag_id} {run_id} did not finish in {timeout:.0f} s")

    def wait_first_run(self, dag_id: str, run_type: str | None = None, timeout: float = RUN_TIMEOUT) -> dict:
        """The first run the scheduler makes of a DAG (of that run type)."""
        deadline = time.monotonic() + timeout
        params = {"run_type": run_type} if run_type else {}
        while time.monotonic() < deadline:
            runs = self.call("GET", f"/api/v2/dags/{dag_id}/dagRuns", params=params)["dag_runs"]
            if runs:
                return min(runs, key=lambda r: r["run_after"])
            time.sleep(5)
        raise AssertionError(f"the scheduler started no {run_type or ''} {dag_id} run in {timeout:.0f} s")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        """All of a run's task instances: the API answers at most 100 a page (the transform has 154)."""
        found: list[dict] = []
        while True:
            page = self.call(
                "GET",
                f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                params={"limit": 100, "offset": len(found)},
            )
            found += page["task_instances"]
            if not page["task_instances"] or len(found) >= page["total_entries"]:
                return found

    # -- the report, printed before teardown (also on failure) --

    def task_log(self, ti: dict, lines: int = LOG_TAIL) -> str:
        """The tail of a task instance's log, from the api-server (the logs volume is shared)."""
        path = (
            f"/api/v2/dags/{ti['dag_id']}/dagRuns/{ti['dag_run_id']}/taskInstances/{ti['task_id']}"
            f"/logs/{max(ti.get('try_number') or 1, 1)}"
        )
        try:
            content = self.call("GET", path, params={"map_index": ti.get("map_index", -1), "full_content": True})
        except Exception as exc:  # noqa: BLE001 - a report must not hide the failure it reports
            return f"(log not readable: {exc})"
        content = content.get("content", content) if isinstance(content, dict) else content
        if isinstance(content, str):
            text = content.splitlines()
        else:
            text = []
            for item in content or []:
                if isinstance(item, dict):
                    level = f" {item['level']}" if item.get("level") else ""
                    text.append(f"{item.get('timestamp', '')}{level} {item.get('event', '')}".strip())
                else:
                    text.append(str(item))
        return "\n".join(text[-lines:])

    def report(self) -> str:
        """Services, DAG runs with states and durations, tasks per Celery worker, failed task
        instances with their logs' tails (and why a run skipped), the checks passed, phase times,
        load average."""
        out: list[str] = ["", "=" * 30 + " compose stack report " + "=" * 30]
        ps = subprocess.run(
            [
                "podman",
                "ps",
                "-a",
                "--filter",
                f"label=io.podman.compose.project={PROJECT}",
                "--format",
                "{{.Names}}\t{{.Status}}",
            ],
            capture_output=True,
            text=True,
        )
        out.append("services:")
        out += [f"  {line.split(chr(9))[0]:44} {line.split(chr(9))[-1]}" for line in ps.stdout.splitlines() if line]
        try:
            runs = [r for d in DAG_IDS for r in self.call("GET", f"/api/v2/dags/{d}/dagRuns")["dag_runs"]]
            tis = [ti for r in runs for ti in self.task_instances(r["dag_id"], r["dag_run_id"])]
        except Exception as exc:  # noqa: BLE001
            out.append(f"(the REST API did not answer: {exc})")
            runs, tis = [], []
        out.append("DAG runs:")
        for r in sorted(runs, key=lambda r: r.get("start_date") or ""):
            own = [ti for ti in tis if ti["dag_run_id"] == r["dag_run_id"] and ti["dag_id"] == r["dag_id"]]
            states = Counter(ti["state"] or "none" for ti in own)
            counts = ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
            out.append(
                f"  {r['dag_id']:14} {r['run_type']:16} {r['state']:8} {_duration(r):>7}  "
                f"{r['dag_run_id']}  tasks: {counts}"
            )
        workers = self.containers("airflow-worker")
        try:
            fqdn = ("python", "-c", "import socket; print(socket.getfqdn())")
            names = {**self.worker_names, **{self.exec(w, *fqdn).strip(): w for w in workers}}
        except subprocess.CalledProcessError:
            names = dict(self.worker_names)
        ran = defaultdict(list)
        for ti in tis:
            if ti.get("hostname"):
                ran[names.get(ti["hostname"], ti["hostname"])].append(ti)
        out.append("task instances per Celery worker:")
        for worker, its in sorted(ran.items()):
            per_dag = Counter(ti["dag_id"] for ti in its)
            out.append(f"  {worker}: {len(its)} (" + ", ".join(f"{d} {n}" for d, n in sorted(per_dag.items())) + ")")
            tasks = Counter(
                ti["task_id"].split(".")[0] if ti["task_id"].startswith("dbt.") else ti["task_id"] for ti in its
            )
            out.append("    " + ", ".join(f"{t}" + (f" x{n}" if n > 1 else "") for t, n in sorted(tasks.items())))
        failed = [ti for ti in tis if ti["state"] in ("failed", "upstream_failed", "up_for_retry")]
        out.append(f"failed task instances: {len(failed)}")
        for ti in failed:
            out.append(
                f"--- {ti['dag_id']} {ti['dag_run_id']} {ti['task_id']}"
                f"{'' if ti.get('map_index', -1) < 0 else '[' + str(ti['map_index']) + ']'} "
                f"{ti['state']} on {ti.get('hostname') or '?'}"
            )
            if ti["state"] != "upstream_failed":
                out.append(self.task_log(ti))
        for ti in tis:  # why a 01:30 run built nothing
            if ti["task_id"] == "raw_layer_ready" and ti["state"] == "success":
                skipped = [line for line in self.task_log(ti, 200).splitlines() if "skipped:" in line]
                if skipped:
                    out.append(f"{ti['dag_run_id']} skipped its build: {skipped[-1].split('skipped:', 1)[1].strip()}")
        out.append("checks passed:")
        out += [f"  ok  {check}" for check in self.checks] or ["  (none)"]
        out.append("phase times (s): " + ", ".join(f"{k} {v:.0f}" for k, v in self.timings.items()))
        out.append("load average (1, 5, 15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        return "\n".join(out)


def _duration(run: dict) -> str:
    if not run.get("start_date") or not run.get("end_date"):
        return "-"
    start, end = (datetime.fromisoformat(run[k].replace("Z", "+00:00")) for k in ("start_date", "end_date"))
    return f"{(end - start).total_seconds():.0f} s"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    started = time.monotonic()
    subprocess.run([str(PROJECT_ROOT / "scripts" / "podman_images.sh")], check=True)
    root = tmp_path_factory.mktemp("stack")
    landing, quarantine = root / "landing", root / "quarantine"
    for folder in (landing, quarantine):
        folder.mkdir()
        os.chown(folder, AIRFLOW_UID, 0)
    api_port, pg_port = _free_port(), _free_port()
    settings = _env_file(root / "stack.env")
    env = {
        **os.environ,
        "UCJ_ENV_FILE": str(root / "stack.env"),
        "UCJ_BASE_IMAGE": BASE_IMAGE,
        "UCJ_POSTGRES_IMAGE": POSTGRES_IMAGE,
        "UCJ_REDIS_IMAGE": REDIS_IMAGE,
        "UCJ_API_HOST_PORT": str(api_port),
        "UCJ_POSTGRES_HOST_PORT": str(pg_port),
        "UCJ_HOST_LANDING_DIR": str(landing),
        "UCJ_HOST_QUARANTINE_DIR": str(quarantine),
        "UCJ_DAGS_PAUSED_AT_CREATION": "True",  # only the two DAGs under test run; no backfill, no watchdog
    }
    stack = Stack(env, api_port, pg_port, settings)
    stack.landing = landing
    stack.down(volumes=True)  # what a killed earlier run left behind
    build = subprocess.run(
        [
            "podman",
            "build",
            "--quiet",
            "-f",
            "deploy/Dockerfile",
            "--build-arg",
            f"BASE_IMAGE={BASE_IMAGE}",
            "-t",
            IMAGE,
            ".",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    stack.timings["images and build"] = time.monotonic() - started
    try:
        mark = time.monotonic()
        stack.up()
        stack.wait_healthy()
        stack.timings["up until healthy"] = time.monotonic() - mark
        yield stack
    except BaseException:
        print(stack.logs())
        raise
    finally:
        try:
            print(stack.report())
        except Exception as exc:  # noqa: BLE001 - the stack still comes down
            print(f"(no report: {exc!r})")
        mark = time.monotonic()
        stack.down(volumes=True)
        stack.timings["down -v"] = time.monotonic() - mark
        print("\ncompose stack timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in stack.timings.items()))
        print(f"total {time.monotonic() - started:.0f} s")


def test_the_compose_stack_runs_the_pipeline_on_two_workers(stack, tmp_path):
    containers = stack.containers()
    for service in SERVICES:
        if service != "airflow-init":
            assert stack.containers(service), f"{service} is not running: {containers}"
    workers = stack.containers("airflow-worker")
    assert len(workers) == 2, workers
    stack.checks.append(f"all {len(SERVICES) - 1} long-running services up, airflow-worker x2")

    generated = tmp_path / "generated"
    generate(scale="tiny", seed=7, out=generated, defect_rate=0)
    landed_at = time.time() - 600  # landed ten minutes ago: past the ingest's settle time
    for source in SOURCES:
        shutil.copytree(generated / source, stack.landing / source)
    for path in stack.landing.rglob("*"):
        os.chown(path, AIRFLOW_UID, 0)
        os.utime(path, (landed_at, landed_at))

    try:
        # Unpaused as on a Pemda's first start: the scheduler makes each DAG's run for its latest
        # nightly slot (catchup=False, docs/runbook.md); nothing is triggered by hand. The ingest
        # loads the landed files and updates the raw Asset, on which the scheduler runs the
        # transform again once its slot run (which may have seen part of the data) is done.
        mark = time.monotonic()
        for dag_id in ("ucj_ingest", "ucj_transform"):
            stack.call("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
        ingest = stack.wait_run("ucj_ingest", stack.wait_first_run("ucj_ingest")["dag_run_id"])
        stack.timings["ingest run (from unpause)"] = time.monotonic() - mark
        assert (ingest["run_type"], ingest["state"]) == ("scheduled", "success"), ingest
        stack.checks.append("the scheduler ran ucj_ingest's nightly slot at unpause: success")
        transform = stack.wait_first_run("ucj_transform", run_type="asset_triggered")  # on the raw Asset
        transform = stack.wait_run("ucj_transform", transform["dag_run_id"])
        stack.timings["transform on the Asset done (from unpause)"] = time.monotonic() - mark
        assert transform["state"] == "success", transform
        stack.checks.append("ucj_transform ran on the raw Asset event of the ingest: success")
        all_runs = {d: stack.call("GET", f"/api/v2/dags/{d}/dagRuns")["dag_runs"] for d in DAG_IDS}
        assert [r["state"] for runs in all_runs.values() for r in runs if r["state"] != "success"] == []
        runs = [(d, r["dag_run_id"]) for d, rs in all_runs.items() for r in rs]
        stack.checks.append(f"every DAG run succeeded ({len(runs)}), none failed")

        task_instances = [ti for dag_id, run_id in runs for ti in stack.task_instances(dag_id, run_id)]
        # skipped: the transform's 01:30 run, which starts beside the ingest, skips its build
        # (raw_layer_ready) until the ingest's raw Asset event; nothing else may skip
        bad = [
            (ti["dag_run_id"], ti["task_id"], ti["state"])
            for ti in task_instances
            if ti["state"] != "success"
            and not (
                ti["state"] == "skipped"
                and ti["dag_id"] == "ucj_transform"
                and ti["dag_run_id"].startswith("scheduled__")
            )
        ]
        assert bad == []
        stack.checks.append(f"all {len(task_instances)} task instances succeeded (the 01:30 transform run's: skipped)")
        # Cosmos renders some nodes as EmptyOperator, which the scheduler marks done without a worker
        ran = [
            ti
            for ti in task_instances
            if ti["state"] == "success" and (ti.get("operator_name") or ti.get("operator")) != "EmptyOperator"
        ]
        fqdn = ("python", "-c", "import socket; print(socket.getfqdn())")
        hostnames = {w: stack.exec(w, *fqdn).strip() for w in workers}  # what Airflow records per task
        stack.worker_names = {h: w for w, h in hostnames.items()}  # containers after down/up have new ones
        per_worker = Counter(ti["hostname"] for ti in ran)
        assert set(per_worker) == set(hostnames.values()), per_worker
        stack.checks.append(
            "tasks ran on both Celery workers: " + ", ".join(f"{w} {per_worker[hostnames[w]]}" for w in workers)
        )
        assert sum(ti["task_id"] == "ingest_file" for ti in task_instances) > 1, "mapped, one task per file"
        stack.checks.append("ingest_file mapped, one task per file")
    except BaseException:
        print(stack.logs())
        raise

    expected = expected_enrollment(stack.landing, generated / "manifest.json")
    assert expected, "the tiny scale has OPD rosters"
    assert mart_enrollment(stack.warehouse_url) == expected
    stack.checks.append(f"mart: fct_opd_enrollment_monthly = the files' {len(expected)} (region, OPD, month) rows")

    # The report the transform wrote is served by the plugin on the api-server, behind the login.
    import httpx

    assert httpx.get(f"{stack.api}/ucj/reports/", timeout=30).status_code == 401
    auth = {"Authorization": f"Bearer {stack._token}"}
    index = httpx.get(f"{stack.api}/ucj/reports/", headers=auth, timeout=30)
    assert index.status_code == 200 and ".html" in index.text, index.text[:500]
    region = sorted({r for r, _, _ in expected})[0].replace(".", "-")
    page = httpx.get(f"{stack.api}/ucj/reports/{region}.html", headers=auth, timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()
    stack.checks.append(f"report served by the plugin behind the login (401 without; {region}.html with)")

    # The warehouse and Airflow's metadata live in named volumes: they survive down and up.
    mark = time.monotonic()
    stack.down()
    assert stack.containers() == []
    stack.up()
    stack.wait_healthy()
    stack.timings["down and up again"] = time.monotonic() - mark
    assert mart_enrollment(stack.warehouse_url) == expected
    assert stack.call("GET", f"/api/v2/dags/ucj_transform/dagRuns/{transform['dag_run_id']}")["state"] == "success"
    stack.checks.append("after down and up: the mart and Airflow's run history are still there (named volumes)")
