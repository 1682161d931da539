"""Replications: run n independent replications, in parallel processes, ordered by index.

Stage: simulate (one RunResult) ─► **replicate** ─► list[RunResult] ─► estimate.

Each replication's random numbers depend only on (root seed, replication index, station, purpose),
so the results are the same whatever ``jobs`` is; they are returned sorted by index.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Optional

from .scenario import Scenario
from .simulate import RunResult, run_replication


def default_jobs(replications: int) -> int:
    return max(1, min(replications, os.cpu_count() or 1))


def run_replications(scenario: Scenario, jobs: Optional[int] = None,
                     progress: Optional[Callable[[RunResult], None]] = None) -> list[RunResult]:
    """All ``scenario.run.replications`` replications; ``progress`` is called as each ends."""
    n = scenario.run.replications
    jobs = default_jobs(n) if jobs is None else max(1, min(jobs, n))
    results: list[RunResult] = []
    if jobs == 1:
        for r in range(n):
            result = run_replication(scenario, r)
            results.append(result)
            if progress:
                progress(result)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_replication, scenario, r) for r in range(n)]
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                if progress:
                    progress(result)
    return sorted(results, key=lambda res: res.replication)
