"""The active-period bottleneck detector for the compiled engine, in numba.

The same algorithm as :class:`linesim.bottleneck.ActivePeriods` (Roser, Nakano & Tanaka, 2001;
read its docstring for the method), rewritten as ``@njit`` functions over preallocated numpy
arrays so that the compiled engine's event loop can report without calling Python:

    det = new_state(n_stations, count_from_s)          # Python: allocate once per replication
    report_open(det, station, s)                       # njit, callable from another njit function
    report_close(det, station, s)                      # njit
    bottleneck_s = finish(det, s)                      # njit, float64[n_stations]
    replay(det, kinds, stations, times)                # njit: feed arrays of reports (1 = open)

``det`` is a :data:`DetectorState`, a namedtuple of two flat arrays, ``f`` (float64) and ``i``
(int64): a header of scalars, then the named regions of ``_LAYOUT`` (open_start, the pending
periods, the closed-period buffer, the sweep's events, ...). Inside the module each region is
read through an accessor (``_open_start(det)`` ...) that returns a view; :func:`view` gives
them all by name, for tests and debugging. The state persists across calls; nothing is
allocated after ``new_state`` until ``finish`` returns its copy of the result.

Speed (~15 ns per report on the SimPy engine's recorded phase-1 stream, ActivePeriods ~470 ns),
and why the state looks like this:

- Every function that takes the state, except ``finish``, is compiled without numba's reference
  counting (``_nrt=False``, a numba compiler flag): they never allocate. With it, a jitted
  function that calls another one (or loops) keeps an increment and a decrement of every array
  it is given at every call (~14 ns per array): ~475 ns per report with one array per field,
  no faster than ActivePeriods in Python. The caller (the compiled engine) keeps reference
  counting; calling a function compiled without it is an ordinary call. For the same reason
  nothing below a report may allocate: the sort is hand-written on preallocated index buffers
  (numpy's argsort allocates), and the buffer capacity is checked with a flag, not an exception.
- Two arrays, not one per field: numba passes each array as 7 scalar arguments, so a call with
  19 arrays passes 133 of them: ~30 ns per report against ~15 ns with two.

Equal to ActivePeriods bit for bit, on any report stream in time order: every step does the
same floating-point operations in the same order.

- The pending periods (closed at ``pending_s``, held back for the zero-length-gap merge) keep
  the dict's insertion order: a merge removes its entry by shifting the later ones down, as
  ``dict.pop`` does, so the closed buffer holds the same periods in the same order as the
  Python list (the tests compare the buffers themselves, not only the results).
- ``max(a, b)``/``min(a, b)`` are written as Python evaluates them (the first argument unless
  the second is strictly larger/smaller). ``min(open_start)`` is kept up to date as the starts
  change (exact: a minimum involves no rounding), with a scan only when the station holding it
  closes: O(1) instead of O(stations) per flush in the common case.
- The sweep's events are put in the order of Python's tuple sort ``(x, kind, station,
  length)``, by a merge sort comparing the full key. (On a valid stream the order within one
  ``x`` cannot change a result: credit is given only when ``x`` moves on, after every event at
  the previous ``x``; and a station never has one period ending where its next one starts,
  since the two are merged first. The full key is kept anyway, as in Python.) Each interval
  ``[prev, x)`` is credited as ``x - prev`` to a sole covering station or as
  ``(x - prev) / n_winners`` to each of the stations whose covering period is longest; each
  station's total is a sum of the same terms in the same (chronological) order as in Python.
  The order in which the winners of one interval are credited differs from the dict's, but
  each winner is a different station, so no sum is affected.

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
``view(det)["high_water"]`` is the largest number of closed periods held, for the memory test.

Written by hand (no library offers this detector), as a transcription of ActivePeriods, which
stays the reference: the SimPy engine uses it unchanged. The sort is hand-written too (see
above).
"""

from __future__ import annotations

import collections

import numpy as np
from numba import njit

from ... import bottleneck

DetectorState = collections.namedtuple("DetectorState", ["f", "i"])

# f's header
_PENDING_S, _DECIDED, _COUNT_FROM, _FIRST = range(4)  # _FIRST: min(open_start), see _set_open
_F_HEAD = 4
# i's header
_NPEND, _NCLOSED, _BATCH, _CAP, _HIGH, _OVERFLOW, _STALE, _N = range(8)
_I_HEAD = 8

