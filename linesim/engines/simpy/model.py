"""The SimPy plant: stations, buffers, failures, calendar — the SimPy engine's model.

Scenario (frozen) ─► **model** ─► raw counters ─► engines.simpy.run (Window) ─► simulate

Knows nothing of YAML, files or pandas. One SimPy process per station server, looping: take a
part (or a kit of parts, at an assembly station), process it (with its failures), scrap it, send
it to rework or hand it on. Plus one process per arrival stream. No process and no record per
part: a part is just its entry time (a float) travelling through the buffers.

The plant is a graph of stations joined by *edges* (buffers), one per (upstream, downstream)
pair, plus an unlimited rework lane per rework route and an input queue per arrival stream.

Blocking after service, buffer 0 included, without special cases: an edge from u into d has
u's ``buffer_after`` waiting places. A server that finishes a part hands it straight to a server
of d that waits for one, or puts it in a free waiting place; otherwise it is *blocked*, holding
the part, until a server of d takes that part directly or a waiting place frees (the part moves
in at that instant). So a merge or assembly station with buffer 0 holds nothing in front of it,
and at most ``buffer_after`` parts ever wait on an edge. Waiting servers are served first come,
first served, and the part is handed over at the moment the other side acts, so there is no
race between wake-up and resumption and no zero-length wait.

Taking parts: a station with one input takes from it; with several (a *merge*, rework lanes
included) it takes from a rework lane first, then from its inputs in turn (round robin), and
waits for the first part on any of them; an *assembly* station collects its bill of materials
input by input and starts when the kit is complete (the unit's entry time is that of its oldest
component). Handing on: to the one successor; by ``routing`` fractions (drawn per part, then the
part waits for that successor); or ``first_free`` (the first successor in list order with a free
place, else the first that frees one); or ``by_product`` (each variant to its successor, or to
the first free among its successors). Before that, ``scrap`` and ``rework`` fractions are drawn
from their own streams.

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

import math
from collections import deque
from typing import Optional

import simpy

from ...bottleneck import ActivePeriods
from ...calendars import Calendar, build_calendar
from ...distributions import uniform_sampler
from ...series import integral, level_bins
from ...scenario import UNLIMITED, ByProductRouting, Scenario, Station
from ...states import BLOCKED, DOWN, SETUP, STARVED, WORKING, KitClock, StateClock
from ...streams import PLAN, Purpose, name_key, stream


class Buffer:
    """The waiting places of one edge; ``parts`` holds the parts waiting there (at most
    ``capacity``; ``free`` counts the places neither taken nor promised).

    ``kind`` is "buffer" (between two stations), "rework" (an unlimited rework lane) or "queue"
    (the input queue of an arrival stream). ``part_waiters`` (downstream servers waiting for a
    part) may be shared by all the input edges of a merge station; such edges are ``tagged``:
    they hand over ``(part, edge)``. ``slot_waiters`` holds blocked upstream servers as
    ``[event, part, movable]``; ``movable`` is false while the server is down.
    """

    __slots__ = ("capacity", "free", "parts", "part_waiters", "slot_waiters", "area", "t_last",
                 "max_level", "upstream", "downstream", "kind", "tagged", "level_s", "top")

    def __init__(self, capacity: float, upstream: Optional[str] = None, downstream: str = "",
                 kind: str = "buffer"):
        self.capacity = capacity
        self.free = capacity
        self.parts: deque[float] = deque()
        self.part_waiters: deque[simpy.Event] = deque()
        self.slot_waiters: deque[list] = deque()
        self.area = 0.0  # ∫ level dt
        self.t_last = 0.0
        self.level_s = [0.0] * level_bins(capacity)  # seconds at each level (series.level_bins)
        self.top = len(self.level_s) - 1  # the last bin: this level or more
        self.max_level = 0
        self.upstream = upstream
        self.downstream = downstream
        self.kind = kind
        self.tagged = False

    def take(self, now: float):
        """The next part for a downstream server, or None (then it waits in ``part_waiters``).

        From the waiting places first; the place it frees goes at once to the first blocked
        upstream server, whose part moves in (so nobody sees a zero-length wait), or, if that
        server is down, is promised to it (the event's value is this edge) for when it is
        repaired. With no part waiting, the first blocked upstream server that is not down has
        its finished part pulled straight in (a server that is down offers its part again when
        repaired).
        """
        parts = self.parts
        if parts:
            self._integrate(now, len(parts))
            part = parts.popleft()
            self._place_freed(now)
            return part
        waiters = self.slot_waiters
        while waiters and waiters[0][0].triggered:
            waiters.popleft()
        for waiter in waiters:  # a server that is down keeps its turn but cannot hand over
            if waiter[2] and not waiter[0].triggered:
                waiters.remove(waiter)
                waiter[0].succeed(None)
                return waiter[1]
        return None

    def _hand_to_waiting(self, part) -> bool:
        """Give the part to the first downstream server waiting for one, if any."""
        waiters = self.part_waiters
        while waiters:
            ev = waiters.popleft()
            if ev.triggered:
                continue  # an assembly server that waited on several inputs, served by another
            ev.succeed((part, self) if self.tagged else part)
            return True
        return False

    def offer(self, now: float, part) -> bool:
        """Hand a finished part on if a downstream server waits for it or a place is free."""
        if self._hand_to_waiting(part):
            return True
        if self.free > 0:
            self.free -= 1
            self._append(now, part)
            return True
        return False

    def put_promised(self, now: float, part) -> None:
        """Put a part into the waiting place this edge promised earlier (see ``take``)."""
        if self._hand_to_waiting(part):
            self._place_freed(now)  # the promised place was not needed after all
        else:
            self._append(now, part)

    def _place_freed(self, now: float) -> None:
        """A waiting place is free: the first blocked upstream server's part moves in (or, if
        that server is down, the place is promised to it); else it stays free."""
        waiters = self.slot_waiters
        while waiters:
            waiter = waiters.popleft()
            ev = waiter[0]
            if ev.triggered:
                continue  # served by another edge meanwhile (first_free)
            if waiter[2]:
                parts = self.parts
                self._integrate(now, len(parts))
                parts.append(waiter[1])
                ev.succeed(None)
            else:
                ev.succeed(self)
            return
        self.free += 1

    def _append(self, now: float, part) -> None:
        parts = self.parts
        n = len(parts)
        self._integrate(now, n)
        parts.append(part)
        if n >= self.max_level:
            self.max_level = n + 1

    def _integrate(self, now: float, n: int) -> None:
        """The level was ``n`` since ``t_last``: integrate it (area, and the time at level n;
        the fast engine's ``core._area`` does the same float operations)."""
        dt = now - self.t_last
        self.area += n * dt
        self.level_s[n if n < self.top else self.top] += dt
        self.t_last = now

    def flush(self, now: float) -> None:
        self._integrate(now, len(self.parts))

    def content(self) -> int:
        """The level ``area`` integrates: the parts waiting."""
        return len(self.parts)


class Conveyor(Buffer):
    """An accumulating conveyor: a part needs ``transfer_s`` (scheduled time) to reach the end,
    where parts queue for the downstream station; at most ``capacity`` parts are on it, moving
    or waiting. Nothing is handed over before its transfer is done, so a downstream server never
    pulls straight from a blocked upstream one. ``area`` integrates the whole content.

    One SimPy process per conveyor (``run``) moves parts from the moving section to the end.
    """

    __slots__ = ("transfer_s", "moving", "advance", "wake", "env")

    def __init__(self, env: simpy.Environment, capacity: float, transfer_s: float, advance,
                 upstream: str, downstream: str):
        super().__init__(capacity, upstream, downstream, "conveyor")
        self.env = env
        self.transfer_s = transfer_s
        self.advance = advance
        self.moving: deque = deque()  # (arrival time at the end, part)
        self.wake: Optional[simpy.Event] = None

    def _content_change(self, now: float, delta: int) -> None:
        n = len(self.moving) + len(self.parts)
        self._integrate(now, n)
        if delta > 0 and n + delta > self.max_level:
            self.max_level = n + delta

    def _load(self, now: float, part) -> None:
        self._content_change(now, +1)
        self.moving.append((self.advance(now, self.transfer_s), part))
        if self.wake is not None and not self.wake.triggered:
            self.wake.succeed()

    def offer(self, now: float, part) -> bool:
        if self.free > 0:
            self.free -= 1
            self._load(now, part)
            return True
        return False

    def put_promised(self, now: float, part) -> None:
        self._load(now, part)

    def take(self, now: float):
        parts = self.parts
        if not parts:
            return None
        self._content_change(now, -1)
        part = parts.popleft()
        self._place_freed(now)
        return part

    def _place_freed(self, now: float) -> None:
        waiters = self.slot_waiters
        while waiters:
            waiter = waiters.popleft()
            ev = waiter[0]
            if ev.triggered:
                continue
            if waiter[2]:
                self._load(now, waiter[1])
                ev.succeed(None)
            else:
                ev.succeed(self)
            return
        self.free += 1

    def flush(self, now: float) -> None:
        self._content_change(now, 0)

    def content(self) -> int:
        """The level ``area`` integrates: every part on the conveyor, moving or waiting."""
        return len(self.moving) + len(self.parts)

    def run(self):
        env = self.env
        moving = self.moving
        while True:
            if not moving:
                self.wake = env.event()
                yield self.wake
                self.wake = None
            arrive, part = moving[0]
            if arrive > env.now:
                yield env.timeout(arrive - env.now)
            now = env.now
            if self._hand_to_waiting(part):
                # integrate while the part is still counted: it was on the conveyor until now
                self._content_change(now, -1)
                moving.popleft()
                self._place_freed(now)
            else:
                moving.popleft()
                self.parts.append(part)  # accumulates at the end (content unchanged)


class StationRuntime:
    """A station's servers' clocks, its edges, and its activity for the bottleneck detector."""

    __slots__ = ("index", "spec", "clocks", "inactive", "detector", "failures", "inputs", "lanes",
                 "outputs", "rework_lane", "shared_waiters", "turn", "new_variant", "calendar",
                 "out_of_sequence")

    def __init__(self, index: int, spec: Station, detector: ActivePeriods):
        self.index = index
        self.spec = spec
        self.clocks: list[StateClock] = []
        self.inactive = 0
        self.detector = detector
        self.failures = 0
        self.inputs: list[tuple[Buffer, int]] = []  # (edge, parts taken from it per unit)
        self.lanes: list[Buffer] = []  # rework lanes into this station
        self.outputs: list[Buffer] = []  # edges to successors, in list order
        self.rework_lane: Optional[Buffer] = None
        self.shared_waiters: deque = deque()
        self.turn = 0  # round robin over inputs at a merge
        self.new_variant = None  # at a source with products: variant index of each new part
        self.out_of_sequence = [0] * len(spec.inputs)  # assembly: parts of another variant, per input
        self.calendar = None  # the calendar this station follows

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


def _key(spec) -> str:
    return spec if isinstance(spec, str) else spec.model_dump_json()


def _capacity(value) -> float:
    return math.inf if value == UNLIMITED else float(value)


class Line:
    """A plant (serial line or network) in a SimPy environment. Build, ``env.run``, then read
    the counters."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, calendar: Calendar,
                 replication: int, warmup_s: float = 0.0, trace: bool = False):
        self.env = env
        self.calendar = calendar
        self.seed = scenario.run.seed
        self.replication = replication
        specs = scenario.stations
        self.detector = ActivePeriods(len(specs), count_from_s=warmup_s)
        self.stations = [StationRuntime(i, spec, self.detector) for i, spec in enumerate(specs)]
        by_name = {st.spec.name: st for st in self.stations}
        # Per-line calendars: ``calendar`` is the output stations' (the reference clock: warm-up,
        # annual figure, bottleneck periods); other stations may follow their own.
        built = {_key(scenario.output_calendar()): calendar}
        for st in self.stations:
            spec_cal = scenario.station_calendar(st.spec)
            if _key(spec_cal) not in built:
                built[_key(spec_cal)] = build_calendar(spec_cal)
            st.calendar = built[_key(spec_cal)]
        self.buffers: list[Buffer] = []  # every edge, in a fixed order
        for st in self.stations:
            spec = st.spec
            if spec.arrivals is not None:
                edge = Buffer(_capacity(spec.arrivals.queue), None, spec.name, "queue")
                st.inputs.append((edge, 1))
                self.buffers.append(edge)
            for name in spec.inputs:
                up = by_name[name]
                q = spec.quantity_from(name)
                conv = up.spec.conveyor
                if conv is not None:
                    edge = Conveyor(env, _capacity(conv.capacity), conv.transfer_time,
                                    by_name[name].calendar.advance, name, spec.name)
                    env.process(edge.run())
                else:
                    edge = Buffer(_capacity(up.spec.buffer_after), name, spec.name)
                st.inputs.append((edge, q))
                up.outputs.append(edge)
                self.buffers.append(edge)
        for st in self.stations:
            if st.spec.rework is not None:
                target = by_name[st.spec.rework.to]
                lane = Buffer(math.inf, st.spec.name, target.spec.name, "rework")
                st.rework_lane = lane
                target.lanes.append(lane)
                self.buffers.append(lane)
        for st in self.stations:
            if st.spec.assembly is not None:  # an assembly server may wait on several inputs
                for edge, _ in st.inputs:
                    edge.tagged = True
            elif len(st.inputs) + len(st.lanes) > 1:  # a merge: every input wakes the same servers
                for edge in [e for e, _ in st.inputs] + st.lanes:
                    edge.part_waiters = st.shared_waiters
                    edge.tagged = True
        # Line counters (totals since t = 0).
        self.entered = 0
        self.exited = 0
        self.scrapped = 0
        self.lost = 0  # arrivals turned away by a full queue
        # Per station (0 for a station without ``arrivals``): the arrivals from outside offered
        # to its queue, and of them those turned away (``when_full: lose``).
        self.offered_by = [0] * len(self.stations)
        self.lost_by = [0] * len(self.stations)
        self.consumed = 0  # parts that went into assembled units
        self.assembled = 0  # units made by assembly stations
        self.wip = 0
        self.wip_area = 0.0
        self.wip_t = 0.0
        self.lead_sum_s = 0.0  # good parts, entry to exit
        self.sojourn_sum_s = 0.0  # every departure, good or scrapped
        self.products = scenario.products
        self.exited_by = [0] * len(self.products.names) if self.products else []

        for station in self.stations:
            if self.products and station.spec.is_source and station.spec.arrivals is None:
                station.new_variant = self._variant_source(station)
            unlimited = not station.inputs  # a source with unlimited supply never waits
            state = WORKING if unlimited else STARVED
            own = station.calendar
            for k in range(station.spec.servers):
                args = (own.sched, env.now, state, station.activity, trace,
                        None if own is calendar else calendar.sched)
                clock = (KitClock(*args, inputs=len(station.inputs))
                         if station.spec.assembly is not None else StateClock(*args))
                station.clocks.append(clock)
                if not unlimited:
                    station.inactive += 1
            if station.inactive == 0:
                self.detector.open(station.index, calendar.sched(env.now))
            for k in range(station.spec.servers):
                env.process(self._server(station, k))
            if station.spec.arrivals is not None:
                env.process(self._arrivals(station))

    # -- part bookkeeping -------------------------------------------------------------------
    def _wip_change(self, now: float, delta: int) -> None:
        self.wip_area += self.wip * (now - self.wip_t)
        self.wip_t = now
        self.wip += delta

    def _depart(self, now: float, part, good: bool) -> None:
        if self.products:
            entry, variant = part
            if good:
                self.exited_by[variant] += 1
        else:
            entry = part
        self._wip_change(now, -1)
        self.sojourn_sum_s += now - entry
        if good:
            self.exited += 1
            self.lead_sum_s += now - entry
        else:
            self.scrapped += 1

    def _rng(self, station: Station, purpose: Purpose, k: int = 0):
        return stream(self.seed, self.replication, station.name, purpose, k)

    # -- arrivals -----------------------------------------------------------------------------
    def _arrivals(self, station: StationRuntime):
        """Parts from outside into the station's input queue (interarrival on scheduled time)."""
        env = self.env
        spec = station.spec.arrivals
        queue = station.inputs[0][0]
        interarrival = spec.interarrival.sampler(self._rng(station.spec, Purpose.ARRIVAL))
        advance = station.calendar.advance
        lose = spec.when_full == "lose"
        new_variant = self._variant_source(station) if self.products else None
        while True:
            now = env.now
            yield env.timeout(advance(now, interarrival()) - now)
            now = env.now
            part = (now, new_variant()) if new_variant else now
            self.offered_by[station.index] += 1
            if queue.offer(now, part):
                self.entered += 1
                self._wip_change(now, +1)
            elif lose:
                self.lost += 1
                self.lost_by[station.index] += 1
            else:  # the source is blocked: its clock pauses until the part moves in
                self.entered += 1
                self._wip_change(now, +1)
                waiter = [env.event(), part, True]
                queue.slot_waiters.append(waiter)
                yield waiter[0]

    def _variant_source(self, station: StationRuntime):
        """Variant index of each new part at a source: a draw from the mix, or the sequence."""
        names = self.products.names
        if self.products.mix is not None:
            # One plan for the plant: the same n-th variant at every source (see streams.PLAN).
            u = uniform_sampler(stream(self.seed, self.replication, PLAN, Purpose.PRODUCT))
            cumulative, total = [], 0.0
            for name in names:
                total += self.products.mix[name]
                cumulative.append(total)
            last = len(names) - 1

            def draw() -> int:
                x = u()
                for j, c in enumerate(cumulative):
                    if x < c:
                        return j
                return last

            return draw
        pattern = [names.index(v) for v in self.products.sequence]
        position = [0]

        def next_in_sequence() -> int:
            j = pattern[position[0] % len(pattern)]
            position[0] += 1
            return j

        return next_in_sequence

    # -- one server ---------------------------------------------------------------------------
    def _server(self, station: StationRuntime, k: int):
        env = self.env
        cal = station.calendar
        spec = station.spec
        clock = station.clocks[k]
        switch = clock.switch
        timeout = env.timeout
        event = env.event
        advance = cal.advance
        continuous = cal.is_continuous

        def rng(purpose: Purpose):
            return stream(self.seed, self.replication, spec.name, purpose, k)

        # Input side.
        lanes = station.lanes
        unlimited = not station.inputs
        assembly = spec.assembly is not None
        merge = not assembly and len(station.inputs) + len(lanes) > 1
        inp = station.inputs[0][0] if len(station.inputs) == 1 and not merge and not assembly else None
        position = {edge: j for j, (edge, _) in enumerate(station.inputs)}  # input index
        # Output side.
        outs = station.outputs
        out = outs[0] if len(outs) == 1 else None
        sink = not outs
        routing = spec.routing
        by_variant = None  # routing by product: variant index -> the edges it may go to
        if isinstance(routing, ByProductRouting) and len(outs) > 1:
            edge_of = {edge.downstream: edge for edge in outs}
            by_variant = [[edge_of[d] for d in routing.targets(v)] for v in self.products.names]
        if isinstance(routing, dict) and len(outs) > 1:
            cumulative, total = [], 0.0
            for edge in outs:
                total += routing[edge.downstream]
                cumulative.append(total)
            route_u = uniform_sampler(rng(Purpose.ROUTING))
        else:
            cumulative = None
        rework_lane = station.rework_lane
        rework_p = spec.rework.fraction if spec.rework is not None else 0.0
        if rework_p > 0:
            rework_u = uniform_sampler(rng(Purpose.REWORK))

        products = self.products
        if products:
            times = spec.cycle_times()
            cycles = [
                (times[None] if None in times else times[v]).sampler(
                    stream(self.seed, self.replication, spec.name, Purpose.PROCESS, k,
                           name_key(v)) if None not in times else rng(Purpose.PROCESS))
                for v in products.names
            ]
            if None in times:  # one distribution for every variant: one stream
                cycles = [cycles[0]] * len(cycles)
            setup_time = spec.setup.time.sampler(rng(Purpose.SETUP)) if spec.setup else None
            last_variant = None
            if assembly:
                first_edge, first_q = station.inputs[0]
                others = [(edge, [spec.quantity_from(edge.upstream, v) for v in products.names])
                          for edge, _ in station.inputs[1:]]
                # Just in sequence: an input giving one part per unit of every variant should
                # bring the unit's variant; a part of another one is counted out of sequence.
                sequenced = spec.in_sequence_inputs(products.names)
                in_sequence = {edge for edge, _ in others if edge.upstream in sequenced}
                out_of_sequence = station.out_of_sequence
        else:
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

        def wait_with_failures(ev, waiting_state, waiter=None, edges=()):
            """Scheduled basis: wait for ``ev`` while the failure clock keeps running.

            ``waiter`` (when blocked, on ``edges``): while down, the finished part may not be
            moved out; once repaired it is offered again.
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
                    for edge in edges:
                        if edge.offer(env.now, waiter[1]):
                            ev.succeed(None)  # stale entries in other edges are skipped
                            return None
                switch(env.now, waiting_state)

        def wait_part(waiting):
            """Wait for a part from an edge (or, given a list of edges, from any of them)."""
            switch(env.now, STARVED)
            ev = event()
            if isinstance(waiting, list):
                for edge in waiting:
                    edge.part_waiters.append(ev)
            else:
                waiting.append(ev)
            if scheduled:
                return (yield from wait_with_failures(ev, STARVED))
            return (yield ev)

        def kit_part(edge, got) -> float:
            """A part joining the kit: its entry time; counted out of sequence if it comes from
            a just-in-sequence input with another variant than the unit's."""
            if not products:
                return got
            if got[1] != variant and edge in in_sequence:
                out_of_sequence[position[edge]] += 1
            return got[0]

        def take_merge():
            """A part from a rework lane first, then from the inputs in turn, waiting parts
            before blocked upstream servers' parts; ``(part, edge)`` or None."""
            now = env.now
            for lane in lanes:
                if lane.parts:
                    return lane.take(now), lane
            inputs = station.inputs
            n = len(inputs)
            for pulling in (False, True):
                for j in range(n):
                    edge = inputs[(station.turn + j) % n][0]
                    if edge.slot_waiters if pulling else edge.parts:
                        got = edge.take(now)
                        if got is not None:
                            station.turn = (station.turn + j + 1) % n
                            return got, edge
            return None

        while True:
            # 1. Take a part, or a kit (a source with unlimited supply is never starved).
            if inp is not None:
                part = inp.take(env.now)
                if part is None:
                    part = yield from wait_part(inp.part_waiters)
            elif unlimited:
                if not continuous:
                    # A new part enters when the shift lets it start, not the evening before.
                    now = env.now
                    start = cal.resume_at(now)
                    if start > now:
                        yield timeout(start - now)
                got = take_merge() if lanes else None
                if got is None:
                    now = env.now
                    part = (now, station.new_variant()) if products else now
                    self.entered += 1
                    self._wip_change(now, +1)
                else:
                    part = got[0]
            elif merge:
                got = take_merge()
                if got is None:
                    got = yield from wait_part(station.shared_waiters)
                part = got[0]
            elif lanes and any(lane.parts for lane in lanes):  # a reworked unit: no new kit
                part = take_merge()[0]
            else:  # assembly: collect the bill of materials from all inputs at once
                now = env.now
                if products:  # the first input's part carries the unit's variant
                    first = first_edge.take(now)
                    if first is None:
                        clock.set_missing(now, (0,))
                        first = (yield from wait_part([first_edge]))[0]
                    entry, variant = first
                    need = [[first_edge, first_q - 1]] + [[e, qs[variant]] for e, qs in others]
                    taken = 1
                else:
                    entry = math.inf
                    need = [[e, q] for e, q in station.inputs]
                    taken = 0
                while True:
                    now = env.now
                    for item in need:
                        while item[1]:
                            got = item[0].take(now)
                            if got is None:
                                break
                            item[1] -= 1
                            taken += 1
                            e = kit_part(item[0], got)
                            if e < entry:
                                entry = e
                    waiting = [item[0] for item in need if item[1]]
                    if not waiting:
                        break
                    clock.set_missing(now, tuple(position[e] for e in waiting))
                    got, edge = yield from wait_part(waiting)
                    for item in need:
                        if item[0] is edge:
                            item[1] -= 1
                    taken += 1
                    e = kit_part(edge, got)
                    if e < entry:
                        entry = e
                if clock.missing:
                    clock.set_missing(env.now, ())
                part = (entry, variant) if products else entry
                self.consumed += taken
                self.assembled += 1
                self._wip_change(env.now, 1 - taken)
            if products:
                variant = part[1]
                if setup_time is not None and last_variant is not None and variant != last_variant:
                    switch(env.now, SETUP)
                    now = env.now
                    yield timeout(advance(now, setup_time()) - now)
                last_variant = variant
            if clock.state != WORKING:
                switch(env.now, WORKING)

            # 2. Process it, with failures.
            work = cycles[variant]() if products else cycle()
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

            # 3. Scrap, rework, or hand on (blocking after service).
            if scrap_p > 0 and scrap_u() < scrap_p:
                self._depart(env.now, part, good=False)
            elif rework_p > 0 and rework_u() < rework_p:
                rework_lane.offer(env.now, part)
            elif sink:
                self._depart(env.now, part, good=True)
            else:
                if out is not None:
                    dest = out
                elif by_variant is not None:
                    allowed = by_variant[part[1]]
                    dest = allowed[0] if len(allowed) == 1 else None
                    if dest is None:
                        for edge in allowed:
                            if edge.part_waiters or edge.free > 0:
                                dest = edge
                                break
                elif cumulative is not None:
                    u = route_u()
                    dest = outs[-1]
                    for edge, c in zip(outs, cumulative):
                        if u < c:
                            dest = edge
                            break
                else:  # first_free
                    dest = None
                    for edge in outs:
                        if edge.part_waiters or edge.free > 0:
                            dest = edge
                            break
                if dest is None or not dest.offer(env.now, part):
                    switch(env.now, BLOCKED)
                    waiter = [event(), part, True]
                    edges = ([dest] if dest is not None
                             else by_variant[part[1]] if by_variant is not None else outs)
                    for edge in edges:
                        edge.slot_waiters.append(waiter)
                    if scheduled:
                        promised = yield from wait_with_failures(waiter[0], BLOCKED, waiter, edges)
                    else:
                        promised = yield waiter[0]
                    if promised is not None:
                        promised.put_promised(env.now, part)

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
            "exited_by": list(self.exited_by),
            "scrapped": self.scrapped,
            "lost": self.lost,
            "offered_by": list(self.offered_by),
            "lost_by": list(self.lost_by),
            "consumed": self.consumed,
            "assembled": self.assembled,
            "wip": self.wip,
            "wip_area": self.wip_area,
            "lead_sum_s": self.lead_sum_s,
            "sojourn_sum_s": self.sojourn_sum_s,
            "state_s": [[list(c.acc) for c in st.clocks] for st in self.stations],
            "starved_episodes": [sum(c.starts[STARVED] for c in st.clocks) for st in self.stations],
            # per assembly station, per input: starved seconds lacking it, episodes (all servers)
            "missing_s": [[sum(c.missing_s[j] for c in st.clocks) for j in range(len(st.inputs))]
                          if st.spec.assembly is not None else [] for st in self.stations],
            "out_of_sequence": [list(st.out_of_sequence) for st in self.stations],
            "missing_starts": [[sum(c.missing_starts[j] for c in st.clocks)
                                for j in range(len(st.inputs))]
                               if st.spec.assembly is not None else [] for st in self.stations],
            "failures": [st.failures for st in self.stations],
            "buffer_area": [b.area for b in self.buffers],
            "buffer_level": [len(b.parts) for b in self.buffers],
            "buffer_level_s": [list(b.level_s) for b in self.buffers],
        }

    def snapshot(self, t: float) -> dict:
        """The per-period counters at ``t`` (the time the run stopped at), read only: the time
        integrals brought up to ``t`` without storing them (see ``series``)."""
        return {
            "t": t, "exited": self.exited, "scrapped": self.scrapped, "lost": self.lost,
            "entered": self.entered, "wip": self.wip,
            "wip_area": integral(self.wip_area, self.wip, self.wip_t, t),
            "level": [b.content() for b in self.buffers],
            "area": [integral(b.area, b.content(), b.t_last, t) for b in self.buffers],
        }

    def reset_buffer_maxima(self) -> None:
        """Warm-up ends: maxima are taken from now on."""
        for b in self.buffers:
            b.max_level = len(b.parts)
