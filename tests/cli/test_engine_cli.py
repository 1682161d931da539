"""`run.engine` and `--engine` through the command line (issue 9): a bad value and `engine: fast`
on a scenario the fast engine cannot run are exit 2 at `run.engine` (with the line when the file
says it) before anything is simulated or written; the run folder's manifest and summary, the
console and the experiment folders say which engine ran and why; one engine runs every point of
a sweep.

The fast engine of this tree may be a stub that supports nothing: `refusing_fast` makes sure of
that, and `fake_fast` stands in for one that supports what a test says (the SimPy engine's
windows labelled "fast"), in process (`--jobs 1` runs the replications in this process)."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import pytest
import yaml

from .conftest import TINY, invoke

REASON = "a feature the fake fast engine lacks"


@pytest.fixture
def refusing_fast(monkeypatch):
    """A fast engine that supports nothing (as the stub)."""
    from linesim.engines import fast

    monkeypatch.setattr(fast, "unsupported", lambda sc: [REASON])


@pytest.fixture
def fake_fast(monkeypatch):
    """A stand-in fast engine: supports a scenario when ``state.supports(scenario)`` (always, by
    default), runs the SimPy engine and labels the window "fast", counts its replications."""
    from linesim.engines import fast
    from linesim.engines.simpy import run as simpy_run

    state = SimpleNamespace(calls=0, supports=lambda sc: True)

    def run_window(scenario, replication, **hook):  # on_period: the progress display's
        state.calls += 1
        return dataclasses.replace(simpy_run.run_window(scenario, replication, **hook),
                                   engine="fast")

    monkeypatch.setattr(fast, "unsupported", lambda sc: [] if state.supports(sc) else [REASON])
    monkeypatch.setattr(fast, "run_window", run_window)
    return state


def _scenario(tmp_path, engine=None):
    """tiny.yaml, with ``engine: ENGINE`` in its run block if given."""
    text = TINY if engine is None else TINY.replace("  seed: 7\n", f"  seed: 7\n  engine: {engine}\n")
    assert engine is None or yaml.safe_load(text)["run"]["engine"] == engine
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_bad_engine_value_is_exit_2_at_its_line(tmp_path):
    """`engine: turbo` in the run block: exit 2, one line naming the file, the line, run.engine
    and the three values allowed; no traceback."""
    path = _scenario(tmp_path, "turbo")
    r = invoke("validate", path)
    assert r.exit_code == 2
    line = _line_of(path, "engine: turbo")
    assert f"{path}:{line}: run.engine:" in r.stderr
    assert "'auto', 'simpy' or 'fast'" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("command", ["validate", "run"])
def test_engine_fast_unsupported_is_exit_2_before_simulating(tmp_path, refusing_fast, command):
    """`engine: fast` where the fast engine cannot run the scenario: validate and run exit 2
    with a line at file:line run.engine naming the feature, and run writes nothing."""
    path = _scenario(tmp_path, "fast")
    args = [command, path] + (["--out", tmp_path / "out", "--jobs", "1"] if command == "run" else [])
    r = invoke(*args)
    assert r.exit_code == 2, r.output
    line = _line_of(path, "engine: fast")
    assert f"{path}:{line}: run.engine: fast, but the fast engine cannot run this scenario: " \
           f"{REASON}" in r.stderr
    assert not (tmp_path / "out").exists()


def test_engine_option_overrides_the_file(tmp_path, refusing_fast):
    """`--engine fast` on validate: exit 2 at run.engine, '(value given on the command line)';
    `--engine simpy` over a file saying fast: ok; `--engine turbo`: a usage error (exit 2)."""
    plain = _scenario(tmp_path)
    r = invoke("validate", plain, "--engine", "fast")
    assert r.exit_code == 2
    assert "run.engine: fast, but" in r.stderr and "(value given on the command line)" in r.stderr
    fast_file = _scenario(tmp_path, "fast")
    assert invoke("validate", fast_file, "--engine", "simpy").exit_code == 0
    assert invoke("validate", fast_file, "--engine", "turbo").exit_code == 2


def test_run_records_simpy_and_why(tmp_path, refusing_fast):
    """A default (auto) run where the fast engine cannot run: manifest.json and summary.json say
    engine simpy with the reason, the console says 'Engine: simpy (fast engine not used: ...)',
    and scenario.resolved.yaml has no engine key (auto is left out)."""
    out = tmp_path / "out"
    r = invoke("run", _scenario(tmp_path), "--out", out, "--jobs", "1", "--no-charts")
    assert r.exit_code == 0, r.output
    note = f"fast engine not used: {REASON}"
    for name in ("manifest.json", "summary.json"):
        data = json.loads((out / name).read_text())
        assert (data["engine"], data["engine_note"]) == ("simpy", note), name
    assert f"Engine: simpy ({note})" in r.stdout
    assert "engine" not in yaml.safe_load((out / "scenario.resolved.yaml").read_text())["run"]


def test_run_with_engine_simpy_writes_it_out(tmp_path, fake_fast):
    """`--engine simpy` where the fast engine could run: SimPy runs (the fast engine is never
    called), the record says it was asked for, and the resolved scenario keeps engine: simpy."""
    out = tmp_path / "out"
    r = invoke("run", _scenario(tmp_path), "--out", out, "--jobs", "1", "--no-charts",
               "--engine", "simpy")
    assert r.exit_code == 0, r.output
    assert fake_fast.calls == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["engine"], manifest["engine_note"]) == ("simpy", "run.engine: simpy")
    assert yaml.safe_load((out / "scenario.resolved.yaml").read_text())["run"]["engine"] == "simpy"


def test_auto_runs_the_fast_engine_where_it_can_and_says_so(tmp_path, fake_fast):
    """auto with a fast engine that supports the scenario: every replication runs on it, the
    manifest and summary say fast (compiled), the console 'Engine: fast (compiled)'; the tables
    are byte-identical to a SimPy run's (one statistics code for both engines)."""
    path = _scenario(tmp_path)
    r = invoke("run", path, "--out", tmp_path / "fast", "--jobs", "1", "--no-charts")
    assert r.exit_code == 0, r.output
    assert fake_fast.calls == 2
    for name in ("manifest.json", "summary.json"):
        data = json.loads((tmp_path / "fast" / name).read_text())
        assert (data["engine"], data["engine_note"]) == ("fast", "compiled"), name
    assert "Engine: fast (compiled)" in r.stdout
    assert invoke("run", path, "--out", tmp_path / "simpy", "--jobs", "1", "--no-charts",
                  "--engine", "simpy").exit_code == 0
    for name in ("replications.csv", "stations.csv", "buffers.csv"):
        assert (tmp_path / "fast" / name).read_bytes() == (tmp_path / "simpy" / name).read_bytes()


