"""experiments/spec.py: a sweep file (or --vary) → a checked spec, its base scenario and factors.
Bad sweep files are exit-2 problems naming the file, the line, the key path, with did-you-mean,
exactly as bad scenarios are; ranges carry units and make exact levels."""

from __future__ import annotations

import pytest

from linesim.experiments.points import plan_sweep
from linesim.experiments.spec import (
    definition_hash,
    load_sweep,
    parse_vary,
    range_levels,
    spec_from_vary,
)
from linesim.loader import ScenarioError

from .conftest import SWEEP


def sweep_problems(path):
    """The problems of a sweep file (loading and building every point)."""
    with pytest.raises(ScenarioError) as info:
        plan_sweep(load_sweep(path))
    assert info.value.problems
    return info.value.problems


def one_at(probs, path):
    hits = [p for p in probs if p.path == path]
    assert len(hits) == 1, f"expected one problem at {path!r}, got {[str(p) for p in probs]}"
    return hits[0]


# -- a good sweep --------------------------------------------------------------------------------
def test_good_sweep_gives_factors_in_the_keys_units(write_sweep):
    """A sweep file gives one factor per parameter: levels of a duration key in seconds (a range
    with units and a step), an integer key's values as integers, linked keys as one relative
    factor; the name defaults from the file and labels default to the key."""
    sweep = load_sweep(write_sweep())
    cycle, shifts, fast = sweep.factors
    assert cycle.keys == ("stations.B.cycle_time.mean",) and cycle.unit == "s"
    assert cycle.levels == tuple(float(x) for x in range(40, 51))
    assert shifts.levels == (2, 3) and all(type(x) is int for x in shifts.levels) and shifts.integer
    assert fast.keys == ("stations.A.cycle_time", "stations.C.cycle_time")
    assert fast.relative and fast.levels == (0.9, 1.0, 1.1) and fast.unit == "×"
    assert sweep.name == "tiny-sweep"


def test_duration_values_are_read_in_seconds(write_sweep):
    """values of a duration key are read with their units into seconds ('1.5 min' is 90 s, a bare
    number is seconds), so labels, tables and charts share one unit; probabilities as fractions."""
    text = SWEEP.replace("range: {from: 40 s, to: 50 s, step: 1 s}", "values: [40 s, 1.5 min, 50]")
    text = text.replace("key: calendar.shifts_per_day\n    values: [2, 3]",
                        "key: stations.C.scrap\n    values: [1%, 0.02]")
    cycle, scrap, _ = load_sweep(write_sweep(text)).factors
    assert cycle.levels == (40.0, 90.0, 50.0) and cycle.unit == "s"
    assert scrap.levels == (0.01, 0.02) and scrap.unit == ""


def test_run_overrides_and_target_apply_to_the_base(write_sweep):
    """The sweep's run block (horizon with units, replications) and target replace the base
    scenario's for every point; precision is the sweep's own (not written into the scenario)."""
    text = SWEEP.replace("design: grid", "design: grid\ntarget: {annual_output: 90000, confidence: 80%}")
    sweep = load_sweep(write_sweep(text))
    assert sweep.base.run.horizon == 2 * 86400.0 and sweep.base.run.replications == 4
    assert sweep.base.run.seed == 7  # not overridden: the base's
    assert sweep.base.target.annual_output == 90000 and sweep.base.target.confidence == 0.8
    assert sweep.precision == 0.01 and sweep.max_replications == 4


def test_name_defaults_to_the_file_stem(write_sweep):
    """Without `name:` the sweep is named after its file (its results folder)."""
    sweep = load_sweep(write_sweep(SWEEP.replace("name: tiny-sweep\n", ""), "cycle-study.yaml"))
    assert sweep.name == "cycle-study"


