"""The engine choice and the engine contract (issue 9): ``run.engine`` auto | simpy | fast,
``engines.choice`` / ``choose`` / ``choose_for_all`` / ``pinned``, ``resolved()`` leaving the
default out, and ``simulate.run_replication`` = ``summarize`` of an engine's ``Window``.

``fast_spy`` is the real fast engine, counting the replications it runs, with what it supports
set by the test (``unsupported`` monkeypatched: the features it lacks today are being added),
to show that ``auto`` picks it where it can run and that the record says so. The engines' exact
agreement is tests/engines' subject."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest

from linesim import engines
from linesim.engines import fast as fast_engine
from linesim.engines import EngineUnsupported
from linesim.loader import load_scenario
from linesim.scenario import Scenario
from linesim.simulate import run_replication, summarize

LINE = textwrap.dedent("""
    name: two
    stations:
      - name: A
        cycle_time: {dist: exponential, mean: 40 s}
        buffer_after: 1
      - name: B
        cycle_time: {dist: exponential, mean: 38 s}
    run:
      warmup: 1 h
      horizon: 6 h
      replications: 2
      seed: 3
    """).lstrip()


@pytest.fixture
def line(tmp_path) -> Scenario:
    path = tmp_path / "two.yaml"
    path.write_text(LINE, encoding="utf-8")
    return load_scenario(path)


@pytest.fixture
def fast_spy(monkeypatch):
    """The real fast engine: it supports a scenario when ``state.supports(scenario)`` (always,
    by default) and counts the replications it runs."""
    from linesim.engines import fast

    state = SimpleNamespace(calls=[], supports=lambda sc: True)
    real = fast.run_window

    def unsupported(scenario):
        return [] if state.supports(scenario) else ["a feature the fast engine lacks (test)"]

    def run_window(scenario, replication):
        state.calls.append(replication)
        return real(scenario, replication)

    monkeypatch.setattr(fast, "unsupported", unsupported)
    monkeypatch.setattr(fast, "run_window", run_window)
    return state


def _on(scenario: Scenario, engine: str) -> Scenario:
    return scenario.with_run(engine=engine)


def test_engine_defaults_to_auto_and_resolved_leaves_it_out(line):
    """`run.engine` defaults to auto, which resolved() leaves out (so resolved scenario files and
    sweep store hashes stay as they were); simpy and fast are written out and round-trip."""
    assert line.run.engine == "auto"
    assert "engine" not in line.resolved()["run"]
    for name in ("simpy", "fast"):
        sc = _on(line, name)
        assert sc.resolved()["run"]["engine"] == name
        assert Scenario.model_validate(sc.resolved()) == sc


def test_auto_runs_simpy_when_the_fast_engine_cannot(line, monkeypatch):
    """auto with a fast engine that supports nothing: SimPy, and the note names the reason the
    fast engine gave; `simpy` asked: SimPy, and the note says it was asked for."""
    from linesim.engines import fast

    monkeypatch.setattr(fast, "unsupported", lambda sc: ["conveyors"])
    c = engines.choice(line)
    assert (c.engine, c.note) == ("simpy", "fast engine not used: conveyors")
    assert engines.choose(line) == "simpy"
    assert engines.choice(_on(line, "simpy")) == engines.Choice("simpy", "run.engine: simpy")


def test_fast_on_an_unsupported_scenario_is_refused_naming_the_feature(line, monkeypatch):
    """`engine: fast` where the fast engine lacks features: EngineUnsupported (a ValueError) whose
    reasons and message name every feature and say what to set instead."""
    from linesim.engines import fast

    monkeypatch.setattr(fast, "unsupported", lambda sc: ["conveyors", "rework"])
    with pytest.raises(EngineUnsupported) as info:
        engines.choose(_on(line, "fast"))
    assert info.value.reasons == ["conveyors", "rework"]
    assert isinstance(info.value, ValueError)
    assert "conveyors" in str(info.value) and "rework" in str(info.value)
    assert "run.engine" in str(info.value) and "auto or simpy" in str(info.value)


def test_auto_picks_the_fast_engine_where_it_can_run(line, fast_spy):
    """auto on a scenario the fast engine supports: the fast engine runs the replication
    (``run_replication`` dispatches to it) and the choice says 'compiled'; the RunResult is
    the SimPy engine's (the engines agree exactly)."""
    assert engines.choice(line) == engines.Choice("fast", "compiled")
    fast_result = run_replication(line, 1)
    assert fast_spy.calls == [1]
    assert fast_result == run_replication(_on(line, "simpy"), 1)
    assert fast_spy.calls == [1]  # simpy asked: the fast engine is not called


