"""`ucj status` lists what to confirm about OPD attribution (issue 15), and says how."""

from __future__ import annotations

from rich.console import Console

from ucj.ops.status import HOW_TO_CONFIRM, ToConfirm, print_to_confirm


def test_to_confirm_lists_names_counts_files_and_the_alias_line() -> None:
    console = Console(record=True, width=400)
    item = ToConfirm(
        "74.01",
        "opd",
        "X-1a2b3c4d",
        "Dinas Tenaga Kerja Kabupaten Kolaka",
        3,
        3,
        2,
        ["rosters/74.01/2025-05/Naker Mei 2025.csv", "budgets/74.01/2025/APBD 2025.csv"],
        '- {alias: "Dinas Tenaga Kerja Kabupaten Kolaka", opd: "<kode OPD referensi, atau nama OPD baru>", '
        'kode_wilayah: "74.01"}',
    )
    print_to_confirm(console, [item])
    text = console.export_text()
    for expected in (
        "74.01",
        "X-1a2b3c4d",
        "Dinas Tenaga Kerja Kabupaten Kolaka",
        "Naker Mei 2025.csv",
        '- {alias: "Dinas Tenaga Kerja Kabupaten Kolaka"',
        "opd_aliases.yaml",
        "next run",
    ):
        assert expected in text, expected
    assert "UCJ_CONFIG_DIR" in HOW_TO_CONFIRM


def test_nothing_to_confirm_says_so() -> None:
    console = Console(record=True, width=200)
    print_to_confirm(console, [])
    assert "nothing to confirm" in console.export_text()
