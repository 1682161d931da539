"""Progress of replications, for terminals and logs alike: the display the CLI shows while a run,
sweep, improve or solve simulates.

Stage: the last before the CLI (it prints; it knows nothing of the simulation but counts).

* In a terminal: a rich progress bar with the replications done / total, the time elapsed and
  the time left.
* Anywhere else (a log, CI, a notebook, a pipe): a plain line when it starts, then at most every
  ``every`` seconds (``"phase1: 4/10 replications, 32 s elapsed, about 48 s left"``) and one
  at the end, so a log is never silent between the capacity panel and the verdict.

The time left is estimated from the work finished since the replications started (compiling the
fast engine is not counted): the speed is *finished* / (time of the last progress − start), the
time left (total − finished) / speed less the time since that last progress (so it counts down
between replications), where *finished* is the
replications done (less those found from an earlier run, for a resumed experiment) **plus the
fractions of the running ones** reported through ``partial(replication, fraction)``: the
share of simulated time reached (the engines' ``on_period`` hook at each period boundary, relayed
from the worker processes by ``replicate.ProcessPool``), so the bar moves, and the estimate
starts, within the first replications. Off a terminal the count then has one decimal
(``"phase1: 3.4/10 replications, ..."``).

Hand-written arithmetic around rich's bar: rich's own remaining-time column estimates from its
recent speed samples and knows nothing of work found from before or of partial replications.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Hashable, Optional

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                           TimeElapsedColumn)
from rich.text import Text

from .report import clean

EVERY_S = 10.0  # plain lines (off a terminal) at most this often


def minutes(seconds: float) -> str:
    """"48 s", "12 min", "2.5 h": a duration as people read a progress line."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def say(console: Console, line: str) -> None:
    """One plain line (user strings cleaned, never read as markup)."""
    console.print(clean(line), markup=False, highlight=False, soft_wrap=True)


