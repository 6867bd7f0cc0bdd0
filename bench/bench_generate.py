"""Benchmark the synthetic data generator: wall time, CSV rows/s, peak memory.

    .venv/bin/python bench/bench_generate.py --scale province --seed 1

Runs ``ucj.generate.generate`` in this process and reports:

* wall time of the whole run (imports excluded) and rows written per source;
* CSV throughput of the participation exports: rows / time spent in ``write_participants``
  (building the month's rows from the people, injecting defects, writing the file);
* peak resident memory (``resource.getrusage``: ru_maxrss, the high-water mark of the process).

Output files go to a temporary folder that is deleted afterwards unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="province", choices=("tiny", "demo", "province"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", default=None)
    ap.add_argument("--out", type=Path, default=None, help="keep the files here (default: a temporary folder)")
    args = ap.parse_args(argv)

    from ucj.generate import core

    timed = {"participants_s": 0.0}
    original = core.write_participants

    def write_participants_timed(run, w):  # the CSV hot path
        t = time.perf_counter()
        original(run, w)
        timed["participants_s"] += time.perf_counter() - t

    core.write_participants = write_participants_timed
    out = args.out or Path(tempfile.mkdtemp(prefix="ucj-bench-"))
    try:
        t0 = time.perf_counter()
        manifest = core.generate(args.scale, args.seed, out, scenario=args.scenario)
        wall = time.perf_counter() - t0
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        rows: dict[str, int] = {}
        files: dict[str, int] = {}
        for f in doc["files"]:
            rows[f["source"]] = rows.get(f["source"], 0) + f["rows"]
            files[f["source"]] = files.get(f["source"], 0) + 1
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        core.write_participants = original
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    result = {
        "scale": args.scale,
        "seed": args.seed,
        "wall_s": round(wall, 2),
        "participation_rows": rows.get("participants", 0),
        "participation_csv_s": round(timed["participants_s"], 2),
        "participation_csv_rows_per_s": round(rows.get("participants", 0) / max(timed["participants_s"], 1e-9)),
        "all_rows_per_s": round(sum(rows.values()) / wall),
        "rows": rows,
        "files": files,
        "bytes": size,
        "defects": len(doc["defects"]),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "python": platform.python_version(),
        "cpus": __import__("os").cpu_count(),
    }
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
