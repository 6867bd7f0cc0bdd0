"""The ``ucj`` command: generate sample data, run the pipeline, read the marts and the rejects."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from ucj.config import apply_environment, settings

# Wide enough for the marts when the output is a file or a CI log (no terminal to measure).
console = Console(width=None if sys.stdout.isatty() else 200)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what every step does.")
def main(verbose: bool) -> None:
    """ucj-warehouse: Universal Coverage Jamsostek for the Pemda of Sulawesi Tenggara."""
    _setup_logging(verbose)
    if verbose:
        apply_environment({"UCJ_LOG_LEVEL": "INFO"})
    from ucj.ingest.overrides import ConfigError, check_config

    try:  # a broken deployment config folder stops every command at once, naming file and line
        check_config()
    except ConfigError as err:
        console.print(Text(f"UCJ_CONFIG_DIR: {err}", style="red"))
        sys.exit(2)


def _register_generate() -> None:
    try:
        from ucj.generate.cli import generate_command
    except ImportError:  # pragma: no cover - the generator ships with the package
        return
    main.add_command(generate_command)


_register_generate()


@main.command("run")
@click.option(
    "--landing",
    "landing",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Landing folder (default: UCJ_LANDING_DIR or ./data/landing).",
)
def run_command(landing: Path | None) -> None:
    """Run every DAG once, in dependency order, over the files in the landing folder."""
    from ucj.runner import run_pipeline

    result = run_pipeline(landing or settings().landing_dir, console=console)
    sys.exit(0 if result.ok else 1)


@main.command("demo")
@click.option("--scale", default="demo", show_default=True, type=click.Choice(["tiny", "demo"]))
@click.option("--seed", default=2025, show_default=True)
def demo_command(scale: str, seed: int) -> None:
    """Generate sample data if absent, run the whole pipeline, print the marts.

    The demo scale carries the scenario of the published figures (Kendari, Baubau, Wakatobi),
    so the marts it prints can be checked against the source articles.
    """
    from ucj.marts_view import print_marts
    from ucj.runner import run_pipeline

    cfg = settings()
    landing = cfg.landing_dir
    if not any(landing.glob("*/*/*/*")):
        from ucj.generate import generate

        with console.status(f"Generating {scale} sample data (seed {seed}) into {landing} …"):
            started = time.monotonic()
            scenario = "published-figures" if scale == "demo" else None
            generate(scale=scale, seed=seed, out=landing, scenario=scenario)
        # the demo wrote and closed these files itself: no need to wait for them to settle
        apply_environment({"UCJ_SETTLE_SECONDS": "0"})
        console.print(f"[green]✓[/] sample data generated in {time.monotonic() - started:.1f} s: {landing}")
    else:
        console.print(f"Using the files already in {landing}")
    result = run_pipeline(landing, console=console, keep_server=True)
    if result.ok:
        print_marts(console, url=result.warehouse_url)
        from ucj.report.build import reports_dir

        index = reports_dir() / "index.html"
        if index.exists():  # written by the transform DAG's build_reports task
            console.print(f"Laporan cakupan (coverage reports): {index}")
    result.close()
    sys.exit(0 if result.ok else 1)


@main.command("marts")
@click.option("--limit", default=30, show_default=True, help="Rows shown per mart.")
def marts_command(limit: int) -> None:
    """Print the marts as readable tables."""
    from ucj.marts_view import print_marts

    print_marts(console, limit=limit)


@main.command("rejects")
@click.option("--region", required=True, help="Kemendagri code, e.g. 74.71")
@click.option("--period", required=True, help="YYYY-MM or YYYY")
def rejects_command(region: str, period: str) -> None:
    """Print the rejection report an OPD can act on (file, sheet, row, column, value, rule)."""
    from ucj.marts_view import print_rejects

    print_rejects(console, region=region, period=period)


@main.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True, path_type=Path))
@click.option(
    "--source",
    type=click.Choice(["rosters", "participants", "claims", "budgets", "workforce"]),
    default=None,
    help="For files outside the landing layout: the source.",
)
@click.option("--region", default=None, help="For files outside the landing layout: the Kemendagri code, e.g. 74.71.")
@click.option("--period", default=None, help="For files outside the landing layout: YYYY-MM (or YYYY).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file on stdout, for scripts.")
def check_command(
    files: tuple[Path, ...], source: str | None, region: str | None, period: str | None, as_json: bool
) -> None:
    """What the ingest would do with FILES (or every file in a folder), without touching the warehouse.

    Sheets read and skipped, header and column mapping, OPD and periods found, rows that would
    load / be rejected / be skipped with the top reasons, and the verdict. Exits 1 when a file
    would be quarantined, 2 when a file cannot be checked.
    """
    import json

    from ucj.check_view import print_check
    from ucj.ingest.check import check_file, check_landed_path
    from ucj.ingest.landing import EXTENSIONS

    paths: list[Path] = []
    for item in files:
        if item.is_dir():
            paths += sorted(
                p
                for p in item.rglob("*")
                if p.is_file() and p.name.lower().endswith(EXTENSIONS) and not p.name.startswith((".", "~$"))
            )
        else:
            paths.append(item)
    quarantined = failed = 0
    for path in paths:
        try:
            if source and region and period:
                check = check_file(path, source, region, period)
            else:
                check = check_landed_path(path)
        except ValueError as err:
            failed += 1
            if as_json:
                print(json.dumps({"path": str(path), "error": str(err)}, ensure_ascii=False))
            else:
                console.print(Text(str(err), style="red"))
            continue
        quarantined += check.verdict == "quarantine"
        if as_json:
            print(json.dumps(check.as_json(), ensure_ascii=False, default=str))
        else:
            print_check(console, check)
    if not as_json:
        loads = len(paths) - quarantined - failed
        console.print(
            Text(
                f"{len(paths)} berkas/files: {loads} dimuat/load, {quarantined} dikarantina/quarantine, "
                f"{failed} tidak dapat diperiksa/not checked"
            )
        )
    sys.exit(2 if failed else 1 if quarantined else 0)


@main.command("withdraw")
@click.argument("relative_path")
@click.option("--reason", required=True, help="Why the file is withdrawn (kept in audit.files).")
def withdraw_command(relative_path: str, reason: str) -> None:
    """Withdraw a delivered file (path relative to the landing folder): its rows leave the marts on
    the next transform, and the file moves to <quarantine>/withdrawn/."""
    from ucj.ingest.withdraw import withdraw
    from ucj.migrate import migrate
    from ucj.warehouse import PgParams, stop_embedded, warehouse_url

    try:
        conninfo = PgParams.from_url(warehouse_url()).conninfo()
        migrate(conninfo)
        done = withdraw(conninfo, relative_path, reason)
    except (LookupError, ValueError) as err:
        console.print(Text(str(err), style="red"))
        sys.exit(1)
    finally:
        stop_embedded()
    where = f"; moved to {done.moved_to}" if done.moved_to else ""
    console.print(
        Text(
            f"Ditarik / withdrawn: {done.relative_path} (file {', '.join(map(str, done.file_ids))}){where}. "
            "The next transform rebuilds the marts without it; for a period older than the nightly window "
            "rebuild that month with the ucj_backfill DAG (docs/runbook.md)."
        )
    )


@main.command("dbt", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def dbt_command(args: tuple[str, ...]) -> None:
    """Run dbt against the configured warehouse, e.g. `ucj dbt build -s fct_claims`."""
    from ucj import transform
    from ucj.migrate import migrate
    from ucj.warehouse import PgParams, export_environment, stop_embedded, warehouse_url

    url = warehouse_url()
    export_environment(url)
    try:
        migrate(PgParams.from_url(url).conninfo())  # dbt runs as the transformer: its role must exist
        transform.run_dbt(list(args), quiet=False)
    except RuntimeError as err:
        console.print(f"[red]{err}[/]")
        sys.exit(1)
    finally:
        stop_embedded()


@main.command(
    "airflow", context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def airflow_command(args: tuple[str, ...]) -> None:
    """Airflow with the project's environment: `ucj airflow standalone`, or `ucj airflow api-server`,
    `scheduler`, `dag-processor` and `triggerer` each in a terminal of its own (docs/runbook.md)."""
    from ucj import airflow_env
    from ucj.warehouse import export_environment, warehouse_url

    apply_environment(airflow_env.local_stack_environment())
    airflow_env.configure()
    if args and args[0] in (*airflow_env.SERVER_COMMANDS, "dags", "tasks"):  # what runs tasks
        export_environment(warehouse_url())  # the configured warehouse, or the embedded one (left up)
    if args and args[0] in airflow_env.SERVER_COMMANDS:
        airflow_env.migrate_metadata()
    sys.stdout.flush()
    airflow_bin = str(Path(sys.executable).parent / "airflow")
    os.execv(airflow_bin, [airflow_bin, *args])


@main.command("report")
@click.option("--region", default=None, help="Kemendagri code, e.g. 74.71; without it, the province (74).")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="One self-contained HTML file (default: ./laporan-<region>.html).",
)
@click.option(
    "--all",
    "build_everything",
    is_flag=True,
    help="Every Pemda and the province, with index.html, into UCJ_REPORTS_DIR (or --dir).",
)
@click.option(
    "--dir",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for --all (default: UCJ_REPORTS_DIR, else .ucj/reports).",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day late sources are judged on (default: today, WITA).",
)
def report_command(region: str | None, out: Path | None, build_everything: bool, out_dir: Path | None, today) -> None:
    """The coverage report (HTML with charts, Bahasa Indonesia) from the marts."""
    from ucj.report import fmt
    from ucj.report.build import build_all, write_report
    from ucj.warehouse import PgParams, stop_embedded, warehouse_url

    day = today.date() if today else None
    try:
        conninfo = PgParams.from_url(warehouse_url()).conninfo()
        if build_everything:
            built = build_all(conninfo, out_dir, today=day)
            folder = built[0].path.parent
            console.print(f"[green]✓[/] {len(built)} reports: {folder / 'index.html'}")
            return
        target = out or Path(f"laporan-{(region or '74').replace('.', '-')}.html")
        made = write_report(conninfo, region, target, today=day)
        h = made.data.headline
        console.print(
            f"[green]✓[/] {made.scope.code} {made.scope.name}: cakupan {fmt.pct(h.get('coverage_pct'))} "
            f"({fmt.number(h.get('active_participants'))} dari {fmt.number(h.get('workers_total'))} pekerja) → {target}"
        )
    except ValueError as err:
        console.print(f"[red]{err}[/]")
        sys.exit(2)
    finally:
        stop_embedded()


@main.command("status")
@click.option("--limit", default=10, show_default=True, help="Runs shown.")
@click.option("--late-only", is_flag=True, help="Only late region × source lines.")
def status_command(limit: int, late_only: bool) -> None:
    """Last pipeline runs, and which sources are late per region (freshness)."""
    from ucj.ops.status import print_status
    from ucj.warehouse import stop_embedded

    try:
        print_status(console, limit=limit, late_only=late_only)
    finally:
        stop_embedded()