@pytest.mark.parametrize("rng, expected", [
    ("{from: 40 s, to: 50 s, step: 1 s}", [40.0 + i for i in range(11)]),
    ("{from: 40, to: 50, num: 11}", [40.0 + i for i in range(11)]),
    ("{from: 1 min, to: 2 min, step: 15 s}", [60.0, 75.0, 90.0, 105.0, 120.0]),
    ("{from: 40 s, to: 50 s, step: 3 s}", [40.0, 43.0, 46.0, 49.0]),
    ("{from: 0.1, to: 0.5, step: 0.1}", [0.1, 0.2, 0.3, 0.4, 0.5]),
    ("{from: 40 s, to: 41 s, step: 0.1 s}", [round(40 + i / 10, 1) for i in range(11)]),
])
def test_ranges_with_units_give_exact_levels(write_sweep, rng, expected):
    """Ranges read their bounds and step with the key's units and give exact levels with no
    float drift (40..41 by 0.1 is 40.1, 40.2, ... exactly, 11 values; 'to' is included when a
    whole number of steps away, never passed)."""
    text = SWEEP.replace("{from: 40 s, to: 50 s, step: 1 s}", rng)
    sweep = load_sweep(write_sweep(text))
    assert list(sweep.factors[0].levels) == expected


def test_range_levels_have_no_drift():
    """range_levels: 0 to 1 by 0.1 is exactly the 11 decimal values (summing 0.1 would give
    0.30000000000000004 and maybe 10 or 12 values)."""
    assert range_levels(0.0, 1.0, 0.1, None) == [i / 10 for i in range(11)]
    assert range_levels(0.0, 0.3, 0.1, None) == [0.0, 0.1, 0.2, 0.3]  # 0.3 / 0.1 = 2.9999999999999996
    assert range_levels(40.0, 50.0, None, 11) == [float(x) for x in range(40, 51)]


def test_integer_range_gives_integers(write_sweep):
    """A range on an integer key (servers) gives ints (the scenario takes only whole numbers)."""
    text = SWEEP.replace("values: [2, 3]", "range: {from: 1, to: 3, step: 1}")
    sweep = load_sweep(write_sweep(text))
    assert sweep.factors[1].levels == (1, 2, 3) and all(type(x) is int for x in sweep.factors[1].levels)


def test_bare_range_gives_bounds_for_sampled_designs(write_sweep):
    """A range without step or num is the bounds of a latin_hypercube or morris factor; the
    latin_hypercube size defaults to 10 points per factor."""
    text = SWEEP.replace("{from: 40 s, to: 50 s, step: 1 s}", "{from: 40 s, to: 50 s}") \
        .replace("design: grid", "design: latin_hypercube")
    sweep = load_sweep(write_sweep(text))
    assert sweep.factors[0].bounds == (40.0, 50.0) and sweep.factors[0].levels == ()
    assert sweep.spec.design.latin_hypercube.points == 30


@pytest.mark.parametrize("rng, path, fragment", [
    ("{from: 40 s, to: 40 s}", "parameters[0].range.to", "must be above 'from'"),
    ("{from: 50 s, to: 40 s}", "parameters[0].range.to", "must be above 'from'"),
])
def test_bad_bounds_for_sampled_designs(write_sweep, rng, path, fragment):
    """The bounds of a sampled factor must be an interval (to above from)."""
    text = SWEEP.replace("{from: 40 s, to: 50 s, step: 1 s}", rng) \
        .replace("design: grid", "design: latin_hypercube")
    p = one_at(sweep_problems(write_sweep(text)), path)
    assert fragment in p.message


def test_integer_bounds_must_be_whole(write_sweep):
    """Bounds of an integer key (shifts a day) in a sampled design are whole numbers."""
    text = SWEEP.replace("values: [2, 3]", "range: {from: 1.5, to: 3}") \
        .replace("design: grid", "design: latin_hypercube")
    p = one_at(sweep_problems(write_sweep(text)), "parameters[1].range")
    assert "whole" in p.message


