"""Labels shared by the sweep charts and tables: factor values with units, the base point's
factor values (which points.csv leaves empty) and the solve result's two shapes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from linesim.experiments import labels

from . import synthetic as syn


@pytest.mark.parametrize("value, factor, text", [
    (45.0, syn.CYCLE, "45 s"), (44.5, syn.CYCLE, "44.5 s"), (3.0, syn.SHIFTS, "3"),
    (0.9, syn.FOAM, "×0.9"), (1250.0, syn.STORE, "1,250"), (float("nan"), syn.CYCLE, "—"),
])
def test_level_text(value, factor, text):
    """Durations in seconds with ' s', relative levels as ×k, whole numbers without decimals,
    thousands separators, a missing value as a dash."""
    assert labels.level_text(value, factor) == text


@pytest.mark.parametrize("p, text", [(0.9, "90%"), (0.995, "99.5%"), (1.0, "100%"), (0.0, "0%"),
                                     (None, "—")])
def test_percent(p, text):
    """Probabilities as percentages, one decimal at most."""
    assert labels.percent(p) == text


def test_base_values_of_relative_factors_and_from_the_metadata():
    """The base row's empty factor columns: ×1 for a relative factor, the metadata's base value
    for an absolute one; in a one-at-a-time sweep the other points' empty factors too (they are
    at base), the factor each point moves untouched."""
    points, meta = syn.oat()
    filled = labels.with_base_values(points, meta)
    base = filled[filled["point"] == 0].iloc[0]
    assert (base["set cycle"], base["foam-trim cycle (x base)"], base["油漆车身库"]) == (44.0, 1.0, 20.0)
    assert filled["set cycle"].tolist() == [44.0, 40.0, 42.0, 46.0, 44.0, 44.0, 44.0, 44.0]
    assert filled["油漆车身库"].tolist() == [20.0] * 6 + [10.0, 40.0]
    assert math.isnan(points[points["point"] == 0].iloc[0]["set cycle"])  # input unchanged


def test_base_of_a_grid_is_the_combination_no_other_point_has():
    """In a grid of two factors the base point stands for the one combination that is not
    repeated (44 s on 3 shifts here)."""
    points, meta = syn.grid_two()
    base = labels.with_base_values(points, meta).query("point == 0").iloc[0]
    assert (base["set cycle"], base["shifts per day"]) == (44.0, 3.0)


def test_base_off_the_grid_stays_empty():
    """When every combination has its own point the base is not on the grid: nothing is
    invented."""
    points, meta = syn.grid_two()
    extra = points[points["point"] == 1].assign(point=99, **{"set cycle": 44.0, "shifts per day": 3.0})
    points = pd.concat([points, extra], ignore_index=True)
    base = labels.with_base_values(points, meta).query("point == 0").iloc[0]
    assert math.isnan(base["set cycle"]) and math.isnan(base["shifts per day"])


def test_solve_view_reads_both_shapes():
    """The documented dict (bracket: [fail, meet]) and solve.SolveResult's fields (fails/meets
    evaluations, target as a number) give the same view."""
    documented = syn.solve_result()
    as_result = {k: v for k, v in documented.items() if k != "bracket"}
    as_result.update(fails={"value": 45.0, "p": 0.85}, meets={"value": 44.5, "p": 0.92})
    a, b = labels.solve_view(documented), labels.solve_view(as_result)
    assert a == b
    assert (a["fail"], a["meet"], a["target"], a["confidence"]) == (45.0, 44.5, 500_000.0, 0.9)
