"""Process lifecycle: workers that die with their parent, termination signals as interrupts.

Stage: simulate ─► **lifecycle** ─► replicate (and the run folder, the CLI).

* ``worker_init(parent_pid)`` is the process pool's ``initializer``. On Linux it asks the kernel
  (``prctl(PR_SET_PDEATHSIG, SIGKILL)`` through ctypes: the standard library has no binding) to
  kill the worker when its parent dies — kill -9 included, which no Python code can observe.
  The parent death signal fires when the *thread* that forked the worker exits: Python 3.11's
  ``ProcessPoolExecutor`` with the fork start method forks every worker at the first ``submit``
  in the submitting thread (``_launch_processes``), never in its manager thread, so a pool used
  from the main thread is safe. After ``prctl`` the worker checks that the parent is still there
  (it may have died between the fork and the ``prctl``) and exits if not. Elsewhere a daemon
  thread polls the parent every second (the fallback watchdog). Workers ignore SIGINT (a Ctrl-C
  reaches the whole process group; the parent alone decides and terminates them) and take
  SIGTERM's default action (the parent's Python handler, inherited through fork, is reset).
* ``termination_as_interrupt()``: while active, SIGTERM (what ``timeout``, CI and systemd send)
  and SIGHUP (a closed terminal) raise ``Terminated``, a ``KeyboardInterrupt``, so that every
  path that handles Ctrl-C handles them the same way. ``exit_status`` gives 128 + signal number
  (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP), the shell convention.
* ``deferred_interrupts()``: a short critical section (swapping a run folder in) during which
  SIGINT/SIGTERM/SIGHUP are held back and re-raised at its end.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

PR_SET_PDEATHSIG = 1
_HANDLED = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s)


class Terminated(KeyboardInterrupt):
    """A termination signal (SIGTERM, SIGHUP) received by the parent, handled like Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def signal_name(exc: BaseException) -> str:
    return signal.Signals(exc.signum).name if isinstance(exc, Terminated) else "SIGINT"


def exit_status(exc: BaseException) -> int:
    """128 + the signal number: 130 for Ctrl-C (SIGINT), 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + (exc.signum if isinstance(exc, Terminated) else int(signal.SIGINT))


def _raise_terminated(signum, _frame):
    raise Terminated(signum)


@contextmanager
def termination_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ``Terminated`` in the main thread while the block runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise_terminated) for s in _HANDLED}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP back during a short critical section, then raise the first."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    signals = (signal.SIGINT, *_HANDLED)
    previous = {s: signal.signal(s, lambda signum, _f: pending.append(signum)) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if pending:
        if pending[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(pending[0])


def _parent_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a pid taken by another user's process: not ours, but alive
        return True
    return True


def _set_parent_death_signal(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watchdog(parent_pid: int, period_s: float = 1.0) -> None:
    def watch():
        while True:
            threading.Event().wait(period_s)
            if os.getppid() != parent_pid and not _parent_alive(parent_pid):
                os._exit(1)

    threading.Thread(target=watch, name="linesim-parent-watchdog", daemon=True).start()


def worker_init(parent_pid: int) -> None:
    """Pool initializer: die with the parent, leave interrupts to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for s in _HANDLED:
        signal.signal(s, signal.SIG_DFL)
    if not _set_parent_death_signal(signal.SIGKILL):
        _watchdog(parent_pid)
    # The parent may have died between fork and prctl. With the fork start method our parent is
    # parent_pid itself; with forkserver it is the server, which exits when parent_pid does.
    if os.getppid() != parent_pid and not _parent_alive(parent_pid):
        os._exit(1)
