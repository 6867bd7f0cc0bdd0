"""`ucj rejects` shows data as text, never as rich markup (ucj.marts_view.rejects_renderables)."""

from __future__ import annotations

import io

from rich.console import Console

from ucj.marts_view import rejects_renderables

FILE = (1, "74.71/2025-06/DINKES Roster [revisi].xlsx", "loaded", True, None, 3, 1, 2, 0, None, None, None, None)
QUARANTINED = (
    2,
    "74.71/2025-06/[b]bold[/b].csv",
    "quarantined",
    False,
    None,
    0,
    0,
    0,
    0,
    "BAD_HEADER",
    "header [/b] of 7471 0101 0190 0001",
    None,
    None,
)


def _render(files: list[tuple], rows: list[tuple]) -> str:
    out = io.StringIO()
    console = Console(file=out, width=400, color_system=None, force_terminal=False)
    for renderable in rejects_renderables("74.71", "Kota Kendari [x]", "2025-06", files, rows):
        console.print(renderable)
    return out.getvalue()


def test_values_with_markup_are_printed_as_received() -> None:
    rows = [
        (
            FILE[1],
            "Sheet [1]",
            7,
            "nama",
            "Nama [Lengkap]",
            "Budi [/b] Santoso",
            "NAME_BAD",
            "reject",
            "periksa [red]nama[/red]",
            "check the [bold]name",
        ),
        (FILE[1], None, 8, "nik", "NIK", "7471 0101 0190 0001", "NIK_NOT_DIGITS", "reject", "x", "y"),
        (FILE[1], None, 9, "kpj", None, "74.71.01.010190.0001", "KPJ_FORMAT", "warn", "x", "y"),
    ]
    text = _render([FILE, QUARANTINED], rows)
    assert "DINKES Roster [revisi].xlsx" in text
    assert "[b]bold[/b].csv" in text
    assert "Kota Kendari [x]" in text
    assert "Budi [/b] Santoso" in text
    assert "Sheet [1]" in text and "Nama [Lengkap] (nama)" in text
    assert "periksa [red]nama[/red] / check the [bold]name" in text


def test_identifiers_are_masked_whatever_their_separators() -> None:
    rows = [
        (FILE[1], None, 8, "nik", "NIK", "7471 0101 0190 0001", "NIK_NOT_DIGITS", "reject", "x", "y"),
        (FILE[1], None, 9, "nik", "NIK", "74.71.01.010190.0001", "NIK_NOT_DIGITS", "reject", "x", "y"),
    ]
    text = _render([FILE, QUARANTINED], rows)
    assert "**** **** **** 0001" in text
    assert "**.**.**.******.0001" in text
    assert "7471" not in text.replace("74.71/", "").replace("74.71 ", "")


def test_no_files_and_no_rows() -> None:
    assert "No files for 74.71 Kota Kendari [x] period 2025-06" in _render([], [])
    assert "No rejected rows" in _render([FILE], [])