def test_scale_range_is_relative(write_sweep):
    """scale: {from, to, num} makes relative levels (factors of each key's base value)."""
    text = SWEEP.replace("scale: [0.9, 1.0, 1.1]", "scale: {from: 0.8, to: 1.2, num: 5}")
    fast = load_sweep(write_sweep(text)).factors[2]
    assert fast.relative and fast.levels == (0.8, 0.9, 1.0, 1.1, 1.2)


# -- bad sweep files -------------------------------------------------------------------------------
BAD = [
    # (what to change in SWEEP, key path of the problem, text on its line, fragment of the message)
    (("run:", "runn:"), "runn", "runn:", "did you mean 'run'?"),
    (("    range: {from: 40 s", "    rnage: {from: 40 s"), "parameters[0].rnage", "rnage",
     "did you mean 'range'?"),
    (("step: 1 s}", "setp: 1 s}"), "parameters[0].range.setp", "setp", "did you mean 'step'?"),
    (("design: grid", "design: gird"), "design", "design:", "did you mean 'grid'?"),
    (("base: scen/line.yaml", "base: scen/nothere.yaml"), "base", "base:", "no such scenario file"),
    (("base: scen/line.yaml", "base: scen"), "base", "base:", "is a folder"),
    (("to: 50 s, step: 1 s", "to: 30 s, step: 1 s"), "parameters[0].range", "range:", "below 'from'"),
    (("step: 1 s}", "step: 0 s}"), "parameters[0].range", "range:", "'step' must be > 0"),
    (("step: 1 s}", "step: 1 kg}"), "parameters[0].range.step", "range:", "unknown time unit 'kg'"),
    (("step: 1 s}", "num: 0}"), "parameters[0].range.num", "range:", "greater than or equal to 1"),
    (("step: 1 s}", "step: 1 s, num: 3}"), "parameters[0].range", "range:", "either 'step' or 'num'"),
    (("step: 1 s}", "}"), "parameters[0].range", "range:", "give 'step' or 'num'"),
    (("values: [2, 3]", "range: {from: 1, to: 3, step: 0.5}"), "parameters[1].range.step", "step: 0.5",
     "whole numbers"),
    (("stations.B.cycle_time.mean", "stations.Bb.cycle_time.mean"), "parameters[0].key", "key:",
     "did you mean 'B'?"),
    (("stations.B.cycle_time.mean", "stations.B.cycle_tme.mean"), "parameters[0].key", "key:",
     "did you mean 'cycle_time'?"),
    (("stations.B.cycle_time.mean", "stations.A.failures.mttr"), "parameters[0].key", "key:",
     "stations[0].failures is not set in the base scenario"),
    (("calendar.shifts_per_day", "run.seed"), "parameters[1].key", "run.seed", "not a parameter"),
    (("values: [2, 3]", "values: [2, 2]"), "parameters[1].values[1]", "[2, 2]", "given twice"),
    (("values: [2, 3]", "values: [2, 3]\n    scale: [1.1]"), "parameters[1]", "name: shifts",
     "exactly one of 'values'"),
    (("stations.C.cycle_time]", "stations.A.buffer_after]"), "parameters[2].keys", "keys:",
     "same kind of value"),
    (("stations.C.cycle_time]", "stations.A.name]"), "parameters[2].keys[1]", "keys:",
     "a scale needs a number or a duration"),
    (("key: calendar.shifts_per_day", "key: stations.B.cycle_time"), "parameters[1].key", "key: stations.B.cycle_time\n",
     "overlaps stations.B.cycle_time.mean"),
    (("name: shifts per day", "name: B cycle"), "parameters[1].name", "name: B cycle\n    key: calendar", "used by parameters[0]"),
    (("scale: [0.9, 1.0, 1.1]", "scale: [0.9, 0, 1.1]"), "parameters[2].scale[1]", "scale:",
     "greater than 0"),
    (("scale: [0.9, 1.0, 1.1]", "scale: {from: 0.9, too: 1.1, num: 3}"), "parameters[2].scale.too",
     "scale:", "did you mean 'to'?"),
    (("scale: [0.9, 1.0, 1.1]", "scale: {from: 0, to: 1.1, num: 3}"), "parameters[2].scale.from",
     "scale:", "must be > 0"),
    (("  - name: B cycle\n", "  - name: B cycle\n    key: x\n"), "parameters[0].key", "key: stations.B",
     "duplicate key 'key'"),
    (("precision: 1%", "precision: 120%"), "run.precision", "run:", "probability"),
    (("design: grid", "design: {morris: {levels: 3}}"), "design.morris.levels", "design:", "even"),
    (("design: grid", "design: {latin_hypercube: {points: 5}, morris: {}}"), "design", "design:",
     "give one design"),
]


