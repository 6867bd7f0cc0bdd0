"""People are consistent across files; same seed, same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from test_generate_checks import data_rows, nik_as_read, parse_date

from ucj.generate import generate


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("tiny")
    manifest = generate("tiny", 3, out, defect_rate=0)
    return out, json.loads(manifest.read_text(encoding="utf-8"))


def _digest(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = _digest(Path(generate("tiny", 11, tmp_path / "a")).parent)
    b = _digest(Path(generate("tiny", 11, tmp_path / "b")).parent)
    c = _digest(Path(generate("tiny", 12, tmp_path / "c")).parent)
    assert a == b
    assert any(a.get(k) != v for k, v in c.items())
    assert any(k.endswith(".xlsx") for k in a)


def _records(out: Path, doc: dict, source: str):
    for entry in doc["files"]:
        if entry["source"] != source:
            continue
        header, rows = data_rows(out, entry)
        field = {h: entry["columns"][h] for h in header if h in entry["columns"]}
        for _, cells in rows:
            rec = {field[h]: v for h, v in zip(header, cells, strict=False) if h in field}
            if "nik" in rec and rec["nik"] is not None:
                rec["nik"] = nik_as_read(str(rec["nik"]))
            yield entry, rec


def _sex_dob(nik: str) -> tuple[str, dt.date]:
    day = int(nik[6:8])
    yy = int(nik[10:12])
    year = 1900 + yy if yy > 30 else 2000 + yy
    return ("P" if day > 40 else "L"), dt.date(year, int(nik[8:10]), day % 40)


def test_nik_agrees_with_birth_date_and_sex(tiny: tuple[Path, dict]) -> None:
    out, doc = tiny
    n = 0
    for source in ("rosters", "participants"):
        for _, rec in _records(out, doc, source):
            sex, dob = _sex_dob(str(rec["nik"]))
            born = parse_date(rec.get("tanggal_lahir") or rec["tempat_tanggal_lahir"])
            assert born == dob, rec
            jk = str(rec["jenis_kelamin"])
            assert jk[0] == ("P" if sex == "P" else "L"), rec
            n += 1
    assert n > 500


def test_kpj_unique_and_people_consistent(tiny: tuple[Path, dict]) -> None:
    out, doc = tiny
    by_kpj: dict[str, str] = {}
    names: dict[str, str] = {}
    for _, rec in _records(out, doc, "participants"):
        kpj, nik = str(rec["kpj"]), str(rec["nik"])
        assert len(kpj) == 11 and kpj.isdigit()
        assert by_kpj.setdefault(kpj, nik) == nik  # one person per KPJ
        assert names.setdefault(nik, rec["nama"]) == rec["nama"]
    assert len(set(by_kpj.values())) == len(by_kpj)  # one KPJ per person
    # roster workers enrolled at BPJS appear with the same name (upper case) and the OPD's NPP
    roster = {str(rec["nik"]): rec["nama"] for _, rec in _records(out, doc, "rosters")}
    both = set(roster) & set(names)
    assert len(both) > 0.6 * len(roster)
    assert all(names[k] == roster[k].upper().replace("\u2019", "'") for k in both)


def test_claims_follow_benefit_rules(tiny: tuple[Path, dict]) -> None:
    out, doc = tiny
    claims = {}
    for _, rec in _records(out, doc, "claims"):
        claims[rec["nomor_klaim"]] = rec
    assert claims
    for rec in claims.values():
        amount = float(rec["nominal"])
        if rec["program"] == "JKM":
            assert amount in (42_000_000, 10_000_000)
        else:
            assert amount > 0
    statuses = {}
    for entry, rec in _records(out, doc, "claims"):
        statuses.setdefault(rec["nomor_klaim"], []).append((entry["period"], rec["status_klaim"]))
    order = ["DILAPORKAN", "BERKAS_LENGKAP", "VERIFIKASI", "DISETUJUI", "DIBAYAR"]
    moved = 0
    for hist in statuses.values():
        seq = [order.index(s) for _, s in sorted(hist) if s in order]
        assert seq == sorted(seq)  # statuses only move forward
        moved += len(set(seq)) > 1
    assert moved > 0
