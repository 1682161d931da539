"""Command line: parses, calls the API, prints — the last stage, with no logic of its own.

``linesim run SCENARIO...``: capacity arithmetic, replications with a progress bar, the summary
table and verdict, and a run folder per scenario. ``linesim validate SCENARIO...``: check only.
Bad input ends with exit status 2 and one line per problem (file:line: key.path: what is
expected), never a traceback, and nothing written. A run folder that cannot be used (locked by
another run, not writable, too little space, shared by two scenarios) is exit 2 before anything
is simulated; Ctrl-C is exit 130 and SIGTERM 143 (128 + signal), the previous folders untouched.
The work itself (folders, replications, files) is in api.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from .loader import ScenarioError, load_scenario_source, override_value

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
        try:  # YAML under the limits of a scenario file (aliases, nesting, long integers)
            value = override_value(raw)
        except ValueError as exc:
            raise click.BadParameter(f"{key.strip()}: {exc}", param_hint="--set") from None
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
            from rich.text import Text

            from .report import clean

            bad = True
            for problem in exc.problems:  # file names and values are the user's: plain text
                err.print(Text.assemble(("error", "red"), " ", clean(problem)), highlight=False,
                          soft_wrap=True)
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
    """Check scenario files without running them (the pre-flight checks of `run` included)."""
    err = Console(stderr=True)
    from .report import clean

    sources: list = []
    loaded = _load_all(scenarios, [], err, sources)
    warned = _preflight(loaded, sources, None, False, err)
    for (path, sc), warnings in zip(loaded, warned):
        click.echo(clean(f"{path}: ok ({sc.name}: {len(sc.stations)} stations)"))
        for line in warnings:
            _say(err, f"warning {sc.name}: {line}")


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

    # The running stages are imported here so that `validate` starts fast.
    from . import api
    from .capacity import capacity_check
    from .lifecycle import exit_status
    from .replicate import default_jobs
    from .report import capacity_panel, plain, summary_renderable
    from .results import dumps_json

    warned = _preflight(loaded, sources, jobs, force, err)  # every scenario, before any runs
    plans: list = []
    try:
        plans = api.plan_runs(loaded, out, results_dir)
        with api.termination_as_interrupt(), api.prepared(plans, notice=lambda s: _say(err, s)):
            summaries = []
            for plan, warnings in zip(plans, warned):
                scenario = plan.scenario
                n_jobs = jobs or default_jobs(scenario.run.replications)
                cap = capacity_check(scenario)
                con.print(capacity_panel(scenario.name, scenario.unit, cap))
                for line in warnings:
                    _say(err, f"warning {scenario.name}: {line}")
                with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TimeElapsedColumn(), console=err, transient=True) as progress:
                    task = progress.add_task(f"{scenario.name}: replications",
                                             total=scenario.run.replications)
                    summary = api.run_scenario(
                        plan, n_jobs, cap, charts=not no_charts,
                        progress=lambda _r: progress.advance(task),
                        notice=lambda s, name=scenario.name: _say(err, f"warning {name}: {s}"))
                con.print(summary_renderable(summary))
                con.print(plain(f"run folder: {plan.folder.path}"))
                summaries.append(summary)
    except api.FolderRefused as exc:  # the run folder cannot be used or written: bad input
        for line in exc.lines:
            _say(err, line)
        sys.exit(EXIT_BAD_INPUT)
    except api.RunFailed as exc:
        for line in exc.lines:
            _say(err, line)
        sys.exit(1)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP
        _say(err, f"interrupted ({exc})" if str(exc) else "interrupted")
        for line in api.interrupted_report(plans):
            _say(err, line)
        sys.exit(exit_status(exc))
    if as_json:  # one scenario: its summary.json; several: a list of them
        click.echo(dumps_json(summaries[0] if len(summaries) == 1 else summaries), nl=False)


def _say(err: Console, line: str) -> None:
    from .report import clean

    err.print(clean(line), markup=False, highlight=False, soft_wrap=True)


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
            _say(err, f"error {source.problem(problem.loc, problem.message)}")
        warnings.append(result.warnings)
    if bad:
        sys.exit(EXIT_BAD_INPUT)
    return warnings


if __name__ == "__main__":  # pragma: no cover
    main()
