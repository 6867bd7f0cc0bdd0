"""The whole pipeline through Airflow (dag.test), GX, COPY and dbt on real PostgreSQL.

The mart must agree with what the landed files imply (tests/integration/pipeline_expectations.py reads
them with openpyxl and the csv module), and a change in a file must move the mart with it.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from pipeline_expectations import expected_enrollment, file_specs, is_active, mart_enrollment, rows_of
from servers import BOTH_SERVERS

from ucj import tasks
from ucj.generate import generate
from ucj.runner import run_pipeline
from ucj.warehouse import connect

pytestmark = [pytest.mark.integration, BOTH_SERVERS]  # issue 17: the PostgreSQL a Pemda runs too

SOURCES = ("rosters", "participants", "claims", "budgets", "workforce")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(scale="tiny", seed=7, out=out, defect_rate=0)
    return out


@pytest.fixture
def landing(generated, tmp_path) -> tuple[Path, Path]:
    """A copy of the generated landing folder (the pipeline moves quarantined files out)."""
    target = tmp_path / "landing"
    for source in SOURCES:
        shutil.copytree(generated / source, target / source)
    return target, generated / "manifest.json"


def remove_participant_row(landing: Path, manifest: Path, region: str, period: str, nik: str) -> None:
    """Delete the worker's line from a CSV participation export, keeping its encoding and layout."""
    (spec,) = [
        s for s in file_specs(landing, manifest) if (s.source, s.region, s.period) == ("participants", region, period)
    ]
    assert spec.fmt == "csv"
    encoding = spec.encoding or "utf-8-sig"
    lines = spec.path.read_bytes().decode(encoding).splitlines(keepends=True)
    kept = [line for line in lines if nik not in line]
    assert len(kept) == len(lines) - 1
    spec.path.write_bytes("".join(kept).encode(encoding))


def noise(output: str) -> list[str]:
    """Lines a newcomer reads as a failure on a clean run (issue 18): an `[error]` line, Cosmos'
    per-exposure warning, a raw dbt JSON log line."""
    return [
        line
        for line in output.splitlines()
        if "[error" in line or "Unavailable conversion function" in line or line.startswith('{"')
    ]


def ingest_task_labels(run_id: str) -> list[str]:
    """What the Airflow UI shows for each mapped `ingest_file` task of the run."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = session.query(TaskInstance).filter_by(dag_id="ucj_ingest", task_id="ingest_file", run_id=run_id)
        return sorted(ti.rendered_map_index for ti in tis)


def test_roster_to_mart_through_airflow(landing, warehouse, capfd):
    landing_dir, manifest = landing
    listed = tasks.list_files(landing_dir)
    started = time.time()
    result = run_pipeline(landing_dir)
    assert result.ok, result.runs
    out, err = capfd.readouterr()
    assert noise(out + err) == [], "a clean first run prints no error-looking line"
    (ingest_run,) = [r for r in result.runs if r.dag_id == "ucj_ingest"]
    assert ingest_task_labels(ingest_run.run_id) == sorted(listed), "each mapped task is labelled by its file"
    _assert_dbt_docs_built(started)

    expected = expected_enrollment(landing_dir, manifest)
    actual = mart_enrollment(warehouse.url)
    assert expected, "the tiny scale has OPD rosters"
    assert actual == expected
    assert sum(v["not_enrolled"] for v in actual.values()) > 0

    # Take one enrolled roster worker out of the latest CSV participation export: the mart must
    # now count them as not enrolled, and the expectation (read from the files) must agree.
    csv_months = sorted(
        (s.region, s.period) for s in file_specs(landing_dir, manifest) if s.source == "participants" and s.fmt == "csv"
    )
    region, period = csv_months[-1]
    (spec,) = [
        s
        for s in file_specs(landing_dir, manifest)
        if (s.source, s.region, s.period) == ("participants", region, period)
    ]
    month_keys = [
        k for k in expected if k[0] == region and k[2].strftime("%Y-%m") == period and expected[k]["enrolled_active"]
    ]
    opd_key = month_keys[0]
    roster_niks = _roster_niks_as_of(landing_dir, manifest, opd_key)
    active_in_file = {
        r["nik"] for r in rows_of(spec) if r.get("nik") in roster_niks and is_active(r.get("status_kepesertaan", ""))
    }
    nik = sorted(active_in_file)[0]
    remove_participant_row(landing_dir, manifest, region, period, nik)

    result = run_pipeline(landing_dir)
    assert result.ok, result.runs
    after = mart_enrollment(warehouse.url)
    expected_after = expected_enrollment(landing_dir, manifest)
    assert after == expected_after
    assert after[opd_key]["not_enrolled"] == actual[opd_key]["not_enrolled"] + 1
    assert after[opd_key]["enrolled_active"] == actual[opd_key]["enrolled_active"] - 1

    with connect(warehouse.url) as conn:
        superseded = conn.execute(
            """select count(*) from audit.files
               where source = 'participants' and kode_wilayah = %s and period = %s and not is_current""",
            (region, period),
        ).fetchone()[0]
    assert superseded == 1, "the corrected export supersedes the earlier one, which stays in history"


def _roster_niks_as_of(landing: Path, manifest: Path, key) -> set[str]:
    region, opd, month = key
    periods = {
        s.period: s
        for s in file_specs(landing, manifest)
        if s.source == "rosters" and s.region == region and s.opd_code == opd and s.period <= month.strftime("%Y-%m")
    }
    latest = periods[max(periods)]
    return {r["nik"] for r in rows_of(latest)}


def _assert_dbt_docs_built(started: float) -> None:
    """Issue 20: the transform DAG builds the dbt docs site after dbt build (task build_docs),
    with the marts' columns read from the warehouse and the overview page in Bahasa Indonesia."""
    import json

    from ucj.config import settings

    target = settings().dbt_target_dir
    for name in ("index.html", "manifest.json", "catalog.json"):
        assert (target / name).is_file(), name
    assert (target / "catalog.json").stat().st_mtime >= started, "written by this run"
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    assert "claim_number" in {c.lower() for c in catalog["nodes"]["model.ucj_warehouse.fct_claims"]["columns"]}
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert "Gudang data UCJ" in manifest["docs"]["doc.ucj_warehouse.__overview__"]["block_contents"]
