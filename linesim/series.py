"""Time series of one replication: per-period counters and time-weighted buffer occupancy.

Stage: used by the engines (where to stop and what to read) and by simulate (the arithmetic);
no SimPy, numba, pandas or files here.

Both engines run a replication in steps to each period boundary and take a *read-only*
snapshot there (``boundaries``): good exits, scrapped, lost, entered, the WIP and every edge's
level, and their time integrals brought up to the boundary without being stored (an engine's
own accumulators are not split, so the run's other results stay bit-identical). ``periods``
turns the snapshots into per-period figures. Stopping at a boundary does not change the order
of events: SimPy's stop event is urgent (it goes before the events due at that instant, which
run in the next step in their own order) and the fast engine stops the same way.

The occupancy histogram is accumulated inside the engines, where they integrate an edge's level
(``level_bins`` says how many levels an edge has); a run reports the time spent at each level
over the observation window (counters after minus before).

Period length (``period_length``): a week when the horizon is 8 weeks or more, a day from 2
days, else an hour; periods are numbered from t = 0 (week 1 = days 0-7), the last one ends with
the observation window (it may be short), and the period holding the warm-up's end is split
there, so that every period lies either wholly in the warm-up or wholly in the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from .units import DAY, HOUR, WEEK

OPEN_BINS = 64  # an unlimited edge: levels 0..62, and the last bin for 63 or more
MAX_BINS = 1001  # a finite edge of more than 1000 places: the last bin for 1000 or more


def period_length(horizon_s: float) -> tuple[str, float]:
    """("week", 7 d) for a horizon of 8 weeks or more, ("day", 1 d) from 2 days, else
    ("hour", 1 h)."""
    if horizon_s >= 8 * WEEK:
        return "week", WEEK
    if horizon_s >= 2 * DAY:
        return "day", DAY
    return "hour", HOUR


def boundaries(start_t: float, end_t: float, horizon_s: float) -> list[float]:
    """The snapshot times after t = 0, increasing: every k × period before ``end_t``, the
    warm-up's end ``start_t`` (if > 0) and ``end_t`` (the last)."""
    _, length = period_length(horizon_s)
    times = {start_t, end_t} - {0.0}
    k = 1
    while k * length < end_t:
        times.add(k * length)
        k += 1
    return sorted(times)


def level_bins(capacity: float) -> int:
    """Levels an edge's occupancy histogram has: capacity + 1 (levels 0..capacity), at most
    ``MAX_BINS``; ``OPEN_BINS`` for an unlimited edge. The last bin counts every level from its
    own up when the edge can hold more (``open_top``)."""
    if math.isinf(capacity):
        return OPEN_BINS
    return min(int(capacity) + 1, MAX_BINS)


def open_top(capacity: float) -> bool:
    """True when the last level of ``level_bins`` means "that many or more"."""
    return math.isinf(capacity) or int(capacity) + 1 > MAX_BINS


def integral(area: float, level: int, t_last: float, t: float) -> float:
    """A time integral brought up to ``t`` without storing it: the very float operation both
    engines use when they integrate (``area += level * (now - t_last)``)."""
    return area + level * (t - t_last)


@dataclass(frozen=True)
class Periods:
    """Per-period figures of one replication, from t = 0 to the end of the observation window
    (warm-up included, marked). Lists are per period, in time order; ``level_*`` per edge (in
    ``RunResult.buffers`` order), then per period."""

    name: str  # "week", "day" or "hour"
    length_s: float
    t: list[float]  # the n + 1 boundaries (calendar s): 0, ..., end of the window
    number: list[int]  # 1-based number of the period from t = 0 (week 1 = days 0 to 7)
    in_warmup: list[bool]  # the period ends at or before the warm-up's end
    scheduled_h: list[float]  # scheduled hours on the output calendar
    output: list[int]  # good units out
    scrapped: list[int]
    lost: list[int]  # arrivals turned away
    entered: list[int]
    wip_end: list[int]  # parts in the plant at the period's end
    wip_mean: list[float]  # time-weighted over the period
    level_end: list[list[int]]  # per edge: parts on it at the period's end
    level_mean: list[list[float]]  # per edge: time-weighted mean over the period


def periods(horizon_s: float, start_t: float, snapshots: list[dict],
            sched: Callable[[float], float]) -> Periods:
    """Per-period figures from the engines' snapshots (the first at t = 0, then one per
    boundary); ``sched`` is the output calendar's scheduled seconds at a time."""
    name, length = period_length(horizon_s)
    t = [s["t"] for s in snapshots]
    n = len(snapshots) - 1
    pairs = list(zip(snapshots[:-1], snapshots[1:]))

    def delta(key):
        return [b[key] - a[key] for a, b in pairs]

    n_e = len(snapshots[0]["level"])
    return Periods(
        name=name,
        length_s=length,
        t=t,
        number=[int(t[i] // length) + 1 for i in range(n)],
        in_warmup=[t[i + 1] <= start_t for i in range(n)],
        scheduled_h=[(sched(t[i + 1]) - sched(t[i])) / HOUR for i in range(n)],
        output=delta("exited"),
        scrapped=delta("scrapped"),
        lost=delta("lost"),
        entered=delta("entered"),
        wip_end=[b["wip"] for _, b in pairs],
        wip_mean=[(b["wip_area"] - a["wip_area"]) / (b["t"] - a["t"]) for a, b in pairs],
        level_end=[[b["level"][e] for _, b in pairs] for e in range(n_e)],
        level_mean=[[(b["area"][e] - a["area"][e]) / (b["t"] - a["t"]) for a, b in pairs]
                    for e in range(n_e)],
    )
