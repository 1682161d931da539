"""The fast engine is prepared (compiled the first time on a machine, loaded afterwards) once, in
the parent, before any worker starts, and the progress display says so while it takes a while
(issue 9, item 5): run, sweep, improve and solve; not when SimPy runs, and not when preparing is
quick (a cached load).

``engines.fast.prepare`` is replaced by a stand-in that records its calls and sleeps, and
``api.PREPARE_NOTICE_S`` is shortened, so no test compiles anything or waits long."""

from __future__ import annotations

import time

import pytest

from .conftest import invoke

SAID = "preparing the fast engine (compiled once per machine"


@pytest.fixture
def slow_prepare(monkeypatch):
    """A fast.prepare that takes 0.3 s (the notice comes after 0.05 s) and logs the calls, with
    the start of the replications logged beside it."""
    from linesim import api, replicate
    from linesim.engines import fast

    log: list[str] = []

    def prepare():
        log.append("prepare")
        time.sleep(0.3)
        return True

    real = replicate.ProcessPool.imap_unordered

    def imap_unordered(self, fn, tasks, **kw):
        log.append("replications")
        return real(self, fn, tasks, **kw)

    monkeypatch.setattr(fast, "prepare", prepare)
    monkeypatch.setattr(api, "PREPARE_NOTICE_S", 0.05)
    monkeypatch.setattr(replicate.ProcessPool, "imap_unordered", imap_unordered)
    return log


def _run(tiny_yaml, tmp_path, *extra):
    return invoke("run", tiny_yaml, "--out", tmp_path / "run", "--jobs", "1", "--no-charts",
                  *extra)


def test_run_prepares_the_fast_engine_first_and_says_so(tiny_yaml, tmp_path, slow_prepare):
    """`linesim run` on the fast engine prepares it once, before the replications start, and
    (off a terminal) prints a line while it takes a while and a line when it is ready; on the
    SimPy engine nothing is prepared and nothing about it is said."""
    r = _run(tiny_yaml, tmp_path)
    assert r.exit_code == 0, r.output
    assert slow_prepare[0] == "prepare" and slow_prepare.count("prepare") == 1
    assert "replications" in slow_prepare
    assert f"tiny: {SAID}" in r.stderr
    assert "tiny: the fast engine is ready (" in r.stderr
    assert "Engine: fast (compiled)" in r.stdout

    slow_prepare.clear()
    r = invoke("run", tiny_yaml, "--out", tmp_path / "simpy", "--jobs", "1", "--no-charts",
               "--engine", "simpy")
    assert r.exit_code == 0, r.output
    assert slow_prepare == ["replications"]
    assert SAID not in r.stderr and "fast engine is ready" not in r.stderr


def test_a_quick_prepare_is_not_announced(tiny_yaml, tmp_path, monkeypatch):
    """Loading the cached compiled engine (well under a second) is done but not announced."""
    from linesim.engines import fast

    calls = []
    monkeypatch.setattr(fast, "prepare", lambda: calls.append(1) or True)
    r = _run(tiny_yaml, tmp_path)
    assert r.exit_code == 0, r.output
    assert calls == [1] and SAID not in r.stderr


def test_a_sweep_prepares_first_and_says_so(tiny_yaml, tmp_path, slow_prepare):
    """A sweep (like improve and solve, through the same experiment entry) prepares the fast
    engine before its replications and says so in its progress lines; on SimPy it does not."""
    r = invoke("sweep", tiny_yaml, "--vary", "stations.A.cycle_time=x0.9,1.1",
               "--replications", "2", "--jobs", "1", "--no-charts", "--out", tmp_path / "sw")
    assert r.exit_code == 0, r.output
    assert slow_prepare[0] == "prepare" and "replications" in slow_prepare
    assert f"tiny-sweep: {SAID}" in r.stderr

    slow_prepare.clear()
    r = invoke("sweep", tiny_yaml, "--vary", "stations.A.cycle_time=x0.9,1.1",
               "--replications", "2", "--jobs", "1", "--no-charts", "--out", tmp_path / "sw2",
               "--engine", "simpy")
    assert r.exit_code == 0, r.output
    assert "prepare" not in slow_prepare and SAID not in r.stderr


def test_in_a_terminal_the_bar_says_it_too(tiny_yaml, tmp_path, slow_prepare, monkeypatch):
    """In a terminal (rich forced to think so) the line is printed once and the progress bar's
    description says "preparing the fast engine…" meanwhile; no "ready" line (the bar goes on)."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    r = _run(tiny_yaml, tmp_path)
    assert r.exit_code == 0, r.output
    assert r.stderr.count(SAID) == 1
    assert "tiny: preparing the fast engine…" in r.stderr
    assert "fast engine is ready" not in r.stderr


@pytest.fixture
def broken_compiler(monkeypatch):
    """The fast engine's compilation fails as an incompatible numba would (build.prepare raises);
    the process-wide memory of that failure is cleared afterwards."""
    from linesim.engines import fast
    from linesim.engines.fast import build

    def prepare():
        raise RuntimeError("LLVM ERROR: an llvmlite this engine was not built for")

    monkeypatch.setattr(build, "prepare", prepare)
    fast._BROKEN.clear()
    yield
    fast._BROKEN.clear()


def test_a_fast_engine_that_cannot_compile_leaves_auto_on_simpy(tiny_yaml, tmp_path,
                                                                 broken_compiler):
    """If the fast engine cannot be compiled on this machine, `auto` runs the replications on
    SimPy and the run record says why (no traceback); asked for explicitly (`--engine fast`),
    it is refused with that reason (exit 2 once known, exit 1 when it shows while preparing)."""
    import json

    r = _run(tiny_yaml, tmp_path)
    assert r.exit_code == 0, r.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["engine"] == "simpy"
    assert "cannot be compiled here" in summary["engine_note"]
    assert "Traceback" not in r.output
    # Asked for explicitly: refused by the pre-flight once the failure is known (exit 2), and
    # a failed run (exit 1) when it shows only at compile time.
    for known, status in ((True, 2), (False, 1)):
        from linesim.engines import fast

        if not known:
            fast._BROKEN.clear()
        r = invoke("run", tiny_yaml, "--out", tmp_path / f"run-{status}", "--jobs", "1",
                   "--no-charts", "--engine", "fast")
        assert r.exit_code == status, r.output
        assert "cannot be compiled here" in r.stderr and "Traceback" not in r.output