def line_of(text: str, anchor: str) -> int:
    """1-based line of the first line holding ``anchor`` (which may span two lines)."""
    return text[: text.index(anchor)].count("\n") + 1 + (anchor.startswith("\n"))


@pytest.mark.parametrize("change, path, anchor, fragment", BAD, ids=[b[1] + ":" + b[3] for b in BAD])
def test_bad_sweep_file_is_a_placed_problem(write_sweep, change, path, anchor, fragment):
    """Each kind of mistake in a sweep file is a problem naming the sweep file, the key path and
    its line, saying what to change (unknown keys with did-you-mean, a missing base, bad ranges,
    keys the base scenario does not have, linked keys of different kinds, ...)."""
    old, new = change
    assert old in SWEEP
    file = write_sweep(SWEEP.replace(old, new, 1))
    line = line_of(file.read_text(), anchor)
    probs = sweep_problems(file)
    p = next((p for p in probs if p.path.startswith(path)), None)
    assert p is not None, [str(p) for p in probs]
    assert p.path == path and p.file == str(file) and p.line == line, str(p)
    assert fragment in p.message, str(p)
    assert str(p).startswith(f"{file}:{line}: {path}: ")


def test_value_the_scenario_refuses_names_the_parameter_line_and_point(write_sweep):
    """A value the base scenario refuses at a point (4 shifts a day) is a problem at the sweep
    file's parameters[i].values[j] with its line, naming the point's label and the scenario's
    own message; every point is checked before anything runs."""
    file = write_sweep(SWEEP.replace("values: [2, 3]", "values: [2, 4]"))
    probs = sweep_problems(file)
    p = one_at(probs, "parameters[1].values[1]")
    assert p.line == line_of(file.read_text(), "values: [2, 4]")
    assert "shifts per day=4" in p.message and "less than or equal to 3" in p.message
    assert "calendar.shifts_per_day" in p.message


def test_combination_the_scenario_refuses_is_reported_once(write_sweep):
    """A level refused at many points is one problem (with how many other points), not one per
    point."""
    file = write_sweep(SWEEP.replace("values: [2, 3]", "values: [2, 4]"))
    probs = sweep_problems(file)
    assert len(probs) == 1
    assert "and 32 other points" in probs[0].message  # 11 cycles × 3 scales - 1


def test_bad_base_scenario_reports_the_base_file(write_sweep, write_yaml):
    """A base scenario with problems is reported in the base file's own terms (its path, line)."""
    file = write_sweep()
    base = write_yaml("name: tiny\nstations:\n  - name: A\n    cycle_tme: 4\n", "scen/line.yaml")
    p = one_at(sweep_problems(file), "stations[0].cycle_tme")
    assert p.file == str(base) and p.line == 4
    assert "did you mean 'cycle_time'" in p.message


def test_sweep_file_that_is_not_a_mapping(write_sweep):
    """A sweep file must be a mapping of sweep keys (the loader's bounded reading)."""
    probs = sweep_problems(write_sweep("- a\n- b\n"))
    assert "expected a mapping of sweep keys" in probs[0].message


