"""``solve``: the value of one monotone key at which P(annual ≥ target) reaches the confidence —
exact on deterministic lines, bracketing the closed form on an exponential two-machine line,
and clear errors when the question cannot be answered."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from linesim.experiments.solve import SolveError, p_standard_error, solve
from linesim.simulate import run_replication

from ._inprocess import evaluate, scenario

DAY_S = 86_400


def _one_station(ct=60, **kw):
    return scenario([{"name": "A", "cycle_time": ct, **kw}], horizon="1 d",
                    target={"annual_output": 365 * 1350, "confidence": 0.9})


def test_deterministic_cycle_time_is_the_arithmetic_answer():
    """One constant station, continuous calendar, 1 day observed (annual = 365 × the day's
    count). The day's count at cycle c is the number of k ≥ 1 with k·c < 86,400 s (a part
    finishing exactly at the window's end is not counted), so 1350 a day (492,750 a year) is
    reached for every c < 64 s and missed from 64 s on: the arithmetic's 31,536,000 / 492,750
    = 64 s. The bracket contains 64 s, is within tol, its meeting end makes exactly the target
    and its failing end one part a day less; the key hurts (decreasing)."""
    target = 365 * 1350
    r = solve(_one_station(), "stations.A.cycle_time", evaluate, lo=50, hi=80, tol=1e-3)
    answer = 365 * DAY_S / target
    assert answer == 64.0
    assert r.low <= answer <= r.high and r.width <= 1e-3 and r.converged
    assert r.direction == "decreasing"
    assert r.meets["value"] == r.low and r.fails["value"] == r.high
    assert r.meets["annual_mean"] == target and r.fails["annual_mean"] == target - 365
    assert r.meets["p"] == 1.0 and r.fails["p"] == 0.0 and r.meets["p_se"] == 0.0
    assert r.arithmetic == pytest.approx(answer, abs=1e-3)
    assert r.replications == sum(e["n"] for e in r.evaluations) == 2 * len(r.evaluations)


def test_deterministic_servers_exact_smallest_integer():
    """Servers (an integer key, found to help): the exact smallest number that meets the
    target. Each 200 s server makes 431 parts a day (k·200 < 86,400), so 500,000 a year
    (1369.9 a day) needs 4 servers; 3 make 1293 a day."""
    sc = scenario([{"name": "A", "cycle_time": 200}], horizon="1 d",
                  target={"annual_output": 500_000, "confidence": 0.9})
    r = solve(sc, "stations.A.servers", evaluate, lo=1, hi=8)
    assert r.integer and r.direction == "increasing"
    assert (r.fails["value"], r.meets["value"]) == (3, 4)
    assert r.converged and r.width == 1
    for s, ok in ((3, False), (4, True)):
        got = run_replication(sc.model_copy(update={"stations": [
            sc.stations[0].model_copy(update={"servers": s})]}), 0).annual_output
        assert (got >= 500_000) is ok
    assert all(isinstance(e["value"], int) for e in r.evaluations)


def test_deterministic_shifts_per_day():
    """Shifts per day (integer, helps): a 60 s station on 8 h shifts, 7 days a week, makes 480
    a shift; 900 a day needs 2 shifts."""
    sc = scenario([{"name": "A", "cycle_time": 60}], horizon="7 d",
                  calendar={"shifts_per_day": 1, "shift_length": "8 h", "days_per_week": 7},
                  target={"annual_output": 365 * 900, "confidence": 0.9})
    r = solve(sc, "calendar.shifts_per_day", evaluate, lo=1, hi=3)
    assert (r.fails["value"], r.meets["value"]) == (1, 2)


def test_p_standard_error():
    """The delta-method standard error of the predictive P: 0 without spread, largest near
    P = 0.5, and it shrinks like 1/√n."""
    assert p_standard_error([5.0, 5.0, 5.0], 4.0) == 0.0
    import numpy as np

    x = np.array([9.0, 11.0, 10.0, 10.5, 9.5])
    assert p_standard_error(x, 10.0) > p_standard_error(x, 12.0) > 0
    big = np.tile(x, 16)
    assert p_standard_error(big, 10.0) == pytest.approx(p_standard_error(x, 10.0) / 4, rel=0.2)
    # the delta method by finite differences: var(mean) = s²/n, var(s) ≈ s²/(2(n − 1))
    from scipy.stats import t

    n, m, sd = x.size, x.mean(), x.std(ddof=1)

    def p(mean, s, target=10.6):
        return 1 - t.cdf((target - mean) / (s * math.sqrt(1 + 1 / n)), n - 1)

    h = 1e-6
    dm = (p(m + h, sd) - p(m - h, sd)) / (2 * h)
    ds = (p(m, sd + h) - p(m, sd - h)) / (2 * h)
    expect = math.sqrt(dm**2 * sd**2 / n + ds**2 * sd**2 / (2 * (n - 1)))
    assert p_standard_error(x, 10.6) == pytest.approx(expect, rel=1e-5)


def test_errors_met_at_both_ends_or_neither():
    """Met at both ends, or at neither, is an error naming the key, the P at each end and what
    to change; so is a key that is not a number or not in the scenario."""
    sc = _one_station()
    with pytest.raises(SolveError, match=r"met at both ends of stations\.A\.cycle_time.*widen"):
        solve(sc, "stations.A.cycle_time", evaluate, lo=50, hi=60)
    with pytest.raises(SolveError, match=r"met at neither end.*P = 0\.000 at 70"):
        solve(sc, "stations.A.cycle_time", evaluate, lo=70, hi=80)
    with pytest.raises(SolveError, match=r"not a key of the scenario"):
        solve(sc, "stations.Z.cycle_time", evaluate, lo=70, hi=80)
    with pytest.raises(SolveError, match=r"not a number"):
        solve(sc, "name", evaluate, lo=70, hi=80)
    with pytest.raises(SolveError, match=r"needs a target"):
        solve(scenario([{"name": "A", "cycle_time": 60}]), "stations.A.cycle_time", evaluate,
              lo=50, hi=80)


def test_error_key_not_monotone():
    """A key whose response turns back inside the range (here a made-up response: output peaks
    at 60 s) is refused as not monotone, naming the two values that contradict the direction."""
    def fake(scenarios):
        out = []
        for sc in scenarios:
            c = sc.stations[0].cycle_time.value
            annual = 1000 - (c - 60) ** 2 if c > 45 else 900
            out.append([SimpleNamespace(replication=r, annual_output=annual) for r in range(2)])
        return out

    sc = scenario([{"name": "A", "cycle_time": 60}],
                  target={"annual_output": 850, "confidence": 0.9})
    with pytest.raises(SolveError, match=r"not monotone"):
        solve(sc, "stations.A.cycle_time", fake, lo=40, hi=80)


def test_max_evals_stops_unconverged():
    """With too few evaluations the search stops and says it did not converge."""
    r = solve(_one_station(), "stations.A.cycle_time", evaluate, lo=50, hi=80, tol=1e-6,
              max_evals=4)
    assert not r.converged and len(r.evaluations) == 4
    assert r.low <= 64 <= r.high and math.isfinite(r.width)


def test_distribution_key_is_scaled_to_the_mean_asked():
    """``stations.X.cycle_time`` of a normal (mean 60 s, sd 6 s) is searched by its mean: each
    evaluated scenario holds the same shape scaled to the value (sd/mean stays 0.1), not a
    constant; ``.cycle_time.mean`` sets the mean alone."""
    seen = []

    def fake(scenarios):
        for sc in scenarios:
            seen.append(sc.stations[0].cycle_time)
        return [[SimpleNamespace(replication=r,
                                 annual_output=31_536_000 / sc.stations[0].cycle_time.mean)
                 for r in range(2)] for sc in scenarios]

    sc = scenario([{"name": "A", "cycle_time": {"dist": "normal", "mean": 60, "sd": 6}}],
                  target={"annual_output": 500_000, "confidence": 0.9})
    r = solve(sc, "stations.A.cycle_time", fake, lo=50, hi=80, tol=0.01)
    assert r.low <= 63.072 <= r.high
    assert all(d.dist == "normal" and d.sd == pytest.approx(0.1 * d.mean) for d in seen)
    assert sorted(d.mean for d in seen)[0] == pytest.approx(50)
    seen.clear()
    solve(sc, "stations.A.cycle_time.mean", fake, lo=50, hi=80, tol=0.01)
    assert all(d.sd == 6 for d in seen)
