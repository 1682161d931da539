"""The Python API, for notebooks and scripts: load a scenario, change it, run it, sweep it.

    >>> import linesim
    >>> plant = linesim.load("scenarios/zhuojun-seats-phase1.yaml", {"run.horizon": "4 weeks"})
    >>> faster = linesim.change(plant, {"stations.front-foam-trim.cycle_time.mean": "36 s"})
    >>> result = linesim.run(faster, replications=3)
    >>> result.summary.annual_output             # Interval(mean=..., low=..., high=...)
    >>> result.stations.groupby("station").bottleneck_share.mean()
    >>> result.write("runs/faster")              # the run folder `linesim run` writes

Stage: at the top, beside ``api`` and ``cli``; ``linesim/__init__`` loads it on first use, so
``import linesim`` loads no SimPy, numba, pandas or matplotlib.

Everything goes through the code the command line runs, so the same scenario and seed give the
same numbers and the same files:

* ``load`` is ``loader.load_scenario_source`` with the overrides of ``--set`` (dotted key paths,
  list items by index or name): the same validation and messages. ``change`` is the sweeps' own
  ``points.point_scenario``: the scenario's resolved data with the keys set, validated whole.
  Problems raise ``ScenarioError`` (its ``problems`` each name the file, the key path and what is
  expected), never a pydantic traceback.
* ``run`` makes the pre-flight checks of ``linesim run`` (``preflight.check``: errors raise
  ScenarioError, warnings are ``RunWarning``), then ``api.ready_engine``,
  ``api.run_until_precise`` and ``api.run_summary``, as ``api.run_scenario`` does. Jobs default
  to 1 here (the replications run in this process: no worker processes unless asked); the
  results do not depend on it.
* ``Result.write`` is ``api.write_folder`` into a ``runfolder.RunFolder`` (locked, written
  beside, swapped in whole; a folder holding files linesim did not write is refused:
  ``FolderRefused``). Its tables are the CSVs' own functions (``results.*_table``, listed in
  ``TABLES``: a new table of results.py is one line there).
* ``sweep`` plans a sweep file, or a scenario and ``vary``, with the experiments' own code
  (``spec``, ``points.plan_sweep``) and runs it with ``api.run_sweep_command`` into the folder
  given; it returns ``linesim.sweeps.Sweep`` read back from that folder.

The manifests record the call (``linesim.run FILE key=value ...``), not this process's command
line (a notebook kernel's would name files of this machine).
"""

from __future__ import annotations

import copy
import math
import os
import sys
import time
import warnings
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional, Union

from .loader import Problem, ScenarioError, Source, load_scenario_source
from .runfolder import FolderRefused
from .scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover - types only
    import pandas as pd

    from .simulate import RunResult
    from .sweeps import Sweep

__all__ = ["load", "change", "run", "sweep", "Result", "Summary", "Interval", "TargetOutcome",
           "CapacityFigures", "PrecisionOutcome", "ScenarioError", "FolderRefused", "RunWarning",
           "TABLES"]

Overrides = Union[Mapping[str, Any], Iterable[tuple[str, Any]], None]

GIVEN = "in the call"  # messages: "(value given in the call)" where the CLI says "on the command line"
WRITE_OPTION = "Result.write(folder)"  # how the folder was named, for FolderRefused messages
SWEEP_OPTION = "linesim.sweep(folder=...)"


class RunWarning(UserWarning):
    """What ``linesim run`` prints as a warning (pre-flight, a chart font): the run goes on."""


# -- where a scenario came from --------------------------------------------------------------
@dataclass(frozen=True)
class _Origin:
    source: str  # the file as given to load(), or the scenario's name: the manifest's "source"
    where: Optional[Source]  # places problems at the file's lines (None once changed)


_ORIGINS: dict[int, tuple[weakref.ref, _Origin]] = {}


def _remember(scenario: Scenario, origin: _Origin) -> None:
    key = id(scenario)
    _ORIGINS[key] = (weakref.ref(scenario, lambda _ref, key=key: _ORIGINS.pop(key, None)), origin)


