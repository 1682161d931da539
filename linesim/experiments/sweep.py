"""The sweep loop: submit what the store lacks, store results as they land, write the folder.

Stage: points ─► execute ─► store ─► **sweep** ─► analyze (point rows) ─► files.

``run_sweep`` runs every (point, replication) task the store does not hold yet on an executor,
stores each result as it lands (one commit each) and writes the sweep folder's tables: after
every batch and at the end, and also when interrupted (best effort), so an interrupted sweep's
folder is readable. Without a precision goal there is one batch: every point gets ``max_reps``
replications. With one, replications are added in batches — a ``more_replications``-shaped
callable says how many each point should have next — until every point meets the goal or has
``max_reps``. The decisions depend only on the stored results of completed batches, so they are
the same whatever the executor, and a resumed sweep takes the same path as one that never
stopped: each batch's targets are stored before it runs, and a resume first completes the batch
it was interrupted in (never deciding from a half-finished batch).

The base point (0) always gets at least as many replications as any other point, so every paired
difference is over all of that point's replications.

Files (``SWEEP_TABLES``; CSV with a fixed column order, rows sorted by point and replication,
YAML in the definition's own key order): ``points.csv``, ``replications.csv``,
``sweep.resolved.yaml`` — byte-identical whatever the executor and worker count — and
``manifest.json`` (``"kind": "sweep"``; timestamps, executor and counts: the one file that
differs between runs; ``engine``: the engine that ran the points).

One engine runs every point of a sweep (``engines.choose_for_all``): the fast engine when every
point would run on it, SimPy otherwise (with ``run.engine: auto``), so that every point draws
its random numbers on the same engine and paired differences stay paired. The workers get each
point's scenario pinned to that engine. The store records every engine that ran points of it
(``engines_stored`` in the manifest): a sweep, a solve adding evaluations or a resume run on
another engine than before (numba gone, an evaluation the fast engine cannot run) shows there. All written atomically (``results.atomic_write``); reading goes one point
at a time, so memory does not grow with the number of points.
"""

from __future__ import annotations

import io
import json
import platform
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

import yaml

from .. import engines
from ..capacity import capacity_check
from ..results import MANIFEST, REPLICATION_COLUMNS, atomic_write, dumps_json, versions, write_text
from ..scenario import Scenario
from ..streams import SCHEME_VERSION
from . import analyze
from .core import BASE, Factor, Point
from .execute import Task
from ..runfolder import InPlaceFolder
from .store import STORE_FILES, Store

POINTS_CSV = "points.csv"
REPLICATIONS_CSV = "replications.csv"
RESOLVED = "sweep.resolved.yaml"
SWEEP_TABLES = [POINTS_CSV, REPLICATIONS_CSV, RESOLVED]
EXPORT_FILES = ["points.parquet", "replications.parquet", "stations.csv", "stations.parquet"]
# Every file a sweep folder may hold (charts are listed by the manifest that names them).
SWEEP_FILES = [*SWEEP_TABLES, MANIFEST, *STORE_FILES, *EXPORT_FILES]
SWEEP_REPLICATION_COLUMNS = ["point", *REPLICATION_COLUMNS]

# more_replications(values, base_values, precision, max_reps) -> the count the point should have
MoreReplications = Callable[..., int]
PointRow = Callable[..., dict]


@dataclass(frozen=True)
class Progress:
    """What the progress callback gets: after each stored replication and at each batch start.

    ``done``: replications stored (those found in the store on resume included);
    ``total``: replications planned so far (grows batch by batch with a precision goal, never
    above ``maximum`` = points × max_reps); ``resumed``: found in the store when this run began
    (an ETA should rate only ``done - resumed``); ``batch``: 1, 2, ...; ``point``/``replication``:
    the one just stored (None at a batch start)."""

    done: int
    total: int
    maximum: int
    resumed: int
    batch: int
    point: Optional[int] = None
    replication: Optional[int] = None


