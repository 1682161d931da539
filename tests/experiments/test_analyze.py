"""Analysis of sweep points: paired differences under common random numbers, point rows,
the sequential precision rule, Morris indices and the improve ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from SALib.sample import morris as morris_sample

from linesim.capacity import capacity_check
from linesim.estimate import prob_at_least, t_interval
from linesim.experiments.points import point_scenario
from linesim.experiments.analyze import (
    bottleneck, more_replications, morris_indices, paired, plan_replications, point_columns,
    point_row, precision_met, rank,
)
from linesim.experiments.core import BASE, Factor, Point

from ._inprocess import exp, replications, scenario


def _line(seed=7, n=30):
    return scenario([{"name": "A", "cycle_time": exp(30), "buffer_after": 2},
                     {"name": "B", "cycle_time": exp(33), "buffer_after": 2},
                     {"name": "C", "cycle_time": exp(30)}],
                    name="crn", horizon="8 h", replications=n, seed=seed)


# -- common random numbers -------------------------------------------------------------------------
def test_crn_paired_differences_are_much_tighter_than_independent_ones():
    """Common random numbers: on a three-station exponential line where the bottleneck B gets
    2 % faster, the paired difference (same seed, replication r against replication r) has a
    variance far below the difference of independent runs (the changed point on another seed).

    Measured: ratio ≈ 150 over 30 replications of 8 h. The ratio of two sample variances
    of 30 replications each varies like an F(29, 29) variable, whose 0.1 % quantile is about
    0.3: even in an unlucky draw the observed ratio stays above ~0.3 × the true one (≈ 45),
    so asserting ≥ 10 is safe, while without CRN the true ratio is about 1 (not 10)."""
    n = 30
    base = _line(n=n)
    change = [("stations.B.cycle_time", 0.98, True)]
    crn = point_scenario(base, change)
    independent = point_scenario(_line(seed=8, n=n), change)
    b = replications(base)
    d_paired = paired(replications(crn), b)
    other = [r.annual_output for r in replications(independent)]
    d_indep = t_interval(np.asarray(other) - np.asarray([r.annual_output for r in b]))
    assert d_paired["n"] == n
    ratio = d_indep["std"] ** 2 / d_paired["std"] ** 2
    assert ratio >= 10, ratio
    assert d_paired["mean"] > 0  # a faster bottleneck makes more


def test_paired_uses_the_replications_both_points_have():
    """The paired difference is over the replication indices both points have, matched by index
    whatever order the lists come in."""
    sc = _line(n=5)
    base = replications(sc, 5)
    point = replications(point_scenario(sc, [("stations.B.servers", 2, False)]), 4)
    d = paired(list(reversed(point)), base)
    assert d["n"] == 4
    diffs = [p.annual_output - q.annual_output for p, q in zip(point, base[:4])]
    assert d["mean"] == pytest.approx(np.mean(diffs))
    assert d["std"] == pytest.approx(np.std(diffs, ddof=1))


# -- point rows --------------------------------------------------------------------------------------
def test_point_row_columns_and_values():
    """A point row has the columns of points.csv in order (factor columns between label and the
    tail), the t-interval of annual output and throughput, P(target) from the t predictive
    distribution, paired deltas to the base (0 for the base itself), the ceiling of the point's
    scenario and the most frequent bottleneck."""
    sc = scenario([{"name": "A", "cycle_time": exp(30), "buffer_after": 1},
                   {"name": "B", "cycle_time": exp(36)}], horizon="4 h", replications=4,
                  target={"annual_output": 800_000, "confidence": 0.9})
    factors = [Factor(name="B cycle", keys=("stations.B.cycle_time",), levels=(0.9,),
                      relative=True, unit="×")]
    pt = Point(index=1, label="B cycle=0.9", values=(("B cycle", 0.9),))
    psc = point_scenario(sc, [("stations.B.cycle_time", 0.9, True)])
    base_res, res = replications(sc), replications(psc)
    row = point_row(pt, factors, psc, res, base_res, capacity_check(psc))
    assert list(row) == point_columns(factors)
    assert list(row)[2] == "B cycle (x base)" and row["B cycle (x base)"] == 0.9
    annual = [r.annual_output for r in res]
    ti = t_interval(annual)
    assert row["replications"] == 4
    assert row["annual_mean"] == pytest.approx(ti["mean"])
    assert [row["annual_ci_low"], row["annual_ci_high"]] == pytest.approx(ti["ci95"])
    assert row["p_target"] == pytest.approx(prob_at_least(annual, 800_000))
    assert row["reps_reaching"] == sum(a >= 800_000 for a in annual)
    d = np.asarray(annual) - [r.annual_output for r in base_res]
    assert row["delta_annual_mean"] == pytest.approx(d.mean())
    assert row["ceiling_per_year"] == pytest.approx(capacity_check(psc).ceiling_per_year)
    assert row["bottleneck"] == bottleneck(res)
    base_row = point_row(Point(index=BASE, label="base"), factors, sc, base_res, base_res,
                         capacity_check(sc))
    assert base_row["B cycle (x base)"] == 1.0
    absolute = [Factor(name="B mean", keys=("stations.B.cycle_time",), levels=(30.0,), unit="s"),
                Factor(name="A buffer", keys=("stations.A.buffer_after",), levels=(3,))]
    base_abs = point_row(Point(index=BASE, label="base"), absolute, sc, base_res, base_res,
                         capacity_check(sc))
    assert (base_abs["B mean"], base_abs["A buffer"]) == (36.0, 1)  # the base's own values
    assert base_row["delta_annual_mean"] == 0 and base_row["delta_annual_ci_low"] == 0


# -- precision -----------------------------------------------------------------------------------------
def test_more_replications_rule():
    """The precision rule on plain numbers: 2 replications before judging; stop when the
    interval's half-width is within the share of the mean; otherwise grow by at least 2 and at
    most double; never above the maximum; no precision → the maximum; spread 0 → stop at 2."""
    assert more_replications([], None, 0.01, 20) == 2
    assert more_replications([100.0], None, 0.01, 20) == 2
    assert more_replications([100.0, 100.0], None, 0.01, 20) == 2  # deterministic
    assert more_replications([100.0, 100.1, 99.9], None, 0.01, 20) == 3  # within 1 %
    noisy = [100.0, 120.0, 80.0, 110.0]
    nxt = more_replications(noisy, None, 0.01, 1000)
    assert nxt == 8  # it would need hundreds: at most double
    assert more_replications(noisy, None, 0.01, 6) == 6  # capped at the maximum
    assert more_replications(noisy * 2, None, 0.01, 8) == 8  # at the maximum: stop
    assert more_replications(noisy, None, None, 10) == 10
    assert more_replications(noisy[:2], None, 0.3, 1000) == 4  # at least min_batch more


def test_paired_difference_counts_for_non_base_points():
    """For a point with a base, the paired difference's half-width must also be within the
    share of the base mean: a point with a tight interval but a noisy difference asks for more."""
    base = [100.0, 100.0, 100.0, 100.0]
    point = [100.0, 100.5, 99.5, 100.2]
    assert precision_met(point, None, 0.01)
    assert precision_met(point, base, 0.01)
    base_noisy = [90.0, 110.0, 95.0, 105.0]
    assert not precision_met(point, base_noisy, 0.01)
    assert more_replications(point, base_noisy, 0.01, 100) > len(point)


def test_plan_keeps_the_base_ahead():
    """In a sweep, the base point gets at least as many replications as any other point (the
    pairs are over the replications both have)."""
    values = {0: [100.0, 100.0], 1: [100.0, 130.0], 2: [100.0, 100.0]}
    plan = plan_replications(values, 0.01, 50)
    assert plan[1] == 4 and plan[0] == 4 and plan[2] == 2


def _sequence(values, precision, maximum):
    """The batch boundaries the rule takes on these values (replication order)."""
    n, steps = 0, []
    while True:
        want = more_replications(values[:n], None, precision, maximum)
        if want <= n:
            return steps
        n = want
        steps.append(n)


def test_run_until_precise_stops_when_precise_and_never_above_the_maximum():
    """``linesim run`` with run.precision: the replications stop at the first batch boundary
    where the annual output's half-width is within the precision × the mean (not before, not
    a batch later), never above run.replications, and the count does not depend on jobs."""
    from linesim.api import run_until_precise

    sc = _line(n=60).with_run(precision=0.01)
    res = run_until_precise(sc, jobs=1)
    annual = [r.annual_output for r in res]
    assert [r.replication for r in res] == list(range(len(res)))
    assert 2 < len(res) < 60
    assert precision_met(annual, None, 0.01)
    steps = _sequence(annual, 0.01, 60)
    assert steps[-1] == len(res)
    assert not any(precision_met(annual[:k], None, 0.01) for k in steps[:-1])
    capped = run_until_precise(_line(n=7).with_run(precision=1e-6), jobs=1)
    assert len(capped) == 7
    assert len(run_until_precise(sc, jobs=2)) == len(res)


def test_deterministic_line_stops_at_two():
    """A deterministic line has no spread: with a precision it stops at 2 replications."""
    from linesim.api import run_until_precise

    sc = scenario([{"name": "A", "cycle_time": 30}, {"name": "B", "cycle_time": 40}],
                  horizon="4 h", replications=10, precision="0.5%")
    assert sc.run.precision == pytest.approx(0.005)
    assert len(run_until_precise(sc, jobs=1)) == 2


# -- Morris ------------------------------------------------------------------------------------------------
def test_morris_indices_on_a_known_function():
    """Morris screening with SALib on y = 3·x1 + 0·x2 + x3² over [0, 1]³: the factor with no
    effect has μ* = σ = 0, the linear one μ* = 3 exactly with σ = 0, the quadratic one σ > 0;
    the table has one row per factor in the problem's order."""
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0, 1]] * 3}
    x = morris_sample.sample(problem, 10, num_levels=4, seed=1)
    y = 3 * x[:, 0] + 0 * x[:, 1] + x[:, 2] ** 2
    df = morris_indices(problem, x, y, num_levels=4, seed=1)
    assert list(df.columns) == ["factor", "mu_star", "mu_star_conf", "mu", "sigma"]
    assert list(df.factor) == ["x1", "x2", "x3"]
    by = df.set_index("factor")
    assert by.loc["x2", "mu_star"] == pytest.approx(0, abs=1e-12)
    assert by.loc["x2", "sigma"] == pytest.approx(0, abs=1e-12)
    assert by.loc["x1", "mu_star"] == pytest.approx(3)
    assert by.loc["x1", "sigma"] == pytest.approx(0, abs=1e-9)
    assert by.loc["x3", "sigma"] > 0 and 0 < by.loc["x3", "mu_star"] < 3


# -- ranking ------------------------------------------------------------------------------------------------
def test_rank_orders_by_paired_gain_then_surer_gain():
    """Candidates rank by the paired gain (largest first); equal gains by the interval's lower
    end (the surer first), then by point index; ranks start at 1."""
    rows = [{"point": 1, "delta_annual_mean": 10.0, "delta_annual_ci_low": 5.0},
            {"point": 2, "delta_annual_mean": 30.0, "delta_annual_ci_low": 1.0},
            {"point": 3, "delta_annual_mean": 10.0, "delta_annual_ci_low": 8.0},
            {"point": 4, "delta_annual_mean": -1.0, "delta_annual_ci_low": -2.0}]
    out = rank(rows)
    assert [r["point"] for r in out] == [2, 3, 1, 4]
    assert [r["rank"] for r in out] == [1, 2, 3, 4]
    assert not math.isnan(out[0]["delta_annual_mean"])
