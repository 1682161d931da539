"""The differences between the engines the generated plants found (each the minimal plant
hypothesis shrank it to), fixed in the fast engine:
kept as plain regression tests, cheaper and more direct than waiting for hypothesis to draw
them again."""

from __future__ import annotations

from linesim.scenario import Scenario

from ._compare import engine_differences


def test_source_with_arrivals_has_no_out_of_sequence_inputs():
    """A source with arrivals has no inputs: its out_of_sequence counters are [] on both
    engines (the Window's counters are exactly Line.counters()'s format)."""
    sc = Scenario.model_validate({
        "name": "oos", "stations": [{"name": "S0", "cycle_time": 20,
                                     "arrivals": {"interarrival": 20, "queue": 0}}],
        "run": {"horizon": "2 h", "replications": 1}})
    assert engine_differences(sc, 0) == []


def test_a_plant_without_edges_has_no_buffer_counters():
    """One station, no edge: buffer_max, buffer_area and buffer_level are empty on both
    engines."""
    sc = Scenario.model_validate({
        "name": "edges", "stations": [{"name": "S0", "cycle_time": 20}],
        "run": {"warmup": "1 h", "horizon": "2 h", "replications": 1}})
    assert engine_differences(sc, 0) == []


def test_no_warmup_counts_from_the_empty_line():
    """Without warm-up the window's start snapshot is the empty line on both engines (nothing
    entered yet), so RunResult.entered agrees."""
    sc = Scenario.model_validate({
        "name": "w0", "stations": [{"name": "S0", "cycle_time": 20},
                                   {"name": "S1", "cycle_time": 20}],
        "run": {"horizon": "2 h", "replications": 1}})
    assert engine_differences(sc, 0) == []


def test_two_rework_lanes_into_one_station():
    """Two stations sending rework to the same upstream station: both engines make the same
    parts (the fast engine made none)."""
    sc = Scenario.model_validate({
        "name": "lanes", "stations": [
            {"name": "S0", "cycle_time": 20},
            {"name": "S1", "cycle_time": 20, "rework": {"to": "S0", "fraction": 0.05}},
            {"name": "S2", "cycle_time": 20, "rework": {"to": "S0", "fraction": 0.05}}],
        "run": {"warmup": "1 h", "horizon": "2 h", "replications": 1}})
    assert engine_differences(sc, 0) == []


def _const(value: float) -> dict:
    return {"dist": "constant", "value": value}


def test_a_small_plant_does_not_overflow_the_waiter_rings():
    """A 5-station, 2-hour plant (rework lanes into S0..S3, first_free at S0, a merge, constant
    times and failures): the fast engine runs it without outgrowing a ring (fast.Overflow makes
    engines.run_window fall back to SimPy: right, but slow) and agrees with SimPy."""
    fail = {"mtbf": _const(300), "mttr": _const(30)}
    stations = [
        {"name": "S0", "cycle_time": 20, "routing": "first_free",
         "arrivals": {"interarrival": _const(20), "queue": 0}},
        {"name": "S1", "cycle_time": 20, "inputs": ["S0"], "buffer_after": 2,
         "rework": {"to": "S0", "fraction": 0.05}, "failures": fail},
        {"name": "S2", "cycle_time": 20, "inputs": ["S0", "S1"],
         "rework": {"to": "S1", "fraction": 0.05}},
        {"name": "S3", "cycle_time": 20, "inputs": ["S2"],
         "rework": {"to": "S2", "fraction": 0.05}, "failures": fail},
        {"name": "S4", "cycle_time": 20, "inputs": ["S3"],
         "rework": {"to": "S3", "fraction": 0.05}, "failures": fail}]
    sc = Scenario.model_validate({"name": "waiters", "stations": stations,
                                  "run": {"horizon": "2 h", "seed": 0, "replications": 1}})
    assert engine_differences(sc, 0) == []
