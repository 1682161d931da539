"""loader.py: YAML → Scenario. One test per error path: every problem names the file, the key
path, the line where the parser knows it, and what was expected; all problems are reported at
once; empirical data files are read relative to the scenario; dotted overrides are applied."""

from __future__ import annotations

from pathlib import Path

import pytest

from linesim.loader import Problem, ScenarioError, load_scenario, set_dotted
from linesim.scenario import Scenario

GOOD = """
name: good
stations:
  - name: A
    cycle_time: 40
    buffer_after: 2
  - name: B
    cycle_time: {dist: exponential, mean: 38 s}
  - name: C
    cycle_time: 36
run:
  horizon: 1 d
  seed: 5
"""


def problems(path: Path, overrides=()) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    probs = info.value.problems
    assert probs, "a ScenarioError must list at least one problem"
    for p in probs:
        assert p.file == str(path)
        assert str(p).startswith(str(path))  # the printed form leads with the file
    assert str(info.value) == "\n".join(str(p) for p in probs)
    return probs


def only(probs: list[Problem], path: str) -> Problem:
    hits = [p for p in probs if p.path == path]
    assert len(hits) == 1, f"expected one problem at {path!r}, got {probs}"
    return hits[0]


def test_good_file_loads(write_yaml):
    """A valid file gives a frozen Scenario with units converted to seconds."""
    sc = load_scenario(write_yaml(GOOD))
    assert isinstance(sc, Scenario)
    assert [s.name for s in sc.stations] == ["A", "B", "C"]
    assert sc.stations[1].cycle_time.mean_s() == 38.0 and sc.run.horizon == 86400.0


def test_problem_string_shows_file_line_path_and_message():
    """A problem prints as 'file:line: key.path: message' (the form the CLI shows)."""
    p = Problem("a.yaml", "stations[1].servers", 7, "expected an integer")
    assert str(p) == "a.yaml:7: stations[1].servers: expected an integer"
    assert str(Problem("a.yaml", "", None, "no such file")) == "a.yaml: no such file"


def test_unknown_key_with_did_you_mean(write_yaml):
    """A misspelt key is an unknown-key problem at its own line, suggesting the right key."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_tme: 40
        """)
    p = only(problems(path), "stations[0].cycle_tme")
    assert p.line == 4
    assert "unknown key" in p.message and "did you mean 'cycle_time'" in p.message
    assert "servers" in p.message  # the allowed keys are listed


def test_unknown_key_deep_in_failures(write_yaml):
    """Unknown keys are found at any depth, with did-you-mean from that mapping's own keys."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: 40
            failures:
              mtbf: 1 h
              mttr: 5 min
              bsis: operating
        """)
    p = only(problems(path), "stations[0].failures.bsis")
    assert p.line == 8 and "did you mean 'basis'" in p.message


def test_unknown_top_level_key(write_yaml):
    """An unknown top-level key is reported with did-you-mean from the scenario's keys."""
    path = write_yaml(GOOD + "targt:\n  annual_output: 100\n")
    p = only(problems(path), "targt")
    assert p.line == 13 and "did you mean 'target'" in p.message


def test_wrong_type(write_yaml):
    """A value of the wrong type names the key, its line, the expectation and the value given."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: 40
            servers: two
        """)
    p = only(problems(path), "stations[0].servers")
    assert p.line == 5 and "integer" in p.message and "'two'" in p.message


def test_negative_duration(write_yaml):
    """A negative bare cycle time is rejected at the cycle_time key: a duration >= 0 is expected."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: "-5 s"
        """)
    p = only(problems(path), "stations[0].cycle_time")
    assert p.line == 4 and "duration >= 0" in p.message and "-5" in p.message


def test_negative_mean_in_distribution(write_yaml):
    """A negative distribution mean is rejected at that parameter's key and line."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time:
              dist: exponential
              mean: -5 s
        """)
    p = only(problems(path), "stations[0].cycle_time.mean")
    assert p.line == 6 and "duration > 0" in p.message


def test_bad_duration_unit(write_yaml):
    """An unknown unit ('5 m') is rejected, listing the known units."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: 5 m
        """)
    p = only(problems(path), "stations[0].cycle_time")
    assert p.line == 4 and "unknown time unit 'm'" in p.message