def _origin(scenario: Scenario) -> _Origin:
    found = _ORIGINS.get(id(scenario))
    if found is not None and found[0]() is scenario:
        return found[1]
    return _Origin(scenario.name, None)


def _pairs(overrides: Overrides, what: str = "overrides") -> list[tuple[str, Any]]:
    """(dotted key, value) pairs from a mapping or an iterable of pairs."""
    if overrides is None:
        return []
    items = overrides.items() if isinstance(overrides, Mapping) else overrides
    out = []
    for item in items:
        try:
            key, value = item
        except (TypeError, ValueError):
            raise TypeError(f"{what}: expected a mapping of dotted keys to values, or (key, value) "
                            f"pairs, got {item!r:.80}") from None
        if not isinstance(key, str) or not key.strip():
            raise ScenarioError([Problem(what, "", None, f"expected a dotted key path such as "
                                                         f"'stations.S2.servers', got {key!r:.80}")])
        out.append((key.strip(), value))
    return out


# -- load and change ----------------------------------------------------------------------------
def load(path: Union[str, os.PathLike], overrides: Overrides = None) -> Scenario:
    """The scenario in ``path``, validated, with ``overrides`` applied first: a mapping of dotted
    key paths to values, as ``linesim run --set`` takes them (``{"run.replications": 5,
    "stations.S2.cycle_time": "38 s"}``; list items by index or by name). Raises ScenarioError
    listing every problem (file, line, key path, what is expected)."""
    scenario, source = load_scenario_source(path, _pairs(overrides), given=GIVEN)
    _remember(scenario, _Origin(str(path), source))
    return scenario


def change(scenario: Scenario, changes: Overrides) -> Scenario:
    """A new scenario: ``scenario`` with each dotted key set to its value and the whole scenario
    validated again (the sweeps' ``point_scenario``). Raises ScenarioError naming the key."""
    from .experiments.points import PointError, point_scenario

    if not isinstance(scenario, Scenario):
        raise TypeError(f"change() takes a Scenario (linesim.load), got {type(scenario).__name__}")
    pairs = _pairs(changes, "changes")
    origin = _origin(scenario)
    try:
        new = point_scenario(scenario, [(key, value, False) for key, value in pairs])
    except PointError as exc:
        problems = []
        for one in exc.all():
            path = one.path or one.key or ""
            message = one.message.replace(f"cannot set: {one.key}: ", "cannot set: ")
            if one.key:
                message += f" (value given {GIVEN}" + (f" for {one.key})" if path != one.key else ")")
            problems.append(Problem(origin.source, path, None, message))
        raise ScenarioError(problems) from None
    _remember(new, _Origin(origin.source, None))
    return new


# -- the typed summary ------------------------------------------------------------------------
@dataclass(frozen=True)
class Interval:
    """A mean and its Student-t 95% interval over ``n`` replications (``low``/``high`` None with a
    single replication)."""

    mean: float
    low: Optional[float]
    high: Optional[float]
    std: Optional[float] = None
    n: int = 0
    level: float = 0.95

    @classmethod
    def from_dict(cls, data: Mapping) -> "Interval":
        ci = data.get("ci95")
        return cls(data["mean"], ci[0] if ci else None, ci[1] if ci else None, data.get("std"),
                   int(data.get("n", 0)))

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2 if self.low is not None else math.inf

    def __contains__(self, value: float) -> bool:
        return self.low is not None and self.low <= value <= self.high

    def __str__(self) -> str:
        if self.low is None:
            return f"{self.mean:,.4g} (one replication: no interval)"
        return f"{self.mean:,.6g} (95% CI {self.low:,.6g} – {self.high:,.6g})"


@dataclass(frozen=True)
class TargetOutcome:
    """The target and how likely one year's output reaches it."""

    annual_output: float
    confidence: float
    probability: float  # P(one year's output >= annual_output), t predictive
    met: bool  # probability >= confidence
    replications_reaching: int


