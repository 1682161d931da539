"""The run command's work, as plain calls: the CLI parses and prints, this module decides.

Stage: above everything but the CLI (it ties replicate, estimate, results, runfolder and charts
together).

``plan_runs``: the run folder of each scenario, refusing two scenarios of one command that would
write the same folder. ``prepared``: every run folder locked, tried and checked for space before
anything is simulated; folders not committed when the block ends are given up (or kept aside as
incomplete). ``run_scenario``: replications, summary, tables, charts, manifest last, swap in.
``interrupted_report``: what an interrupt left behind, folder by folder.
"""

from __future__ import annotations

import errno
import time
import warnings
from collections import defaultdict
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional

from .capacity import CapacityCheck
from .estimate import summarize
from .lifecycle import signal_name, termination_as_interrupt
from . import replicate
from .results import output_size_estimate, replications_table, write_manifest, write_run
from .runfolder import FolderRefused, RunFolder, same_folder_key
from .scenario import Scenario
from .simulate import RunResult

__all__ = ["FolderRefused", "OutputError", "RunFailed", "Planned", "plan_runs", "prepared",
           "run_scenario", "interrupted_report", "termination_as_interrupt"]


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


def run_scenario(plan: Planned, jobs: int, cap: CapacityCheck, *, charts: bool = True,
                 progress: Optional[Callable[[RunResult], None]] = None,
                 notice: Optional[Callable[[str], None]] = None) -> dict:
    """Simulate one scenario and swap its complete run folder in; on any failure or interrupt
    the previous folder stays as it was and the partial output is kept aside (``folder.kept``).
    ``notice`` gets what the user should know but that does not stop the run (a chart whose
    text no installed font can draw)."""
    scenario, folder = plan.scenario, plan.folder
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()

    ran: list[RunResult] = []

    def manifest(status: str, error: Optional[str]) -> Callable[[Path], None]:
        return lambda where: write_manifest(
            where, scenario, source=str(plan.source), status=status, started=started,
            finished=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            wall_s=time.perf_counter() - t0, jobs=jobs, error=error, replications_run=len(ran))

    try:
        results = run_until_precise(scenario, jobs, progress=progress, into=ran)
        summary = summarize(scenario, results, cap)
        if scenario.run.precision is not None:
            summary["precision"] = precision_summary(scenario, results)
        try:
            write_run(folder.work, scenario, results, summary)
            if charts:
                _write_charts(folder.work, summary, replications_table(results), notice)
            manifest("ok", None)(folder.work)
            folder.commit()
        except OSError as exc:
            full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
            raise OutputError(f"error {folder.path}: cannot write the run folder: "
                              f"{exc.strerror or exc}; the previous folder is as it was; "
                              + ("free some space or " if full else "")
                              + f"choose another folder with {folder.option}") from None
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


def run_until_precise(scenario: Scenario, jobs: Optional[int] = None,
                      progress: Optional[Callable[[RunResult], None]] = None,
                      into: Optional[list[RunResult]] = None) -> list[RunResult]:
    """The run's replications. Without ``run.precision``: all ``run.replications`` of them
    (``replicate.run_replications``). With it: in batches, as
    ``experiments.analyze.more_replications`` decides from the annual outputs so far (2 first,
    then towards the n the current spread asks for, at most doubling, never above
    ``run.replications``), until the 95% interval's half-width is within the precision × the
    mean. The decisions depend on results only, so the count is the same whatever ``jobs`` is.
    ``into`` (if given) receives every finished replication as batches end."""
    from .experiments.analyze import more_replications

    results: list[RunResult] = [] if into is None else into
    precision = scenario.run.precision
    if precision is None:
        results.extend(replicate.run_replications(scenario, jobs, progress=progress))
        return results
    maximum = scenario.run.replications
    while True:
        want = more_replications([r.annual_output for r in results], None, precision, maximum)
        if want <= len(results):
            return results
        results.extend(replicate.run_replications(scenario, jobs, progress=progress,
                                                  indices=range(len(results), want)))


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


def _write_charts(where: Path, summary: dict, replications, notice) -> None:
    from .charts import ChartFontWarning, write_charts

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ChartFontWarning)
        write_charts(where, summary, replications)
    for w in caught:
        if notice is not None and issubclass(w.category, ChartFontWarning):
            notice(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


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