def test_a_trace_always_runs_on_simpy(line, fast_spy):
    """trace=True runs the SimPy engine even where the fast engine could run (it records no
    trace), and says why."""
    c = engines.choice(line, trace=True)
    assert c.engine == "simpy" and "trace" in c.note
    result = run_replication(line, 0, trace=True)
    assert fast_spy.calls == [] and result.trace is not None


def test_auto_falls_back_to_simpy_without_numba(line, fast_spy, monkeypatch):
    """A fast engine that supports the scenario, but numba cannot be imported: auto runs SimPy
    and the note says numba cannot be imported; `fast` is refused for the same reason."""
    fast_engine.numba_problem.cache_clear()
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` raises ImportError
    try:
        c = engines.choice(line)
        assert c.engine == "simpy" and "numba cannot be imported" in c.note
        with pytest.raises(EngineUnsupported, match="numba"):
            engines.choice(_on(line, "fast"))
    finally:
        fast_engine.numba_problem.cache_clear()


def test_one_engine_for_all_points(line, fast_spy):
    """choose_for_all (the points of a sweep): the fast engine when every point can run on it;
    SimPy for all when one cannot, the note naming that point; `fast` asked and a point that
    cannot: EngineUnsupported naming the point."""
    other = line.with_run(seed=4)
    assert engines.choose_for_all([("p0", line), ("p1", other)]).engine == "fast"
    fast_spy.supports = lambda sc: sc.run.seed != 4
    c = engines.choose_for_all([("p0", line), ("p1", other)])
    assert c.engine == "simpy" and c.note.startswith("fast engine not used: p1: ")
    with pytest.raises(EngineUnsupported, match="p1: a feature the fast engine lacks"):
        engines.choose_for_all([("p0", _on(line, "fast")), ("p1", _on(other, "fast"))])


def test_pinned_sets_the_engine_without_touching_the_original(line):
    """pinned(scenario, engine) is the scenario on exactly that engine (what workers get); the
    original is unchanged; "auto" is not an engine that runs."""
    sc = engines.pinned(line, "simpy")
    assert sc.run.engine == "simpy" and line.run.engine == "auto"
    assert sc.model_copy(update={"run": line.run}) == line
    assert engines.pinned(sc, "simpy") is sc
    with pytest.raises(ValueError):
        engines.pinned(line, "auto")


def test_run_replication_is_summarize_of_the_simpy_window(line):
    """The SimPy engine returns a Window labelled "simpy" with every edge (BufferInfo) and its
    maximum; summarize(window) is run_replication's RunResult."""
    from linesim.engines.simpy.run import run_window

    window = run_window(line, 0)
    assert window.engine == "simpy"
    assert [(b.upstream, b.downstream, b.kind, b.capacity) for b in window.buffers] == [
        ("A", "B", "buffer", 1.0)]
    assert len(window.buffer_max) == 1 and window.start_t == 3600.0
    assert summarize(line, 0, window) == run_replication(line, 0)


def test_an_empty_observation_window_is_refused_by_the_shared_check(line):
    """engines.observation (the window both engines use) refuses a window with no scheduled
    time, naming run.horizon and run.warmup; run_replication raises the same."""
    night = line.model_validate({**line.resolved(), "calendar": {
        "shifts_per_day": 1, "shift_length": "8 h", "days_per_week": 7}})
    night = night.with_run(warmup="8 h", horizon="1 h")
    with pytest.raises(ValueError, match="run.horizon"):
        engines.observation(night)
    with pytest.raises(ValueError, match="holds no scheduled time"):
        run_replication(night, 0)


def test_importing_linesim_loads_no_engine():
    """Importing linesim's command line, API and simulation loads neither numba nor the SimPy
    model (an engine is loaded when a replication runs on it)."""
    code = ("import sys, linesim.cli, linesim.api, linesim.simulate, linesim.preflight, "
            "linesim.engines\n"
            "bad = [m for m in sys.modules if m == 'numba' or m.startswith('linesim.engines.simpy')"
            " or m.startswith('linesim.engines.fast')]\n"
            "assert not bad, bad\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
