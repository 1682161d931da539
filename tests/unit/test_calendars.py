"""calendars.py: scheduled time of continuous and shift calendars — exact annual hours, the
scheduled clock S(t) and its inverse, work advancing over off-shift gaps, year-end wrap."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from linesim.calendars import ContinuousCalendar, build_calendar, working_days
from linesim.capacity import capacity_check
from linesim.scenario import Scenario, ShiftCalendar
from linesim.units import DAY, HOUR, MINUTE, YEAR

TOL = 1e-6  # seconds; times up to a few years (~1e8 s) carry ~1e-8 s of float rounding


def shifts(**kw) -> ShiftCalendar:
    return ShiftCalendar(**kw)


TWO_SHIFTS_250 = shifts(shifts_per_day=2, shift_length="8 h", working_days_per_year=250)
SIX_DAYS_HOLIDAYS_BREAKS = shifts(shifts_per_day=2, shift_length="8 h", breaks_per_shift="30 min",
                                  days_per_week=6, holidays_per_year=11)
NIGHT = shifts(shifts_per_day=1, shift_length="8 h", first_shift_start="20 h", days_per_week=7)
THREE_SHIFTS_5_DAYS = shifts(shifts_per_day=3, shift_length="7.5 h", breaks_per_shift="45 min",
                             days_per_week=5, first_shift_start="5 h")

CALENDARS = {
    "2x8h-250d": build_calendar(TWO_SHIFTS_250),
    "6d-holidays-breaks": build_calendar(SIX_DAYS_HOLIDAYS_BREAKS),
    "night-wrap": build_calendar(NIGHT),
    "3x7.5h-5d-breaks": build_calendar(THREE_SHIFTS_5_DAYS),
}


INTERVALS = {name: cal.intervals() for name, cal in CALENDARS.items()}


def reference_sched(name: str, t: float) -> float:
    """Scheduled seconds in [0, t), summed directly from the pattern's intervals (independent of
    the calendar's own search and caching)."""
    k, r = divmod(t, YEAR)
    per = CALENDARS[name].scheduled_s_per_period
    return k * per + sum(min(b, r) - a for a, b in INTERVALS[name] if a < r)


# -- annual hours --------------------------------------------------------------------------------
def test_continuous_calendar_is_identity():
    """continuous: 8760 h a year, scheduled time is calendar time, work ends after its duration."""
    cal = build_calendar("continuous")
    assert isinstance(cal, ContinuousCalendar)
    assert cal.scheduled_hours_per_year == 8760.0
    for t in (0.0, 1.5, 3600.0, YEAR - 1, 2.5 * YEAR):
        assert cal.sched(t) == t and cal.time_at(t) == t
        assert cal.advance(t, 40.0) == t + 40.0


def test_two_shifts_250_days_is_4000_hours():
    """2 shifts × 8 h × 250 working days = exactly 4000 scheduled hours a year; at a 40 s cycle
    that is 4000·3600/40 = 360,000 units a year, which the capacity arithmetic reproduces."""
    cal = CALENDARS["2x8h-250d"]
    assert len(working_days(TWO_SHIFTS_250)) == 250
    assert cal.scheduled_hours_per_year == 4000.0
    assert cal.scheduled_s_per_period == 4000 * HOUR
    assert 4000 * 3600 / 40 == 360_000
    sc = Scenario(name="x", calendar=TWO_SHIFTS_250, stations=[{"name": "A", "cycle_time": 40}])
    assert capacity_check(sc).ceiling_per_year == pytest.approx(360_000, rel=1e-12)


def test_working_days_per_year_spreads_days_over_short_weeks():
    """working_days_per_year = 250 uses 5-day weeks (261 days) less 11 days spread evenly: every
    worked day is a weekday, and no calendar month-sized stretch loses more than one extra day."""
    days = working_days(TWO_SHIFTS_250)
    assert all(d % 7 < 5 for d in days) and len(set(days)) == 250
    weekdays = [d for d in range(365) if d % 7 < 5]
    assert len(weekdays) == 261
    dropped = sorted(set(weekdays) - set(days))
    assert len(dropped) == 11
    assert min(b - a for a, b in zip(dropped, dropped[1:])) >= 7  # spread out, not bunched