# The regions after each header, in order: (name, array, length in stations, in capacities).
# The accessors below follow this table (the tests read the state through ``view``, built from
# it, and compare it with ActivePeriods').
_LAYOUT = (
    ("open_start", "f", 1, 0),  # start of each station's open period, inf when none
    ("pend_start", "f", 1, 0),  # starts of the pending periods (closed at pending_s), in order
    ("cov_len", "f", 1, 0),  # sweep: length of the covering period, per covering station
    ("bottleneck_s", "f", 1, 0),  # credited scheduled seconds per station
    ("c_start", "f", 0, 1), ("c_end", "f", 0, 1),  # closed periods (start, end, station)
    ("ev_x", "f", 0, 2), ("ev_len", "f", 0, 2),  # the sweep's events (x, kind, station, length)
    ("pend_st", "i", 1, 0),  # stations of the pending periods, in insertion order
    ("pend_idx", "i", 1, 0),  # position of a station in pend_st, -1 when not pending
    ("cov_list", "i", 1, 0),  # sweep: stations covering the sweep point
    ("cov_pos", "i", 1, 0),  # sweep: their positions in cov_list, -1 when not covering
    ("c_st", "i", 0, 1),
    ("ev_kind", "i", 0, 2), ("ev_st", "i", 0, 2),
    ("ev_order", "i", 0, 2), ("ev_tmp", "i", 0, 2),  # the sort's index buffers
)

# State functions: no reference counting (module docstring), no division check (the divisor
# is never 0), cached; the small helpers are inlined into their callers.
_jit = njit(cache=True, error_model="numpy", _nrt=False)
_inline = njit(cache=True, error_model="numpy", _nrt=False, inline="always")


def capacity(n_stations: int, batch: int) -> int:
    """Closed periods the buffer can ever hold at once (see the module docstring)."""
    return max(batch, n_stations) + n_stations


def _regions(n: int, cap: int) -> dict:
    """name -> (array name, offset, length), from _LAYOUT."""
    out, end = {}, {"f": _F_HEAD, "i": _I_HEAD}
    for name, arr, per_n, per_cap in _LAYOUT:
        length = per_n * n + per_cap * cap
        out[name] = (arr, end[arr], length)
        end[arr] += length
    out["_end"] = (None, end["f"], end["i"])
    return out


def new_state(n_stations: int, count_from_s: float = 0.0,
              batch: int | None = None) -> DetectorState:
    """A fresh detector for ``n_stations``; time counts from scheduled second ``count_from_s``.
    ``batch`` (default: ActivePeriods' ``_BATCH``, read now) is the closed-buffer length that
    triggers a resolve; the same value as ActivePeriods' gives identical results."""
    n = int(n_stations)
    batch = int(bottleneck._BATCH if batch is None else batch)
    cap = capacity(n, batch)
    _, f_len, i_len = _regions(n, cap)["_end"]
    det = DetectorState(np.zeros(f_len), np.zeros(i_len, np.int64))
    det.f[:_F_HEAD] = [0.0, 0.0, float(count_from_s), np.inf]
    det.i[:_I_HEAD] = [0, 0, batch, cap, 0, 0, 0, n]
    v = view(det)
    v["open_start"][:] = np.inf
    v["pend_idx"][:] = -1
    v["cov_pos"][:] = -1
    return det


def view(det: DetectorState) -> dict:
    """The state by name: the regions as numpy views into ``det``, the header as numbers."""
    f, i = det
    out = {"n_pending": int(i[_NPEND]), "n_closed": int(i[_NCLOSED]), "batch": int(i[_BATCH]),
           "capacity": int(i[_CAP]), "high_water": int(i[_HIGH]), "overflow": bool(i[_OVERFLOW]),
           "first_open_stale": bool(i[_STALE]), "n": int(i[_N]),
           "pending_s": float(f[_PENDING_S]), "decided_until": float(f[_DECIDED]),
           "count_from": float(f[_COUNT_FROM]), "first_open": float(f[_FIRST])}
    for name, (arr, offset, length) in _regions(int(i[_N]), int(i[_CAP])).items():
        if arr is not None:
            out[name] = det._asdict()[arr][offset:offset + length]
    return out


# accessors (offsets as in _regions; n = i[_N], cap = i[_CAP])

@_inline
def _open_start(det):
    n = det.i[_N]
    return det.f[_F_HEAD:_F_HEAD + n]


@_inline
def _pend_start(det):
    n = det.i[_N]
    return det.f[_F_HEAD + n:_F_HEAD + 2 * n]


@_inline
def _cov_len(det):
    n = det.i[_N]
    return det.f[_F_HEAD + 2 * n:_F_HEAD + 3 * n]


