"""The built wheel runs without the checkout (issue 19, item 5).

``uv build`` (sdist, then the wheel from it), a clean venv holding only the wheel and what it
declares (pinned by ``uv.lock``), and from a folder outside the checkout: ``ucj --help``, the
generator reading the dbt seeds, ``ucj check`` applying the GX suites, ``dbt parse`` of the dbt
project and Airflow loading the DAGs and the plugin, all from the copy inside the package
(``ucj/_project``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ucj.config import PROJECT_ROOT

pytestmark = pytest.mark.integration

FOLDERS = ("dags", "dbt_project", "expectations", "plugins")

# Runs in the clean venv, from the temporary working folder: where the package finds its folders,
# the dbt project parsed (dbt in process), the DAGs and the plugin loaded by Airflow.
PROBE = """
import json, sys
from pathlib import Path

import ucj
from ucj import airflow_env, transform
from ucj.config import SHIPPED_PROJECT_DIR, settings, source_checkout

cfg = settings()
manifest = json.loads(transform.ensure_manifest().read_text(encoding="utf-8"))
airflow_env.configure()
from airflow import plugins_manager
from airflow.dag_processing.dagbag import DagBag

bag = DagBag(dag_folder=str(cfg.project_root / "dags"))
print(json.dumps({
    "package": ucj.__file__,
    "project_root": str(cfg.project_root),
    "shipped": str(SHIPPED_PROJECT_DIR),
    "checkout": str(source_checkout()) if source_checkout() else None,
    "state_dir": str(cfg.state_dir),
    "dbt_target_dir": str(cfg.dbt_target_dir),
    "models": sorted(n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"),
    "dags": sorted(bag.dags),
    "import_errors": {k: str(v) for k, v in bag.import_errors.items()},
    "plugins": sorted(p["name"] for p in plugins_manager.get_plugin_info()),
}))
"""


def _uv() -> str:
    uv = PROJECT_ROOT / ".tools" / "bin" / "uv"  # the project's pinned uv (scripts/bootstrap.sh)
    found = str(uv) if uv.is_file() else shutil.which("uv")
    if not found:
        pytest.fail("no uv: run `make install` (scripts/bootstrap.sh puts it in .tools/bin)")
    return found


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """The wheel built from the checkout and installed into a fresh venv; returns (wheel, venv)."""
    tmp = tmp_path_factory.mktemp("wheel")
    uv = _uv()
    _run([uv, "build", "--project", str(PROJECT_ROOT), "--out-dir", str(tmp / "dist")], cwd=tmp)
    (wheel,) = (tmp / "dist").glob("*.whl")
    pins = tmp / "constraints.txt"
    _run(
        [
            uv,
            "export",
            "--project",
            str(PROJECT_ROOT),
            "--frozen",
            "--no-dev",
            "--no-emit-project",
            "--no-hashes",
            "--output-file",
            str(pins),
        ],
        cwd=tmp,
    )
    venv = tmp / "venv"
    _run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=tmp)
    _run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            "--constraint",
            str(pins),
            str(wheel),
        ],
        cwd=tmp,
    )
    return wheel, venv


@pytest.fixture
def outside(installed, tmp_path) -> tuple[Path, dict[str, str]]:
    """A working folder outside the checkout and an environment with no UCJ_* setting."""
    _, venv = installed
    work = tmp_path / "work"
    (tmp_path / "home").mkdir()
    work.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    return work, env


def test_the_wheel_carries_the_tracked_project_folders(installed):
    import zipfile

    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(
        ["git", "ls-files", "-z", *FOLDERS], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    tracked = {name for name in tracked if name}
    assert tracked and {f"ucj/_project/{name}" for name in tracked} <= names
    shipped = sorted(name.removeprefix("ucj/_project/") for name in names if name.startswith("ucj/_project/"))
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        input="\n".join(shipped),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert ignored == []  # no dbt target/ or logs/, no GX uncommitted/
    assert "ucj/cli.py" in names and "ucj/ingest/fields.yaml" in names  # the package itself, with its data


def test_the_installed_package_runs_outside_the_checkout(installed, outside):
    _, venv = installed
    work, env = outside
    site = next((venv / "lib").glob("python3*/site-packages"))

    help_text = _run([str(venv / "bin" / "ucj"), "--help"], cwd=work, env=env).stdout
    assert "demo" in help_text and "check" in help_text

    (work / "probe.py").write_text(PROBE, encoding="utf-8")
    probe = json.loads(_run([str(venv / "bin" / "python"), "probe.py"], cwd=work, env=env).stdout.splitlines()[-1])
    assert Path(probe["package"]).is_relative_to(site)
    assert probe["checkout"] is None
    assert probe["project_root"] == probe["shipped"] == str(site / "ucj" / "_project")
    assert probe["state_dir"] == str(work / ".ucj")  # state in the working folder, not site-packages
    assert probe["dbt_target_dir"] == str(work / ".ucj" / "dbt-target")
    assert (work / ".ucj" / "dbt-target" / "manifest.json").is_file()
    checkout_models = sorted(p.stem for p in (PROJECT_ROOT / "dbt_project" / "models").rglob("*.sql"))
    assert probe["models"] == checkout_models
    assert probe["import_errors"] == {}
    assert probe["dags"] == sorted(p.stem for p in (PROJECT_ROOT / "dags").glob("ucj_*.py"))  # one DAG per file
    assert "ucj_ingest" in probe["dags"] and "ucj_transform" in probe["dags"]
    assert "ucj_reports" in probe["plugins"]

    # the generator reads the shipped dbt seeds; `ucj check` runs the shipped GX suites
    _run(
        [str(venv / "bin" / "ucj"), "generate", "--scale", "tiny", "--seed", "1", "--out", "landing"], cwd=work, env=env
    )
    check = subprocess.run(
        [str(venv / "bin" / "ucj"), "check", "landing", "--json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert check.returncode in (0, 1), check.stderr  # 1: a generated defect file would be quarantined
    files = [json.loads(line) for line in check.stdout.splitlines() if line.startswith("{")]
    assert files and not [f for f in files if "error" in f]
    assert sum(f["rows_loaded"] for f in files) > 0
    reasons = {code for f in files for code, _ in f["reasons"]}
    assert "AMOUNT_OUT_OF_RANGE" in reasons  # only the suites' expect_column_values_to_be_between give it