@dataclass(frozen=True)
class CapacityFigures:
    """The capacity arithmetic the run rests on (before simulating)."""

    scheduled_hours_per_year: float
    limiting_station: str
    tied_with: tuple[str, ...]
    ceiling_per_hour: float
    ceiling_per_year: float
    ceiling_24_7_per_year: float
    required_cycle_s: Optional[float]


@dataclass(frozen=True)
class PrecisionOutcome:
    """With ``run.precision``: what was asked and reached."""

    asked: float
    max_replications: int
    replications: int
    met: bool
    half_width_share: Optional[float]


def _frozen_map(data: Optional[Mapping]) -> Optional[Mapping]:
    return None if data is None else MappingProxyType(dict(data))


def _warning_text(w) -> str:
    """A plausibility warning of summary.json (file, line, path, message) as one line."""
    if not isinstance(w, Mapping):
        return str(w)
    where = ":".join(str(w[k]) for k in ("file", "line") if w.get(k) is not None)
    return ": ".join(x for x in (where, str(w.get("path") or ""), str(w.get("message") or "")) if x)


@dataclass(frozen=True)
class Summary:
    """A run's answer, typed: what ``summary.json`` holds (``as_dict()`` gives that dict)."""

    scenario: str
    unit: str
    structure: str  # "line" or "plant"
    verdict: str
    annual_output: Interval
    throughput_per_hour: Interval  # per scheduled production hour
    target: Optional[TargetOutcome]
    bottleneck: Optional[str]  # the station with the largest bottleneck share (active period)
    bottleneck_shares: Mapping[str, float]
    capacity: CapacityFigures
    replications: int
    horizon_s: float
    warmup_s: float
    seed: int
    engine: str
    engine_note: str
    wip_mean: float
    lead_time_mean_s: Optional[float]
    scrapped_per_year: float
    annual_output_by_product: Optional[Mapping[str, float]]
    precision: Optional[PrecisionOutcome]
    lost_per_year: float = 0.0  # arrivals turned away by a full queue (when_full: lose)
    lost_share_of_arrivals: Optional[float] = None  # lost / offered, all arrival sources
    warnings: tuple[str, ...] = ()  # plausibility warnings, "FILE:LINE: key.path: message"
    _data: Mapping = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping) -> "Summary":
        cap = data["capacity"]
        target = data.get("target")
        precision = data.get("precision")
        return cls(
            scenario=data["scenario"], unit=data["unit"], structure=data.get("structure", "line"),
            verdict=data["verdict"],
            annual_output=Interval.from_dict(data["annual_output"]),
            throughput_per_hour=Interval.from_dict(data["throughput_per_hour"]),
            target=TargetOutcome(**{k: target[k] for k in (
                "annual_output", "confidence", "probability", "met", "replications_reaching")})
            if target else None,
            bottleneck=data.get("bottleneck"),
            bottleneck_shares=MappingProxyType({row["name"]: row["bottleneck_share"]
                                                for row in data["stations"]}),
            capacity=CapacityFigures(
                scheduled_hours_per_year=data["scheduled_hours_per_year"],
                limiting_station=cap["limiting_station"], tied_with=tuple(cap["tied_with"]),
                ceiling_per_hour=cap["ceiling_per_hour"], ceiling_per_year=cap["ceiling_per_year"],
                ceiling_24_7_per_year=cap["ceiling_24_7_per_year"],
                required_cycle_s=cap.get("required_cycle_s")),
            replications=data["replications"], horizon_s=data["horizon_s"],
            warmup_s=data["warmup_s"], seed=data["seed"], engine=data.get("engine", ""),
            engine_note=data.get("engine_note", ""), wip_mean=data["wip_mean"],
            lead_time_mean_s=(data.get("lead_time_s") or {}).get("mean"),
            scrapped_per_year=data["scrapped_per_year"],
            annual_output_by_product=_frozen_map(data.get("annual_output_by_product")),
            precision=PrecisionOutcome(**precision) if precision else None,
            lost_per_year=(data.get("lost") or {}).get("per_year", 0.0),
            lost_share_of_arrivals=(data.get("lost") or {}).get("share_of_arrivals"),
            warnings=tuple(_warning_text(w) for w in data.get("warnings") or ()),
            _data=MappingProxyType(copy.deepcopy(dict(data))),
        )

    @property
    def target_met(self) -> Optional[bool]:
        """Whether the target is reached with the confidence asked (None without a target)."""
        return None if self.target is None else self.target.met

    @property
    def probability(self) -> Optional[float]:
        """P(one year's output >= target) (None without a target)."""
        return None if self.target is None else self.target.probability

    @property
    def bottleneck_ties(self) -> tuple[str, ...]:
        """The other stations with exactly the bottleneck's share (ties: deterministic lines)."""
        if self.bottleneck is None:
            return ()
        top = self.bottleneck_shares[self.bottleneck]
        return tuple(n for n, s in self.bottleneck_shares.items()
                     if s == top and n != self.bottleneck)

    @property
    def horizon_days(self) -> float:
        return self.horizon_s / 86400.0

    def as_dict(self) -> dict:
        """The summary as ``summary.json`` holds it (a copy)."""
        return copy.deepcopy(dict(self._data))

    def __str__(self) -> str:
        return self.verdict


