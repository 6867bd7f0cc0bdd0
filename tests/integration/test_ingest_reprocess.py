"""The registry under reprocessing: a forced reload of unchanged content, a correction, and a
return to the first content each make a new current version; history stays; rows add up; a
duplicate stays a duplicate. Real PostgreSQL, real GX, the loader called directly."""

from __future__ import annotations

import shutil

import psycopg
import pytest

from ucj.generate import generate
from ucj.ingest.landing import parse_landed
from ucj.ingest.load import ingest_file

pytestmark = pytest.mark.integration

FILE = "participants/74.71/2025-04/KEPESERTAAN_7471_APRIL_2025.csv"
COPY = "participants/74.71/2025-04/KEPESERTAAN_7471_APRIL_2025 (salinan).csv"


def versions(conninfo: str, path: str) -> list[tuple]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            """select f.file_id, f.status, f.is_current, f.superseded_by, f.is_reprocess, f.rows_loaded,
                      (select count(*) from raw.participants p where p.file_id = f.file_id)
               from audit.files f where relative_path = %s order by file_id""",
            (path,),
        ).fetchall()


def test_reprocess_correction_and_return_to_the_first_content(warehouse, tmp_path) -> None:
    generate("tiny", 7, tmp_path / "generated")
    landing = tmp_path / "landing"
    (landing / FILE).parent.mkdir(parents=True)
    first_content = (tmp_path / "generated" / FILE).read_bytes()
    (landing / FILE).write_bytes(first_content)
    landed = parse_landed(landing, FILE)
    conninfo = warehouse.conninfo

    a = ingest_file(landed, conninfo)
    assert a.status == "loaded" and a.rows_loaded > 0
    assert ingest_file(landed, conninfo).status == "unchanged"

    again = ingest_file(landed, conninfo, reprocess=True)  # same bytes, loaded again on request
    assert (again.status, again.superseded, again.rows_loaded) == ("loaded", [a.file_id], a.rows_loaded)

    lines = first_content.splitlines(keepends=True)
    (landing / FILE).write_bytes(b"".join(lines[:2] + lines[3:]))  # a correction: one worker fewer
    b = ingest_file(landed, conninfo)
    assert (b.status, b.superseded, b.rows_read) == ("loaded", [again.file_id], a.rows_read - 1)

    (landing / FILE).write_bytes(first_content)  # back to the first content: a new version, not "unchanged"
    back = ingest_file(landed, conninfo)
    assert (back.status, back.superseded, back.rows_loaded) == ("loaded", [b.file_id], a.rows_loaded)

    n = a.rows_loaded
    assert versions(conninfo, FILE) == [
        (a.file_id, "loaded", False, again.file_id, False, n, n),
        (again.file_id, "loaded", False, b.file_id, True, n, n),
        (b.file_id, "loaded", False, back.file_id, False, b.rows_loaded, b.rows_loaded),
        (back.file_id, "loaded", True, None, False, n, n),
    ]

    shutil.copyfile(landing / FILE, landing / COPY)  # the current content at another path
    copy = parse_landed(landing, COPY)
    assert ingest_file(copy, conninfo).status == "duplicate"
    assert ingest_file(copy, conninfo, reprocess=True).status == "unchanged"  # a duplicate stays one
    assert [v[1] for v in versions(conninfo, COPY)] == ["duplicate"]
