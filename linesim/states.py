"""Server states and the time-in-state clock — used by the model, read by simulate.

Stage: below ``model``. Each server is in exactly one state at any instant. The model keeps the
server's *nominal* state (working, starved, blocked, down); the clock splits every interval it
closes into its scheduled part (credited to that state) and its unscheduled part (credited to
``off_shift``), using the calendar's scheduled-time function. So a part in process over a night
shows as working until the shift ends and off-shift during the night, without any event at the
shift boundaries.

At an assembly station a ``KitClock`` also splits starved time by the input the kit still lacks
(``set_missing``): the time and episodes of waiting for car bodies vs for seat sets. Time when
two inputs are lacking counts for both. Other stations keep the plain clock (no cost on the
hot path).

Warm-up is a snapshot of the accumulators, subtracted at the end; nothing is reset.
"""

from __future__ import annotations

from typing import Callable, Optional

WORKING, STARVED, BLOCKED, DOWN, OFF_SHIFT, SETUP = range(6)
STATE_NAMES = ("working", "starved", "blocked", "down", "off_shift", "setup")
# Active in the sense of the active-period bottleneck method: not waiting for a part or a place.
ACTIVE = (True, False, False, True, False, True)


class StateClock:
    """Accumulates seconds per state for one server.

    ``on_activity(sched_s, active)`` is called when the server switches between an active and
    an inactive state (used by the station for the bottleneck detector). ``trace`` (off by
    default) keeps every change point ``(t, state)`` for short runs and tests.
    """

    __slots__ = ("acc", "starts", "state", "since_t", "since_s", "_sched", "_on_activity", "trace",
                 "_ref_sched")

    def __init__(self, sched: Callable[[float], float], t0: float, state: int,
                 on_activity: Callable[[float, bool], None], trace: bool = False,
                 ref_sched: Optional[Callable[[float], float]] = None):
        self.acc = [0.0] * len(STATE_NAMES)
        self.starts = [0] * len(STATE_NAMES)  # times each state was entered (episodes)
        self.state = state
        self.since_t = t0
        self.since_s = sched(t0)
        self._sched = sched
        self._on_activity = on_activity
        # Activity is reported on a reference clock (the output stations' scheduled time) when
        # this server follows a calendar of its own.
        self._ref_sched = ref_sched
        self.trace: Optional[list[tuple[float, int]]] = [(t0, state)] if trace else None

    def switch(self, now: float, state: int) -> None:
        old = self.state
        s = self._sched(now)
        acc = self.acc
        scheduled = s - self.since_s
        acc[old] += scheduled
        acc[OFF_SHIFT] += (now - self.since_t) - scheduled
        self.since_t = now
        self.since_s = s
        if state != old:
            self.state = state
            self.starts[state] += 1
            if ACTIVE[state] != ACTIVE[old]:
                ref = self._ref_sched
                self._on_activity(s if ref is None else ref(now), ACTIVE[state])
            trace = self.trace
            if trace is not None:
                if trace[-1][0] == now:  # the state left lasted no time: not a change point
                    trace.pop()
                if not trace or trace[-1][1] != state:
                    trace.append((now, state))

    def totals(self, now: float) -> list[float]:
        """Seconds per state up to ``now`` (closes the current interval)."""
        self.switch(now, self.state)
        return list(self.acc)


class KitClock(StateClock):
    """The clock of an assembly server: also, per input, the scheduled seconds it was starved
    while the kit lacked that input, and the episodes of such waiting."""

    __slots__ = ("missing", "missing_s", "missing_starts")

    def __init__(self, *args, inputs: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.missing: tuple[int, ...] = ()  # indices of the inputs the kit still lacks
        self.missing_s = [0.0] * inputs
        self.missing_starts = [0] * inputs

    def switch(self, now: float, state: int) -> None:
        old, since_s = self.state, self.since_s
        super().switch(now, state)
        missing = self.missing
        if missing:
            if old == STARVED:
                for j in missing:
                    self.missing_s[j] += self.since_s - since_s
            if state == STARVED and old != STARVED:
                for j in missing:
                    self.missing_starts[j] += 1

    def set_missing(self, now: float, missing: tuple[int, ...]) -> None:
        """The kit now lacks ``missing``: close the interval so far; while starved, an input
        newly lacking starts an episode of waiting for it."""
        self.switch(now, self.state)
        if self.state == STARVED:
            for j in missing:
                if j not in self.missing:
                    self.missing_starts[j] += 1
        self.missing = missing