def test_sweep_file_name_that_cannot_name_a_folder(write_sweep):
    """Without `name:`, a file stem that cannot be a folder name asks for a name."""
    probs = sweep_problems(write_sweep(SWEEP.replace("name: tiny-sweep\n", ""), "my sweep.yaml"))
    assert probs[0].path == "name" and "give 'name:'" in probs[0].message


# -- the definition hash (resume) --------------------------------------------------------------------
def test_definition_hash_follows_what_the_sweep_computes(write_sweep, write_yaml):
    """The hash is the same for the same file, and for changes that compute nothing different
    (description, '50 s' written as 50); it changes with a level, the design, the run block and
    the base scenario."""
    h = definition_hash(load_sweep(write_sweep()))
    assert definition_hash(load_sweep(write_sweep())) == h
    assert definition_hash(load_sweep(write_sweep(SWEEP.replace("a test sweep", "other")))) == h
    assert definition_hash(load_sweep(write_sweep(SWEEP.replace("to: 50 s", "to: 50")))) == h
    for old, new in (("to: 50 s", "to: 51 s"), ("design: grid", "design: one_at_a_time"),
                     ("replications: 4", "replications: 5")):
        assert definition_hash(load_sweep(write_sweep(SWEEP.replace(old, new)))) != h, new
    file = write_sweep()
    write_yaml((file.parent / "scen/line.yaml").read_text().replace("cycle_time: 38", "cycle_time: 37"),
               "scen/line.yaml")
    assert definition_hash(load_sweep(file)) != h


# -- --vary ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("item, param", [
    ("stations.B.servers=1,2,3", {"key": "stations.B.servers", "values": [1, 2, 3]}),
    ("stations.B.cycle_time=40 s,45 s,50 s",
     {"key": "stations.B.cycle_time", "values": ["40 s", "45 s", "50 s"]}),
    ("stations.B.cycle_time=40s..50s:1s",
     {"key": "stations.B.cycle_time", "range": {"from": "40s", "to": "50s", "step": "1s"}}),
    ("stations.B.cycle_time=40s..50s/11",
     {"key": "stations.B.cycle_time", "range": {"from": "40s", "to": "50s", "num": 11}}),
    ("stations.B.cycle_time=0.5..1.5", {"key": "stations.B.cycle_time", "range": {"from": 0.5, "to": 1.5}}),
    ("stations.B.cycle_time=x0.9,1,1.1", {"key": "stations.B.cycle_time", "scale": [0.9, 1, 1.1]}),
    ("stations.B.cycle_time=x0.8..1.2/5",
     {"key": "stations.B.cycle_time", "scale": {"from": 0.8, "to": 1.2, "num": 5}}),
    ("stations.A.cycle_time,stations.C.cycle_time=x0.9,1.1",
     {"keys": ["stations.A.cycle_time", "stations.C.cycle_time"], "scale": [0.9, 1.1]}),
    ("stations.B.failures=[{mtbf: 1 h, mttr: 1 min}, {mtbf: 2 h, mttr: 1 min}]",
     {"key": "stations.B.failures", "values": [{"mtbf": "1 h", "mttr": "1 min"},
                                               {"mtbf": "2 h", "mttr": "1 min"}]}),
])
def test_vary_syntax(item, param):
    """--vary KEY=VALUES: a list, a range by step or by count, bounds, a scale (list or range),
    linked keys, a YAML flow list (values with commas)."""
    assert parse_vary(item) == param


