"""Time series (issue 10 item 2): per-period counters and buffer occupancy, against exact
arithmetic and the run's own totals, on both engines.

* A deterministic one-station line (a part every 10 min, one 8-hour shift from 06:00) exits its
  parts at times known in advance: the output of every week (or day) is counted by hand from
  the documented calendar rule (days ``d % 7 < days_per_week``, less the holidays spread
  evenly), with weeks of holidays and weeks with no shift at all giving 0, and periods are
  half-open [start, end) like the observation window (a part leaving at 07:00 when the warm-up
  ends at 07:00 is the window's).
* On a varied plant (scrap, rework, lost arrivals, a conveyor, failures, shifts), the periods of
  the observation window add up exactly to the RunResult's output, scrapped, lost and entered,
  their time-weighted WIP and levels to its means, and the occupancy histogram is a
  distribution whose mean is the buffer's mean level.
"""

from __future__ import annotations

import math

import pytest

from linesim.engines import observation
from linesim.series import OPEN_BINS, level_bins
from linesim.units import DAY, HOUR, WEEK

from .conftest import both_engines, build_scenario, exp, replicate

CYCLE = 600.0  # s: 48 parts in an 8-hour shift
SHIFT_START = 6 * HOUR


def worked_days(days_per_week: int, holidays: int) -> list[int]:
    """The documented rule, written out again: days d of the 365 with d % 7 < days_per_week,
    less ``holidays`` of them at list positions floor((j + 0.5) n / holidays)."""
    days = [d for d in range(365) if d % 7 < days_per_week]
    gone = {math.floor((j + 0.5) * len(days) / holidays) for j in range(holidays)}
    return [d for i, d in enumerate(days) if i not in gone]


def exits(days: list[int]) -> list[float]:
    """Exit times of the deterministic line: 48 a worked day, at 06:10, 06:20, ..., 14:00."""
    return [d * DAY + SHIFT_START + k * CYCLE for d in days for k in range(1, 49)]


CALENDARS = {
    # 5 days a week, 11 holidays: days 15 and 49 are holidays (weeks 3 and 8 have 4 days)
    "5 days, 11 holidays": (5, 11),
    # one day a week, 26 holidays: every other week has no shift at all
    "1 day, 26 holidays": (1, 26),
}


@both_engines
@pytest.mark.parametrize("calendar", list(CALENDARS))
@pytest.mark.parametrize("horizon, name, length", [("10 weeks", "week", WEEK),
                                                   ("3 weeks", "day", DAY)])