@dataclass(frozen=True)
class SweepOutcome:
    points: int
    stored: int  # replications in the store at the end
    run: int  # replications run by this call
    resumed: int  # replications found in the store when it began
    batches: int
    precise: Optional[bool]  # every point met the precision goal (None without one)
    engine: str = ""  # the engine that ran this call's replications ("simpy" or "fast")
    engine_note: str = ""  # why ("compiled", or why the fast engine was not used)


def choose_engine(points: Sequence[tuple[Point, Scenario]]) -> engines.Choice:
    """The one engine of a sweep's points (see the module docstring); EngineUnsupported when
    ``run.engine: fast`` and a point cannot run on it."""
    return engines.choose_for_all((f"point {p.index} ({p.label})", s) for p, s in points)


# -- the folder and its store ---------------------------------------------------------------------
@contextmanager
def opened(folder: Path, definition: dict, base: Scenario, *, resume: bool,
           option: str = "--out", extra_files: Sequence[str] = ()) -> Iterator[Store]:
    """The sweep folder, locked (a second sweep or a run into it is refused: ``FolderRefused``),
    created if need be, with its store open for writing (``StoreRefused``: an earlier sweep
    there without ``resume``, or a changed definition/base on resume). ``extra_files``: more
    names the folder may hold (charts). Unlocks and closes on exit."""
    place = InPlaceFolder(Path(folder), option, {*SWEEP_FILES, *extra_files})
    place.open()
    try:
        store = Store.create(place.real, definition, base, resume=resume, shown=str(folder))
        try:
            yield store
        finally:
            store.close()
    finally:
        place.close()


# -- the loop ------------------------------------------------------------------------------------
def run_sweep(points: Sequence[tuple[Point, Scenario]], executor, store: Store, folder: Path, *,
              definition: dict, max_reps: int, factors: Optional[Sequence[Factor]] = None,
              precision: Optional[float] = None,
              more_replications: Optional[MoreReplications] = analyze.more_replications,
              progress: Optional[Callable[[Progress], None]] = None,
              point_row: Optional[PointRow] = analyze.point_row,
              manifest: Optional[dict] = None,
              engine: Optional[engines.Choice] = None,
              partial: Optional[Callable[[tuple[int, int], float], None]] = None) -> SweepOutcome:
    """Run the sweep's missing replications on ``executor`` (entered here) into ``store``, then
    write ``folder``'s tables and manifest. ``definition`` is the resolved sweep definition
    (plain data, every default written out); ``manifest`` adds keys to the manifest (command,
    source file); ``engine`` the engine chosen for the points (``choose_engine``, computed here
    when not given); ``partial((point, replication), fraction)`` the share of each running
    replication simulated so far, where the executor can say (``execute.Local``). Interrupts and
    errors propagate after the folder's files were written with the manifest's status
    ``interrupted`` or ``failed``."""
    folder = Path(folder)
    started = _now()
    t0 = time.monotonic()
    factors = list(factors) if factors is not None else _factors_of(points)
    scenarios = {p.index: s for p, s in points}
    if BASE not in scenarios:
        raise ValueError("the points must include the base point 0")
    choice = engine or choose_engine(points)
    run_on = {i: engines.pinned(s, choice.engine) for i, s in scenarios.items()}
    store.add_points(points)
    store.set_factors(factors)
    manifest = {**(manifest or {}), "engine": choice.engine, "engine_note": choice.note}
    maximum = len(scenarios) * max_reps
    resumed = store.count()
    state = {"done": resumed, "run": 0, "batch": 0}
    capacities: dict = {}  # point → capacity arithmetic, computed once (tables after each batch)
    precise: Optional[bool] = None
    status, error = "complete", None
    try:
        write_text(folder / RESOLVED, yaml.safe_dump(definition, sort_keys=False, allow_unicode=True))
        with ExitStack() as running:  # the executor (a cluster) starts only if there is work
            entered = False
            while True:
                counts = _counts(store, scenarios)
                targets = store.plan()  # a batch interrupted earlier is completed first
                if set(targets) != set(scenarios) or all(counts[i] >= targets[i] for i in scenarios):
                    if state["batch"] and (more_replications is None or precision is None):
                        break  # without a precision goal there is one batch
                    targets = _targets(store, sorted(scenarios), max_reps, precision,
                                       more_replications)
                    if all(counts[i] >= targets[i] for i in scenarios):
                        break
                    store.set_plan(targets)
                total = sum(max(targets[i], counts[i]) for i in scenarios)
                state["batch"] += 1
                if not entered:
                    running.enter_context(executor)
                    entered = True
                    store.add_engine(choice.engine)
                if progress:
                    progress(Progress(state["done"], total, maximum, resumed, state["batch"]))
                hook = {} if partial is None else {"partial": partial}  # only when given:
                #                              executors of the older signature keep working
                for point, replication, result in executor.imap_unordered(
                        _tasks(store, run_on, targets), **hook):
                    if store.add(point, replication, result):
                        state["done"] += 1
                        state["run"] += 1
                    if progress:
                        progress(Progress(state["done"], total, maximum, resumed, state["batch"],
                                          point, replication))
                if more_replications is not None and precision is not None:
                    write_tables(folder, store, factors, point_row, capacities)
        if precision is not None and more_replications is not None:
            precise = all(_wanted(store, i, precision, max_reps, more_replications)
                          <= len(store.replications_of(i)) for i in scenarios)
        write_tables(folder, store, factors, point_row, capacities)
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        error = str(exc) or type(exc).__name__
        try:  # best effort: the store holds everything; the files are a convenience
            write_tables(folder, store, factors, point_row, capacities)
            _write_manifest(folder, store, status, error, started, t0, executor, max_reps, manifest)
        except Exception:  # noqa: BLE001 — never hide the error that got us here
            pass
        raise
    _write_manifest(folder, store, status, error, started, t0, executor, max_reps, manifest)
    return SweepOutcome(points=len(scenarios), stored=store.count(), run=state["run"],
                        resumed=resumed, batches=state["batch"], precise=precise,
                        engine=choice.engine, engine_note=choice.note)


