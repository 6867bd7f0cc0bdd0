"""The file registry against deliveries a Pemda really makes (issues 14 and 15): a folder named
after no Pemda, a path overwritten with a copy of another path, a file withdrawn, and a
multi-sheet workbook whose sheets are all recorded. Real loader, real GX, real PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import psycopg
import pytest
import xlsxwriter

from ucj.config import settings
from ucj.ingest.landing import parse_landed
from ucj.ingest.load import ingest_file
from ucj.ingest.withdraw import withdraw

pytestmark = pytest.mark.integration


def _nik(i: int) -> str:
    return f"747101010170{i + 1:04d}"


def _roster(path: Path, first: int, n: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["NIK", "Nama", "OPD"])
        for i in range(first, first + n):
            writer.writerow([_nik(i), f"PEKERJA {i}", "Dinas Kesehatan"])
    return path


def _current(conninfo: str) -> list[tuple[str, int]]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            "select relative_path, rows_loaded from audit.files where is_current order by relative_path"
        ).fetchall()


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    monkeypatch.setenv("UCJ_LANDING_DIR", str(folder))
    monkeypatch.setenv("UCJ_QUARANTINE_DIR", str(tmp_path / "quarantine"))
    return folder


def test_a_folder_named_after_no_pemda_is_quarantined(warehouse, landing: Path) -> None:
    for region in ("74.99", "74"):
        rel = f"rosters/{region}/2025-06/roster.csv"
        _roster(landing / rel, 0, 2)
        outcome = ingest_file(parse_landed(landing, rel), warehouse.conninfo)
        assert outcome.status == "quarantined" and outcome.error_code == "UNKNOWN_REGION", outcome
        assert region in (outcome.error_message or "")
    with psycopg.connect(warehouse.conninfo) as conn:
        assert conn.execute("select count(*) from raw.rosters").fetchone()[0] == 0


def test_a_path_overwritten_with_another_paths_content_stops_being_current(warehouse, landing: Path) -> None:
    a, b = "rosters/74.71/2025-06/dinkes.csv", "rosters/74.71/2025-06/dinkes_revisi.csv"
    _roster(landing / a, 0, 3)
    _roster(landing / b, 10, 2)
    for rel in (a, b):
        assert ingest_file(parse_landed(landing, rel), warehouse.conninfo).status == "loaded"
    assert _current(warehouse.conninfo) == [(a, 3), (b, 2)]
    (landing / a).write_bytes((landing / b).read_bytes())  # the OPD copied the revised file over the old one
    outcome = ingest_file(parse_landed(landing, a), warehouse.conninfo)
    assert outcome.status == "duplicate" and outcome.superseded
    assert _current(warehouse.conninfo) == [(b, 2)]  # the old content of `a` no longer counts


def test_a_withdrawn_file_leaves_the_marts_and_the_landing(warehouse, landing: Path) -> None:
    rel = "rosters/74.71/2025-06/salah_kirim.csv"
    _roster(landing / rel, 0, 2)
    assert ingest_file(parse_landed(landing, rel), warehouse.conninfo).status == "loaded"
    done = withdraw(warehouse.conninfo, rel, "file of another Pemda", settings())
    assert done.moved_to is not None and done.moved_to.exists() and not (landing / rel).exists()
    assert _current(warehouse.conninfo) == []
    with psycopg.connect(warehouse.conninfo) as conn:
        reason = conn.execute("select withdrawn_reason from audit.files where relative_path = %s", (rel,)).fetchone()
    assert reason == ("file of another Pemda",)
    with pytest.raises(LookupError):
        withdraw(warehouse.conninfo, rel, "again", settings())
    _roster(landing / rel, 0, 2)  # the same content delivered again on purpose loads again
    assert ingest_file(parse_landed(landing, rel), warehouse.conninfo).status == "loaded"
    assert _current(warehouse.conninfo) == [(rel, 2)]


def test_every_sheet_is_recorded_and_rows_add_up(warehouse, landing: Path) -> None:
    rel = "rosters/74.71/2025-06/non_asn_per_opd.xlsx"
    path = landing / rel
    path.parent.mkdir(parents=True)
    workbook = xlsxwriter.Workbook(path)
    workbook.add_worksheet("Petunjuk").write_string(0, 0, "Isi satu lembar per OPD")
    for name, first, n in (("Dinkes", 0, 3), ("Dishub", 3, 2), ("Dinkes lama", 0, 3)):
        sheet = workbook.add_worksheet(name)
        for c, text in enumerate(["NIK", "Nama", "Jabatan"]):
            sheet.write_string(0, c, text)
        for r, i in enumerate(range(first, first + n), start=1):
            sheet.write_string(r, 0, _nik(i))
            sheet.write_string(r, 1, f"PEKERJA {i}")
            sheet.write_string(r, 2, "Staf")
        sheet.write_string(n + 1, 0, "Sumber: SIPD")
        if name == "Dinkes lama":
            sheet.hide()
    workbook.worksheets()[1].activate()
    workbook.close()
    outcome = ingest_file(parse_landed(landing, rel), warehouse.conninfo)
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded, outcome.rows_skipped) == ("loaded", 5, 5, 2)
    with psycopg.connect(warehouse.conninfo) as conn:
        sheets = conn.execute(
            """select sheet, status, reason_code, opd_text, rows_read, rows_loaded, rows_skipped
               from audit.file_sheets where file_id = %s order by sheet_index""",
            (outcome.file_id,),
        ).fetchall()
        rows = conn.execute("select sheet, opd, count(*) from raw.rosters group by 1, 2 order by 1").fetchall()
        skipped = conn.execute("select sheet, kind from audit.skipped_rows order by sheet").fetchall()
    assert sheets == [
        ("Petunjuk", "skipped", "NO_TABLE", None, 0, 0, 0),
        ("Dinkes", "read", None, "Dinkes", 3, 3, 1),
        ("Dishub", "read", None, "Dishub", 2, 2, 1),
        ("Dinkes lama", "skipped", "HIDDEN_SHEET", None, 0, 0, 0),
    ]
    assert rows == [("Dinkes", "Dinkes", 3), ("Dishub", "Dishub", 2)]
    assert skipped == [("Dinkes", "footnote"), ("Dishub", "footnote")]


def test_a_file_the_loader_cannot_explain_is_quarantined_not_crashed(warehouse, landing: Path) -> None:
    """A NUL byte inside an extra column far into a CSV (jsonb refuses \\u0000): before, the task
    failed every night and the file was neither registered nor quarantined."""
    rel = "rosters/74.71/2025-06/nul.csv"
    path = _roster(landing / rel, 0, 3)
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write("Keterangan\n")
    text = path.read_text(encoding="utf-8").replace("NIK,Nama,OPD", "NIK,Nama,OPD,Catatan")
    lines = text.splitlines()
    lines[2] = lines[2] + ",a\x00b"
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    outcome = ingest_file(parse_landed(landing, rel), warehouse.conninfo)
    assert outcome.status == "quarantined", outcome
    assert outcome.error_code in ("INTERNAL_ERROR", "UNREADABLE"), outcome
    with psycopg.connect(warehouse.conninfo) as conn:
        row = conn.execute("select status, error_code from audit.files where relative_path = %s", (rel,)).fetchone()
    assert row == ("quarantined", outcome.error_code)
    assert Path(outcome.quarantine_path).exists() and not path.exists()


def test_a_quarantine_moves_the_file_only_after_its_commit(warehouse, landing: Path, monkeypatch) -> None:
    """The process stops between the registry's commit and the move: the file is still in the
    landing folder with its verdict registered; the next run moves it, judging it once."""
    import ucj.ingest.load as load_module

    rel = "rosters/74.71/2025-06/kosong.csv"
    path = landing / rel
    path.parent.mkdir(parents=True)
    path.write_text("NIK,Nama,OPD\n", encoding="utf-8")  # header only: NO_DATA_ROWS

    def stopped(pending) -> None:
        raise KeyboardInterrupt("the process was stopped here")

    monkeypatch.setattr(load_module, "complete_quarantine", stopped)
    with pytest.raises(KeyboardInterrupt):
        ingest_file(parse_landed(landing, rel), warehouse.conninfo)
    assert path.exists()  # committed verdict, file not moved yet
    monkeypatch.undo()
    outcome = ingest_file(parse_landed(landing, rel), warehouse.conninfo)
    assert outcome.status == "quarantined" and outcome.error_code == "NO_DATA_ROWS"
    assert not path.exists() and Path(outcome.quarantine_path).exists()
    assert Path(outcome.quarantine_path + ".report.md").exists()
    with psycopg.connect(warehouse.conninfo) as conn:
        rows = conn.execute("select status from audit.files where relative_path = %s", (rel,)).fetchall()
    assert rows == [("quarantined",)]  # judged once


def test_a_file_still_being_written_is_left_for_the_next_run(warehouse, landing: Path, monkeypatch) -> None:
    import os
    import time

    import ucj.ingest.process as process_module

    rel = "rosters/74.71/2025-06/sedang_disalin.csv"
    path = _roster(landing / rel, 0, 3)
    monkeypatch.setenv("UCJ_SETTLE_SECONDS", "60")
    young = ingest_file(parse_landed(landing, rel), warehouse.conninfo, cfg=settings())
    assert young.status == "unsettled" and young.error_code == "FILE_CHANGING" and path.exists()
    old = time.time() - 120
    os.utime(path, (old, old))
    real = process_module.canonicalize

    def grows(chunk, *args, **kwargs):  # the copy goes on while the file is read
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"{_nik(9)},PEKERJA 9,Dinas Kesehatan\n")
        return real(chunk, *args, **kwargs)

    monkeypatch.setattr(process_module, "canonicalize", grows)
    changing = ingest_file(parse_landed(landing, rel), warehouse.conninfo, cfg=settings())
    assert changing.status == "unsettled" and "changed while it was read" in (changing.error_message or "")
    monkeypatch.setattr(process_module, "canonicalize", real)
    os.utime(path, (old, old))
    settled = ingest_file(parse_landed(landing, rel), warehouse.conninfo, cfg=settings())
    assert (settled.status, settled.rows_loaded) == ("loaded", 4)
    with psycopg.connect(warehouse.conninfo) as conn:  # only the settled load is registered
        assert conn.execute("select count(*) from audit.files").fetchone()[0] == 1


def test_two_runs_at_once_load_every_file_once(warehouse, landing: Path) -> None:
    """Two ingest runs over the same landing folder at the same moment (the nightly run and a
    backfill, two schedulers): the per-path advisory lock makes one load each file and the other
    find it loaded; nothing twice, nothing lost."""
    from concurrent.futures import ThreadPoolExecutor

    paths = [f"rosters/74.71/2025-06/opd_{k}.csv" for k in range(6)]
    for k, rel in enumerate(paths):
        _roster(landing / rel, 10 * k, 5)
    jobs = [rel for rel in paths for _ in range(2)]
    from ucj.ingest.validation import checkpoint

    checkpoint("rosters")  # each Airflow task is its own process: build GX's context once, as a process would
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda rel: ingest_file(parse_landed(landing, rel), warehouse.conninfo), jobs))
    statuses = sorted((o.relative_path, o.status) for o in outcomes)
    assert all(o.status != "quarantined" for o in outcomes), [(o.error_code, o.error_message) for o in outcomes]
    assert statuses == sorted([(rel, "loaded") for rel in paths] + [(rel, "unchanged") for rel in paths])
    with psycopg.connect(warehouse.conninfo) as conn:
        files = conn.execute("select count(*), sum(rows_loaded) from audit.files").fetchone()
        rows = conn.execute("select count(*), count(distinct nik) from raw.rosters").fetchone()
    assert files == (6, 30) and rows == (30, 30)


def test_a_broken_file_sent_again_is_quarantined_again_not_left_in_the_landing(warehouse, landing: Path) -> None:
    """The recovery of an interrupted quarantine must not take a second delivery of the same
    broken file for one: it is judged again and moved beside the first, with its own report."""
    rel = "rosters/74.71/2025-06/kosong.csv"
    path = landing / rel
    path.parent.mkdir(parents=True)
    path.write_text("NIK,Nama,OPD\n", encoding="utf-8")
    first = ingest_file(parse_landed(landing, rel), warehouse.conninfo)
    path.write_text("NIK,Nama,OPD\n", encoding="utf-8")  # the OPD sends the same file again
    second = ingest_file(parse_landed(landing, rel), warehouse.conninfo)
    assert (first.status, second.status) == ("quarantined", "quarantined")
    assert first.quarantine_path != second.quarantine_path and Path(second.quarantine_path).exists()
    assert not path.exists()