def test_cv_below_zero(write_yaml):
    """cv < 0 is rejected at the cv key, saying it must be >= 0."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: {dist: normal, mean: 40, cv: -0.1}
        """)
    p = only(problems(path), "stations[0].cycle_time.cv")
    assert p.line == 4 and "greater than or equal to 0" in p.message and "-0.1" in p.message


def test_probability_above_one(write_yaml):
    """scrap: '150%' is rejected at the scrap key: a probability in [0, 1] is expected."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: 40
            scrap: "150%"
        """)
    p = only(problems(path), "stations[0].scrap")
    assert p.line == 5 and "probability" in p.message and "[0, 1]" in p.message and "150%" in p.message


def test_missing_required_key(write_yaml):
    """A station without cycle_time: 'required key is missing' at that station's line."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: 40
          - name: B
            servers: 2
        """)
    p = only(problems(path), "stations[1].cycle_time")
    assert p.line == 5 and "missing" in p.message


def test_missing_stations(write_yaml):
    """A scenario without `stations` is a missing-key problem naming `stations`."""
    path = write_yaml("""
        name: x
        unit: part
        """)
    p = only(problems(path), "stations")
    assert p.line == 1 and "missing" in p.message


def test_empty_station_list(write_yaml):
    """`stations: []` is rejected: at least one station is expected."""
    path = write_yaml("""
        name: x
        stations: []
        """)
    p = only(problems(path), "stations")
    assert p.line == 2 and "at least 1" in p.message


def test_duplicate_station_name(write_yaml):
    """Two stations with the same name are rejected, naming the name."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: 40
          - name: A
            cycle_time: 41
        """)
    (p,) = problems(path)
    assert p.path.startswith("stations") and p.line is not None
    assert "'A'" in p.message and "twice" in p.message


def test_malformed_yaml_reports_line(write_yaml):
    """Malformed YAML is one problem with the line where the parser found it."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: 40
           bad: 1
        """)
    (p,) = problems(path)
    assert p.line == 5 and "malformed YAML" in p.message


def test_duplicate_yaml_key(write_yaml):
    """A key given twice in one mapping is an error at the second one (PyYAML would silently keep
    the last), naming the key and the first line."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: 40
            cycle_time: 41
        """)
    (p,) = problems(path)
    assert p.line == 5 and "duplicate key 'cycle_time'" in p.message and "line 4" in p.message


def test_file_not_found(tmp_path):
    """A missing file is one problem naming the file."""
    path = tmp_path / "nope.yaml"
    (p,) = problems(path)
    assert "no such file" in p.message and p.path == ""


def test_directory_instead_of_file(tmp_path):
    """A directory given as scenario is a problem, not a traceback."""
    (p,) = problems(tmp_path)
    assert "directory" in p.message


def test_empty_file(write_yaml):
    """An empty file is rejected: a mapping of scenario keys is expected."""
    (p,) = problems(write_yaml(""))
    assert "expected a mapping" in p.message and "empty" in p.message


def test_top_level_not_a_mapping(write_yaml):
    """A top-level list (or scalar) is rejected: a mapping of scenario keys is expected."""
    (p,) = problems(write_yaml("- a\n- b\n"))
    assert "expected a mapping" in p.message and "list" in p.message
    (p,) = problems(write_yaml("just text\n", "scalar.yaml"))
    assert "expected a mapping" in p.message


def test_not_utf8(tmp_path):
    """A file that is not UTF-8 text is a problem, not a traceback."""
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"name: \xff\xfe\x00x\n")
    (p,) = problems(path)
    assert "cannot read" in p.message or "malformed" in p.message


def test_unknown_dist_name(write_yaml):
    """An unknown `dist` is rejected at the distribution, listing the known names."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: {dist: weibull, mean: 40}
        """)
    p = only(problems(path), "stations[0].cycle_time")
    assert p.line == 4 and "'weibull'" in p.message and "'exponential'" in p.message


