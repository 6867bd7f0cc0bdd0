"""``ucj generate``: the click command (registered on the ``ucj`` group in ``ucj.cli``)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from ucj.generate.scales import SCALES
from ucj.generate.scenarios import SCENARIOS


@click.command("generate")
@click.option(
    "--scale",
    type=click.Choice(sorted(SCALES)),
    default="tiny",
    show_default=True,
    help="tiny: seconds; demo: Kendari, Baubau, Wakatobi; province: 17 regions, ~10M rows.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Landing folder to write (<out>/<source>/<kode_wilayah>/<period>/…).",
)
@click.option(
    "--scenario",
    type=click.Choice(SCENARIOS),
    default=None,
    help="published-figures: reproduce the figures of the source articles exactly.",
)
@click.option(
    "--defect-rate",
    type=float,
    default=None,
    help="Share of data rows to damage (default: the scale's; 0 = clean files).",
)
def generate_command(scale: str, seed: int, out: Path, scenario: str | None, defect_rate: float | None) -> None:
    """Generate synthetic Pemda and BPJS files under the landing contract, with a defect manifest."""
    from ucj.generate import generate

    t0 = time.perf_counter()
    try:
        manifest = generate(scale, seed, out, scenario=scenario, defect_rate=defect_rate, progress=True)
    except (ValueError, FileExistsError) as e:
        raise click.UsageError(str(e)) from e
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    by_source: dict[str, list[int]] = {}
    for f in doc["files"]:
        s = by_source.setdefault(f["source"], [0, 0])
        s[0] += 1
        s[1] += f["rows"]
    for source, (files, rows) in sorted(by_source.items()):
        click.echo(f"{source:<13} {files:>6} files {rows:>11,} rows")
    click.echo(f"defects: {len(doc['defects'])}   manifest: {manifest}   {time.perf_counter() - t0:.1f} s")
