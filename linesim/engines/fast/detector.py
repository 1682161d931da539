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
capacity, closed high-water mark, overflow flag). The state persists across calls; nothing is
allocated after ``new_state`` until ``finish`` returns its copy of the result.

Every function that takes the state, except ``finish``, is compiled without numba's reference
counting (``_nrt=False``, a numba compiler flag): they never allocate. With reference counting,
a jitted function that calls another one (or loops) keeps an increment and a decrement of every
array it is given at every call, which measured ~14 ns per array: ~240 ns per report with this
layout's 19 arrays, more than ActivePeriods' own Python time. Without it a report costs a few
nanoseconds plus the work. The caller (the compiled engine) keeps reference counting: calling a
function compiled without it is an ordinary call. For the same reason nothing below a report
may allocate: the sort is hand-written on preallocated index buffers (numpy's argsort
allocates), and the buffer capacity is checked with a flag, not an exception.

Equal to ActivePeriods bit for bit, on any report stream in time order: every step does the
same floating-point operations in the same order.

- The pending periods (closed at ``pending_s``, held back for the zero-length-gap merge) keep
  the dict's insertion order: a merge removes its entry by shifting the later ones down, as
  ``dict.pop`` does, so the closed buffer holds the same periods in the same order as the
  Python list (the tests compare the buffers themselves, not only the results).
- ``max(a, b)``/``min(a, b)`` are written as Python evaluates them (the first argument unless
  the second is strictly larger/smaller), ``min(open_start)`` as a scan.
- The sweep's events are put in the order of Python's tuple sort ``(x, kind, station,
  length)``, by a merge sort comparing the full key. (On a valid stream the order within one
  ``x`` cannot change a result: credit is given only when ``x`` moves on, after every event at
  the previous ``x``; and a station never has one period ending where its next one starts,
  since the two are merged first. The full key is kept anyway, as in Python.) Each interval
  ``[prev, x)`` is credited as ``x - prev`` to a sole covering station or ``(x - prev) / n_winners`` to each of the
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
The capacity is still checked on every append (one compare): a stream out of time order sets the
overflow flag instead of writing out of bounds, and ``finish`` raises ``RuntimeError``.
``i[4]`` keeps the largest number of closed periods held, for the memory test.

