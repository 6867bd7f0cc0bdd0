"""OPD attribution learned from the data (issue 15), through the real pipeline.

Tiny hand-made files of Kabupaten Kolaka (74.01), whose reference lists Satpol PP, Damkar, DLH,
Disnakertrans and Dinkes only:

- "Dinas Tenaga Kerja Kabupaten Kolaka", a name the matcher cannot tie to the reference's
  "Dinas Tenaga Kerja dan Transmigrasi": a roster (3 workers), budget lines (no workers column:
  a recommended column that is missing must not break the night) and BPJS lines under its name
  with an NPP nobody knows. The marts count all of it under an unconfirmed OPD.
- DISHUB, known only as the employer name of two BPJS lines: an OPD of
  its own in fct_opd_enrollment_monthly (enrolled_not_on_roster = 2).
- DINKES under an unknown NPP: matched by name to Dinkes, and the NPP is
  learned, so a later line with that NPP and no name is Dinkes' too.
- The adversarial probe: a Damkar roster of June with one line whose Instansi says Satuan Polisi
  Pamong Praja. Satpol PP's roster stays the 4 workers of its own May file.

Then an alias (config folder) merges the Tenaga Kerja OPD into Disnakertrans (KLK-04); the next
run, incremental with lookback 0 (only the newest month in its window), must equal a full refresh,
with the rows of both months under KLK-04.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import psycopg
import pytest
from marts_helpers import ModuleWarehouse, ingest_then_build, mart_checksums

pytestmark = pytest.mark.integration

REGION = "74.01"
NAKER = "Dinas Tenaga Kerja Kabupaten Kolaka"
NAKER_KEY = "dinastenagakerjakabupatenkolaka"
DISHUB_KEY = "dinasperhubungankabkolaka"
SCHEMAS = ("marts", "restricted", "intermediate")
DISHUB = "DINAS PERHUBUNGAN KAB. KOLAKA"
DINKES = "DINAS KESEHATAN KAB. KOLAKA"
SATPOL = "SATUAN POLISI PAMONG PRAJA"


def nik(serial: int) -> str:
    return f"740101150590{serial:04d}"  # kecamatan Kolaka, born 15-05-1990


def kpj(serial: int) -> str:
    return f"{serial:011d}"


def x_code(key: str) -> str:
    return "X-" + hashlib.md5(f"{REGION}|{key}".encode()).hexdigest()[:8]


def write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def landing(root: Path) -> Path:
    ros = root / "rosters" / REGION
    roster_header = ["No", "NIK", "Nama Lengkap", "Unit Kerja", "Jabatan"]
    write(
        ros / "2025-05" / "Naker Mei 2025.csv",
        roster_header,
        [[i, nik(i), f"Pegawai Naker {i}", NAKER, "Staf"] for i in (1, 2, 3)],
    )
    write(
        ros / "2025-05" / "Satpol PP Mei 2025.csv",
        roster_header,
        [[i, nik(10 + i), f"Anggota Satpol {i}", "Satuan Polisi Pamong Praja", "Anggota"] for i in (1, 2, 3, 4)],
    )
    damkar = [
        [i, nik(20 + i), f"Petugas Damkar {i}", "Dinas Pemadam Kebakaran dan Penyelamatan", "Petugas"]
        for i in (1, 2, 3)
    ]
    damkar.append([4, nik(30), "Salah Isi Instansi", "Satuan Polisi Pamong Praja", "Petugas"])  # the stray line
    write(ros / "2025-06" / "Damkar Juni 2025.csv", roster_header, damkar)
    write(
        root / "budgets" / REGION / "2025" / "APBD 2025 iuran.csv",
        ["OPD", "Kode Rekening", "Uraian", "Pagu"],
        [
            [NAKER, "5.1.02.02.02.0006", "Iuran JKK bagi Non ASN", "1.000.000"],
            [NAKER, "5.1.02.02.02.0007", "Iuran JKM bagi Non ASN", "500.000"],
            ["Satuan Polisi Pamong Praja", "5.1.02.02.02.0006", "Iuran JKK bagi Non ASN", "2.000.000"],
        ],
    )
    header = ["KPJ", "NIK", "NAMA", "SEGMEN", "STATUS KEPESERTAAN", "NPP", "NAMA PERUSAHAAN", "IURAN JKK", "IURAN JKM"]
    for month in ("2025-05", "2025-06"):
        rows = [
            # two of Naker's three roster workers, and one person billed to it who is not on its roster
            [kpj(1), nik(1), "Pegawai Naker 1", "PU", "AKTIF", "66666601", NAKER.upper(), 6000, 8000],
            [kpj(2), nik(2), "Pegawai Naker 2", "PU", "AKTIF", "66666601", NAKER.upper(), 6000, 8000],
            [kpj(9), nik(9), "Bukan Di Daftar", "PU", "AKTIF", "66666601", NAKER.upper(), 6000, 8000],
            # known only by its employer name
            [kpj(40), nik(40), "Pegawai Dishub 1", "PU", "AKTIF", "55555501", DISHUB, 6000, 8000],
            [kpj(41), nik(41), "Pegawai Dishub 2", "PU", "AKTIF", "55555501", DISHUB, 6000, 8000],
            # Dinkes under an NPP the reference does not know
            [kpj(50), nik(50), "Pegawai Dinkes 1", "PU", "AKTIF", "44444401", DINKES, 6000, 8000],
            # Satpol PP's four, under the reference NPP
            *[
                [kpj(10 + i), nik(10 + i), f"Anggota Satpol {i}", "PU", "AKTIF", "52422820", SATPOL, 6000, 8000]
                for i in (1, 2, 3, 4)
            ],
        ]
        if month == "2025-06":  # the learned NPP carries a line without an employer name
            rows.append([kpj(51), nik(51), "Pegawai Dinkes 2", "PU", "AKTIF", "44444401", "", 6000, 8000])
        write(root / "participants" / REGION / month / f"KEPESERTAAN {month}.csv", header, rows)
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory, pg_server_url):
    from ucj import transform

    tmp = tmp_path_factory.mktemp("opd-registry")
    wh = ModuleWarehouse(tmp, pg_server_url)
    saved = os.environ.get("UCJ_CONFIG_DIR")
    try:
        conninfo = wh.database()
        os.environ.pop("UCJ_CONFIG_DIR", None)
        land = landing(tmp / "landing")
        ingest_then_build(land)
        with psycopg.connect(conninfo) as conn:
            before = snapshot(conn)
        config = tmp / "config"
        config.mkdir()
        (config / "opd_aliases.yaml").write_text(
            f'aliases:\n  - {{alias: "{NAKER}", opd: "KLK-04", kode_wilayah: "{REGION}"}}\n', encoding="utf-8"
        )
        os.environ["UCJ_CONFIG_DIR"] = str(config)
        transform.run_dbt(["build", "--vars", "{lookback_months: 0}"])  # incremental: the newest month's window
        with psycopg.connect(conninfo) as conn:
            merged = snapshot(conn)
        incremental = {f"{s}.{t}": v for s in SCHEMAS for t, v in mart_checksums(conninfo, s).items()}
        transform.run_dbt(["build", "--full-refresh"])
        full = {f"{s}.{t}": v for s in SCHEMAS for t, v in mart_checksums(conninfo, s).items()}
        yield {"before": before, "merged": merged, "incremental": incremental, "full": full}
    finally:
        if saved is None:
            os.environ.pop("UCJ_CONFIG_DIR", None)
        else:
            os.environ["UCJ_CONFIG_DIR"] = saved
        from ucj.ingest import overrides

        overrides.clear_cache()
        wh.close()


def snapshot(conn: psycopg.Connection) -> dict[str, object]:
    def rows(query: str) -> list[tuple]:
        return conn.execute(query, {"region": REGION}).fetchall()

    return {
        "enrollment": {
            (r[0], str(r[1])): r[2:]
            for r in rows(
                "select opd_code, period_month, roster_workers, enrolled_active, not_enrolled, enrolled_not_on_roster, "
                "is_confirmed from marts.fct_opd_enrollment_monthly where kode_wilayah = %(region)s"
            )
        },
        "budget": {
            r[0]: r[1:]
            for r in rows(
                "select opd_code, budgeted_idr, budgeted_workers, is_confirmed from marts.fct_budget_yearly "
                "where kode_wilayah = %(region)s and fiscal_year = 2025"
            )
        },
        "dim_opd": {
            r[0]: r[1:]
            for r in rows(
                "select opd_code, opd_name, is_confirmed, is_reference from marts.dim_opd "
                "where kode_wilayah = %(region)s"
            )
        },
        "pairs": {
            r[0]: r[1:]
            for r in rows(
                "select npp, opd_code, pair_source, lines, months, is_conflict "
                "from intermediate.int_npp_opd_pairs where kode_wilayah = %(region)s"
            )
        },
        "strays": rows(
            "select nik, opd_code, row_opd_code from intermediate.int_roster_workers_matched_to_opds where is_stray_row"
        ),
    }


def test_unknown_opd_counted_unconfirmed(runs) -> None:
    before = runs["before"]
    naker, dishub = x_code(NAKER_KEY), x_code(DISHUB_KEY)
    assert before["dim_opd"][naker] == (NAKER, False, False)
    assert before["dim_opd"][dishub][1:] == (False, False)
    for month in ("2025-05-01", "2025-06-01"):
        # roster 3, enrolled 2, not enrolled 1, one billed to it who is not on its roster
        assert before["enrollment"][(naker, month)] == (3, 2, 1, 1, False)
        # known only by its employer name: two billed, no roster
        assert before["enrollment"][(dishub, month)] == (0, 0, 0, 2, False)
    assert before["budget"][naker] == (1_500_000, 0, False)
    assert before["budget"]["KLK-01"] == (2_000_000, 0, True)


def test_employer_name_teaches_the_npp(runs) -> None:
    pairs = runs["before"]["pairs"]
    assert pairs["44444401"][:2] == ("KLK-05", "learned")
    assert pairs["44444401"][2:] == (3, 2, False)  # 3 lines in 2 months
    assert pairs["52422820"][:2] == ("KLK-01", "reference")
    # the June line without an employer name is Dinkes' through the learned NPP: billed, not on a roster
    assert runs["before"]["enrollment"][("KLK-05", "2025-06-01")][3] == 2


def test_stray_roster_line_does_not_take_over_another_opds_month(runs) -> None:
    enrollment = runs["before"]["enrollment"]
    # Satpol PP's own May roster (4) stays in force in June; the stray line counts with Damkar
    assert enrollment[("KLK-01", "2025-06-01")][:2] == (4, 4)
    assert enrollment[("KLK-02", "2025-06-01")][0] == 4
    assert runs["before"]["strays"] == [(nik(30), "KLK-02", "KLK-01")]


def test_alias_merges_the_opd_on_the_next_incremental_run(runs) -> None:
    merged = runs["merged"]
    naker = x_code(NAKER_KEY)
    assert naker not in merged["dim_opd"]
    assert not any(code == naker for code, _ in merged["enrollment"])
    for month in ("2025-05-01", "2025-06-01"):  # the old month too, outside the incremental window
        assert merged["enrollment"][("KLK-04", month)] == (3, 2, 1, 1, True)
    assert merged["budget"]["KLK-04"] == (1_500_000, 0, True)
    assert merged["pairs"]["66666601"][:2] == ("KLK-04", "learned")


def test_incremental_after_the_alias_equals_full_refresh(runs) -> None:
    incremental, full = runs["incremental"], runs["full"]
    assert incremental.keys() == full.keys()
    differing = [table for table in full if incremental[table] != full[table]]
    assert differing == []