def test_deterministic_output_per_period_counted_by_hand(calendar, horizon, name, length):
    per_week, holidays = CALENDARS[calendar]
    sc = build_scenario(
        [{"name": "only", "cycle_time": CYCLE}], name="det",
        calendar={"shifts_per_day": 1, "shift_length": "8 h", "days_per_week": per_week,
                  "holidays_per_year": holidays},
        warmup="1 h", horizon=horizon)
    _, start_t, end_t = observation(sc)
    assert start_t == 7 * HOUR  # 1 h of shift after 06:00 on day 0
    (r,) = replicate(sc, 1)
    p = r.periods
    assert p.name == name and p.length_s == length
    cuts = [k * length for k in range(1, int(end_t // length) + 1) if k * length < end_t]
    assert p.t == [0.0, start_t, *cuts, end_t]
    days = worked_days(per_week, holidays)
    times = exits(days)
    want = [sum(a <= x < b for x in times) for a, b in zip(p.t[:-1], p.t[1:])]
    assert p.output == want
    assert p.number == [int(a // length) + 1 for a in p.t[:-1]]
    assert p.in_warmup == [True] + [False] * (len(want) - 1)
    assert want[0] == 5  # 06:10 to 06:50; the part out at 07:00 is the window's
    shifts = [(d * DAY + SHIFT_START, d * DAY + SHIFT_START + 8 * HOUR) for d in days]
    assert p.scheduled_h == pytest.approx(
        [sum(max(0.0, min(b, y) - max(a, x)) for x, y in shifts) / HOUR
         for a, b in zip(p.t[:-1], p.t[1:])], abs=1e-9)
    assert sum(want[1:]) == r.output
    whole = {n: sum(o for o, m in zip(p.output, p.number) if m == n) for n in set(p.number)}
    if name == "week" and per_week == 5:
        assert [whole[n] for n in range(1, 11)] == [240, 240, 192, 240, 240, 240, 240, 192,
                                                    240, 240]
    if name == "week" and per_week == 1:
        assert 0 in whole.values() and set(whole.values()) <= {0, 48, 5}
    if name == "day":
        assert all(whole[n] == 0 for n in whole if (n - 1) % 7 >= per_week)  # days off: 0
        if per_week == 5:
            assert whole[16] == 0 and whole[15] == 48  # day 15 is a holiday
    # one part in the plant while the shift runs, none after it; WIP 1 over 8 h a worked day
    assert set(p.wip_end) <= {0, 1}
    assert p.level_end == [] and p.level_mean == [] and r.occupancy == []


# -- a varied plant ------------------------------------------------------------------------------
PLANT = [
    {"name": "in", "inputs": [], "cycle_time": exp(50),
     "arrivals": {"interarrival": exp(55), "queue": 3, "when_full": "lose"}, "buffer_after": 2},
    {"name": "src", "inputs": [], "cycle_time": {"dist": "lognormal", "mean": 45, "cv": 0.4},
     "conveyor": {"transfer_time": "3 min", "capacity": 5}},
    {"name": "join", "inputs": ["in", "src"], "cycle_time": exp(22), "buffer_after": "unlimited",
     "failures": {"mtbf": "2 h", "mttr": exp("6 min")}},
    {"name": "test", "inputs": ["join"], "cycle_time": exp(24), "scrap": 0.03,
     "rework": {"to": "join", "fraction": 0.05}},
]
SHIFTS = {"shifts_per_day": 2, "shift_length": "8 h", "breaks_per_shift": "30 min",
          "days_per_week": 5, "holidays_per_year": 11}


def plant(**run):
    return build_scenario(PLANT, calendar=SHIFTS, name="plant", **run)


@both_engines
@pytest.mark.parametrize("horizon", ["9 weeks", "5 d", "20 h"])
def test_periods_add_up_to_the_window(horizon):
    """The window's periods add up to the RunResult exactly (counts) and to its time-weighted
    means to 1e-9; the last period ends with the window, holding its WIP and levels."""
    for r in replicate(plant(warmup="3 h", horizon=horizon), 2):
        p = r.periods
        window = [i for i, w in enumerate(p.in_warmup) if not w]
        assert window == list(range(window[0], len(p.in_warmup))) and window[0] >= 1
        assert p.t[-1] - p.t[window[0]] == r.observed_s
        for key, total in (("output", r.output), ("scrapped", r.scrapped), ("lost", r.lost),
                           ("entered", r.entered)):
            assert sum(getattr(p, key)[i] for i in window) == total, key
        assert r.output > 0 and r.scrapped > 0 and r.lost > 0
        assert sum(p.output) == r.totals["exited"] and p.wip_end[-1] == r.totals["wip_end"]
        assert sum(p.scheduled_h[i] for i in window) * HOUR == pytest.approx(r.scheduled_s,
                                                                            rel=1e-12)
        durations = [p.t[i + 1] - p.t[i] for i in window]
        wip = sum(p.wip_mean[i] * d for i, d in zip(window, durations)) / r.observed_s
        assert wip == pytest.approx(r.wip_mean, rel=1e-9)
        for e, b in enumerate(r.buffers):
            mean = sum(p.level_mean[e][i] * d for i, d in zip(window, durations)) / r.observed_s
            assert mean == pytest.approx(b.mean_level, rel=1e-9, abs=1e-12), (b.after, b.before)
            assert max(p.level_end[e][i] for i in window) <= b.max_level


@both_engines
def test_occupancy_is_a_distribution_with_the_buffers_mean_level():
    """Per buffer: capacity + 1 levels (64 for an unlimited one), shares >= 0 summing to 1, and
    Σ level × share = the buffer's mean level (to 1e-9) wherever the top level is never reached
    open-ended; the conveyor counts its whole content."""
    for r in replicate(plant(warmup="3 h", horizon="2 weeks"), 2):
        kinds = {(b.after, b.before): b for b in r.buffers}
        assert kinds[("src", "join")].kind == "conveyor"
        for b, shares in zip(r.buffers, r.occupancy):
            cap = math.inf if b.capacity == "unlimited" else b.capacity
            assert len(shares) == level_bins(cap) == (OPEN_BINS if cap == math.inf else cap + 1)
            assert min(shares) >= 0 and sum(shares) == pytest.approx(1.0, abs=1e-12)
            if b.max_level < len(shares) - 1 or cap != math.inf:
                mean = sum(k * s for k, s in enumerate(shares))
                assert mean == pytest.approx(b.mean_level, rel=1e-9, abs=1e-12), (b.after,
                                                                                 b.before)
        assert any(max(s[1:] or [0]) > 0 for s in r.occupancy)  # levels above 0 do occur


@both_engines
def test_open_top_level_holds_the_time_above_it():
    """An unlimited buffer in front of a slower station grows past 63 parts: the last level
    holds that time, so the histogram's mean falls short of the mean level."""
    sc = build_scenario([
        {"name": "fast", "cycle_time": 10, "buffer_after": "unlimited"},
        {"name": "slow", "cycle_time": 20}], name="pile", horizon="1 h")
    (r,) = replicate(sc, 1)
    (b,), (shares,) = r.buffers, r.occupancy
    assert b.max_level > 100 and len(shares) == OPEN_BINS
    # one part more every 20 s: 63 waiting from about t = 63 × 20 s on (give or take a cycle)
    assert shares[-1] == pytest.approx(1 - 63 * 20 / 3600, abs=10 / 3600)
    assert sum(k * s for k, s in enumerate(shares)) < b.mean_level
