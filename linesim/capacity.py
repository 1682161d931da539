"""Capacity arithmetic: what the numbers say before any simulation — used by estimate and cli.

Stage: Scenario ─► **capacity** (no SimPy) ─► shown beside the simulated estimate.

A station's ceiling is ``servers × A / mean cycle time`` parts per scheduled second (A = its
availability MTBF / (MTBF + MTTR)). Through the plant's flow (bills of material, routing, scrap,
rework) each station must start a certain number of parts of each variant per unit delivered;
the plant's ceiling is the best flow that no station's ceiling forbids (a small linear programme
over per-variant flows, so a station fed only the L7s by routing is charged the L7 cycle time;
for a serial line it is the lowest station ceiling times the yield after it). Stations whose
ceiling equals the plant's are reported as tied. Blocking, starving and
variability only take away from it. The target check turns the target into the
effective cycle time it needs under the scenario's calendar, and compares with 24/7/365.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from .calendars import build_calendar
from .scenario import ByProductRouting, Scenario
from .units import HOUR, YEAR


@dataclass(frozen=True)
class StationCapacity:
    name: str
    cycle_time_s: float  # mean cycle time of one server
    servers: int
    availability: float
    effective_cycle_s: float  # time per good unit at the line's end, whole station
    ceiling_per_h: float  # good units per scheduled hour if this station alone limited the line


@dataclass(frozen=True)
class CapacityCheck:
    scheduled_hours_per_year: float
    stations: list[StationCapacity]
    limiting_station: str
    tied_with: tuple[str, ...]  # other stations whose ceiling equals the plant's
    ceiling_per_h: float
    ceiling_per_year: float  # under the scenario's calendar
    ceiling_24_7_per_year: float  # the same line worked 8,760 h a year
    target_annual_output: Optional[float]
    required_cycle_s: Optional[float]  # effective cycle the target needs under the calendar
    target_within_ceiling: Optional[bool]


@dataclass
class _PlantLP:
    """The plant's flow as a linear programme (see ``_flows``): equality rows (flow balance),
    ceiling rows ("share of this resource used <= 1") with a label and a key path each, and
    the variables' places."""

    nvar: int
    a_eq: list
    b_eq: list
    a_ub: list
    labels: list  # what each ceiling row stands for
    locs: list  # key path of the scenario value behind each ceiling row
    x: list  # x[i][v]: starts per scheduled second at station i, variant v (variable index)
    y: int  # good units leaving the output stations per scheduled second
    source: dict  # station index of a source -> its variable (units started per second)
    arrival_rows: dict  # station index of an arrival source -> its ceiling row


