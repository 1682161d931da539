"""Units: the first stage of the data flow, below everything else.

Durations and rates as users write them in a scenario (``40``, ``"75 s"``, ``"1.5 min"``,
``"8 h"``, ``"2 d"``, ``"4 weeks"``, ``"1 year"``, ``"0.5%"``) become plain floats: seconds for
durations, fractions in [0, 1] for rates. Inside linesim every time is in seconds; hours appear
only at the edges (reports), with the unit in the name (``throughput_per_h``).

Why a small table rather than a units library (pint): the grammar is one number and one time
unit, a year must be exactly 365 days (pint's is 365.25), and anything that is not a time (metres,
kilograms) must be an error here rather than a dimension mismatch deep inside pint.
"""

from __future__ import annotations

import math
import re

SECOND = 1.0
MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
WEEK = 7 * DAY
YEAR = 365 * DAY  # a calendar year of linesim is 365 days

_UNIT_SECONDS: dict[str, float] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), SECOND),
    (("min", "mins", "minute", "minutes"), MINUTE),
    (("h", "hr", "hrs", "hour", "hours"), HOUR),
    (("d", "day", "days"), DAY),
    (("w", "wk", "wks", "week", "weeks"), WEEK),
    (("y", "yr", "yrs", "year", "years"), YEAR),
):
    for _name in _names:
        _UNIT_SECONDS[_name] = _seconds

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_DURATION_RE = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]+)?\s*$")
_PERCENT_RE = re.compile(rf"^\s*({_NUMBER})\s*%\s*$")

DURATION_EXPECTED = (
    "a duration: a number of seconds or a string such as '75 s', '1.5 min', '8 h', '2 d', "
    "'4 weeks', '1 year'"
)
PROBABILITY_EXPECTED = "a probability: a number in [0, 1] or a percentage such as '0.5%'"


def parse_duration(value: object) -> float:
    """Return a duration in seconds, or raise ValueError saying what was expected.

    Accepts int/float seconds or '<number> <unit>' with the units in ``_UNIT_SECONDS``.
    Sign is not checked here (the scenario types say which durations must be positive).
    """
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_EXPECTED}, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION_RE.match(value)
        if not match:
            raise ValueError(f"expected {DURATION_EXPECTED}, got {value!r}")
        number, unit = match.groups()
        if unit is None:
            factor = SECOND
        else:
            factor = _UNIT_SECONDS.get(unit.lower())
            if factor is None:
                known = "s, min, h, d, weeks, year"
                raise ValueError(f"unknown time unit {unit!r} in {value!r} (known: {known})")
        seconds = float(number) * factor
    else:
        raise ValueError(f"expected {DURATION_EXPECTED}, got {type(value).__name__} {value!r}")
    if not math.isfinite(seconds):
        raise ValueError(f"expected a finite duration, got {value!r}")
    return seconds


def parse_probability(value: object) -> float:
    """Return a probability in [0, 1] from a number or a percentage string."""
    if isinstance(value, bool):
        raise ValueError(f"expected {PROBABILITY_EXPECTED}, got {value!r}")
    if isinstance(value, (int, float)):
        p = float(value)
    elif isinstance(value, str):
        match = _PERCENT_RE.match(value)
        if match:
            p = float(match.group(1)) / 100.0
        else:
            try:
                p = float(value)
            except ValueError:
                raise ValueError(f"expected {PROBABILITY_EXPECTED}, got {value!r}") from None
    else:
        raise ValueError(f"expected {PROBABILITY_EXPECTED}, got {type(value).__name__} {value!r}")
    if not (0.0 <= p <= 1.0) or math.isnan(p):
        raise ValueError(f"expected {PROBABILITY_EXPECTED}, got {value!r} (= {p:g})")
    return p


def format_duration(seconds: float) -> str:
    """A short human form for reports: '75 s', '12.5 min', '8 h', '365 d'."""
    if seconds < 2 * MINUTE:
        return f"{seconds:g} s"
    if seconds < 2 * HOUR:
        return f"{seconds / MINUTE:g} min"
    if seconds < 2 * DAY:
        return f"{seconds / HOUR:g} h"
    return f"{seconds / DAY:g} d"


def plural(unit: str) -> str:
    """The plural of a counting unit for labels: 'set' -> 'sets'; a unit already ending in 's'
    ('pcs') or not in a Latin letter ('套', '台', 'pcs.') is left as it is (Chinese has no
    plural)."""
    last = unit[-1:]
    return unit + "s" if last.isascii() and last.isalpha() and last not in "sS" else unit


def probability_text(p: float) -> str:
    """A probability for people: "< 0.001" and "> 0.999" at the ends (not 3.4e-14 or a rounded
    "0.00", which look more precise or more certain than a handful of replications allow),
    else two decimals (three where two would round to 0.00 or 1.00)."""
    if p < 0.001:
        return "< 0.001"
    if p > 0.999:
        return "> 0.999"
    return f"{p:.2f}" if 0.005 <= p < 0.995 else f"{p:.3f}"


def span_text(seconds: float) -> str:
    """A simulated span in words: "one year", "2 years", "2 days", "12 hours"."""
    if abs(seconds - YEAR) < 1e-6:
        return "one year"
    for size, one, many in ((YEAR, "year", "years"), (DAY, "day", "days"), (HOUR, "hour", "hours")):
        if seconds >= size:
            n = seconds / size
            return f"1 {one}" if abs(n - 1) < 1e-9 else f"{n:,.3g} {many}"
    return f"{seconds / HOUR:.2g} hours"
