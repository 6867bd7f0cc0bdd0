"""The published-figures files add up to ../shared/domain/reference/headline_figures.csv.

Files are read back with openpyxl and the csv module only; rows the manifest lists as defects
are the only rows left out (a second count ignores the manifest and keeps rows with a valid
NIK, as an ingestion would).
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
from pipeline_expectations import nik_as_typed

from ucj.generate import generate

ROOT = Path(__file__).resolve().parents[2]
NIK_RE = re.compile(r"^\d{6}([0-7]\d)(0[1-9]|1[0-2])\d{2}\d{4}$")
with open(ROOT / "dbt_project" / "seeds" / "regions.csv", encoding="utf-8") as _f:
    KECAMATAN = {r["kode_wilayah"].replace(".", "") for r in csv.DictReader(_f) if r["level"] == "kecamatan"}


def headline() -> dict[tuple[str, str], float]:
    with open(ROOT / "dbt_project" / "seeds" / "headline_figures.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = {(r["kode_wilayah"], r["measure"]): float(r["value"]) for r in rows}
    out |= {(r["kode_wilayah"], f"{r['measure']}@{r['as_of']}"): float(r["value"]) for r in rows}
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("published")
    manifest = generate("demo", 2025, out, scenario="published-figures", defect_rate=0.01)
    return out, json.loads(manifest.read_text(encoding="utf-8"))


def records(out: Path, doc: dict, entry: dict, drop_defects: bool = True) -> list[dict]:
    """Data rows of a file as {field: value}, total rows and (optionally) manifest-listed rows left out."""
    path = out / entry["path"]
    if entry["format"] == "xlsx":
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        grid = [list(r) for r in wb[entry["sheet"]].iter_rows(values_only=True)]
        wb.close()
    else:
        with open(path, encoding=entry["encoding"], newline="") as f:
            grid = list(csv.reader(f, delimiter=entry["delimiter"]))
    header = [("" if v is None else str(v)) for v in grid[entry["header_row"] - 1]]
    skip = set(entry.get("total_rows") or ())
    if drop_defects:
        skip |= {d["row"] for d in doc["defects"] if d["file"] == entry["path"] and d["row"]}
    out_rows = []
    for r in range(entry["first_data_row"], entry["last_data_row"] + 1):
        if r in skip:
            continue
        cells = grid[r - 1]
        row = {entry["columns"][h]: v for h, v in zip(header, cells, strict=False) if h in entry["columns"]}
        if isinstance(row.get("nik"), str):
            row["nik"] = nik_as_typed(row["nik"])
        out_rows.append(row)
    return out_rows


def files(doc: dict, source: str, region: str, period: str | None = None) -> list[dict]:
    return [
        f
        for f in doc["files"]
        if f["source"] == source
        and f["region"] == region
        and (period is None or f["period"] == period)
        and not f["path"].startswith("_")
    ]


def valid_nik(v) -> bool:
    """A NIK as an ingestion checks it: text, 16 digits, known kecamatan, real day and month."""
    if not isinstance(v, str) or not NIK_RE.match(v) or v[:6] not in KECAMATAN:
        return False
    day, month = int(v[6:8]) % 40, int(v[8:10])
    return 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


def money(v) -> int:
    return int(round(float(v)))


def test_no_whole_file_defects_on_headline_files(demo: tuple[Path, dict]) -> None:
    _, doc = demo
    whole = [d for d in doc["defects"] if d["row"] is None]
    assert whole, "a damaged run has whole-file defects"
    assert all("/74.07/" in d["file"] for d in whole)
    assert not [d for d in doc["defects"] if d["file"].startswith(("budgets/74.71", "workforce/74.71"))]


def test_kendari_workforce_and_coverage(demo: tuple[Path, dict]) -> None:
    out, doc = demo
    h = headline()
    [wf] = files(doc, "workforce", "74.71", "2025")
    rows = {r["segmen"]: r for r in records(out, doc, wf)}
    assert int(rows["PU"]["jumlah_pekerja"]) == h[("74.71", "potential_workers_pu")]
    assert int(rows["BPU"]["jumlah_pekerja"]) == h[("74.71", "potential_workers_bpu")]
    assert int(rows["JAKON"]["jumlah_pekerja"]) == h[("74.71", "potential_workers_jakon")]
    total = int(rows["TOTAL"]["jumlah_pekerja"])
    assert total == h[("74.71", "workers_excl_asn_tni_polri")]
    assert rows["TOTAL"]["tanggal_data"].date().isoformat() == "2025-06-08"

    [part] = files(doc, "participants", "74.71", "2025-06")
    active = {r["nik"] for r in records(out, doc, part) if r["status_kepesertaan"] == "AKTIF"}
    naive = {
        r["nik"]
        for r in records(out, doc, part, drop_defects=False)
        if r["status_kepesertaan"] == "AKTIF" and valid_nik(r["nik"])
    }
    assert len(active) == len(naive) == h[("74.71", "active_participants")]
    assert round(len(active) / total * 100, 2) == 35.05
    assert total - len(active) == h[("74.71", "uncovered_workers")]


def test_kendari_rosters_of_six_opd(demo: tuple[Path, dict]) -> None:
    out, doc = demo
    rosters = files(doc, "rosters", "74.71", "2025-06")
    by_opd = {f["opd_code"]: {r["nik"] for r in records(out, doc, f)} for f in rosters}
    assert len(by_opd) == 6
    assert len(set().union(*by_opd.values())) == 1599 == headline()[("74.71", "non_asn_registered_from_six_opd")]
    budget_opds = ("KDI-01", "KDI-02", "KDI-03", "KDI-09", "KDI-15")
    assert sum(len(by_opd[c]) for c in budget_opds) == 1427


@pytest.mark.parametrize("year", ["2025", "2026"])
def test_kendari_budgets(demo: tuple[Path, dict], year: str) -> None:
    out, doc = demo
    h = headline()
    [f] = files(doc, "budgets", "74.71", year)
    lines = records(out, doc, f)
    assert {r["kode_rekening"] for r in lines} == {"5.1.02.02.02.0006", "5.1.02.02.02.0007"}
    pagu = sum(money(r["pagu"]) for r in lines)
    workers = {r["opd"]: int(r["jumlah_pekerja"]) for r in lines}
    assert pagu == h[("74.71", f"budget_iuran_non_asn@{year}")]
    assert sum(workers.values()) == h[("74.71", f"budget_workers_non_asn@{year}")]
    if year == "2025":
        assert len(workers) == 5
    # the TOTAL row agrees with the lines
    wb = openpyxl.load_workbook(out / f["path"], read_only=True, data_only=True)
    grid = [list(r) for r in wb[f["sheet"]].iter_rows(values_only=True)]
    wb.close()
    total = next(r for r in grid if r[1] == "TOTAL")
    assert (total[4], money(total[5])) == (sum(workers.values()), pagu)


def test_wakatobi_claims(demo: tuple[Path, dict]) -> None:
    out, doc = demo
    h = headline()
    latest: dict[str, tuple[str, dict]] = {}
    for f in files(doc, "claims", "74.07"):
        for r in records(out, doc, f):
            if f["period"] >= latest.get(r["nomor_klaim"], ("", {}))[0]:
                latest[r["nomor_klaim"]] = (f["period"], r)
    claims = {k: r for k, (_, r) in latest.items()}
    assert len(claims) == h[("74.07", "claims_count")]
    assert {r["status_klaim"] for r in claims.values()} == {"DIBAYAR"}
    paid = defaultdict(int)
    for r in claims.values():
        paid[r["program"]] += money(r["nominal"])
        assert "2023" <= r["tanggal_bayar"][-4:] <= "2024"
    assert paid["JKM"] == h[("74.07", "claims_paid_jkm")] == 27 * 42_000_000
    assert paid["JKK"] == h[("74.07", "claims_paid_jkk")]
    assert paid["JKM"] + paid["JKK"] == h[("74.07", "claims_paid_total")]


def test_baubau_rentan_and_non_asn(demo: tuple[Path, dict]) -> None:
    out, doc = demo
    rentan = [f for f in files(doc, "rosters", "74.72") if f["kind"] == "rentan"]
    assert {f["period"] for f in rentan} == {"2025-05"}
    niks = {r["nik"] for f in rentan for r in records(out, doc, f)}
    assert all(r["status_kepegawaian"] == "Pekerja Rentan" for f in rentan for r in records(out, doc, f))
    assert len(niks) == h_val("74.72", "pekerja_rentan_covered") == 992
    [part] = files(doc, "participants", "74.72", "2025-06")
    rows = records(out, doc, part)
    active = {r["nik"] for r in rows if r["status_kepesertaan"] in ("AKTIF", "Aktif")}
    assert niks <= active
    non_asn = {r["nik"] for f in files(doc, "rosters", "74.72", "2025-06") for r in records(out, doc, f)}
    assert len(non_asn & active) > h_val("74.72", "non_asn_covered")


def h_val(region: str, measure: str) -> float:
    return headline()[(region, measure)]


def test_manifest_matches_defects_present_in_published_files(demo: tuple[Path, dict]) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("checks", ROOT / "tests" / "unit" / "test_generate_checks.py")
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    out, doc = demo
    prefixes = checks.known_prefixes(ROOT / "dbt_project" / "seeds")
    listed: dict[str, set] = defaultdict(set)
    for d in doc["defects"]:
        if d["kind"] in checks.ROW_KINDS:
            listed[d["file"]].add((d["row"], d["column"], d["kind"]))
    for entry in doc["files"]:
        assert checks.find_defects(out, entry, prefixes) == listed.get(entry["path"], set()), entry["path"]


def test_demo_same_seed_same_bytes(tmp_path: Path) -> None:
    import hashlib

    def digest(out: Path) -> dict[str, str]:
        return {
            p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*"))
            if p.is_file()
        }

    a = generate("demo", 5, tmp_path / "a", scenario="published-figures").parent
    b = generate("demo", 5, tmp_path / "b", scenario="published-figures").parent
    assert digest(a) == digest(b)
