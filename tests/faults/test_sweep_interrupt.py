"""Ctrl-C during a sweep stops it at once: the workers are stopped, the store keeps what
finished, and the folder's manifest says ``interrupted``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import psutil

from tests.faults._runs import stored_replications, wait_for


def test_ctrl_c_stops_a_sweep_and_marks_it_interrupted(tmp_path):
    """SIGINT to a sweep process (2 workers) ends it within seconds with no worker left; the
    manifest says interrupted and the tables of what finished are readable."""
    folder = tmp_path / "sweep"
    child = subprocess.Popen([sys.executable, "-m", "tests.experiments._sweep_child", str(folder),
                              "3", "6", "20 d"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        wait_for(lambda: stored_replications(folder) >= 1 or child.poll() is not None, 60, "a stored replication")
        assert child.poll() is None, child.stderr.read()
        workers = psutil.Process(child.pid).children(recursive=True)
        os.kill(child.pid, signal.SIGINT)
        child.wait(20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode != 0
    for w in workers:
        wait_for(lambda w=w: not w.is_running() or w.status() == psutil.STATUS_ZOMBIE, 10,
                 f"worker {w.pid} to exit")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert 1 <= manifest["replications_stored"] < 18
    rows = (folder / "replications.csv").read_text().splitlines()
    assert len(rows) - 1 == manifest["replications_stored"]