@_inline
def _bottleneck_s(det):
    n = det.i[_N]
    return det.f[_F_HEAD + 3 * n:_F_HEAD + 4 * n]


@_inline
def _c_start(det):
    o = _F_HEAD + 4 * det.i[_N]
    return det.f[o:o + det.i[_CAP]]


@_inline
def _c_end(det):
    cap = det.i[_CAP]
    o = _F_HEAD + 4 * det.i[_N] + cap
    return det.f[o:o + cap]


@_inline
def _ev_x(det):
    cap = det.i[_CAP]
    o = _F_HEAD + 4 * det.i[_N] + 2 * cap
    return det.f[o:o + 2 * cap]


@_inline
def _ev_len(det):
    cap = det.i[_CAP]
    o = _F_HEAD + 4 * det.i[_N] + 4 * cap
    return det.f[o:o + 2 * cap]


@_inline
def _pend_st(det):
    n = det.i[_N]
    return det.i[_I_HEAD:_I_HEAD + n]


@_inline
def _pend_idx(det):
    n = det.i[_N]
    return det.i[_I_HEAD + n:_I_HEAD + 2 * n]


@_inline
def _cov_list(det):
    n = det.i[_N]
    return det.i[_I_HEAD + 2 * n:_I_HEAD + 3 * n]


@_inline
def _cov_pos(det):
    n = det.i[_N]
    return det.i[_I_HEAD + 3 * n:_I_HEAD + 4 * n]


@_inline
def _c_st(det):
    o = _I_HEAD + 4 * det.i[_N]
    return det.i[o:o + det.i[_CAP]]


@_inline
def _ev_kind(det):
    cap = det.i[_CAP]
    o = _I_HEAD + 4 * det.i[_N] + cap
    return det.i[o:o + 2 * cap]


@_inline
def _ev_st(det):
    cap = det.i[_CAP]
    o = _I_HEAD + 4 * det.i[_N] + 3 * cap
    return det.i[o:o + 2 * cap]


@_inline
def _ev_order(det):
    cap = det.i[_CAP]
    o = _I_HEAD + 4 * det.i[_N] + 5 * cap
    return det.i[o:o + 2 * cap]


@_inline
def _ev_tmp(det):
    cap = det.i[_CAP]
    o = _I_HEAD + 4 * det.i[_N] + 7 * cap
    return det.i[o:o + 2 * cap]


# -- reports (ActivePeriods.open / close) ---------------------------------------------------------

@_jit
def report_open(det, station, s):
    """Station ``station`` becomes active at scheduled second ``s`` (ActivePeriods.open)."""
    if det.i[_NPEND] > 0:
        if s == det.f[_PENDING_S] and _pend_idx(det)[station] >= 0:
            _set_open(det, station, _pending_pop(det, station))
            return
        if s > det.f[_PENDING_S]:
            _flush_pending(det)
    _set_open(det, station, s)


@_jit
def report_close(det, station, s):
    """Station ``station`` starts waiting at scheduled second ``s`` (ActivePeriods.close)."""
    if det.i[_NPEND] > 0 and s > det.f[_PENDING_S]:
        _flush_pending(det)
    start = _open_start(det)[station]
    _set_open(det, station, np.inf)
    if s > start:
        _pending_put(det, station, start)
        det.f[_PENDING_S] = s


@_jit
def _finish(det, s):
    if det.i[_NPEND] > 0:
        _flush_pending(det)
    open_start = _open_start(det)
    for k in range(open_start.shape[0]):
        if open_start[k] < np.inf:
            _append_closed(det, open_start[k], s, k)
            open_start[k] = np.inf
    det.f[_FIRST] = np.inf
    det.i[_STALE] = 0
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
    return _bottleneck_s(det).copy()


@_jit
def replay(det, kinds, stations, times):
    """Feed a stream of reports held in arrays: ``kinds[k]`` 1 = open, 0 = close."""
    for k in range(kinds.shape[0]):
        if kinds[k]:
            report_open(det, stations[k], times[k])
        else:
            report_close(det, stations[k], times[k])


@_inline
def _set_open(det, station, v):
    """open_start[station] = v, keeping f[_FIRST] == min(open_start) unless i[_STALE] is set
    (when the station holding the minimum moves up; _flush_pending then scans)."""
    open_start = _open_start(det)
    old = open_start[station]
    open_start[station] = v
    first = det.f[_FIRST]
    if v < first:
        det.f[_FIRST] = v
    elif old <= first and v > old:
        det.i[_STALE] = 1


# -- pending periods: an insertion-ordered map station -> start -----------------------------------