# -- results -------------------------------------------------------------------------------------
# A Result's tables: attribute name -> the function of linesim.results that makes it from the
# replications (the very function that writes the run folder's CSV). A table added to results.py
# is one line here (and becomes a property of Result).
TABLES: dict[str, str] = {
    "replications": "replications_table",
    "stations": "stations_table",
    "buffers": "buffers_table",
    "periods": "periods_table",
    "buffer_periods": "buffer_periods_table",
    "occupancy": "occupancy_table",
    "arrivals": "arrivals_table",
}


@dataclass(frozen=True)
class _Provenance:
    source: str
    command: tuple[str, ...]
    started: str
    finished: str
    wall_s: float
    jobs: int


class Result:
    """One run: ``summary`` (typed), the tables as pandas DataFrames (``replications``,
    ``stations``, ``buffers``: the run folder's CSVs), ``results`` (the replications'
    RunResults), ``write(folder)`` and ``report(folder)``."""

    def __init__(self, scenario: Scenario, results: list["RunResult"], summary: dict,
                 provenance: _Provenance):
        self.scenario = scenario
        self.results = list(results)
        self.summary = Summary.from_dict(summary)
        self.folder: Optional[Path] = None  # where write() last wrote the run folder
        self._summary = copy.deepcopy(summary)
        self._provenance = provenance
        self._tables: dict[str, "pd.DataFrame"] = {}

    def table(self, name: str) -> "pd.DataFrame":
        """The table ``name`` (one of ``TABLES``) as a new DataFrame."""
        if name not in TABLES:
            raise KeyError(f"no table {name!r}: one of {', '.join(TABLES)}")
        if name not in self._tables:
            from . import results as files

            self._tables[name] = getattr(files, TABLES[name])(self.results)
        return self._tables[name].copy()

    def tables(self) -> dict[str, "pd.DataFrame"]:
        return {name: self.table(name) for name in TABLES}

    def write(self, folder: Union[str, os.PathLike], *, charts: bool = True,
              report: bool = True) -> Path:
        """Write the run folder ``linesim run`` writes (tables, charts, manifest, report.html
        unless ``report`` is False), swapped in whole; refused (``FolderRefused``) if ``folder`` holds files linesim did not write or
        another run is writing it. Returns the folder."""
        from . import api
        from .results import output_size_estimate, write_manifest
        from .runfolder import RunFolder

        path = Path(folder)
        target = RunFolder(path, WRITE_OPTION, output_size_estimate(self.scenario))
        plan = api.Planned(Path(self._provenance.source), self.scenario, target)
        p, s = self._provenance, self._summary

        def manifest(where: Path) -> None:
            write_manifest(where, self.scenario, source=p.source, status="ok", started=p.started,
                           finished=p.finished, wall_s=p.wall_s, jobs=p.jobs, error=None,
                           replications_run=len(self.results), engine=s.get("engine"),
                           engine_note=s.get("engine_note"), command=list(p.command))

        with api.prepared([plan], notice=_warn):
            api.write_folder(target, self.scenario, self.results, s, manifest, charts=charts,
                             notice=_warn, report=report)
        self.folder = path
        return path

    def report(self, folder: Union[str, os.PathLike, None] = None) -> Path:
        """Write ``report.html`` into the run folder and return its path: into ``folder``
        (written first if this result is not there yet), or where ``write`` last wrote."""
        write_report = report_writer()
        if folder is None:
            if self.folder is None:
                raise ValueError("no run folder to report on yet: give report(folder) (the run "
                                 "folder is written there first) or call write(folder) first")
            folder = self.folder
        elif self.folder is None or not _same(Path(folder), self.folder):
            self.write(folder, report=False)  # the report is written below, once
        return write_report(Path(folder))

    def __repr__(self) -> str:
        s = self.summary
        return (f"<linesim.Result {s.scenario}: {s.replications} replications of "
                f"{s.horizon_days:g} d on {s.engine or 'the engine'}: annual output "
                f"{s.annual_output}>")


