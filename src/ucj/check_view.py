"""``ucj check`` output for people (Bahasa Indonesia + English) and for scripts (``--json``).

File content (sheet names, headers, values) is printed as text, never as rich markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ucj.ingest.check import FileCheck

_VERDICT = {"load": ("DIMUAT", "load"), "quarantine": ("DIKARANTINA", "quarantine")}
_SKIP_KINDS = {
    "blank": "kosong / blank",
    "total": "jumlah / total",
    "signature": "tanda tangan / signature",
    "footnote": "catatan kaki / footnote",
    "title": "judul / title",
    "repeated_header": "judul kolom berulang / repeated header",
}

_SHEET_COLUMNS = (
    "#",
    "lembar / sheet",
    "status",
    "baris judul / header row",
    "OPD",
    "periode / periods",
    "dibaca / read",
    "dimuat / loaded",
    "ditolak / rejected",
    "dilewati / skipped",
)


def print_check(console: Console, check: FileCheck) -> None:
    """One file's dry run as a person reads it."""
    verdict_id, verdict_en = _VERDICT[check.verdict]
    style = "green" if check.verdict == "load" else "red"
    title = Text()
    title.append(f"{check.path}\n", style="bold")
    title.append(f"sumber/source {check.source} · wilayah/region {check.kode_wilayah} · periode/period {check.period}")
    if check.file_type:
        title.append(f" · {check.file_type}" + (f" ({check.encoding})" if check.encoding else ""))
    console.print(title)
    line = Text("Putusan / Verdict: ")
    line.append(f"{verdict_id} / {verdict_en}", style=f"bold {style}")
    if check.code:
        line.append(f" ({check.code})")
    console.print(line)
    if check.message:
        console.print(Text(f"  {check.message}"))
    console.print(
        Text(
            f"Baris / Rows: dibaca/read {check.rows_read} = dimuat/loaded {check.rows_loaded}"
            f" + ditolak/rejected {check.rows_rejected}; peringatan/warned {check.rows_warned};"
            f" dilewati/skipped {check.rows_skipped}"
            + (
                " (" + ", ".join(f"{_SKIP_KINDS.get(k, k)} {n}" for k, n in check.skipped_kinds) + ")"
                if check.skipped_kinds
                else ""
            )
        )
    )
    sheets = Table(title="Lembar / Sheets", title_justify="left", show_lines=False)
    for col in _SHEET_COLUMNS:
        sheets.add_column(col)
    for s in check.sheets:
        sheets.add_row(
            str(s.index + 1),
            Text(s.name or "-"),
            "dibaca / read" if s.status == "read" else "dilewati / skipped",
            str(s.header_row or "-"),
            Text(f"{s.opd} ({s.opd_source})" if s.opd else "-"),
            Text(", ".join(s.periods) or "-"),
            str(s.rows_read),
            str(s.rows_loaded),
            str(s.rows_rejected),
            str(s.rows_skipped) if s.status == "read" else Text(s.reason_code or "-"),
        )
    console.print(sheets)
    for s in check.sheets:
        if s.status != "read":
            line = f"  lembar/sheet {s.index + 1} {s.name!r} dilewati/skipped: {s.reason_code} — {s.reason}"
            console.print(Text(line))
    for s in check.sheets:
        if s.status != "read":
            continue
        mapping = Text(f"Kolom / Columns of sheet {s.name or '-'} (row {s.header_row}): ")
        mapping.append("; ".join(f"{h} → {f}" for h, f in s.mapping.items()))
        if s.unmapped:
            mapping.append(" | tidak dipetakan / unmapped: " + "; ".join(s.unmapped))
        console.print(mapping)
        for warning in s.warnings:
            console.print(Text(f"  ! {warning}", style="yellow"))
    if check.reasons:
        reasons = Table(title="Alasan teratas / Top reasons", title_justify="left")
        for col in ("kode / code", "baris / rows", "contoh / examples (lembar:baris kolom = nilai)"):
            reasons.add_column(col)
        for code, rows in check.reasons[:8]:
            examples = [e for e in check.examples if e["reason_code"] == code]
            text = "; ".join(
                f"{e['sheet'] or ''}:{e['row']} {e['column']} = {e['value']!r} ({e['message_id']})" for e in examples
            )
            reasons.add_row(code, str(rows), Text(text))
        console.print(reasons)
    console.print()
