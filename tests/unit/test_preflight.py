"""Pre-flight checks against hand arithmetic: the event budget, the observation window on a
shift calendar, and sources whose arrivals are faster than the plant can take them."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from linesim import preflight
from linesim.loader import load_scenario
from linesim.units import DAY, HOUR, YEAR

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").rglob("*.yaml"))

SERIAL = """
name: serial
stations:
  - {name: S1, cycle_time: 30 s}
  - {name: S2, cycle_time: 40 s}
  - {name: S3, cycle_time: 20 s}
run: {warmup: 1 h, horizon: 10 h, replications: 3}
"""

ONE_SHIFT_5_DAYS = "{shifts_per_day: 1, shift_length: 8 h, days_per_week: 5}"
TWO_SHIFTS_5_DAYS = "{shifts_per_day: 2, shift_length: 8 h, days_per_week: 5}"


@pytest.fixture
def load(write_yaml):
    def go(text: str, overrides=()):
        return load_scenario(write_yaml(text), list(overrides))
    return go


# -- event budget --------------------------------------------------------------------------------
def test_budget_of_a_deterministic_serial_line_is_replications_stations_parts(load):
    """Operations = replications × Σ stations × parts started: 3 replications × 3 stations ×
    (11 scheduled hours × 90 parts an hour at the 40 s bottleneck) = 8,910; CPU time at the
    engine's measured speed; wall time in rounds of `jobs` replications."""
    budget = preflight.estimate_budget(load(SERIAL, [("run.engine", "simpy")]), jobs=2)
    assert budget.operations == pytest.approx(3 * 3 * 11 * 90)
    assert budget.per_replication == pytest.approx(3 * 11 * 90)
    assert budget.scheduled_s_per_replication == pytest.approx(11 * HOUR)
    assert budget.cpu_s == pytest.approx(8910 / preflight.ENGINE_OPS_PER_CPU_S)
    assert budget.wall_s == pytest.approx(2 * 2970 / preflight.ENGINE_OPS_PER_CPU_S)  # 2 rounds
    assert budget.jobs == 2


def test_the_budget_is_timed_at_the_speed_of_the_engine_that_will_run(load, monkeypatch):
    """The same work costs the fast engine's measured speed when it will run (auto, where it
    supports the scenario, or fast) and the SimPy engine's when SimPy will (run.engine: simpy,
    or auto on a scenario the fast engine cannot run)."""
    from linesim.engines import fast

    for engine, speed in (("auto", preflight.FAST_ENGINE_OPS_PER_CPU_S),
                          ("fast", preflight.FAST_ENGINE_OPS_PER_CPU_S),
                          ("simpy", preflight.ENGINE_OPS_PER_CPU_S)):
        budget = preflight.estimate_budget(load(SERIAL, [("run.engine", engine)]), jobs=2)
        assert budget.operations == pytest.approx(8910)
        assert budget.cpu_s == pytest.approx(8910 / speed), engine
        assert budget.engine == ("simpy" if engine == "simpy" else "fast")
    monkeypatch.setattr(fast, "unsupported", lambda sc: ["a feature"])
    budget = preflight.estimate_budget(load(SERIAL), jobs=2)
    assert budget.engine == "simpy"
    assert budget.cpu_s == pytest.approx(8910 / preflight.ENGINE_OPS_PER_CPU_S)


def test_budget_counts_only_scheduled_time_in_the_window(load):
    """On 2 shifts × 8 h (06:00–22:00), a 4 h warm-up ends at day 0 10:00; a 1 d horizon to day
    1 10:00 holds 12 + 4 = 16 scheduled hours; with the warm-up 20 h × 90/h × 3 stations."""
    sc = load(SERIAL.replace("run:", f"calendar: {TWO_SHIFTS_5_DAYS}\nrun:"),
              [("run.warmup", "4 h"), ("run.horizon", "1 d"), ("run.replications", 1)])
    budget = preflight.estimate_budget(sc, jobs=1)
    assert budget.scheduled_s_per_replication == pytest.approx(20 * HOUR)
    assert budget.operations == pytest.approx(3 * 20 * 90)