def report_writer() -> Callable[[Path], Path]:
    """``html_report.write_report`` (loaded on first use); NotImplementedError if this version
    of linesim has no such module."""
    try:
        from .html_report import write_report
    except ModuleNotFoundError as exc:
        if exc.name not in ("linesim.html_report", None):
            raise
        raise NotImplementedError("report.html needs linesim.html_report, which this "
                                  "version of linesim does not have") from None
    return write_report


def _table_property(name: str) -> property:
    return property(lambda self: self.table(name),
                    doc=f"The {name} table (the run folder's {name}.csv) as a DataFrame.")


for _name in TABLES:
    setattr(Result, _name, _table_property(_name))


def _same(a: Path, b: Path) -> bool:
    from .runfolder import same_folder_key

    return same_folder_key(a) == same_folder_key(b)


def _warn(line: str) -> None:
    warnings.warn(line, RunWarning, stacklevel=3)


# -- run -------------------------------------------------------------------------------------
def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _jobs(jobs: Optional[int]) -> int:
    if jobs is None:
        return 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs: expected a whole number >= 1, got {jobs!r}")
    return jobs


def _with_options(scenario: Union[Scenario, str, os.PathLike], options: list[tuple[str, Any]],
                  overrides: Overrides) -> Scenario:
    """The scenario to run: loaded from a path with the overrides and run options, or a
    Scenario changed by them (validated either way)."""
    pairs = [*_pairs(overrides), *options]
    if isinstance(scenario, (str, os.PathLike)):
        return load(scenario, pairs)
    if not isinstance(scenario, Scenario):
        raise TypeError(f"expected a Scenario (linesim.load) or the path of a scenario file, "
                        f"got {type(scenario).__name__}")
    return change(scenario, pairs) if pairs else scenario


def _preflight(scenario: Scenario, origin: _Origin, jobs: int, force: bool,
               place: Optional[Callable[[tuple, str], Problem]] = None) -> None:
    """``linesim run``'s pre-flight: errors raise ScenarioError at their key path, warnings warn."""
    from .preflight import check

    where = origin.where or Source(origin.source, None, given=GIVEN)
    result = check(scenario, jobs=jobs, force=force)
    if result.errors:
        place = place or where.problem
        raise ScenarioError([place(e.loc, e.message) for e in result.errors])
    for line in result.warnings:
        _warn(f"{scenario.name}: {line}")


def _plausibility(scenario: Scenario, origin: _Origin) -> list[dict]:
    """``linesim run``'s plausibility warnings (``plausibility.check``), warned as RunWarning
    and returned as summary.json keeps them (file, line, key path, message)."""
    from .plausibility import check

    where = origin.where or Source(origin.source, None, given=GIVEN)
    found = []
    for doubt in check(scenario, where.unitless):
        problem = where.problem(doubt.loc, doubt.message)
        _warn(str(problem))
        found.append({"file": problem.file, "line": problem.line, "path": problem.path,
                      "message": problem.message})
    return found