def test_bad_calendar(write_yaml):
    """A misspelt calendar keyword or an impossible shift pattern names `calendar`."""
    path = write_yaml(GOOD + "calendar: contnuous\n")
    p = only(problems(path), "calendar")
    assert p.line == 13 and "'continuous'" in p.message
    path = write_yaml(GOOD + "calendar:\n  shifts_per_day: 3\n  shift_length: 9 h\n  days_per_week: 5\n",
                      "cal2.yaml")
    p = only(problems(path), "calendar")
    assert "do not fit in a day" in p.message


def test_target_confidence_out_of_range(write_yaml):
    """target.confidence must lie strictly between 0 and 1."""
    path = write_yaml(GOOD + "target:\n  annual_output: 100\n  confidence: 1.5\n")
    p = only(problems(path), "target.confidence")
    assert p.line == 15 and "probability" in p.message


EMPIRICAL = """
name: x
stations:
  - name: A
    cycle_time: {dist: empirical, file: data/times.csv, column: %s}
"""


def test_empirical_file_read_relative_to_scenario(tmp_path, write_yaml, monkeypatch):
    """`file` + `column` are read relative to the scenario file (not the working directory) into
    `values`, so the resolved scenario carries the data itself; blank cells are dropped."""
    (tmp_path / "sub" / "data").mkdir(parents=True)
    (tmp_path / "sub" / "data" / "times.csv").write_text("op10,op20\n31.5,10\n40,\n36.25,12\n")
    path = write_yaml(EMPIRICAL % "op20", "sub/scenario.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    sc = load_scenario(path)
    ct = sc.stations[0].cycle_time
    assert ct.dist == "empirical" and ct.values == [10.0, 12.0]
    assert ct.mean_s() == 11.0
    assert "file" not in sc.resolved()["stations"][0]["cycle_time"]
    assert load_scenario(write_yaml(EMPIRICAL % "op10", "sub/s2.yaml")).stations[0].cycle_time.values \
        == [31.5, 40.0, 36.25]


def test_empirical_missing_file(tmp_path, write_yaml):
    """A missing data file names the key path `...cycle_time.file` and the file."""
    path = write_yaml(EMPIRICAL % "op20")
    p = only(problems(path), "stations[0].cycle_time.file")
    assert "data/times.csv" in p.message and "not found" in p.message


def test_empirical_missing_column(tmp_path, write_yaml):
    """A column not in the data file names `...cycle_time.column` and lists the columns there."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "times.csv").write_text("op10,op20\n1,2\n")
    path = write_yaml(EMPIRICAL % "op30")
    p = only(problems(path), "stations[0].cycle_time.column")
    assert "'op30'" in p.message and "op10" in p.message and "op20" in p.message


def test_empirical_negative_value_in_file(tmp_path, write_yaml):
    """Values read from a data file are validated like inline values (durations >= 0)."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "times.csv").write_text("op10\n5\n-3\n")
    path = write_yaml(EMPIRICAL % "op10")
    probs = problems(path)
    assert any(p.path.startswith("stations[0].cycle_time") and ">= 0" in p.message for p in probs)


def test_last_station_buffer_message(write_yaml):
    """buffer_after on the last station is refused (nothing follows it), naming the station and key."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: 40
          - name: B
            cycle_time: 40
            buffer_after: 2
        """)
    (p,) = problems(path)
    assert "'B'" in p.message and "buffer_after" in p.message


def test_last_station_buffer_names_key_path_and_line(write_yaml):
    """The last-station buffer_after problem points at the offending key: path and line."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_time: 40
          - name: B
            cycle_time: 40
            buffer_after: 2
        """)
    (p,) = problems(path)
    assert p.path == "stations[1].buffer_after" and p.line == 7


def test_several_problems_reported_at_once(write_yaml):
    """Every problem in a file is listed in one error, each with its own path and line."""
    path = write_yaml("""
        name: x
        stations:
          - name: A
            cycle_tme: 40
          - name: B
            cycle_time: "-5 s"
            servers: two
          - name: C
            cycle_time: {dist: normal, mean: 40, cv: -0.1}
            scrap: "150%"
        """)
    probs = problems(path)
    got = {p.path: p.line for p in probs}
    expected = {
        "stations[0].cycle_tme": 4,
        "stations[0].cycle_time": 3,
        "stations[1].cycle_time": 6,
        "stations[1].servers": 7,
        "stations[2].cycle_time.cv": 9,
        "stations[2].scrap": 10,
    }
    assert got == expected