def test_budget_counts_routing_and_assembly_flows(load):
    """A station fed two parts per unit starts twice as often as the unit is made: two sources
    (one of them giving 2 parts per kit) into a 60 s assembly over 10 h: 600 kits, so
    1,200 + 600 + 600 operations."""
    sc = load("""
        name: kits
        stations:
          - {name: A, cycle_time: 10 s, inputs: []}
          - {name: B, cycle_time: 10 s, inputs: []}
          - {name: C, cycle_time: 60 s, inputs: [A, B], assembly: {A: 2, B: 1}}
        run: {horizon: 10 h, replications: 1}
        """)
    assert preflight.estimate_budget(sc).operations == pytest.approx(1200 + 600 + 600)


def test_a_run_under_the_soft_threshold_says_nothing(load):
    """A run expected to take well under a minute prints no estimate."""
    result = preflight.check(load(SERIAL), jobs=2)
    assert result.ok and result.warnings == ()


def test_a_long_run_prints_the_estimate_and_the_wall_time(load):
    """Over a minute of expected wall time: one warning line with the operations and the wall
    time on the workers (60 s cycle, 1 year, 100 replications: 52.6 million operations, minutes
    on the SimPy engine); on the fast engine the same run takes seconds and prints nothing."""
    text = "name: long\nstations: [{name: S1, cycle_time: 60 s}]\nrun: {replications: 100}\n"
    result = preflight.check(load(text, [("run.engine", "simpy")]), jobs=2)
    assert result.ok
    assert result.warnings == ("about 53 million station operations, about "
                               f"{round(50 * 525600 / preflight.ENGINE_OPS_PER_CPU_S / 60)} min "
                               "on 2 workers",)
    result = preflight.check(load(text, [("run.engine", "fast")]), jobs=2)
    assert result.ok and result.warnings == ()
    assert result.budget.wall_s == pytest.approx(50 * 525600 / preflight.FAST_ENGINE_OPS_PER_CPU_S)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_are_never_refused(path):
    """Every shipped scenario passes pre-flight on 2 workers (it may print the estimate)."""
    result = preflight.check(load_scenario(path), jobs=2)
    assert result.ok, result.errors
    assert all("operations" in w for w in result.warnings), result.warnings


@pytest.mark.parametrize("text, overrides, loc", [
    ("name: f\nstations: [{name: S1, cycle_time: 0.0001}]\n", (), ("stations", 0, "cycle_time")),
    ("name: f\nstations: [{name: S1, cycle_time: 60}, {name: S2, cycle_time: 50}]\n",
     [("run.horizon", "10000 year")], ("run", "horizon")),
    ("name: f\nstations: [{name: S1, cycle_time: 60}]\n",
     [("run.warmup", "10000 year"), ("run.horizon", "1 d")], ("run", "warmup")),
    ("name: f\nstations: [{name: S1, cycle_time: 60}]\n", [("run.replications", 100000)],
     ("run", "replications")),
    ("name: f\nstations: [{name: S1, cycle_time: 1e-4, inputs: [], arrivals: "
     "{interarrival: 1e-5 s, queue: 3, when_full: lose}}]\n", (),
     ("stations", 0, "arrivals", "interarrival")),
])
def test_a_run_over_the_hard_limit_is_refused_naming_the_key_that_drives_it(load, text,
                                                                             overrides, loc):
    """Above 10^10 operations on the SimPy engine: an error at the key furthest above a sensible
    run (1 scheduled year, 10 replications): an absurd cycle time, horizon, warm-up, replication
    count or arrival stream; the message gives the estimate and says --force runs it anyway."""
    result = preflight.check(load(text, [*overrides, ("run.engine", "simpy")]), jobs=2)
    assert [e.loc for e in result.errors] == [loc]
    message = result.errors[0].message
    assert "station operations" in message and "--force" in message
    assert "on the simpy engine" in message
    assert result.budget.operations > preflight.HARD_LIMIT_OPS


