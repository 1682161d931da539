"""`linesim sweep` killed through the command line: SIGKILL of the parent mid-sweep leaves no
worker and a store that `--resume` completes into tables byte-identical to an uninterrupted
sweep's; Ctrl-C (SIGINT) ends it with status 130, no worker left, the manifest saying
``interrupted`` and the message pointing at --resume."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.cli._counting import linesim_counted
from tests.cli.conftest import TINY, linesim
from tests.faults._runs import spawn, stored_replications, wait_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SMALL = (TINY.replace("horizon: 1 d", "horizon: 2 d").replace("replications: 2", "replications: 4")
         .replace("  seed: 7\n", "  seed: 7\n  engine: simpy\n"))
assert "engine: simpy" in SMALL  # SimPy: the fast engine would end the sweep before the signal
# 11 levels (30 s, 32 s, …, 50 s; 40 s is the base: point 0) × 4 replications of the 2-day
# line: about a second and a half of simulation on 2 workers, after ~1.5 s of start-up.
VARY = ["--vary", "stations.A.cycle_time.mean=30s..50s/11"]
TABLES = ["points.csv", "replications.csv"]
TOTAL = 11 * 4


def _start(tmp: Path, folder: Path) -> tuple[subprocess.Popen, list[psutil.Process]]:
    """Start the sweep on 2 workers and wait (bounded) until a few replications are stored;
    return the process and its workers."""
    child = spawn("sweep", tmp / "tiny.yaml", *VARY, "--jobs", "2", "--no-charts", "--out",
                  folder, cwd=tmp)
    try:
        wait_for(lambda: stored_replications(folder) >= 4 or child.poll() is not None, 60,
                 "a few stored replications")
        assert child.poll() is None, child.communicate()
        workers = psutil.Process(child.pid).children(recursive=True)
    except BaseException:
        child.kill()
        child.wait(10)
        raise
    assert stored_replications(folder) < TOTAL, "the sweep finished before it could be interrupted"
    return child, workers


def _gone(workers: list[psutil.Process]) -> None:
    for w in workers:
        wait_for(lambda w=w: not w.is_running() or w.status() == psutil.STATUS_ZOMBIE, 15,
                 f"worker {w.pid} to exit")


def test_kill_9_mid_sweep_then_resume_gives_identical_tables(tmp_path):
    """SIGKILL of `linesim sweep --jobs 2` once some replications are stored: no worker
    survives; `--resume` simulates only the missing replications (counted in every process),
    says how many it found from before (the rows the store held) and how many it ran (the
    rest), and points.csv / replications.csv are byte-identical to those of
    the same sweep run uninterrupted into another folder."""
    (tmp_path / "tiny.yaml").write_text(SMALL, encoding="utf-8")
    folder = tmp_path / "killed"
    child, workers = _start(tmp_path, folder)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=20)
    _gone(workers)
    found = stored_replications(folder)
    assert 4 <= found < TOTAL
    resumed, simulated = linesim_counted("sweep", tmp_path / "tiny.yaml", *VARY, "--jobs", "2",
                                         "--no-charts", "--out", folder, "--resume",
                                         cwd=tmp_path, calls=tmp_path / "calls")
    assert resumed.returncode == 0, resumed.stderr
    assert simulated == TOTAL - found  # nothing stored is simulated again
    assert f"({TOTAL - found} replications run, {found} found from before)" in resumed.stdout
    whole = linesim("sweep", tmp_path / "tiny.yaml", *VARY, "--jobs", "2", "--no-charts",
                    "--out", tmp_path / "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    for name in TABLES:
        assert (folder / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    assert json.loads((folder / "manifest.json").read_text())["status"] == "complete"


def test_ctrl_c_mid_sweep_exits_130_and_says_resume(tmp_path):
    """SIGINT to `linesim sweep --jobs 2`: exit status 130 within seconds, no worker left, the
    manifest says interrupted with what was stored, and stderr says to run the same command
    with --resume."""
    (tmp_path / "tiny.yaml").write_text(SMALL, encoding="utf-8")
    folder = tmp_path / "sweep"
    child, workers = _start(tmp_path, folder)
    os.kill(child.pid, signal.SIGINT)
    try:
        _out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == 130, err
    _gone(workers)
    assert "Traceback" not in err
    assert re.search(r"interrupted.*--resume", err), err
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert 1 <= manifest["replications_stored"] == stored_replications(folder) < TOTAL
