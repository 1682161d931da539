"""The Python API (linesim.load, change, run, sweep): overrides and changes validated like the
CLI's, typed summaries, and results and folders identical to what the CLI writes."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import types

import pandas as pd
import pytest

import linesim
from linesim import python_api
from linesim.loader import load_scenario_source
from linesim.results import BUFFER_COLUMNS, REPLICATION_COLUMNS, STATION_COLUMNS

from .conftest import HORIZON, REPLICATIONS, linesim_cli

TABLE_FILES = ["replications.csv", "stations.csv", "buffers.csv", "summary.json",
               "scenario.resolved.yaml"]


@pytest.fixture(scope="module")
def result(scenario_file):
    """The API's run of the scenario the CLI ran (cli_folder), same options."""
    return linesim.run(scenario_file, replications=REPLICATIONS, horizon=HORIZON)


# -- load and overrides -----------------------------------------------------------------------
def test_load_applies_overrides_by_dotted_key(scenario_file):
    """Overrides address keys as --set does (list items by name or index) and are validated
    (durations parsed), as a mapping or as (key, value) pairs."""
    sc = linesim.load(scenario_file, {"run.replications": 5,
                                      "stations.发泡.cycle_time.mean": "30 s",
                                      "stations.2.servers": 2})
    assert isinstance(sc, linesim.Scenario)
    assert sc.run.replications == 5
    assert sc.stations[1].cycle_time.mean == 30.0
    assert sc.stations[2].servers == 2
    same = linesim.load(scenario_file, [("run.replications", 5), ("stations.发泡.cycle_time.mean",
                                                                  "30 s"), ("stations.2.servers", 2)])
    assert same == sc


def test_load_error_names_the_key_as_the_cli_does(scenario_file):
    """A bad override raises ScenarioError naming the file and the key path, with the CLI's
    message (said to come from the call, not the command line), not a pydantic traceback."""
    bad = {"run.replications": 0, "stations.发泡.servers": "two"}
    with pytest.raises(linesim.ScenarioError) as caught:
        linesim.load(scenario_file, bad)
    exc = caught.value
    assert exc.__cause__ is None and exc.__suppress_context__
    paths = sorted(p.path for p in exc.problems)
    assert paths == ["run.replications", "stations[1].servers"]
    assert all(p.file == str(scenario_file) for p in exc.problems)
    assert all(p.message.endswith("(value given in the call)") for p in exc.problems)
    with pytest.raises(linesim.ScenarioError) as cli:  # what `linesim run --set` reports
        load_scenario_source(scenario_file, list(bad.items()))
    assert [p.message.replace("on the command line", "in the call") for p in cli.value.problems] \
        == [p.message for p in exc.problems]


def test_load_error_for_a_missing_item(scenario_file):
    with pytest.raises(linesim.ScenarioError) as caught:
        linesim.load(scenario_file, {"stations.Z.servers": 2})
    assert "stations.Z.servers" in str(caught.value) and "no item 'Z'" in str(caught.value)


# -- changes ----------------------------------------------------------------------------------
def test_change_gives_a_new_validated_scenario(scenario_file):
    sc = linesim.load(scenario_file)
    new = linesim.change(sc, {"stations.发泡.servers": 2, "run.horizon": "3 d"})
    assert new.stations[1].servers == 2 and new.run.horizon == 3 * 86400.0
    assert sc.stations[1].servers == 1 and sc.run.horizon == 2 * 86400.0  # the old one as it was
    assert new.stations[0] == sc.stations[0]


@pytest.mark.parametrize("changes, path, words", [
    ({"stations.发泡.servers": 0}, "stations[1].servers", "greater than or equal to 1"),
    ({"stations.发泡.cycle_time.mean": "-3 s"}, "stations[1].cycle_time", "duration"),
    ({"run.horizon": "soon"}, "run.horizon", "expected a duration"),
    ({"stations.发泡.colour": "red"}, "stations[1].colour", "unknown key"),
    ({"stations.Z.servers": 2}, "stations.Z.servers", "no item 'Z'"),
])
def test_an_invalid_change_raises_with_its_key(scenario_file, changes, path, words):
    """Each change is validated: the error names the key path, the key as given and the
    problem (no pydantic traceback)."""
    sc = linesim.load(scenario_file)
    with pytest.raises(linesim.ScenarioError) as caught:
        linesim.change(sc, changes)
    (problem,) = caught.value.problems
    assert problem.path.startswith(path), problem
    assert words in problem.message
    assert list(changes)[0] in str(caught.value)
    assert caught.value.__cause__ is None


def test_change_validates_the_whole_scenario(scenario_file):
    """A change valid at its key but not in the scenario as a whole (an input no station has)
    is refused: the scenario is validated again, not copied."""
    sc = linesim.load(scenario_file)
    with pytest.raises(linesim.ScenarioError, match="'Z'") as caught:
        linesim.change(sc, {"stations.C.inputs": ["Z"]})
    assert "stations.C.inputs" in str(caught.value)