class Ticker:
    """The progress display of one run's (or experiment's) replications.

    ``advance()`` when a replication ends; ``update(done, total, resumed)`` to set the counts
    (``__call__(p)`` does that from an experiment's progress record ``p.done/p.total/p.resumed``);
    ``partial(replication, fraction)`` for the share of a running replication simulated so far
    (any key: an experiment's are (point, replication); called from one thread at a time);
    ``restart_clock()`` when the replications really start (after the fast engine compiled).
    ``clock`` and ``terminal`` can be given for tests."""

    def __init__(self, console: Console, label: str, total: Optional[int] = None, *,
                 every: float = EVERY_S, clock: Callable[[], float] = time.monotonic,
                 terminal: Optional[bool] = None, what: str = "replications",
                 heartbeat: bool = True):
        self.console, self.label, self.total, self.what = console, label, total, what
        self.every, self.clock = every, clock
        self.terminal = console.is_terminal if terminal is None else terminal
        self.done = 0
        self.resumed = 0
        # running replication -> share simulated so far; replaced, never changed in place, so
        # that the heartbeat thread reads a whole one
        self.fractions: dict[Hashable, float] = {}
        self.t0 = self.last = self.t_work = clock()
        self.bar: Optional[Progress] = None
        self.task = None
        self._said = False  # a plain line was printed since the last update
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: Optional[threading.Thread] = None
        self.heartbeat = heartbeat  # plain lines also while no replication ends (long ones)

    # -- the display ------------------------------------------------------------------------------
    def __enter__(self) -> "Ticker":
        self.restart_clock()
        if self.terminal:
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), _LeftColumn(self),
                                console=self.console, transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task(clean(self.label), total=self.total)
        else:
            if self.total:
                say(self.console, f"{self.label}: {self.total:,} {self.what} to run…")
            if self.heartbeat:
                self._beat = threading.Thread(target=self._beating, daemon=True)
                self._beat.start()
        return self

    def _beating(self) -> None:
        """Off a terminal: a line every ``every`` seconds even while no replication ends."""
        while not self._stop.wait(self.every / 2):
            with self._lock:
                if self.clock() - self.last >= self.every:
                    self._line()

    def __exit__(self, exc_type, *rest) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
            self._beat = None
        if self.bar is not None:
            self.bar.__exit__(exc_type, *rest)
            self.bar = None
        elif exc_type is None and self.total and not self._said:
            self._line(final=True)

    def print(self, line: str) -> None:
        """A line above the bar in a terminal (it stays when the bar goes), plain elsewhere."""
        say(self.bar.console if self.bar is not None else self.console, line)

    def describe(self, text: Optional[str]) -> None:
        """Replace the bar's description (None: the label again)."""
        if self.bar is not None:
            self.bar.update(self.task, description=clean(text or self.label))

    # -- counts -----------------------------------------------------------------------------------
    def restart_clock(self) -> None:
        """The replications start now: the time left is estimated from here."""
        self.t0 = self.last = self.t_work = self.clock()

    def advance(self, replication: Optional[Hashable] = None) -> None:
        self._forget(replication)
        self.update(self.done + 1)

    def partial(self, replication: Hashable, fraction: float) -> None:
        """Share of replication ``replication`` simulated so far (0..1), from inside it."""
        self.fractions = {**self.fractions, replication: min(1.0, max(0.0, float(fraction)))}
        self.t_work = self.clock()
        self._show()

    def _forget(self, replication: Optional[Hashable]) -> None:
        if replication in self.fractions:
            self.fractions = {k: f for k, f in self.fractions.items() if k != replication}

    def update(self, done: int, total: Optional[int] = None, resumed: Optional[int] = None) -> None:
        if done != self.done:
            self.t_work = self.clock()
        self.done = done
        if total is not None:
            self.total = total
        if resumed is not None:
            self.resumed = resumed
        self._show()

    def __call__(self, p) -> None:
        """An experiment's progress record (``done``, ``total``, ``resumed``; the replication
        just stored, ``point`` and ``replication``, is no longer running)."""
        if getattr(p, "replication", None) is not None:
            self._forget((p.point, p.replication))
        self.update(p.done, p.total, p.resumed)

    def finished(self) -> float:
        """Replications' worth of work done since the clock started (partial ones included)."""
        return max(0.0, self.done - self.resumed) + sum(self.fractions.values())

    def left_s(self) -> Optional[float]:
        """Seconds left, from the speed so far; None before any work is measured."""
        work = self.finished()
        spent = self.t_work - self.t0
        if not self.total or work <= 0 or spent <= 0:
            return None
        remaining = max(0.0, self.total - self.done - sum(self.fractions.values()))
        return max(0.0, remaining * spent / work - (self.clock() - self.t_work))

    def left_text(self) -> str:
        left = self.left_s()
        if left is None:
            return "estimating time left…"
        return "finishing…" if left < 1 else f"about {minutes(left)} left"

    def _show(self) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done + sum(self.fractions.values()),
                            total=self.total)
            return
        with self._lock:
            self._said = False
            now = self.clock()
            end = self.total is not None and self.done >= self.total
            if end or now - self.last >= self.every:
                self._line(final=end)

    def _line(self, final: bool = False) -> None:
        now = self.clock()
        self.last = now
        self._said = True
        elapsed = minutes(now - self.t0)
        if final:
            say(self.console, f"{self.label}: {self.done:,}/{self.total:,} {self.what} done "
                              f"in {elapsed}")
            return
        tail = f", {self.left_text()}" if self.left_s() is not None else ""
        running = sum(self.fractions.values())
        count = f"{self.done + running:,.1f}" if running else f"{self.done:,}"
        say(self.console, f"{self.label}: {count}/{self.total or 0:,} {self.what}, "
                          f"{elapsed} elapsed{tail}")


class _LeftColumn(ProgressColumn):
    """The bar's time left, from the ticker's estimate at each refresh (it counts down)."""

    def __init__(self, ticker: Ticker):
        super().__init__()
        self.ticker = ticker

    def render(self, task) -> Text:
        return Text(self.ticker.left_text(), style="progress.remaining")
