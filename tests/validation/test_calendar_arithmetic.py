"""Calendar arithmetic: deterministic stations under continuous and shift calendars give
annual outputs that can be counted by hand.

Window convention (pinned here): the observation window is half-open, [start, end). A part
that finishes exactly at the window's end belongs to the next window; one that finishes
exactly at its start (the warm-up's end) belongs to this one. So a window of n whole cycles of
a line in its periodic regime holds exactly n parts, and a line that starts empty at the
window's start loses the part that would finish exactly at its end.

Scheduled time: 2 shifts × 8 h on 250 working days = 4,000 h = 14,400,000 s a year;
continuous: 8,760 h = 31,536,000 s. The annual output of a shorter window is scaled by
scheduled time (output × scheduled s per year / scheduled s observed), so a two-week window of
a deterministic station annualises to the same figure as a full year.
"""

from __future__ import annotations

import pytest

from linesim.calendars import build_calendar
from linesim.scenario import ShiftCalendar
from linesim.simulate import run_replication

from .conftest import both_engines, build_scenario

TWO_SHIFTS_250 = {"shifts_per_day": 2, "shift_length": "8 h", "working_days_per_year": 250}


def station_40s(calendar="continuous", **run):
    return build_scenario([{"name": "S", "cycle_time": 40}], calendar=calendar, **run)


def line_75s(**run):
    """A deterministic line whose slowest station takes 75 s (the others 60 and 70 s)."""
    return build_scenario([
        {"name": "L1", "cycle_time": 60, "buffer_after": 1},
        {"name": "L2", "cycle_time": 75, "buffer_after": 1},
        {"name": "L3", "cycle_time": 70},
    ], **run)


def test_scheduled_hours_of_the_calendars():
    """2 shifts × 8 h × 250 days = 4,000 scheduled hours a year; continuous = 8,760 h."""
    shifts = ShiftCalendar.model_validate(TWO_SHIFTS_250)
    assert build_calendar(shifts).scheduled_hours_per_year == pytest.approx(4000.0)
    assert build_calendar("continuous").scheduled_hours_per_year == pytest.approx(8760.0)


@both_engines
def test_two_shifts_two_week_window_annualises_to_360000():
    """A 40 s station under 2 × 8 h shifts, 250 days a year (5-day weeks less 11 holidays
    spread over the year; none falls in the first two weeks), no warm-up, horizon 2 weeks:
    10 working days × 16 h = 576,000 scheduled seconds. The station takes its first part at
    t = 0 and works it from 06:00; it is never idle in scheduled time, so it completes exactly
    576,000/40 = 14,400 parts, the last at 22:00 on day 11, before the window ends (day 14,
    00:00). Annualised by scheduled time: 14,400 × 14,400,000/576,000 = 360,000 exactly.
    Throughput per scheduled hour: 90."""
    r = run_replication(station_40s(TWO_SHIFTS_250, horizon="2 weeks"), 0)
    assert r.scheduled_s == pytest.approx(576_000.0)
    assert r.output == 14_400
    assert r.annual_output == pytest.approx(360_000.0, abs=1e-6)
    assert r.throughput_per_h == pytest.approx(90.0, abs=1e-9)


def test_two_shifts_warmup_of_one_day():
    """The same with a warm-up of 16 h of *scheduled* time (day 0's two shifts): the window
    starts at 22:00 on day 0, when part 1,440 finishes — counted in this window by the
    half-open convention — and ends 14 days later at 22:00 on day 14, when a part finishes
    that belongs to the next window. Inside: days 1–4, 7–11 and 14, 10 × 16 h again → 14,400
    parts, 360,000 a year."""
    r = run_replication(station_40s(TWO_SHIFTS_250, warmup="16 h", horizon="2 weeks"), 0)
    assert r.scheduled_s == pytest.approx(576_000.0)
    assert r.output == 14_400
    assert r.annual_output == pytest.approx(360_000.0, abs=1e-6)


def test_continuous_one_day_window():
    """40 s station, continuous. With a warm-up of one cycle (40 s) the window [40, 86,440)
    holds the completions at 40, 80, ..., 86,400: 2,160 = 86,400/40 → 788,400 a year. Without
    warm-up the window [0, 86,400) starts empty and the 2,160th part finishes exactly at its
    end: 2,159 parts, 787,035.4 a year (the edge effect of an empty start, one part)."""
    r = run_replication(station_40s(warmup=40, horizon="1 d"), 0)
    assert r.output == 2_160
    assert r.annual_output == pytest.approx(788_400.0, abs=1e-6)
    r0 = run_replication(station_40s(horizon="1 d"), 0)
    assert r0.output == 2_159
    assert r0.annual_output == pytest.approx(2_159 * 365, abs=1e-6)


@both_engines
def test_line_75s_one_day_window():
    """Deterministic line 60/75/70 s with one place after each of the first two stations,
    continuous, warm-up 1 h: from then on one part leaves every 75 s, so the 1-day window
    (1,152 cycles) holds exactly 1,152 parts → 1,152 × 365 = 420,480 a year, 48 per hour."""
    r = run_replication(line_75s(warmup="1 h", horizon="1 d"), 0)
    assert r.output == 1_152
    assert r.annual_output == pytest.approx(420_480.0, abs=1e-6)
    assert r.throughput_per_h == pytest.approx(48.0, abs=1e-9)


@pytest.mark.slow
def test_two_shifts_one_year_is_360000():
    """The year-long run (2 × 8 h, 250 days, 40 s, no warm-up, horizon 1 year): the window
    holds exactly 14,400,000 scheduled seconds, and the station is never idle in scheduled time,
    so it completes 14,400,000/40 = 360,000 parts; the last at 22:00 on day 364 (a working
    day), before the window ends at 24:00. Parts straddling a shift end simply pause, so
    there is no edge loss (with a different start phase, at most the one part cut by each
    window edge could move, ± 2 in all)."""
    r = run_replication(station_40s(TWO_SHIFTS_250, horizon="1 year"), 0)
    assert r.scheduled_s == pytest.approx(14_400_000.0)
    assert r.output == 360_000
    assert r.annual_output == pytest.approx(360_000.0, abs=1e-6)


@pytest.mark.slow
def test_continuous_one_year_is_788400():
    """40 s continuous over a year: with a one-cycle warm-up the window [40, 40 + 1 y) holds
    the completions at 40, 80, ..., 31,536,000: exactly 788,400. Without warm-up, 788,399 (the
    788,400th part finishes exactly at the end of the window; the edge effect is one part)."""
    r = run_replication(station_40s(warmup=40, horizon="1 year"), 0)
    assert r.output == 788_400
    assert r.annual_output == pytest.approx(788_400.0, abs=1e-6)


@pytest.mark.slow
def test_line_75s_one_year_is_420480():
    """The 60/75/70 s line continuous over a year after 1 h warm-up: one part per 75 s in a
    window of 420,480 whole cycles → exactly 420,480."""
    r = run_replication(line_75s(warmup="1 h", horizon="1 year"), 0)
    assert r.output == 420_480
    assert r.annual_output == pytest.approx(420_480.0, abs=1e-6)
