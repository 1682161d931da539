"""The run command's work, as plain calls: the CLI parses and prints, this module decides.

Stage: above everything but the CLI (it ties replicate, estimate, results, runfolder and charts
together).

``plan_runs``: the run folder of each scenario, refusing two scenarios of one command that would
write the same folder. ``prepared``: every run folder locked, tried and checked for space before
anything is simulated; folders not committed when the block ends are given up (or kept aside as
incomplete). ``run_scenario``: the engine chosen once (``engines.choice``; the workers get the
scenario pinned to it, and the summary and manifest say which ran and why), replications,
summary, tables, charts, manifest last, swap in. ``interrupted_report``: what an interrupt
left behind, folder by folder.
"""

from __future__ import annotations

import errno
import math
import threading
import time
import warnings
from collections import defaultdict
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

from . import engines
from .capacity import CapacityCheck
from .estimate import summarize
from .lifecycle import signal_name, termination_as_interrupt
from . import replicate
from .results import (buffer_periods_table, occupancy_table, output_size_estimate, periods_table,
                      replications_table, stations_table, write_manifest,
                      write_run)
from .runfolder import FolderRefused, RunFolder, same_folder_key
from .scenario import Scenario
from .simulate import RunResult

__all__ = ["FolderRefused", "OutputError", "RunFailed", "Planned", "plan_runs", "prepared",
           "prepare_engine", "run_scenario", "interrupted_report", "termination_as_interrupt",
           "ReportRefused", "write_folder_report"]

# Preparing the fast engine (engines.prepare) that takes longer than this is announced: loading
# the cached compiled code takes well under a second, compiling it (first run on a machine) ~30 s.
PREPARE_NOTICE_S = 1.0


class OutputError(FolderRefused):
    """Writing the run folder failed after simulating (a full disk...): exit status 2."""