def _preparing(busy: bool) -> None:
    """Said on stderr when making the fast engine ready takes a while (the first run on a
    machine compiles it), as ``linesim run`` says it."""
    if busy:
        print("linesim: preparing the fast engine (compiled once per machine, about 30 s the "
              "first time)…", file=sys.stderr, flush=True)


def _command(name: str, source: str, options: Mapping[str, Any]) -> tuple[str, ...]:
    return (f"linesim.{name}", source, *(f"{k}={v}" for k, v in options.items() if v is not None))


def run(scenario: Union[Scenario, str, os.PathLike], replications: Optional[int] = None,
        jobs: Optional[int] = None, seed: Optional[int] = None, horizon: Any = None,
        warmup: Any = None, engine: Optional[str] = None, *, precision: Any = None,
        overrides: Overrides = None, force: bool = False,
        progress: Optional[Callable[["RunResult"], None]] = None,
        partial: Optional[Callable[[int, float], None]] = None) -> Result:
    """Run a scenario (a Scenario, or the path of a file) as ``linesim run`` does, without
    writing anything: pre-flight checks, replications, summary. ``replications``, ``seed``,
    ``horizon`` (``"30 d"`` or seconds), ``warmup``, ``engine`` and ``precision`` override the
    run block (``--replications`` ... ``--precision``), ``overrides`` any key (``--set``);
    ``jobs`` worker processes (default 1: in this process); ``force`` runs past the event
    budget; ``progress(run_result)`` is called as each replication ends, and ``partial(r,
    fraction)`` (optional) with the share of simulated time replication r has reached while it
    runs (at most a few times a second, always in the calling thread; for a progress bar)."""
    from . import api, engines
    from .capacity import capacity_check

    given = {"run.replications": replications, "run.seed": seed, "run.horizon": horizon,
             "run.warmup": warmup, "run.engine": engine, "run.precision": precision}
    options = [(k, v) for k, v in given.items() if v is not None]
    n_jobs = _jobs(jobs)
    chosen = _with_options(scenario, options, overrides)
    origin = _origin(chosen)
    _preflight(chosen, origin, n_jobs, force)
    plausible = _plausibility(chosen, origin)
    started, t0 = _now(), time.perf_counter()
    cap = capacity_check(chosen)
    ready = api.ready_engine(chosen, engines.choice(chosen), _preparing, origin.source)
    results = api.run_until_precise(engines.pinned(chosen, ready.engine), n_jobs,
                                    progress=progress, partial=partial)
    summary = api.run_summary(chosen, results, cap, ready, plausible)
    shown = {k.split(".", 1)[1]: v for k, v in options} | dict(_pairs(overrides))
    provenance = _Provenance(origin.source, _command("run", origin.source, shown), started,
                             _now(), time.perf_counter() - t0, n_jobs)
    return Result(chosen, results, summary, provenance)


# -- sweeps --------------------------------------------------------------------------------------
def _parameters(vary: Mapping) -> list[dict]:
    """Sweep-file parameters from ``vary``: key (or a tuple of linked keys) -> a list of values,
    a string as ``--vary`` takes it after the ``=`` (``"40 s..50 s:1 s"``, ``"x0.9,1,1.1"``), or a
    mapping as a sweep file's parameter holds it (``{"range": {...}}``, ``{"scale": [...]}``)."""
    from .experiments.spec import parse_vary

    if not isinstance(vary, Mapping) or not vary:
        raise TypeError("vary: expected a mapping of dotted keys to the values they take, e.g. "
                        "{'stations.S2.cycle_time': ['38 s', '40 s']}")
    params = []
    for key, values in vary.items():
        keys = [key] if isinstance(key, str) else list(key)
        named = {"key": keys[0]} if len(keys) == 1 else {"keys": keys}
        if isinstance(values, str):
            try:
                params.append(parse_vary(f"{','.join(keys)}={values}"))
            except ValueError as exc:
                raise ScenarioError([Problem("vary", ",".join(keys), None, str(exc))]) from None
        elif isinstance(values, Mapping):
            params.append({**named, **values})
        else:
            params.append({**named, "values": list(values)})
    return params


