"""`linesim run` on a tiny scenario: exit 0, every file of the run folder, the contract's
summary.json keys, CSV columns, invariants between the tables, the resolved scenario, --json."""

from __future__ import annotations

import json
import math
import sys

import pandas as pd
import pytest

from linesim.loader import load_scenario
from linesim.results import BUFFER_COLUMNS, REPLICATION_COLUMNS, STATION_COLUMNS
from linesim.states import STATE_NAMES

RUN_FILES = ["summary.json", "replications.csv", "stations.csv", "buffers.csv",
             "scenario.resolved.yaml", "manifest.json", "station_states.png", "annual_output.png",
             "station_states_calendar.png", "bottleneck_shares.png", "oee.png"]
STATE_KEYS = ["working", "starved", "blocked", "down", "off_shift"]


@pytest.fixture(scope="module")
def run(tiny_run):
    assert tiny_run.proc.returncode == 0, tiny_run.proc.stderr
    return tiny_run


@pytest.fixture(scope="module")
def summary(run):
    return json.loads((run.folder / "summary.json").read_text(encoding="utf-8"))


def test_run_exits_0_and_writes_every_file(run):
    """A good run exits 0, says where its folder is, and writes every file of the contract,
    with no temporary files left behind."""
    assert run.proc.returncode == 0
    assert "Traceback" not in run.proc.stderr
    for name in RUN_FILES:
        path = run.folder / name
        assert path.is_file() and path.stat().st_size > 0, name
    leftovers = [p.name for p in run.folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []


def test_charts_are_png(run):
    """The charts are PNG images."""
    for name in [n for n in RUN_FILES if n.endswith(".png")]:
        assert (run.folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_has_every_contract_key(summary):
    """summary.json carries every key the contract requires, nested ones included."""
    top = {"scenario", "unit", "linesim_version", "seed", "replications", "warmup_s", "horizon_s",
           "scheduled_hours_per_year", "throughput_per_hour", "annual_output", "target", "stations",
           "buffers", "bottleneck", "wip_mean", "lead_time_s"}
    assert top <= set(summary)
    for key in ("throughput_per_hour", "annual_output"):
        assert {"mean", "ci95", "std"} <= set(summary[key])
    assert {"annual_output", "confidence", "probability", "met"} <= set(summary["target"])
    for row in summary["stations"]:
        assert {"name", *STATE_KEYS} <= set(row)
    for row in summary["buffers"]:
        assert {"after", "capacity", "mean_level", "max_level"} <= set(row)
    assert "mean" in summary["lead_time_s"]


def test_summary_reflects_the_scenario(summary):
    """Identity fields echo the scenario: name, unit, version, seed, replications, times in
    seconds, 8760 h for the continuous calendar, stations and buffers in flow order."""
    from linesim import __version__

    assert summary["scenario"] == "tiny" and summary["unit"] == "part"
    assert summary["linesim_version"] == __version__
    assert summary["seed"] == 7 and summary["replications"] == 2
    assert summary["warmup_s"] == 3600.0 and summary["horizon_s"] == 86400.0
    assert summary["scheduled_hours_per_year"] == 8760.0
    assert [s["name"] for s in summary["stations"]] == ["A", "B", "C"]
    assert [(b["after"], b["capacity"]) for b in summary["buffers"]] == [("A", 2), ("B", 1)]
    assert summary["bottleneck"] in {"A", "B", "C"}
    assert summary["target"]["annual_output"] == 500000 and summary["target"]["confidence"] == 0.9


def test_summary_statistics_are_consistent(summary):
    """The figures obey their definitions: annual = JPH × 8760 h on a continuous calendar, the
    ci95 brackets the mean, the verdict is P >= confidence, buffer levels within capacity."""
    tp, annual = summary["throughput_per_hour"], summary["annual_output"]
    assert annual["mean"] == pytest.approx(tp["mean"] * 8760, rel=1e-12)
    for stat in (tp, annual):
        lo, hi = stat["ci95"]
        assert lo <= stat["mean"] <= hi and stat["std"] >= 0
    target = summary["target"]
    assert 0.0 <= target["probability"] <= 1.0
    assert target["met"] == (target["probability"] >= target["confidence"])
    for b in summary["buffers"]:
        assert 0 <= b["mean_level"] <= b["max_level"] <= b["capacity"]
    assert summary["wip_mean"] > 0 and summary["lead_time_s"]["mean"] > 0


def test_station_shares_sum_to_one(summary, run):
    """Each station's state shares sum to 1, in summary.json and in every row of stations.csv;
    the first station is never starved and the last never blocked."""
    for row in summary["stations"]:
        assert math.fsum(row[k] for k in STATE_KEYS) == pytest.approx(1.0, abs=1e-9)
        assert all(0.0 <= row[k] <= 1.0 for k in STATE_KEYS)
    st = pd.read_csv(run.folder / "stations.csv")
    assert (st[STATE_KEYS].sum(axis=1) - 1.0).abs().max() < 1e-9
    assert (st.loc[st.station == "A", "starved"] == 0).all()
    assert (st.loc[st.station == "C", "blocked"] == 0).all()


def test_csv_columns_and_rows(run):
    """The CSVs have the fixed column order of results.py and one row per replication
    (× station, × buffer)."""
    assert set(STATE_KEYS) <= set(STATE_NAMES)
    reps = pd.read_csv(run.folder / "replications.csv")
    stations = pd.read_csv(run.folder / "stations.csv")
    buffers = pd.read_csv(run.folder / "buffers.csv")
    assert list(reps.columns) == REPLICATION_COLUMNS
    assert list(stations.columns) == STATION_COLUMNS
    assert list(buffers.columns) == BUFFER_COLUMNS
    assert list(reps.replication) == [0, 1]
    assert list(zip(stations.replication, stations.station)) == [
        (r, s) for r in (0, 1) for s in ("A", "B", "C")]
    assert list(zip(buffers.replication, buffers.after, buffers.capacity)) == [
        (r, a, c) for r in (0, 1) for a, c in (("A", 2), ("B", 1))]
    assert ["replication", "station", "servers", "working", "starved", "blocked", "down",
            "off_shift"] == STATION_COLUMNS[:8]


def test_summary_aggregates_the_tables(summary, run):
    """summary.json is the mean over replications of the tables' rows (no other source)."""
    reps = pd.read_csv(run.folder / "replications.csv")
    stations = pd.read_csv(run.folder / "stations.csv")
    buffers = pd.read_csv(run.folder / "buffers.csv")
    assert summary["annual_output"]["mean"] == pytest.approx(reps.annual_output.mean(), rel=1e-12)
    assert summary["throughput_per_hour"]["mean"] == pytest.approx(reps.throughput_per_h.mean(),
                                                                   rel=1e-12)
    assert summary["annual_output"]["std"] == pytest.approx(reps.annual_output.std(ddof=1), rel=1e-9)
    assert summary["wip_mean"] == pytest.approx(reps.wip_mean.mean(), rel=1e-12)
    by_station = stations.groupby("station", sort=False)[STATE_KEYS].mean()
    for row in summary["stations"]:
        for k in STATE_KEYS:
            assert row[k] == pytest.approx(by_station.loc[row["name"], k], rel=1e-9, abs=1e-12)
    for b in summary["buffers"]:
        rows = buffers[buffers.after == b["after"]]
        assert b["max_level"] == rows.max_level.max()
        assert b["mean_level"] == pytest.approx(rows.mean_level.mean(), rel=1e-12)
    # every replication observed the horizon and made output at a sane rate (≤ the 90/h ceiling)
    assert (reps.observed_s == 86400.0).all()
    assert ((reps.throughput_per_h > 0) & (reps.throughput_per_h <= 90.0 * 1.5)).all()


def test_resolved_scenario_validates_back_equal(run):
    """scenario.resolved.yaml has every default written out and loads to a Scenario equal to the
    one that was run."""
    import yaml

    resolved = yaml.safe_load((run.folder / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    assert {"name", "description", "unit", "calendar", "stations", "run", "target"} <= set(resolved)
    for st in resolved["stations"]:
        assert {"name", "cycle_time", "servers", "buffer_after", "failures", "scrap"} <= set(st)
    assert {"warmup", "horizon", "replications", "seed"} <= set(resolved["run"])
    assert load_scenario(run.folder / "scenario.resolved.yaml") == load_scenario(run.scenario)


def test_manifest_records_the_run(run):
    """manifest.json records status ok, seed, stream scheme, replications, jobs and versions."""
    from linesim.streams import SCHEME_VERSION

    m = json.loads((run.folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "ok" and m["error"] is None
    assert m["seed"] == 7 and m["stream_scheme"] == SCHEME_VERSION
    assert m["replications"] == 2 and m["jobs"] == 2
    assert m["source"] == str(run.scenario)
    assert m["versions"]["linesim"] and m["versions"]["simpy"]
    # the command as typed, without the path of this machine's executable
    assert m["command"][:2] == ["linesim", "run"] and sys.executable not in m["command"]


def test_json_flag_prints_summary_json(run):
    """--json prints exactly summary.json on stdout (the readable summary goes to stderr)."""
    assert json.loads(run.proc.stdout) == json.loads((run.folder / "summary.json").read_text())
    assert run.proc.stdout == (run.folder / "summary.json").read_text(encoding="utf-8")
    assert "run folder" in run.proc.stderr


def test_json_files_have_sorted_keys(run):
    """JSON is written with sorted keys so reruns diff cleanly."""
    text = (run.folder / "summary.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True) + "\n"


FULL = """
name: full
unit: set
calendar:
  shifts_per_day: 2
  shift_length: 8 h
  breaks_per_shift: 30 min
  days_per_week: 5
  holidays_per_year: 3
stations:
  - name: A
    cycle_time: {dist: triangular, min: 30, mode: 35, max: 50}
    buffer_after: 3
  - name: B
    cycle_time: {dist: lognormal, mean: 70 s, cv: 0.3}
    servers: 2
    failures: {mtbf: 2 h, mttr: {dist: exponential, mean: 10 min}}
    scrap: "1%"
    buffer_after: 2
  - name: C
    cycle_time: {dist: normal, mean: 36, cv: 0.1}
    failures: {availability: 0.95, mttr: 5 min, basis: scheduled}
run: {warmup: 2 h, horizon: 2 d, replications: 2, seed: 3}
target: {annual_output: 100000, confidence: 0.8}
"""


def test_shift_calendar_failures_scrap_run(tmp_path):
    """A run using shifts, breaks, holidays, failures on both bases, parallel servers and scrap
    completes; shares sum to 1; every station's off-shift share is the unscheduled part of the
    window (1 − scheduled/observed); a station without failures is never down; annual output is
    JPH × the calendar's 3870 h (258 days × 2 × 7.5 h)."""
    from .conftest import invoke

    path = tmp_path / "full.yaml"
    path.write_text(FULL, encoding="utf-8")
    out = tmp_path / "run"
    res = invoke("run", path, "--out", out, "--jobs", "1", "--no-charts")
    assert res.exit_code == 0, (res.output, res.exception)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scheduled_hours_per_year"] == pytest.approx(258 * 2 * 7.5)
    reps = pd.read_csv(out / "replications.csv")
    assert (reps.observed_s == 2 * 86400.0).all()
    # window 08:00 day 0 (after 2 h scheduled warm-up from 06:00) to 08:00 day 2 (working days):
    # 14 h − 2 breaks + 15 h + 2 h = 30 h scheduled
    assert reps.scheduled_s.tolist() == pytest.approx([30 * 3600.0] * 2)
    assert reps.annual_output.tolist() == pytest.approx(
        (reps.throughput_per_h * summary["scheduled_hours_per_year"]).tolist(), rel=1e-12)
    assert reps.scrapped.sum() > 0  # ~1 % of ~5000 parts
    st = pd.read_csv(out / "stations.csv")
    assert (st[STATE_KEYS].sum(axis=1) - 1.0).abs().max() < 1e-9
    unscheduled = 1.0 - reps.set_index("replication").scheduled_s / reps.set_index("replication").observed_s
    for _, row in st.iterrows():
        assert row.off_shift == pytest.approx(unscheduled[row.replication], abs=1e-9)
    assert (st.loc[st.station == "A", "down"] == 0).all()
    assert (st.loc[st.station == "A", "failures"] == 0).all()
    assert (st.loc[st.station != "A", "failures"] >= 0).all()
    assert list(st.loc[st.replication == 0, "servers"]) == [1, 2, 1]


def test_default_run_folder_is_runs_slash_name_and_never_results(tmp_path, monkeypatch):
    """Without --out a run goes to runs/<scenario name>/ under the working directory, so a
    first run of a shipped scenario never overwrites the committed results/<name>/."""
    from .conftest import TINY, invoke

    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(TINY, encoding="utf-8")
    committed = tmp_path / "results" / "tiny"
    committed.mkdir(parents=True)
    (committed / "summary.json").write_text("{}", encoding="utf-8")
    res = invoke("run", "s.yaml", "--jobs", "1", "--no-charts", "--replications", "1",
                 "--horizon", "2 h")
    assert res.exit_code == 0, (res.output, res.exception)
    assert (tmp_path / "runs" / "tiny" / "summary.json").is_file()
    assert (committed / "summary.json").read_text(encoding="utf-8") == "{}"  # untouched
    assert "replacing" not in res.stderr  # a first run replaces nothing
    # one replication: a mean, but no interval
    assert json.loads((tmp_path / "runs" / "tiny" / "summary.json").read_text())[
        "annual_output"]["ci95"] is None


def test_a_run_into_an_existing_run_folder_says_it_replaces_it(tmp_path):
    """Running again into a folder that holds a run says so on stderr, naming the folder."""
    from .conftest import TINY, invoke

    (tmp_path / "s.yaml").write_text(TINY, encoding="utf-8")
    args = ("run", tmp_path / "s.yaml", "--out", tmp_path / "o", "--jobs", "1", "--no-charts",
            "--replications", "1", "--horizon", "2 h")
    first = invoke(*args)
    assert first.exit_code == 0 and "replacing" not in first.stderr
    again = invoke(*args)
    assert again.exit_code == 0, (again.output, again.exception)
    assert f"replacing the previous run in {tmp_path / 'o'}" in again.stderr