class RunFailed(Exception):
    """The run could not finish for a reason outside the input (a worker died): exit status 1."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


@dataclass
class Planned:
    source: Path
    scenario: Scenario
    folder: RunFolder
    # Plausibility warnings placed in the file ({file, line, path, message}): kept in
    # summary.json and the manifest as "warnings".
    warnings: list = field(default_factory=list)


def plan_runs(loaded: list[tuple[Path, Scenario]], out: Optional[Path],
              results_dir: Path) -> list[Planned]:
    """The run folder of each scenario (``--out`` or ``RESULTS_DIR/NAME``); two scenarios that
    would write one folder are refused, naming both files."""
    option = "--out" if out is not None else "--results-dir"
    plans = [Planned(path, sc, RunFolder(out if out is not None else results_dir / sc.name, option,
                                         output_size_estimate(sc)))
             for path, sc in loaded]
    by_folder: dict[str, list[Planned]] = defaultdict(list)
    for plan in plans:
        by_folder[same_folder_key(plan.folder.path)].append(plan)
    lines = []
    for same in by_folder.values():
        if len(same) > 1:
            files = " and ".join(str(p.source) for p in same)
            names = sorted({p.scenario.name for p in same})
            lines.append(f"error {files}: would all write the run folder {same[0].folder.path} "
                         f"(name: {', '.join(names)}); give each scenario its own name: or run "
                         f"them one at a time with --out")
    if lines:
        raise FolderRefused(*lines)
    return plans


@contextmanager
def prepared(plans: list[Planned], notice: Callable[[str], None] = lambda _s: None) -> Iterator[None]:
    """Lock, try and size every run folder before anything runs; on the way out, give up the
    folders that were not committed (those that ran keep their partial output aside)."""
    try:
        for plan in plans:
            plan.folder.prepare()
            for line in plan.folder.notices:
                notice(line)
        yield
    finally:
        for plan in plans:
            if plan.folder.state in ("planned", "ready"):
                plan.folder.discard()


def prepare_engine(engine: str, preparing: Optional[Callable[[bool], None]] = None) -> None:
    """Make ``engine`` ready in this process (``engines.prepare``: the fast engine compiled or
    loaded) before any worker process starts, so that the forked workers inherit the compiled
    code and none compiles again. If that takes longer than ``PREPARE_NOTICE_S`` (the first run
    on a machine compiles), ``preparing(True)`` is called then (from a timer thread, while this
    one compiles) and ``preparing(False)`` when it is done: the progress display says so."""
    if engine != "fast":
        return
    said = threading.Event()

    def announce() -> None:
        said.set()
        if preparing is not None:
            preparing(True)

    timer = threading.Timer(PREPARE_NOTICE_S, announce)
    timer.daemon = True
    timer.start()
    try:
        engines.prepare(engine)
    finally:
        timer.cancel()
        timer.join()  # announce() has returned, if it ran, before preparing(False)
    if said.is_set() and preparing is not None:
        preparing(False)


def run_scenario(plan: Planned, jobs: int, cap: CapacityCheck, *, charts: bool = True,
                 report: bool = True,
                 progress: Optional[Callable[[RunResult], None]] = None,
                 notice: Optional[Callable[[str], None]] = None,
                 preparing: Optional[Callable[[bool], None]] = None,
                 partial: Optional[Callable[[int, float], None]] = None) -> dict:
    """Simulate one scenario and swap its complete run folder in; on any failure or interrupt
    the previous folder stays as it was and the partial output is kept aside (``folder.kept``).
    ``report``: write ``report.html`` (``html_report``) after the manifest, in the work folder,
    so it is swapped in with the rest. ``notice`` gets what the user should know but that does
    not stop the run (a chart whose text no installed font can draw); ``preparing`` is told
    when compiling the fast engine takes a while (``prepare_engine``); ``partial(replication,
    fraction)`` the share of each running replication simulated so far
    (``replicate.run_replications``)."""
    scenario, folder = plan.scenario, plan.folder
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    # The engine is chosen here, once, and the workers are given the scenario pinned to it, so
    # the engine recorded is the engine that ran (EngineUnsupported: `engine: fast` refused).
    engine = engines.choice(scenario)

    ran: list[RunResult] = []

    def manifest(status: str, error: Optional[str]) -> Callable[[Path], None]:
        return lambda where: write_manifest(
            where, scenario, source=str(plan.source), status=status, started=started,
            finished=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            wall_s=time.perf_counter() - t0, jobs=jobs, error=error, replications_run=len(ran),
            engine=engine.engine, engine_note=engine.note, warnings=plan.warnings)

    try:
        engine = ready_engine(scenario, engine, preparing, plan.source)
        results = run_until_precise(engines.pinned(scenario, engine.engine), jobs,
                                    progress=progress, into=ran, partial=partial)
        summary = run_summary(scenario, results, cap, engine, plan.warnings)
        write_folder(folder, scenario, results, summary, manifest("ok", None), charts=charts,
                     notice=notice, report=report)
    except KeyboardInterrupt as exc:
        folder.abort(manifest("interrupted", f"interrupted by {signal_name(exc)}"))
        raise
    except BrokenProcessPool:
        folder.abort(manifest("failed", "a worker process died"))
        raise RunFailed(f"error {folder.path}: a worker process died (killed, or out of memory?); "
                        "the previous folder is as it was" + _kept(folder)) from None
    except OutputError as exc:
        folder.abort(manifest("failed", exc.lines[0]))
        exc.lines[0] += _kept(folder)
        raise
    except BaseException as exc:
        folder.abort(manifest("failed", f"{type(exc).__name__}: {exc}"))
        raise
    return summary


def ready_engine(scenario: Scenario, engine: "engines.Choice",
                 preparing: Optional[Callable[[bool], None]] = None,
                 source: object = "") -> "engines.Choice":
    """``engine`` made ready in this process (``prepare_engine``, before any worker forks); when
    the fast engine does not compile here: SimPy with a note saying why, or RunFailed naming
    ``source`` if the scenario asks for ``engine: fast``."""
    try:
        prepare_engine(engine.engine, preparing)
    except engines.EngineUnsupported as exc:  # the fast engine does not compile here
        if scenario.run.engine == "fast":
            raise RunFailed(f"error {source}: {exc}") from None
        return engines.choice(scenario)  # SimPy, and the note says why
    return engine


def run_summary(scenario: Scenario, results: list[RunResult], cap: CapacityCheck,
                engine: "engines.Choice", plausible: Sequence = ()) -> dict:
    """The run's summary (``estimate.summarize``), with the engine that ran and why, the
    scenario's plausibility warnings, and with ``run.precision`` the precision reached
    (``precision_summary``)."""
    summary = summarize(scenario, results, cap)
    summary["engine"], summary["engine_note"] = engine.engine, engine.note
    summary["warnings"] = list(plausible)
    if scenario.run.precision is not None:
        summary["precision"] = precision_summary(scenario, results)
    return summary


def write_folder(folder: RunFolder, scenario: Scenario, results: list[RunResult], summary: dict,
                 manifest: Callable[[Path], None], *, charts: bool = True,
                 notice: Optional[Callable[[str], None]] = None, report: bool = True) -> None:
    """A finished run's folder written into the prepared ``folder``'s temporary sibling (tables,
    charts, ``manifest(where)``, then ``report.html`` unless ``report`` is False, listed in the
    manifest) and swapped in whole; a failure to write is OutputError. The one writer of run
    folders: ``linesim run`` and the Python API's ``Result.write``."""
    try:
        write_run(folder.work, scenario, results, summary)
        if charts:
            _write_charts(folder.work, summary, replications_table(results), notice,
                          stations=stations_table(results), periods=periods_table(results),
                          buffer_periods=buffer_periods_table(results),
                          occupancy=occupancy_table(results), scenario=scenario.resolved())
        manifest(folder.work)
        if report:
            _write_report(folder.work)
        folder.commit()
    except OSError as exc:
        full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
        raise OutputError(f"error {folder.path}: cannot write the run folder: "
                          f"{exc.strerror or exc}; the previous folder is as it was; "
                          + ("free some space or " if full else "")
                          + f"choose another folder with {folder.option}") from None


