"""Invariants that must hold on every run of every line, checked on a handful of varied lines.

The configurations mix exponential, lognormal and constant times, failures on both bases
(constant and random), parallel servers, scrap, buffers 0..5, continuous and shift calendars
with breaks (repairs paused or continuing off shift), with and without warm-up. Each runs one
short replication (hours to a couple of weeks), once per module, with the trace on.

``W_max`` below is the most parts the line can hold: one per server plus every waiting place
(a blocked server holds its part on its own place).
"""

from __future__ import annotations

import functools

import pytest

from linesim import engines
from linesim.capacity import capacity_check
from linesim.calendars import build_calendar
from linesim.scenario import Scenario
from linesim.simulate import run_replication
from linesim.states import STATE_NAMES, STARVED, WORKING

from .conftest import assert_shares_sum_to_one, build_scenario, durations

SHIFTS_BREAKS = {"shifts_per_day": 2, "shift_length": "8 h", "breaks_per_shift": "30 min",
                 "days_per_week": 5, "holidays_per_year": 10}
THREE_SHIFTS = {"shifts_per_day": 3, "shift_length": "7.5 h", "breaks_per_shift": "20 min",
                "working_days_per_year": 250, "repairs_off_shift": True}
exp = lambda m: {"dist": "exponential", "mean": m}  # noqa: E731
logn = lambda m, cv: {"dist": "lognormal", "mean": m, "cv": cv}  # noqa: E731
const = lambda v: {"dist": "constant", "value": v}  # noqa: E731

CONFIGS = {
    # Random times, parallel servers, both failure bases, scrap; continuous, with warm-up.
    "random-continuous": dict(stations=[
        {"name": "A", "cycle_time": exp(30), "buffer_after": 2,
         "failures": {"mtbf": "40 min", "mttr": exp("4 min")}},
        {"name": "B", "cycle_time": logn(55, 0.8), "servers": 2, "buffer_after": 0,
         "failures": {"mtbf": "30 min", "mttr": logn("3 min", 0.5), "basis": "scheduled"},
         "scrap": "1%"},
        {"name": "C", "cycle_time": exp(25), "buffer_after": 5},
        {"name": "D", "cycle_time": logn(27, 0.3)},
    ], run=dict(warmup="2 h", horizon="2 d")),
    # Shift calendar with breaks and holidays; failures on both bases; repairs pause off shift.
    "random-shifts": dict(calendar=SHIFTS_BREAKS, stations=[
        {"name": "A", "cycle_time": logn(30, 0.5), "buffer_after": 3,
         "failures": {"mtbf": "2 h", "mttr": exp("10 min")}},
        {"name": "B", "cycle_time": exp(50), "servers": 2, "buffer_after": 0,
         "failures": {"mtbf": "1 h", "mttr": "5 min", "basis": "scheduled"}, "scrap": "2%"},
        {"name": "C", "cycle_time": exp(28), "buffer_after": 5},
        {"name": "D", "cycle_time": logn(25, 1.0), "scrap": 0.05,
         "failures": {"availability": 0.9, "mttr": "3 min", "basis": "scheduled"}},
    ], run=dict(warmup="8 h", horizon="10 d")),
    # Three shifts, repairs continue off shift, long repairs, scrap at the first station.
    "three-shifts-repairs-off-shift": dict(calendar=THREE_SHIFTS, stations=[
        {"name": "A", "cycle_time": exp(40), "buffer_after": 1, "scrap": 0.03},
        {"name": "B", "cycle_time": logn(38, 0.4), "buffer_after": 4,
         "failures": {"mtbf": "3 h", "mttr": exp("45 min"), "basis": "scheduled"}},
        {"name": "C", "cycle_time": exp(35), "servers": 3, "buffer_after": 0,
         "failures": {"mtbf": "20 min", "mttr": exp("20 min")}},
        {"name": "D", "cycle_time": exp(20)},
    ], run=dict(warmup=0, horizon="6 d")),
    # Deterministic, continuous, no failures, parallel servers, no warm-up.
    "deterministic-continuous": dict(stations=[
        {"name": "A", "cycle_time": 30, "buffer_after": 2},
        {"name": "B", "cycle_time": 75, "servers": 2, "buffer_after": 1},
        {"name": "C", "cycle_time": 35, "buffer_after": 0},
        {"name": "D", "cycle_time": 30},
    ], run=dict(warmup=0, horizon="12 h")),
    # Deterministic times and constant failures on a shift calendar with breaks, warm-up.
    "deterministic-shifts-failures": dict(calendar=SHIFTS_BREAKS, stations=[
        {"name": "A", "cycle_time": 45, "buffer_after": 3,
         "failures": {"mtbf": const("50 min"), "mttr": const("7 min")}},
        {"name": "B", "cycle_time": 95, "servers": 2, "buffer_after": 0},
        {"name": "C", "cycle_time": 44, "buffer_after": 2,
         "failures": {"mtbf": const("65 min"), "mttr": const("4 min"), "basis": "scheduled"}},
        {"name": "D", "cycle_time": 40},
    ], run=dict(warmup="5 h", horizon="8 d")),
    # A single station with two servers: first and last at once.
    "single-station": dict(stations=[
        {"name": "M", "cycle_time": logn(60, 0.5), "scrap": 0.1, "servers": 2,
         "failures": {"mtbf": exp("1 h"), "mttr": exp("6 min"), "basis": "scheduled"}},
    ], run=dict(warmup="1 h", horizon="2 d")),
}
DETERMINISTIC = ("deterministic-continuous", "deterministic-shifts-failures")
NAMES = list(CONFIGS)


