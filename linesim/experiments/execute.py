"""Executors: run the tasks of a sweep — (point, replication) with the point's scenario — anywhere.

Stage: points ─► **execute** ─► store ─► sweep.

One small interface, two implementations::

    with executor:                                    # starts the pool / cluster, stops it
        for point, replication, result in executor.imap_unordered(tasks):
            ...                                       # as they complete; the consumer sorts

``imap_unordered(tasks, partial=f)`` also calls ``f((point, replication), fraction)`` in the
consumer's thread with the share of a running replication simulated so far (``Local`` only:
``replicate.ProcessPool``'s shared cells; ``Dask`` accepts and ignores it).

``tasks`` is an iterable of ``Task(point, replication, scenario)``, consumed lazily: at most
``in_flight`` tasks are submitted at a time, so a sweep of 10^5 replications never holds 10^5
futures. A task is ``simulate.run_replication(scenario, replication)``, a pure function of its
arguments, so the results do not depend on the executor or the number of workers.

* ``Local(jobs)``: local processes, the pool of ``replicate.ProcessPool`` (issue 7's lifecycle:
  workers die with the parent, ignore Ctrl-C; an interrupt or error cancels the queued tasks and
  terminates the running workers at once). ``jobs == 1`` runs in this process.
* ``Dask(address=None, local_workers=None)``: a Dask ``distributed`` cluster — an existing
  scheduler (``tcp://host:port``, reached within ``connect_timeout`` seconds) or a
  ``LocalCluster`` of ``local_workers`` single-threaded worker processes started here and closed
  on exit. ``distributed`` is imported only when a Dask executor is entered. On an interrupt or an
  error the submitted futures are cancelled, the client closed and the local cluster shut down.

``ExecutorError`` (with ``lines``) is bad input or an unreachable cluster: exit status 2.
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import Iterable, Iterator, NamedTuple, Optional

from .. import __version__
from ..replicate import ProcessPool, tracked
from ..scenario import Scenario
from ..simulate import RunResult, run_replication

DEFAULT_CONNECT_TIMEOUT_S = 10.0


class ExecutorError(Exception):
    """The executor cannot start (Dask missing, scheduler unreachable); ``lines`` say what to do."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


class Task(NamedTuple):
    point: int
    replication: int
    scenario: Scenario


def _linesim_version() -> str:
    return __version__


def _run_task(point: int, replication: int, scenario: Scenario,
              report=None) -> tuple[int, int, RunResult]:
    if report is None:
        return point, replication, run_replication(scenario, replication)
    return point, replication, tracked(scenario, replication, report)


class Local:
    """Local worker processes (``jobs``; 1 = in this process)."""

    name = "local"

    def __init__(self, jobs: Optional[int] = None, in_flight: Optional[int] = None):
        self.jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
        self._pool = ProcessPool(self.jobs, in_flight)

    def describe(self) -> dict:
        return {"executor": "local", "workers": self.jobs}

    def __enter__(self) -> "Local":
        self._pool.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._pool.__exit__(exc_type, exc, tb)

    def imap_unordered(self, tasks: Iterable[Task], partial=None
                       ) -> Iterator[tuple[int, int, RunResult]]:
        hook = {} if partial is None else {
            "partial": lambda task, fraction: partial((task[0], task[1]), fraction)}
        return self._pool.imap_unordered(_run_task, (tuple(t) for t in tasks), **hook)


