"""``solve`` against theory: on an exponential two-machine line with a finite buffer the
solver's bracket contains the closed form's answer (REF-D's birth–death chain, see
test_reference_lines) within its uncertainty."""

from __future__ import annotations

import pytest
from scipy.optimize import brentq
from scipy.stats import t

from linesim.experiments.solve import solve
from linesim.simulate import run_replication

from .conftest import build_scenario, exp
from .test_reference_lines import two_machine_throughput_per_h


def evaluate(scenarios):
    """Replications 0..n−1 of each scenario, in this process (common random numbers)."""
    return [[run_replication(sc, r) for r in range(sc.run.replications)] for sc in scenarios]


def _two_machine(mean2, **run):
    return build_scenario([{"name": "M1", "cycle_time": exp(40), "buffer_after": 2},
                           {"name": "M2", "cycle_time": exp(mean2)}],
                          name="ref-d", **{"warmup": "1 h", "horizon": "1 d", **run})


def _check_brackets_theory(n, horizon, tol):
    """Solve M2's mean cycle for mean annual output = target (confidence 0.5: P = 0.5 exactly
    when the mean equals the target) where the target is the closed form at M2 = 36 s."""
    target = two_machine_throughput_per_h(40, 36, 2) * 8760
    sc = _two_machine(36, replications=n, horizon=horizon)
    r = solve(sc, "stations.M2.cycle_time", evaluate, lo=30, hi=44, tol=tol, confidence=0.5,
              target=target)
    truth = brentq(lambda m: two_machine_throughput_per_h(40, m, 2) * 8760 - target, 30, 44)
    assert truth == pytest.approx(36, abs=1e-6)
    # The uncertainty of the answer in seconds: the standard error of the mean annual output
    # at the bracket, over the slope of the closed form there.
    e = next(x for x in r.evaluations if x["value"] == r.meets["value"])
    se_annual = (e["annual_ci_high"] - e["annual_ci_low"]) / 2 / _t975(e["n"])
    slope = abs(two_machine_throughput_per_h(40, 36.01, 2)
                - two_machine_throughput_per_h(40, 35.99, 2)) * 8760 / 0.02
    se_value = se_annual / slope
    assert r.low - 4 * se_value <= truth <= r.high + 4 * se_value, (r.low, r.high, se_value)
    assert r.direction == "decreasing" and r.width <= tol
    return r, se_value


def _t975(n):
    return float(t.ppf(0.975, n - 1))


def test_exponential_two_machine_bracket_contains_the_closed_form():
    """Exponential two-machine line (40 s, then M2, buffer 2): the solver's bracket for the M2
    cycle at which the mean annual output reaches the closed form's value at 36 s contains 36 s
    within 4 standard errors (the annual output's SE over the closed form's slope); 20
    replications of 1 day per evaluation, under common random numbers."""
    r, se_value = _check_brackets_theory(20, "1 d", 0.05)
    assert se_value < 1.0  # the check has power: the answer is known to within about a second


@pytest.mark.slow
def test_exponential_two_machine_bracket_high_precision():
    """As above with 40 replications of 5 days (about 2 minutes): the answer to within a few
    tenths of a second."""
    r, se_value = _check_brackets_theory(40, "5 d", 0.01)
    assert se_value < 0.2
