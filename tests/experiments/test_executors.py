"""Executors: the same sweep gives byte-identical tables on local processes (1 or 2 workers)
and on a real Dask LocalCluster; in-flight tasks are bounded; stopping early stops the workers;
a missing Dask or an unreachable scheduler is a clear error, within a bounded time."""

from __future__ import annotations

import sys
import time

import psutil
import pytest

from linesim.experiments import sweep as sw
from linesim.experiments.execute import Dask, ExecutorError, Local, Task
from linesim.replicate import ProcessPool
from tests.experiments.conftest import DEFINITION, FACTOR, tiny_base, tiny_points

TABLES = ["points.csv", "replications.csv", "sweep.resolved.yaml"]


def _sweep(folder, base, points, executor, **kw):
    with sw.opened(folder, DEFINITION, base, resume=False) as store:
        outcome = sw.run_sweep(points, executor, store, folder, definition=DEFINITION,
                               max_reps=3, factors=[FACTOR], **kw)
    return outcome, {name: (folder / name).read_bytes() for name in TABLES}


def _helper(p: psutil.Process) -> bool:
    """multiprocessing's resource tracker / fork server: one per interpreter, not a worker; it
    exits with this process."""
    try:
        return any(h in " ".join(p.cmdline()) for h in ("resource_tracker", "forkserver"))
    except psutil.Error:
        return True


def _children_gone(timeout: float = 15.0) -> list:
    """The child processes still alive after ``timeout`` seconds (workers, nannies)."""
    me = psutil.Process()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in me.children(recursive=True) if p.is_running()
                 and p.status() != psutil.STATUS_ZOMBIE and not _helper(p)]
        if not alive:
            return []
        time.sleep(0.1)
    return alive


def test_tables_identical_on_local_1_local_2_and_dask_local_cluster(tmp_path):
    """points.csv, replications.csv and sweep.resolved.yaml are byte-identical whether the
    sweep runs in this process, on 2 local processes or on a Dask LocalCluster of 2 workers
    (a real cluster: this is the CI test of the Dask executor); the cluster is closed after."""
    base = tiny_base(tmp_path, horizon="6 h")
    points = tiny_points(base, 4)
    one, t1 = _sweep(tmp_path / "j1", base, points, Local(1))
    two, t2 = _sweep(tmp_path / "j2", base, points, Local(2))
    dask, td = _sweep(tmp_path / "dask", base, points, Dask(local_workers=2, connect_timeout=60))
    assert one.run == two.run == dask.run == 12
    assert t1 == t2 == td
    assert t1["replications.csv"].count(b"\n") == 13
    assert not _children_gone(), "worker processes left behind"


def _square(x):
    return x * x


def test_in_flight_tasks_are_bounded():
    """The pool pulls tasks lazily: never more than ``in_flight`` submitted but not returned."""
    pulled = 0
    worst = 0
    returned = 0

    def tasks():
        nonlocal pulled, worst
        for i in range(40):
            pulled += 1
            worst = max(worst, pulled - returned)
            yield (i,)

    with ProcessPool(2, in_flight=3) as pool:
        out = []
        for value in pool.imap_unordered(_square, tasks()):
            returned += 1
            out.append(value)
    assert sorted(out) == [i * i for i in range(40)]
    assert worst <= 3 + 1  # the one being pulled


def test_a_consumer_error_stops_the_local_workers(tmp_path):
    """An exception in the code consuming the results (the store failing, Ctrl-C) cancels the
    queued tasks and stops the workers at once: no process is left."""
    base = tiny_base(tmp_path, horizon="1 d")
    tasks = [Task(p, r, s) for p, s in ((p.index, s) for p, s in tiny_points(base, 3)) for r in range(20)]
    start = time.monotonic()
    with pytest.raises(RuntimeError):
        with Local(2) as executor:
            for _ in executor.imap_unordered(tasks):
                raise RuntimeError("the store is full")
    assert time.monotonic() - start < 10
    assert not _children_gone(5), "worker processes left behind"


def test_dask_missing_is_a_clear_error(monkeypatch):
    """Without distributed installed, entering a Dask executor raises ExecutorError saying
    how to install it (exit status 2 in the CLI), not an ImportError traceback."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ExecutorError, match=r"pip install 'linesim\[dask\]'"):
        with Dask(local_workers=1):
            pass


def test_unreachable_scheduler_fails_within_the_connect_timeout():
    """A scheduler address nobody listens on fails with ExecutorError naming the address, within
    the connect timeout (plus a little), not after minutes."""
    start = time.monotonic()
    with pytest.raises(ExecutorError, match="tcp://127.0.0.1:9"):
        with Dask(address="tcp://127.0.0.1:9", connect_timeout=2):
            pass
    assert time.monotonic() - start < 15


def test_a_consumer_error_cancels_dask_futures_and_closes_the_cluster(tmp_path):
    """On Dask, an exception while consuming results cancels the submitted futures, closes the
    client and shuts the LocalCluster down: its worker processes are gone."""
    base = tiny_base(tmp_path, horizon="30 d")
    executor = Dask(local_workers=2, connect_timeout=60)
    start = time.monotonic()
    with pytest.raises(RuntimeError):
        with executor:
            for _ in executor.imap_unordered(Task(0, r, base) for r in range(50)):
                raise RuntimeError("stop")
    assert executor.client is None and executor.cluster is None
    assert time.monotonic() - start < 60
    assert not _children_gone(), "Dask worker processes left behind"


def test_dask_workers_with_another_linesim_version_are_refused(monkeypatch):
    """Every Dask worker must run this linesim version (results depend on the engine):
    otherwise ExecutorError names the version found, and the cluster is closed."""
    import linesim.experiments.execute as execute

    monkeypatch.setattr(execute, "_linesim_version", lambda: "0.0.1-other")
    executor = Dask(local_workers=1, connect_timeout=60)
    with pytest.raises(ExecutorError, match="0.0.1-other"):
        with executor:
            pass
    assert executor.client is None and executor.cluster is None