def run_until_precise(scenario: Scenario, jobs: Optional[int] = None,
                      progress: Optional[Callable[[RunResult], None]] = None,
                      into: Optional[list[RunResult]] = None,
                      partial: Optional[Callable[[int, float], None]] = None) -> list[RunResult]:
    """The run's replications. Without ``run.precision``: all ``run.replications`` of them
    (``replicate.run_replications``). With it: in batches, as
    ``experiments.analyze.more_replications`` decides from the annual outputs so far (2 first,
    then towards the n the current spread asks for, at most doubling, never above
    ``run.replications``), until the 95% interval's half-width is within the precision × the
    mean. The decisions depend on results only, so the count is the same whatever ``jobs`` is.
    ``into`` (if given) receives every finished replication as batches end; ``partial`` as in
    ``replicate.run_replications``."""
    from .experiments.analyze import more_replications

    results: list[RunResult] = [] if into is None else into
    precision = scenario.run.precision
    if precision is None:
        results.extend(replicate.run_replications(scenario, jobs, progress=progress,
                                                  partial=partial))
        return results
    maximum = scenario.run.replications
    while True:
        want = more_replications([r.annual_output for r in results], None, precision, maximum)
        if want <= len(results):
            return results
        results.extend(replicate.run_replications(scenario, jobs, progress=progress,
                                                  indices=range(len(results), want),
                                                  partial=partial))


def precision_summary(scenario: Scenario, results: list[RunResult]) -> dict:
    """What a run with ``run.precision`` reports: the precision asked, the maximum and the
    replications run, whether it was met and the half-width reached (share of the mean)."""
    from .estimate import half_width, t_interval
    from .experiments.analyze import precision_met

    annual = [r.annual_output for r in results]
    interval = t_interval(annual)
    hw = half_width(interval)
    mean = abs(interval["mean"])
    return {
        "asked": scenario.run.precision,
        "max_replications": scenario.run.replications,
        "replications": len(results),
        "met": precision_met(annual, None, scenario.run.precision),
        "half_width_share": (hw / mean) if mean > 0 and hw != float("inf") else None,
    }


def _write_charts(where: Path, summary: dict, replications, notice, **tables) -> None:
    """The run's charts; ``tables``: the stations table and the series tables in memory, and the
    resolved scenario (``charts.write_charts``)."""
    from .charts import write_charts

    _chart_notices(lambda: write_charts(where, summary, replications, **tables), notice)


def _write_report(where: Path) -> Path:
    """``report.html`` in ``where`` (a run or experiment folder whose manifest is written),
    listed in its manifest's ``files``."""
    from .experiments.sweep import add_files_to_manifest
    from .html_report import write_report

    path = write_report(where)
    add_files_to_manifest(where, [path.name])
    return path


class ReportRefused(FolderRefused):
    """``linesim report`` on a folder that is not a linesim run or experiment folder (exit 2)."""


