"""One replication on the SimPy engine: build the line, run to the window, snapshot, run to its end.

Stage: Scenario ─► model (SimPy) ─► **run** ─► Window ─► simulate.summarize.

The run stops at every period boundary (``series.boundaries``) for a read-only snapshot:
``env.run(until=b)`` schedules an urgent stop event, which goes before every event due at ``b``,
so the steps do not change the order of events.
"""

from __future__ import annotations

from typing import Callable, Optional

import simpy

from ...scenario import Scenario
from ...series import boundaries
from ..window import BufferInfo, Window, observation
from .model import Line


def run_window(scenario: Scenario, replication: int, *, trace: bool = False,
               on_period: Optional[Callable[[float], None]] = None) -> Window:
    """Simulate replication ``replication`` of ``scenario`` (seeded by its run block) up to the
    end of the observation window; the counters at its start and end, and the snapshots at
    every period boundary (``on_period(t)`` is called after each)."""
    calendar, start_t, end_t = observation(scenario)
    env = simpy.Environment()
    line = Line(env, scenario, calendar, replication, warmup_s=scenario.run.warmup, trace=trace)
    snapshots = [line.snapshot(0.0)]
    if start_t == 0:
        before = line.counters(0.0)
        line.reset_buffer_maxima()
    for t in boundaries(start_t, end_t, scenario.run.horizon):
        env.run(until=t)
        if t == start_t:
            before = line.counters(start_t)
            line.reset_buffer_maxima()
        snapshots.append(line.snapshot(t))
        if on_period is not None:
            on_period(t)
    after = line.counters(end_t)
    return Window(
        engine="simpy",
        start_t=start_t,
        end_t=end_t,
        before=before,
        after=after,
        bottleneck_s=line.detector.finish(after["sched_s"]),
        buffers=[BufferInfo(b.upstream, b.downstream, b.kind, b.capacity) for b in line.buffers],
        buffer_max=[b.max_level for b in line.buffers],
        trace=({st.spec.name: [c.trace for c in st.clocks] for st in line.stations}
               if trace else None),
        snapshots=snapshots,
    )
