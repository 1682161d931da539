"""A sweep killed with SIGKILL in the middle resumes: nothing finished is run again, nothing is
lost or counted twice, and the final tables are byte-identical to an uninterrupted sweep."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import psutil
import pytest

from linesim.experiments import sweep as sw
from linesim.experiments.execute import Local
from linesim.experiments.store import STORE_FILE
from tests.experiments.conftest import DEFINITION, FACTOR, tiny_base, tiny_points
from tests.faults._runs import stored_replications, wait_for

POINTS, REPS, HORIZON = 3, 4, "10 d"
TABLES = ["points.csv", "replications.csv", "sweep.resolved.yaml"]


class Counting:
    """An executor that records every task it is given (to count what a resume runs)."""

    def __init__(self, inner):
        self.inner = inner
        self.submitted: list[tuple[int, int]] = []

    def describe(self):
        return self.inner.describe()

    def __enter__(self):
        self.inner.__enter__()
        return self

    def __exit__(self, *exc):
        return self.inner.__exit__(*exc)

    def imap_unordered(self, tasks):
        def tap():
            for task in tasks:
                self.submitted.append((task.point, task.replication))
                yield task
        return self.inner.imap_unordered(tap())


def _done(folder) -> set:
    conn = sqlite3.connect(folder / STORE_FILE)
    try:
        return set(conn.execute("SELECT point, replication FROM replications"))
    finally:
        conn.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sweep_killed_with_sigkill_resumes_to_identical_tables(tmp_path):
    """kill -9 of a sweep (parent and, through the parent-death signal, its workers) once the
    store holds a few replications; the resumed sweep submits exactly the missing tasks, and
    points.csv/replications.csv equal those of a sweep that was never interrupted."""
    folder = tmp_path / "killed"
    child = subprocess.Popen([sys.executable, "-m", "tests.experiments._sweep_child", str(folder),
                              str(POINTS), str(REPS), HORIZON],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: stored_replications(folder) >= 3 or child.poll() is not None, 60, "stored replications")
        workers = psutil.Process(child.pid).children(recursive=True) if child.poll() is None else []
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL, child.stderr.read()
    before = _done(folder)
    total = {(p, r) for p in range(POINTS) for r in range(REPS)}
    assert 3 <= len(before) < len(total), "the kill came too late to test a resume"
    for w in workers:  # the workers died with their parent
        wait_for(lambda w=w: not w.is_running() or w.status() == psutil.STATUS_ZOMBIE, 10,
                 f"worker {w.pid} to exit")

    base = tiny_base(tmp_path, horizon=HORIZON).with_run(engine="simpy")  # as _sweep_child's
    points = tiny_points(base, POINTS)
    executor = Counting(Local(2))
    with sw.opened(folder, DEFINITION, base, resume=True) as store:  # the lock died with it
        assert store.resumed
        outcome = sw.run_sweep(points, executor, store, folder, definition=DEFINITION,
                               max_reps=REPS, factors=[FACTOR])
    assert sorted(executor.submitted) == sorted(total - before)  # nothing finished runs again
    assert outcome.run == len(total - before) and outcome.resumed == len(before)
    assert _done(folder) == total and outcome.stored == len(total)

    clean = tmp_path / "clean"
    with sw.opened(clean, DEFINITION, base, resume=False) as store:
        sw.run_sweep(points, Local(2), store, clean, definition=DEFINITION, max_reps=REPS,
                     factors=[FACTOR])
    for name in TABLES:
        assert (folder / name).read_bytes() == (clean / name).read_bytes(), name


def test_resume_of_a_finished_sweep_runs_nothing(tmp_path):
    """Resuming a sweep that finished submits no task and rewrites the same tables."""
    base = tiny_base(tmp_path, horizon="6 h")
    points = tiny_points(base, 2)
    folder = tmp_path / "done"
    with sw.opened(folder, DEFINITION, base, resume=False) as store:
        sw.run_sweep(points, Local(1), store, folder, definition=DEFINITION, max_reps=2, factors=[FACTOR])
    first = {n: (folder / n).read_bytes() for n in TABLES}
    executor = Counting(Local(1))
    with sw.opened(folder, DEFINITION, base, resume=True) as store:
        outcome = sw.run_sweep(points, executor, store, folder, definition=DEFINITION, max_reps=2,
                               factors=[FACTOR])
    assert executor.submitted == [] and outcome.run == 0 and outcome.stored == 4
    assert {n: (folder / n).read_bytes() for n in TABLES} == first