def write_folder_report(folder: Path) -> Path:
    """``linesim report FOLDER``: (re)write the folder's ``report.html`` and list it in its
    manifest; ``ReportRefused`` when the folder is not a run, sweep, improve or solve folder."""
    from .experiments.sweep import add_files_to_manifest
    from .html_report import NotAReportFolder, write_report

    folder = Path(folder)
    try:
        path = write_report(folder)
    except NotAReportFolder as exc:
        raise ReportRefused(*exc.lines) from None
    except OSError as exc:  # a read-only folder, a full disk
        raise ReportRefused(f"error {folder}: cannot write report.html: "
                            f"{exc.strerror or exc}") from None
    try:
        add_files_to_manifest(folder, [path.name])
    except (OSError, ValueError):  # no manifest, or not JSON: the report stands without it
        pass
    return path


def _kept(folder: RunFolder) -> str:
    return f" (partial output in {folder.kept})" if folder.kept else ""


def interrupted_report(plans: list[Planned]) -> list[str]:
    """One line per scenario of an interrupted command: what is on disk now."""
    lines = []
    for plan in plans:
        f = plan.folder
        if f.state == "committed":
            lines.append(f"{f.path}: complete")
        else:
            before = "the previous folder is as it was" if f.path.is_dir() else "not written"
            ran = f.state == "aborted"
            lines.append(f"{f.path}: {'' if ran else 'not run, '}{before}"
                         + (f"; partial output in {f.kept}" if f.kept else ""))
    return lines


# -- experiments: sweep, improve, solve ------------------------------------------------------------
# The commands' work as plain calls (the CLI parses and prints): an executor chosen from the
# options, the experiment folder (locked, its SQLite store open: every replication committed as it
# lands, so an interrupted sweep, improve or solve resumes with --resume), the run, the tables,
# charts and exports. Improve and solve are sweeps too: their points are the candidates, or the
# solver's evaluations, so they get the store, resume and Dask for free.
@dataclass
class ExperimentOutcome:
    folder: Path
    outcome: object  # experiments.sweep.SweepOutcome of the last run_sweep
    points: object = None  # pandas DataFrame (points.csv) for a sweep
    ranking: object = None  # list of improve rows
    solved: object = None  # solve.SolveResult
    charts: list = None  # paths
    exported: list = None  # paths
    report: Optional[Path] = None  # report.html, unless --no-report


def executor(jobs: Optional[int] = None, scheduler: Optional[str] = None,
             dask_local: Optional[int] = None, tasks: Optional[int] = None):
    """The executor the options ask for: a Dask cluster at ``scheduler``, a local Dask cluster of
    ``dask_local`` workers, else local processes (``jobs``, default: cores, at most ``tasks``)."""
    from .experiments.execute import Dask, Local

    if scheduler and dask_local:
        raise FolderRefused("error: give either --scheduler or --dask-local, not both")
    if scheduler:
        return Dask(address=scheduler)
    if dask_local:
        return Dask(local_workers=dask_local)
    n = jobs or replicate.default_jobs(tasks or 1)
    return Local(max(1, min(n, tasks)) if tasks else n)


