"""Calendars: when the line is scheduled to work — used by the model and the estimate.

Stage: beside ``scenario`` (built from its calendar spec), below ``model``. Two clocks matter:
calendar time ``t`` (seconds since the start of the run, day 0 at 00:00) and scheduled time
``S(t)`` (production seconds scheduled in [0, t)). Off shift the whole line stops, so processing,
the operating-basis and scheduled-basis failure clocks and (by default) repairs all run on the
scheduled clock; a duration ``w`` of work started at ``t`` ends at ``advance(t, w)``.

A shift calendar is a pattern of scheduled intervals over a 365-day period, repeated. Any
365-day window therefore holds exactly ``scheduled_s_per_period`` seconds of production time,
which is what makes a simulated year an exact annual figure.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from typing import Union

from .scenario import CalendarSpec, ShiftCalendar
from .units import DAY, HOUR, YEAR


class ContinuousCalendar:
    """24 h × 365 d: scheduled time is calendar time."""

    is_continuous = True
    period_s = YEAR
    scheduled_s_per_period = YEAR
    repairs_off_shift = False

    @staticmethod
    def sched(t: float) -> float:
        return t

    @staticmethod
    def time_at(s: float) -> float:
        return s

    @staticmethod
    def advance(t: float, w: float) -> float:
        return t + w

    @staticmethod
    def resume_at(t: float) -> float:
        return t

    @property
    def scheduled_hours_per_year(self) -> float:
        return self.scheduled_s_per_period / HOUR

    def intervals(self) -> list[tuple[float, float]]:
        return [(0.0, YEAR)]


class ShiftPattern:
    """Scheduled intervals [start, end) within one 365-day period, repeated forever."""

    is_continuous = False
    period_s = YEAR

    def __init__(self, intervals: list[tuple[float, float]], repairs_off_shift: bool = False):
        merged: list[list[float]] = []
        for a, b in sorted(intervals):
            if b <= a:
                continue
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        if not merged:
            raise ValueError("a calendar with no scheduled time")
        self._starts = [a for a, _ in merged]
        self._lens = [b - a for a, b in merged]
        cum, total = [], 0.0
        for ln in self._lens:
            cum.append(total)
            total += ln
        self._cum = cum
        self.scheduled_s_per_period = total
        self.repairs_off_shift = repairs_off_shift

    @property
    def scheduled_hours_per_year(self) -> float:
        return self.scheduled_s_per_period / HOUR

    def intervals(self) -> list[tuple[float, float]]:
        return [(a, a + ln) for a, ln in zip(self._starts, self._lens)]

    # The segment (shift interval or gap) that the last query fell in: most queries come at
    # nearly the same simulated time, so they hit it and need no search.
    _lo = _hi = 0.0
    _base = 0.0  # scheduled seconds at _lo
    _on = 0.0  # 1.0 in a shift interval, 0.0 in a gap

    def _segment(self, t: float) -> None:
        k, r = divmod(t, YEAR)
        origin = k * YEAR
        base = k * self.scheduled_s_per_period
        starts, lens = self._starts, self._lens
        i = bisect_right(starts, r) - 1
        if i < 0:
            self._lo, self._hi, self._base, self._on = origin, origin + starts[0], base, 0.0
        elif r < starts[i] + lens[i]:
            lo = origin + starts[i]
            self._lo, self._hi, self._base, self._on = lo, lo + lens[i], base + self._cum[i], 1.0
        else:
            lo = origin + starts[i] + lens[i]
            hi = origin + starts[i + 1] if i + 1 < len(starts) else origin + YEAR
            self._lo, self._hi, self._base, self._on = lo, hi, base + self._cum[i] + lens[i], 0.0

    def sched(self, t: float) -> float:
        """Scheduled seconds in [0, t)."""
        if not (self._lo <= t < self._hi):
            self._segment(t)
        return self._base + (t - self._lo) * self._on

    def resume_at(self, t: float) -> float:
        """The first scheduled instant at or after ``t``."""
        while True:
            if not (self._lo <= t < self._hi):
                self._segment(t)
            if self._on:
                return t
            t = self._hi

    def time_at(self, s: float) -> float:
        """Earliest calendar time at which ``s`` scheduled seconds have elapsed."""
        if s <= 0:
            return 0.0
        per = self.scheduled_s_per_period
        k, rem = divmod(s, per)
        if rem <= 0:
            k -= 1
            rem = per
        i = bisect_left(self._cum, rem) - 1
        return k * YEAR + self._starts[i] + (rem - self._cum[i])

    def advance(self, t: float, w: float) -> float:
        """Calendar time at which ``w`` scheduled seconds of work started at ``t`` end."""
        if w <= 0:
            return t
        if not (self._lo <= t < self._hi):
            self._segment(t)
        if self._on and t + w <= self._hi:
            return t + w  # ends within the same shift interval
        end = self.time_at(self._base + (t - self._lo) * self._on + w)
        return end if end > t else t


Calendar = Union[ContinuousCalendar, ShiftPattern]


def working_days(spec: ShiftCalendar) -> list[int]:
    """Day indices 0..364 that are worked.

    ``days_per_week``: days with ``d % 7 < days_per_week``, less ``holidays_per_year`` of them
    spread evenly. ``working_days_per_year = N``: the shortest week that gives at least N days,
    less the surplus spread evenly (250 → 5-day weeks, 261 days, 11 taken out).
    """
    if spec.days_per_week is not None:
        per_week, wanted = spec.days_per_week, None
    else:
        wanted = spec.working_days_per_year
        per_week = next(p for p in range(1, 8) if sum(d % 7 < p for d in range(365)) >= wanted)
    days = [d for d in range(365) if d % 7 < per_week]
    drop = spec.holidays_per_year if wanted is None else len(days) - wanted
    if drop:
        n = len(days)
        gone = {math.floor((j + 0.5) * n / drop) for j in range(drop)}
        days = [d for i, d in enumerate(days) if i not in gone]
    return days


def build_calendar(spec: CalendarSpec) -> Calendar:
    if spec == "continuous":
        return ContinuousCalendar()
    assert isinstance(spec, ShiftCalendar)
    length, brk = spec.shift_length, spec.breaks_per_shift
    before_break = (length - brk) / 2
    intervals: list[tuple[float, float]] = []
    for day in working_days(spec):
        for j in range(spec.shifts_per_day):
            start = day * DAY + spec.first_shift_start + j * length
            pieces = (
                [(start, start + length)]
                if brk == 0
                else [(start, start + before_break), (start + before_break + brk, start + length)]
            )
            for a, b in pieces:
                # A night shift running past the end of the period wraps to its start.
                if b <= YEAR:
                    intervals.append((a, b))
                elif a >= YEAR:
                    intervals.append((a - YEAR, b - YEAR))
                else:
                    intervals.extend([(a, YEAR), (0.0, b - YEAR)])
    return ShiftPattern(intervals, repairs_off_shift=spec.repairs_off_shift)


def observation_window(calendar: Calendar, warmup_s: float, horizon_s: float) -> tuple[float, float]:
    """The observation window [start, end) in calendar seconds: it starts when ``warmup_s``
    scheduled seconds have elapsed and lasts ``horizon_s`` calendar seconds."""
    start = calendar.time_at(warmup_s) if warmup_s > 0 else 0.0
    return start, start + horizon_s


def describe(spec: CalendarSpec) -> str:
    """The calendar in words, e.g. "2 shifts × 8 h, 5 days a week"."""
    if spec == "continuous":
        return "continuous (24 h × 365 d)"
    assert isinstance(spec, ShiftCalendar)
    shifts = "1 shift" if spec.shifts_per_day == 1 else f"{spec.shifts_per_day} shifts"
    text = f"{shifts} × {_duration(spec.shift_length)}"
    if spec.breaks_per_shift:
        text += f" (break {_duration(spec.breaks_per_shift)})"
    if spec.days_per_week is not None:
        text += f", {spec.days_per_week} days a week"
        if spec.holidays_per_year:
            text += f" less {spec.holidays_per_year} holidays"
    else:
        text += f", {spec.working_days_per_year} working days a year"
    if spec.first_shift_start != 6 * HOUR:
        text += f", first shift at {clock(spec.first_shift_start)}"
    return text


def clock(t: float) -> str:
    """Calendar time as "day N HH:MM" (day 0 is the run's first day)."""
    day, rest = divmod(int(round(t)), int(DAY))
    return f"day {day} {rest // 3600:02d}:{rest % 3600 // 60:02d}"


def _duration(s: float) -> str:
    if s % HOUR == 0:
        return f"{s / HOUR:g} h"
    if s % 60 == 0:
        return f"{s / 60:g} min"
    return f"{s:g} s"
