"""The active-period bottleneck detector for the compiled engine, in numba.

The same algorithm as :class:`linesim.bottleneck.ActivePeriods` (Roser, Nakano & Tanaka, 2001;
read its docstring for the method), rewritten as ``@njit`` functions over preallocated numpy
arrays so that the compiled engine's event loop can report without calling Python:

    det = new_state(n_stations, count_from_s)          # Python: allocate once per replication
    report_open(det, station, s)                       # njit, callable from another njit function
    report_close(det, station, s)                      # njit
    bottleneck_s = finish(det, s)                      # njit, float64[n_stations]
    replay(det, kinds, stations, times)                # njit: feed arrays of reports (1 = open)

``det`` is a :data:`DetectorState` namedtuple of arrays (numba passes a namedtuple of arrays
into and between jitted functions as one argument); the scalars live in the small arrays ``f``
(pending_s, decided_until, count_from) and ``i`` (pending count, closed count, batch,
capacity, closed high-water mark). The state persists across calls; nothing is allocated per
report (a resolve allocates one transient argsort array of at most ``2 * capacity`` entries).

Equal to ActivePeriods bit for bit, on any report stream in time order: every step does the
same floating-point operations in the same order.

- The pending periods (closed at ``pending_s``, held back for the zero-length-gap merge) keep
  the dict's insertion order: a merge removes its entry by shifting the later ones down, as
  ``dict.pop`` does, so the closed buffer holds the same periods in the same order as the
  Python list (the tests compare the buffers themselves, not only the results).
- ``max(a, b)``/``min(a, b)`` are written as Python evaluates them (the first argument unless
  the second is strictly larger/smaller), ``min(open_start)`` as a scan.
- The sweep's events are put in the order of Python's tuple sort ``(x, kind, station,
  length)``: an argsort on ``x`` (quicksort, not stable) followed by an insertion sort of each
  run of equal ``x`` on the full key ``(kind, station, length)``, so the order is total and
  does not depend on the sort's stability. Each interval ``[prev, x)`` is credited as
  ``x - prev`` to a sole covering station or ``(x - prev) / n_winners`` to each of the
  stations whose covering period is longest; each station's total is a sum of the same terms in
  the same (chronological) order as in Python. The order in which the winners of one interval
  are credited differs from the dict's, but each winner is a different station, so no sum is
  affected.

Memory is bounded independently of the horizon, with a closed buffer of fixed capacity
``max(batch, n) + n`` that cannot overflow on a time-ordered stream; the reasoning:

1. A station's periods are disjoint (a period is ``[open_start, close)``; the next one opens at
   or after the close, or the two are merged into one before either reaches the buffer).
2. After a resolve at ``frontier = min(open_start)``, the periods kept are those with
   ``start <= frontier < end`` (``end > hi >= frontier``): they all cover the instant
   ``frontier``, so by 1 there is at most one per station, and none of the station whose open
   period starts at ``frontier`` (its closed periods ended before it opened). So at most
   ``n - 1`` periods survive a resolve, and none when nothing is open (the frontier is then the
   current time, after every end) or at ``finish``.
3. Between resolves the buffer holds fewer than ``batch`` periods; a flush appends at most ``n``
   (one pending period per station), and then resolves when the buffer has ``>= batch``.
   So the buffer never exceeds ``max(batch - 1, n - 1) + n`` after a flush, and ``finish``
   appends at most ``n`` open periods to at most ``max(batch - 1, n - 1)``.

A station that never rests (nothing can be decided) does not fill the buffer: the periods of
the others that start inside its open period are dropped on arrival (ActivePeriods' pruning).
The capacity is still checked on every append (one compare): a stream out of time order raises
``RuntimeError`` instead of writing out of bounds. ``i[4]`` records the largest number of
closed periods held, for the memory test.

Written by hand (no library offers this detector), as a transcription of ActivePeriods, which
stays the reference: the SimPy engine uses it unchanged.
"""

from __future__ import annotations

import collections

import numpy as np
from numba import njit

from ...bottleneck import _BATCH

DetectorState = collections.namedtuple("DetectorState", [
    "open_start",  # float64[n]: start of each station's open period, inf when none
    "pend_st",  # int64[n]: stations with a period closed at pending_s, in insertion order
    "pend_start",  # float64[n]: their starts
    "pend_idx",  # int64[n]: position of a station in pend_st, -1 when not pending
    "c_start", "c_end", "c_st",  # closed periods (start, end, station), [capacity]
    "ev_x", "ev_kind", "ev_st", "ev_len",  # the sweep's events, [2 * capacity]
    "cov_list", "cov_pos", "cov_len",  # stations covering the sweep point, position, length
    "bottleneck_s",  # float64[n]: credited scheduled seconds
    "f",  # float64[3]: pending_s, decided_until, count_from
    "i",  # int64[5]: n_pending, n_closed, batch, capacity, high-water mark of n_closed
])

# indices into f and i
_PENDING_S, _DECIDED, _COUNT_FROM = 0, 1, 2
_NPEND, _NCLOSED, _BATCH_I, _CAP, _HIGH = 0, 1, 2, 3, 4


