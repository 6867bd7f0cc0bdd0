"""Rows loaded and rejected vs the truth, on files written in the format-fuzz layout variations
(``ucj.generate.variations``): the readers of this tree against those of an earlier commit.

    # 1. write the files (truth rows and layouts from fixed seeds) and the truth manifest
    .venv/bin/python bench/readers_before_after.py write --out /tmp/ba --files 60
    # 2. judge them with this tree's loader path (ucj.ingest.process: no database)
    .venv/bin/python bench/readers_before_after.py judge --files /tmp/ba > /tmp/ba/after.json
    # 3. the same with an earlier tree's readers (its src first on the path), then compare
    git worktree add /tmp/before 1b5be6f
    PYTHONPATH=/tmp/before/src .venv/bin/python bench/readers_before_after.py judge --files /tmp/ba --old \\
        > /tmp/ba/before.json
    .venv/bin/python bench/readers_before_after.py table --files /tmp/ba

"Loaded" counts data rows that would load; a quarantined file loads none of its rows. Both
trees run the reader, the Indonesian parsers, the GX suite and the file-level verdicts; the
duplicate-key check across chunks (PostgreSQL's, in the loader) is left out of both, since
every file here is one chunk.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

SOURCES = ("rosters", "participants", "claims", "budgets")
ROWS = {"rosters": 60, "participants": 60, "claims": 40, "budgets": 12}
PERIOD = {"rosters": "2025-06", "participants": "2025-06", "claims": "2025-06", "budgets": "2025"}


def write(out: Path, files: int, seed: int) -> None:
    from ucj.generate import variations as v

    manifest = []
    for source in SOURCES:
        for k in range(files):
            rng = random.Random(f"{seed}:{source}:{k}")
            truth = v.truth_table(source, rng, ROWS[source])
            lay = v.random_layout(source, rng)
            written = v.write_file(out / source / f"{source}_{k:03d}", source, truth, lay, rng)
            manifest.append(
                {
                    "source": source,
                    "path": str(written.path),
                    "truth_rows": len(truth),
                    "bad_rows": sum(1 for p in written.placed if p.bad),
                    "required_unmapped": sorted(
                        n for n in lay.unlisted if n in _required(source) and not (n == "opd" and lay.title)
                    ),
                    "layout": lay.describe(),
                }
            )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    print(f"{len(manifest)} files in {out}")


def _required(source: str) -> set[str]:
    from ucj.ingest.fields import source_fields

    return {n for n, s in source_fields(source).items() if s.required}


def judge(folder: Path, old: bool) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    results = []
    for entry in manifest:
        path, source = Path(entry["path"]), entry["source"]
        results.append({"path": str(path), "source": source, **(_old(path, source) if old else _new(path, source))})
    json.dump(results, sys.stdout, indent=1)


def _new(path: Path, source: str) -> dict:
    from ucj.ingest.check import check_file

    fc = check_file(path, source, "74.71", PERIOD[source])
    loaded = fc.rows_loaded if fc.verdict == "load" else 0
    return {
        "verdict": fc.verdict,
        "code": fc.code,
        "read": fc.rows_read,
        "loaded": loaded,
        "rejected": fc.rows_rejected,
    }


def _old(path: Path, source: str) -> dict:
    """The loader path of an earlier tree, without its COPY: read the first sheet, type,
    validate, and the same file-level verdicts (ucj.ingest.load._copy_rows of 1b5be6f)."""
    from ucj.ingest import load
    from ucj.ingest.canonical import canonicalize, header_kinds
    from ucj.ingest.landing import LandedFile
    from ucj.ingest.periods import PeriodCheck
    from ucj.ingest.readers import FileLevelError
    from ucj.ingest.validation import SuiteSummary, validate_chunk

    landed = LandedFile(source, "74.71", PERIOD[source], path.name, path.parent)
    read = rejected = 0
    try:
        table = load._open(landed)
        kinds = header_kinds(table.field_of_header, table.kind_of_header)
        periods = PeriodCheck(source, PERIOD[source], table.title_lines)
        summary = SuiteSummary(source)
        for chunk in table.chunks():
            load.reconcile_duplicates(chunk, table, kinds)
            typed = canonicalize(chunk, source, kinds, table.title_opd)
            periods.observe(typed)
            failures = validate_chunk(typed, source, load.period_end(PERIOD[source]), summary)
            read += len(typed)
            rejected += len({f.source_row for f in failures if f.severity == "reject"})
        if read == 0 and source != "claims":
            return {"verdict": "quarantine", "code": "NO_DATA_ROWS", "read": 0, "loaded": 0, "rejected": 0}
        if periods.verdict() is not None:
            return {"verdict": "quarantine", "code": "WRONG_PERIOD", "read": read, "loaded": 0, "rejected": rejected}
        if read and rejected / read > 0.5:
            code = "TOO_MANY_BAD_ROWS"
            return {"verdict": "quarantine", "code": code, "read": read, "loaded": 0, "rejected": rejected}
    except (load.FileRejected, FileLevelError) as err:
        return {"verdict": "quarantine", "code": err.code, "read": read, "loaded": 0, "rejected": rejected}
    return {"verdict": "load", "code": None, "read": read, "loaded": read - rejected, "rejected": rejected}


def table(folder: Path) -> None:
    manifest = {e["path"]: e for e in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))}
    runs = {name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8")) for name in ("before", "after")}
    print(
        "| source | files | truth rows | of which deliberately bad | in files whose required column has an unknown"
        " wording | before: loaded / rejected / files quarantined / rows lost silently | after: the same |"
    )
    print("|---|---|---|---|---|---|---|")
    for source in SOURCES:
        entries = [e for e in manifest.values() if e["source"] == source]
        cells = [
            source,
            str(len(entries)),
            str(sum(e["truth_rows"] for e in entries)),
            str(sum(e["bad_rows"] for e in entries)),
            str(sum(e["truth_rows"] for e in entries if e["required_unmapped"])),
        ]
        for name in ("before", "after"):
            rows = [r for r in runs[name] if r["source"] == source]
            totals = defaultdict(int)
            for r in rows:
                totals["loaded"] += r["loaded"]
                totals["rejected"] += r["rejected"] if r["verdict"] == "load" else 0
                totals["quarantined"] += r["verdict"] == "quarantine"
                if r["verdict"] == "load":  # neither loaded nor rejected: rows of sheets never read
                    totals["lost"] += manifest[r["path"]]["truth_rows"] - r["loaded"] - r["rejected"]
            cells.append(f"{totals['loaded']} / {totals['rejected']} / {totals['quarantined']} / {totals['lost']}")
        print("| " + " | ".join(cells) + " |")
    codes: dict[str, dict[str, int]] = {"before": defaultdict(int), "after": defaultdict(int)}
    for name in ("before", "after"):
        for r in runs[name]:
            if r["verdict"] == "quarantine":
                codes[name][f"{r['source']}:{r['code']}"] += 1
    print("\nquarantine codes before:", dict(sorted(codes["before"].items())))
    print("quarantine codes after: ", dict(sorted(codes["after"].items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("--out", type=Path, required=True)
    w.add_argument("--files", type=int, default=60)
    w.add_argument("--seed", type=int, default=14)
    j = sub.add_parser("judge")
    j.add_argument("--files", type=Path, required=True)
    j.add_argument("--old", action="store_true")
    t = sub.add_parser("table")
    t.add_argument("--files", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "write":
        write(args.out, args.files, args.seed)
    elif args.command == "judge":
        judge(args.files, args.old)
    else:
        table(args.files)


if __name__ == "__main__":
    main()