# -- overrides -----------------------------------------------------------------------------------
def test_overrides_by_dotted_path(write_yaml):
    """Overrides set run.seed and a station's field by its name before validation."""
    sc = load_scenario(write_yaml(GOOD), [("run.seed", 99), ("stations.B.servers", 2),
                                          ("run.horizon", "2 d")])
    assert sc.run.seed == 99
    assert [s.servers for s in sc.stations] == [1, 2, 1]
    assert sc.run.horizon == 2 * 86400.0


def test_override_adds_missing_block(write_yaml):
    """An override may create a key the file does not have (run.warmup, target.annual_output)."""
    sc = load_scenario(write_yaml(GOOD), [("run.warmup", "1 h"), ("target.annual_output", 1000)])
    assert sc.run.warmup == 3600.0 and sc.target.annual_output == 1000


def test_set_dotted_on_plain_data():
    """set_dotted walks mappings by key and lists by index or by item name, and returns the key
    path as problems show it."""
    data = {"run": {"seed": 1}, "stations": [{"name": "A"}, {"name": "B"}]}
    set_dotted(data, "run.seed", 7)
    set_dotted(data, "stations.B.servers", 3)
    set_dotted(data, "stations.0.servers", 2)
    set_dotted(data, "target.annual_output", 5)
    assert data == {"run": {"seed": 7}, "stations": [{"name": "A", "servers": 2},
                                                     {"name": "B", "servers": 3}],
                    "target": {"annual_output": 5}}
    with pytest.raises(KeyError):
        set_dotted(data, "stations.Z.servers", 1)
    with pytest.raises(KeyError):
        set_dotted(data, "run.seed.x", 1)


def test_override_of_unknown_station_is_a_problem(write_yaml):
    """An override naming a station that does not exist is a problem naming the dotted path."""
    path = write_yaml(GOOD)
    p = only(problems(path, [("stations.Z.servers", 2)]), "stations.Z.servers")
    assert "cannot override" in p.message and "'Z'" in p.message


def test_bad_override_value_is_a_problem_at_its_key(write_yaml):
    """A bad value given as override is reported at its key path, not at a line of the file
    (the file's own value there is fine)."""
    path = write_yaml(GOOD)
    p = only(problems(path, [("run.horizon", "-5 d")]), "run.horizon")
    assert "duration > 0" in p.message
    assert p.line is None
    p = only(problems(path, [("stations.B.servers", 0)]), "stations[1].servers")
    assert "greater than or equal to 1" in p.message


def test_misspelt_override_key_is_unknown_key(write_yaml):
    """An override with a misspelt key is an unknown-key problem with did-you-mean."""
    p = only(problems(write_yaml(GOOD), [("stations.B.servrs", 2)]), "stations[1].servrs")
    assert "did you mean 'servers'" in p.message


# -- rates given as percentages ------------------------------------------------------------------
def test_scrap_accepts_percentage(write_yaml):
    """scrap: '0.5%' is the fraction 0.005 (the contract's percentage form)."""
    sc = load_scenario(write_yaml(GOOD.replace("buffer_after: 2", "buffer_after: 2\n    scrap: \"0.5%\"")))
    assert sc.stations[0].scrap == pytest.approx(0.005)


@pytest.mark.parametrize(
    "extra, get, value",
    [
        ("    failures: {availability: \"95%\", mttr: 5 min}\n",
         lambda sc: sc.stations[2].failures.availability, 0.95),
        ("target:\n  annual_output: 1000\n  confidence: \"90%\"\n",
         lambda sc: sc.target.confidence, 0.90),
    ],
    ids=["availability", "confidence"],
)
def test_rates_accept_percentages(write_yaml, extra, get, value):
    """availability and target.confidence accept '95%' like any rate or probability."""
    text = GOOD.replace("    cycle_time: 36\n", "    cycle_time: 36\n" + extra) if extra.startswith(
        "    ") else GOOD + extra
    assert get(load_scenario(write_yaml(text))) == pytest.approx(value)


