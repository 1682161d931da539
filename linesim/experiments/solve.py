"""``linesim solve``: the value of one monotone parameter at which P(annual ≥ target) reaches the
target confidence — stochastic bisection under common random numbers.

Stage: core, analyze ─► **solve** (no files, no printing; the caller gives ``evaluate``).

How it searches:

* every evaluation runs replications 0..n−1 of the scenario with the key at one value (common
  random numbers: the evaluations differ by the key, not by the noise);
* the direction is found from the two ends: the key *helps* when P meets the confidence at the
  high end only (servers, shifts, buffer places), it *hurts* when only at the low end (a cycle
  time); met at both or at neither end is an error that says which and what to change;
* the capacity arithmetic's answer (the value at which the ceiling per year reaches the target,
  an optimistic bound) is tried first when it lies inside the bracket, then plain bisection:
  integer keys (servers, buffer places, shifts per day) exactly down to two neighbouring
  integers, continuous keys (cycle times: ``stations.X.cycle_time`` — a distribution is scaled
  to the mean asked, its shape kept — or ``stations.X.cycle_time.mean``) until the bracket is
  within ``tol``;
* the key must be monotone: when two evaluations' mean annual outputs go against the direction
  by more than 4 standard errors of their paired difference (or at all, on a deterministic line)
  the search stops with an error.

P is the t predictive probability that one year's output reaches the target (the figure of a
run's verdict, ``estimate.prob_at_least``); its standard error is by the delta method over the
mean and standard deviation of the replications: se(P) = f(z)·√(1/(n·c²) + z²/(2(n−1))), with z
the standardised distance to the target, c = √(1 + 1/n) and f the t density (n−1 degrees of
freedom) — 0 when the replications have no spread. The share of replications that reached the
target is given beside it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

import numpy as np
from scipy.stats import t as student_t

from ..capacity import capacity_check
from ..estimate import prob_at_least, t_interval
from ..scenario import Scenario
from ..simulate import RunResult
from .points import PointError, point_scenario
from .spec import KeyProblem, lookup

Evaluate = Callable[[list[Scenario]], list[list[RunResult]]]

P_METHOD = ("t predictive P(one year's output >= target) as in a run's verdict; standard error "
            "by the delta method over the replications' mean and standard deviation")
K_MONOTONE = 4.0  # standard errors of a paired difference that count as a reversal
INTEGER_KEYS = ("servers", "buffer_after", "shifts_per_day", "capacity", "queue",
                "working_days_per_year", "days_per_week", "holidays_per_year")


class SolveError(ValueError):
    """The question cannot be answered as asked: the message says why and what to change."""


@dataclass
class Evaluation:
    value: float
    n: int
    p: float  # t predictive P(annual >= target)
    p_se: float
    reps_reaching: int
    annual_mean: float
    annual_ci_low: Optional[float]
    annual_ci_high: Optional[float]
    meets: bool
    annual: list[float] = field(default_factory=list, repr=False)

    def row(self) -> dict:
        d = asdict(self)
        d.pop("annual")
        return d


@dataclass
class SolveResult:
    key: str
    integer: bool
    direction: str  # "decreasing": lower values meet (cycle times); "increasing": higher meet
    target: float
    confidence: float
    meets: dict  # the value nearest the answer that meets: value, p, p_se, n, annual_mean
    fails: dict  # the value nearest the answer that fails
    low: float  # the bracket, ordered
    high: float
    width: float
    tol: float
    converged: bool  # width within tol (continuous) / neighbouring integers
    arithmetic: Optional[float]  # the capacity arithmetic's answer, if it lies in the range
    evaluations: list[dict]  # in the order they ran
    replications: int  # spent, over every evaluation
    p_method: str = P_METHOD

    def to_dict(self) -> dict:
        return asdict(self)


def p_standard_error(values, target: float) -> float:
    """Delta-method standard error of ``estimate.prob_at_least(values, target)``."""
    x = np.asarray(values, dtype=float)
    n = x.size
    if n < 2:
        return 0.0
    s = float(x.std(ddof=1))
    if s == 0.0:
        return 0.0
    c = math.sqrt(1.0 + 1.0 / n)
    z = (target - float(x.mean())) / (s * c)
    f = float(student_t.pdf(z, n - 1))
    return f * math.sqrt(1.0 / (n * c * c) + z * z / (2.0 * (n - 1)))


# -- the key ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Key:
    key: str
    base_value: float
    scale: bool  # a distribution (not constant): set by scaling it to the mean asked
    integer: bool


def _key(base: Scenario, key: str, integer: Optional[bool]) -> _Key:
    try:
        v, _ = lookup(base.resolved(), key)
    except KeyProblem as exc:
        raise SolveError(f"--target-key {key}: not a key of the scenario ({exc.args[0]}); give "
                         "a dotted path as --set takes it, stations by name "
                         "(stations.NAME.cycle_time, stations.NAME.servers, "
                         "calendar.shifts_per_day)") from None
    scale = False
    if isinstance(v, dict) and "by_product" in v:
        raise SolveError(f"--target-key {key}: cycle times by product; give one product's key "
                         f"({key}.by_product.NAME)")
    if isinstance(v, dict) and v.get("dist") == "constant":
        v = v["value"]
    elif isinstance(v, dict) and isinstance(v.get("mean"), (int, float)):
        v, scale = v["mean"], True
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise SolveError(f"--target-key {key}: its value {v!r} is not a number; solve needs a "
                         "number that moves the output one way (a cycle time, servers, a buffer "
                         "size, shifts per day)")
    if integer is None:
        integer = isinstance(v, int) or key.split(".")[-1] in INTEGER_KEYS
    return _Key(key, float(v), scale, integer)


def _scenario_at(base: Scenario, k: _Key, value: float) -> Scenario:
    if k.integer:
        override = (k.key, int(value), False)
    elif k.scale:
        override = (k.key, value / k.base_value, True)
    else:
        override = (k.key, float(value), False)
    try:
        return point_scenario(base, [override])
    except PointError as exc:
        raise SolveError(f"--target-key {k.key} = {value:g}: {exc.message}; narrow the range "
                         "(--lo/--hi)") from None


def default_bounds(base: Scenario, key: str) -> tuple[float, float]:
    """A search range when none is given: half to twice the base value for a continuous key;
    for integers 1..3 shifts, 1 to twice (at least +3) servers, 0 to max(10, 4×) buffer places."""
    k = _key(base, key, None)
    v = k.base_value
    last = key.split(".")[-1]
    if not k.integer:
        return (0.5 * v, 2.0 * v)
    if last == "shifts_per_day":
        return (1, 3)
    if last == "buffer_after":
        return (0, max(10, int(4 * v)))
    return (1, max(int(2 * v), int(v) + 3))


# -- the search ------------------------------------------------------------------------------------
def _arithmetic(base: Scenario, k: _Key, lo: float, hi: float, target: float,
                tol: float) -> Optional[float]:
    """The value in [lo, hi] where the capacity arithmetic's ceiling per year reaches the target
    (for an integer key: the first integer past it), or None if it does not cross there."""
    def ceiling(v: float) -> float:
        try:
            return capacity_check(_scenario_at(base, k, v)).ceiling_per_year
        except (SolveError, ValueError):
            return math.nan

    c_lo, c_hi = ceiling(lo), ceiling(hi)
    if not (math.isfinite(c_lo) and math.isfinite(c_hi)) or (c_lo >= target) == (c_hi >= target):
        return None
    good, bad = (lo, hi) if c_lo >= target else (hi, lo)
    for _ in range(60):
        if (abs(good - bad) <= 1) if k.integer else (abs(good - bad) <= tol / 8):
            break
        mid = (good + bad) / 2
        if k.integer:
            mid = math.floor(mid) if good < bad else math.ceil(mid)
            if mid in (good, bad):
                break
        c = ceiling(mid)
        if not math.isfinite(c):
            return None
        good, bad = (mid, bad) if c >= target else (good, mid)
    return good


def _check_monotone(evals: list[Evaluation], increasing: bool, key: str) -> None:
    ordered = sorted(evals, key=lambda e: e.value)
    for a, b in zip(ordered, ordered[1:]):
        m = min(len(a.annual), len(b.annual))
        d = np.asarray(b.annual[:m]) - np.asarray(a.annual[:m])  # higher value minus lower
        gain = float(d.mean()) if increasing else -float(d.mean())
        if gain >= 0:
            continue
        se = float(d.std(ddof=1)) / math.sqrt(m) if m > 1 else 0.0
        reversed_ = (-gain > 1e-9 * max(1.0, abs(a.annual_mean))) if se == 0 else (
            -gain > K_MONOTONE * se)
        if reversed_:
            raise SolveError(
                f"--target-key {key} is not monotone here: the mean annual output is "
                f"{a.annual_mean:,.0f} at {a.value:g} and {b.annual_mean:,.0f} at {b.value:g}, "
                f"against the direction found from the ends; solve needs a key that moves the "
                "output one way (narrow the range with --lo/--hi, or use a sweep to see the "
                "response)")


def arguments(base: Scenario, key: str, *, lo: Optional[float] = None,
              hi: Optional[float] = None, integer: Optional[bool] = None,
              confidence: Optional[float] = None, target: Optional[float] = None,
              tol: Optional[float] = None, max_evals: int = 30):
    """``solve``'s arguments checked and completed from the scenario, before anything runs:
    (target, confidence, key, lo, hi, tol, max_evals); SolveError with a message for the user
    (``linesim solve`` calls it before it opens its folder, so a refusal leaves nothing)."""
    if target is None:
        if base.target is None:
            raise SolveError("solve needs a target: give the scenario a target: {annual_output: "
                             "N, confidence: 0.9} (or --set target.annual_output=N)")
        target = base.target.annual_output
    if confidence is None:
        confidence = base.target.confidence if base.target is not None else 0.9
    if not 0 < confidence < 1:
        raise SolveError(f"confidence {confidence:g}: expected a probability between 0 and 1")
    k = _key(base, key, integer)
    if lo is None or hi is None:
        d_lo, d_hi = default_bounds(base, key)
        lo = d_lo if lo is None else lo
        hi = d_hi if hi is None else hi
    if k.integer:
        if lo != int(lo) or hi != int(hi):
            raise SolveError(f"--target-key {key} takes whole numbers: give --lo and --hi as "
                             f"integers (got {lo:g} and {hi:g})")
        lo, hi = int(lo), int(hi)
    if not lo < hi:
        raise SolveError(f"the range of {key} is empty: --lo ({lo:g}) must be below --hi ({hi:g})")
    if tol is None:
        tol = 1.0 if k.integer else (hi - lo) / 1000
    if not tol > 0:
        raise SolveError(f"--tol {tol:g}: expected a width > 0")
    max_evals = max(3, int(max_evals))
    return target, confidence, k, lo, hi, tol, max_evals


def solve(base: Scenario, key: str, evaluate: Evaluate, *, lo: Optional[float] = None,
          hi: Optional[float] = None, integer: Optional[bool] = None,
          confidence: Optional[float] = None, target: Optional[float] = None,
          tol: Optional[float] = None, max_evals: int = 30,
          replications: Optional[int] = None) -> SolveResult:
    """The value of ``key`` at which P(annual ≥ target) reaches ``confidence`` (defaults: the
    scenario's target). ``evaluate(list[Scenario]) -> list[list[RunResult]]`` runs replications
    0..n−1 of each scenario (n = ``replications`` or the scenario's run.replications). ``lo``,
    ``hi``: the range searched (``default_bounds`` when not given; durations in seconds).
    ``tol``: the bracket width at which a continuous search stops (default (hi − lo)/1000).
    Raises SolveError with a message for the user."""
    target, confidence, k, lo, hi, tol, max_evals = arguments(
        base, key, lo=lo, hi=hi, integer=integer, confidence=confidence, target=target, tol=tol,
        max_evals=max_evals)
    if replications is not None:
        base = base.with_run(replications=replications)

    evals: list[Evaluation] = []

    def run(values: list[float]) -> list[Evaluation]:
        scs = [_scenario_at(base, k, v) for v in values]
        got = evaluate(scs)
        out = []
        for v, res in zip(values, got):
            annual = [r.annual_output for r in sorted(res, key=lambda r: r.replication)]
            p = prob_at_least(annual, target)
            a = t_interval(annual)
            e = Evaluation(value=v, n=len(annual), p=p, p_se=p_standard_error(annual, target),
                           reps_reaching=int(sum(x >= target for x in annual)),
                           annual_mean=a["mean"],
                           annual_ci_low=a["ci95"][0] if a["ci95"] else None,
                           annual_ci_high=a["ci95"][1] if a["ci95"] else None,
                           meets=p >= confidence, annual=annual)
            evals.append(e)
            out.append(e)
        return out

    e_lo, e_hi = run([lo, hi])
    ends = (f"P = {e_lo.p:.3f} at {lo:g} and {e_hi.p:.3f} at {hi:g} "
            f"({e_lo.n} replications each)")
    goal = f"P(annual >= {target:,.0f}) >= {confidence:g}"
    if e_lo.meets and e_hi.meets:
        raise SolveError(f"{goal} is met at both ends of {key} ({ends}): the answer lies "
                         "outside the range; widen it (--lo/--hi) on the failing side")
    if not e_lo.meets and not e_hi.meets:
        raise SolveError(f"{goal} is met at neither end of {key} ({ends}): widen the range "
                         "(--lo/--hi), or the target is out of reach by this key alone")
    increasing = e_hi.meets
    _check_monotone(evals, increasing, key)
    meet, fail = (e_hi, e_lo) if increasing else (e_lo, e_hi)

    def done() -> bool:
        return abs(meet.value - fail.value) <= (1 if k.integer else tol)

    def inside(v: float) -> bool:
        a, b = sorted((meet.value, fail.value))
        return a < v < b

    arith = _arithmetic(base, k, lo, hi, target, tol)
    if arith is not None and not done() and inside(arith) and len(evals) < max_evals:
        (e,) = run([arith])
        _check_monotone(evals, increasing, key)
        meet, fail = (e, fail) if e.meets else (meet, e)
    while not done() and len(evals) < max_evals:
        mid = (meet.value + fail.value) / 2
        if k.integer:
            mid = math.floor(mid)
            if not inside(mid):
                mid += 1
        (e,) = run([mid])
        _check_monotone(evals, increasing, key)
        meet, fail = (e, fail) if e.meets else (meet, e)

    def end(e: Evaluation) -> dict:
        return {"value": e.value, "p": e.p, "p_se": e.p_se, "n": e.n,
                "reps_reaching": e.reps_reaching, "annual_mean": e.annual_mean}

    low, high = sorted((meet.value, fail.value))
    return SolveResult(
        key=key, integer=k.integer, direction="increasing" if increasing else "decreasing",
        target=float(target), confidence=float(confidence), meets=end(meet), fails=end(fail),
        low=low, high=high, width=high - low, tol=float(tol), converged=done(),
        arithmetic=arith, evaluations=[e.row() for e in evals],
        replications=sum(e.n for e in evals))
