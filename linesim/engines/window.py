"""What an engine returns for one replication: the shared contract between engines and statistics.

Stage: engines (SimPy or compiled) ─► **Window** ─► simulate.summarize (RunResult).

An engine runs replication r of a scenario from t = 0 to the end of the observation window and
returns a ``Window``: the counters snapshot at the window's start and at its end (exactly the
format of ``engines.simpy.model.Line.counters``), the seconds of scheduled time each station was
the momentary bottleneck, every edge (buffer, rework lane, arrival queue) in the model's order
and its maximum level since the window's start, and the per-period snapshots
(``series``). The counters include ``buffer_level_s``: per edge, the seconds spent at each level
since t = 0 (``series.level_bins`` levels). ``simulate.summarize`` turns that into a
RunResult with one piece of arithmetic for both engines.

``observation(scenario)`` is the observation window both engines use (the output stations'
calendar, the window after the warm-up), with the one refusal of a window that holds no
scheduled time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..calendars import Calendar, build_calendar, clock, observation_window
from ..scenario import Scenario


@dataclass(frozen=True)
class BufferInfo:
    upstream: Optional[str]  # upstream station; None for an arrival queue
    downstream: str
    kind: str  # "buffer", "conveyor", "rework" (lane) or "queue" (arrivals)
    capacity: float  # waiting places; math.inf = unlimited


@dataclass
class Window:
    engine: str  # "simpy" | "fast"
    start_t: float  # calendar seconds of the observation window
    end_t: float
    before: dict  # counters snapshot at start_t, exactly model.Line.counters() format
    after: dict  # at end_t
    bottleneck_s: list[float]  # per station: scheduled s in the window it was the momentary
    #                            bottleneck
    buffers: list[BufferInfo]  # every edge, in model.Line.buffers order
    buffer_max: list[int]  # per edge: max level since the window start
    trace: Optional[dict] = None  # station name -> per server [(t, state), ...] change points
    # Read-only snapshots at t = 0 and at every period boundary (``series.boundaries``): t,
    # exited, scrapped, lost, entered, wip, wip_area, and per edge its level and area (time
    # integrals up to t, not stored in the engine); ``series.periods`` makes periods of them.
    snapshots: list[dict] = field(default_factory=list)


def observation(scenario: Scenario) -> tuple[Calendar, float, float]:
    """(output calendar, start, end) of the observation window in calendar seconds: it starts
    when ``run.warmup`` seconds of scheduled time have elapsed and lasts ``run.horizon`` seconds
    of calendar time. ValueError when it holds no scheduled time (nothing to observe or rate)."""
    calendar = build_calendar(scenario.output_calendar())  # the reference: output stations'
    start_t, end_t = observation_window(calendar, scenario.run.warmup, scenario.run.horizon)
    if calendar.sched(end_t) - calendar.sched(start_t) <= 0:
        raise ValueError(
            f"the observation window ({clock(start_t)} to {clock(end_t)}, after the warm-up of "
            f"run.warmup, for run.horizon) holds no scheduled time on the output calendar: "
            "lengthen run.horizon or change run.warmup")
    return calendar, start_t, end_t
