"""Time series on both engines (issue 10 item 2): stopping at every period boundary changes
nothing else, the progress hook sees every boundary, and weekly series agree exactly.

The engines stop at each period boundary for a read-only snapshot. Were a snapshot to bring
the engine's integrals up to date (a flush) or a stop to change the order of events, the run's
other results would change in their last bits: here each engine's RunResult with the stops is
compared, ``==``, with the same run stopping only at the warm-up's end (as before the series
existed).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from linesim import engines, simulate
from linesim.engines import fast
from linesim.engines.fast import build
from linesim.engines.simpy import run as simpy_run
from linesim.loader import load_scenario
from linesim.scenario import Scenario
from linesim.series import boundaries

from ._compare import assert_engines_agree, differences

ROOT = Path(__file__).resolve().parents[2]
# Random times and many boundaries in working time (hours; days on a continuous calendar):
# a flush at each boundary changes these runs' results in their last bits (checked).
RANDOM_LINE = Scenario.model_validate({"name": "random-line", "stations": [
    {"name": "a", "cycle_time": {"dist": "exponential", "mean": 50}, "buffer_after": 3},
    {"name": "b", "cycle_time": {"dist": "lognormal", "mean": 48, "cv": 0.5}, "buffer_after": 3},
    {"name": "c", "cycle_time": {"dist": "exponential", "mean": 49}}],
    "run": {"warmup": "1 h", "horizon": "36 h", "replications": 1}})
CASES = {"phase 1, 36 h": lambda: _scenario("zhuojun-seats-phase1.yaml", "36 h"),
         "random line, 36 h": lambda: RANDOM_LINE,
         "random line, 6 d": lambda: RANDOM_LINE.with_run(horizon="6 d")}


def _scenario(name: str, horizon: str) -> Scenario:
    return load_scenario(ROOT / "scenarios" / name).with_run(horizon=horizon, replications=1)


def _without_series(result: simulate.RunResult) -> simulate.RunResult:
    return dataclasses.replace(result, periods=None, occupancy=None)


@pytest.mark.parametrize("engine", ["simpy", "fast"])
@pytest.mark.parametrize("case", list(CASES))
def test_stopping_at_period_boundaries_changes_nothing_else(case, engine, monkeypatch):
    sc = engines.pinned(CASES[case](), engine)
    stepped = simulate.run_replication(sc, 0)
    assert len(stepped.periods.output) > 3
    for module in (simpy_run, build):  # the run as before: one stop, at the warm-up's end
        monkeypatch.setattr(module, "boundaries",
                            lambda start, end, horizon: sorted({start, end} - {0.0}))
    plain = simulate.run_replication(sc, 0)
    assert len(plain.periods.output) <= 2
    diff = differences(_without_series(stepped), _without_series(plain))
    assert not diff, diff


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_on_period_sees_every_boundary(engine):
    """``on_period(t)`` is called once per boundary, in order, the last at the window's end,
    through engines.run_window and simulate.run_replication alike."""
    sc = engines.pinned(_scenario("zhuojun-seats-phase1.yaml", "3 d"), engine)
    _, start_t, end_t = engines.observation(sc)
    want = boundaries(start_t, end_t, sc.run.horizon)
    assert want[-1] == end_t and start_t in want and len(want) == 5  # 3 days, warm-up split
    seen: list[float] = []
    window = engines.run_window(sc, 0, on_period=seen.append)
    assert window.engine == engine and seen == want
    assert [s["t"] for s in window.snapshots] == [0.0, *want]
    seen.clear()
    result = simulate.run_replication(sc, 0, on_period=seen.append)
    assert seen == want and result.periods.t == [0.0, *want]


def test_weekly_series_agree_on_both_engines():
    """Weekly periods (a 9-week horizon: the shipped comparisons run days, the generated plants
    hours to days) on a plant with shifts, holidays and every kind of edge: ``==``."""
    sc = Scenario.model_validate({
        "name": "weekly", "calendar": {"shifts_per_day": 2, "shift_length": "8 h",
                                       "days_per_week": 5, "holidays_per_year": 11},
        "stations": [
            {"name": "in", "inputs": [], "cycle_time": {"dist": "exponential", "mean": 50},
             "arrivals": {"interarrival": 55, "queue": 3, "when_full": "lose"},
             "buffer_after": 2},
            {"name": "src", "inputs": [], "cycle_time": 45,
             "conveyor": {"transfer_time": "3 min", "capacity": 5}},
            {"name": "join", "inputs": ["in", "src"], "cycle_time": 22,
             "buffer_after": "unlimited", "failures": {"mtbf": "2 h", "mttr": "6 min"}},
            {"name": "test", "inputs": ["join"], "cycle_time": 24, "scrap": 0.03,
             "rework": {"to": "join", "fraction": 0.05}}],
        "run": {"warmup": "3 h", "horizon": "9 weeks", "replications": 1}})
    assert not fast.unsupported(sc)
    assert simulate.run_replication(sc, 0).periods.name == "week"
    assert_engines_agree(sc, replications=(0,))