def test_the_fast_engine_is_refused_at_the_same_cpu_hours(load):
    """On the fast engine the limit is the same CPU time, so more operations: a 10,000-year
    horizon of a 60 s / 50 s line (10^11 operations, ~5 days of CPU on SimPy) is refused on
    SimPy and runs on the fast engine (with its time estimate: hours); a 10^6-year horizon is
    refused on both, at run.horizon, the message naming the engine and its limit."""
    text = "name: f\nstations: [{name: S1, cycle_time: 60}, {name: S2, cycle_time: 50}]\n"
    for engine, refused in (("simpy", True), ("fast", False)):
        result = preflight.check(load(text, [("run.horizon", "10000 year"),
                                             ("run.engine", engine)]), jobs=2)
        assert result.ok is not refused, (engine, result.errors)
        assert result.budget.engine == engine
    assert result.warnings and "station operations" in result.warnings[0]
    result = preflight.check(load(text, [("run.horizon", "1000000 year"),
                                         ("run.engine", "fast")]), jobs=2)
    assert [e.loc for e in result.errors] == [("run", "horizon")]
    assert result.budget.operations > preflight.hard_limit_ops("fast") > preflight.HARD_LIMIT_OPS
    assert "on the fast engine" in result.errors[0].message


def test_force_turns_the_refused_budget_into_a_warning(load):
    """With force the over-limit run is allowed and the estimate is still printed."""
    sc = load("name: f\nstations: [{name: S1, cycle_time: 0.0001}]\n")
    result = preflight.check(sc, jobs=1, force=True)
    assert result.ok
    assert len(result.warnings) == 1 and "--force" in result.warnings[0]


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_the_hard_limit_is_about_a_day_of_cpu(engine):
    """The limit in operations stands for 10 to 30 CPU hours at each engine's measured speed,
    the same hours on both (10^10 operations on SimPy, as before the fast engine)."""
    hours = preflight.hard_limit_ops(engine) / preflight.OPS_PER_CPU_S[engine] / HOUR
    assert 10 <= hours <= 30
    assert hours == pytest.approx(preflight.HARD_LIMIT_OPS / preflight.ENGINE_OPS_PER_CPU_S / HOUR)
    assert preflight.hard_limit_ops("simpy") == pytest.approx(1e10)


# -- observation window --------------------------------------------------------------------------
def test_a_one_hour_horizon_before_the_first_shift_is_refused(load):
    """`horizon: 1 h` with the first shift at 06:00: the window [00:00, 01:00) holds no scheduled
    time; the error is at run.horizon, names the calendar and a horizon longer than 6 h."""
    sc = load(SERIAL.replace("run:", f"calendar: {TWO_SHIFTS_5_DAYS}\nrun:"),
              [("run.warmup", 0), ("run.horizon", "1 h")])
    result = preflight.check(sc, jobs=1)
    assert [e.loc for e in result.errors] == [("run", "horizon")]
    message = result.errors[0].message
    assert "2 shifts × 8 h, 5 days a week" in message
    assert "day 0 00:00 to day 0 01:00" in message
    assert "longer than 6 h" in message and "day 0 06:00" in message


def test_a_warm_up_ending_before_a_weekend_is_refused(load):
    """The issue's case: 1 shift × 8 h (06:00–14:00), 5 days; a 40 h warm-up ends on day 4 (a
    Friday) at 14:00, and a 2 d horizon ends on day 6 at 14:00, before Monday's 06:00 shift:
    no scheduled time. The error names run.warmup too and a horizon longer than 64 h."""
    sc = load(SERIAL.replace("run:", f"calendar: {ONE_SHIFT_5_DAYS}\nrun:"),
              [("run.warmup", "40 h"), ("run.horizon", "2 d")])
    result = preflight.check(sc, jobs=1)
    assert [e.loc for e in result.errors] == [("run", "horizon")]
    message = result.errors[0].message
    assert "1 shift × 8 h, 5 days a week" in message
    assert "run.warmup of 40 h" in message and "run.warmup shorter than 40 h" in message
    assert "day 4 14:00 to day 6 14:00" in message
    assert "longer than 64 h" in message and "day 7 06:00" in message


