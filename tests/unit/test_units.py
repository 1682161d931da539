"""units.py: durations and probabilities as users write them become seconds and fractions."""

from __future__ import annotations

import math

import pytest

from linesim.units import DAY, HOUR, MINUTE, WEEK, YEAR, parse_duration, parse_probability


@pytest.mark.parametrize(
    "text, seconds",
    [
        (40, 40.0),
        (37.5, 37.5),
        (0, 0.0),
        ("40", 40.0),
        ("75 s", 75.0),
        ("75s", 75.0),
        ("1.5 min", 90.0),
        ("1.5min", 90.0),
        ("8 h", 8 * 3600.0),
        ("2 d", 2 * 86400.0),
        ("4 weeks", 4 * 7 * 86400.0),
        ("1 week", 7 * 86400.0),
        ("1 year", 365 * 86400.0),
        ("2 years", 2 * 365 * 86400.0),
        ("  30 min  ", 1800.0),
        (".5 h", 1800.0),
        ("1e2 s", 100.0),
        ("90 seconds", 90.0),
        ("3 hours", 3 * 3600.0),
        ("10 minutes", 600.0),
        ("1 day", 86400.0),
        ("8 H", 8 * 3600.0),
    ],
)
def test_parse_duration_accepts_contract_forms(text, seconds):
    """Every duration form of the contract (number of seconds or '<number> <unit>') gives seconds."""
    assert parse_duration(text) == pytest.approx(seconds, rel=1e-15, abs=0)
    assert isinstance(parse_duration(text), float)


def test_year_is_exactly_365_days():
    """A linesim year is 365 days (not 365.25), and the unit constants agree with each other."""
    assert YEAR == 365 * DAY == 365 * 24 * HOUR == 365 * 24 * 60 * MINUTE
    assert WEEK == 7 * DAY
    assert parse_duration("1 year") == 31_536_000.0


def test_negative_durations_parse_signed():
    """parse_duration keeps the sign (the scenario types decide which durations must be >= 0)."""
    assert parse_duration("-5 d") == -5 * DAY
    assert parse_duration(-3) == -3.0


@pytest.mark.parametrize(
    "bad",
    [
        "", "s", "abc", "5 m",  # 'm' is ambiguous (metres? minutes?) and not a time unit here
        "5 metres", "5 kg", "1 fortnight", "5 s 3", "5,5 s", "1..5 s", "5 s s", "five s",
        "inf s", "nan s", "inf", "nan", "5 %", "1:30",
    ],
)
def test_parse_duration_rejects_bad_strings(bad):
    """Anything that is not '<number> [time unit]' is an error saying what was expected."""
    with pytest.raises(ValueError) as info:
        parse_duration(bad)
    assert repr(bad) in str(info.value) or "unit" in str(info.value)


def test_parse_duration_error_names_expected_form():
    """The error for a malformed duration shows the accepted forms, for the user to copy."""
    with pytest.raises(ValueError, match=r"duration.*'75 s'.*'1\.5 min'"):
        parse_duration("soon")


def test_parse_duration_unknown_unit_lists_known_units():
    """An unknown unit is named in the error together with the known units."""
    with pytest.raises(ValueError, match=r"unknown time unit 'parsecs'.*known"):
        parse_duration("3 parsecs")


@pytest.mark.parametrize("bad", [True, False, None, [1], {"value": 1}, math.inf, -math.inf, math.nan,
                                 float("1e400")])
def test_parse_duration_rejects_non_durations(bad):
    """bools, None, containers and non-finite numbers are not durations."""
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_parse_duration_rejects_overflow_to_infinity():
    """A finite-looking number whose seconds overflow to inf is rejected (no infinite horizon)."""
    with pytest.raises(ValueError, match="finite"):
        parse_duration("1e308 years")


@pytest.mark.parametrize(
    "value, p",
    [
        (0, 0.0), (1, 1.0), (0.25, 0.25), ("0.25", 0.25),
        ("0.5%", 0.005), ("0.5 %", 0.005), ("100%", 1.0), ("0%", 0.0), ("12.5%", 0.125),
    ],
)
def test_parse_probability_accepts_numbers_and_percentages(value, p):
    """A probability is a number in [0, 1] or a percentage string."""
    assert parse_probability(value) == pytest.approx(p, rel=1e-15, abs=0)


@pytest.mark.parametrize(
    "bad", [1.0000001, 2, -0.01, -1, "150%", "-1%", "100.1%", "1.5", "abc", "%", "", True, False, None,
            math.nan, math.inf, [0.5]],
)
def test_parse_probability_rejects_out_of_range_and_garbage(bad):
    """Values above 1 (or 100 %), below 0, NaN, bools, None and garbage are rejected."""
    with pytest.raises(ValueError):
        parse_probability(bad)


def test_parse_probability_error_shows_value_and_expectation():
    """The error for '150%' names the given value, its fraction and the accepted range."""
    with pytest.raises(ValueError) as info:
        parse_probability("150%")
    msg = str(info.value)
    assert "'150%'" in msg and "1.5" in msg and "[0, 1]" in msg
