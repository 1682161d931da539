"""Pre-flight: what a run will cost and whether it can give an answer, before simulating.

Stage: Scenario ─► **preflight** (uses capacity, calendars; no YAML, no files, no SimPy) ─► cli.

``check(scenario, jobs=..., force=...)`` returns warnings (lines to print) and errors (each at
a key path of the scenario, for ``loader.Source.problem``), so that the CLI, later commands and
a Python API refuse the same runs with the same words. Three checks:

* **Observation window**: the window starts when ``run.warmup`` scheduled seconds of the output
  calendar have elapsed and lasts ``run.horizon`` calendar seconds (as ``simulate`` does). A
  window with no scheduled time has no throughput to report: an error naming both keys, the
  calendar, and a horizon or warm-up that would work.
* **Event budget**: the run's work in *station operations* (a part started at a station; an
  arrival from outside counts as one too) = Σ over stations of starts per scheduled second in
  the capacity arithmetic's best flow (which already holds each source to its arrival rate) ×
  scheduled seconds in warm-up + window × replications. Divided by the engine's measured speed
  it gives CPU time, and over the workers wall time; the speed is that of the engine that will
  run (``engines.choose``: the SimPy engine's ``ENGINE_OPS_PER_CPU_S``, or the compiled engine's
  ``FAST_ENGINE_OPS_PER_CPU_S``, about 20 times more). Above ``SOFT_WALL_S`` of wall time: a
  warning with the estimate. Above the engine's limit (``hard_limit_ops``: about 18 CPU hours
  at its measured speed, 10^10 operations on SimPy): an error naming the key that drives it
  (unless ``force``). The limit is a fixed number of operations per engine, not a time
  measured here, so that a scenario is refused or accepted alike on every machine. Nothing
  else grows with the horizon (statistics are running sums) except queues, which the next
  check covers. (A replication the fast engine hands back to SimPy, ``fast.Overflow``, runs
  slower than estimated: it is rare, an unlimited queue of tens of thousands of parts.)
* **Flooding sources**: arrivals faster than the plant can take from that source. Into an
  unlimited queue the queue and memory grow without bound: an error. Into a finite queue
  (``when_full: block`` or ``lose``) a warning saying how many are blocked or lost. Near
  saturation (above ``CRITICAL_UTILISATION``) of an unlimited queue: a warning (at exactly
  1 the queue also grows without bound, only slowly). The most a source can deliver comes
  from more linear programmes on the plant (``capacity.arrival_limits``), so assemblies and
  shared stations couple sources as they do in the plant (see ``flood_check``).

* **Engine**: ``run.engine: fast`` on a scenario the fast engine cannot run (a feature it does
  not support, or numba missing): an error per reason at ``run.engine``, before simulating.
  (``auto`` needs no check: it runs SimPy where the fast engine cannot.)

Hand-written arithmetic (no library does it): it is a few lines over the capacity LP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from . import engines
from .calendars import build_calendar, clock, describe, observation_window
from .capacity import BestFlow, arrival_limits, best_flow, calendar_scales
from .scenario import UNLIMITED, Scenario
from .units import HOUR, YEAR

# Speed of the SimPy engine in station operations per CPU second (one core). Measured on this
# project's 2-core machine (2026-11-29, quiet) with ``simulate.run_replication`` in process,
# timed with time.process_time, operations counted as this module estimates them:
#   zhuojun-seats-phase1, one simulated year (12 stations, failures, shift calendar,
#   assembly): 4.86 million operations in 27.3 s of CPU  -> 178,000 per second;
#   benchmarks/ref-b.yaml, 120 days (5 exponential stations, continuous): 1.30 million
#   (the LP's ceiling flow; 0.93 million really started, blocking) in 4.0 s -> 324,000 per s.
# The constant takes the slower, richer model, rounded down for a shared, busier machine.
ENGINE_OPS_PER_CPU_S = 150_000.0
# Speed of the fast (compiled) engine, the same way (``benchmarks/engines.py``: replication 0,
# CPU time of ``engines.run_window`` after ``engines.fast.prepare``, operations as estimated
# here), 2026-11-29 on the same machine, loaded (load average 4-6.7: other sessions running):
#   zhuojun-seats-phase1, one year: 4.87 million operations in 1.16 s -> 4.2 million per s;
#   zhuojun-seats-phase2, one year: 11.4 million in 2.74 s            -> 4.2 million per s;
#   li-auto-changzhou, one year:     2.49 million in 0.43 s           -> 5.8 million per s.
# The constant takes the slowest, rounded down as above. (The fast engine is still being
# optimised: re-measure with benchmarks/engines.py and raise it when it gets faster.)
FAST_ENGINE_OPS_PER_CPU_S = 3_500_000.0
OPS_PER_CPU_S = {"simpy": ENGINE_OPS_PER_CPU_S, "fast": FAST_ENGINE_OPS_PER_CPU_S}
SOFT_WALL_S = 60.0  # expected wall time above which the estimate is printed
# Refused without --force: a run of more than about 18 CPU hours on the engine that will run it,
# i.e. 10^10 operations on the SimPy engine (as before the fast engine) and ~2.3 × 10^11 on the
# fast one. The limit is about time (a run nobody meant to wait for), and stays a fixed number of
# operations per engine so that a scenario is refused or accepted alike on every machine.
HARD_LIMIT_OPS = 1e10  # on the SimPy engine
HARD_LIMIT_CPU_S = HARD_LIMIT_OPS / ENGINE_OPS_PER_CPU_S  # ~18.5 h, the same on every engine
CRITICAL_UTILISATION = 0.98  # arrivals at this share of what the plant can take: queue warning
MIN_UNITS = 10  # a window in which the plant makes fewer units at its ceiling: warning
REFERENCE_REPLICATIONS = 10  # the default; used to say which key drives a refused budget


@dataclass(frozen=True)
class PreflightError:
    loc: tuple  # key path in the scenario, e.g. ("run", "horizon") or ("stations", 0, "cycle_time")
    message: str


@dataclass(frozen=True)
class Budget:
    operations: float  # station operations (and arrivals) over all replications
    per_replication: float
    scheduled_s_per_replication: float  # warm-up + window, output calendar
    cpu_s: float  # at the speed of the engine that will run (OPS_PER_CPU_S[engine])
    wall_s: float  # replications in rounds of `jobs` workers
    jobs: int
    engine: str = "simpy"  # the engine that will run ("simpy" | "fast")

    @property
    def limit_ops(self) -> float:
        """Operations above which the run is refused without --force (this engine's)."""
        return hard_limit_ops(self.engine)

    def describe(self) -> str:
        workers = "1 worker" if self.jobs == 1 else f"{self.jobs} workers"
        return (f"about {_count(self.operations)} station operations, about "
                f"{_duration(self.wall_s)} on {workers}")


@dataclass(frozen=True)
class Preflight:
    warnings: tuple[str, ...] = ()
    errors: tuple[PreflightError, ...] = ()
    budget: Optional[Budget] = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check(scenario: Scenario, *, jobs: int = 1, force: bool = False) -> Preflight:
    """Every pre-flight check of one scenario run on ``jobs`` workers. ``force`` turns a
    refused event budget into a warning (nothing else: the other errors cannot give a result
    or would exhaust memory)."""
    warnings: list[str] = []
    errors: list[PreflightError] = engine_errors(scenario)
    window = window_error(scenario)
    if window is not None:
        errors.append(window)
    try:
        flow = best_flow(scenario)
    except ValueError as exc:  # only degenerate numbers make the programme fail
        errors.append(PreflightError((), (
            f"the capacity arithmetic finds {exc}, so neither the ceiling nor the run's work "
            "can be estimated: look for a cycle, interarrival or transfer time near zero")))
        return Preflight(tuple(warnings), tuple(errors), None)
    try:
        w, e = flood_check(scenario)
    except ValueError as exc:
        w, e = [], [PreflightError((), f"the capacity arithmetic finds {exc} for the arrival "
                                       "streams: look for an interarrival time near zero")]
    warnings += w
    errors += e
    budget = estimate_budget(scenario, jobs=jobs, flow=flow)
    if flow.output_per_s <= 0 or sum(flow.station_starts_per_s()) <= 0:
        warnings.append("the capacity arithmetic finds no flow through the plant, so the run's "
                        "work cannot be estimated: it may take much longer than expected")
    elif window is None:
        short = _too_short(scenario, flow)
        if short:
            warnings.append(short)
    if budget.operations > budget.limit_ops:
        loc, why = budget_driver(scenario, budget, flow)
        text = (f"{budget.describe()} ({_duration(budget.cpu_s)} of CPU time): above the "
                f"{_count(budget.limit_ops)} that linesim runs without --force on the "
                f"{budget.engine} engine (about {_duration(HARD_LIMIT_CPU_S)} of CPU time); "
                f"{why}")
        if force:
            warnings.append(f"{text} (running anyway: --force)")
        else:
            errors.append(PreflightError(loc, text + "; or add --force to run it anyway"))
    elif budget.wall_s > SOFT_WALL_S:
        warnings.append(budget.describe())
    return Preflight(tuple(warnings), tuple(errors), budget)


# -- engine ---------------------------------------------------------------------------------------
def hard_limit_ops(engine: str) -> float:
    """The refusal limit in operations on ``engine``: HARD_LIMIT_CPU_S at its measured speed."""
    return HARD_LIMIT_CPU_S * OPS_PER_CPU_S[engine]


def budget_engine(scenario: Scenario) -> str:
    """The engine whose speed the budget assumes: the one that will run (``engines.choose``);
    SimPy when ``run.engine: fast`` cannot run (that is refused by ``engine_errors``)."""
    try:
        return engines.choose(scenario)
    except engines.EngineUnsupported:
        return "simpy"


def engine_errors(scenario: Scenario) -> list[PreflightError]:
    """``run.engine: fast`` on a scenario the fast engine cannot run: one error per reason."""
    if scenario.run.engine != "fast":
        return []
    return [PreflightError(("run", "engine"), engine_message(reason))
            for reason in engines.fast_problems(scenario)]


def engine_message(reason: str) -> str:
    return (f"fast, but the fast engine cannot run this scenario: {reason}; set run.engine to "
            "auto (the fast engine where it can run, SimPy otherwise) or simpy")


# -- observation window --------------------------------------------------------------------------
def window_error(scenario: Scenario) -> Optional[PreflightError]:
    """An error if the observation window holds no scheduled time on the output calendar."""
    spec = scenario.output_calendar()
    cal = build_calendar(spec)
    warmup, horizon = scenario.run.warmup, scenario.run.horizon
    start, end = observation_window(cal, warmup, horizon)
    if cal.sched(end) - cal.sched(start) > 0 or end - start < horizon / 2:
        return None  # (or times beyond float precision: the event budget refuses those)
    next_on = cal.resume_at(start)
    need = next_on - start
    after = (f"after a run.warmup of {_hours(warmup)} of scheduled time" if warmup > 0
             else "with no run.warmup")
    fix = f"a run.horizon longer than {_hours(need)} (to reach the next shift, {clock(next_on)})"
    if warmup > 0:
        fix += (f", or a run.warmup shorter than {_hours(warmup)} so that it ends inside a "
                "shift")
    return PreflightError(("run", "horizon"), (
        f"the observation window {after}, from {clock(start)} to {clock(end)}, holds no "
        f"scheduled time on the output calendar ({describe(spec)}), so there is no throughput "
        f"to measure; give {fix} (a horizon of 1 year gives the exact annual figure)"))


def _too_short(scenario: Scenario, flow: BestFlow) -> Optional[str]:
    """A warning if the window is too short for the plant to make even a few units."""
    cal = build_calendar(scenario.output_calendar())
    start, end = observation_window(cal, scenario.run.warmup, scenario.run.horizon)
    scheduled = cal.sched(end) - cal.sched(start)
    units = flow.output_per_s * scheduled
    if units >= MIN_UNITS:
        return None
    return (f"the observation window holds {_hours(scheduled)} of scheduled time, in which the "
            f"plant makes at most {units:.3g} {scenario.unit}(s): too few for a meaningful "
            "estimate (run.horizon; a horizon of 1 year gives the exact annual figure)")


# -- event budget --------------------------------------------------------------------------------
def estimate_budget(scenario: Scenario, *, jobs: int = 1, flow: Optional[BestFlow] = None,
                    engine: Optional[str] = None) -> Budget:
    """The run's work in station operations, and its CPU and wall time on ``engine`` (default:
    the engine that will run it, ``budget_engine``; see the module)."""
    flow = flow if flow is not None else best_flow(scenario)
    engine = engine or budget_engine(scenario)
    speed = OPS_PER_CPU_S[engine]
    cal = build_calendar(scenario.output_calendar())
    start, end = observation_window(cal, scenario.run.warmup, scenario.run.horizon)
    scheduled = scenario.run.warmup + max(0.0, cal.sched(end) - cal.sched(start))
    per_s = sum(flow.station_starts_per_s()) + sum(_arrivals_per_s(scenario, flow).values())
    per_rep = per_s * scheduled
    reps = scenario.run.replications
    workers = max(1, min(jobs, reps))
    return Budget(
        operations=per_rep * reps,
        per_replication=per_rep,
        scheduled_s_per_replication=scheduled,
        cpu_s=per_rep * reps / speed,
        wall_s=math.ceil(reps / workers) * per_rep / speed,
        jobs=workers,
        engine=engine,
    )


def _arrivals_per_s(scenario: Scenario, flow: BestFlow) -> dict[int, float]:
    """Arrivals per scheduled second (output calendar) at each arrival source: every arrival
    when they are turned away (``lose``), else no more than the source starts."""
    scale = calendar_scales(scenario)
    out = {}
    starts = flow.station_starts_per_s()
    for i, st in enumerate(scenario.stations):
        if st.arrivals is not None:
            rate = scale[i] / st.arrivals.interarrival.mean_s()
            lossy = st.arrivals.when_full == "lose" and st.arrivals.queue != UNLIMITED
            out[i] = rate if lossy else min(rate, starts[i])
    return out


def budget_driver(scenario: Scenario, budget: Budget, flow: BestFlow) -> tuple[tuple, str]:
    """The key that drives the budget, and what to change there.

    The work is (scheduled time per replication) × (replications) × (operations per scheduled
    second). Each factor is compared with a sensible run (one scheduled year, 10 replications,
    and a flow at which such a run stays within the limit); the one furthest above it is
    named."""
    per_year = build_calendar(scenario.output_calendar()).scheduled_s_per_period
    reps = scenario.run.replications
    per_s = budget.per_replication / budget.scheduled_s_per_replication
    ratios = {
        "time": budget.scheduled_s_per_replication / per_year,
        "replications": reps / REFERENCE_REPLICATIONS,
        "flow": per_s / (budget.limit_ops / (REFERENCE_REPLICATIONS * per_year)),
    }
    driver = max(ratios, key=lambda k: ratios[k])
    year_ops = per_s * per_year * reps
    if driver == "time":
        warmup = scenario.run.warmup
        key = "warmup" if warmup > budget.scheduled_s_per_replication - warmup else "horizon"
        advice = ("a warm-up of hours to days lets the plant fill" if key == "warmup" else
                  "a horizon of 1 year gives the exact annual figure")
        return ("run", key), (
            f"run.{key} drives it ({_hours(budget.scheduled_s_per_replication)} of scheduled "
            f"time per replication): {advice}; one scheduled year per replication is about "
            f"{_count(year_ops)} operations in all")
    if driver == "replications":
        return ("run", "replications"), (
            f"run.replications drives it ({reps} replications of about "
            f"{_count(budget.per_replication)} operations each): 10 to 30 replications give a "
            "tight interval")
    arrivals = _arrivals_per_s(scenario, flow)
    top = max(arrivals, key=lambda i: arrivals[i], default=None)
    if top is not None and arrivals[top] > sum(flow.station_starts_per_s()):
        st = scenario.stations[top]
        return ("stations", top, "arrivals", "interarrival"), (
            f"the arrivals at {st.name!r} drive it (one every "
            f"{st.arrivals.interarrival.mean_s():g} s): check the interarrival and its unit")
    i = flow.limit_loc[1]
    st = scenario.stations[i]
    what = {"cycle_time": f"its cycle time ({st.mean_cycle_s(scenario.products):g} s)",
            "conveyor": "its conveyor", "arrivals": "its arrivals"}[flow.limit_loc[2]]
    return tuple(flow.limit_loc), (
        f"the plant's flow drives it ({per_s * HOUR:,.0f} station operations per scheduled "
        f"hour; its limit is {flow.limit}, {what}): check the value and its unit (s, min, h)")


# -- flooding sources ----------------------------------------------------------------------------
def flood_check(scenario: Scenario) -> tuple[list[str], list[PreflightError]]:
    """Warnings and errors for arrival streams faster than the plant can take them.

    First all streams together (``capacity.arrival_limits``): if the plant carries them all with
    room to spare, nothing is said; near its limit, a warning. Beyond it, a source is named
    when it cannot be carried even with the other streams at most at their rates, or when it
    cannot be carried beside the others in full (conservative where streams merge: which of
    them queues depends on the order a station takes its inputs in, so each one that could is
    named); if none is singled out so, every stream is named with its share of the common
    limit."""
    sources = [i for i, st in enumerate(scenario.stations) if st.arrivals is not None]
    if not sources:
        return [], []
    lim = arrival_limits(scenario)
    scale = calendar_scales(scenario)
    warnings: list[str] = []
    errors: list[PreflightError] = []
    per_h = {i: HOUR / scale[i] for i in sources}  # output-scheduled seconds -> own hours
    names = [scenario.stations[i].name for i in sources]
    if lim.scale * CRITICAL_UTILISATION >= 1:
        return warnings, errors
    if lim.scale >= 1 - 1e-9:
        unlimited = [scenario.stations[i].name for i in sources
                     if scenario.stations[i].arrivals.queue == UNLIMITED]
        if unlimited:
            warnings.append(
                f"the arrivals at {_names(names)} use {1 / lim.scale:.1%} of what the plant can "
                f"take (held there by {lim.scale_limit}): the unlimited arrival queue of "
                f"{_names(unlimited)} will grow long (without bound at 100%), and results "
                "converge slowly")
        return warnings, errors
    flagged = []
    for i in sources:
        name = scenario.stations[i].name
        rate = lim.rates[name]
        cap, limit = lim.alone[name]
        if cap >= rate * (1 - 1e-9):
            beside = lim.beside[name]
            if beside is None or beside[0] >= rate * (1 - 1e-9):
                continue
            cap, limit = beside[0], f"{beside[1]}, with the other arrivals carried in full"
        flagged.append((i, cap, limit))
    if not flagged:
        flagged = [(i, lim.rates[scenario.stations[i].name] * lim.scale,
                    f"{lim.scale_limit}, shared with the other arrivals") for i in sources]
    for i, cap, limit in flagged:
        st = scenario.stations[i]
        arr = st.arrivals
        mean = arr.interarrival.mean_s()
        rate_h, cap_h = HOUR / mean, cap * per_h[i]
        said = f"arrivals at {st.name!r} (one every {mean:g} s, {_rate(rate_h)}/h)"
        most = (f"the most the plant can take from this source is {_rate(cap_h)}/h (held there "
                f"by {limit})")
        if arr.queue == UNLIMITED:
            need = f"{HOUR / cap_h:.4g} s" if cap_h > 0 else "what the plant can take"
            errors.append(PreflightError(("stations", i, "arrivals", "interarrival"), (
                f"{said} come faster than the plant can take them: {most}, so the unlimited "
                "arrival queue would grow without bound until memory runs out; give an "
                f"interarrival well above {need} (at {need} the queue still grows without "
                f"bound, only slowly), or a finite stations[{i}].arrivals.queue with "
                "when_full: block (arrivals wait) or lose (arrivals are turned away)")))
        elif arr.when_full == "lose":
            share = 1 - cap_h / rate_h
            lost = "nearly all" if share > 0.995 else f"about {share:.0%} of"
            warnings.append(f"{said}: {most}; {lost} arrivals will be turned away (counted as "
                            "lost)")
        else:
            warnings.append(f"{said}: {most}; arrivals will be blocked (the queue of "
                            f"{arr.queue} stays full and the source delivers at most "
                            f"{_rate(cap_h)}/h)")
    return warnings, errors


def _names(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


# -- words ---------------------------------------------------------------------------------------
def _count(n: float) -> str:
    if not math.isfinite(n):
        return "unboundedly many"
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if n >= size:
            v = n / size
            if v >= 1000:
                return f"{n:.1e}"
            return f"{v:.0f} {word}" if v >= 10 else f"{v:.1f} {word}"
    return f"{n:,.0f}"


def _duration(s: float) -> str:
    if not math.isfinite(s):
        return "forever"
    for size, word, limit in ((1.0, "s", 90), (60.0, "min", 90 * 60), (HOUR, "h", 48 * HOUR),
                              (24 * HOUR, "days", 2 * YEAR)):
        if s < limit:
            return f"{max(1, round(s / size))} {word}"
    years = s / YEAR
    return f"{years:,.0f} years" if years < 1e6 else f"{years:.1e} years"


def _hours(s: float) -> str:
    if s < 60:
        return f"{s:.3g} s"
    h = s / HOUR
    return f"{h:g} h" if h < 1e4 else f"{h:,.0f} h" if h < 1e9 else f"{h:.3g} h"


def _rate(per_h: float) -> str:
    if not math.isfinite(per_h):
        return "unlimited"
    return f"{per_h:,.0f}" if per_h >= 100 else f"{per_h:.3g}"