def test_vary_builds_the_same_sweep_as_a_file(write_sweep, base_path):
    """spec_from_vary gives the factors a file would, a grid by default, named <scenario>-sweep,
    with the run options given."""
    sweep = spec_from_vary(base_path, ["stations.B.cycle_time.mean=40s..50s:1s",
                                       "calendar.shifts_per_day=2,3",
                                       "stations.A.cycle_time,stations.C.cycle_time=x0.9,1,1.1"],
                           run={"replications": 4, "horizon": "2 d", "seed": None})
    file_sweep = load_sweep(write_sweep())
    assert [f.levels for f in sweep.factors] == [f.levels for f in file_sweep.factors]
    assert [f.keys for f in sweep.factors] == [f.keys for f in file_sweep.factors]
    assert sweep.spec.design.kind == "grid" and sweep.name == "tiny-sweep"
    assert sweep.base.run.replications == 4 and sweep.base.run.seed == 7
    assert spec_from_vary(base_path, ["stations.B.servers=1,2"], "one_at_a_time").spec.design.kind \
        == "one_at_a_time"
    assert [f.name for f in sweep.factors] == ["stations.B.cycle_time.mean", "calendar.shifts_per_day",
                                               "stations.A.cycle_time (+1 linked)"]


@pytest.mark.parametrize("vary, design, file, path, fragment", [
    (["stations.B.servers"], "grid", "--vary", "stations.B.servers", "expected KEY=VALUES"),
    (["stations.B.servers=1,,2"], "grid", "--vary", "stations.B.servers", "empty value"),
    (["stations.Q.servers=1,2"], "grid", "--vary", "stations.Q.servers", "no station 'Q'"),
    (["stations.B.cycle_time=40s..50s:0s"], "grid", "--vary", "stations.B.cycle_time",
     "'step' must be > 0"),
    (["stations.B.cycle_time=abc..50s/3"], "grid", "--vary", "stations.B.cycle_time",
     "expected a duration"),
    (["stations.B.servers=1,2"], "gird", "--design", "", "did you mean 'grid'?"),
    (["stations.B.servers=1,2", "stations.B.servers=3"], "grid", "--vary", "stations.B.servers",
     "already set by --vary stations.B.servers=1,2"),
    (["stations.B.servers=1..3"], "grid", "--vary", "stations.B.servers", "give 'step' or 'num'"),
])
def test_vary_problems_name_the_option(base_path, vary, design, file, path, fragment):
    """A bad --vary (or --design) is a problem naming the option and the key, no line."""
    with pytest.raises(ScenarioError) as info:
        spec_from_vary(base_path, vary, design)
    p = info.value.problems[0]
    assert (p.file, p.path, p.line) == (file, path, None), str(p)
    assert fragment in p.message, str(p)


def test_vary_value_the_scenario_refuses_names_the_option(base_path):
    """A --vary value the scenario refuses is placed at that --vary, with the point."""
    with pytest.raises(ScenarioError) as info:
        plan_sweep(spec_from_vary(base_path, ["stations.B.servers=1,0"]))
    p = info.value.problems[0]
    assert (p.file, p.path) == ("--vary", "stations.B.servers")
    assert "values[1]" in p.message and "greater than or equal to 1" in p.message


def test_vary_missing_scenario_names_the_scenario(tmp_path):
    """A scenario that does not exist is its own file's problem."""
    with pytest.raises(ScenarioError) as info:
        spec_from_vary(tmp_path / "nope.yaml", ["stations.B.servers=1,2"])
    assert info.value.problems[0].file == str(tmp_path / "nope.yaml")
    assert "no such file" in info.value.problems[0].message


def test_too_many_points_is_refused_before_building(write_sweep):
    """A grid of more than MAX_POINTS points (here 501 × 21 × 3) is a problem at `design`, found
    from the level counts before any point is built."""
    text = SWEEP.replace("step: 1 s}", "step: 0.02 s}").replace(
        "values: [2, 3]", "range: {from: 1, to: 3, num: 21}").replace(
        "key: calendar.shifts_per_day", "key: calendar.breaks_per_shift")
    p = one_at(sweep_problems(write_sweep(text)), "design")
    assert "31,563 points, more than 10,000" in p.message
