"""The SimPy line: stations, buffers, failures, calendar — stage three of the data flow.

Scenario (frozen) ─► **model** ─► raw counters ─► simulate (RunResult)

Knows nothing of YAML, files or pandas. One SimPy process per station server, looping: take a
part, process it (with its failures), scrap it or hand it on. No process and no record per part:
a part is just its entry time (a float) travelling through the buffers.

Blocking after service, buffer 0 included, without special cases: between station i and i+1
there are ``B_i + c_{i+1}`` places (the waiting places plus one per downstream server). A server
that finishes a part needs a free place (it is *blocked* while it waits), then puts the part; the
downstream server takes it and gives the place back only when that part leaves it (handed on or
scrapped). Waiting servers are woken first-come first-served with the place or the part handed to
them directly, so there is no race between wake-up and resumption.

Failures, ``basis: operating``: the server keeps the processing time left before its next failure;
when a part needs more, it works until the failure, goes down for a repair draw, draws the next
time to failure, and finishes the rest. A starved or blocked server cannot fail; the part in
process resumes after repair. ``basis: scheduled``: the failure clock runs in scheduled time
whatever the server does; a failure while starved or blocked takes the server down too. A server
down while blocked keeps its finished part (and any place granted meanwhile) and hands it on once
repaired; one down while starved keeps its claim on the next part, which waits at its input until
the repair ends. The time to the next failure is drawn when a repair ends.

Calendar: processing, both failure clocks and (unless ``repairs_off_shift``) repairs advance on
scheduled time only, via ``calendar.advance``; see ``calendars`` and ``states``.
"""

from __future__ import annotations

from collections import deque
from typing import Optional

import simpy

from .bottleneck import ActivePeriods
from .calendars import Calendar
from .distributions import uniform_sampler
from .scenario import Scenario, Station
from .states import BLOCKED, DOWN, STARVED, WORKING, StateClock
from .streams import Purpose, stream


class Buffer:
    """Places between two stations; ``parts`` holds the entry times of waiting parts."""

    __slots__ = ("capacity", "free", "parts", "part_waiters", "slot_waiters", "area", "t_last",
                 "max_level")

    def __init__(self, capacity: int, downstream_servers: int):
        self.capacity = capacity
        self.free = capacity + downstream_servers
        self.parts: deque[float] = deque()
        self.part_waiters: deque[simpy.Event] = deque()
        # Blocked upstream servers: [event, entry time of their part, part may be moved in].
        self.slot_waiters: deque[list] = deque()
        self.area = 0.0  # ∫ level dt
        self.t_last = 0.0
        self.max_level = 0

    def take(self, now: float) -> float:
        parts = self.parts
        self.area += len(parts) * (now - self.t_last)
        self.t_last = now
        return parts.popleft()

    def put(self, now: float, entry: float, count_max: bool = True) -> None:
        if self.part_waiters:
            self.part_waiters.popleft().succeed(entry)
            return
        parts = self.parts
        n = len(parts)
        self.area += n * (now - self.t_last)
        self.t_last = now
        parts.append(entry)
        if count_max and n >= self.max_level:
            self.max_level = n + 1

    def release(self, now: float) -> None:
        """A part that came from this buffer left its downstream server.

        The freed place goes to the first blocked upstream server, whose finished part moves in
        at once (so the releasing server, which takes its next part before anything else
        happens, never sees a zero-length starved state), unless that server is down: then it
        only gets the place and puts its part itself once repaired. The momentary extra part
        is taken in the same step, so it does not count towards ``max_level``.
        """
        if self.slot_waiters:
            waiter = self.slot_waiters.popleft()
            if waiter[2]:
                self.put(now, waiter[1], count_max=False)
                waiter[0].succeed(True)
            else:
                waiter[0].succeed(False)
        else:
            self.free += 1

    def flush(self, now: float) -> None:
        self.area += len(self.parts) * (now - self.t_last)
        self.t_last = now