@functools.cache
def run(name: str):
    cfg = CONFIGS[name]
    sc = build_scenario(cfg["stations"], calendar=cfg.get("calendar", "continuous"),
                        name=name, **cfg["run"])
    return sc, run_replication(sc, 0, trace=True)


ENGINES = ("simpy", "fast")


@functools.cache
def run_on(name: str, engine: str):
    """Replication 0 of configuration ``name`` on ``engine`` (cached): SimPy with the trace on
    (``run``), the fast engine (which records none) without."""
    if engine == "simpy":
        return run(name)
    cfg = CONFIGS[name]
    sc = build_scenario(cfg["stations"], calendar=cfg.get("calendar", "continuous"),
                        name=name, **cfg["run"])
    try:
        return sc, run_replication(engines.pinned(sc, "fast"), 0)
    except engines.EngineUnsupported as exc:  # not cached: raised again, quickly, each time
        pytest.skip(f"the fast engine does not run {name} yet: {'; '.join(exc.reasons)}")


def w_max(sc: Scenario) -> int:
    return sum(st.servers + st.buffer_after for st in sc.stations)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_shares_are_fractions_summing_to_one(name, engine):
    """Each server is in exactly one state at any instant: per station the five shares are
    in [0, 1] and sum to 1 (within 1e-9)."""
    _, r = run_on(name, engine)
    assert_shares_sum_to_one(r)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_first_never_starved_last_never_blocked(name, engine):
    """The first station always has a part to take; the last can always hand its part on."""
    _, r = run_on(name, engine)
    assert r.stations[0].shares["starved"] == 0.0
    assert r.stations[-1].shares["blocked"] == 0.0


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_down_only_with_failures(name, engine):
    """A station without failures is never down and counts no failures; one that failed in
    the window has spent time down."""
    sc, r = run_on(name, engine)
    for spec, st in zip(sc.stations, r.stations):
        if spec.failures is None:
            assert st.shares["down"] == 0.0 and st.failures == 0, st
        elif st.failures > 0:
            assert st.shares["down"] > 0.0, st


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_off_shift_share_is_the_unscheduled_fraction(name, engine):
    """With a continuous calendar no station is ever off shift; under a shift calendar every
    server is off shift exactly the unscheduled part of the window, whatever it was doing:
    off_shift = 1 − scheduled_s / observed_s (within 1e-9)."""
    sc, r = run_on(name, engine)
    expected = 0.0 if sc.calendar == "continuous" else 1.0 - r.scheduled_s / r.observed_s
    if sc.calendar == "continuous":
        assert r.scheduled_s == r.observed_s
    else:
        assert 0.0 < expected < 1.0
    for st in r.stations:
        assert st.shares["off_shift"] == pytest.approx(expected, abs=1e-9), st


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_parts_are_conserved(name, engine):
    """Every part that entered has left good, been scrapped, or is still in the line
    (totals since t = 0); the line never holds more than W_max parts; nothing is scrapped
    where scrap is 0."""
    sc, r = run_on(name, engine)
    t = r.totals
    assert t["entered"] == t["exited"] + t["scrapped"] + t["wip_end"]
    assert 0 <= t["wip_end"] <= w_max(sc)
    assert 0.0 <= r.wip_mean <= w_max(sc)
    assert r.output <= t["exited"] and r.scrapped <= t["scrapped"] and r.entered <= t["entered"]
    if all(st.scrap == 0 for st in sc.stations):
        assert t["scrapped"] == 0
    else:
        assert r.scrapped > 0  # the configurations scrap enough to see it in the window


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_buffer_levels_within_capacity(name, engine):
    """A buffer never holds more parts than its waiting places: 0 ≤ mean level ≤ max level
    ≤ capacity."""
    sc, r = run_on(name, engine)
    assert [b.after for b in r.buffers] == [st.name for st in sc.stations[:-1]]
    for spec, b in zip(sc.stations, r.buffers):
        assert b.capacity == spec.buffer_after
        assert 0 <= b.max_level <= b.capacity, b
        assert -1e-12 <= b.mean_level <= b.max_level + 1e-12, b


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_working_share_is_throughput_times_cycle(name, engine):
    """In a deterministic line without scrap every part is processed once at every station
    for exactly its cycle time, so working seconds = parts × cycle time: per server,
    working share = output per calendar second × cycle time / servers, up to the parts that
    straddle the window edges. Bound: the parts finished at station i and at the line's end
    in the window differ by the change of the WIP between them (≤ W_max), and each server
    has at most one part cut by each edge (≤ servers·ct) — so the working seconds differ from
    output × ct by at most (W_max + servers)·ct."""
    sc, r = run_on(name, engine)
    T = r.observed_s
    assert r.output > 100
    for spec, st in zip(sc.stations, r.stations):
        ct, c = spec.cycle_time.mean_s(), spec.servers
        working_s = st.shares["working"] * T * c
        assert abs(working_s - r.output * ct) <= (w_max(sc) + c) * ct + 1e-6, spec.name
        # The same relation as shares: within a fraction (W_max + c)/output of each other.
        assert st.shares["working"] == pytest.approx(
            r.departures_per_s * ct / c, rel=(w_max(sc) + c) / r.output)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_lead_time_at_least_the_work_content(name, engine):
    """A part spends at least its processing at every station in the line (calendar time is
    never shorter than scheduled time): lead time ≥ Σ cycle times."""
    sc, r = run_on(name, engine)
    assert r.lead_time_mean_s >= sum(st.cycle_time.mean_s() for st in sc.stations) - 1e-9


