"""Replications: run n independent replications, in parallel processes, ordered by index.

Stage: simulate (one RunResult) ─► **replicate** ─► list[RunResult] ─► estimate.

Each replication's random numbers depend only on (root seed, replication index, station, purpose),
so the results are the same whatever ``jobs`` is; they are returned sorted by index.

Lifecycle of the worker processes (see lifecycle.py): they die with the parent (kill -9
included), ignore Ctrl-C (the parent decides), and on any interrupt or error in the parent
(KeyboardInterrupt, SIGTERM as ``Terminated``) the queued replications are cancelled at once and
the running ones stopped: workers are terminated, not waited for. ``ProcessPoolExecutor`` has no
public way to stop running workers before Python 3.14 (``terminate_workers``); below that its
``_processes`` map is used (``terminate_workers`` where that map is gone).
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Iterable, Iterator, Optional

from .lifecycle import worker_init
from .scenario import Scenario
from .simulate import RunResult, run_replication

STOP_GRACE_S = 2.0  # a terminated worker gets this long to exit before it is killed


def default_jobs(replications: int) -> int:
    return max(1, min(replications, os.cpu_count() or 1))


def run_replications(scenario: Scenario, jobs: Optional[int] = None,
                     progress: Optional[Callable[[RunResult], None]] = None, *,
                     indices: Optional[range] = None) -> list[RunResult]:
    """All ``scenario.run.replications`` replications (or those of ``indices``, for a run that
    adds replications in batches); ``progress`` is called as each ends."""
    todo = range(scenario.run.replications) if indices is None else indices
    n = len(todo)
    if n == 0:
        return []
    jobs = default_jobs(n) if jobs is None else max(1, min(jobs, n))
    results: list[RunResult] = []
    with ProcessPool(jobs) as pool:
        for result in pool.imap_unordered(run_replication, ((scenario, r) for r in todo)):
            results.append(result)
            if progress:
                progress(result)
    return sorted(results, key=lambda res: res.replication)


class ProcessPool:
    """``fn(*task)`` for a stream of tasks on ``jobs`` local processes, results as they complete.

    The one process pool of linesim (``run_replications`` and the sweep executor use it). Use it as
    a context manager: leaving the block normally waits for the workers to exit; leaving it by an
    exception (Ctrl-C, SIGTERM as ``Terminated``, an error in the task or in the consumer's own
    code) cancels the queued tasks and stops the running workers at once (``stop_pool``). With
    ``jobs == 1`` the tasks run in this process, one after another (no pool, no pickling).
    At most ``in_flight`` tasks are submitted at a time (default: twice the workers, so each has
    one queued behind the one it runs), so a stream of 10^5 tasks never sits in memory at once.
    """

    def __init__(self, jobs: int, in_flight: Optional[int] = None):
        self.jobs = max(1, int(jobs))
        self.in_flight = max(1, in_flight or 2 * self.jobs)
        self._pool: Optional[ProcessPoolExecutor] = None

    def __enter__(self) -> "ProcessPool":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if exc_type is None:
            pool.shutdown(wait=True)
        else:
            stop_pool(pool)

    def imap_unordered(self, fn: Callable, tasks: Iterable[tuple]) -> Iterator:
        """Yield ``fn(*task)`` for every task, in the order they complete."""
        if self.jobs == 1:
            for task in tasks:
                yield fn(*task)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=worker_init,
                                             initargs=(os.getpid(),))
        pool = self._pool
        source = iter(tasks)
        pending: set = set()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < self.in_flight:
                    task = next(source, None)
                    if task is None:
                        exhausted = True
                    else:
                        pending.add(pool.submit(fn, *task))
                if not pending:
                    return
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        except BaseException:  # also GeneratorExit: a consumer that stops early stops the pool
            self._pool = None
            stop_pool(pool)
            raise


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel every queued task and stop the running workers now (terminate, then kill)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    if not processes and hasattr(pool, "terminate_workers"):  # Python 3.14+, if _processes went
        pool.terminate_workers()
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(STOP_GRACE_S)
        if p.is_alive():
            p.kill()
            p.join(STOP_GRACE_S)
