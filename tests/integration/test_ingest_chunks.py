"""The loader gives the same answer whatever the chunk size: a file read in chunks of 7 rows
loads, rejects and explains exactly what the one-chunk read does, and a key met again in a
later chunk is a rejected duplicate (the first row kept), found by PostgreSQL after the COPY.
Real PostgreSQL, real GX, the loader called directly."""

from __future__ import annotations

import csv
from pathlib import Path

import psycopg
import pytest

from ucj.ingest.landing import parse_landed
from ucj.ingest.load import ingest_file

pytestmark = pytest.mark.integration

FILE = "participants/74.71/2025-06/KEPESERTAAN_7471_JUNI_2025.csv"
HEADER = ["NIK", "NO KPJ", "NAMA LENGKAP", "TGL LAHIR", "JENIS KELAMIN", "SEGMEN", "UPAH", "STATUS KEPESERTAAN"]


def _rows() -> list[list[str]]:
    rows = []
    for i in range(40):
        nik = f"7401010101910{i + 1:03d}"  # born 01-01-1991, male, a real kecamatan
        rows.append([nik, f"110000{i:05d}", f"PESERTA {i}", "01-01-1991", "L", "BPU", "2.500.000", "AKTIF"])
    rows[12][1] = rows[3][1]  # KPJ of row 3 again, in another chunk (chunk size 7)
    rows[30][1] = rows[3][1]  # and again
    rows[5][1] = rows[4][1]  # the same KPJ twice in one chunk: GX's own uniqueness rule
    rows[20][6] = "dua juta"  # an amount that cannot be read
    rows[21][2] = 'SITI "ANI"\tX'  # a tab and quotes in a name: COPY text and JSON escaping
    return rows


def _load(warehouse, tmp_path: Path, chunk_rows: int, monkeypatch, reprocess: bool = False) -> dict:
    landing = tmp_path / f"landing-{chunk_rows}"
    (landing / FILE).parent.mkdir(parents=True)
    with (landing / FILE).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *_rows()])
    monkeypatch.setenv("UCJ_CHUNK_ROWS", str(chunk_rows))
    # the second load is the same content again: reprocess makes it a new version to compare
    outcome = ingest_file(parse_landed(landing, FILE), warehouse.conninfo, reprocess=reprocess)
    assert outcome.status == "loaded", outcome
    with psycopg.connect(warehouse.conninfo) as conn:
        loaded = conn.execute(
            """select source_row, kpj, nama, upah, source_values from raw.participants
               where file_id = %s order by source_row""",
            (outcome.file_id,),
        ).fetchall()
        rejected = conn.execute(
            """select source_row, column_name, value, reason_code, severity, original_values
               from audit.rejected_rows where file_id = %s order by source_row, reason_code""",
            (outcome.file_id,),
        ).fetchall()
    return {"outcome": outcome, "loaded": loaded, "rejected": rejected}


def test_chunk_size_changes_nothing_and_duplicates_across_chunks_are_rejected(warehouse, tmp_path, monkeypatch) -> None:
    whole = _load(warehouse, tmp_path, 50_000, monkeypatch)
    small = _load(warehouse, tmp_path, 7, monkeypatch, reprocess=True)

    for run in (whole, small):
        out = run["outcome"]
        assert (out.rows_read, out.rows_loaded, out.rows_rejected) == (40, 36, 4)
        assert out.rows_read == out.rows_loaded + out.rows_rejected  # nothing dropped silently
    assert [r[1:] for r in small["loaded"]] == [r[1:] for r in whole["loaded"]]
    assert small["rejected"] == whole["rejected"]

    by_row = {r[0]: r for r in whole["rejected"]}
    kpj_3 = _rows()[3][1]
    # the first row with the key stays (sheet row 5); the later ones, in its chunk or another, are rejected
    assert [r[0] for r in whole["loaded"] if r[1] == kpj_3] == [5]
    assert {row: by_row[row][3] for row in (7, 14, 32)} == {
        7: "DUPLICATE_KEY",  # row 5 of the data: same chunk as its first
        14: "DUPLICATE_KEY",
        32: "DUPLICATE_KEY",
    }
    assert by_row[14][1:3] == ("kpj", kpj_3) and by_row[14][4] == "reject"
    assert by_row[14][5]["kpj"] == kpj_3  # the row's original texts are kept
    assert by_row[22][1:3] == ("upah", "dua juta")

    name_row = next(r for r in whole["loaded"] if r[0] == 23)
    assert name_row[2] == 'SITI "ANI"\tX'  # escaped for COPY, read back unchanged
    assert name_row[4]["nama"] == 'SITI "ANI"\tX'
