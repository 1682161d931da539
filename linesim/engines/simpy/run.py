"""One replication on the SimPy engine: build the line, run to the window, snapshot, run to its end.

Stage: Scenario ─► model (SimPy) ─► **run** ─► Window ─► simulate.summarize.
"""

from __future__ import annotations

import simpy

from ...scenario import Scenario
from ..window import BufferInfo, Window, observation
from .model import Line


def run_window(scenario: Scenario, replication: int, *, trace: bool = False) -> Window:
    """Simulate replication ``replication`` of ``scenario`` (seeded by its run block) up to the
    end of the observation window; the counters at its start and end."""
    calendar, start_t, end_t = observation(scenario)
    env = simpy.Environment()
    line = Line(env, scenario, calendar, replication, warmup_s=scenario.run.warmup, trace=trace)
    if start_t > 0:
        env.run(until=start_t)
    before = line.counters(start_t)
    line.reset_buffer_maxima()
    env.run(until=end_t)
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
    )