def capacity(n_stations: int, batch: int = _BATCH) -> int:
    """Closed periods the buffer can ever hold at once (see the module docstring)."""
    return max(batch, n_stations) + n_stations


def new_state(n_stations: int, count_from_s: float = 0.0, batch: int | None = None) -> DetectorState:
    """A fresh detector for ``n_stations``; time counts from scheduled second ``count_from_s``.
    ``batch`` (default: ActivePeriods' ``_BATCH``) is the closed-buffer length that triggers a
    resolve; pass the same value as ActivePeriods uses to get identical results."""
    if batch is None:
        from ... import bottleneck  # read at call time, like ActivePeriods does
        batch = bottleneck._BATCH
    n = int(n_stations)
    cap = capacity(n, int(batch))
    return DetectorState(
        open_start=np.full(n, np.inf),
        pend_st=np.zeros(n, np.int64),
        pend_start=np.zeros(n),
        pend_idx=np.full(n, -1, np.int64),
        c_start=np.zeros(cap), c_end=np.zeros(cap), c_st=np.zeros(cap, np.int64),
        ev_x=np.zeros(2 * cap), ev_kind=np.zeros(2 * cap, np.int64),
        ev_st=np.zeros(2 * cap, np.int64), ev_len=np.zeros(2 * cap),
        cov_list=np.zeros(n, np.int64), cov_pos=np.full(n, -1, np.int64), cov_len=np.zeros(n),
        bottleneck_s=np.zeros(n),
        f=np.array([0.0, 0.0, float(count_from_s)]),
        i=np.array([0, 0, int(batch), cap, 0], np.int64),
    )


# -- reports (ActivePeriods.open / close) ---------------------------------------------------------

@njit(cache=True)
def report_open(det, station, s):
    """Station ``station`` becomes active at scheduled second ``s`` (ActivePeriods.open)."""
    if det.i[_NPEND] > 0:
        if s == det.f[_PENDING_S] and det.pend_idx[station] >= 0:
            det.open_start[station] = _pending_pop(det, station)
            return
        if s > det.f[_PENDING_S]:
            _flush_pending(det)
    det.open_start[station] = s


@njit(cache=True)
def report_close(det, station, s):
    """Station ``station`` starts waiting at scheduled second ``s`` (ActivePeriods.close)."""
    if det.i[_NPEND] > 0 and s > det.f[_PENDING_S]:
        _flush_pending(det)
    start = det.open_start[station]
    det.open_start[station] = np.inf
    if s > start:
        _pending_put(det, station, start)
        det.f[_PENDING_S] = s


@njit(cache=True)
def finish(det, s):
    """Close every open period at ``s`` (end of run), resolve everything and return the credited
    seconds per station (a copy)."""
    if det.i[_NPEND] > 0:
        _flush_pending(det)
    open_start = det.open_start
    for k in range(open_start.shape[0]):
        if open_start[k] < np.inf:
            _append_closed(det, open_start[k], s, k)
            open_start[k] = np.inf
    _resolve(det, s)
    return det.bottleneck_s.copy()


@njit(cache=True)
def replay(det, kinds, stations, times):
    """Feed a stream of reports held in arrays: ``kinds[k]`` 1 = open, 0 = close."""
    for k in range(kinds.shape[0]):
        if kinds[k]:
            report_open(det, stations[k], times[k])
        else:
            report_close(det, stations[k], times[k])


# -- pending periods: an insertion-ordered map station -> start -----------------------------------

@njit(cache=True)
def _pending_put(det, station, start):
    k = det.pend_idx[station]
    if k < 0:  # a new key goes last (a dict assignment to an existing key keeps its place)
        k = det.i[_NPEND]
        det.pend_st[k] = station
        det.pend_idx[station] = k
        det.i[_NPEND] = k + 1
    det.pend_start[k] = start


@njit(cache=True)
def _pending_pop(det, station):
    k = det.pend_idx[station]
    start = det.pend_start[k]
    last = det.i[_NPEND] - 1
    for j in range(k, last):  # keep the order of the rest, as dict.pop does
        st = det.pend_st[j + 1]
        det.pend_st[j] = st
        det.pend_start[j] = det.pend_start[j + 1]
        det.pend_idx[st] = j
    det.pend_idx[station] = -1
    det.i[_NPEND] = last
    return start


@njit(cache=True)
def _first_open(open_start):
    first = np.inf
    for k in range(open_start.shape[0]):
        if open_start[k] < first:
            first = open_start[k]
    return first


@njit(cache=True)
def _append_closed(det, start, end, station):
    m = det.i[_NCLOSED]
    if m >= det.i[_CAP]:
        raise RuntimeError("bottleneck detector: closed-period buffer full (reports out of time order?)")
    det.c_start[m] = start
    det.c_end[m] = end
    det.c_st[m] = station
    m += 1
    det.i[_NCLOSED] = m
    if m > det.i[_HIGH]:
        det.i[_HIGH] = m