def _counts(store: Store, scenarios: dict) -> dict[int, int]:
    counts = store.counts()
    return {i: counts.get(i, 0) for i in scenarios}


def _targets(store: Store, indices: list[int], max_reps: int, precision: Optional[float],
             more: Optional[MoreReplications]) -> dict[int, int]:
    """How many replications each point should have now (never above max_reps)."""
    if precision is None or more is None:
        return {i: max_reps for i in indices}
    base_values = store.values(BASE)
    targets = {}
    for i in indices:
        values = store.values(i)
        want = more(values=values, base_values=None if i == BASE else base_values,
                    precision=precision, max_reps=max_reps)
        targets[i] = max(len(values), min(max_reps, int(want)))  # never fewer than stored
    targets[BASE] = max(targets.values())  # every paired difference over all of a point's reps
    return targets


def _wanted(store: Store, i: int, precision: float, max_reps: int, more: MoreReplications) -> int:
    """What the precision rule asks for point i, before the max_reps cap."""
    return int(more(values=store.values(i), base_values=None if i == BASE else store.values(BASE),
                    precision=precision, max_reps=max_reps))


def _tasks(store: Store, scenarios: dict[int, Scenario], targets: dict[int, int]) -> Iterator[Task]:
    """The missing (point, replication) tasks, point by point (lazy: one point's done set at a
    time in memory)."""
    for i in sorted(scenarios):
        have = store.replications_of(i)
        for r in range(targets[i]):
            if r not in have:
                yield Task(i, r, scenarios[i])


# -- the folder's files --------------------------------------------------------------------------
def _factors_of(points: Sequence[tuple[Point, Scenario]]) -> list[Factor]:
    names: dict[str, None] = {}
    for p, _ in points:
        for name, _value in p.values:
            names.setdefault(name, None)
    return [Factor(name=n, keys=(n,)) for n in names]


point_columns = analyze.point_columns