def _call_source(params: list[dict]):
    """Places a sweep's problems on the call's arguments (``vary``, ``design``), as
    ``spec.CommandLine`` places them on ``--vary``/``--design``."""
    import dataclasses

    from .experiments.spec import CommandLine

    names = {"--vary": "vary", "--design": "design", "command line": "call"}

    class Call(CommandLine):
        def problem(self, loc: tuple, message: str) -> Problem:
            found = super().problem(loc, message)
            return dataclasses.replace(found, file=names.get(found.file, found.file))

    return Call([f"{p.get('key') or ','.join(p.get('keys') or ())}=" for p in params])


def sweep(base: Union[Scenario, str, os.PathLike], vary: Optional[Mapping] = None, *,
          folder: Union[str, os.PathLike], design: Any = None, name: Optional[str] = None,
          replications: Optional[int] = None, jobs: Optional[int] = None,
          seed: Optional[int] = None, horizon: Any = None, warmup: Any = None,
          engine: Optional[str] = None, precision: Any = None, target: Optional[dict] = None,
          overrides: Overrides = None, resume: bool = False, charts: bool = True,
          export: Optional[str] = None, force: bool = False) -> "Sweep":
    """Run a sweep into ``folder`` as ``linesim sweep`` does and return it read back
    (``linesim.sweeps.Sweep``: ``points``, ``replications`` and ``stations`` DataFrames).

    ``base`` is a sweep file (``vary`` None), or a scenario (a Scenario or a file) with ``vary``
    naming the factors (see ``_parameters``) and ``design`` (``"grid"`` by default,
    ``"one_at_a_time"``, ``{"latin_hypercube": {...}}``, ``{"morris": {...}}``). Replications
    (per point; the maximum with ``precision``), seed, horizon, warm-up and engine override the
    run block; ``overrides`` set keys of the base scenario. ``jobs``: local worker processes
    (default 1). ``resume`` continues an interrupted sweep in ``folder``."""
    from . import api, sweeps
    from .experiments.points import plan_sweep
    from .experiments.spec import load_sweep, spec_from_parameters, with_run

    run_options = {k: v for k, v in (("replications", replications), ("seed", seed),
                                     ("horizon", horizon), ("warmup", warmup),
                                     ("engine", engine)) if v is not None}
    if precision is not None:
        run_options["precision"] = precision
    n_jobs = _jobs(jobs)
    if vary is None:
        if not isinstance(base, (str, os.PathLike)):
            raise TypeError("sweep(): without vary, base is the path of a sweep file")
        if design is not None or name is not None or target is not None:
            raise TypeError("sweep(): design, name and target go with vary (a sweep file has "
                            "its own)")
        loaded = load_sweep(base, _pairs(overrides))
        if run_options:
            try:
                loaded = with_run(loaded, run_options)
            except ValueError as exc:
                raise ScenarioError([Problem(str(base), "run", None, f"{exc} ({GIVEN})")]) from None
        source = str(base)
    else:
        params = _parameters(vary)
        if isinstance(base, Scenario):
            scenario = change(base, overrides) if overrides else base
            source = _origin(base).source
        else:
            scenario, source = load(base, overrides), str(base)
        loaded = spec_from_parameters(scenario, params, design or "grid", name=name,
                                      run=run_options, target=target,
                                      source=_call_source(params))
    plan = plan_sweep(loaded)
    points = len(plan.points)
    tasks = points * plan.sweep.max_replications
    base_sc = plan.sweep.base
    total = base_sc.with_run(replications=base_sc.run.replications * max(1, points))
    _preflight(total, _Origin(source, None), n_jobs, force, place=plan.sweep.source.problem)
    shown = {**run_options, **dict(_pairs(overrides))}
    api.run_sweep_command(plan, Path(folder), option=SWEEP_OPTION, resume=resume,
                          executor_=api.executor(n_jobs, None, None, tasks), charts=charts,
                          export=export, source=source, notice=_warn,
                          command=list(_command("sweep", source, shown)))
    return sweeps.load(folder)