class StationRuntime:
    """A station's servers' clocks and its activity for the bottleneck detector."""

    __slots__ = ("index", "spec", "clocks", "inactive", "detector", "failures")

    def __init__(self, index: int, spec: Station, detector: ActivePeriods):
        self.index = index
        self.spec = spec
        self.clocks: list[StateClock] = []
        self.inactive = 0
        self.detector = detector
        self.failures = 0

    def activity(self, s: float, active: bool) -> None:
        if active:
            self.inactive -= 1
            if self.inactive == 0:
                self.detector.open(self.index, s)
        else:
            if self.inactive == 0:
                self.detector.close(self.index, s)
            self.inactive += 1


class _FailureClock:
    """Scheduled-basis failure state of one server: next failure at scheduled second ``due_s``."""

    __slots__ = ("due_s", "event")

    def __init__(self, due_s: float):
        self.due_s = due_s
        self.event: Optional[simpy.Event] = None


class Line:
    """A serial line in a SimPy environment. Build, ``env.run``, then read the counters."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, calendar: Calendar,
                 replication: int, warmup_s: float = 0.0, trace: bool = False):
        self.env = env
        self.calendar = calendar
        self.seed = scenario.run.seed
        self.replication = replication
        specs = scenario.stations
        self.detector = ActivePeriods(len(specs), count_from_s=warmup_s)
        self.buffers = [Buffer(a.buffer_after, b.servers) for a, b in zip(specs, specs[1:])]
        self.stations = [StationRuntime(i, spec, self.detector) for i, spec in enumerate(specs)]
        # Line counters (totals since t = 0).
        self.entered = 0
        self.exited = 0
        self.scrapped = 0
        self.wip = 0
        self.wip_area = 0.0
        self.wip_t = 0.0
        self.lead_sum_s = 0.0  # good parts, entry to exit
        self.sojourn_sum_s = 0.0  # every departure, good or scrapped

        for station in self.stations:
            first = station.index == 0
            state = WORKING if first else STARVED
            for k in range(station.spec.servers):
                clock = StateClock(calendar.sched, env.now, state, station.activity, trace)
                station.clocks.append(clock)
                if not first:
                    station.inactive += 1
            if station.inactive == 0:
                self.detector.open(station.index, calendar.sched(env.now))
            for k in range(station.spec.servers):
                env.process(self._server(station, k))

    # -- part bookkeeping -------------------------------------------------------------------
    def _wip_change(self, now: float, delta: int) -> None:
        self.wip_area += self.wip * (now - self.wip_t)
        self.wip_t = now
        self.wip += delta

    def _depart(self, now: float, entry: float, good: bool) -> None:
        self._wip_change(now, -1)
        self.sojourn_sum_s += now - entry
        if good:
            self.exited += 1
            self.lead_sum_s += now - entry
        else:
            self.scrapped += 1

    # -- one server ---------------------------------------------------------------------------
    def _server(self, station: StationRuntime, k: int):
        env = self.env
        cal = self.calendar
        spec = station.spec
        i = station.index
        inp = self.buffers[i - 1] if i > 0 else None
        out = self.buffers[i] if i < len(self.buffers) else None
        clock = station.clocks[k]
        switch = clock.switch
        timeout = env.timeout
        event = env.event
        advance = cal.advance
        continuous = cal.is_continuous

        def rng(purpose: Purpose):
            return stream(self.seed, self.replication, spec.name, purpose, k)

        cycle = spec.cycle_time.sampler(rng(Purpose.PROCESS))
        scrap_p = spec.scrap
        if scrap_p > 0:
            scrap_u = uniform_sampler(rng(Purpose.SCRAP))

        failures = spec.failures
        operating = scheduled = False
        if failures is not None:
            time_to_fail = failures.mtbf_dist().sampler(rng(Purpose.FAILURE))
            repair_time = failures.mttr.sampler(rng(Purpose.REPAIR))
            if continuous or cal.repairs_off_shift:
                def repair_end(t, r):
                    return t + r
            else:
                repair_end = advance
            operating = failures.basis == "operating"
            scheduled = not operating
            if operating:
                left = time_to_fail()  # processing seconds to the next failure
            else:
                fclock = _FailureClock(cal.sched(env.now) + time_to_fail())

        def repair():
            """Down for one repair draw, from now; the caller switched the state to DOWN."""
            station.failures += 1
            now = env.now
            return timeout(repair_end(now, repair_time()) - now)

        def wait_with_failures(ev, waiting_state, waiter=None):
            """Scheduled basis: wait for ``ev`` while the failure clock keeps running.

            ``waiter`` (when blocked): while down, the finished part may not be moved out.
            """
            while True:
                if fclock.event is None:
                    now = env.now
                    fclock.event = timeout(max(0.0, cal.time_at(fclock.due_s) - now))
                yield ev | fclock.event
                if ev.triggered:
                    return ev.value
                fclock.event = None
                switch(env.now, DOWN)
                if waiter is not None:
                    waiter[2] = False
                yield repair()
                fclock.due_s = cal.sched(env.now) + time_to_fail()
                if ev.triggered:
                    return ev.value
                if waiter is not None:
                    waiter[2] = True
                switch(env.now, waiting_state)

        while True:
            # 1. Take a part (the first station is never starved).
            if inp is None:
                if not continuous:
                    # A new part enters when the shift lets it start, not the evening before.
                    now = env.now
                    start = cal.resume_at(now)
                    if start > now:
                        yield timeout(start - now)
                entry = env.now
                self.entered += 1
                self._wip_change(entry, +1)
            elif inp.parts:
                entry = inp.take(env.now)
            else:
                switch(env.now, STARVED)
                ev = event()
                inp.part_waiters.append(ev)
                if scheduled:
                    entry = yield from wait_with_failures(ev, STARVED)
                else:
                    entry = yield ev
            if clock.state != WORKING:
                switch(env.now, WORKING)

            # 2. Process it, with failures.
            work = cycle()
            if operating:
                while work > left:
                    if left > 0:
                        now = env.now
                        yield timeout(advance(now, left) - now)
                        work -= left
                    switch(env.now, DOWN)
                    yield repair()
                    switch(env.now, WORKING)
                    left = time_to_fail()
                left -= work
            elif scheduled:
                s0 = cal.sched(env.now)
                while fclock.due_s < s0 + work:
                    done = fclock.due_s - s0
                    if done > 0:
                        now = env.now
                        yield timeout(advance(now, done) - now)
                        work -= done
                    fclock.event = None
                    switch(env.now, DOWN)
                    yield repair()
                    switch(env.now, WORKING)
                    s0 = cal.sched(env.now)
                    fclock.due_s = s0 + time_to_fail()
            if continuous:
                yield timeout(work)
            else:
                now = env.now
                yield timeout(advance(now, work) - now)

            # 3. Scrap, or hand on (blocking after service).
            if scrap_p > 0 and scrap_u() < scrap_p:
                self._depart(env.now, entry, good=False)
            elif out is None:
                self._depart(env.now, entry, good=True)
            else:
                if out.free:
                    out.free -= 1
                    out.put(env.now, entry)
                else:
                    switch(env.now, BLOCKED)
                    waiter = [event(), entry, True]
                    out.slot_waiters.append(waiter)
                    if scheduled:
                        moved = yield from wait_with_failures(waiter[0], BLOCKED, waiter)
                    else:
                        moved = yield waiter[0]
                    if not moved:
                        out.put(env.now, entry)
            if inp is not None:
                inp.release(env.now)

    # -- statistics -------------------------------------------------------------------------
    def flush(self, now: float) -> None:
        """Bring every time integral up to ``now``."""
        for station in self.stations:
            for clock in station.clocks:
                clock.switch(now, clock.state)
        for buf in self.buffers:
            buf.flush(now)
        self._wip_change(now, 0)

    def counters(self, now: float) -> dict:
        """All accumulators at ``now`` (a snapshot; subtract two to get a window)."""
        self.flush(now)
        return {
            "t": now,
            "sched_s": self.calendar.sched(now),
            "entered": self.entered,
            "exited": self.exited,
            "scrapped": self.scrapped,
            "wip": self.wip,
            "wip_area": self.wip_area,
            "lead_sum_s": self.lead_sum_s,
            "sojourn_sum_s": self.sojourn_sum_s,
            "state_s": [[list(c.acc) for c in st.clocks] for st in self.stations],
            "failures": [st.failures for st in self.stations],
            "buffer_area": [b.area for b in self.buffers],
            "buffer_level": [len(b.parts) for b in self.buffers],
        }

    def reset_buffer_maxima(self) -> None:
        """Warm-up ends: maxima are taken from now on."""
        for b in self.buffers:
            b.max_level = len(b.parts)