@njit(cache=True)
def _flush_pending(det):
    end = det.f[_PENDING_S]
    first_open = _first_open(det.open_start)
    for k in range(det.i[_NPEND]):
        station = det.pend_st[k]
        start = det.pend_start[k]
        det.pend_idx[station] = -1
        if start > first_open:
            continue  # inside another station's open period, which will be longer
        _append_closed(det, start, end, station)
    det.i[_NPEND] = 0
    if det.i[_NCLOSED] >= det.i[_BATCH_I]:
        frontier = first_open if first_open < np.inf else end  # ActivePeriods._frontier(end)
        _resolve(det, frontier)


# -- resolution and the sweep ---------------------------------------------------------------------

@njit(cache=True)
def _resolve(det, frontier):
    """Credit the decided time [decided_until, max(decided_until, frontier)) and keep the closed
    periods that reach beyond it (ActivePeriods._resolve, with its sweep's events built in the
    same pass)."""
    lo = det.f[_DECIDED]
    hi = frontier if frontier > lo else lo  # max(lo, frontier)
    count_from = det.f[_COUNT_FROM]
    sweep_lo = count_from if count_from > lo else lo  # max(lo, count_from)
    c_start, c_end, c_st = det.c_start, det.c_end, det.c_st
    ev_x, ev_kind, ev_st, ev_len = det.ev_x, det.ev_kind, det.ev_st, det.ev_len
    keep = 0
    m = 0
    for k in range(det.i[_NCLOSED]):
        start = c_start[k]
        end = c_end[k]
        st = c_st[k]
        if start > frontier:
            continue  # inside an open period that will be longer: never the bottleneck
        if end > lo:
            # used by the sweep (ActivePeriods._sweep's clipping)
            a = sweep_lo if sweep_lo > start else start  # max(start, lo)
            b = hi if hi < end else end  # min(end, hi)
            if b > a:
                length = end - start
                ev_x[m] = a
                ev_kind[m] = 1
                ev_st[m] = st
                ev_len[m] = length
                ev_x[m + 1] = b
                ev_kind[m + 1] = 0
                ev_st[m + 1] = st
                ev_len[m + 1] = length
                m += 2
            if end > hi:
                c_start[keep] = start
                c_end[keep] = end
                c_st[keep] = st
                keep += 1
    if hi > lo and m > 0 and hi > sweep_lo:
        _sweep(det, m, sweep_lo)
    det.i[_NCLOSED] = keep
    det.f[_DECIDED] = hi


@njit(cache=True)
def _after(det, p, q):
    """Event p sorts after event q on (kind, station, length) (their x being equal)."""
    if det.ev_kind[p] != det.ev_kind[q]:
        return det.ev_kind[p] > det.ev_kind[q]
    if det.ev_st[p] != det.ev_st[q]:
        return det.ev_st[p] > det.ev_st[q]
    return det.ev_len[p] > det.ev_len[q]


@njit(cache=True)
def _event_order(det, m):
    """Indices of the first ``m`` events in the order of Python's sort of the tuples
    ``(x, kind, station, length)``: argsort on x, then each run of equal x (at most two events
    per station) by insertion on the rest of the key."""
    ev_x = det.ev_x
    order = np.argsort(ev_x[:m])
    j = 0
    while j < m:
        x = ev_x[order[j]]
        r = j + 1
        while r < m and ev_x[order[r]] == x:
            r += 1
        for p in range(j + 1, r):
            e = order[p]
            q = p
            while q > j and _after(det, order[q - 1], e):
                order[q] = order[q - 1]
                q -= 1
            order[q] = e
        j = r
    return order


@njit(cache=True)
def _sweep(det, m, lo):
    """Credit [lo, hi) to the stations whose covering period is longest (ActivePeriods._sweep;
    hi is the last event's x)."""
    ev_x = det.ev_x
    order = _event_order(det, m)
    cov_list, cov_pos, cov_len = det.cov_list, det.cov_pos, det.cov_len
    credit = det.bottleneck_s
    n_cov = 0
    prev = lo
    for j in range(m):
        e = order[j]
        x = ev_x[e]
        if x > prev and n_cov > 0:
            if n_cov == 1:
                credit[cov_list[0]] += x - prev
            else:
                best = cov_len[cov_list[0]]
                for c in range(1, n_cov):
                    v = cov_len[cov_list[c]]
                    if v > best:
                        best = v
                winners = 0
                for c in range(n_cov):
                    if cov_len[cov_list[c]] == best:
                        winners += 1
                share = (x - prev) / winners
                for c in range(n_cov):
                    k = cov_list[c]
                    if cov_len[k] == best:
                        credit[k] += share
        prev = x
        st = det.ev_st[e]
        if det.ev_kind[e]:
            if cov_pos[st] < 0:
                cov_pos[st] = n_cov
                cov_list[n_cov] = st
                n_cov += 1
            cov_len[st] = det.ev_len[e]
        else:
            c = cov_pos[st]
            if c >= 0:  # covering.pop(st, None)
                n_cov -= 1
                last = cov_list[n_cov]
                cov_list[c] = last
                cov_pos[last] = c
                cov_pos[st] = -1
    for c in range(n_cov):  # leave the scratch clean (every period ends by hi: n_cov is 0 here)
        cov_pos[cov_list[c]] = -1
