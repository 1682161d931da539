"""Command line: parses, calls the API, prints — the last stage, with no logic of its own.

``linesim run SCENARIO...``: capacity arithmetic, replications with a progress bar, the summary
table and verdict, and a run folder per scenario. ``linesim validate SCENARIO...``: check only.
Bad input ends with exit status 2 and one line per problem (file:line: key.path: what is
expected), never a traceback, and nothing written. A run folder that cannot be used (locked by
another run, not writable, too little space, shared by two scenarios) is exit 2 before anything
is simulated; Ctrl-C is exit 130 and SIGTERM 143 (128 + signal), the previous folders untouched.

``linesim sweep SWEEP.yaml`` (or ``SCENARIO --vary KEY=VALUES``), ``linesim improve SCENARIO``
and ``linesim solve SCENARIO --target-key KEY``: experiments under common random numbers on local
processes or Dask, into a locked experiment folder whose store resumes after any interruption
(``--resume``); the best points, the improve ranking or the solver's bracket in the terminal.

The work itself (folders, replications, experiments, files) is in api.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from . import __version__
from .loader import ScenarioError, load_scenario_source, override_value
from .progress import Ticker, minutes

EXIT_BAD_INPUT = 2

# The progress display's line while the fast engine compiles (api.prepare_engine: only when that
# takes more than a second, i.e. the first run on a machine, or after linesim was updated).
PREPARING = "preparing the fast engine (compiled once per machine, about 30 s the first time)…"
PREPARING_SHORT = "preparing the fast engine…"

# Where run and experiment folders go without --out: <working folder>/runs/<name>/, so a first
# run of a shipped scenario never overwrites the committed results/ (regenerated on purpose by
# results/regenerate.sh and sweeps/regenerate.sh, with --results-dir results).
DEFAULT_RESULTS_DIR = Path("runs")

ENGINE_HELP = ("Override run.engine: auto (the compiled engine where it supports every feature "
               "the scenario uses, SimPy otherwise), simpy (the reference) or fast.")


def _engine_option(f):
    return click.option("--engine", type=click.Choice(["auto", "simpy", "fast"]),
                        help=ENGINE_HELP)(f)


def _overrides(replications, seed, horizon, warmup, sets, engine=None) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for key, value in (("run.replications", replications), ("run.seed", seed),
                       ("run.horizon", horizon), ("run.warmup", warmup), ("run.engine", engine)):
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
            bad = True
            _print_problems(err, exc)
    if bad:
        sys.exit(EXIT_BAD_INPUT)
    return scenarios


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="linesim")
def main() -> None:
    """linesim: production-line throughput simulation, scenario YAML in, annual capacity out."""


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@_engine_option
def validate(scenarios: tuple[Path, ...], engine) -> None:
    """Check scenario files without running them (the pre-flight checks of `run` included)."""
    err = Console(stderr=True)
    from .report import clean

    from .capacity import capacity_check
    from .report import capacity_panel

    sources: list = []
    loaded = _load_all(scenarios, _overrides(None, None, None, None, (), engine), err, sources)
    warned = _preflight(loaded, sources, None, False, err)
    doubts = _plausibility(loaded, sources)
    _, con = _consoles()
    for (path, sc), warnings, doubtful in zip(loaded, warned, doubts):
        click.echo(clean(f"{path}: ok ({sc.name}: {len(sc.stations)} stations)"))
        con.print(capacity_panel(sc.name, sc.unit, capacity_check(sc)))
        for line in warnings:
            _say(err, f"warning {sc.name}: {line}")
        for problem in doubtful:
            _warn(err, problem)


@main.command()
@click.argument("kind", type=click.Choice(["scenario", "sweep"]), default="scenario")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Write it to FILE instead of printing it.")
@click.option("--markdown", is_flag=True,
              help="The format reference (docs/FORMAT.md, scenario and sweep files) instead.")
def schema(kind: str, out, markdown: bool) -> None:
    """Print the JSON Schema of scenario (default) or sweep files, for editors and validators.

    In a YAML file, `# yaml-language-server: $schema=PATH` on the first line makes editors with
    the YAML language server complete keys and flag mistakes as you type.
    """
    from . import docs_gen
    from .schema import schema_text, write_file

    text = docs_gen.format_markdown() if markdown else schema_text(kind)
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        write_file(out, text)
    except OSError as exc:
        _say(Console(stderr=True), f"error {out}: cannot write: {exc.strerror or exc}")
        sys.exit(EXIT_BAD_INPUT)
    _say(Console(stderr=True), f"wrote {out}")


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Run folder (one scenario only).")
@click.option("--results-dir", type=click.Path(path_type=Path), default=DEFAULT_RESULTS_DIR,
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
@click.option("--no-report", is_flag=True, help="Skip report.html.")
@click.option("--force", is_flag=True,
              help="Run even when the pre-flight event budget is over its limit.")
@click.option("--precision", help="Add replications until the 95% interval of the annual "
                                  "output is within this share of its mean, e.g. 0.5% "
                                  "(--replications is then the maximum).")
@_engine_option
def run(scenarios, out, results_dir, replications, seed, horizon, warmup, sets, jobs, as_json,
        no_charts, no_report, force, precision, engine) -> None:
    """Simulate scenarios and write a run folder for each."""
    err, con = _consoles(as_json)
    if out is not None and len(scenarios) > 1:
        raise click.UsageError("--out names one run folder; use --results-dir with several scenarios")
    sources: list = []
    overrides = _overrides(replications, seed, horizon, warmup, sets, engine)
    if precision is not None:
        overrides.append(("run.precision", precision))
    loaded = _load_all(scenarios, overrides, err, sources)

    # The running stages are imported here so that `validate` starts fast.
    from . import api
    from .capacity import capacity_check
    from .lifecycle import exit_status
    from .replicate import default_jobs
    from .report import capacity_panel, plain, summary_renderable
    from .results import dumps_json

    warned = _preflight(loaded, sources, jobs, force, err)  # every scenario, before any runs
    doubts = _plausibility(loaded, sources)
    plans: list = []
    try:
        plans = api.plan_runs(loaded, out, results_dir)
        with api.termination_as_interrupt(), api.prepared(plans, notice=lambda s: _say(err, s)):
            summaries = []
            for plan, warnings, doubtful in zip(plans, warned, doubts):
                scenario = plan.scenario
                n_jobs = jobs or default_jobs(scenario.run.replications)
                cap = capacity_check(scenario)
                con.print(capacity_panel(scenario.name, scenario.unit, cap))
                for line in warnings:
                    _say(err, f"warning {scenario.name}: {line}")
                for problem in doubtful:
                    _warn(err, problem)
                plan.warnings = [{"file": p.file, "line": p.line, "path": p.path,
                                  "message": p.message} for p in doubtful]
                with _Ticker(err, scenario.name, scenario.run.replications) as tick:
                    preview = _Preview(tick, scenario, n_jobs)
                    summary = api.run_scenario(
                        plan, n_jobs, cap, charts=not no_charts, report=not no_report,
                        progress=preview,
                        notice=lambda s, name=scenario.name: _say(err, f"warning {name}: {s}"),
                        preparing=tick.preparing, partial=tick.partial)
                con.print(summary_renderable(summary))
                con.print(plain(f"run folder: {plan.folder.path}"), soft_wrap=True)
                if not no_report:
                    con.print(plain(f"report: {plan.folder.path / 'report.html'}"),
                              soft_wrap=True)
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


# -- experiments: sweep, improve, solve ------------------------------------------------------------
def _experiment_options(f):
    """Options every experiment command shares (output folder, executor, resume, charts)."""
    for option in reversed([
        click.option("--out", type=click.Path(path_type=Path), help="Experiment folder."),
        click.option("--results-dir", type=click.Path(path_type=Path), default=DEFAULT_RESULTS_DIR,
                     show_default=True, help="Root of folders: <results-dir>/<name>/."),
        click.option("--replications", "-n", type=int,
                     help="Replications per point (the maximum with --precision)."),
        click.option("--seed", type=int, help="Override run.seed."),
        click.option("--horizon", help="Override run.horizon (e.g. '30 d')."),
        click.option("--warmup", help="Override run.warmup (e.g. '8 h')."),
        click.option("--engine", type=click.Choice(["auto", "simpy", "fast"]),
                     help=ENGINE_HELP + " One engine runs every point."),
        click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                     help="Override a key of the (base) scenario by dotted path (repeatable)."),
        click.option("--jobs", "-j", type=click.IntRange(min=1),
                     help="Local worker processes [default: cores]."),
        click.option("--scheduler", metavar="tcp://HOST:PORT",
                     help="Run the replications on this Dask cluster."),
        click.option("--dask-local", type=click.IntRange(min=1), metavar="N",
                     help="Start a local Dask cluster of N workers for the replications."),
        click.option("--resume", is_flag=True,
                     help="Continue an interrupted run of the same experiment in its folder."),
        click.option("--no-charts", is_flag=True, help="Skip the PNG charts."),
        click.option("--no-report", is_flag=True, help="Skip report.html."),
        click.option("--force", is_flag=True,
                     help="Run even when the pre-flight event budget is over its limit."),
    ]):
        f = option(f)
    return f


def _run_overrides(replications, seed, horizon, warmup, engine=None) -> dict:
    return {k: v for k, v in (("replications", replications), ("seed", seed),
                               ("horizon", horizon), ("warmup", warmup), ("engine", engine))
            if v is not None}


class _Preparing:
    """The progress display while the fast engine compiles (``api.prepare_engine`` calls this
    with True when compiling takes a while, then False): a line saying so, and the bar's
    description meanwhile (``show(text)``; ``show(None)`` puts the bar's own back); off a
    terminal (logs, CI), when done, a line with the time it took."""

    def __init__(self, err: Console, label: str, show=None):
        self.err, self.label, self.show = err, label, show
        self.t0 = 0.0

    def __call__(self, busy: bool) -> None:
        import time

        if busy:  # (announced PREPARE_NOTICE_S after it began)
            from .api import PREPARE_NOTICE_S

            self.t0 = time.monotonic() - PREPARE_NOTICE_S
        if self.show is not None:  # the bar's description: short, so the bar keeps its width
            self.show(f"{self.label}: {PREPARING_SHORT}" if busy else None)
        if busy:
            _say(self.err, f"{self.label}: {PREPARING}")
        elif not self.err.is_terminal:
            _say(self.err, f"{self.label}: the fast engine is ready "
                           f"({minutes(time.monotonic() - self.t0)})")


class _Ticker(Ticker):
    """``progress.Ticker`` (a bar with the time left in a terminal, plain lines elsewhere) with
    ``preparing``: the line while the fast engine compiles (``_Preparing``), after which the
    time left is estimated from the replications' time only."""

    @property
    def preparing(self) -> "_Preparing":
        def show(text):
            self.describe(text)
            if text is None:
                self.restart_clock()

        return _Preparing(self.err, self.label, show)

    @property
    def err(self) -> Console:
        return self.console


class _Preview:
    """The progress callback of a run: counts each replication on the ticker and, once the first
    batch has finished (``report.PREVIEW_MIN_REPLICATIONS`` or more), prints one labelled preview
    of the annual output. It only reads the results: the run and its files are the same."""

    def __init__(self, tick: Ticker, scenario, jobs: int):
        from .report import PREVIEW_MIN_REPLICATIONS

        self.tick, self.scenario = tick, scenario
        total = scenario.run.replications
        # the first batch (one replication per worker), at least 2 (an interval), at most half
        self.at = max(2, min(jobs, total // 2)) if total >= PREVIEW_MIN_REPLICATIONS else None
        self.annual: list[float] = []

    def __call__(self, result) -> None:
        self.tick.advance(result.replication)
        self.annual.append(result.annual_output)
        if self.at is not None and len(self.annual) == self.at < self.scenario.run.replications:
            from .report import preview_text

            self.tick.print(preview_text(self.annual, self.scenario.run.replications,
                                         self.scenario.unit, self.scenario.run.horizon))


def _experiment_preflight(base, points: int, jobs, force: bool, err: Console, place) -> None:
    """Pre-flight of an experiment: the base scenario's checks (window, flooding sources) and the
    event budget of every point's replications together (the base's work × the points: the
    points differ by a few keys). Errors: exit 2, placed by ``place(loc, message)``."""
    from .preflight import check
    from .replicate import default_jobs

    total = base.with_run(replications=base.run.replications * max(1, points))
    result = check(total, jobs=jobs or default_jobs(total.run.replications), force=force)
    for problem in result.errors:
        _say(err, f"error {place(problem.loc, problem.message)}")
    if result.errors:
        sys.exit(EXIT_BAD_INPUT)
    for line in result.warnings:
        _say(err, f"warning {base.name}: {line}")


def _experiment_errors(err: Console):
    """Refusals of an experiment (folder, store, executor, solver): exit 2; interrupts: 128+sig."""
    import contextlib

    from . import api
    from .experiments.execute import ExecutorError
    from .experiments.solve import SolveError
    from .experiments.store import StoreRefused
    from .lifecycle import exit_status

    @contextlib.contextmanager
    def handler():
        try:
            with api.termination_as_interrupt():
                yield
        except (api.FolderRefused, StoreRefused, ExecutorError) as exc:
            for line in exc.lines:
                _say(err, line)
            sys.exit(EXIT_BAD_INPUT)
        except SolveError as exc:
            _say(err, f"error {exc}")
            sys.exit(EXIT_BAD_INPUT)
        except (ImportError, ValueError) as exc:  # --export parquet without pyarrow, bad format
            _say(err, f"error {exc}")
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt as exc:
            _say(err, (f"interrupted ({exc})" if str(exc) else "interrupted")
                 + "; what finished is kept: run the same command with --resume to continue")
            sys.exit(exit_status(exc))

    return handler()


def _folder(out, results_dir, name) -> tuple[Path, str]:
    return (out, "--out") if out is not None else (results_dir / name, "--results-dir")


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--vary", multiple=True, metavar="KEY=VALUES",
              help="Sweep a scenario without a file: KEY=40 s,45 s | 40s..50s:1s | 40s..50s/11 | "
                   "x0.9,1,1.1 (repeatable: a grid of the factors).")
@click.option("--design", help="With --vary: grid (default), one_at_a_time, latin_hypercube, "
                               "morris.")
@click.option("--name", help="With --vary: the sweep's name (default: <scenario>-sweep).")
@click.option("--precision", help="Add replications until each 95% interval is within this "
                                  "share, e.g. 0.5% (--replications is then the maximum).")
@click.option("--export", type=click.Choice(["csv", "parquet"]),
              help="Also write the tables as CSV or Parquet (points, replications, stations).")
@_experiment_options
def sweep(source, vary, design, name, precision, export, out, results_dir, replications, seed,
          horizon, warmup, engine, sets, jobs, scheduler, dask_local, resume, no_charts,
          no_report, force) -> None:
    """Run a sweep file (or a scenario with --vary) under common random numbers."""
    from . import api
    from .experiments.points import plan_sweep
    from .experiments.spec import load_sweep, spec_from_vary
    from .report import plain, sweep_points_table

    err, con = _consoles()
    run = _run_overrides(replications, seed, horizon, warmup, engine)
    if precision is not None:
        run["precision"] = precision
    try:
        overrides = _overrides(None, None, None, None, sets)
        if vary:
            loaded = spec_from_vary(source, list(vary), design or "grid", name=name, run=run,
                                    overrides=overrides)
        else:
            if design or name:
                raise click.UsageError("--design and --name go with --vary (a sweep file has "
                                       "its own 'design' and 'name')")
            loaded = load_sweep(source, overrides)
            if run:
                loaded = _with_run(loaded, run)
        plan = plan_sweep(loaded)
    except ScenarioError as exc:
        _problems(err, exc)
    folder, option = _folder(out, results_dir, plan.sweep.name)
    tasks = len(plan.points) * plan.sweep.max_replications
    _say(err, f"sweep {plan.sweep.name}: {len(plan.points)} points (point 0 the base) × up to "
              f"{plan.sweep.max_replications} replications = {tasks:,} replications")
    _experiment_preflight(plan.sweep.base, len(plan.points), jobs, force, err,
                          plan.sweep.source.problem)
    with _experiment_errors(err):
        ex = api.executor(jobs, scheduler, dask_local, tasks)
        with _Ticker(err, f"{plan.sweep.name}") as tick:
            done = api.run_sweep_command(
                plan, folder, option=option, resume=resume, executor_=ex, charts=not no_charts,
                report=not no_report, export=export, source=str(source), progress=tick,
                preparing=tick.preparing,
                notice=lambda s: _say(err, f"warning {plan.sweep.name}: {s}"))
    con.print(sweep_points_table(done.points, api.sweep_meta(plan), top=10))
    o = done.outcome
    if o.precise is False:
        _say(err, f"warning {plan.sweep.name}: some points did not reach the precision asked "
                  f"within {plan.sweep.max_replications} replications (see points.csv)")
    _engine_said(con, o)
    con.print(plain(f"sweep folder: {folder} ({o.run} replications run, {o.resumed} found "
                    f"from before)"), soft_wrap=True)  # a path stays one line (copy, grep)
    _report_said(con, done)


def _with_run(loaded, run: dict):
    """A loaded sweep file with command-line run options (they win over the file's run block)."""
    from .experiments.spec import with_run

    try:
        return with_run(loaded, run)
    except ValueError as exc:  # bad option values
        raise click.BadParameter(str(exc)) from None


def _problems(err: Console, exc) -> None:
    """Print a ScenarioError's problems and exit 2."""
    _print_problems(err, exc)
    sys.exit(EXIT_BAD_INPUT)


def _print_problems(err: Console, exc) -> None:
    """One 'error' line per problem; file names and values are the user's: plain text."""
    from rich.text import Text

    from .report import clean

    for problem in exc.problems:
        err.print(Text.assemble(("error", "red"), " ", clean(problem)), highlight=False,
                  soft_wrap=True)


def _consoles(as_json: bool = False) -> tuple[Console, Console]:
    """(stderr, the console for tables): stderr when stdout carries JSON; off a terminal (files,
    pipes) wide enough for the station table."""
    err = Console(stderr=True)
    con = err if as_json else Console()
    if not con.is_terminal:
        con.width = max(con.width, 110)
    return err, con


def _one_scenario(path, replications, seed, horizon, warmup, sets, err, engine=None):
    """The scenario of improve/solve and its Source (for placing pre-flight problems)."""
    sources: list = []
    loaded = _load_all([path], _overrides(replications, seed, horizon, warmup, sets, engine), err,
                       sources)
    return loaded[0][1], sources[0]


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@_experiment_options
def improve(scenario, out, results_dir, replications, seed, horizon, warmup, engine, sets, jobs,
            scheduler, dask_local, resume, no_charts, no_report, force) -> None:
    """What buys the most: every one-at-a-time change a planner would list, ranked by its paired
    gain in annual output (common random numbers), with the capacity arithmetic beside it."""
    from . import api
    from .report import improve_table, plain

    err, con = _consoles()
    base, source = _one_scenario(scenario, replications, seed, horizon, warmup, sets, err, engine)
    folder, option = _folder(out, results_dir, f"{base.name}-improve")
    with _experiment_errors(err):
        cands, _points = api._candidate_points(base)
        tasks = (len(cands) + 1) * base.run.replications
        _say(err, f"improve {base.name}: {len(cands)} candidate changes and the base × "
                  f"{base.run.replications} replications = {tasks:,} replications")
        _experiment_preflight(base, len(cands) + 1, jobs, force, err, source.problem)
        ex = api.executor(jobs, scheduler, dask_local, tasks)
        with _Ticker(err, f"{base.name} improve") as tick:
            done = api.run_improve_command(
                base, folder, option=option, resume=resume, executor_=ex, charts=not no_charts,
                report=not no_report, source=str(scenario), progress=tick,
                preparing=tick.preparing,
                notice=lambda s: _say(err, f"warning {base.name}: {s}"))
    con.print(improve_table(done.ranking, api.improve_meta(base), top=20))
    _engine_said(con, done.outcome)
    con.print(plain(f"improve folder: {folder}"), soft_wrap=True)
    _report_said(con, done)


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--target-key", required=True, metavar="KEY",
              help="The key to solve for, by dotted path: stations.NAME.cycle_time, "
                   "stations.NAME.servers, stations.NAME.buffer_after, calendar.shifts_per_day.")
@click.option("--lo", help="Lower end of the range searched (a duration for times).")
@click.option("--hi", help="Upper end of the range searched.")
@click.option("--tol", help="Bracket width at which a continuous search stops.")
@click.option("--max-evals", type=click.IntRange(min=3), default=30, show_default=True)
@_experiment_options
def solve(scenario, target_key, lo, hi, tol, max_evals, out, results_dir, replications, seed,
          horizon, warmup, engine, sets, jobs, scheduler, dask_local, resume, no_charts,
          no_report, force) -> None:
    """The value of one monotone key at which P(annual >= target) reaches the target confidence."""
    from . import api
    from .report import plain, solve_renderable
    from .units import parse_duration

    err, con = _consoles()
    base, source = _one_scenario(scenario, replications, seed, horizon, warmup, sets, err, engine)
    # a bisection takes about log2(1000) + 3 evaluations, the base included
    _experiment_preflight(base, min(max_evals, 14), jobs, force, err, source.problem)

    def number(text, option):
        if text is None:
            return None
        try:
            return parse_duration(text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=option) from None

    bounds = {"lo": number(lo, "--lo"), "hi": number(hi, "--hi"), "tol": number(tol, "--tol")}
    folder, option = _folder(out, results_dir, f"{base.name}-solve")
    with _experiment_errors(err):
        ex = api.executor(jobs, scheduler, dask_local, base.run.replications)
        with _Ticker(err, f"{base.name} solve") as tick:
            done = api.run_solve_command(
                base, target_key, folder, option=option, resume=resume, executor_=ex,
                charts=not no_charts, report=not no_report, source=str(scenario),
                max_evals=max_evals, progress=tick,
                preparing=tick.preparing,
                notice=lambda s: _say(err, f"warning {base.name}: {s}"), **bounds)
    con.print(solve_renderable(done.solved, name=base.name))
    _engine_said(con, done.outcome)
    con.print(plain(f"solve folder: {folder}"), soft_wrap=True)
    _report_said(con, done)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def report(folder) -> None:
    """Write FOLDER/report.html: one self-contained page (figures inside, no network needed,
    readable on a phone, printable) for a run folder or a sweep, improve or solve folder."""
    from . import api

    from .report import plain

    err, con = _consoles()
    try:
        path = api.write_folder_report(folder)
    except api.ReportRefused as exc:  # not a linesim folder, or it cannot be written
        for line in exc.lines:
            _say(err, line)
        sys.exit(EXIT_BAD_INPUT)
    con.print(plain(f"report: {path}"), soft_wrap=True)


def _report_said(con: Console, done) -> None:
    from .report import plain

    if done.report is not None:
        con.print(plain(f"report: {done.report}"), soft_wrap=True)


def _engine_said(con: Console, outcome) -> None:
    """'Engine: fast (compiled)' under an experiment's table (the engine of its points)."""
    from .report import engine_line, plain

    if outcome is not None and getattr(outcome, "engine", ""):
        con.print(plain(engine_line({"engine": outcome.engine,
                                     "engine_note": outcome.engine_note})), soft_wrap=True)


def _say(err: Console, line: str) -> None:
    from .report import clean

    err.print(clean(line), markup=False, highlight=False, soft_wrap=True)


def _warn(err: Console, problem) -> None:
    """A plausibility warning at its file, line and key path: 'warning' in yellow in a terminal."""
    from rich.text import Text

    from .report import clean

    err.print(Text.assemble(("warning", "yellow"), " ", clean(problem)), highlight=False,
              soft_wrap=True)


def _plausibility(loaded, sources) -> list[list]:
    """Each scenario's plausibility warnings (``plausibility.check``), placed in its file (a
    loader Problem: file, line, key path, message). They never change the exit status."""
    from .plausibility import check

    return [[source.problem(d.loc, d.message) for d in check(scenario, source.unitless)]
            for (_, scenario), source in zip(loaded, sources)]


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