class Dask:
    """A Dask distributed cluster: ``address`` of a running scheduler, or ``local_workers``
    processes of a LocalCluster started on enter and closed on exit."""

    name = "dask"

    def __init__(self, address: Optional[str] = None, local_workers: Optional[int] = None,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S, in_flight: Optional[int] = None):
        if (address is None) == (local_workers is None):
            raise ValueError("give a scheduler address or a number of local workers, not both")
        if local_workers is not None and local_workers < 1:
            raise ExecutorError(f"error: --dask-local needs at least 1 worker, not {local_workers}")
        self.address = address
        self.local_workers = local_workers
        self.connect_timeout = connect_timeout
        self._in_flight = in_flight
        self.client = None
        self.cluster = None
        self.workers = 0

    def describe(self) -> dict:
        return {"executor": "dask", "scheduler": self.address or "local",
                "workers": self.workers}

    def __enter__(self) -> "Dask":
        try:
            import distributed
        except ImportError:
            raise ExecutorError(
                "error: Dask is not installed, and --scheduler/--dask-local need it; install it "
                "with: pip install 'linesim[dask]' (or run on local processes with --jobs)") from None
        try:
            if self.address is None:
                self.cluster = distributed.LocalCluster(
                    n_workers=self.local_workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR)
                self.client = distributed.Client(self.cluster, timeout=self.connect_timeout)
            else:
                self.client = distributed.Client(self.address, timeout=self.connect_timeout)
            self.client.wait_for_workers(1, timeout=self.connect_timeout)
            info = self.client.scheduler_info()
            self.workers = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
        except BaseException as exc:
            self._close()
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            where = (f"the Dask scheduler at {self.address}" if self.address
                     else f"a local Dask cluster of {self.local_workers} workers")
            raise ExecutorError(
                f"error: cannot reach {where} within {self.connect_timeout:g} s "
                f"({type(exc).__name__}: {str(exc).strip() or 'no detail'}); check that "
                "dask-scheduler runs there, the address and port are right and at least one "
                "dask-worker is connected to it") from None
        self._check_workers()
        return self

    def _check_workers(self) -> None:
        """Every worker must run this linesim version: a replication is a function of the
        scenario *and the engine*, so mixed versions would break reproducibility."""
        try:
            found = self.client.run(_linesim_version)
        except BaseException as exc:
            self._close()
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise ExecutorError(
                f"error: the Dask workers cannot run linesim ({type(exc).__name__}: {exc}); "
                f"install linesim {__version__} (with its dependencies) on every worker") from None
        other = sorted({f"{v} on {w}" for w, v in found.items() if v != __version__})
        if other:
            self._close()
            raise ExecutorError(f"error: the Dask workers must run linesim {__version__}, found "
                                f"{', '.join(other[:3])}; install the same version everywhere")

    def __exit__(self, exc_type, exc, tb) -> None:
        self._close()

    def _close(self) -> None:
        client, cluster, self.client, self.cluster = self.client, self.cluster, None, None
        if client is not None:
            try:
                client.close(timeout=self.connect_timeout)
            except Exception:  # noqa: BLE001 — closing must not hide the error that got us here
                pass
        if cluster is not None:
            try:
                cluster.close(timeout=self.connect_timeout)
            except Exception:  # noqa: BLE001
                pass

    def imap_unordered(self, tasks: Iterable[Task], partial=None
                       ) -> Iterator[tuple[int, int, RunResult]]:
        """As ``Local``'s; ``partial`` is not fed (nothing comes back from a Dask task before its
        result)."""
        from distributed import as_completed

        client = self.client
        assert client is not None, "use the Dask executor inside a with block"
        limit = self._in_flight or 2 * max(1, self.workers)
        session = secrets.token_hex(4)
        source = iter(tasks)
        queue = as_completed()
        pending = 0
        submitted: set = set()

        def submit_more() -> None:
            nonlocal pending
            while pending < limit:
                task = next(source, None)
                if task is None:
                    return
                future = client.submit(_run_task, *task, pure=False,
                                       key=f"linesim-{session}-{task.point}-{task.replication}")
                submitted.add(future)
                queue.add(future)
                pending += 1

        try:
            submit_more()
            while pending:
                future = next(queue)
                pending -= 1
                submitted.discard(future)
                result = future.result()
                future.release()
                yield result
                submit_more()
        except BaseException:  # interrupt, error, or a consumer that stopped early
            if submitted:
                try:
                    client.cancel(list(submitted), force=True)
                except Exception:  # noqa: BLE001
                    pass
            raise
