"""One replication: run it on an engine, collect a RunResult.

Stage: Scenario ─► engines (SimPy or compiled: a Window) ─► **simulate** ─► RunResult ─► replicate.

``run_replication(scenario, r)`` is the one entry every command uses (runs, sweeps, improve,
solve): the engine ``engines.choose`` picks runs the replication and returns its observation
window's counters; ``summarize`` turns them into a RunResult with the same arithmetic whatever
the engine.

The observation window starts when ``run.warmup`` seconds of *scheduled* time have elapsed and
lasts ``run.horizon`` seconds of *calendar* time. Because a calendar repeats every 365 days, a
one-year window holds exactly one year's scheduled time, so with the default horizon the annual
output is the simulated year's output itself; for other horizons it is scaled by scheduled time
(``output × scheduled seconds per year / scheduled seconds observed``).

Time series (``series``): the RunResult also holds per-period counters from t = 0 to the window's
end (``periods``) and each buffer's time-weighted occupancy over the window (``occupancy``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional, Union

from . import engines, series
from .calendars import build_calendar
from .engines import Window
from .scenario import Scenario
from .series import Periods
from .states import STATE_NAMES
from .units import HOUR


@dataclass(frozen=True)
class StationStats:
    name: str
    servers: int
    shares: dict[str, float]  # of calendar time after warm-up, averaged over servers; sum to 1
    failures: int
    bottleneck_share: float  # of scheduled time after warm-up, momentary bottleneck
    starved_episodes: int = 0  # times a server of it began waiting for a part (all servers)
    # Assembly stations: per input, scheduled seconds its servers were starved while the kit
    # lacked that input, and the episodes of such waiting (all servers).
    starved_for_s: dict[str, float] = field(default_factory=dict)
    starved_for_episodes: dict[str, int] = field(default_factory=dict)
    # Assembly stations with products: per just-in-sequence input, parts taken that were not of
    # the unit's variant.
    out_of_sequence: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BufferStats:
    after: Optional[str]  # upstream station; None for an arrival queue
    before: str  # downstream station
    kind: str  # "buffer", "rework" (lane) or "queue" (arrivals)
    capacity: Union[int, str]  # waiting places, or "unlimited"
    mean_level: float
    max_level: int


@dataclass(frozen=True)
class RunResult:
    replication: int
    observed_s: float
    scheduled_s: float
    scheduled_s_per_year: float
    output: int  # good units leaving the last station in the window
    scrapped: int
    entered: int
    throughput_per_h: float  # per scheduled production hour
    annual_output: float
    wip_mean: float
    lead_time_mean_s: Optional[float]  # good units, first station start to exit, calendar s
    sojourn_mean_s: Optional[float]  # every departure (good or scrapped)
    departures_per_s: float  # good + scrapped, per calendar second (Little's law)
    stations: list[StationStats]
    buffers: list[BufferStats]
    bottleneck: Optional[str]
    lost: int = 0  # arrivals turned away by a full queue, in the window
    # Per arrival source (a station with ``arrivals``), in scenario order: the arrivals from
    # outside offered to its queue in the window and those of them turned away
    # ({"offered": n, "lost": m}); a source with ``when_full: block`` loses none.
    arrivals: dict[str, dict[str, int]] = field(default_factory=dict)
    output_by_product: dict[str, int] = field(default_factory=dict)  # with products
    # Totals since t = 0 for the conservation check:
    # entered + assembled = exited + scrapped + consumed + wip_end.
    totals: dict[str, int] = field(default_factory=dict)
    trace: Optional[dict[str, list[list[tuple[float, int]]]]] = None
    # Time series (``series``): per-period counters from t = 0 to the window's end, and per
    # buffer (``buffers`` order) the share of the window spent at each level 0, 1, ...
    # (``series.level_bins``; the last level of an unlimited edge means that many or more).
    # Not kept in a sweep's store (``experiments.store.stored``).
    periods: Optional[Periods] = None
    occupancy: Optional[list[list[float]]] = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "RunResult":
        """The inverse of ``to_dict`` (also after a JSON round trip: lists back to tuples in the
        trace), so a stored replication rebuilds the equal RunResult."""
        data = dict(data)
        data["stations"] = [StationStats(**s) for s in data["stations"]]
        data["buffers"] = [BufferStats(**b) for b in data["buffers"]]
        if isinstance(data.get("periods"), dict):
            data["periods"] = Periods(**data["periods"])
        if data.get("trace") is not None:
            data["trace"] = {name: [[tuple(change) for change in server] for server in servers]
                             for name, servers in data["trace"].items()}
        return cls(**data)


def run_replication(scenario: Scenario, replication: int, *, trace: bool = False,
                    on_period: Optional[Callable[[float], None]] = None) -> RunResult:
    """Simulate replication ``replication`` of ``scenario`` (seeded by its run block) on the
    engine its ``run.engine`` asks for (``engines.choose``; a trace always runs on SimPy);
    ``on_period`` as in ``engines.run_window``."""
    hook = {} if on_period is None else {"on_period": on_period}  # as engines.run_window
    return summarize(scenario, replication,
                     engines.run_window(scenario, replication, trace=trace, **hook))


def summarize(scenario: Scenario, replication: int, window: Window) -> RunResult:
    """The RunResult of one replication from an engine's observation window: the counters at its
    end minus those at its start, shares of calendar time, rates per scheduled hour."""
    before, after = window.before, window.after
    bottleneck_s = window.bottleneck_s
    observed_s = window.end_t - window.start_t
    scheduled_s = after["sched_s"] - before["sched_s"]
    output = after["exited"] - before["exited"]
    scrapped = after["scrapped"] - before["scrapped"]
    departures = output + scrapped
    calendar = build_calendar(scenario.output_calendar())
    per_year = calendar.scheduled_s_per_period

    variants = list(scenario.products.names) if scenario.products else []
    stations = []
    for i, spec in enumerate(scenario.stations):
        totals = [0.0] * len(STATE_NAMES)
        for k in range(spec.servers):
            for j in range(len(STATE_NAMES)):
                totals[j] += after["state_s"][i][k][j] - before["state_s"][i][k][j]
        denom = observed_s * spec.servers
        stations.append(StationStats(
            name=spec.name,
            servers=spec.servers,
            shares={name: totals[j] / denom for j, name in enumerate(STATE_NAMES)},
            failures=after["failures"][i] - before["failures"][i],
            starved_episodes=after["starved_episodes"][i] - before["starved_episodes"][i],
            starved_for_s={name: after["missing_s"][i][j] - before["missing_s"][i][j]
                           for j, name in enumerate(spec.inputs) if after["missing_s"][i]},
            out_of_sequence={
                name: after["out_of_sequence"][i][spec.inputs.index(name)]
                - before["out_of_sequence"][i][spec.inputs.index(name)]
                for name in spec.in_sequence_inputs(variants)},
            starved_for_episodes={
                name: after["missing_starts"][i][j] - before["missing_starts"][i][j]
                for j, name in enumerate(spec.inputs) if after["missing_starts"][i]},
            bottleneck_share=bottleneck_s[i] / scheduled_s if scheduled_s > 0 else 0.0,
        ))
    buffers = [
        BufferStats(
            after=buf.upstream,
            before=buf.downstream,
            kind=buf.kind,
            capacity="unlimited" if math.isinf(buf.capacity) else int(buf.capacity),
            mean_level=(after["buffer_area"][i] - before["buffer_area"][i]) / observed_s,
            max_level=window.buffer_max[i],
        )
        for i, buf in enumerate(window.buffers)
    ]
    top = max(range(len(stations)), key=lambda i: bottleneck_s[i])
    return RunResult(
        replication=replication,
        observed_s=observed_s,
        scheduled_s=scheduled_s,
        scheduled_s_per_year=per_year,
        output=output,
        scrapped=scrapped,
        entered=after["entered"] - before["entered"],
        throughput_per_h=output / scheduled_s * HOUR if scheduled_s > 0 else 0.0,
        annual_output=output * per_year / scheduled_s if scheduled_s > 0 else 0.0,
        wip_mean=(after["wip_area"] - before["wip_area"]) / observed_s,
        lead_time_mean_s=(after["lead_sum_s"] - before["lead_sum_s"]) / output if output else None,
        sojourn_mean_s=(
            (after["sojourn_sum_s"] - before["sojourn_sum_s"]) / departures if departures else None
        ),
        departures_per_s=departures / observed_s,
        stations=stations,
        buffers=buffers,
        bottleneck=stations[top].name if bottleneck_s[top] > 0 else None,
        totals={
            "entered": after["entered"],
            "exited": after["exited"],
            "scrapped": after["scrapped"],
            "consumed": after["consumed"],
            "assembled": after["assembled"],
            "lost": after["lost"],
            "wip_end": after["wip"],
        },
        lost=after["lost"] - before["lost"],
        arrivals={spec.name: {"offered": after["offered_by"][i] - before["offered_by"][i],
                              "lost": after["lost_by"][i] - before["lost_by"][i]}
                  for i, spec in enumerate(scenario.stations) if spec.arrivals is not None},
        output_by_product=(
            {v: after["exited_by"][j] - before["exited_by"][j]
             for j, v in enumerate(scenario.products.names)} if scenario.products else {}
        ),
        trace=window.trace,
        periods=(series.periods(scenario.run.horizon, window.start_t, window.snapshots,
                                calendar.sched) if window.snapshots else None),
        occupancy=[[(a - b) / observed_s for a, b in zip(after["buffer_level_s"][i],
                                                        before["buffer_level_s"][i])]
                   for i in range(len(window.buffers))] if "buffer_level_s" in after else None,
    )
