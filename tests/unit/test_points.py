"""experiments/points.py: a point's scenario is the base with its overrides set by dotted key
(absolute values with units through the scenario's validators, relative values scaling the base
value: numbers, distributions, cycle times by product), validated; problems name the key."""

from __future__ import annotations

import pytest

from linesim.experiments.core import Factor, Point
from linesim.experiments.points import (
    PointError,
    base_levels,
    build_points,
    plan_sweep,
    point_scenario,
    scale_value,
)
from linesim.experiments.spec import load_sweep, scenario_hash, spec_from_vary
from linesim.loader import load_scenario
from linesim.scenario import Scenario

from .conftest import SWEEP


@pytest.fixture
def base(base_path) -> Scenario:
    return load_scenario(base_path)


def test_absolute_values_pass_through_the_scenario_validators(base):
    """An absolute value with units ('1.5 min') is read by the scenario itself: the cycle time
    becomes a constant of 90 s; an integer key takes the integer; nothing else changes."""
    sc = point_scenario(base, [("stations.B.cycle_time", "1.5 min", False),
                               ("stations.C.servers", 2, False)])
    assert sc.stations[1].cycle_time.dist == "constant" and sc.stations[1].cycle_time.value == 90.0
    assert sc.stations[2].servers == 2
    assert sc.stations[0] == base.stations[0] and sc.run == base.run


def test_relative_distribution_scales_mean_and_variance(base):
    """scale k on a random cycle time multiplies its mean by k and variance by k² (the normal's
    mean, sd and truncation point all scale); on a number, the number × k."""
    sc = point_scenario(base, [("stations.B.cycle_time", 1.2, True),
                               ("stations.B.failures.mttr", 0.5, True)])
    old, new = base.stations[1].cycle_time, sc.stations[1].cycle_time
    assert new.mean_s() == pytest.approx(1.2 * old.mean_s())
    assert new.variance_s2() == pytest.approx(1.44 * old.variance_s2())
    assert sc.stations[1].failures.mttr.mean_s() == 150.0


def test_relative_integer_is_rounded(base):
    """scale on an integer key (buffer places) gives the nearest whole number (2 × 1.6 = 3.2 → 3;
    2 × 1.75 = 3.5 → 4): the scenario takes only integers there."""
    assert point_scenario(base, [("stations.A.buffer_after", 1.6, True)]).stations[0].buffer_after == 3
    assert point_scenario(base, [("stations.A.buffer_after", 1.75, True)]).stations[0].buffer_after == 4


def test_relative_cycle_times_by_product_all_scale():
    """Cycle times by product: every variant's distribution is scaled."""
    sc = Scenario.model_validate({
        "name": "p", "products": {"mix": {"L7": 0.5, "L8": 0.5}},
        "stations": [{"name": "A", "cycle_time": {"by_product": {"L7": 40, "L8": {"dist": "exponential", "mean": 50}}}}]})
    new = point_scenario(sc, [("stations.A.cycle_time", 0.5, True)])
    times = new.stations[0].cycle_times()
    assert times["L7"].mean_s() == 20.0 and times["L8"].mean_s() == 25.0
    assert times["L8"].variance_s2() == 625.0


def test_scale_value_refuses_what_cannot_scale():
    """Text, 'unlimited' and a factor that is not > 0 cannot be scaled (ValueError)."""
    for value, k in (("unlimited", 2.0), ("A", 1.1), (40.0, 0), (40.0, -1.0)):
        with pytest.raises(ValueError):
            scale_value(value, k)


def test_point_error_names_the_key(base):
    """A value the scenario refuses is a PointError naming the dotted key and the scenario path;
    a key that cannot be set names the key."""
    with pytest.raises(PointError) as info:
        point_scenario(base, [("stations.C.servers", 0, False)])
    assert info.value.key == "stations.C.servers" and info.value.path == "stations[2].servers"
    with pytest.raises(PointError) as info:
        point_scenario(base, [("stations.Z.servers", 2, False)])
    assert info.value.key == "stations.Z.servers" and "no item 'Z'" in str(info.value)
    with pytest.raises(PointError) as info:  # a model-level problem of the mapping holding the key
        point_scenario(base, [("calendar.shift_length", "9 h", False),
                              ("calendar.shifts_per_day", 3, False)])
    assert info.value.key == "calendar.shift_length" and "do not fit in a day" in info.value.message


def test_points_equal_to_the_base_are_not_repeated_in_grids(write_sweep):
    """A grid or one_at_a_time point whose scenario equals the base (same hash) is dropped: the
    base is point 0, the rest renumbered 1..n without gaps; no other point equals the base."""
    sweep = load_sweep(write_sweep(SWEEP.replace("design: grid", "design: one_at_a_time")))
    built = build_points(sweep)
    labels = [p.label for p, _ in built]
    assert "B cycle=45 s" not in labels and "shifts per day=2" not in labels
    assert "fast stations=×1" not in labels
    assert [p.index for p, _ in built] == list(range(len(built)))
    base_hash = scenario_hash(built[0][1])
    assert all(scenario_hash(s) != base_hash for _, s in built[1:])


def test_sampled_designs_keep_every_row(base_path):
    """latin_hypercube and morris keep every sampled point, even one equal to the base (Morris
    needs row i of its sample to be point i + 1)."""
    plan = plan_sweep(spec_from_vary(base_path, ["stations.C.servers=1,2"],
                                     {"morris": {"trajectories": 3}}))
    assert len(plan.points) == 1 + 3 * 2
    assert len(plan.design.morris_sample) == len(plan.points) - 1


def test_every_point_is_validated_before_anything_runs(write_sweep):
    """plan_sweep builds every point's scenario: each is a validated Scenario carrying the sweep's
    run block."""
    plan = plan_sweep(load_sweep(write_sweep()))
    assert all(isinstance(s, Scenario) and s.run.horizon == 2 * 86400.0 for _, s in plan.points)
    assert plan.definition_hash == load_sweep(write_sweep()).definition_hash()


def test_base_levels_for_tables(write_sweep):
    """Each factor's value at the base, in the factor's unit: the number at the key, a constant's
    value, 1.0 for a relative factor; None for linked keys that differ."""
    sweep = load_sweep(write_sweep())
    assert base_levels(sweep.base, sweep.factors) == {"B cycle": 45.0, "shifts per day": 2,
                                                      "fast stations": 1.0}
    linked = Factor(name="A and C", keys=("stations.A.cycle_time", "stations.C.cycle_time"),
                    levels=(30.0,), unit="s")
    assert base_levels(sweep.base, [linked]) == {"A and C": None}


def test_explicit_overrides_of_a_point_apply(base):
    """A point with explicit overrides (improve's candidates) is built like factor points."""
    from linesim.experiments.points import overrides_of

    p = Point(index=1, label="one more server at C", overrides=(("stations.C.servers", 2, False),))
    assert point_scenario(base, overrides_of(p, [])).stations[2].servers == 2
