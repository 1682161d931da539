"""estimate.py: Student-t intervals over replications, the target probability from the t
predictive distribution, and paired differences (common random numbers)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from linesim.estimate import half_width, paired_difference, prob_at_least, t_interval

SAMPLES = [
    [1.0, 2.0],
    [788_400.0, 790_100.0, 781_250.5],
    [3.2, 2.9, 3.4, 3.05, 3.3, 2.7, 3.15, 3.0, 3.25, 2.95],
    list(np.linspace(-5.0, 17.0, 37)),
]


@pytest.mark.parametrize("values", SAMPLES)
def test_t_interval_matches_scipy(values):
    """ci95 = mean ± t(0.975, n−1)·s/√n, exactly as scipy.stats.t.interval computes it."""
    x = np.asarray(values)
    n = len(x)
    res = t_interval(values)
    lo, hi = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
    assert res["n"] == n
    assert res["mean"] == pytest.approx(x.mean(), rel=1e-14)
    assert res["std"] == pytest.approx(x.std(ddof=1), rel=1e-14)
    assert res["ci95"] == pytest.approx([lo, hi], rel=1e-12)
    assert half_width(res) == pytest.approx((hi - lo) / 2, rel=1e-12)


def test_t_interval_single_value_has_no_interval():
    """One replication has a mean but no spread: ci95 and std are None, half-width infinite."""
    res = t_interval([42.0])
    assert res == {"mean": 42.0, "ci95": None, "std": None, "n": 1}
    assert half_width(res) == math.inf


def test_t_interval_zero_spread_is_a_point():
    """Identical replications (a deterministic line) give a zero-width interval at the value."""
    res = t_interval([90.0] * 5)
    assert res["ci95"] == [90.0, 90.0] and res["std"] == 0.0


def test_t_interval_is_plain_floats():
    """Results are plain Python numbers (JSON-serialisable, no numpy scalars)."""
    res = t_interval(np.array([1.0, 2.0, 4.0]))
    assert type(res["mean"]) is float and type(res["std"]) is float and type(res["n"]) is int
    assert all(type(v) is float for v in res["ci95"])


@pytest.mark.parametrize("values", SAMPLES[1:])
def test_prob_at_least_is_t_predictive(values):
    """P(next ≥ c) = 1 − T_{n−1}((c − mean) / (s·√(1 + 1/n))), the predictive probability for one
    more replication (checked against scipy.stats.t.sf); 0.5 at the mean."""
    x = np.asarray(values)
    n, m, s = len(x), x.mean(), x.std(ddof=1)
    for c in (m - 2 * s, m - 0.3 * s, m + 0.1 * s, m + 3 * s):
        expected = stats.t.sf((c - m) / (s * math.sqrt(1 + 1 / n)), n - 1)
        assert prob_at_least(values, c) == pytest.approx(expected, rel=1e-10, abs=1e-15)
    assert prob_at_least(values, m) == pytest.approx(0.5, abs=1e-12)


def test_prob_at_least_is_monotone_decreasing():
    """A higher threshold is never more likely to be reached, and the probability spans (0, 1)."""
    x = SAMPLES[2]
    thresholds = np.linspace(1.0, 5.0, 201)
    ps = [prob_at_least(x, c) for c in thresholds]
    assert all(a >= b for a, b in zip(ps, ps[1:]))
    assert ps[0] > 0.999 and ps[-1] < 0.001
    assert all(0.0 <= p <= 1.0 for p in ps)


def test_prob_at_least_without_spread_is_zero_or_one():
    """With no spread (deterministic line) or one replication, the probability is 1 if the value
    reaches the threshold (ties included) and 0 otherwise."""
    assert prob_at_least([100.0, 100.0, 100.0], 100.0) == 1.0
    assert prob_at_least([100.0, 100.0, 100.0], 99.0) == 1.0
    assert prob_at_least([100.0, 100.0, 100.0], 100.5) == 0.0
    assert prob_at_least([100.0], 50.0) == 1.0
    assert prob_at_least([100.0], 150.0) == 0.0


def test_paired_difference_is_interval_of_differences():
    """paired_difference(a, b) is the t interval of b − a replication by replication, which is
    much narrower than the unpaired comparison when a and b share random numbers."""
    rng = np.random.default_rng(5)
    common = rng.normal(1000.0, 50.0, 10)
    a = common + rng.normal(0, 1, 10)
    b = common + 7.0 + rng.normal(0, 1, 10)
    res = paired_difference(a, b)
    diff = b - a
    lo, hi = stats.t.interval(0.95, 9, loc=diff.mean(), scale=stats.sem(diff))
    assert res["mean"] == pytest.approx(diff.mean(), rel=1e-12)
    assert res["ci95"] == pytest.approx([lo, hi], rel=1e-12)
    assert half_width(res) < half_width(t_interval(b)) / 10


def test_paired_difference_needs_equal_counts():
    """Paired replications must have the same count."""
    with pytest.raises(ValueError, match="same count"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


def _seat_supply(products: bool):
    from linesim.capacity import capacity_check
    from linesim.estimate import summarize
    from linesim.replicate import run_replications
    from linesim.scenario import Scenario

    data = {"name": "jis", "unit": "car", "run": {"horizon": "1 d", "replications": 2, "seed": 3},
            "stations": [
                {"name": "body", "cycle_time": {"dist": "exponential", "mean": 60}, "inputs": [],
                 "buffer_after": 5},
                {"name": "seat", "cycle_time": {"dist": "exponential", "mean": 55}, "inputs": [],
                 "buffer_after": 5},
                {"name": "marry", "cycle_time": 50, "inputs": ["body", "seat"],
                 "assembly": {"body": 1, "seat": 1}}]}
    if products:
        data["products"] = {"mix": {"L7": 0.4, "L8": 0.6}}
    sc = Scenario.model_validate(data)
    return summarize(sc, run_replications(sc, jobs=1), capacity_check(sc))


def test_verdict_says_how_often_and_how_long_the_sequenced_supply_kept_the_station_waiting():
    """With products, a one-per-unit input of an assembly station is supplied just in sequence:
    the verdict states its waiting episodes a year, their mean length and hours a year, and the
    parts out of sequence (none here: one plan, nothing reorders), from the summary's rows."""
    s = _seat_supply(products=True)
    row = next(r for r in s["stations"] if r["name"] == "marry")
    assert row["out_of_sequence_per_year"] == {"seat": 0.0}
    w = next(x for x in row["starved_for"] if x["input"] == "seat")
    assert w["episodes_per_year"] > 0
    assert (f"marry waited for its just-in-sequence supply from seat "
            f"{w['episodes_per_year']:,.0f} times a year, {w['mean_s'] / 60:.1f} min on average "
            f"({w['hours_per_year']:,.1f} h a year); none out of sequence.") in s["verdict"]


