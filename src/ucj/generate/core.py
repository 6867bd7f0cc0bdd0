"""``generate()``: write the synthetic landing files of a scale, and the manifest."""

from __future__ import annotations

import shutil
from contextlib import nullcontext
from pathlib import Path

from ucj.generate import scenarios as sc
from ucj.generate.budgets import write_budgets, write_workforce
from ucj.generate.claims import make_claims, write_claims
from ucj.generate.defects import Manifest
from ucj.generate.formats import period_str
from ucj.generate.participants import write_participants
from ucj.generate.people import name_pools
from ucj.generate.rosters import write_rosters
from ucj.generate.run import REDELIVERY_DIR, Run
from ucj.generate.scales import get_plan
from ucj.generate.world import RegionWorld

SOURCES = ("rosters", "participants", "claims", "budgets", "workforce")


def _prepare_out(out: Path) -> None:
    """Create ``out``; clear the output of an earlier run there, refuse to touch anything else."""
    out.mkdir(parents=True, exist_ok=True)
    entries = {p.name for p in out.iterdir()}
    ours = set(SOURCES) | {REDELIVERY_DIR, "manifest.json"}
    if entries and "manifest.json" not in entries:
        raise FileExistsError(
            f"{out} is not empty and holds no manifest.json of an earlier run; choose an empty folder"
        )
    foreign = entries - ours
    if foreign:
        raise FileExistsError(f"{out} holds files the generator did not write: {sorted(foreign)[:5]}")
    for name in entries:
        p = out / name
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def generate(
    scale: str,
    seed: int,
    out: Path,
    scenario: str | None = None,
    defect_rate: float | None = None,
    progress: bool = False,
) -> Path:
    """Write the landing files of ``scale`` under ``out`` and return the manifest path.

    The same (scale, seed, scenario, defect_rate) always gives byte-identical files.
    ``scenario="published-figures"`` pins the figures of the source articles (needs the demo or
    province scale); ``defect_rate`` overrides the scale's default share of damaged rows.
    """
    plan = get_plan(scale)
    if scenario is not None and scenario not in sc.SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(sc.SCENARIOS)}")
    published = scenario == sc.PUBLISHED
    if published and {sc.KENDARI, sc.BAUBAU, sc.WAKATOBI} - {r.code for r in plan.regions}:
        raise ValueError(
            "the published-figures scenario needs Kendari, Baubau and Wakatobi: use --scale demo or province"
        )
    rate = plan.defect_rate if defect_rate is None else float(defect_rate)
    if not 0 <= rate < 0.5:
        raise ValueError(f"defect rate must be in [0, 0.5), got {rate}")
    out = Path(out)
    _prepare_out(out)
    manifest = Manifest(
        scale, seed, scenario, rate, [period_str(m) for m in plan.months], [r.code for r in plan.regions]
    )
    run = Run(out, plan, seed, scenario, rate, manifest, published)
    if rate > 0:
        # whole-file defects go to a region that carries no headline figure
        target = [r for r in plan.regions if not published or r.code not in (sc.KENDARI, sc.BAUBAU)][-1]
        run.misfile = (target.code, plan.first + 1)
        run.redeliver = (target.code, next(iter(target.opd_sizes)), plan.roster_months[0])
    pools = name_pools(seed)
    bar = _progress() if progress else nullcontext()
    with bar as p:
        task = p.add_task(f"generate {scale}", total=len(plan.regions) * 5) if p else None
        for rp in plan.regions:
            w = RegionWorld(plan, rp, seed, pools, published)
            claims = make_claims(run, w)  # before participants: deaths make people lapse
            steps = (
                ("participants", write_participants, (run, w)),
                ("claims", write_claims, (run, w, claims)),
                ("rosters", write_rosters, (run, w)),
                ("budgets", write_budgets, (run, w)),
                ("workforce", write_workforce, (run, w)),
            )
            for label, fn, args in steps:
                if p:
                    p.update(task, description=f"{rp.code} {label}")
                fn(*args)
                if p:
                    p.advance(task)
            del w, claims
    return manifest.write(out)


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
