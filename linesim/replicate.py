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

Progress inside a replication (``partial``): a task can report the share of it done so far
(``tracked``: simulated time / the end of the observation window, from the engines'
``on_period`` hook at each period boundary). Across processes the channel is a shared array of
doubles (``multiprocessing.RawArray``), one cell per task in flight, given to the workers by the
pool's initializer: the parent gives each submitted task a free cell (its index travels with
the task, reset to 0 before), the worker writes the fraction into it, and the parent reads the
cells while it waits for results (at most ``POLL_S`` apart, in its own thread: no extra thread)
and frees a cell when its task's result is in, so a cell has one writer at a time and no stale
write can reach a later task. No lock, no queue, no feeder thread: a worker killed mid-write
cannot block anyone, and the results are untouched (the hook only reads the clock). With
``jobs == 1`` the hook calls ``partial`` directly, at most every ``REPORT_EVERY_S``.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Hashable, Iterable, Iterator, Optional

from .engines.window import observation
from .lifecycle import worker_init
from .scenario import Scenario
from .simulate import RunResult, run_replication

STOP_GRACE_S = 2.0  # a terminated worker gets this long to exit before it is killed
POLL_S = 0.25  # the parent reads the workers' fractions at most this often
REPORT_EVERY_S = 0.2  # in-process (jobs == 1): partial() at most this often per task

# partial(key, fraction): the share (0..1) of a running task done so far
Partial = Callable[[Hashable, float], None]
_CELLS = None  # in a worker: the pool's shared array of fractions (set by _init_worker)


def default_jobs(replications: int) -> int:
    return max(1, min(replications, os.cpu_count() or 1))


def run_replications(scenario: Scenario, jobs: Optional[int] = None,
                     progress: Optional[Callable[[RunResult], None]] = None, *,
                     indices: Optional[range] = None,
                     partial: Optional[Callable[[int, float], None]] = None) -> list[RunResult]:
    """All ``scenario.run.replications`` replications (or those of ``indices``, for a run that
    adds replications in batches); ``progress`` is called as each ends, ``partial(replication,
    fraction)`` (if given) with the share of a running one simulated so far (``tracked``).
    Both are called in this thread."""
    todo = range(scenario.run.replications) if indices is None else indices
    n = len(todo)
    if n == 0:
        return []
    jobs = default_jobs(n) if jobs is None else max(1, min(jobs, n))
    results: list[RunResult] = []
    hook = {} if partial is None else {
        "partial": lambda task, fraction: partial(task[1], fraction)}
    with ProcessPool(jobs) as pool:
        for result in pool.imap_unordered(tracked, ((scenario, r) for r in todo), **hook):
            results.append(result)
            if progress:
                progress(result)
    return sorted(results, key=lambda res: res.replication)


def tracked(scenario: Scenario, replication: int,
            report: Optional[Callable[[float], None]] = None) -> RunResult:
    """``run_replication``, with ``report(fraction)`` (if given) at every period boundary: the
    simulated time reached / the end of the observation window (the boundaries run from t = 0,
    warm-up included, to that end; ``series.boundaries``)."""
    if report is None:
        return run_replication(scenario, replication)
    _, _, end_t = observation(scenario)
    return run_replication(scenario, replication, on_period=lambda t: report(t / end_t))


class ProcessPool:
    """``fn(*task)`` for a stream of tasks on ``jobs`` local processes, results as they complete.

    The one process pool of linesim (``run_replications`` and the sweep executor use it). Use it as
    a context manager: leaving the block normally waits for the workers to exit; leaving it by an
    exception (Ctrl-C, SIGTERM as ``Terminated``, an error in the task or in the consumer's own
    code) cancels the queued tasks and stops the running workers at once (``stop_pool``). With
    ``jobs == 1`` the tasks run in this process, one after another (no pool, no pickling).
    At most ``in_flight`` tasks are submitted at a time (default: twice the workers, so each has
    one queued behind the one it runs), so a stream of 10^5 tasks never sits in memory at once.
    ``imap_unordered(..., partial=)`` relays the progress inside tasks (module docstring).
    """

    def __init__(self, jobs: int, in_flight: Optional[int] = None):
        self.jobs = max(1, int(jobs))
        self.in_flight = max(1, in_flight or 2 * self.jobs)
        self._pool: Optional[ProcessPoolExecutor] = None
        self._cells = None  # the workers' fractions, one cell per task in flight

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

    def imap_unordered(self, fn: Callable, tasks: Iterable[tuple],
                       partial: Optional[Partial] = None) -> Iterator:
        """Yield ``fn(*task)`` for every task, in the order they complete. With ``partial``,
        ``fn(*task, report=report)`` is called instead, where ``report(fraction)`` says how much
        of the task is done, and ``partial(task, fraction)`` is called here, in this thread
        (between results, at most ``POLL_S`` apart; not after the task's result)."""
        if self.jobs == 1:
            for task in tasks:
                if partial is None:
                    yield fn(*task)
                else:
                    yield fn(*task, report=_Throttled(partial, task))
            return
        if self._pool is None:
            self._cells = multiprocessing.RawArray("d", self.in_flight)
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_init_worker,
                                             initargs=(os.getpid(), self._cells))
        pool, cells = self._pool, self._cells
        free = list(range(self.in_flight))  # cells of no task in flight
        owner: dict = {}  # future -> (cell, task), while partial progress is relayed
        seen = [0.0] * self.in_flight
        source = iter(tasks)
        pending: set = set()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < self.in_flight:
                    task = next(source, None)
                    if task is None:
                        exhausted = True
                    elif partial is None:
                        pending.add(pool.submit(fn, *task))
                    else:
                        cell = free.pop()
                        cells[cell] = seen[cell] = 0.0
                        future = pool.submit(_tracked_in_worker, fn, cell, *task)
                        owner[future] = (cell, task)
                        pending.add(future)
                if not pending:
                    return
                done, pending = wait(pending, timeout=None if partial is None else POLL_S,
                                     return_when=FIRST_COMPLETED)
                if partial is not None:
                    for cell, task in owner.values():
                        fraction = cells[cell]
                        if fraction != seen[cell]:
                            seen[cell] = fraction
                            partial(task, fraction)
                    for future in done:  # its worker is done with the cell
                        free.append(owner.pop(future)[0])
                for future in done:
                    yield future.result()
        except BaseException:  # also GeneratorExit: a consumer that stops early stops the pool
            self._pool = None
            stop_pool(pool)
            raise


def _init_worker(parent_pid: int, cells) -> None:
    """The pool's initializer: the lifecycle (``worker_init``) and the array of fractions."""
    global _CELLS
    worker_init(parent_pid)
    _CELLS = cells


def _tracked_in_worker(fn: Callable, cell: int, *task):
    """In a worker: ``fn(*task)`` writing the fraction it reports into its cell (a store into
    shared memory: cheaper than a clock read, so every report is written)."""
    cells = _CELLS

    def report(fraction: float) -> None:
        cells[cell] = fraction

    return fn(*task, report=report)


class _Throttled:
    """In this process (jobs == 1): ``partial(task, fraction)`` at most every
    ``REPORT_EVERY_S`` (the display's work is not done at every period boundary)."""

    def __init__(self, partial: Partial, task: tuple):
        self.partial, self.task = partial, task
        self.last = -float("inf")

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last >= REPORT_EVERY_S:
            self.last = now
            self.partial(self.task, fraction)


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
