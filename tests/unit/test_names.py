"""Names and other user strings (issue 7): station, product and calendar names take letters of
any script (Chinese included) and are matched whole (no trailing newline); the scenario name is
a folder name safe on Linux, macOS and Windows; `unit` is short printable text; and the terminal
never reads a user string as rich markup or control characters."""

from __future__ import annotations

import pytest

from linesim.loader import ScenarioError, load_scenario
from linesim.scenario import (
    NAME_RULE,
    Scenario,
    is_valid_name,
    scenario_name_problem,
)


def scenario(**changes) -> dict:
    data = {"name": "plant", "stations": [{"name": "A", "cycle_time": 40}, {"name": "B", "cycle_time": 40}]}
    data.update(changes)
    return data


@pytest.mark.parametrize("name", ["前排座椅", "卓骏", "S1", "Seat line 2", "trim-5.b_x", "Ölpumpe",
                                  "नमस्ते", "A" * 100])
def test_station_names_of_any_script_accepted(name):
    """Letters of any script (CJK, Latin with accents, Devanagari with its vowel signs), digits,
    spaces, '.', '_', '-', up to 100 characters."""
    assert is_valid_name(name)
    sc = Scenario.model_validate(scenario(stations=[{"name": name, "cycle_time": 40},
                                                    {"name": "后排", "cycle_time": 40}]))
    assert sc.stations[0].name == name and sc.stations[1].inputs == [name]


@pytest.mark.parametrize("name", ["S1\n", "S1\t", "\x1b[2J", "S1 ", " S1", "-S1", "a/b", "a[b]",
                                  "a,b", "a:b", "a#b", "S\u200b1", "S\u202e1", "A" * 101, ""])
def test_station_names_refused_with_the_rule(name):
    """Control and invisible characters, a space at either end, flow-syntax punctuation, path
    separators, over 100 characters: refused, the message saying exactly what is allowed."""
    assert not is_valid_name(name)
    with pytest.raises(ValueError) as info:
        Scenario.model_validate(scenario(stations=[{"name": name, "cycle_time": 40}]))
    assert NAME_RULE in str(info.value) and "Chinese" in NAME_RULE


@pytest.mark.parametrize("name", ["前排座椅线", "plant-2", "v1.2", "Ölwerk"])
def test_scenario_names_accepted(name):
    """Scenario names of any script, with '.', '_' or '-', are fine folder names."""
    assert scenario_name_problem(name) is None
    assert Scenario.model_validate(scenario(name=name)).name == name


@pytest.mark.parametrize("name,why", [
    ("CON", "reserves"), ("con", "reserves"), ("nul.txt", "reserves"), ("Com1", "reserves"),
    ("LPT9.yaml", "reserves"), ("..", "expected"), ("a..b", "'..'"), ("plant.", "'.'"),
    ("a/b", "expected"), ("a\\b", "expected"), ("a b", "expected"), ("a:b", "expected"),
    ("a*b", "expected"), ("a?b", "expected"), ('a"b', "expected"), ("a<b", "expected"),
    ("a|b", "expected"), ("S1\n", "expected"), ("x" * 101, "expected"),
    ("座" * 61, "bytes"),
])
def test_scenario_names_unsafe_as_folders_refused(name, why):
    """The scenario name names the result folder: path separators, '..', a trailing dot,
    characters Windows forbids, its reserved device names (any case, any extension), over 100
    characters or 180 bytes in UTF-8 are refused, saying why."""
    problem = scenario_name_problem(name)
    assert problem is not None and why in problem
    with pytest.raises(ValueError):
        Scenario.model_validate(scenario(name=name))


def test_product_and_calendar_names_follow_the_rule():
    """Product names (mix or sequence) and calendar names follow the station-name rule: Chinese
    accepted, a trailing newline refused."""
    ok = scenario(products={"sequence": ["左", "右"]},
                  calendars={"两班": {"shifts_per_day": 2, "shift_length": "8 h", "days_per_week": 5}})
    ok["stations"][0]["calendar"] = "两班"
    assert Scenario.model_validate(ok).products.names == ["左", "右"]
    for bad in (scenario(products={"mix": {"L7\n": 0.5, "L8": 0.5}}),
                scenario(products={"sequence": ["L7", "L8 "]}),
                scenario(calendars={"two\nshifts": "continuous"})):
        with pytest.raises(ValueError, match="letters"):
            Scenario.model_validate(bad)


def test_product_name_problem_placed_at_its_key(write_yaml):
    """A bad product name is reported at `products.mix.<name>` with its line."""
    path = write_yaml('name: x\nproducts:\n  mix: {L7: 0.5, "L8\\n": 0.5}\nstations:\n  - name: A\n'
                      '    cycle_time: 40\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (p,) = info.value.problems
    assert p.path.startswith("products.mix") and p.line == 3 and "letters" in p.message


@pytest.mark.parametrize("unit", ["seat [/]", "[sets]", "套", "car body"])
def test_unit_printable_text_accepted(unit):
    """`unit` may be any printable text up to 40 characters, brackets included."""
    assert Scenario.model_validate(scenario(unit=unit)).unit == unit


@pytest.mark.parametrize("unit", ["seat\n", "\x1b[31mred", "", " seat", "x" * 41, "a\u202eb"])
def test_unit_control_characters_and_length_refused(unit):
    """`unit` with a control or invisible character, a space at either end, empty, or over 40
    characters is refused."""
    with pytest.raises(ValueError, match="unit"):
        Scenario.model_validate(scenario(unit=unit))


def test_report_strings_are_plain_and_clean():
    """report.plain keeps markup-like text as written and escapes control characters; clean
    leaves ordinary text (Chinese included) alone."""
    from rich.console import Console

    from linesim.report import clean, plain

    assert clean("前排座椅 [sets]") == "前排座椅 [sets]"
    assert clean("a\x1b[2Jb\nc\u202e") == "a\\x1b[2Jb\\nc\\u202e"
    console = Console(record=True, width=80)
    console.print(plain("seat [/] [bold]x[/bold]"))
    assert "seat [/] [bold]x[/bold]" in console.export_text()