def test_days_per_week_6_with_11_holidays():
    """days_per_week 6 works 313 days of a 365-day year; 11 holidays leave 302 days × shifts."""
    assert sum(1 for d in range(365) if d % 7 < 6) == 313
    days = working_days(SIX_DAYS_HOLIDAYS_BREAKS)
    assert len(days) == 313 - 11 == 302
    assert all(d % 7 < 6 for d in days)
    cal = CALENDARS["6d-holidays-breaks"]
    assert cal.scheduled_hours_per_year == pytest.approx(302 * 2 * 7.5, abs=1e-9)


def test_breaks_reduce_hours_exactly():
    """A break of b per shift takes exactly shifts × days × b off the year."""
    no_break = build_calendar(shifts(shifts_per_day=2, shift_length="8 h", working_days_per_year=250))
    with_break = build_calendar(shifts(shifts_per_day=2, shift_length="8 h", breaks_per_shift="30 min",
                                       working_days_per_year=250))
    assert no_break.scheduled_s_per_period - with_break.scheduled_s_per_period == pytest.approx(
        250 * 2 * 30 * MINUTE, abs=1e-6)
    assert with_break.scheduled_hours_per_year == pytest.approx(3750.0, abs=1e-9)


def test_break_sits_in_the_middle_of_the_shift():
    """The break splits each shift into two equal halves (06:00-09:45, 10:15-14:00 for 8 h + 30 min)."""
    cal = build_calendar(shifts(shifts_per_day=1, shift_length="8 h", breaks_per_shift="30 min",
                                days_per_week=7))
    first = cal.intervals()[:2]
    assert first == [(6 * HOUR, 9.75 * HOUR), (10.25 * HOUR, 14 * HOUR)]


def test_three_shifts_seven_days_is_8760_hours():
    """3 × 8 h on 7 days a week is the whole year: 8760 h, and S(t) = t."""
    cal = build_calendar(shifts(shifts_per_day=3, shift_length="8 h", days_per_week=7))
    assert cal.scheduled_hours_per_year == 8760.0
    for t in (0.0, 5 * HOUR, 123_456.7, YEAR - 1.0, YEAR + 7.0):
        assert cal.sched(t) == pytest.approx(t, abs=TOL)


@pytest.mark.parametrize(
    "kw, hours",
    [
        (dict(shifts_per_day=1, shift_length="8 h", days_per_week=5), 261 * 8),
        (dict(shifts_per_day=2, shift_length="10 h", days_per_week=7, holidays_per_year=5), 360 * 20),
        (dict(shifts_per_day=3, shift_length="8 h", working_days_per_year=300), 300 * 24),
        (dict(shifts_per_day=2, shift_length="12 h", breaks_per_shift="1 h", days_per_week=7), 365 * 22),
    ],
)
def test_scheduled_hours_equal_days_times_shift_hours(kw, hours):
    """Scheduled hours a year = working days × shifts × (shift length − break), exactly."""
    assert build_calendar(shifts(**kw)).scheduled_hours_per_year == pytest.approx(hours, abs=1e-9)


# -- the year-end wrap ---------------------------------------------------------------------------
def test_night_shift_crossing_year_end_wraps_to_year_start():
    """A shift starting 20:00 on day 364 runs past the year's end; its last 4 h wrap to [0, 4 h)
    of the (repeating) year, so every year holds exactly 365 × 8 h and the first 4 h of the run
    are scheduled."""
    cal = CALENDARS["night-wrap"]
    assert cal.scheduled_hours_per_year == 365 * 8
    assert cal.intervals()[0] == (0.0, 4 * HOUR)
    assert cal.intervals()[-1] == (YEAR - 4 * HOUR, YEAR)
    assert cal.sched(4 * HOUR) == pytest.approx(4 * HOUR)
    assert cal.sched(20 * HOUR) == pytest.approx(4 * HOUR)  # nothing between 04:00 and 20:00
    # work started at 23:00 on the last day of year 1 continues across midnight into year 2
    t = 2 * YEAR - HOUR
    assert cal.advance(t, 3 * HOUR) == pytest.approx(2 * YEAR + 2 * HOUR, abs=TOL)