@pytest.mark.parametrize("value", ["null", "[40, 41]", "{mean: 40}"], ids=["null", "list", "no-dist"])
def test_bad_cycle_time_shape_says_what_is_expected(write_yaml, value):
    """A cycle_time that is neither a duration nor a distribution mapping is reported with what
    is expected: a duration or a mapping with `dist` (naming the choices)."""
    path = write_yaml(f"""
        name: x
        stations:
          - name: A
            cycle_time: {value}
        """)
    p = only(problems(path), "stations[0].cycle_time")
    assert "duration" in p.message and "dist" in p.message


# -- hostile input: one bounded parse, aliases, data files confined (issue 7) ------------------
def test_one_parse_per_file_with_the_c_loader(write_yaml, monkeypatch):
    """A file is composed once, by libyaml's loader when PyYAML has it (no second pure-Python
    parse), and the data is built from that one node graph."""
    import yaml

    calls = []
    real = yaml.compose
    monkeypatch.setattr(yaml, "compose", lambda *a, **k: calls.append(k.get("Loader")) or real(*a, **k))
    monkeypatch.setattr(yaml, "load", lambda *a, **k: pytest.fail("yaml.load parses a second time"))
    load_scenario(write_yaml(GOOD))
    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert calls == [expected]


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])
def test_both_loaders_report_malformed_yaml_and_duplicates_alike(write_yaml, monkeypatch, libyaml):
    """With libyaml and without it (PyYAML built without it), malformed YAML and a duplicate
    key are problems with the same line and the same kind of message."""
    import yaml

    if libyaml and not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml here")
    monkeypatch.setattr(yaml, "__with_libyaml__", libyaml)
    path = write_yaml("name: x\nstations:\n  - name: A\n    cycle_time: 40\n   bad: 1\n")
    (p,) = problems(path)
    assert p.line == 5 and p.message.startswith("malformed YAML: ")
    path = write_yaml("name: x\nstations:\n  - name: A\n    cycle_time: 40\n    cycle_time: 41\n", "d.yaml")
    (p,) = problems(path)
    assert (p.line, p.path) == (5, "stations[0].cycle_time") and "duplicate key 'cycle_time'" in p.message


ALIASES = """
name: x
stations:
  - name: A
    cycle_time: 40
    failures: &fail {mtbf: 8 h, mttr: 10 min}
  - name: B
    cycle_time: 40
    failures: *fail
  - name: C
    cycle_time: 40
    failures: {<<: *fail, mttr: 20 min}
"""


def test_anchors_and_aliases_still_work_and_are_not_shared(write_yaml):
    """A mapping anchored once and reused (also through a merge key) is normal YAML and loads;
    an override of one use changes that use only (each alias is its own copy)."""
    sc = load_scenario(write_yaml(ALIASES), [("stations.A.failures.mttr", "5 min")])
    mttr = [st.failures.mttr.mean_s() for st in sc.stations]
    assert mttr == [300.0, 600.0, 1200.0]
    assert sc.stations[2].failures.mtbf.mean_s() == 8 * 3600


def test_alias_bomb_refused_at_its_line(write_yaml):
    """Aliases that expand a value to more than 100,000 values are refused (at the value that
    first grows past the limit, with its key and line), without building anything."""
    from linesim.loader import MAX_EXPANDED_VALUES

    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcde", "bcdef"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    (p,) = problems(write_yaml(GOOD + "\n".join(lines) + "\n"))
    assert MAX_EXPANDED_VALUES == 100_000
    assert (p.path, p.line) == ("e", 17) and "aliases expand this value to more than 100,000" in p.message


def test_alias_loop_and_deep_nesting_are_problems(write_yaml):
    """An alias inside the value it names, and nesting beyond 50 levels, are problems with a key
    path and line (not a RecursionError)."""
    p, = problems(write_yaml("name: x\nstations: &s\n  - name: A\n    inputs: *s\n"))
    assert p.path == "stations" and p.line == 2 and "loop" in p.message
    p, = problems(write_yaml("name: x\nstations: " + "[" * 200 + "]" * 200 + "\n", "deep.yaml"))
    assert p.line == 2 and "nested" in p.message


