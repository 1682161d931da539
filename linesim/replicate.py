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
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Optional

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
    if jobs == 1:
        for r in todo:
            result = run_replication(scenario, r)
            results.append(result)
            if progress:
                progress(result)
    else:
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=worker_init,
                                   initargs=(os.getpid(),))
        try:
            futures = [pool.submit(run_replication, scenario, r) for r in todo]
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                if progress:
                    progress(result)
        except BaseException:
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)
    return sorted(results, key=lambda res: res.replication)


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
