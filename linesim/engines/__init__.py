"""The engines: which one simulates a replication, and the one entry that runs it.

Stage: Scenario ─► **engines** (``simpy/``: the SimPy model, the reference; ``fast/``: the
compiled engine) ─► Window ─► simulate (RunResult).

``run.engine`` (or ``--engine``) asks for an engine:

* ``auto`` (the default): the fast engine where it supports every feature the scenario uses and
  numba imports, SimPy otherwise (and always SimPy when a trace is asked for: the fast engine
  records none);
* ``simpy``: the SimPy engine, the reference every figure can be reproduced with;
* ``fast``: the fast engine; a scenario using a feature it does not support is refused
  (``EngineUnsupported``; the CLI's pre-flight refuses it before simulating, exit 2).

``choice(scenario)`` says which engine runs and why (``Choice.note``: "compiled", or why SimPy
runs), for the run record and the report. ``choose_for_all`` picks one engine for the points of a
sweep (common random numbers: every point on the same engine). ``pinned(scenario, engine)`` is
the scenario that runs on exactly that engine (what the parent hands to worker processes, so the
engine recorded is the engine that ran). Nothing here imports SimPy or numba when linesim is
imported: the engines are loaded when a replication runs or a choice is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from ..scenario import Scenario
from .window import BufferInfo, Window, observation

__all__ = ["BufferInfo", "Choice", "EngineUnsupported", "Window", "choice", "choose",
           "choose_for_all", "fast_problems", "observation", "pinned", "prepare", "run_window"]

ENGINES = ("simpy", "fast")  # what can run; run.engine may also say "auto"


class EngineUnsupported(ValueError):
    """``run.engine: fast`` on a scenario the fast engine cannot run; ``reasons`` name the
    features (or that numba cannot be imported)."""

    def __init__(self, reasons: Iterable[str]):
        self.reasons = list(reasons)
        super().__init__("run.engine is fast, but the fast engine cannot run this scenario: "
                         + "; ".join(self.reasons)
                         + " (set run.engine to auto or simpy to run it on SimPy)")


@dataclass(frozen=True)
class Choice:
    engine: str  # "simpy" | "fast"
    note: str  # "compiled", or why SimPy runs

    def describe(self) -> str:
        """'fast (compiled)' / 'simpy (fast engine not used: ...)': the run record's line."""
        return f"{self.engine} ({self.note})"


def fast_problems(scenario: Scenario) -> list[str]:
    """Why the fast engine cannot run ``scenario``: each feature it does not support, or that
    numba cannot be imported; empty when it can."""
    try:
        from . import fast
    except ImportError as exc:
        return [f"the fast engine cannot be loaded ({exc})"]
    reasons = list(fast.unsupported(scenario))
    if reasons:
        return reasons
    problem = fast.numba_problem() or fast.broken()
    return [problem] if problem else []


def choice(scenario: Scenario, *, trace: bool = False) -> Choice:
    """The engine that runs ``scenario`` (its ``run.engine``) and why. Raises EngineUnsupported
    for ``fast`` on a scenario the fast engine cannot run."""
    asked = scenario.run.engine
    if asked == "simpy":
        return Choice("simpy", "run.engine: simpy")
    if trace:
        return Choice("simpy", "fast engine not used: a trace was asked for, and the fast "
                               "engine records none")
    reasons = fast_problems(scenario)
    if not reasons:
        return Choice("fast", "compiled")
    if asked == "fast":
        raise EngineUnsupported(reasons)
    return Choice("simpy", "fast engine not used: " + "; ".join(reasons))


def choose(scenario: Scenario, *, trace: bool = False) -> str:
    """"simpy" or "fast": the engine that runs ``scenario`` (see ``choice``)."""
    return choice(scenario, trace=trace).engine


def choose_for_all(scenarios: Iterable[tuple[str, Scenario]]) -> Choice:
    """One engine for several scenarios (the points of a sweep, as (label, scenario)): the fast
    engine if every one of them would run on it, SimPy otherwise — so that every point draws
    its random numbers on the same engine (common random numbers). Raises EngineUnsupported
    when one asks for ``fast`` and cannot have it."""
    first_fast: Optional[Choice] = None
    for label, scenario in scenarios:
        try:
            c = choice(scenario)
        except EngineUnsupported as exc:
            raise EngineUnsupported(f"{label}: {why}" for why in exc.reasons) from None
        if c.engine == "simpy":
            if scenario.run.engine == "simpy":
                return c
            return Choice("simpy", c.note.replace("fast engine not used: ",
                                                  f"fast engine not used: {label}: ", 1))
        first_fast = first_fast or c
    return first_fast or Choice("simpy", "no scenario")


def pinned(scenario: Scenario, engine: str) -> Scenario:
    """``scenario`` with ``run.engine`` set to ``engine`` ("simpy" or "fast"), without
    re-validating: what the parent gives the workers so that they run the engine it recorded
    (a worker that cannot run it fails instead of running another)."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: expected one of {ENGINES}")
    if scenario.run.engine == engine:
        return scenario
    return scenario.model_copy(update={"run": scenario.run.model_copy(update={"engine": engine})})


def prepare(engine: str) -> bool:
    """Make ``engine`` ready to run in this process: for "fast", compile its functions (the first
    run on a machine, ~30 s; cached on disk afterwards) or load them (well under a second).
    Called in the parent before worker processes are forked, so that they inherit the compiled
    code and none compiles again. True if work was done now (False: SimPy, or already ready)."""
    if engine != "fast":
        return False
    from . import fast

    try:
        return fast.prepare()
    except fast.Unavailable as exc:  # from now on ``choice`` says so and picks SimPy
        raise EngineUnsupported([str(exc)]) from None


def run_window(scenario: Scenario, replication: int, *, trace: bool = False,
               on_period: Optional[Callable[[float], None]] = None) -> Window:
    """Replication ``replication`` of ``scenario`` on the engine ``choose`` picks.

    ``on_period(t)``, if given, is called at every period boundary (``series.boundaries``: the
    calendar seconds the run has reached, increasing, the last one the window's end), e.g. for
    a progress display. If the fast engine overflows and SimPy reruns the replication, the hook
    sees the boundaries again from the start."""
    hook = {} if on_period is None else {"on_period": on_period}  # only when given: wrappers
    #                                       of the older signature (test spies) keep working
    if choose(scenario, trace=trace) == "fast":
        from . import fast

        try:
            return fast.run_window(scenario, replication, **hook)
        except fast.Overflow:
            pass  # the SimPy engine (same streams, same answer) runs it; see fast.Overflow
    from .simpy.run import run_window as simpy_window

    return simpy_window(scenario, replication, trace=trace, **hook)