@_inline
def _pending_put(det, station, start):
    pend_idx = _pend_idx(det)
    k = pend_idx[station]
    if k < 0:  # a new key goes last (a dict assignment to an existing key keeps its place)
        k = det.i[_NPEND]
        _pend_st(det)[k] = station
        pend_idx[station] = k
        det.i[_NPEND] = k + 1
    _pend_start(det)[k] = start


@_inline
def _pending_pop(det, station):
    pend_st, pend_start, pend_idx = _pend_st(det), _pend_start(det), _pend_idx(det)
    k = pend_idx[station]
    start = pend_start[k]
    last = det.i[_NPEND] - 1
    for j in range(k, last):  # keep the order of the rest, as dict.pop does
        st = pend_st[j + 1]
        pend_st[j] = st
        pend_start[j] = pend_start[j + 1]
        pend_idx[st] = j
    pend_idx[station] = -1
    det.i[_NPEND] = last
    return start


@_inline
def _append_closed(det, start, end, station):
    m = det.i[_NCLOSED]
    if m >= det.i[_CAP]:  # impossible in time order (module docstring); finish raises
        det.i[_OVERFLOW] = 1
        return
    _c_start(det)[m] = start
    _c_end(det)[m] = end
    _c_st(det)[m] = station
    m += 1
    det.i[_NCLOSED] = m
    if m > det.i[_HIGH]:
        det.i[_HIGH] = m


@_jit
def _flush_pending(det):
    end = det.f[_PENDING_S]
    if det.i[_STALE]:  # min(open_start)
        open_start = _open_start(det)
        first_open = np.inf
        for k in range(open_start.shape[0]):
            if open_start[k] < first_open:
                first_open = open_start[k]
        det.f[_FIRST] = first_open
        det.i[_STALE] = 0
    first_open = det.f[_FIRST]
    pend_st, pend_start, pend_idx = _pend_st(det), _pend_start(det), _pend_idx(det)
    for k in range(det.i[_NPEND]):
        station = pend_st[k]
        start = pend_start[k]
        pend_idx[station] = -1
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
    c_start, c_end, c_st = _c_start(det), _c_end(det), _c_st(det)
    ev_x, ev_kind, ev_st, ev_len = _ev_x(det), _ev_kind(det), _ev_st(det), _ev_len(det)
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


@_inline
def _before(ev_x, ev_kind, ev_st, ev_len, p, q):
    """Event p sorts strictly before event q on (x, kind, station, length)."""
    if ev_x[p] != ev_x[q]:
        return ev_x[p] < ev_x[q]
    if ev_kind[p] != ev_kind[q]:
        return ev_kind[p] < ev_kind[q]
    if ev_st[p] != ev_st[q]:
        return ev_st[p] < ev_st[q]
    return ev_len[p] < ev_len[q]


_RUN = 16  # insertion-sorted runs, then merged


@_jit
def _event_order(det, m):
    """Sort the first ``m`` events' indices in the order of Python's sort of the tuples
    ``(x, kind, station, length)``: a stable merge sort (insertion-sorted runs, then bottom-up
    merges) in the preallocated index buffers. Returns True when the order ended in
    ``ev_order``, False when in ``ev_tmp``."""
    ev_x, ev_kind, ev_st, ev_len = _ev_x(det), _ev_kind(det), _ev_st(det), _ev_len(det)
    in_order = True
    src, dst = _ev_order(det), _ev_tmp(det)
    for j in range(m):
        src[j] = j
    lo = 0  # (while loops: a range with a step has an exception path for a zero step)
    while lo < m:
        hi = min(lo + _RUN, m)
        for p in range(lo + 1, hi):
            e = src[p]
            q = p
            while q > lo and _before(ev_x, ev_kind, ev_st, ev_len, e, src[q - 1]):
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
                # the left one first on equal keys (stable)
                if _before(ev_x, ev_kind, ev_st, ev_len, src[b], src[a]):
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
    order = _ev_order(det) if _event_order(det, m) else _ev_tmp(det)
    cov_list, cov_pos, cov_len = _cov_list(det), _cov_pos(det), _cov_len(det)
    credit = _bottleneck_s(det)
    ev_x, ev_kind, ev_st, ev_len = _ev_x(det), _ev_kind(det), _ev_st(det), _ev_len(det)
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
        st = ev_st[e]
        if ev_kind[e]:
            if cov_pos[st] < 0:
                cov_pos[st] = n_cov
                cov_list[n_cov] = st
                n_cov += 1
            cov_len[st] = ev_len[e]
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
