"""Bottleneck detection by the active-period method (Roser, Nakano & Tanaka, 2001).

Stage: below ``model``, which reports when each station's active period opens and closes
(in scheduled seconds). A station is *active* while it is not waiting: working or down, not
starved or blocked (for a station with parallel servers: while none of its servers waits). At
every instant the momentary bottleneck is the station whose active period covering that instant
is the longest; ties share the instant equally. The result is, per station, the scheduled time
it was the momentary bottleneck after warm-up; the line's bottleneck is the station with the
largest share.

Streaming, with memory bounded independently of the horizon: instants before the earliest start
of a still-open period are decided (every period covering them is closed) and resolved in
batches; a closed period that starts after that earliest open start lies inside the open period,
which will be at least as long, so it can never win and is dropped at once.
"""

from __future__ import annotations

import math

_BATCH = 2048  # closed periods kept before resolving


class ActivePeriods:
    def __init__(self, n_stations: int, count_from_s: float = 0.0):
        self.n = n_stations
        self.open_start: list[float] = [math.inf] * n_stations  # inf: no open period
        self.closed: list[tuple[float, float, int]] = []
        self.pending: dict[int, float] = {}  # station -> start of a period closed at pending_s
        self.pending_s = 0.0
        self.decided_until = 0.0
        self.count_from = count_from_s  # scheduled second from which time counts (warm-up end)
        self.bottleneck_s = [0.0] * n_stations

    # Reports come in time order. A period that closes is held back until time moves on: when
    # the station becomes active again at the same instant (a zero-length wait, e.g. two
    # stations finishing together), the two pieces are one period.

    def open(self, station: int, s: float) -> None:
        pending = self.pending
        if pending:
            if s == self.pending_s and station in pending:
                self.open_start[station] = pending.pop(station)
                return
            if s > self.pending_s:
                self._flush_pending()
        self.open_start[station] = s

    def close(self, station: int, s: float) -> None:
        if self.pending and s > self.pending_s:
            self._flush_pending()
        start = self.open_start[station]
        self.open_start[station] = math.inf
        if s > start:
            self.pending[station] = start
            self.pending_s = s

    def _flush_pending(self) -> None:
        end = self.pending_s
        first_open = min(self.open_start)
        for station, start in self.pending.items():
            if start > first_open:
                continue  # inside another station's open period, which will be longer
            self.closed.append((start, end, station))
        self.pending = {}
        if len(self.closed) >= _BATCH:
            self._resolve(self._frontier(end))

    def finish(self, s: float) -> list[float]:
        """Close every open period at ``s`` (end of run) and resolve everything."""
        if self.pending:
            self._flush_pending()
        ends = [(start, i) for i, start in enumerate(self.open_start) if start < math.inf]
        for start, i in ends:
            self.closed.append((start, s, i))
            self.open_start[i] = math.inf
        self._resolve(s)
        return list(self.bottleneck_s)

    def _frontier(self, now: float) -> float:
        first = min(self.open_start)
        return first if first < math.inf else now

    def _resolve(self, frontier: float) -> None:
        lo = self.decided_until
        hi = max(lo, frontier)
        keep, use = [], []
        for period in self.closed:
            start, end, _ = period
            if start > frontier:
                continue  # inside an open period that will be longer: never the bottleneck
            if end > lo:
                use.append(period)
                if end > hi:
                    keep.append(period)
        if hi > lo:
            self._sweep(use, max(lo, self.count_from), hi)
        self.closed = keep
        self.decided_until = hi

    def _sweep(self, periods, lo: float, hi: float) -> None:
        """Credit [lo, hi) to the stations whose covering period is longest."""
        if hi <= lo or not periods:
            return
        events = []
        for start, end, st in periods:
            a, b = max(start, lo), min(end, hi)
            if b > a:
                events.append((a, 1, st, end - start))
                events.append((b, 0, st, end - start))
        events.sort()
        covering: dict[int, float] = {}
        prev = lo
        credit = self.bottleneck_s
        for x, kind, st, length in events:
            if x > prev and covering:
                if len(covering) == 1:
                    credit[next(iter(covering))] += x - prev
                else:
                    best = max(covering.values())
                    winners = [k for k, v in covering.items() if v == best]
                    share = (x - prev) / len(winners)
                    for k in winners:
                        credit[k] += share
            prev = x
            if kind:
                covering[st] = length
            else:
                covering.pop(st, None)
