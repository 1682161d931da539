"""Analysis of a sweep's replications: point rows, paired differences, precision, Morris indices.

Stage: store (RunResults per point) ─► **analyze** ─► points.csv rows, improve ranking, charts.

Pure functions over lists of ``RunResult`` or of floats; no files, no printing, no SimPy.

* ``point_row``: one row of ``points.csv`` — Student-t intervals of the annual output and the
  throughput (``estimate.t_interval``), P(annual ≥ target) from the t predictive distribution
  (``estimate.prob_at_least``, the same figure as a run's verdict), and the **paired** difference
  to the base point over the replications both have (common random numbers: replication r of
  every point draws the same numbers, so the difference of r's outputs is mostly the effect of the
  change, not noise).
* ``more_replications``: the sequential precision rule (``run.precision``) — how many replications
  a point should have next. See its docstring; ``plan_replications`` applies it to every point of
  a sweep at once and keeps the base ahead (the pairs are over the replications both have).
* ``morris_indices``: elementary effects μ*, σ with SALib, on the points' mean annual output.
* ``rank``: the ``improve`` candidates ordered by their paired gain.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

import numpy as np
from scipy.special import stdtrit

from ..estimate import half_width, paired_difference, prob_at_least, t_interval
from .core import POINT_COLUMNS_HEAD, POINT_COLUMNS_TAIL, Factor, Point

if TYPE_CHECKING:
    import pandas as pd

    from ..capacity import CapacityCheck
    from ..scenario import Scenario
    from ..simulate import RunResult

MIN_REPLICATIONS = 2  # no interval (and no judgement of precision) below this
FIRST_BATCH = 2  # replications a point gets before the precision rule is first applied
MIN_BATCH = 2  # at least this many more per batch while the precision is not met
MAX_GROWTH = 2.0  # a batch at most doubles a point's replications (small-n estimates of s are rough)


# -- point rows ----------------------------------------------------------------------------------
def point_columns(factors: Sequence[Factor]) -> list[str]:
    """The columns of points.csv for these factors, in order."""
    return [*POINT_COLUMNS_HEAD, *(f.column for f in factors), *POINT_COLUMNS_TAIL]


def paired(results: Sequence[RunResult], base_results: Sequence[RunResult],
           attr: str = "annual_output") -> dict:
    """Interval of mean(point − base) of ``attr`` over the replications both have (matched by
    replication index, whatever order the lists come in)."""
    mine = {r.replication: getattr(r, attr) for r in results}
    base = {r.replication: getattr(r, attr) for r in base_results}
    both = sorted(mine.keys() & base.keys())
    if not both:
        return {"mean": None, "ci95": None, "std": None, "n": 0}
    return paired_difference([base[k] for k in both], [mine[k] for k in both])


def bottleneck(results: Sequence[RunResult]) -> Optional[str]:
    """The most frequent per-replication bottleneck (ties: the name first in the results)."""
    names = [r.bottleneck for r in results if r.bottleneck is not None]
    if not names:
        return None
    counts = Counter(names)
    top = max(counts.values())
    return next(n for n in names if counts[n] == top)


def _value_at(scenario: Scenario, key: str) -> Any:
    """The value of a factor's key in a point's scenario (for the base point, which has no
    level of its own): a number, a constant's value or a distribution's mean; else None."""
    node: Any = scenario.resolved()
    for part in key.split("."):
        if isinstance(node, list):
            if part.isdigit() and int(part) < len(node):  # as loader.set_dotted reads it
                node = node[int(part)]
            else:
                hit = [x for x in node if isinstance(x, dict) and x.get("name") == part]
                node = hit[-1] if hit else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            node = None
        if node is None:
            return None
    if isinstance(node, dict):
        node = node.get("value", node.get("mean"))
    return node if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def _ci(interval: dict, side: int) -> Optional[float]:
    ci = interval.get("ci95")
    return None if ci is None else float(ci[side])


def point_row(point: Point, factors: Sequence[Factor], scenario: Scenario,
              results: Sequence[RunResult], base_results: Sequence[RunResult],
              capacity: CapacityCheck) -> dict:
    """One row of points.csv (``point_columns(factors)``), from the point's replications, the
    base point's (for the paired differences; the base point's own deltas are 0) and the
    capacity arithmetic of the point's scenario. Intervals that need 2 replications are None; a
    point with no replication yet (an interrupted sweep) has its factors and nothing else."""
    row: dict[str, Any] = {"point": point.index, "label": point.label}
    for f in factors:
        row[f.column] = point.value(f.name, 1.0 if f.relative else _value_at(scenario, f.keys[0]))
    if not results:
        return {**{c: None for c in point_columns(factors)}, **row, "replications": 0}
    results = sorted(results, key=lambda r: r.replication)
    annual = t_interval([r.annual_output for r in results])
    thr = t_interval([r.throughput_per_h for r in results])
    d_annual = paired(results, base_results, "annual_output")
    d_thr = paired(results, base_results, "throughput_per_h")
    target = scenario.target
    row.update({
        "replications": len(results),
        "annual_mean": annual["mean"], "annual_ci_low": _ci(annual, 0),
        "annual_ci_high": _ci(annual, 1), "annual_sd": annual["std"],
        "throughput_mean": thr["mean"], "throughput_ci_low": _ci(thr, 0),
        "throughput_ci_high": _ci(thr, 1),
        "p_target": (prob_at_least([r.annual_output for r in results], target.annual_output)
                     if target else None),
        "reps_reaching": (int(sum(r.annual_output >= target.annual_output for r in results))
                          if target else None),
        "delta_annual_mean": d_annual["mean"], "delta_annual_ci_low": _ci(d_annual, 0),
        "delta_annual_ci_high": _ci(d_annual, 1),
        "delta_throughput_mean": d_thr["mean"], "delta_throughput_ci_low": _ci(d_thr, 0),
        "delta_throughput_ci_high": _ci(d_thr, 1),
        "ceiling_per_year": capacity.ceiling_per_year,
        "bottleneck": bottleneck(results),
    })
    return {c: row.get(c) for c in point_columns(factors)}


# -- precision -----------------------------------------------------------------------------------
def _needed(values: np.ndarray, allowed: float) -> float:
    """Replications at which the 95% half-width t·s/√n would be within ``allowed``, with the
    current s and t (an estimate: s itself moves as replications come in)."""
    n = values.size
    s = float(values.std(ddof=1))
    if s == 0.0:
        return float(n)
    if allowed <= 0.0:
        return math.inf
    t = float(stdtrit(n - 1, 0.975))
    return (t * s / allowed) ** 2


def precision_met(values: Sequence[float], base_values: Optional[Sequence[float]],
                  precision: float) -> bool:
    """Is the half-width of the point's 95% interval within ``precision`` × |its mean|, and (for
    a point with a base) that of its paired difference within ``precision`` × |the base mean|?
    Pairs are the first min(n, n_base) replications of each (both lists by replication index)."""
    x = np.asarray(values, dtype=float)
    if x.size < MIN_REPLICATIONS:
        return False
    if half_width(t_interval(x)) > precision * abs(float(x.mean())):
        return False
    if base_values is not None:
        m = min(x.size, len(base_values))
        if m < MIN_REPLICATIONS:
            return False
        b = np.asarray(base_values[:m], dtype=float)
        d = x[:m] - b
        if half_width(t_interval(d)) > precision * abs(float(b.mean())):
            return False
    return True


def more_replications(values: Sequence[float], base_values: Optional[Sequence[float]],
                      precision: Optional[float], max_reps: int, *,
                      first: int = FIRST_BATCH, min_batch: int = MIN_BATCH) -> int:
    """How many replications a point should have next (its values: annual outputs by
    replication index 0..n−1). Equal to ``len(values)``: stop, the point is done.

    The rule (sequential, in batches, decided from results alone so that it is the same whatever
    the executor): no precision → ``max_reps``. Fewer than ``first`` (≥ 2) → ``first``. Otherwise,
    when the precision is met (``precision_met``: the point's interval, and for non-base points
    the paired difference to the base) → stop. Else estimate the n that would meet it from the
    current standard deviations (n = (t·s / allowed half-width)²), and go there, but by at least
    ``min_batch`` and at most doubling (small-n estimates of s are rough), never above
    ``max_reps``. A deterministic line (s = 0) stops at 2.
    """
    n = len(values)
    if precision is None:
        return max(n, max_reps)
    first = max(MIN_REPLICATIONS, first)
    if n < first:
        return min(max_reps, first) if n < max_reps else n
    if n >= max_reps or precision_met(values, base_values, precision):
        return n
    x = np.asarray(values, dtype=float)
    want = _needed(x, precision * abs(float(x.mean())))
    if base_values is not None and len(base_values) >= MIN_REPLICATIONS:
        m = min(n, len(base_values))
        b = np.asarray(base_values[:m], dtype=float)
        want = max(want, _needed(x[:m] - b, precision * abs(float(b.mean()))))
    step = min(max(want, n + min_batch), MAX_GROWTH * n) if math.isfinite(want) else MAX_GROWTH * n
    return int(min(max_reps, max(n + min_batch, math.ceil(step))))


def plan_replications(values: Mapping[int, Sequence[float]], precision: Optional[float],
                      max_reps: int, base: int = 0, **kw) -> dict[int, int]:
    """``more_replications`` for every point of a sweep (point index → annual outputs by
    replication index): the replications each should have next. The base point is kept at
    least as far as every other point (a paired difference only uses the replications both
    have). The sweep is done when every count equals the number of values it already has."""
    base_values = values[base]
    plan = {p: more_replications(v, None if p == base else base_values, precision, max_reps, **kw)
            for p, v in values.items()}
    plan[base] = max(plan.values())
    return plan


# -- Morris screening ----------------------------------------------------------------------------
def morris_indices(problem: dict, sample: np.ndarray, outputs: Sequence[float], *,
                   num_levels: int = 4, seed: int = 0, num_resamples: int = 1000) -> pd.DataFrame:
    """Elementary effects (μ*, its bootstrap 95% half-width, μ, σ) per factor with
    ``SALib.analyze.morris.analyze``: ``problem`` and ``sample`` as the design sampled them (the
    sample matrix in SALib's order, with ``num_levels`` as sampled), ``outputs`` the points' mean
    annual output in the same order. The bootstrap is seeded: same inputs, same table."""
    import pandas as pd
    from SALib.analyze import morris

    res = morris.analyze(problem, np.asarray(sample, dtype=float),
                         np.asarray(outputs, dtype=float), num_levels=num_levels,
                         num_resamples=num_resamples, conf_level=0.95, seed=seed,
                         print_to_console=False)
    return pd.DataFrame({
        "factor": list(res["names"]),
        "mu_star": np.asarray(res["mu_star"], dtype=float),
        "mu_star_conf": np.asarray(res["mu_star_conf"], dtype=float),
        "mu": np.asarray(res["mu"], dtype=float),
        "sigma": np.asarray(res["sigma"], dtype=float),
    }, columns=["factor", "mu_star", "mu_star_conf", "mu", "sigma"])


# -- improve ranking -----------------------------------------------------------------------------
def rank(rows: Sequence[dict]) -> list[dict]:
    """Improve candidates ordered by their paired gain in annual output (largest first); ties by
    the interval's lower end (the surer gain first), then by point index. Each row gets its
    ``rank`` (1 = buys the most). Rows need ``delta_annual_mean``, ``delta_annual_ci_low``, ``point``."""
    def key(row: dict):
        low = row.get("delta_annual_ci_low")
        return (-row["delta_annual_mean"], -(low if low is not None else row["delta_annual_mean"]), row["point"])

    ranked = sorted(rows, key=key)
    return [{**row, "rank": i + 1} for i, row in enumerate(ranked)]