def _plant_lp(scenario: Scenario) -> _PlantLP:
    stations = scenario.stations
    products = scenario.products
    variants = list(products.names) if products else [None]
    shares = products.shares() if products else {None: 1.0}
    nv = len(variants)
    n = len(stations)
    index = {st.name: i for i, st in enumerate(stations)}
    successors = scenario.successors()
    edges = [(u, st.name) for st in stations for u in st.inputs]
    e_base = {e: nv * (n + j) for j, e in enumerate(edges)}
    sources = [i for i, st in enumerate(stations) if st.is_source]
    s_index = {i: nv * (n + len(edges)) + j for j, i in enumerate(sources)}
    y = nv * (n + len(edges)) + len(sources)
    nvar = y + 1

    def xv(i: int, v: int) -> int:
        return nv * i + v

    def ev(edge, v: int) -> int:
        return e_base[edge] + v

    a_eq, b_eq = [], []

    def row(pairs):
        r = [0.0] * nvar
        for k, val in pairs:
            r[k] += val
        a_eq.append(r)
        b_eq.append(0.0)

    def good(st) -> float:
        return 1.0 - st.scrap - (st.rework.fraction if st.rework else 0.0)

    rework_in: dict[int, list[tuple[int, float]]] = {i: [] for i in range(n)}
    for i, st in enumerate(stations):
        if st.rework is not None:
            rework_in[index[st.rework.to]].append((i, st.rework.fraction))
    for i, st in enumerate(stations):
        succ = successors[st.name]
        for v, name in enumerate(variants):
            lanes = [(xv(u, v), -p) for u, p in rework_in[i]]
            if succ:
                row([(ev((st.name, d), v), 1.0) for d in succ] + [(xv(i, v), -good(st))])
                if isinstance(st.routing, ByProductRouting):
                    allowed = st.routing.targets(name)
                    for d in succ:
                        if d not in allowed:
                            row([(ev((st.name, d), v), 1.0)])
                elif isinstance(st.routing, dict):
                    for d in succ:
                        row([(ev((st.name, d), v), 1.0), (xv(i, v), -good(st) * st.routing[d])])
            if st.is_source:
                row([(xv(i, v), 1.0), (s_index[i], -shares[name])] + lanes)
            elif st.assembly is not None:  # kits are made for the units that are not reworked
                first = st.inputs[0]
                q = st.quantity_from(first, name)
                row([(ev((first, st.name), v), 1.0), (xv(i, v), -q)] + [(k, -p * q) for k, p in lanes])
            else:
                row([(xv(i, v), 1.0)] + [(ev((u, st.name), v), -1.0) for u in st.inputs] + lanes)
        if st.assembly is not None:
            for u in st.inputs[1:]:  # their parts' own variants do not matter, only how many
                pairs = [(ev((u, st.name), w), 1.0) for w in range(nv)]
                for v, name in enumerate(variants):
                    q = st.quantity_from(u, name)
                    pairs += [(xv(i, v), -q)] + [(xv(k, v), p * q) for k, p in rework_in[i]]
                row(pairs)
    row([(y, 1.0)] + [(xv(i, v), -good(st)) for i, st in enumerate(stations)
                      if not successors[st.name] for v in range(nv)])

    # A station on its own calendar works (its hours)/(the output's hours) as long: its ceiling
    # per scheduled second of the output calendar scales by that ratio.
    scale = calendar_scales(scenario)
    # Every ceiling row reads "share of this resource used ≤ 1", so that the shadow prices
    # (output gained per 100 % more of a resource) compare across stations, conveyors, arrivals.
    a_ub, labels, locs = [], [], []
    for i, st in enumerate(stations):
        r = [0.0] * nvar
        available = st.servers * st.availability() * scale[i]
        for v, name in enumerate(variants):
            r[xv(i, v)] = st.part_time_s(name, products) / available
        labels.append(st.name)
        locs.append(("stations", i, "cycle_time"))
        a_ub.append(r)
    for u, d in edges:  # a conveyor carries at most capacity / transfer time
        conv = stations[index[u]].conveyor
        if conv is not None:
            r = [0.0] * nvar
            for v in range(nv):
                r[ev((u, d), v)] = conv.transfer_time / (conv.capacity * scale[index[u]])
            labels.append(f"conveyor {u} -> {d}")
            locs.append(("stations", index[u], "conveyor"))
            a_ub.append(r)
    arrival_rows = {}
    for i in sources:
        if stations[i].arrivals is not None:
            # Interarrival times run on the source's own scheduled clock.
            r = [0.0] * nvar
            r[s_index[i]] = stations[i].arrivals.interarrival.mean_s() / scale[i]
            arrival_rows[i] = len(a_ub)
            labels.append(f"arrivals at {stations[i].name}")
            locs.append(("stations", i, "arrivals", "interarrival"))
            a_ub.append(r)
    return _PlantLP(nvar=nvar, a_eq=a_eq, b_eq=b_eq, a_ub=a_ub, labels=labels, locs=locs,
                    x=[[xv(i, v) for v in range(nv)] for i in range(n)], y=y, source=s_index,
                    arrival_rows=arrival_rows)


def calendar_scales(scenario: Scenario) -> list[float]:
    """Per station: its scheduled seconds per scheduled second of the output calendar."""
    ref_s = build_calendar(scenario.output_calendar()).scheduled_s_per_period
    return [build_calendar(scenario.station_calendar(st)).scheduled_s_per_period / ref_s
            for st in scenario.stations]


