"""Runaway runs refused before simulating: an observation window with no scheduled time, an
event budget over the limit (unless --force), a source flooding an unlimited queue.

Each `linesim run` here is a subprocess in its own process group, bounded in time and address
space, so that on code without the checks (where these runs go on for hours or eat the machine's
memory) the test fails cleanly instead."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="rlimits and process groups")

TIMEOUT_S = 30
MEMORY = 1 << 30  # address space of the run: a plain tiny run needs well under 768 MiB


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _start(args, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "linesim", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_limits, start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def linesim(*args, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m linesim ARGS`, killed (with anything it started) after TIMEOUT_S."""
    proc = _start(args, cwd)
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill(proc)
        pytest.fail(f"linesim {' '.join(map(str, args))} still running after {TIMEOUT_S} s: "
                    "it was not refused before simulating")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def assert_refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    for word in words:
        assert word in result.stderr, (word, result.stderr)


ONE_SHIFT = """
    name: weekdays
    calendar: {shifts_per_day: 1, shift_length: 8 h, days_per_week: 5}
    stations:
      - {name: S1, cycle_time: 60 s}
      - {name: S2, cycle_time: 50 s}
    run: {horizon: 1 h, replications: 2}
    """


def test_a_window_over_a_weekend_is_refused_before_simulating(tmp_path):
    """The issue's case: `--warmup "40 h" --horizon "2 d"` on one 8 h shift, 5 days a week: the
    window (Friday 14:00 to Sunday 14:00) holds no scheduled time. Exit 2 naming run.horizon,
    run.warmup and the calendar, nothing written (was: ZeroDivisionError after simulating)."""
    path = scenario(tmp_path, ONE_SHIFT)
    result = linesim("run", path, "--warmup", "40 h", "--horizon", "2 d", "--out",
                     tmp_path / "out", "-j", "1", cwd=tmp_path)
    assert_refused(result, "run.horizon", "run.warmup", "1 shift × 8 h, 5 days a week",
                   "(value given on the command line)")
    assert not (tmp_path / "out").exists()


def test_a_horizon_off_shift_is_refused_at_its_line(tmp_path):
    """`horizon: 1 h` in the file lands before the first shift (06:00): exit 2 at the file's
    line of run.horizon."""
    path = scenario(tmp_path, ONE_SHIFT)
    result = linesim("run", path, "--out", tmp_path / "out", "-j", "1", cwd=tmp_path)
    assert_refused(result, f"{path.name}:6: run.horizon", "day 0 06:00")


def test_a_flooding_source_is_refused_before_it_eats_the_memory(tmp_path):
    """One arrival every 0.01 s into a 60 s station with an unlimited queue: exit 2 at once
    naming the source's interarrival, its rate and the most the plant takes (was: memory
    growing ~6.5 MB/s until the machine ran out; here bounded by a timeout and an rlimit)."""
    path = scenario(tmp_path, """
        name: flood
        stations:
          - {name: S1, cycle_time: 60 s, inputs: [], arrivals: {interarrival: 0.01 s}}
        run: {horizon: 1 year, replications: 1}
        """)
    result = linesim("run", path, "--out", tmp_path / "out", "-j", "1", cwd=tmp_path)
    assert_refused(result, "stations[0].arrivals.interarrival", "360,000/h", "60/h",
                   "when_full")


def test_a_flood_into_a_finite_queue_runs_with_a_warning_after_the_panel(tmp_path):
    """Arrivals at 180/h into a 60/h station with `queue: 5, when_full: lose` are safe: the run
    completes, and after the capacity panel a warning says about 67% will be turned away."""
    path = scenario(tmp_path, """
        name: lossy
        stations:
          - name: S1
            cycle_time: 60 s
            inputs: []
            arrivals: {interarrival: 20 s, queue: 5, when_full: lose}
        run: {horizon: 1 d, replications: 1}
        """)
    proc = subprocess.run([sys.executable, "-m", "linesim", "run", str(path), "--out",
                           str(tmp_path / "out"), "-j", "1", "--no-charts"], cwd=tmp_path,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=120, preexec_fn=_limits)
    assert proc.returncode == 0, proc.stdout[-2000:]
    panel = proc.stdout.find("capacity arithmetic")
    warning = proc.stdout.find("about 67% of arrivals will be turned away")
    assert 0 <= panel < warning, proc.stdout


@pytest.mark.parametrize("args, words", [
    ((), ("stations[0].cycle_time", "trillion station operations", "--force")),
    (("--set", "stations.S1.cycle_time=60", "--horizon", "10000 year", "--engine", "simpy"),
     ("run.horizon", "billion station operations", "on the simpy engine", "--force")),
    (("--set", "stations.S1.cycle_time=60", "--horizon", "1000000 year"),
     ("run.horizon", "trillion station operations", "on the fast engine", "--force")),
])
def test_a_run_over_the_event_budget_is_refused(tmp_path, args, words):
    """`cycle_time: 0.0001` (3.2 × 10^12 operations), `--horizon "10000 year"` on SimPy (5 ×
    10^10) or `--horizon "1000000 year"` on the fast engine (its limit is the same CPU hours,
    so more operations): exit 2 naming the key that drives the work, the estimate, the engine
    and --force (was: hours or days of running with no word)."""
    path = scenario(tmp_path, """
        name: budget
        stations:
          - {name: S1, cycle_time: 0.0001}
        """)
    result = linesim("run", path, *args, "--out", tmp_path / "out", "-j", "1", cwd=tmp_path)
    assert_refused(result, *words)
    assert not (tmp_path / "out").exists()


def test_force_lets_a_refused_run_start(tmp_path):
    """With --force the over-budget run starts: the estimate is printed as a warning and the
    process is still simulating a moment later (then this test kills it)."""
    path = scenario(tmp_path, """
        name: budget
        stations:
          - {name: S1, cycle_time: 0.0001}
        """)
    proc = _start(["run", path, "--force", "--out", tmp_path / "out", "-j", "1", "--no-charts"],
                  tmp_path)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        seen = ""
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            seen += line
            if "--force" in line:
                break
        assert "running anyway: --force" in seen, (proc.poll(), seen)
        time.sleep(1.0)
        assert proc.poll() is None, f"exited {proc.returncode}: {seen}"
    finally:
        _kill(proc)


def test_a_refused_scenario_stops_the_whole_command_before_any_simulation(tmp_path):
    """`linesim run good.yaml flood.yaml`: the second scenario's flood is found before the first
    is simulated; exit 2 and no run folder for either (nothing runs unseen, nothing half-done)."""
    good = tmp_path / "good.yaml"
    good.write_text("name: good\nstations: [{name: S1, cycle_time: 60 s}]\n"
                    "run: {horizon: 1 d, replications: 1}\n", encoding="utf-8")
    flood = tmp_path / "flood.yaml"
    flood.write_text("name: flood\nstations:\n  - {name: S1, cycle_time: 60 s, inputs: [], "
                     "arrivals: {interarrival: 0.01 s}}\n", encoding="utf-8")
    result = linesim("run", good, flood, "--results-dir", tmp_path / "results", "-j", "1",
                     cwd=tmp_path)
    assert_refused(result, "flood.yaml:3: stations[0].arrivals.interarrival")
    assert not (tmp_path / "results").exists()
