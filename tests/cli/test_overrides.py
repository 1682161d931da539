"""Command-line overrides of the run block (--replications, --seed, --horizon, --warmup) and
--set KEY=VALUE are applied to the scenario that runs and is recorded."""

from __future__ import annotations

import json

import pandas as pd
import yaml

from .conftest import invoke, linesim


def test_overrides_are_applied_and_recorded(tiny_yaml, tmp_path):
    """Every override shows in summary.json, the resolved scenario and the tables."""
    out = tmp_path / "run"
    res = invoke("run", tiny_yaml, "--out", out, "--jobs", "1", "--no-charts",
                 "--replications", "3", "--seed", "99", "--horizon", "2 h", "--warmup", "30 min",
                 "--set", "stations.B.servers=2",
                 "--set", "stations.C.cycle_time={dist: uniform, min: 30 s, max: 40 s}",
                 "--set", "target.confidence=0.5")
    assert res.exit_code == 0, (res.output, res.exception)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 3 and summary["seed"] == 99
    assert summary["horizon_s"] == 7200.0 and summary["warmup_s"] == 1800.0
    assert summary["target"]["confidence"] == 0.5
    resolved = yaml.safe_load((out / "scenario.resolved.yaml").read_text())
    assert resolved["run"] == {"warmup": 1800.0, "horizon": 7200.0, "replications": 3, "seed": 99}
    assert [s["servers"] for s in resolved["stations"]] == [1, 2, 1]
    assert resolved["stations"][2]["cycle_time"] == {"dist": "uniform", "min": 30.0, "max": 40.0}
    reps = pd.read_csv(out / "replications.csv")
    assert list(reps.replication) == [0, 1, 2] and (reps.observed_s == 7200.0).all()
    stations = pd.read_csv(out / "stations.csv")
    assert list(stations.loc[stations.replication == 0, "servers"]) == [1, 2, 1]
    assert json.loads((out / "manifest.json").read_text())["seed"] == 99


def test_overrides_do_not_change_the_file(tiny_yaml, tmp_path):
    """Overrides apply to the run only; the scenario file is left as it was."""
    before = tiny_yaml.read_bytes()
    res = invoke("run", tiny_yaml, "--out", tmp_path / "run", "--jobs", "1", "--no-charts",
                 "--seed", "3", "--horizon", "2 h")
    assert res.exit_code == 0
    assert tiny_yaml.read_bytes() == before


def test_bad_override_value_exits_2_naming_the_key(tiny_yaml, tmp_path):
    """--horizon '-5 d' ends with exit status 2 and a message naming the file and run.horizon,
    with no traceback and no run folder."""
    out = tmp_path / "run"
    proc = linesim("run", tiny_yaml, "--out", out, "--horizon", "-5 d", cwd=tmp_path)
    assert proc.returncode == 2
    assert "run.horizon" in proc.stderr and str(tiny_yaml) in proc.stderr
    assert "> 0" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not out.exists()


def test_bad_set_values_exit_2(tiny_yaml, tmp_path):
    """--set with an unknown key, an unknown station, a bad value or no '=' exits 2 and names it."""
    out = tmp_path / "run"
    cases = [
        (["--set", "stations.B.servrs=2"], "stations[1].servrs"),
        (["--set", "stations.Z.servers=2"], "stations.Z.servers"),
        (["--set", "run.replications=0"], "run.replications"),
        (["--seed", "-1"], "run.seed"),
        (["--replications", "0"], "run.replications"),
        (["--warmup", "soon"], "run.warmup"),
        (["--set", "run.seed"], "--set"),
    ]
    for args, key in cases:
        res = invoke("run", tiny_yaml, "--out", out, "--jobs", "1", *args)
        assert res.exit_code == 2, (args, res.output)
        assert key in res.stderr, (args, res.stderr)
        assert isinstance(res.exception, SystemExit)
        assert not out.exists()


def test_out_with_several_scenarios_is_a_usage_error(tiny_yaml, tmp_path):
    """--out names one folder: giving it with two scenarios exits 2 before running anything."""
    res = invoke("run", tiny_yaml, tiny_yaml, "--out", tmp_path / "run")
    assert res.exit_code == 2 and "--out" in res.stderr
    assert not (tmp_path / "run").exists()