@pytest.mark.parametrize("warmup, horizon", [("40 h", "67 h"), ("39 h", "2 d"), (0, "7 h"),
                                             ("40 h", "1 year")])
def test_a_window_holding_scheduled_time_passes(load, warmup, horizon):
    """A window reaching into Monday's shift, a warm-up ending inside Friday's shift, or a
    horizon reaching the first shift: no window error."""
    sc = load(SERIAL.replace("run:", f"calendar: {ONE_SHIFT_5_DAYS}\nrun:"),
              [("run.warmup", warmup), ("run.horizon", horizon), ("run.replications", 1)])
    assert preflight.window_error(sc) is None


def test_simulate_refuses_an_empty_window_with_a_value_error(load):
    """Reached through the API, a window with no scheduled time is a clear ValueError naming
    run.horizon, before simulating (never a ZeroDivisionError after it)."""
    from linesim.simulate import run_replication

    sc = load(SERIAL.replace("run:", f"calendar: {ONE_SHIFT_5_DAYS}\nrun:"),
              [("run.warmup", "40 h"), ("run.horizon", "2 d")])
    with pytest.raises(ValueError, match="run.horizon"):
        run_replication(sc, 0)


def test_summarize_refuses_results_without_scheduled_time(load):
    """estimate.summarize given a replication that observed no scheduled time raises a
    ValueError saying so (every annual figure divides by that time)."""
    from linesim.capacity import capacity_check
    from linesim.estimate import summarize
    from linesim.simulate import run_replication

    sc = load(SERIAL, [("run.horizon", "1 h"), ("run.warmup", 0)])
    result = dataclasses.replace(run_replication(sc, 0), scheduled_s=0.0)
    with pytest.raises(ValueError, match="no scheduled time"):
        summarize(sc, [result], capacity_check(sc))


# -- flooding sources ----------------------------------------------------------------------------
FLOOD = """
name: flood
stations:
  - {name: S1, cycle_time: 60 s, inputs: [], arrivals: {interarrival: 0.01 s}}
run: {horizon: 1 d, replications: 1}
"""


def test_arrivals_above_the_ceiling_into_an_unlimited_queue_are_an_error(load):
    """One arrival every 0.01 s (360,000/h) into a 60 s station (60/h) with the default
    unlimited queue: an error at the interarrival with both rates and what to change."""
    result = preflight.check(load(FLOOD), jobs=1)
    assert [e.loc for e in result.errors] == [("stations", 0, "arrivals", "interarrival")]
    message = result.errors[0].message
    assert "360,000/h" in message and "60/h" in message
    assert "queue" in message and "when_full" in message and "lose" in message


def test_force_does_not_allow_a_flooding_source(load):
    """--force overrides the event budget only: a flood into an unlimited queue stays an error."""
    assert not preflight.check(load(FLOOD), jobs=1, force=True).ok


@pytest.mark.parametrize("when_full, words", [("lose", "nearly all arrivals will be turned away"),
                                              ("block", "arrivals will be blocked")])
def test_arrivals_above_the_ceiling_into_a_finite_queue_are_a_warning(load, when_full, words):
    """With a finite queue the plant is safe: a warning saying arrivals are lost or blocked."""
    sc = load(FLOOD, [("stations.S1.arrivals.queue", 5),
                      ("stations.S1.arrivals.when_full", when_full)])
    result = preflight.check(sc, jobs=1)
    assert result.ok
    assert any(words in w for w in result.warnings), result.warnings


