"""Command line: parses, calls the API, prints — the last stage, with no logic of its own.

``linesim run SCENARIO...``: capacity arithmetic, replications with a progress bar, the summary
table and verdict, and a run folder per scenario. ``linesim validate SCENARIO...``: check only.
Bad input ends with exit status 2 and one line per problem (file:line: key.path: what is
expected), never a traceback, and nothing written.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import click
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from .loader import ScenarioError, load_scenario_source

EXIT_BAD_INPUT = 2


def _overrides(replications, seed, horizon, warmup, sets) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for key, value in (("run.replications", replications), ("run.seed", seed),
                       ("run.horizon", horizon), ("run.warmup", warmup)):
        if value is not None:
            out.append((key, value))
    for item in sets:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--set")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            value = raw
        out.append((key.strip(), value))
    return out


def _load_all(paths, overrides, err: Console, sources: list | None = None):
    """[(path, Scenario)]; each one's loader.Source appended to ``sources`` if given."""
    scenarios, bad = [], False
    for path in paths:
        try:
            scenario, source = load_scenario_source(path, overrides)
            scenarios.append((path, scenario))
            if sources is not None:
                sources.append(source)
        except ScenarioError as exc:
            bad = True
            for problem in exc.problems:
                err.print(f"[red]error[/red] {problem}", markup=True, highlight=False, soft_wrap=True)
    if bad:
        sys.exit(EXIT_BAD_INPUT)
    return scenarios


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="linesim")
def main() -> None:
    """linesim: production-line throughput simulation, scenario YAML in, annual capacity out."""


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(scenarios: tuple[Path, ...]) -> None:
    """Check scenario files without running them."""
    err = Console(stderr=True)
    for path, sc in _load_all(scenarios, [], err):
        click.echo(f"{path}: ok ({sc.name}: {len(sc.stations)} stations)")


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Run folder (one scenario only).")
@click.option("--results-dir", type=click.Path(path_type=Path), default=Path("results"),
              show_default=True, help="Root of run folders: <results-dir>/<scenario name>/.")
@click.option("--replications", "-n", type=int, help="Override run.replications.")
@click.option("--seed", type=int, help="Override run.seed.")
@click.option("--horizon", help="Override run.horizon (e.g. '30 d').")
@click.option("--warmup", help="Override run.warmup (e.g. '8 h').")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override any key by dotted path, e.g. stations.S2.servers=2 (repeatable).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes [default: cores].")
@click.option("--json", "as_json", is_flag=True, help="Also print summary.json to stdout.")
@click.option("--no-charts", is_flag=True, help="Skip the PNG charts.")
@click.option("--force", is_flag=True,
              help="Run even when the pre-flight event budget is over its limit.")
def run(scenarios, out, results_dir, replications, seed, horizon, warmup, sets, jobs, as_json,
        no_charts, force) -> None:
    """Simulate scenarios and write a run folder for each."""
    err = Console(stderr=True)
    con = err if as_json else Console()
    if not con.is_terminal:
        con.width = max(con.width, 110)  # files and pipes: room for the station table
    if out is not None and len(scenarios) > 1:
        raise click.UsageError("--out names one run folder; use --results-dir with several scenarios")
    sources: list = []
    loaded = _load_all(scenarios, _overrides(replications, seed, horizon, warmup, sets), err,
                       sources)
    folders = [out if out is not None else results_dir / sc.name for _, sc in loaded]
    for folder in folders:  # before simulating: a folder that cannot be written is bad input
        if folder.exists() and not folder.is_dir():
            err.print(f"error {folder}: exists and is not a folder (--out / --results-dir)",
                      markup=False, highlight=False)
            sys.exit(EXIT_BAD_INPUT)
        for parent in folder.parents:
            if parent.exists() and not parent.is_dir():
                err.print(f"error {folder}: {parent} is not a folder", markup=False, highlight=False)
                sys.exit(EXIT_BAD_INPUT)

    # The running stages are imported here so that `validate` starts fast.
    from .capacity import capacity_check
    from .estimate import summarize
    from .replicate import default_jobs, run_replications
    from .report import capacity_panel, summary_renderable
    from .results import dumps_json, replications_table, write_run

    warnings = _preflight(loaded, sources, jobs, force, err)  # every scenario, before any runs
    summaries = []
    for (path, scenario), folder, warned in zip(loaded, folders, warnings):
        n_jobs = jobs or default_jobs(scenario.run.replications)
        cap = capacity_check(scenario)
        con.print(capacity_panel(scenario.name, scenario.unit, cap))
        for line in warned:
            err.print(f"warning {scenario.name}: {line}", markup=False, highlight=False,
                      soft_wrap=True)
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        t0 = time.perf_counter()
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err, transient=True) as progress:
                task = progress.add_task(f"{scenario.name}: replications",
                                         total=scenario.run.replications)
                results = run_replications(scenario, n_jobs,
                                           progress=lambda _r: progress.advance(task))
            summary = summarize(scenario, results, cap)
            write_run(folder, scenario, results, summary)
            if not no_charts:
                from .charts import write_charts

                write_charts(folder, summary, replications_table(results))
        except KeyboardInterrupt:
            _manifest(folder, scenario, path, "interrupted", started, t0, n_jobs, None)
            err.print("interrupted")
            sys.exit(130)
        except Exception as exc:  # record the failure, then let it surface
            _manifest(folder, scenario, path, "failed", started, t0, n_jobs, repr(exc))
            raise
        _manifest(folder, scenario, path, "ok", started, t0, n_jobs, None)
        con.print(summary_renderable(summary))
        con.print(f"run folder: {folder}")
        summaries.append(summary)
    if as_json:  # one scenario: its summary.json; several: a list of them
        click.echo(dumps_json(summaries[0] if len(summaries) == 1 else summaries), nl=False)


def _preflight(loaded, sources, jobs, force, err: Console) -> list[tuple[str, ...]]:
    """Pre-flight every scenario (window, event budget, flooding sources): print each error at
    its key path and exit 2 if any; else return each scenario's warnings."""
    from .preflight import check
    from .replicate import default_jobs

    warnings, bad = [], False
    for (_, scenario), source in zip(loaded, sources):
        result = check(scenario, jobs=jobs or default_jobs(scenario.run.replications), force=force)
        for problem in result.errors:
            bad = True
            err.print(f"error {source.problem(problem.loc, problem.message)}", markup=False,
                      highlight=False, soft_wrap=True)
        warnings.append(result.warnings)
    if bad:
        sys.exit(EXIT_BAD_INPUT)
    return warnings


def _manifest(folder, scenario, path, status, started, t0, jobs, error) -> None:
    from .results import write_manifest

    write_manifest(folder, scenario, source=str(path), status=status, started=started,
                   finished=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   wall_s=time.perf_counter() - t0, jobs=jobs, error=error)


if __name__ == "__main__":  # pragma: no cover
    main()
