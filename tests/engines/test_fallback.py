"""Which engine runs, on the real fast engine: `auto` runs it where it supports the scenario,
SimPy where it does not (and says why), `fast` is refused where it cannot run, and a fast run
that outgrows its fixed rings (``fast.Overflow``) is run again on SimPy, the same answer.

An unsupported feature is simulated by monkeypatching ``engines.fast.unsupported`` (the
features the fast engine lacks today are being added: a real one would not last)."""

from __future__ import annotations

import pytest

from linesim import engines
from linesim.engines import EngineUnsupported, fast
from linesim.engines.simpy.run import run_window as simpy_window
from linesim.scenario import Scenario
from linesim.simulate import run_replication

from ._compare import differences

LINE = {"name": "two", "stations": [
    {"name": "A", "cycle_time": {"dist": "exponential", "mean": 40}, "buffer_after": 1,
     "failures": {"mtbf": 1800, "mttr": 120}},
    {"name": "B", "cycle_time": {"dist": "lognormal", "mean": 38, "cv": 0.3}}],
    "run": {"warmup": "1 h", "horizon": "6 h", "replications": 2, "seed": 3}}


@pytest.fixture
def line() -> Scenario:
    return Scenario.model_validate(LINE)


@pytest.fixture
def fast_calls(monkeypatch):
    """The replications the real fast engine ran (``fast.run_window`` wrapped)."""
    calls = []
    real = fast.run_window

    def spy(scenario, replication):
        calls.append(replication)
        return real(scenario, replication)

    monkeypatch.setattr(fast, "run_window", spy)
    return calls


def test_auto_runs_the_real_fast_engine(line, fast_calls):
    """auto on a supported scenario: the choice is 'fast (compiled)', the real fast engine runs
    the replication (a Window labelled fast) and its RunResult is the SimPy engine's."""
    assert engines.choice(line) == engines.Choice("fast", "compiled")
    window = engines.run_window(line, 1)
    assert window.engine == "fast" and fast_calls == [1]
    assert run_replication(line, 1) == run_replication(line.with_run(engine="simpy"), 1)


def test_auto_with_an_unsupported_feature_runs_simpy_and_says_why(line, fast_calls,
                                                                   monkeypatch):
    """auto where the fast engine lacks a feature: SimPy runs (the fast engine is never called),
    the choice's note names the feature, and the result is the SimPy engine's."""
    monkeypatch.setattr(fast, "unsupported", lambda sc: ["stations[0].conveyor (conveyors)"])
    c = engines.choice(line)
    assert c.engine == "simpy"
    assert c.describe() == "simpy (fast engine not used: stations[0].conveyor (conveyors))"
    window = engines.run_window(line, 0)
    assert window.engine == "simpy" and fast_calls == []
    assert not differences(window, simpy_window(line, 0))


def test_fast_with_an_unsupported_feature_is_refused(line, fast_calls, monkeypatch):
    """run.engine fast where the fast engine lacks a feature: EngineUnsupported naming it, from
    the choice and from run_replication, before anything runs."""
    monkeypatch.setattr(fast, "unsupported", lambda sc: ["stations[1].failures.basis: scheduled"])
    sc = line.with_run(engine="fast")
    with pytest.raises(EngineUnsupported, match=r"stations\[1\]\.failures\.basis: scheduled"):
        engines.choice(sc)
    with pytest.raises(EngineUnsupported):
        run_replication(sc, 0)
    assert fast_calls == []


def test_an_overflow_in_the_fast_engine_runs_simpy(line, fast_calls, monkeypatch):
    """``fast.Overflow`` raised inside the fast engine (its driver, build.run_counters):
    engines.run_window runs the replication on SimPy instead, the SimPy engine's answer."""
    from linesim.engines.fast import build

    def overflow(*args, **kwargs):
        raise fast.Overflow("fast engine: a queue or waiting list outgrew its ring (test)")

    monkeypatch.setattr(build, "run_counters", overflow)
    window = engines.run_window(line, 0)
    assert fast_calls == [0] and window.engine == "simpy"
    assert not differences(window, simpy_window(line, 0))
    assert run_replication(line, 0) == run_replication(line.with_run(engine="simpy"), 0)


def test_a_real_overflow_runs_simpy():
    """An unlimited arrival queue that grows past the fast engine's ring (65,536 parts: 72,000
    arrivals every 0.1 s, a 1,000 s station): the replication runs on SimPy, no error."""
    from linesim.engines.fast import build

    sc = Scenario.model_validate({"name": "flood", "stations": [
        {"name": "A", "cycle_time": 1000, "arrivals": {"interarrival": 0.1}}],
        "run": {"horizon": "2 h", "warmup": 0, "replications": 1}})
    assert 2 * 3600 / 0.1 > build.UNLIMITED_RING
    with pytest.raises(fast.Overflow):
        fast.run_window(sc, 0)
    window = engines.run_window(sc, 0)
    assert window.engine == "simpy" and window.after["buffer_level"][0] > build.UNLIMITED_RING
