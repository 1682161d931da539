"""experiments/design.py: factors → points. Grid is the full factorial, one_at_a_time moves one
factor from the base per point, latin_hypercube puts exactly one point in each of n strata of
every factor, Morris gives SALib's r·(k+1) trajectory points; point 0 is the base; the same input
gives the same points."""

from __future__ import annotations

import math

import numpy as np
import pytest

from linesim.experiments.core import BASE, Factor
from linesim.experiments.design import label, make_design, points
from linesim.experiments.points import plan_sweep
from linesim.experiments.spec import load_sweep, spec_from_vary

from .conftest import SWEEP

CYCLE = Factor(name="set cycle", keys=("stations.B.cycle_time",), levels=(40.0, 45.0, 50.0), unit="s")
SHIFTS = Factor(name="shifts per day", keys=("calendar.shifts_per_day",), levels=(2, 3), integer=True)
SCALE = Factor(name="mttr", keys=("stations.B.failures.mttr",), levels=(0.5, 0.9, 1.1, 2.0),
               relative=True, unit="×")


def test_point_zero_is_the_base_in_every_design():
    """Every design starts with the base point: index 0, label 'base', no factor values."""
    for design in ("grid", "one_at_a_time", {"latin_hypercube": {"points": 4}},
                   {"morris": {"trajectories": 2}}):
        p0 = points([CYCLE, SHIFTS], design)[0]
        assert (p0.index, p0.label, p0.values, p0.overrides) == (BASE, "base", (), ())


def test_grid_is_the_full_factorial_in_order():
    """grid: one point per combination of levels (the product of the level counts), all
    distinct, indices 1..n, the last factor moving fastest."""
    pts = points([CYCLE, SHIFTS, SCALE], "grid")
    assert len(pts) == 1 + 3 * 2 * 4
    combos = [tuple(v for _, v in p.values) for p in pts[1:]]
    assert len(set(combos)) == len(combos)
    assert combos[:3] == [(40.0, 2, 0.5), (40.0, 2, 0.9), (40.0, 2, 1.1)]
    assert [p.index for p in pts] == list(range(len(pts)))


def test_one_at_a_time_moves_one_factor_per_point():
    """one_at_a_time: each factor over its levels with the others at base, i.e. every non-base
    point sets exactly one factor; factor by factor, levels in the order given."""
    pts = points([CYCLE, SHIFTS, SCALE], "one_at_a_time")
    assert len(pts) == 1 + 3 + 2 + 4
    assert all(len(p.values) == 1 for p in pts[1:])
    assert [p.values[0] for p in pts[1:4]] == [("set cycle", 40.0), ("set cycle", 45.0),
                                               ("set cycle", 50.0)]


@pytest.mark.parametrize("n", [5, 17])
def test_latin_hypercube_puts_one_point_in_each_stratum(n):
    """latin_hypercube with n points: for every factor with a range, each of the n equal strata
    of [from, to] holds exactly one point (the unit sample too); seeded: the same seed gives the
    same points, another seed others."""
    a = Factor(name="a", keys=("x",), bounds=(40.0, 50.0), unit="s")
    b = Factor(name="b", keys=("y",), bounds=(0.5, 2.0), relative=True, unit="×")
    design = make_design([a, b], {"latin_hypercube": {"points": n, "seed": 3}})
    assert len(design.points) == n + 1 and design.unit_sample.shape == (n, 2)
    for j, f in enumerate((a, b)):
        lo, hi = f.bounds
        strata = sorted(math.floor((p.value(f.name) - lo) / (hi - lo) * n) for p in design.points[1:])
        assert strata == list(range(n)), (f.name, strata)
        assert sorted(np.floor(design.unit_sample[:, j] * n).astype(int)) == list(range(n))
    again = make_design([a, b], {"latin_hypercube": {"points": n, "seed": 3}})
    assert [p.values for p in again.points] == [p.values for p in design.points]
    other = make_design([a, b], {"latin_hypercube": {"points": n, "seed": 4}})
    assert [p.values for p in other.points] != [p.values for p in design.points]


def test_latin_hypercube_integer_and_level_factors():
    """An integer factor takes whole numbers, each an equal share of the points (2..4 over 9
    points: 3 each); a factor with levels takes its levels by stratified index (equal shares)."""
    servers = Factor(name="servers", keys=("s",), bounds=(2, 4), integer=True)
    design = make_design([servers, SHIFTS], {"latin_hypercube": {"points": 9, "seed": 1}})
    taken = [p.value("servers") for p in design.points[1:]]
    assert all(type(v) is int for v in taken)
    assert sorted(taken) == [2, 2, 2, 3, 3, 3, 4, 4, 4]
    design = make_design([SHIFTS, CYCLE], {"latin_hypercube": {"points": 6, "seed": 1}})
    assert sorted(p.value("shifts per day") for p in design.points[1:]) == [2, 2, 2, 3, 3, 3]
    assert sorted(p.value("set cycle") for p in design.points[1:]) == [40.0, 40.0, 45.0, 45.0,
                                                                       50.0, 50.0]