def _vary(tmp_path, *extra):
    return invoke("sweep", _scenario(tmp_path), "--vary", "stations.A.cycle_time=x0.9,1.1",
                  "--replications", "2", "--jobs", "1", "--no-charts",
                  "--out", tmp_path / "sw", *extra)


def test_a_sweep_runs_every_point_on_one_engine(tmp_path, fake_fast):
    """A sweep whose every point the fast engine supports runs them all on it (manifest: fast,
    engines_stored [fast]); when one point is not supported, the whole sweep runs on SimPy
    (common random numbers: one engine) and the manifest's note names that point."""
    r = _vary(tmp_path)
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "sw" / "manifest.json").read_text())
    assert (manifest["engine"], manifest["engines_stored"]) == ("fast", ["fast"])
    assert fake_fast.calls == 6 and "Engine: fast (compiled)" in r.stdout

    fake_fast.calls = 0
    fake_fast.supports = lambda sc: sc.stations[0].cycle_time.mean < 42  # not A at 44 s
    r = invoke("sweep", _scenario(tmp_path), "--vary", "stations.A.cycle_time=x0.9,1.1",
               "--replications", "2", "--jobs", "1", "--no-charts", "--out", tmp_path / "sw2")
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "sw2" / "manifest.json").read_text())
    assert (manifest["engine"], manifest["engines_stored"]) == ("simpy", ["simpy"])
    assert manifest["engine_note"].startswith("fast engine not used: point 2 (")
    assert REASON in manifest["engine_note"] and fake_fast.calls == 0


def test_a_sweep_on_fast_refuses_a_point_it_cannot_run(tmp_path, fake_fast):
    """`--engine fast` on a sweep one of whose points the fast engine cannot run: exit 2 before
    anything runs or is written, naming the point's value and the feature."""
    fake_fast.supports = lambda sc: sc.stations[0].cycle_time.mean < 42
    r = _vary(tmp_path, "--engine", "fast")
    assert r.exit_code == 2, r.output
    assert "stations.A.cycle_time" in r.stderr and REASON in r.stderr
    assert "run.engine: fast, but the fast engine cannot run this scenario" in r.stderr
    assert fake_fast.calls == 0 and not (tmp_path / "sw").exists()


def test_sweep_engine_option_is_in_its_definition(tmp_path, fake_fast):
    """`--engine simpy` on a sweep: every point on SimPy (the fast engine never called), the
    manifest says it was asked for, sweep.resolved.yaml's run block says engine: simpy."""
    r = _vary(tmp_path, "--engine", "simpy")
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "sw" / "manifest.json").read_text())
    assert (manifest["engine"], manifest["engine_note"]) == ("simpy", "run.engine: simpy")
    resolved = yaml.safe_load((tmp_path / "sw" / "sweep.resolved.yaml").read_text())
    assert resolved["run"]["engine"] == "simpy" and fake_fast.calls == 0


ONE = """\
name: one
stations:
  - name: A
    cycle_time: 200 s
run:
  warmup: 0 s
  horizon: 1 d
  replications: 2
  seed: 1
target:
  annual_output: 500000
  confidence: 0.9
"""


def test_improve_and_solve_record_their_engine(tmp_path, fake_fast):
    """improve and solve follow run.engine through their points: `improve --engine simpy` runs
    SimPy and its manifest says so; `solve` on servers 1..8 where the fast engine supports one
    server only runs every evaluation on SimPy (the range's end is among the first points) and
    its manifest says simpy, engines_stored [simpy]."""
    (tmp_path / "one.yaml").write_text(ONE, encoding="utf-8")
    r = invoke("improve", tmp_path / "one.yaml", "--jobs", "1", "--no-charts", "--engine",
               "simpy", "--out", tmp_path / "imp")
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "imp" / "manifest.json").read_text())
    assert (manifest["engine"], manifest["engine_note"]) == ("simpy", "run.engine: simpy")
    assert fake_fast.calls == 0 and "Engine: simpy (run.engine: simpy)" in r.stdout

    fake_fast.supports = lambda sc: sc.stations[0].servers == 1
    r = invoke("solve", tmp_path / "one.yaml", "--target-key", "stations.A.servers", "--lo", "1",
               "--hi", "8", "--jobs", "1", "--no-charts", "--out", tmp_path / "sol")
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "sol" / "manifest.json").read_text())
    assert (manifest["engine"], manifest["engines_stored"]) == ("simpy", ["simpy"])
    assert fake_fast.calls == 0