def test_deterministic_throughput_within_capacity_ceiling():
    """No line beats its capacity ceiling (min over stations of servers / cycle time, per
    scheduled hour). Here the line starts empty (no warm-up, continuous calendar), so every
    part leaving in [0, T) was finished by the limiting station B (2 servers × 75 s) in
    [0, T), which can finish at most 2·floor(T/75) ≤ ceiling × T parts: the bound is exact,
    with no allowance. The other stations (30, 35, 30 s) are faster, so the line reaches the
    ceiling up to the pipeline's filling and emptying (≤ W_max parts)."""
    sc, r = run("deterministic-continuous")
    cap = capacity_check(sc)
    assert cap.limiting_station == "B"
    assert cap.ceiling_per_h == pytest.approx(96.0)
    ceiling_parts = cap.ceiling_per_h * r.scheduled_s / 3600
    assert r.output <= ceiling_parts + 1e-9
    assert r.throughput_per_h <= cap.ceiling_per_h + 1e-9
    assert r.output >= ceiling_parts - w_max(sc)


@pytest.mark.parametrize("name", NAMES)
def test_trace_change_points_are_time_ordered(name):
    """Every server's trace starts at t = 0 in its initial state (the first station working,
    the others starved), holds only nominal states (off shift is split off by the clock, not
    traced), and its change points are in time order, none after the end of the run."""
    sc, r = run(name)
    end = r.observed_s + (build_calendar(sc.calendar).time_at(sc.run.warmup)
                          if sc.run.warmup > 0 else 0.0)
    assert list(r.trace) == [st.name for st in sc.stations]
    for i, (spec, servers) in enumerate(zip(sc.stations, r.trace.values())):
        assert len(servers) == spec.servers
        for points in servers:
            assert points[0] == (0, WORKING if i == 0 else STARVED)
            times = [t for t, _ in points]
            assert times == sorted(times)
            assert times[-1] <= end
            assert {s for _, s in points} <= {0, 1, 2, 3}
            # Consecutive change points change the state.
            assert all(a[1] != b[1] for a, b in zip(points, points[1:]))