def test_intervals_are_disjoint_sorted_and_inside_the_year():
    """The pattern's intervals are sorted, non-overlapping, inside [0, 365 d] and add up to the
    scheduled seconds per year."""
    for cal in CALENDARS.values():
        iv = cal.intervals()
        assert all(0 <= a < b <= YEAR for a, b in iv)
        assert all(b1 < a2 for (_, b1), (a2, _) in zip(iv, iv[1:]))
        assert sum(b - a for a, b in iv) == pytest.approx(cal.scheduled_s_per_period, abs=TOL)


# -- the scheduled clock: properties over random times ------------------------------------------
times = st.floats(min_value=0.0, max_value=3 * YEAR, allow_nan=False, allow_infinity=False)
works = st.floats(min_value=0.0, max_value=20 * DAY, allow_nan=False, allow_infinity=False)
cal_names = st.sampled_from(sorted(CALENDARS))


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(name=cal_names, t=times)
def test_sched_matches_direct_sum_of_intervals(name, t):
    """S(t) equals the scheduled seconds in [0, t) summed directly over the repeating intervals,
    whatever order the queries come in (the calendar caches its last segment)."""
    cal = CALENDARS[name]
    assert cal.sched(t) == pytest.approx(reference_sched(name, t), abs=TOL)


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(name=cal_names, s=st.floats(min_value=1e-3, max_value=3 * 8760 * HOUR, allow_nan=False))
def test_time_at_inverts_sched(name, s):
    """time_at(s) is the earliest calendar time at which s scheduled seconds have elapsed:
    S(time_at(s)) = s and S just before it is less than s."""
    cal = CALENDARS[name]
    s = min(s, 2.9 * cal.scheduled_s_per_period)
    t = cal.time_at(s)
    assert cal.sched(t) == pytest.approx(s, abs=TOL)
    assert cal.sched(max(0.0, t - 1e-3)) < s


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(name=cal_names, t=times)
def test_time_at_of_sched_returns_to_t_on_shift(name, t):
    """time_at(S(t)) ≤ t, with equality when t is on shift (inside a scheduled interval)."""
    cal = CALENDARS[name]
    back = cal.time_at(cal.sched(t))
    assert back <= t + TOL
    r = t % YEAR
    on_shift = any(a < r < b for a, b in INTERVALS[name])
    if on_shift and cal.sched(t) > 0:
        assert back == pytest.approx(t, abs=TOL)


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(name=cal_names, t=times, w=works)
def test_advance_adds_exactly_w_scheduled_seconds(name, t, w):
    """advance(t, w) ≥ t, S(advance(t, w)) − S(t) = w, and it is the earliest such time."""
    cal = CALENDARS[name]
    end = cal.advance(t, w)
    assert end >= t
    assert cal.sched(end) - cal.sched(t) == pytest.approx(w, abs=TOL)
    if w > 1e-3:
        assert cal.sched(end - 1e-3) - cal.sched(t) < w


def test_advance_over_an_off_shift_gap():
    """Work that does not fit before the end of a shift resumes at the next shift's start."""
    cal = build_calendar(shifts(shifts_per_day=1, shift_length="8 h", days_per_week=7))
    # shift 06:00-14:00; 100 s of work started at 13:59 ends at 06:00:40 the next day
    assert cal.advance(14 * HOUR - 60, 100.0) == pytest.approx(DAY + 6 * HOUR + 40, abs=TOL)
    # work started off shift waits for the shift
    assert cal.advance(2 * HOUR, 10.0) == pytest.approx(6 * HOUR + 10, abs=TOL)
    assert cal.advance(HOUR, 0.0) == HOUR


def test_sched_is_periodic_with_the_year():
    """S(t + 365 d) − S(t) is the scheduled time per year, for any t."""
    for cal in CALENDARS.values():
        for t in (0.0, 3.3 * DAY, 100 * DAY + 7 * HOUR, YEAR - 1.0):
            assert cal.sched(t + YEAR) - cal.sched(t) == pytest.approx(cal.scheduled_s_per_period,
                                                                      abs=TOL)


