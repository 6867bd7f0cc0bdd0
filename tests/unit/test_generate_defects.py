"""The manifest lists exactly the defects present in the generated files (tiny scale)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from test_generate_checks import ROW_KINDS, data_rows, find_defects, known_prefixes

from ucj.generate import KINDS, generate

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("tiny_damaged")
    manifest = generate("tiny", 7, out, defect_rate=0.08)
    return out, json.loads(manifest.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("tiny_clean")
    manifest = generate("tiny", 7, out, defect_rate=0)
    return out, json.loads(manifest.read_text(encoding="utf-8"))


def test_manifest_matches_defects_present(damaged: tuple[Path, dict]) -> None:
    out, doc = damaged
    prefixes = known_prefixes(SEEDS)
    listed: dict[str, set] = {}
    for d in doc["defects"]:
        if d["kind"] in ROW_KINDS:
            listed.setdefault(d["file"], set()).add((d["row"], d["column"], d["kind"]))
    for entry in doc["files"]:
        found = find_defects(out, entry, prefixes)
        assert found == listed.get(entry["path"], set()), entry["path"]


def test_every_kind_is_injected(damaged: tuple[Path, dict]) -> None:
    _, doc = damaged
    kinds = Counter(d["kind"] for d in doc["defects"])
    assert set(kinds) == set(KINDS), kinds
    assert all(d["kind"] in KINDS for d in doc["defects"])


def test_clean_run_has_no_defects(clean: tuple[Path, dict]) -> None:
    out, doc = clean
    assert doc["defects"] == []
    assert not (out / "_redeliveries").exists()
    prefixes = known_prefixes(SEEDS)
    for entry in doc["files"]:
        assert find_defects(out, entry, prefixes) == set(), entry["path"]


def test_wrong_period_folder(damaged: tuple[Path, dict]) -> None:
    out, doc = damaged
    [d] = [d for d in doc["defects"] if d["kind"] == "wrong_period_folder"]
    entry = next(f for f in doc["files"] if f["path"] == d["file"])
    folder_period = Path(d["file"]).parts[2]
    assert folder_period != d["value"] == entry["content_period"]
    header, rows = data_rows(out, entry)
    periods = {cells[header.index("PERIODE")] for _, cells in rows}
    assert periods == {d["value"]}


def test_corrected_redelivery(damaged: tuple[Path, dict]) -> None:
    out, doc = damaged
    [d] = [d for d in doc["defects"] if d["kind"] == "corrected_redelivery"]
    assert d["value"] == f"_redeliveries/{d['file']}"
    first = next(f for f in doc["files"] if f["path"] == d["file"])
    again = next(f for f in doc["files"] if f["path"] == d["value"])
    assert again["redelivery_of"] == first["path"]
    assert (out / d["value"]).read_bytes() != (out / d["file"]).read_bytes()
    nik_col = next(h for h, f in again["columns"].items() if f == "nik")
    h1, r1 = data_rows(out, first)
    h2, r2 = data_rows(out, again)
    niks1 = {c[h1.index(nik_col)] for _, c in r1}
    niks2 = {c[h2.index(nik_col)] for _, c in r2}
    assert len(niks2) > len(niks1 & niks2)  # the correction adds the workers the first delivery missed


def test_landing_contract(damaged: tuple[Path, dict]) -> None:
    out, doc = damaged
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == {f["path"] for f in doc["files"]}
    for f in doc["files"]:
        parts = Path(f["path"]).parts
        if parts[0] == "_redeliveries":
            parts = parts[1:]
        source, region, period, name = parts
        assert source == f["source"] and region == f["region"] and period == f["period"]
        assert len(period) == (4 if source in ("budgets", "workforce") else 7)
        assert name.endswith((".xlsx", ".csv"))