def test_run_makes_the_preflight_checks(scenario_file):
    """What `linesim run` refuses before simulating, run() refuses too (a source flooding an
    unlimited queue), at its key path."""
    flooding = linesim.change(linesim.load(scenario_file),
                              {"stations.A.arrivals": {"interarrival": "10 s"}})
    with pytest.raises(linesim.ScenarioError, match="arrivals") as caught:
        linesim.run(flooding)
    assert caught.value.problems[0].path.startswith("stations[0]")


# -- run: typed summary and tables ---------------------------------------------------------------
def test_summary_is_typed(result):
    s = result.summary
    assert isinstance(s, python_api.Summary) and isinstance(s.annual_output, linesim.Interval)
    a = s.annual_output
    assert a.n == REPLICATIONS and a.low < a.mean < a.high and a.mean in a
    assert a.half_width == pytest.approx((a.high - a.low) / 2)
    assert s.throughput_per_hour.low < s.throughput_per_hour.mean < s.throughput_per_hour.high
    assert s.target.annual_output == 600000 and 0 <= s.probability <= 1
    assert s.target_met == (s.target.probability >= s.target.confidence)
    assert s.bottleneck in {"A", "发泡", "C"}
    assert set(s.bottleneck_shares) == {"A", "发泡", "C"}
    assert s.bottleneck_shares[s.bottleneck] == max(s.bottleneck_shares.values())
    assert (s.replications, s.horizon_s, s.warmup_s, s.seed) == (REPLICATIONS, 86400.0, 3600.0, 7)
    assert s.engine in ("simpy", "fast") and s.verdict == str(s)
    assert s.capacity.limiting_station in {"A", "发泡", "C"} and s.capacity.ceiling_per_hour > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.verdict = "yes"  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.bottleneck_shares["A"] = 1.0  # type: ignore[index]


def test_summary_as_dict_is_summary_json(result, cli_folder):
    """as_dict() is the summary the CLI writes, number for number (same seed, same code)."""
    on_disk = json.loads((cli_folder / "summary.json").read_text(encoding="utf-8"))
    assert result.summary.as_dict() == on_disk
    d = result.summary.as_dict()
    d["verdict"] = "changed"
    assert result.summary.as_dict()["verdict"] != "changed"  # a copy


def test_tables_have_the_csv_columns(result):
    assert list(result.replications.columns) == REPLICATION_COLUMNS
    assert list(result.stations.columns) == STATION_COLUMNS
    assert list(result.buffers.columns) == BUFFER_COLUMNS
    assert len(result.replications) == REPLICATIONS
    assert len(result.stations) == 3 * REPLICATIONS and len(result.buffers) == 2 * REPLICATIONS
    assert [r.replication for r in result.results] == list(range(REPLICATIONS))


@pytest.mark.parametrize("name", ["replications", "stations", "buffers"])
def test_tables_equal_the_cli_csvs(result, cli_folder, name):
    """Each table is the CSV `linesim run` writes for the same scenario, byte for byte."""
    table = getattr(result, name)
    assert isinstance(table, pd.DataFrame)
    assert table.to_csv(index=False, lineterminator="\n") == \
        (cli_folder / f"{name}.csv").read_text(encoding="utf-8")
    pd.testing.assert_frame_equal(table, pd.read_csv(cli_folder / f"{name}.csv"),
                                  check_dtype=False)


def test_table_registry(result):
    """Every registered table is a property of Result; an unknown one is a clear KeyError; a
    table handed out is a copy (changing it changes nothing)."""
    for name in python_api.TABLES:
        assert isinstance(getattr(linesim.Result, name), property)
        assert list(result.table(name).columns) == list(getattr(result, name).columns)
    with pytest.raises(KeyError, match="replications"):
        result.table("nope")
    t = result.replications
    t["output"] = -1
    assert (result.replications["output"] >= 0).all()


def test_run_takes_a_scenario_or_a_path(scenario_file, result):
    """run(Scenario) and run(path) with the same options give the same replications, on one
    process or two."""
    sc = linesim.load(scenario_file, {"run.horizon": HORIZON})
    again = linesim.run(sc, replications=REPLICATIONS)
    pd.testing.assert_frame_equal(again.replications, result.replications)
    two = linesim.run(sc, replications=REPLICATIONS, jobs=2)  # worker processes when asked
    pd.testing.assert_frame_equal(two.stations, result.stations)
    with pytest.raises(TypeError):
        linesim.run(42)
    with pytest.raises(ValueError, match="jobs"):
        linesim.run(sc, jobs=0)


# -- write and report ---------------------------------------------------------------------------
def test_write_makes_the_folder_the_cli_makes(result, cli_folder, scenario_file, tmp_path):
    """write() gives the same files as `linesim run`, the tables byte for byte; the manifest
    records the call, not this process's command line."""
    out = result.write(tmp_path / "api-run")
    assert out == tmp_path / "api-run" and result.folder == out
    assert sorted(os.listdir(out)) == sorted(os.listdir(cli_folder))
    for name in TABLE_FILES:
        assert (out / name).read_bytes() == (cli_folder / name).read_bytes(), name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and manifest["command"][0] == "linesim.run"
    assert manifest["replications"] == REPLICATIONS and manifest["jobs"] == 1
    assert manifest["files"] == sorted(os.listdir(out))
    assert manifest["command"] == ["linesim.run", str(scenario_file),
                                   f"replications={REPLICATIONS}", f"horizon={HORIZON}"]
    result.write(out)  # a run folder is replaced whole
    assert sorted(os.listdir(out)) == sorted(os.listdir(cli_folder))