def test_verdict_without_products_has_no_sequenced_supply():
    """Without products there is no sequence to keep: no count, no sentence (the split of its
    starving by input is still in the row)."""
    s = _seat_supply(products=False)
    row = next(r for r in s["stations"] if r["name"] == "marry")
    assert "out_of_sequence_per_year" not in row and len(row["starved_for"]) == 2
    assert "just-in-sequence" not in s["verdict"]


# -- honest headlines: what a verdict rests on ---------------------------------------------------
def _tiny_summary(horizon: str, replications: int, target: float = 500_000):
    from linesim.capacity import capacity_check
    from linesim.estimate import summarize
    from linesim.replicate import run_replications
    from linesim.scenario import Scenario

    sc = Scenario.model_validate({
        "name": "t", "run": {"horizon": horizon, "replications": replications, "seed": 3,
                             "engine": "simpy"},
        "stations": [{"name": "A", "cycle_time": {"dist": "exponential", "mean": 40},
                      "buffer_after": 2},
                     {"name": "B", "cycle_time": {"dist": "exponential", "mean": 38}}],
        "target": {"annual_output": target}})
    return summarize(sc, run_replications(sc, jobs=1), capacity_check(sc))


def test_a_short_run_says_it_is_annualised_and_few_replications_say_the_interval_is_wide():
    """`--horizon "2 d" -n 2`: the verdict says the annual figure comes from 2 days, rests on
    2 replications, and that its interval is wide — never a bare "makes N parts a year"."""
    s = _tiny_summary("2 d", 2)
    v = s["verdict"]
    assert "a year (annualised from 2 days; 95% CI" in v
    assert "Based on 2 replications of 2 days each" in v
    assert "interval is wide" in v


def test_a_year_with_enough_replications_states_its_basis_without_caveats():
    """One year × 5 replications: the basis is stated; nothing is annualised and the interval
    is not called wide."""
    from linesim.estimate import basis

    summary = {"replications": 5, "horizon_s": 365 * 86400.0}
    assert basis(summary) == "Based on 5 replications of one year each after warm-up."
    assert "wide" not in basis({**summary, "replications": 10})
    assert "wide" in basis({**summary, "replications": 4})
    assert "no interval" in basis({**summary, "replications": 1})


@pytest.mark.parametrize("p, text", [(0.0, "< 0.001"), (3.4e-14, "< 0.001"), (0.0009, "< 0.001"),
                                     (0.001, "0.001"), (0.004, "0.004"), (0.5, "0.50"),
                                     (0.996, "0.996"), (0.999, "0.999"), (0.9991, "> 0.999"),
                                     (1.0, "> 0.999")])
def test_probability_text_never_prints_a_tiny_number_or_a_false_certainty(p, text):
    from linesim.estimate import probability_text

    assert probability_text(p) == text


def test_verdict_prints_an_extreme_probability_as_a_bound_and_json_keeps_the_number():
    """A target far out of reach: P is a tiny number in the summary, "< 0.001" in the verdict."""
    s = _tiny_summary("1 d", 3, target=5_000_000)
    assert s["target"]["probability"] < 0.001
    assert "probability only < 0.001" in s["verdict"]
    assert "0.00 " not in s["verdict"] and "e-" not in s["verdict"]
