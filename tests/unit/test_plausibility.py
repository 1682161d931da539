"""plausibility.check: warnings for values that are legal but usually a slip, each at the key
path (and, through the loader's Source, the file line) of the value to look at."""

from __future__ import annotations

import textwrap

import pytest

from linesim.loader import load_scenario_source
from linesim.plausibility import check

BASE = """
name: p
stations:
  - name: A
    cycle_time: 40 s
    buffer_after: 5
    failures: {mtbf: 8 h, mttr: 20 min}
  - name: B
    cycle_time: 38 s
run: {warmup: 8 h, horizon: 30 d}
"""


def _doubts(tmp_path, text: str = BASE, **replace):
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    scenario, source = load_scenario_source(path)
    return [(source.problem(d.loc, d.message), d) for d in check(scenario, source.unitless)]


def test_a_sensible_scenario_has_no_warning(tmp_path):
    assert _doubts(tmp_path) == []


def test_mtbf_shorter_than_the_cycle_time(tmp_path):
    """MTBF 30 s at a 40 s station: one warning at failures.mtbf, on its line."""
    found = _doubts(tmp_path, **{"mtbf: 8 h": "mtbf: 30 s", "mttr: 20 min": "mttr: 2 s"})
    assert len(found) == 1
    problem, _ = found[0]
    assert problem.path == "stations[0].failures.mtbf" and problem.line == 7
    assert "shorter than its cycle time" in problem.message


def test_availability_below_half(tmp_path):
    """MTBF 8 h, MTTR 9 h: available 47% of the time."""
    found = _doubts(tmp_path, **{"mttr: 20 min": "mttr: 9 h"})
    assert [p.message for p, _ in found] == [
        "A is available only 47% of the time (MTBF 8 h, MTTR 9 h): down more than up; check "
        "MTBF and MTTR and their units"]
    found = _doubts(tmp_path, **{"mttr: 20 min": "mttr: 7 h"})  # 53%: fine
    assert found == []


def test_availability_given_directly_is_placed_at_it(tmp_path):
    found = _doubts(tmp_path, **{"mtbf: 8 h": "availability: 40%"})
    assert [p.path for p, _ in found] == ["stations[0].failures.availability"]


@pytest.mark.parametrize("written, warned", [
    ("mttr: 30", True), ('mttr: "30"', True), ("mttr: {dist: exponential, mean: 30}", True),
    ("mttr: {dist: triangular, min: 10, mode: 20, max: 30}", True),
    ("mttr: 30 s", False), ("mttr: 30 min", False), ("mttr: 90", False),
    ("mttr: {dist: exponential, mean: 30 s}", False),
])
def test_a_bare_mttr_under_a_minute_asks_whether_minutes_were_meant(tmp_path, written, warned):
    """A number with no unit under 60 is read as seconds: "did you mean minutes?"; a unit
    written (even "30 s") or a bare number of 60 or more says nothing."""
    found = _doubts(tmp_path, **{"mttr: 20 min": written})
    minutes = [p for p, _ in found if "did you mean minutes?" in p.message]
    assert bool(minutes) == warned
    if warned:
        assert minutes[0].path == "stations[0].failures.mttr" and minutes[0].line == 7


def test_a_bare_mtbf_under_a_minute_too(tmp_path):
    found = _doubts(tmp_path, **{"mtbf: 8 h": "mtbf: 45", "mttr: 20 min": "mttr: 1 s"})
    assert any(p.path == "stations[0].failures.mtbf" and "did you mean minutes?" in p.message
               for p, _ in found)


def test_a_value_given_on_the_command_line_has_no_unit_to_judge(tmp_path):
    """--set stations.A.failures.mttr=30: the file does not say how it was written."""
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(BASE), encoding="utf-8")
    scenario, source = load_scenario_source(path, [("stations.A.failures.mttr", 30)])
    assert source.unitless(("stations", 0, "failures", "mttr")) is None
    assert source.unitless(("stations", 0, "failures", "mtbf")) is False


def test_a_buffer_larger_than_a_days_output(tmp_path):
    """The line's ceiling is 90 parts an hour (40 s) × availability 480/500 × 24 h = 2,073.6
    parts a day; a buffer of 3,000 places warns, one of 2,000 does not."""
    found = _doubts(tmp_path, **{"buffer_after: 5": "buffer_after: 3000"})
    assert [p.path for p, _ in found] == ["stations[0].buffer_after"]
    assert "more than a day's output of the line (about 2,074 parts" in found[0][0].message
    assert _doubts(tmp_path, **{"buffer_after: 5": "buffer_after: 2000"}) == []


def test_a_day_is_a_working_day_of_the_calendar(tmp_path):
    """Two 8 h shifts with 30 min of breaks: 15 h a day, 1,350 parts at 90 an hour."""
    text = BASE.replace("    failures: {mtbf: 8 h, mttr: 20 min}\n", "").replace(
        "stations:", "calendar: {shifts_per_day: 2, shift_length: 8 h, breaks_per_shift: 30 min, "
                     "days_per_week: 5}\nstations:")
    found = _doubts(tmp_path, text, **{"buffer_after: 5": "buffer_after: 1400"})
    assert "about 1,350 parts" in found[0][0].message
    assert _doubts(tmp_path, text, **{"buffer_after: 5": "buffer_after: 1300"}) == []


def test_warmup_longer_than_half_the_horizon(tmp_path):
    found = _doubts(tmp_path, **{"warmup: 8 h": "warmup: 16 d"})
    assert [(p.path, p.line) for p, _ in found] == [("run.warmup", 10)]
    assert _doubts(tmp_path, **{"warmup: 8 h": "warmup: 15 d"}) == []