def test_unbuildable_value_is_a_problem(write_yaml):
    """A value PyYAML cannot build (a date that does not exist) is a problem at its key path."""
    (p,) = problems(write_yaml(GOOD + "description: 2020-13-45\n"))
    assert p.path == "description" and p.line == 13 and "month" in p.message


def test_scenario_file_size_checked_before_reading(write_yaml, monkeypatch):
    """A scenario over MAX_SCENARIO_BYTES is refused with the limit in the message."""
    from linesim import loader

    monkeypatch.setattr(loader, "MAX_SCENARIO_BYTES", 100)
    (p,) = problems(write_yaml(GOOD))
    assert "larger than" in p.message and p.path == ""


def test_empirical_bad_cell_names_row_not_value(tmp_path, write_yaml):
    """A value of a data file that is not a duration is a problem naming the file, the column
    and the data row (rows with a blank cell counted), never quoting the cell."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "times.csv").write_text("op10,op20\n5,1\n,2\nSECRET-CELL,3\n")
    p = only(problems(write_yaml(EMPIRICAL % "op10")), "stations[0].cycle_time.file")
    assert "data row 3" in p.message and "'data/times.csv'" in p.message and "op10" in p.message
    assert "SECRET" not in p.message


def test_empirical_file_confined_to_scenario_folder(tmp_path, write_yaml):
    """A data file below the scenario's folder, or a link in it to a file in it, is read; a path
    that leads out of the folder (`..`, absolute) is refused at `...file` without reading."""
    (tmp_path / "plant" / "data").mkdir(parents=True)
    (tmp_path / "plant" / "data" / "real.csv").write_text("op10\n7\n9\n")
    (tmp_path / "outside.csv").write_text("op10\n1\n")
    try:
        (tmp_path / "plant" / "data" / "times.csv").symlink_to(tmp_path / "plant" / "data" / "real.csv")
    except (OSError, NotImplementedError):
        pytest.skip("cannot create symbolic links here")
    sc = load_scenario(write_yaml(EMPIRICAL % "op10", "plant/s.yaml"))
    assert sc.stations[0].cycle_time.values == [7.0, 9.0]
    for ref in ("../outside.csv", str(tmp_path / "outside.csv")):
        path = write_yaml(EMPIRICAL.replace("data/times.csv", ref) % "op10", "plant/out.yaml")
        p = only(problems(path), "stations[0].cycle_time.file")
        assert "outside the scenario's folder" in p.message


def test_empirical_messages_quote_no_file_content(tmp_path, write_yaml):
    """A file pandas cannot parse gives a fixed message naming the file and line, not the
    parser's text; a missing column lists the columns shortened, not a whole long header."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "times.csv").write_text("op10\n1\n2,SECRET,3\n")
    p = only(problems(write_yaml(EMPIRICAL % "op10")), "stations[0].cycle_time.file")
    assert "'data/times.csv'" in p.message and "line 3" in p.message and "C error" not in p.message
    (tmp_path / "data" / "times.csv").write_text("S" * 1000 + "\n1\n")
    p = only(problems(write_yaml(EMPIRICAL % "op10", "s2.yaml")), "stations[0].cycle_time.column")
    assert "S" * 50 not in p.message and "'op10'" in p.message


def test_assembly_zero_for_every_variant_is_never_consumed(write_yaml):
    """An input whose per-variant quantities are all 0 is never consumed: refused like a missing
    one, at `stations[i].assembly.<input>`."""
    path = write_yaml("""
        name: x
        products: {mix: {L7: 0.5, L8: 0.5}}
        stations:
          - name: body
            cycle_time: 40
          - name: seats
            cycle_time: 40
          - name: join
            cycle_time: 40
            inputs: [body, seats]
            assembly: {body: 1, seats: {L7: 0, L8: 0}}
        """)
    p = only(problems(path), "stations[2].assembly.seats")
    assert "never consumed" in p.message and p.line == 11