def test_write_refuses_a_folder_linesim_did_not_write(result, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(linesim.FolderRefused, match="notes.txt"):
        result.write(folder)
    assert os.listdir(folder) == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".mine.tmp")] == []


def test_report_without_the_report_module(result, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "linesim.html_report", None)
    with pytest.raises(NotImplementedError, match="html_report"):
        result.report(tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_report_writes_the_folder_then_the_report(result, tmp_path, monkeypatch):
    """report(folder) writes the run folder there first and calls html_report.write_report on
    it; report() afterwards reports on the folder written."""
    calls = []
    fake = types.ModuleType("linesim.html_report")

    def write_report(folder):
        calls.append((folder, sorted(os.listdir(folder))))
        return folder / "report.html"

    fake.write_report = write_report
    monkeypatch.setitem(sys.modules, "linesim.html_report", fake)
    fresh = python_api.Result(result.scenario, result.results, result.summary.as_dict(),
                              result._provenance)
    with pytest.raises(ValueError, match="write"):
        fresh.report()
    path = fresh.report(tmp_path / "rep")
    assert path == tmp_path / "rep" / "report.html"
    assert calls[0][0] == tmp_path / "rep" and "summary.json" in calls[0][1]
    assert fresh.report() == path and len(calls) == 2


# -- sweeps -------------------------------------------------------------------------------------
def test_sweep_equals_the_cli_sweep(scenario_file, tmp_path):
    """A sweep from Python writes the tables `linesim sweep --vary` writes, byte for byte, and
    returns them as DataFrames."""
    sw = linesim.sweep(scenario_file, {"stations.发泡.buffer_after": [0, 3]},
                       folder=tmp_path / "api", replications=2, horizon=HORIZON)
    assert list(sw.points["label"]) == ["base", "stations.发泡.buffer_after=0",
                                        "stations.发泡.buffer_after=3"]
    assert len(sw.replications) == 3 * 2 and len(sw.stations) == 3 * 2 * 3
    done = linesim_cli("sweep", scenario_file, "--vary", "stations.发泡.buffer_after=0,3", "-n", 2,
                       "--horizon", HORIZON, "--out", tmp_path / "cli", "--no-charts")
    assert done.returncode == 0, done.stderr
    for name in ("points.csv", "replications.csv"):
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
    pd.testing.assert_frame_equal(sw.points, pd.read_csv(tmp_path / "cli" / "points.csv"),
                                  check_dtype=False)


def test_sweep_of_a_changed_scenario_and_its_errors(scenario_file, tmp_path):
    """A Scenario (changed in Python) can be swept; a bad factor names 'vary' and its key."""
    sc = linesim.change(linesim.load(scenario_file), {"run.horizon": HORIZON})
    sw = linesim.sweep(sc, {"stations.发泡.servers": "1,2"}, folder=tmp_path / "s",
                       replications=1, charts=False)
    assert len(sw.points) == 2
    with pytest.raises(linesim.ScenarioError) as caught:
        linesim.sweep(sc, {"stations.发泡.colour": [1, 2]}, folder=tmp_path / "bad")
    (problem,) = caught.value.problems
    assert (problem.file, problem.path) == ("vary", "stations.发泡.colour")
    with pytest.raises(linesim.ScenarioError, match="did you mean 'grid'"):
        linesim.sweep(sc, {"stations.发泡.servers": [1, 2]}, design="gird", folder=tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_run_keeps_the_plausibility_warnings_as_the_cli_does(tmp_path):
    """A bare MTTR under a minute ("did you mean minutes?") is warned as a RunWarning at its
    file, line and key, and kept in the summary (typed and as summary.json has it), as
    `linesim run` keeps it; lost arrivals are typed too (none here)."""
    path = tmp_path / "bare.yaml"
    path.write_text("name: bare\nstations:\n"
                    "  - {name: A, cycle_time: 40 s, failures: {mtbf: 2 h, mttr: 30}}\n"
                    "  - {name: B, cycle_time: 38 s}\n"
                    "run: {warmup: 1 h, horizon: 1 d, replications: 2, seed: 3}\n",
                    encoding="utf-8")
    with pytest.warns(linesim.RunWarning, match="mttr"):
        r = linesim.run(path)
    assert len(r.summary.warnings) == 1
    assert r.summary.warnings[0].startswith(f"{path}:3: stations[0].failures.mttr")
    assert r.summary.as_dict()["warnings"][0]["line"] == 3
    assert r.summary.lost_per_year == 0.0 and r.summary.lost_share_of_arrivals is None