def _solve(lp: _PlantLP, objective: int, drop_rows: tuple[int, ...] = (),
           extra_eq: tuple[dict[int, float], ...] = (), fixed: Optional[dict[int, float]] = None):
    """Maximise variable ``objective``, without the ceiling rows ``drop_rows``, with extra
    equality rows ({variable: coefficient} = 0) and variables ``fixed`` at values. Returns
    linprog's result and the rows kept."""
    from scipy.optimize import linprog  # only needed here

    keep = [j for j in range(len(lp.a_ub)) if j not in drop_rows]
    c = [0.0] * lp.nvar
    c[objective] = -1.0
    a_eq, b_eq = list(lp.a_eq), list(lp.b_eq)
    for pairs in extra_eq:
        r = [0.0] * lp.nvar
        for k, val in pairs.items():
            r[k] += val
        a_eq.append(r)
        b_eq.append(0.0)
    bounds = [(0, None)] * lp.nvar
    for k, value in (fixed or {}).items():
        bounds[k] = (value, value)
    res = linprog(c, A_ub=[lp.a_ub[j] for j in keep] or None, b_ub=[1.0] * len(keep) or None,
                  A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    return res, keep


def _binding(lp: _PlantLP, res, keep: list[int]) -> str:
    """The binding ceiling with the largest shadow price (its label), or "nothing"."""
    marginals = list(res.ineqlin.marginals)
    slack = list(res.ineqlin.residual)
    binding = [k for k in range(len(keep)) if slack[k] <= 1e-9]
    if not binding:
        return "nothing"
    return lp.labels[keep[min(binding, key=lambda k: (marginals[k], k))]]


def _flows(scenario: Scenario) -> tuple[list[list[float]], float, str]:
    """Best steady flow (starts per scheduled second at each station, per variant) and the
    output rate.

    A linear programme over per-variant flows: maximise the good units leaving the output
    stations subject to each station's ceiling (Σ flow × time per part ≤ servers × A), the
    bills of material (the unit's variant is its first input's), routing fractions, routing by
    product, scrap and rework fractions, conveyors and arrival rates; every source delivers its
    products' mix. ``first_free`` splits are free (per variant: an upper bound). The limiting
    station is the binding ceiling with the largest shadow price.
    """
    flow = best_flow(scenario)
    return flow.starts, flow.output_per_s, flow.limit


@dataclass(frozen=True)
class BestFlow:
    """The plant's best steady flow, per scheduled second of the output calendar."""

    starts: list[list[float]]  # per station, per variant: starts per scheduled second
    output_per_s: float  # good units leaving the output stations
    limit: str  # the binding ceiling with the largest shadow price (station, conveyor, arrivals)
    limit_loc: tuple  # key path of the value behind it (a cycle time, conveyor, interarrival)

    def station_starts_per_s(self) -> list[float]:
        return [sum(row) for row in self.starts]


def best_flow(scenario: Scenario) -> BestFlow:
    """Solve the plant's linear programme (see ``_flows``); ValueError if it has no solution."""
    lp = _plant_lp(scenario)
    res, keep = _solve(lp, lp.y)
    if res.status != 0:
        raise ValueError(f"no steady flow through this plant ({res.message})")
    x = [[float(res.x[k]) for k in row] for row in lp.x]
    marginals = list(res.ineqlin.marginals)
    slack = list(res.ineqlin.residual)
    binding = [j for j in range(len(lp.a_ub)) if slack[j] <= 1e-9]
    j = min(binding, key=lambda j: (marginals[j], j)) if binding else 0
    return BestFlow(starts=x, output_per_s=float(res.x[lp.y]), limit=lp.labels[j],
                    limit_loc=lp.locs[j])


@dataclass(frozen=True)
class ArrivalLimits:
    """How the plant copes with its arrival streams, per scheduled second of the output
    calendar (arrival rates included: each on its source's own scheduled clock, converted).

    ``scale``: the largest factor by which every arrival stream can be multiplied together and
    still be carried (< 1: the arrivals exceed the plant, something piles up; 1/scale is the
    plant's utilisation by its arrivals), held there by ``scale_limit``. Per source:
    ``alone`` is the most it can deliver with every other stream at most at its rate (an upper
    bound: no other stream needs to be carried), ``beside`` the most with every other stream
    carried in full (None if they cannot all be carried even without this one)."""

    rates: dict[str, float]
    scale: float
    scale_limit: str
    alone: dict[str, tuple[float, str]]
    beside: dict[str, Optional[tuple[float, str]]]


def arrival_limits(scenario: Scenario) -> ArrivalLimits:
    """Linear programmes on the plant for its arrival streams (see ``ArrivalLimits``).

    Bills of material couple sources (an assembly of one part from each of two sources takes
    from the first no faster than the second delivers), shared stations couple them too (two
    streams merging into one station share its ceiling): all of it is in the programmes.
    """
    lp = _plant_lp(scenario)
    stations = scenario.stations
    scale = calendar_scales(scenario)
    rate = {i: scale[i] / stations[i].arrivals.interarrival.mean_s() for i in lp.arrival_rows}
    names = {i: stations[i].name for i in lp.arrival_rows}
    all_rows = tuple(lp.arrival_rows.values())
    alone, beside = {}, {}

    def best(res, keep, i):
        if res.status == 3:
            return (math.inf, "nothing")
        if res.status != 0:
            return None
        return (float(res.x[lp.source[i]]), _binding(lp, res, keep))

    for i, row in lp.arrival_rows.items():
        found = best(*_solve(lp, lp.source[i], drop_rows=(row,)), i)
        if found is None:
            raise ValueError("no steady flow through this plant")
        alone[names[i]] = found
        others = {lp.source[j]: rate[j] for j in rate if j != i}
        beside[names[i]] = best(*_solve(lp, lp.source[i], drop_rows=all_rows, fixed=others), i)
    if rate:
        ref = next(iter(rate))
        ratio = tuple({lp.source[j]: 1.0, lp.source[ref]: -rate[j] / rate[ref]}
                      for j in rate if j != ref)
        res, keep = _solve(lp, lp.source[ref], drop_rows=all_rows, extra_eq=ratio)
        found = best(res, keep, ref)
        theta, limit = (found[0] / rate[ref], found[1]) if found else (0.0, "the bills of material")
    else:
        theta, limit = math.inf, "nothing"
    return ArrivalLimits(rates={names[i]: rate[i] for i in rate}, scale=theta, scale_limit=limit,
                         alone=alone, beside=beside)


def capacity_check(scenario: Scenario) -> CapacityCheck:
    hours = build_calendar(scenario.output_calendar()).scheduled_s_per_period / HOUR
    x, out_per_s, limit = _flows(scenario)
    products = scenario.products
    variants = list(products.names) if products else [None]
    ref_s = hours * HOUR
    stations = []
    for st, flows in zip(scenario.stations, x):
        times = [st.part_time_s(v, products) for v in variants]
        busy = sum(f * t for f, t in zip(flows, times))  # server-seconds per scheduled second
        own_s = build_calendar(scenario.station_calendar(st)).scheduled_s_per_period
        work_s = st.servers * st.availability() * own_s / ref_s  # available per scheduled second
        # Good units per scheduled hour if this station alone limited the plant: the flow
        # scaled until this station is fully used.
        per_s = out_per_s * work_s / busy if busy > 0 else math.inf
        stations.append(StationCapacity(
            name=st.name,
            cycle_time_s=busy / sum(flows) if sum(flows) > 0 else st.mean_cycle_s(products),
            servers=st.servers,
            availability=st.availability(),
            effective_cycle_s=1.0 / per_s if 0 < per_s < math.inf else math.inf,
            ceiling_per_h=per_s * HOUR,
        ))
    per_h = out_per_s * HOUR
    tied = [s.name for s in stations if s.ceiling_per_h <= per_h * (1 + 1e-9)]
    if limit in tied:
        tied.remove(limit)
    target = scenario.target.annual_output if scenario.target else None
    return CapacityCheck(
        scheduled_hours_per_year=hours,
        stations=stations,
        limiting_station=limit,
        tied_with=tuple(tied),
        ceiling_per_h=per_h,
        ceiling_per_year=per_h * hours,
        ceiling_24_7_per_year=per_h * YEAR / HOUR,
        target_annual_output=target,
        required_cycle_s=hours * HOUR / target if target else None,
        target_within_ceiling=(per_h * hours >= target) if target else None,
    )