Written by hand (no library offers this detector), as a transcription of ActivePeriods, which
stays the reference: the SimPy engine uses it unchanged. The sort is hand-written too (see
above).
"""

from __future__ import annotations

import collections

import numpy as np
from numba import njit

from ... import bottleneck

DetectorState = collections.namedtuple("DetectorState", [
    "open_start",  # float64[n]: start of each station's open period, inf when none
    "pend_st",  # int64[n]: stations with a period closed at pending_s, in insertion order
    "pend_start",  # float64[n]: their starts
    "pend_idx",  # int64[n]: position of a station in pend_st, -1 when not pending
    "c_start", "c_end", "c_st",  # closed periods (start, end, station), [capacity]
    "ev_x", "ev_kind", "ev_st", "ev_len",  # the sweep's events, [2 * capacity]
    "ev_order", "ev_tmp",  # int64[2 * capacity]: the sort's index buffers
    "cov_list", "cov_pos", "cov_len",  # stations covering the sweep point, position, length
    "bottleneck_s",  # float64[n]: credited scheduled seconds
    "f",  # float64[3]: pending_s, decided_until, count_from
    "i",  # int64[6]: n_pending, n_closed, batch, capacity, high-water mark of n_closed, overflow
])

# indices into f and i
_PENDING_S, _DECIDED, _COUNT_FROM = 0, 1, 2
_NPEND, _NCLOSED, _BATCH, _CAP, _HIGH, _OVERFLOW = 0, 1, 2, 3, 4, 5

# State functions: no reference counting (module docstring), no division check (the divisor
# is never 0), cached; the small helpers are inlined into their callers.
_jit = njit(cache=True, error_model="numpy", _nrt=False)
_inline = njit(cache=True, error_model="numpy", _nrt=False, inline="always")


def capacity(n_stations: int, batch: int) -> int:
    """Closed periods the buffer can ever hold at once (see the module docstring)."""
    return max(batch, n_stations) + n_stations


def new_state(n_stations: int, count_from_s: float = 0.0, batch: int | None = None) -> DetectorState:
    """A fresh detector for ``n_stations``; time counts from scheduled second ``count_from_s``.
    ``batch`` (default: ActivePeriods' ``_BATCH``, read now) is the closed-buffer length that
    triggers a resolve; the same value as ActivePeriods' gives identical results."""
    n = int(n_stations)
    batch = int(bottleneck._BATCH if batch is None else batch)
    cap = capacity(n, batch)
    return DetectorState(
        open_start=np.full(n, np.inf),
        pend_st=np.zeros(n, np.int64),
        pend_start=np.zeros(n),
        pend_idx=np.full(n, -1, np.int64),
        c_start=np.zeros(cap), c_end=np.zeros(cap), c_st=np.zeros(cap, np.int64),
        ev_x=np.zeros(2 * cap), ev_kind=np.zeros(2 * cap, np.int64),
        ev_st=np.zeros(2 * cap, np.int64), ev_len=np.zeros(2 * cap),
        ev_order=np.zeros(2 * cap, np.int64), ev_tmp=np.zeros(2 * cap, np.int64),
        cov_list=np.zeros(n, np.int64), cov_pos=np.full(n, -1, np.int64), cov_len=np.zeros(n),
        bottleneck_s=np.zeros(n),
        f=np.array([0.0, 0.0, float(count_from_s)]),
        i=np.array([0, 0, batch, cap, 0, 0], np.int64),
    )


# -- reports (ActivePeriods.open / close) ---------------------------------------------------------

@_jit
def report_open(det, station, s):
    """Station ``station`` becomes active at scheduled second ``s`` (ActivePeriods.open)."""
    if det.i[_NPEND] > 0:
        if s == det.f[_PENDING_S] and det.pend_idx[station] >= 0:
            det.open_start[station] = _pending_pop(det, station)
            return
        if s > det.f[_PENDING_S]:
            _flush_pending(det)
    det.open_start[station] = s


@_jit
def report_close(det, station, s):
    """Station ``station`` starts waiting at scheduled second ``s`` (ActivePeriods.close)."""
    if det.i[_NPEND] > 0 and s > det.f[_PENDING_S]:
        _flush_pending(det)
    start = det.open_start[station]
    det.open_start[station] = np.inf
    if s > start:
        _pending_put(det, station, start)
        det.f[_PENDING_S] = s


@_jit
def _finish(det, s):
    if det.i[_NPEND] > 0:
        _flush_pending(det)
    for k in range(det.open_start.shape[0]):
        if det.open_start[k] < np.inf:
            _append_closed(det, det.open_start[k], s, k)
            det.open_start[k] = np.inf
    _resolve(det, s)
    return det.i[_OVERFLOW] == 0


@njit(cache=True)
def finish(det, s):
    """Close every open period at ``s`` (end of run), resolve everything and return the credited
    seconds per station (a new array). Raises RuntimeError if the closed buffer overflowed,
    which a stream in time order cannot do."""
    if not _finish(det, s):
        raise RuntimeError("bottleneck detector: closed-period buffer overflowed "
                           "(reports out of time order?)")
    return det.bottleneck_s.copy()


@_jit
def replay(det, kinds, stations, times):
    """Feed a stream of reports held in arrays: ``kinds[k]`` 1 = open, 0 = close."""
    for k in range(kinds.shape[0]):
        if kinds[k]:
            report_open(det, stations[k], times[k])
        else:
            report_close(det, stations[k], times[k])


# -- pending periods: an insertion-ordered map station -> start -----------------------------------

@_inline
def _pending_put(det, station, start):
    k = det.pend_idx[station]
    if k < 0:  # a new key goes last (a dict assignment to an existing key keeps its place)
        k = det.i[_NPEND]
        det.pend_st[k] = station
        det.pend_idx[station] = k
        det.i[_NPEND] = k + 1
    det.pend_start[k] = start


@_inline
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


@_inline
def _append_closed(det, start, end, station):
    m = det.i[_NCLOSED]
    if m >= det.i[_CAP]:  # impossible in time order (module docstring); finish raises
        det.i[_OVERFLOW] = 1
        return
    det.c_start[m] = start
    det.c_end[m] = end
    det.c_st[m] = station
    m += 1
    det.i[_NCLOSED] = m
    if m > det.i[_HIGH]:
        det.i[_HIGH] = m


@_jit
def _flush_pending(det):
    end = det.f[_PENDING_S]
    first_open = np.inf  # min(open_start)
    for k in range(det.open_start.shape[0]):
        if det.open_start[k] < first_open:
            first_open = det.open_start[k]
    for k in range(det.i[_NPEND]):
        station = det.pend_st[k]
        start = det.pend_start[k]
        det.pend_idx[station] = -1
        if start > first_open:
            continue  # inside another station's open period, which will be longer
        _append_closed(det, start, end, station)
    det.i[_NPEND] = 0
    if det.i[_NCLOSED] >= det.i[_BATCH]:
        _resolve(det, first_open if first_open < np.inf else end)  # ActivePeriods._frontier(end)


# -- resolution and the sweep ---------------------------------------------------------------------

@_jit
def _resolve(det, frontier):
    """Credit the decided time [decided_until, max(decided_until, frontier)) and keep the closed
    periods that reach beyond it (ActivePeriods._resolve, with its sweep's events built in the
    same pass)."""
    lo = det.f[_DECIDED]
    hi = frontier if frontier > lo else lo  # max(lo, frontier)
    count_from = det.f[_COUNT_FROM]
    sweep_lo = count_from if count_from > lo else lo  # max(lo, count_from)
    keep = 0
    m = 0
    for k in range(det.i[_NCLOSED]):
        start = det.c_start[k]
        end = det.c_end[k]
        st = det.c_st[k]
        if start > frontier:
            continue  # inside an open period that will be longer: never the bottleneck
        if end > lo:
            # used by the sweep (ActivePeriods._sweep's clipping)
            a = sweep_lo if sweep_lo > start else start  # max(start, lo)
            b = hi if hi < end else end  # min(end, hi)
            if b > a:
                length = end - start
                det.ev_x[m] = a
                det.ev_kind[m] = 1
                det.ev_st[m] = st
                det.ev_len[m] = length
                det.ev_x[m + 1] = b
                det.ev_kind[m + 1] = 0
                det.ev_st[m + 1] = st
                det.ev_len[m + 1] = length
                m += 2
            if end > hi:
                det.c_start[keep] = start
                det.c_end[keep] = end
                det.c_st[keep] = st
                keep += 1
    if hi > lo and m > 0 and hi > sweep_lo:
        _sweep(det, m, sweep_lo)
    det.i[_NCLOSED] = keep
    det.f[_DECIDED] = hi


@_inline
def _before(det, p, q):
    """Event p sorts strictly before event q on (x, kind, station, length)."""
    if det.ev_x[p] != det.ev_x[q]:
        return det.ev_x[p] < det.ev_x[q]
    if det.ev_kind[p] != det.ev_kind[q]:
        return det.ev_kind[p] < det.ev_kind[q]
    if det.ev_st[p] != det.ev_st[q]:
        return det.ev_st[p] < det.ev_st[q]
    return det.ev_len[p] < det.ev_len[q]


_RUN = 16  # insertion-sorted runs, then merged


@_jit
def _event_order(det, m):
    """Sort the first ``m`` events' indices in the order of Python's sort of the tuples
    ``(x, kind, station, length)``: a stable merge sort (insertion-sorted runs, then bottom-up
    merges) in the preallocated index buffers. Returns True when the order ended in
    ``ev_order``, False when in ``ev_tmp``."""
    in_order = True
    src, dst = det.ev_order, det.ev_tmp
    for j in range(m):
        src[j] = j
    lo = 0  # (while loops: a range with a step has an exception path for a zero step)
    while lo < m:
        hi = min(lo + _RUN, m)
        for p in range(lo + 1, hi):
            e = src[p]
            q = p
            while q > lo and _before(det, e, src[q - 1]):
                src[q] = src[q - 1]
                q -= 1
            src[q] = e
        lo = hi
    width = _RUN
    while width < m:
        lo = 0
        while lo < m:
            mid = min(lo + width, m)
            hi = min(lo + 2 * width, m)
            a, b, k = lo, mid, lo
            while a < mid and b < hi:
                if _before(det, src[b], src[a]):  # the left one first on equal keys
                    dst[k] = src[b]
                    b += 1
                else:
                    dst[k] = src[a]
                    a += 1
                k += 1
            while a < mid:
                dst[k] = src[a]
                a += 1
                k += 1
            while b < hi:
                dst[k] = src[b]
                b += 1
                k += 1
            lo = hi
        src, dst = dst, src
        in_order = not in_order
        width *= 2
    return in_order


@_jit
def _sweep(det, m, lo):
    """Credit [lo, hi) to the stations whose covering period is longest (ActivePeriods._sweep;
    hi is the last event's x)."""
    order = det.ev_order if _event_order(det, m) else det.ev_tmp
    cov_list, cov_pos, cov_len = det.cov_list, det.cov_pos, det.cov_len
    credit = det.bottleneck_s
    n_cov = 0
    prev = lo
    for j in range(m):
        e = order[j]
        x = det.ev_x[e]
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