def test_the_share_lost_is_what_the_plant_cannot_take(load):
    """120 arrivals an hour into a 60/h station that loses what its queue cannot hold: about 50%
    are turned away."""
    sc = load(FLOOD, [("stations.S1.arrivals.interarrival", "30 s"),
                      ("stations.S1.arrivals.queue", 5),
                      ("stations.S1.arrivals.when_full", "lose")])
    assert any("about 50% of arrivals will be turned away" in w
               for w in preflight.check(sc, jobs=1).warnings)


@pytest.mark.parametrize("interarrival, warned", [("60.5 s", True), ("60 s", True),
                                                  ("70 s", False)])
def test_arrivals_near_the_ceiling_warn_of_a_growing_queue(load, interarrival, warned):
    """Arrivals at more than 98% of what the plant can take (exactly 100% included) into an
    unlimited queue: a warning, not an error; at 86% nothing."""
    sc = load(FLOOD, [("stations.S1.arrivals.interarrival", interarrival)])
    result = preflight.check(sc, jobs=1)
    assert result.ok
    assert any("grow long" in w for w in result.warnings) is warned


def test_an_assembly_couples_its_two_sources(load):
    """A 1 + 1 assembly fed by arrivals every 30 s (120/h) and every 40 s (90/h): the kit can use
    no more of the first than the second delivers, so the first floods (at most 90/h, held
    there by the second's arrivals) and the second does not."""
    sc = load("""
        name: kits
        stations:
          - {name: A, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 30 s}}
          - {name: B, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 40 s}}
          - {name: C, cycle_time: 20 s, inputs: [A, B], assembly: {A: 1, B: 1}}
        run: {horizon: 1 d, replications: 1}
        """)
    result = preflight.check(sc, jobs=1)
    assert [e.loc for e in result.errors] == [("stations", 0, "arrivals", "interarrival")]
    assert "120/h" in result.errors[0].message and "90/h" in result.errors[0].message
    assert "arrivals at B" in result.errors[0].message


def test_two_sources_sharing_a_station_are_checked_together(load):
    """Two sources at 60/h each merge into a 40 s station (90/h): with the other at its
    arrival rate each can get only 30/h through, so both flood; at 40/h each neither does."""
    text = """
        name: merge
        stations:
          - {name: A, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 60 s}}
          - {name: B, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 60 s}}
          - {name: C, cycle_time: 40 s, inputs: [A, B]}
        run: {horizon: 1 d, replications: 1}
        """
    result = preflight.check(load(text), jobs=1)
    assert sorted(e.loc[1] for e in result.errors) == [0, 1]
    assert all("30/h" in e.message for e in result.errors)
    slow = load(text.replace("60 s}", "90 s}"))
    assert preflight.check(slow, jobs=1).errors == ()


def test_arrivals_run_on_the_sources_own_calendar(load):
    """A source on a 24/7 calendar with one arrival a minute feeds a 40 s station on 2 shifts ×
    8 h, 5 days (261 days, 4,176 h a year): 525,600 a year arrive, 375,840 can be taken; it
    floods, and the most it can deliver is 90 × 4,176 / 8,760 = 42.9 per hour of its own
    (24/7) time."""
    sc = load(f"""
        name: cal
        calendar: {TWO_SHIFTS_5_DAYS}
        stations:
          - {{name: A, cycle_time: 10 s, inputs: [], calendar: continuous,
              arrivals: {{interarrival: 60 s}}}}
          - {{name: B, cycle_time: 40 s}}
        run: {{horizon: 1 d, replications: 1}}
        """)
    result = preflight.check(sc, jobs=1)
    assert [e.loc for e in result.errors] == [("stations", 0, "arrivals", "interarrival")]
    assert "60/h" in result.errors[0].message
    assert f"{90 * 4176 / 8760:.3g}/h" in result.errors[0].message


def test_a_plant_the_arithmetic_cannot_solve_is_refused(load):
    """A cycle time of 10^-300 s makes the capacity programme unbounded: exit-2 material (an
    error for the whole file saying what to look for), never a traceback later."""
    sc = load("name: f\nstations: [{name: S1, cycle_time: 1e-300}]\n")
    result = preflight.check(sc, jobs=1, force=True)
    assert [e.loc for e in result.errors] == [()]
    assert "near zero" in result.errors[0].message