def _chart_notices(write, notice) -> list:
    """Call ``write()`` (a chart writer); a ChartFontWarning goes to ``notice``."""
    from .charts import ChartFontWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ChartFontWarning)
        out = write()
    for w in caught:
        if notice is not None and issubclass(w.category, ChartFontWarning):
            notice(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out


def _experiment(points, folder: Path, definition: dict, base: Scenario, *, option: str,
                resume: bool, executor_, max_reps: int, factors, precision=None, progress=None,
                manifest=None, extra_files=(), preparing=None):
    """The points run into ``folder``'s store (``sweep.run_sweep``). A ``progress`` display with
    a ``partial(key, fraction)`` method (``progress.Ticker``) is also given the share of each
    running replication simulated so far (key: (point, replication))."""
    from .experiments import sweep as sw

    engine = sw.choose_engine(points)  # EngineUnsupported (exit 2) before the folder is touched
    with sw.opened(folder, definition, base, resume=resume, option=option,
                   extra_files=extra_files) as store:
        try:
            prepare_engine(engine.engine, preparing)  # before the executor's workers start
        except engines.EngineUnsupported:  # the fast engine does not compile here
            if any(s.run.engine == "fast" for _, s in points):
                raise
            engine = sw.choose_engine(points)  # SimPy, and the note says why
        outcome = sw.run_sweep(points, executor_, store, folder, definition=definition,
                               max_reps=max_reps, factors=factors, precision=precision,
                               progress=progress, manifest=manifest, engine=engine,
                               partial=getattr(progress, "partial", None))
        return outcome, store.notices


def sweep_meta(plan) -> dict:
    """What the sweep charts and tables need beside points.csv."""
    sweep = plan.sweep
    base = sweep.base
    levels = plan.base_levels()
    design = sweep.spec.design
    return {
        "name": sweep.name, "unit": base.unit,
        "design": design.model_dump(mode="json", exclude_none=True) if hasattr(design, "model_dump")
        else design,
        "target": ({"annual_output": base.target.annual_output,
                    "confidence": base.target.confidence} if base.target else None),
        "factors": [{"name": f.name, "column": f.column, "unit": f.unit, "relative": f.relative,
                     "base": levels.get(f.name)} for f in sweep.factors],
    }


def run_sweep_command(plan, folder: Path, *, option: str, resume: bool, executor_, charts: bool,
                      export: Optional[str], source: str, progress=None,
                      notice=None, preparing=None,
                      command: Optional[list[str]] = None,
                      report: bool = True) -> ExperimentOutcome:
    """A planned sweep (``points.plan_sweep``) run into ``folder``: store, tables, charts
    (with the Morris indices as ``morris.csv`` for a Morris design), the export asked for, and
    ``report.html`` unless ``report`` is False. ``command``: what the manifest records as the
    command (default: this process's)."""
    import pandas as pd

    from . import sweeps
    from .experiments import analyze, spec
    from .experiments.sweep import add_files_to_manifest
    from .results import atomic_write

    sweep = plan.sweep
    outcome, notices = _experiment(
        list(plan.points), folder, spec.resolved(sweep), sweep.base, option=option, resume=resume,
        executor_=executor_, max_reps=sweep.max_replications, factors=sweep.factors,
        precision=sweep.precision, progress=progress,
        manifest={"name": sweep.name, "source": source,
                  **({"command": list(command)} if command is not None else {})},
        extra_files=CHART_FILES,
        preparing=preparing)
    for line in notices:
        if notice:
            notice(line)
    points = pd.read_csv(folder / "points.csv")
    written: list[Path] = []
    morris = None
    design = plan.design
    if design.kind == "morris" and design.morris_sample is not None:
        means = points.sort_values("point")["annual_mean"].tolist()[1:]
        morris = analyze.morris_indices(design.morris_problem, design.morris_sample, means,
                                        num_levels=design.morris_levels or 4)
        atomic_write(folder / "morris.csv",
                     lambda f: f.write(morris.to_csv(index=False, lineterminator="\n")))
        written.append(folder / "morris.csv")
    paths: list[Path] = []
    if charts:
        from .experiments.charts import write_sweep_charts

        paths = _chart_notices(lambda: write_sweep_charts(folder, points, sweep_meta(plan),
                                                          morris=morris), notice)
    exported = sweeps.export(folder, export) if export else []
    add_files_to_manifest(folder, [p.name for p in [*written, *paths, *exported]])
    return ExperimentOutcome(folder, outcome, points=points, charts=paths, exported=exported,
                             report=_write_report(folder) if report else None)


# Files an experiment folder may hold beside the sweep's own (charts of any design, exports).
CHART_FILES = ("response.png", "heatmap.png", "tornado.png", "scatter.png", "morris.png",
               "improve.png", "solve.png", "morris.csv", "improve.csv", "solve.json",
               "report.html")


def _candidate_points(base: Scenario):
    from .experiments.core import Point
    from .experiments.improve import candidate_scenario, candidates

    cands = candidates(base)
    return cands, [(Point(0, "base"), base), *((c, candidate_scenario(base, c)) for c in cands)]


def run_improve_command(base: Scenario, folder: Path, *, option: str, resume: bool, executor_,
                        charts: bool, source: str, progress=None,
                        notice=None, preparing=None, report: bool = True) -> ExperimentOutcome:
    """``linesim improve``: every candidate change and the base under common random numbers,
    ranked by the paired gain in annual output (``improve.csv``, ``improve.png``)."""
    import pandas as pd

    from .experiments.improve import IMPROVE_COLUMNS, improvement_rows
    from .experiments.sweep import add_files_to_manifest
    from .experiments.store import Store
    from .results import atomic_write

    cands, points = _candidate_points(base)
    definition = {"kind": "improve", "scenario": base.name,
                  "candidates": [{"label": c.label, "overrides": [list(o) for o in c.overrides]}
                                 for c in cands]}
    outcome, notices = _experiment(points, folder, definition, base, option=option, resume=resume,
                                   executor_=executor_, max_reps=base.run.replications,
                                   factors=[], progress=progress,
                                   manifest={"name": f"{base.name} improve", "source": source},
                                   extra_files=CHART_FILES, preparing=preparing)
    for line in notices:
        if notice:
            notice(line)
    with Store.read(folder) as store:
        results = [store.results(i) for i in range(len(points))]
    rows = improvement_rows(base, cands, results)
    for row in rows:  # no NaN/inf in the table (None instead)
        for k, v in row.items():
            if isinstance(v, float) and not math.isfinite(v):
                row[k] = None
    ranking = pd.DataFrame(rows, columns=IMPROVE_COLUMNS)
    atomic_write(folder / "improve.csv",
                 lambda f: f.write(ranking.to_csv(index=False, lineterminator="\n")))
    paths: list[Path] = []
    if charts:
        from .experiments.charts import write_improve_chart

        paths = [_chart_notices(lambda: write_improve_chart(folder, ranking, improve_meta(base)),
                                notice)]
    add_files_to_manifest(folder, ["improve.csv", *(p.name for p in paths)])
    return ExperimentOutcome(folder, outcome, ranking=ranking, charts=paths,
                             report=_write_report(folder) if report else None)


def improve_meta(base: Scenario) -> dict:
    return {"name": base.name, "unit": base.unit,
            "target": ({"annual_output": base.target.annual_output,
                        "confidence": base.target.confidence} if base.target else None)}


def run_solve_command(base: Scenario, key: str, folder: Path, *, option: str, resume: bool,
                      executor_, charts: bool, source: str, lo=None, hi=None, tol=None,
                      integer=None, max_evals: int = 30, progress=None,
                      notice=None, preparing=None, report: bool = True) -> ExperimentOutcome:
    """``linesim solve``: stochastic bisection on ``key`` (``solve.solve``), every evaluation a
    point of the folder's store (replications 0..n−1 of each: common random numbers), so an
    interrupted solve resumes where it stopped. Writes ``solve.json`` and ``solve.png``."""
    from .experiments import solve as slv
    from .experiments.core import Point
    from .experiments.store import Store
    from .experiments.sweep import add_files_to_manifest
    from .results import atomic_write, dumps_json

    points: list = [(Point(0, "base"), base)]
    definition = {"kind": "solve", "scenario": base.name, "key": key, "lo": lo, "hi": hi,
                  "tol": tol, "integer": integer, "max_evals": max_evals}
    state = {"outcome": None}

    def evaluate(scenarios):
        first = len(points)
        for j, sc in enumerate(scenarios):
            points.append((Point(first + j, f"evaluation {first + j}"), sc))
        state["outcome"], notices = _experiment(
            points, folder, definition, base, option=option, resume=True, executor_=executor_,
            max_reps=base.run.replications, factors=[], progress=progress,
            manifest={"name": f"{base.name} solve {key}", "source": source},
            extra_files=CHART_FILES, preparing=preparing)
        with Store.read(folder) as store:
            return [store.results(first + j) for j in range(len(scenarios))]

    # The arguments first (a target, a key that exists, a range): a refusal leaves no folder.
    slv.arguments(base, key, lo=lo, hi=hi, integer=integer, tol=tol, max_evals=max_evals)
    # Opened once first: an earlier solve in the folder is refused unless --resume; every
    # evaluation then resumes what this one started.
    from .experiments import sweep as sw

    with sw.opened(folder, definition, base, resume=resume, option=option,
                   extra_files=CHART_FILES):
        pass
    result = slv.solve(base, key, evaluate, lo=lo, hi=hi, integer=integer, tol=tol,
                       max_evals=max_evals)
    data = {**result.to_dict(), "unit": "s" if _is_duration(base, key) else ""}
    atomic_write(folder / "solve.json", lambda f: f.write(dumps_json(data)))
    paths: list[Path] = []
    if charts:
        from .experiments.charts import write_solve_chart

        paths = [_chart_notices(lambda: write_solve_chart(folder, data, name=base.name), notice)]
    add_files_to_manifest(folder, ["solve.json", *(p.name for p in paths)])
    return ExperimentOutcome(folder, state["outcome"], solved=data, charts=paths,
                             report=_write_report(folder) if report else None)


def _is_duration(base: Scenario, key: str) -> bool:
    from .experiments.spec import DISTRIBUTION, DURATION, key_kind

    try:
        return key_kind(key) in (DURATION, DISTRIBUTION)
    except Exception:  # noqa: BLE001 - a label only
        return False
