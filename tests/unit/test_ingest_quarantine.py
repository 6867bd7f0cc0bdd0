"""Quarantine reports and the privacy helpers they use (no database)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from ucj.ingest.landing import parse_landed
from ucj.ingest.quarantine import FILE_REASONS, _free_path, _md, display_value, write_report
from ucj.ingest.readers import FileLevelError
from ucj.ingest.validation import RowFailure
from ucj.privacy import mask_identifiers, neutralise_cell

NIK = "7471010101900001"
FULL_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")


def test_mask_identifiers_keeps_the_last_four_digits() -> None:
    assert mask_identifiers(f"NIK {NIK} and KPJ 17000000001") == "NIK ************0001 and KPJ *******0001"
    assert mask_identifiers("Rp 3.073.551 on 2025-06-30, row 12") == "Rp 3.073.551 on 2025-06-30, row 12"


def test_neutralise_cell() -> None:
    for text in ("=1+1", "+62812", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_cell(text) == "'" + text
    assert neutralise_cell("Ani") == "Ani" and neutralise_cell(12) == 12


def test_display_value() -> None:
    assert display_value("7471010101900000", "NIK_AS_NUMBER") == "************0000 (angka/number)"
    assert display_value(f"x {NIK}") == "x ************0001"
    assert display_value(None) == ""


def test_markdown_cells_cannot_break_the_table() -> None:
    assert _md("a|b\nc <script>`x`") == "a\\|b c &lt;script&gt;'x'"


def test_free_path_never_overwrites_an_earlier_quarantine(tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    assert _free_path(first) == first
    first.write_text("x")
    assert _free_path(first).name == "a (2).csv"


def test_every_file_level_code_is_explained_in_both_languages() -> None:
    codes = {
        "EMPTY_FILE",
        "UNREADABLE",
        "ENCRYPTED",
        "BROKEN_QUOTES",
        "NO_HEADER",
        "UNSUPPORTED_TYPE",
        "MISSING_REQUIRED_COLUMN",
        "DUPLICATED_HEADER",
        "NO_DATA_ROWS",
        "TOO_MANY_BAD_ROWS",
        "WRONG_PERIOD",
        "NUL_CHARACTER",
        "FIELD_TOO_LONG",
    }
    assert codes <= set(FILE_REASONS)
    assert all(indonesian and english and indonesian != english for indonesian, english in FILE_REASONS.values())


def test_report_names_file_sheet_row_column_value_and_rule_masked_and_neutralised(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    relative = "rosters/74.71/2025-06/Robert'); DROP TABLE x;--.csv"
    (landing / relative).parent.mkdir(parents=True)
    (landing / relative).write_text("x")
    landed = parse_landed(landing, relative)
    target = tmp_path / "quarantine" / "x.csv"
    target.parent.mkdir()
    failures = [
        RowFailure(
            7,
            "nik",
            "=cmd|' /C calc'!A0",
            "expect_column_values_to_be_null(nik__error)",
            "NIK_NOT_DIGITS",
            "reject",
            "NIK may contain digits only",
            "NIK hanya boleh berisi angka",
        ),
        RowFailure(
            8,
            "nik",
            f"{NIK}",
            "expect_column_values_to_be_unique(nik)",
            "DUPLICATE_KEY",
            "reject",
            "duplicate key",
            "kunci ganda",
        ),
    ]
    report = write_report(
        target,
        landed,
        "TOO_MANY_BAD_ROWS",
        f"2 of 2 rows break the rules ({NIK})",
        failures,
        None,
        2,
        where={"row": 7, "column": "nik", "value": NIK},
    )
    text = report.read_text(encoding="utf-8")
    assert "Bahasa Indonesia" in text and "English" in text and "TOO_MANY_BAD_ROWS" in text
    assert "| 7 | nik |" in text and "expect_column_values_to_be_unique(nik)" in text
    assert "Baris / Row: 7" in text and "Kolom / Column: nik" in text
    rejects = list(csv.reader(target.with_name("x.csv.rejects.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rejects[0][:5] == ["file", "sheet", "row", "column", "value"]
    assert rejects[2][4] == "'=cmd|' /C calc'!A0"  # the formula is neutralised
    summary = json.loads(target.with_name("x.csv.report.json").read_text(encoding="utf-8"))
    for content in (text, "\n".join(",".join(r) for r in rejects), json.dumps(summary)):
        assert not FULL_NIK.search(content)


def test_file_level_errors_carry_where_to_look() -> None:
    err = FileLevelError("BROKEN_QUOTES", "quote not closed", row=2, column="B", value="Ani")
    assert (err.code, err.row, err.column, err.value) == ("BROKEN_QUOTES", 2, "B", "Ani")