@pytest.mark.parametrize("name", [n for n in NAMES if "calendar" not in CONFIGS[n]])
def test_trace_agrees_with_shares(name):
    """On a continuous calendar the time between change points, summed per state over the
    observation window, is the state's share × window (averaged over servers): the trace
    and the clocks tell the same story."""
    sc, r = run(name)
    start = sc.run.warmup
    end = start + r.observed_s
    for spec, st in zip(sc.stations, r.stations):
        total = dict.fromkeys(STATE_NAMES, 0.0)
        for points in r.trace[spec.name]:
            upto_end, upto_start = durations(points, end), durations(points, start)
            for k in STATE_NAMES:
                total[k] += upto_end[k] - upto_start[k]
        for k in STATE_NAMES:
            assert total[k] / (r.observed_s * spec.servers) == pytest.approx(
                st.shares[k], abs=1e-9), (spec.name, k)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_bottleneck_shares_are_fractions(name, engine):
    """Active-period bottleneck shares: each in [0, 1], together ≤ 1 (an instant is credited
    to at most one station, or split between tied ones); the named bottleneck has the largest
    share."""
    _, r = run_on(name, engine)
    shares = [st.bottleneck_share for st in r.stations]
    assert all(0.0 <= s <= 1.0 + 1e-12 for s in shares)
    assert sum(shares) <= 1.0 + 1e-9
    assert r.bottleneck == max(r.stations, key=lambda st: st.bottleneck_share).name


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_annualisation_scales_by_scheduled_time(name, engine):
    """The run's rates are consistent: throughput per scheduled hour = output / scheduled
    hours; annual output = output × scheduled seconds per year / scheduled seconds observed;
    the calendar's scheduled seconds per year are those of its own 365-day pattern."""
    sc, r = run_on(name, engine)
    cal = build_calendar(sc.calendar)
    assert r.scheduled_s_per_year == cal.scheduled_s_per_period
    assert r.throughput_per_h == pytest.approx(r.output / r.scheduled_s * 3600, rel=1e-12)
    assert r.annual_output == pytest.approx(
        r.output * cal.scheduled_s_per_period / r.scheduled_s, rel=1e-12)
    assert r.departures_per_s == pytest.approx((r.output + r.scrapped) / r.observed_s)