def test_morris_gives_salib_trajectories_and_keeps_them_for_analysis():
    """morris: r trajectories of k + 1 points each (r·(k+1) points after the base), one sample
    row per point (row i ↔ point i+1), seeded; the SALib problem and sample are kept, and
    SALib.analyze.morris ranks a factor that drives the output above one that does not."""
    from SALib.analyze import morris as morris_analyze

    a = Factor(name="a", keys=("x",), bounds=(40.0, 50.0), unit="s")
    b = Factor(name="b", keys=("y",), bounds=(1.0, 2.0))
    design = make_design([a, b, SHIFTS], {"morris": {"trajectories": 6, "levels": 4, "seed": 2}})
    assert design.morris_sample.shape == (6 * 4, 3)
    assert len(design.points) == 1 + 6 * 4
    for row, p in zip(design.morris_sample, design.points[1:]):
        assert p.value("a") == pytest.approx(row[0]) and p.value("b") == pytest.approx(row[1])
        assert p.value("shifts per day") == SHIFTS.levels[int(round(row[2]))]
    assert design.morris_problem["names"] == ["a", "b", "shifts per day"]
    y = np.array([3.0 * p.value("a") + 0.0 * p.value("b") for p in design.points[1:]])
    result = morris_analyze.analyze(design.morris_problem, design.morris_sample, y,
                                    num_levels=design.morris_levels)
    assert result["mu_star"][0] > 1.0 and result["mu_star"][1] == pytest.approx(0.0)
    again = make_design([a, b, SHIFTS], {"morris": {"trajectories": 6, "levels": 4, "seed": 2}})
    assert np.array_equal(again.morris_sample, design.morris_sample)


def test_labels_show_units_and_scale():
    """Labels read 'set cycle=45 s, shifts per day=3, mttr=×0.9' (durations with units via
    format_duration, relative factors as ×k)."""
    values = (("set cycle", 45.0), ("shifts per day", 3), ("mttr", 0.9))
    assert label([CYCLE, SHIFTS, SCALE], values) == "set cycle=45 s, shifts per day=3, mttr=×0.9"
    long = Factor(name="t", keys=("k",), levels=(300.0,), unit="s")
    assert label([long], (("t", 300.0),)) == "t=5 min"


def test_designs_need_levels_for_grid_and_one_at_a_time():
    """A factor with only bounds cannot be on a grid (ValueError naming it)."""
    bounded = Factor(name="a", keys=("x",), bounds=(1.0, 2.0))
    with pytest.raises(ValueError, match="a has only a range"):
        points([bounded], "grid")


# -- through a sweep file: point scenarios ----------------------------------------------------------
def _differences(a, b, path=""):
    """Key paths where two resolved scenario data differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b))
                for d in _differences(a.get(k), b.get(k), f"{path}.{k}" if path else k)]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [path]


def test_one_at_a_time_scenarios_differ_from_the_base_in_one_factor(write_sweep):
    """Built from a sweep file, every one_at_a_time point's scenario differs from the base only
    at the keys of one factor (linked keys: all of them, and together), and the points equal to
    the base (45 s, 2 shifts, ×1) are not repeated."""
    plan = plan_sweep(load_sweep(write_sweep(SWEEP.replace("design: grid", "design: one_at_a_time"))))
    base = plan.points[0][1].resolved()
    factor_paths = {"B cycle": {"stations[1].cycle_time.mean"},
                    "shifts per day": {"calendar.shifts_per_day"},
                    "fast stations": {"stations[0].cycle_time.value", "stations[2].cycle_time.value"}}
    assert len(plan.points) == 1 + (11 - 1) + (2 - 1) + (3 - 1)
    for point, scenario in plan.points[1:]:
        (name, _), = point.values
        assert set(_differences(scenario.resolved(), base)) == factor_paths[name], point.label


def test_grid_point_count_through_a_sweep_file(write_sweep):
    """A grid of 11 × 2 × 3 levels is 66 combinations; the one equal to the base is point 0."""
    plan = plan_sweep(load_sweep(write_sweep()))
    assert len(plan.points) == 66
    assert [p.index for p, _ in plan.points] == list(range(66))


def test_linked_factors_move_together(base_path):
    """A linked factor (keys: [A, C]) sets every key at each point: ×0.9 scales both stations'
    cycle times (A 40 s → 36 s, C 38 s → 34.2 s)."""
    plan = plan_sweep(spec_from_vary(base_path, ["stations.A.cycle_time,stations.C.cycle_time=x0.9"]))
    (_, scenario), = plan.points[1:]
    assert scenario.stations[0].cycle_time.value == 36.0
    assert scenario.stations[2].cycle_time.value == pytest.approx(34.2)


def test_same_file_same_points(write_sweep):
    """Point order and content are deterministic (the same file gives the same points)."""
    text = SWEEP.replace("design: grid", "design: {latin_hypercube: {points: 7, seed: 5}}")
    a = plan_sweep(load_sweep(write_sweep(text)))
    b = plan_sweep(load_sweep(write_sweep(text)))
    assert [(p, s.resolved()) for p, s in a.points] == [(p, s.resolved()) for p, s in b.points]