def test_a_window_too_short_for_a_few_units_warns(load):
    """A 5 min horizon on a 40 s bottleneck holds at most 7.5 units: a warning at run.horizon;
    10 min (15 units) passes silently."""
    short = preflight.check(load(SERIAL, [("run.horizon", "5 min")]), jobs=1)
    assert short.ok and len(short.warnings) == 1
    assert "at most 7.5 part(s)" in short.warnings[0] and "run.horizon" in short.warnings[0]
    assert preflight.check(load(SERIAL, [("run.horizon", "10 min")]), jobs=1).warnings == ()


def test_words_for_large_numbers_and_times():
    """Estimates read as words a user can take in at a glance."""
    assert preflight._count(48.6e6) == "49 million"
    assert preflight._count(3.2e12) == "3.2 trillion"
    assert preflight._count(math.inf) == "unboundedly many"
    assert preflight._duration(6 * 60 + 10) == "6 min"
    assert preflight._duration(3 * DAY) == "3 days"
    assert preflight._duration(10000 * YEAR) == "10,000 years"


def test_an_assembly_fed_in_step_is_not_saturated(load):
    """Two streams of 60/h into a 1 + 1 assembly that can make 90/h: each stream is held to the
    other's pace by the bill of material, yet the plant uses only 67% of what it can take: no
    warning (the bill of material is not a ceiling)."""
    sc = load("""
        name: kits
        stations:
          - {name: A, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 60 s}}
          - {name: B, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 60 s}}
          - {name: C, cycle_time: 40 s, inputs: [A, B], assembly: {A: 1, B: 1}}
        run: {horizon: 1 d, replications: 1}
        """)
    result = preflight.check(sc, jobs=1)
    assert result.errors == () and result.warnings == ()


def test_streams_that_only_together_exceed_a_shared_station_are_all_named(load):
    """Three streams of 60/h merge into a 40 s station (90/h): none can be singled out (any two
    already exceed it), so each is named with its share of the common limit, 30/h."""
    sc = load("""
        name: merge3
        stations:
          - {name: A, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 60 s}}
          - {name: B, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 60 s}}
          - {name: D, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 60 s}}
          - {name: C, cycle_time: 40 s, inputs: [A, B, D]}
        run: {horizon: 1 d, replications: 1}
        """)
    result = preflight.check(sc, jobs=1)
    assert sorted(e.loc[1] for e in result.errors) == [0, 1, 2]
    assert all("30/h" in e.message for e in result.errors)


def test_a_big_stream_beside_a_small_one_is_named(load):
    """80/h and 20/h merging into a 90/h station: the big stream cannot be carried beside the
    small one (at most 70/h): it is named with that limit."""
    sc = load("""
        name: merge2
        stations:
          - {name: A, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 45 s}}
          - {name: B, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 180 s}}
          - {name: C, cycle_time: 40 s, inputs: [A, B]}
        run: {horizon: 1 d, replications: 1}
        """)
    errors = preflight.check(sc, jobs=1).errors
    a = [e for e in errors if e.loc[1] == 0]
    assert len(a) == 1 and "70/h" in a[0].message


def test_two_streams_near_a_shared_limit_warn_together(load):
    """Two streams of 44.5/h into a 90/h station use 98.9% of it: one warning naming both."""
    sc = load("""
        name: near
        stations:
          - {name: A, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 80.9 s}}
          - {name: B, cycle_time: 10 s, inputs: [], arrivals: {interarrival: 80.9 s}}
          - {name: C, cycle_time: 40 s, inputs: [A, B]}
        run: {horizon: 1 d, replications: 1}
        """)
    result = preflight.check(sc, jobs=1)
    assert result.ok
    assert len(result.warnings) == 1
    assert "'A' and 'B'" in result.warnings[0] and "98.9%" in result.warnings[0]
