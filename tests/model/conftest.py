"""Fixtures for the model tests: tiny scenarios built in code, and trace helpers.

The helpers are plain functions (importable as ``from .conftest import ...`` inside this
package) and also handed out as fixtures.
"""

from __future__ import annotations

import math

import pytest

from linesim.scenario import Scenario
from linesim.states import STATE_NAMES


def build_scenario(stations, *, calendar="continuous", name="t", **run) -> Scenario:
    """A validated scenario from a list of station mappings; ``run`` fields as keywords.

    The warm-up defaults to 0 here (the package default is 0 too, but say it explicitly) and
    a single replication, which is what the model tests want.
    """
    run = {"warmup": 0, "replications": 1, "seed": 12345, **run}
    return Scenario.model_validate(
        {"name": name, "calendar": calendar, "stations": stations, "run": run}
    )


def assert_shares_sum_to_one(result) -> None:
    """Each server is in exactly one state at any instant: per station the shares are the
    states', each in [0, 1], summing to 1 (within 1e-9)."""
    for st in result.stations:
        assert set(st.shares) == set(STATE_NAMES)
        assert all(-1e-12 <= v <= 1 + 1e-12 for v in st.shares.values()), st
        assert math.fsum(st.shares.values()) == pytest.approx(1.0, abs=1e-9), st


def intervals(trace, end: float, *, keep_zero: bool = False):
    """A server's change points ``[(t, state), ...]`` as ``[(start, end, state_name), ...]``.

    Intervals are clipped at ``end``; zero-length intervals are dropped (unless ``keep_zero``)
    and neighbours in the same state merged, so the result is the timeline one would draw.
    """
    out: list[list] = []
    points = list(trace) + [(max(end, trace[-1][0]), None)]
    for (t0, state), (t1, _) in zip(points, points[1:]):
        if t1 < t0:
            raise AssertionError(f"change points out of order: {t0} then {t1}")
        if t0 >= end:
            break
        t1 = min(t1, end)
        if t1 == t0 and not keep_zero:
            continue
        name = STATE_NAMES[state]
        if out and out[-1][2] == name and not keep_zero:
            out[-1][1] = t1
        else:
            out.append([t0, t1, name])
    return [tuple(x) for x in out]


def durations(trace, end: float) -> dict[str, float]:
    """Seconds per state name in [0, end) from a server's change points."""
    acc = dict.fromkeys(STATE_NAMES, 0.0)
    for a, b, name in intervals(trace, end):
        acc[name] += b - a
    return acc


@pytest.fixture
def scenario():
    return build_scenario


@pytest.fixture
def timeline():
    return intervals


@pytest.fixture
def state_durations():
    return durations