# -- invalid calendars ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw, fragment",
    [
        (dict(shifts_per_day=3, shift_length="9 h", days_per_week=5), "do not fit in a day"),
        (dict(shifts_per_day=2, shift_length="13 h", days_per_week=5), "do not fit in a day"),
        (dict(shifts_per_day=4, shift_length="6 h", days_per_week=5), "less than or equal to 3"),
        (dict(shifts_per_day=1, shift_length="8 h", breaks_per_shift="8 h", days_per_week=5),
         "breaks_per_shift must be shorter"),
        (dict(shifts_per_day=1, shift_length="8 h", breaks_per_shift="9 h", days_per_week=5),
         "breaks_per_shift must be shorter"),
        (dict(shifts_per_day=1, shift_length="8 h", days_per_week=5, working_days_per_year=250),
         "exactly one of 'days_per_week' or 'working_days_per_year'"),
        (dict(shifts_per_day=1, shift_length="8 h"),
         "exactly one of 'days_per_week' or 'working_days_per_year'"),
        (dict(shifts_per_day=1, shift_length="8 h", working_days_per_year=250, holidays_per_year=10),
         "already excludes holidays"),
        (dict(shifts_per_day=1, shift_length="8 h", days_per_week=1, holidays_per_year=53),
         "leaves no working day"),
        (dict(shifts_per_day=1, shift_length="8 h", days_per_week=8), "less than or equal to 7"),
        (dict(shifts_per_day=1, shift_length="8 h", working_days_per_year=366), "less than or equal to 365"),
        (dict(shifts_per_day=1, shift_length="0 h", days_per_week=5), "> 0"),
        (dict(shifts_per_day=1, shift_length="8 h", days_per_week=5, first_shift_start="24 h"),
         "within the day"),
        (dict(shifts_per_day=1, shift_length="8 h", days_per_week=5, shift_lenght="8 h"), "Extra inputs"),
    ],
)
def test_invalid_calendars_rejected(kw, fragment):
    """Calendars that cannot be built or are ambiguous are validation errors naming the reason."""
    with pytest.raises(ValidationError) as info:
        ShiftCalendar(**kw)
    assert fragment in str(info.value)


def test_full_day_of_shifts_is_allowed():
    """Shifts exactly filling 24 h are valid (the 'fit in a day' check is not off by one)."""
    cal = build_calendar(shifts(shifts_per_day=2, shift_length="12 h", days_per_week=7))
    assert math.isclose(cal.scheduled_hours_per_year, 8760.0)


@st.composite
def shift_calendars(draw):
    n = draw(st.integers(1, 3))
    length_min = draw(st.integers(60, 24 * 60 // n))
    brk = draw(st.sampled_from([0, 15, 30, 45]))
    brk = brk if brk < length_min else 0
    start_min = draw(st.integers(0, 24 * 60 - 1))
    kw = dict(shifts_per_day=n, shift_length=length_min * MINUTE, breaks_per_shift=brk * MINUTE,
              first_shift_start=start_min * MINUTE)
    if draw(st.booleans()):
        kw.update(days_per_week=draw(st.integers(1, 7)), holidays_per_year=draw(st.integers(0, 40)))
    else:
        kw.update(working_days_per_year=draw(st.integers(1, 365)))
    return shifts(**kw)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(spec=shift_calendars(), ts=st.lists(times, min_size=5, max_size=5))
def test_any_valid_calendar_has_exact_hours_and_consistent_clock(spec, ts):
    """For any valid shift calendar (any start time, breaks, days or working days, night shifts
    wrapping the year): scheduled hours = working days × shifts × (length − break), and S(t),
    time_at and advance agree with the directly summed intervals."""
    cal = build_calendar(spec)
    days = working_days(spec)
    assert len(days) == len(set(days))
    if spec.working_days_per_year is not None:
        assert len(days) == spec.working_days_per_year
    assert cal.scheduled_s_per_period == pytest.approx(
        len(days) * spec.shifts_per_day * (spec.shift_length - spec.breaks_per_shift), abs=1e-6)
    iv = cal.intervals()
    per = cal.scheduled_s_per_period
    for t in ts:
        k, r = divmod(t, YEAR)
        expected = k * per + sum(min(b, r) - a for a, b in iv if a < r)
        assert cal.sched(t) == pytest.approx(expected, abs=TOL)
        end = cal.advance(t, 1234.5)
        assert end >= t and cal.sched(end) - cal.sched(t) == pytest.approx(1234.5, abs=TOL)