def point_rows(store: Store, factors: Sequence[Factor], point_row: Optional[PointRow] = None,
               capacities: Optional[dict] = None) -> Iterator[dict]:
    """One row per point (index order), computed from the store one point at a time.
    ``capacities`` (point → capacity check) caches the arithmetic between batches."""
    row_of = point_row or analyze.point_row
    base_results = store.results(BASE)
    for point, scenario in store.points():
        results = base_results if point.index == BASE else store.results(point.index)
        if capacities is None:
            capacity = capacity_check(scenario)
        else:
            capacity = capacities.get(point.index)
            if capacity is None:
                capacity = capacities[point.index] = capacity_check(scenario)
        yield row_of(point, factors, scenario, results, base_results, capacity)


def write_tables(folder: Path, store: Store, factors: Sequence[Factor],
                 point_row: Optional[PointRow] = None, capacities: Optional[dict] = None) -> None:
    """points.csv and replications.csv from the store, atomically, point by point."""
    columns = point_columns(factors)

    def points_writer(f: io.IOBase) -> None:
        import pandas as pd

        first = True
        for row in point_rows(store, factors, point_row, capacities):
            f.write(_csv(pd.DataFrame([row], columns=columns), header=first))
            first = False
        if first:
            f.write(_csv(pd.DataFrame([], columns=columns), header=True))

    def replications_writer(f: io.IOBase) -> None:
        f.write(_csv(replications_frame(store, []), header=True))
        for index in store.point_indices():
            f.write(_csv(replications_frame(store, [index]), header=False))

    atomic_write(folder / POINTS_CSV, points_writer)
    atomic_write(folder / REPLICATIONS_CSV, replications_writer)


def replications_frame(store: Store, indices: Optional[Sequence[int]] = None):
    """The replications table (one row per stored replication) of the given points (all by
    default), sorted by point and replication."""
    import pandas as pd

    rows = []
    for index in (store.point_indices() if indices is None else indices):
        for r in store.results(index):
            rows.append({"point": index, "replication": r.replication, "output": r.output,
                         "scrapped": r.scrapped, "lost": r.lost,
                         "throughput_per_h": r.throughput_per_h,
                         "annual_output": r.annual_output, "wip_mean": r.wip_mean,
                         "lead_time_mean_s": r.lead_time_mean_s, "scheduled_s": r.scheduled_s,
                         "observed_s": r.observed_s, "bottleneck": r.bottleneck})
    return pd.DataFrame(rows, columns=SWEEP_REPLICATION_COLUMNS)


def _csv(df, header: bool) -> str:
    return df.to_csv(index=False, header=header, lineterminator="\n")


def _write_manifest(folder: Path, store: Store, status: str, error: Optional[str], started: str,
                    t0: float, executor, max_reps: int, extra: Optional[dict]) -> None:
    meta = store.meta()
    transient = set(STORE_FILES[1:])  # SQLite's WAL and shared memory: gone when it closes
    files = sorted({p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                    and p.name not in transient} | {MANIFEST})
    manifest = {
        "kind": "sweep",
        "status": status,
        "error": error,
        "points": len(store.point_indices()),
        "replications_max": max_reps,
        "replications_stored": store.count(),
        "definition_hash": meta.get("definition_hash"),
        "base_hash": meta.get("base_hash"),
        "stream_scheme": SCHEME_VERSION,
        "executor": executor.describe() if hasattr(executor, "describe") else str(executor),
        "command": ["linesim", *sys.argv[1:]],
        "started": started,
        "finished": _now(),
        "wall_s": round(time.monotonic() - t0, 3),
        "versions": versions(),
        "platform": platform.platform(),
        "files": files,
        "engines_stored": store.engines(),
        **(extra or {}),
    }
    write_text(folder / MANIFEST, dumps_json(manifest))


def add_files_to_manifest(folder: Path, names: Sequence[str]) -> None:
    """List files written after the sweep's manifest (charts, exports) in its ``files``, so that
    the folder holds nothing its manifest does not name."""
    path = Path(folder) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["files"] = sorted(set(manifest.get("files", [])) | set(names))
    write_text(path, dumps_json(manifest))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


__all__ = ["add_files_to_manifest", "run_sweep", "write_tables", "replications_frame", "point_rows", "point_columns",
           "Progress", "SweepOutcome", "SWEEP_FILES", "SWEEP_TABLES"]
