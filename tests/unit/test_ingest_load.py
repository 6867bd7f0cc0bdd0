"""Pieces of the loader that need no database (ucj.ingest.load)."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from ucj.ingest.canonical import canonicalize, header_kinds, json_string, source_values
from ucj.ingest.load import (
    FileOutcome,
    FileRejected,
    _copy_block,
    period_end,
    reconcile_duplicates,
    sha256_of,
    yaml_headers,
)
from ucj.ingest.readers import read_table

NIK_A, NIK_B = "7471010101900001", "7471010101900002"


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _reconciled(path: Path, source: str = "rosters") -> pd.DataFrame:
    table = read_table(path, source)
    kinds = header_kinds(table.field_of_header, table.kind_of_header)
    frames = []
    for chunk in table.chunks():
        reconcile_duplicates(chunk, table, kinds)
        frames.append(chunk)
    return pd.concat(frames, ignore_index=True)


def test_period_end() -> None:
    assert period_end("2025-02") == date(2025, 2, 28)
    assert period_end("2024-02") == date(2024, 2, 29)
    assert period_end("2025") == date(2025, 12, 31)


def test_sha256_of(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"NIK\n" * 100_000)
    assert sha256_of(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_duplicate_columns_that_agree_fill_each_others_gaps(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.csv",
        [
            ["NIK", "Nama", "No. KTP", "OPD"],
            [NIK_A, "Ani", NIK_A, "Dinkes"],
            ["", "Budi", NIK_B, "Dinkes"],
            [NIK_B, "Citra", "", "Dinkes"],
        ],
    )
    frame = _reconciled(path)
    assert frame["nik"].tolist() == [NIK_A, NIK_B, NIK_B]


def test_duplicate_money_columns_agree_when_their_values_do(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.csv",
        [["NIK", "Nama", "OPD", "Gaji", "Honor"], [NIK_A, "Ani", "Dinkes", "3.000.000", "Rp 3.000.000,-"]],
    )
    assert _reconciled(path)["upah"].tolist() == ["3.000.000"]


def test_duplicate_columns_that_disagree_quarantine_the_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.csv",
        [["NIK", "Nama", "NIK KTP", "OPD"], [NIK_A, "Ani", NIK_A, "Dinkes"], [NIK_A, "Budi", NIK_B, "Dinkes"]],
    )
    with pytest.raises(FileRejected) as err:
        _reconciled(path)
    assert err.value.code == "DUPLICATED_HEADER"
    assert err.value.where["row"] == 3
    message = err.value.message
    assert "'NIK' and 'NIK KTP' both mean nik but disagree at row 3" in message
    assert "first difference at character 16" in message
    assert NIK_A not in message and NIK_B not in message  # masked


def test_ttl_beside_tanggal_lahir_is_not_a_conflict(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.csv",
        [["NIK", "Nama", "OPD", "TTL", "Tanggal Lahir"], [NIK_A, "Ani", "Dinkes", "Kendari, 02-02-1991", "01-01-1990"]],
    )
    frame = _reconciled(path)
    assert frame["tanggal_lahir"].tolist() == ["01-01-1990"]  # the plain date column is read
    assert frame["_extras"].tolist() == [{"TTL": "Kendari, 02-02-1991"}]


def test_copy_block_is_copy_text_format() -> None:
    frame = pd.DataFrame(
        {
            "_source_row": [2, 3],
            "nama": ["SITI\tAMINAH\\X", None],
            "upah": [Decimal("2500000.50"), float("nan")],
            "tanggal_lahir": [date(1990, 3, 12), None],
            "_source_json": ['{"nama": "SITI\\tAMINAH\\\\X"}', "{}"],
        }
    )
    block = _copy_block(frame, (7, "74.71", "2025-06", "a/b.csv", None), ["nama", "upah", "tanggal_lahir", "npp"])
    lines = block.decode().split("\n")
    assert lines[-1] == ""  # every line ends with a newline
    assert lines[0].split("\t") == [
        "7",
        "74.71",
        "2025-06",
        "a/b.csv",
        "\\N",
        "2",
        "SITI\\tAMINAH\\\\X",
        "2500000.50",
        "1990-03-12",
        "\\N",
        '{"nama": "SITI\\\\tAMINAH\\\\\\\\X"}',
    ]
    assert lines[1].split("\t")[6:] == ["\\N", "\\N", "\\N", "\\N", "{}"]
    assert _copy_block(frame.iloc[:0], (7, "74.71", "2025-06", "a/b.csv", None), ["nama"]) == b""


@pytest.mark.parametrize("text", ["SITI AMINAH", 'Jl. "Mawar"', "C:\\x", "Bau-Bau\u00e9", "tab\there", "\x7f", ""])
def test_json_string_equals_json_dumps(text: str) -> None:
    assert json_string(text) == json.dumps(text)


def test_source_values_keep_the_original_texts_and_extras(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "p.csv",
        [
            ["NIK", "NO KPJ", "NAMA LENGKAP", "SEGMEN", "STATUS KEPESERTAAN", "UPAH", "KETERANGAN"],
            [f" {NIK_A} ", "11000000901", 'SITI "ANI"', "BPU", "AKTIF", "Rp 2.500.000", "pindah"],
            [NIK_B, "11000000902", "", "PU", "AKTIF", "", ""],
        ],
    )
    table = read_table(path, "participants")
    kinds = header_kinds(table.field_of_header, table.kind_of_header)
    typed = canonicalize(next(iter(table.chunks())), "participants", kinds)
    first = source_values(typed, 0)
    assert first == {
        "kpj": "11000000901",
        "nik": NIK_A,
        "nama": 'SITI "ANI"',
        "segmen": "BPU",
        "status_kepesertaan": "AKTIF",
        "upah": "Rp 2.500.000",
        "extra:KETERANGAN": "pindah",
    }
    assert typed["_source_json"].iat[0] == json.dumps(first)  # what json.dumps of the row gives
    assert source_values(typed, 1) == {
        "kpj": "11000000902",
        "nik": NIK_B,
        "segmen": "PU",
        "status_kepesertaan": "AKTIF",
    }
    assert typed["upah"].tolist() == [Decimal("2500000"), None]
    assert typed["nama__raw"].tolist() == ['SITI "ANI"', None]


def test_yaml_headers_give_people_s_wording() -> None:
    headers = yaml_headers("participants")
    assert headers["kpj"][:2] == ["KPJ", "No KPJ"]
    assert "TTL" in yaml_headers("rosters")["tanggal_lahir"]


def test_file_outcome_as_dict_is_plain_data() -> None:
    outcome = FileOutcome("rosters/74.71/2025-06/a.csv", "rosters", "74.71", "2025-06", "loaded", 1, 3, 2, 1)
    assert outcome.as_dict()["rows_read"] == 3 and outcome.as_dict()["superseded"] == []
