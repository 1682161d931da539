"""Capacity arithmetic: what the numbers say before any simulation — used by estimate and cli.

Stage: Scenario ─► **capacity** (no SimPy) ─► shown beside the simulated estimate.

A station's ceiling is ``servers × A / mean cycle time`` parts per scheduled second (A = its
availability MTBF / (MTBF + MTTR)). Through the plant's flow (bills of material, routing, scrap,
rework) each station must start a certain number of parts per unit delivered; the plant's
ceiling is the best flow that no station's ceiling forbids (a small linear programme; for a
serial line it is the lowest station ceiling times the yield after it). Blocking, starving and
variability only take away from it. The target check turns the target into the
effective cycle time it needs under the scenario's calendar, and compares with 24/7/365.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from .calendars import build_calendar
from .scenario import Scenario
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
    ceiling_per_h: float
    ceiling_per_year: float  # under the scenario's calendar
    ceiling_24_7_per_year: float  # the same line worked 8,760 h a year
    target_annual_output: Optional[float]
    required_cycle_s: Optional[float]  # effective cycle the target needs under the calendar
    target_within_ceiling: Optional[bool]


def _flows(scenario: Scenario) -> tuple[list[float], float, str]:
    """Best steady flow (starts per scheduled second at each station) and the output rate.

    A linear programme: maximise the good units leaving the output stations subject to each
    station's ceiling (servers × A / mean cycle time), the bills of material, routing fractions,
    scrap and rework fractions and arrival rates; ``first_free`` splits are free. The limiting
    station is the binding ceiling with the largest shadow price.
    """
    from scipy.optimize import linprog  # only needed here

    stations = scenario.stations
    products = scenario.products
    shares = products.shares() if products else None
    n = len(stations)
    index = {st.name: i for i, st in enumerate(stations)}
    successors = scenario.successors()
    edges = [(u, st.name) for st in stations for u in st.inputs]
    e_index = {e: n + j for j, e in enumerate(edges)}
    sources = [i for i, st in enumerate(stations) if st.is_source]
    s_index = {i: n + len(edges) + j for j, i in enumerate(sources)}
    y = n + len(edges) + len(sources)
    nvar = y + 1
    a_eq, b_eq = [], []

    def row(pairs):
        r = [0.0] * nvar
        for k, v in pairs:
            r[k] += v
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
        if succ:
            row([(e_index[(st.name, d)], 1.0) for d in succ] + [(i, -good(st))])
            if isinstance(st.routing, dict):
                for d in succ:
                    row([(e_index[(st.name, d)], 1.0), (i, -good(st) * st.routing[d])])
        lanes = [(u, -p) for u, p in rework_in[i]]
        if st.is_source:
            row([(i, 1.0), (s_index[i], -1.0)] + lanes)
        elif st.assembly is not None:
            for u in st.inputs:  # kits are made for the units that are not reworked ones
                q = st.mean_quantity_from(u, shares)
                row([(e_index[(u, st.name)], 1.0), (i, -q)] + [(k, -p * q) for k, p in lanes])
        else:
            row([(i, 1.0)] + [(e_index[(u, st.name)], -1.0) for u in st.inputs] + lanes)
    row([(y, 1.0)] + [(i, -good(st)) for i, st in enumerate(stations) if not successors[st.name]])

    # A station on its own calendar works (its hours)/(the output's hours) as long: its ceiling
    # per scheduled second of the output calendar scales by that ratio.
    ref_s = build_calendar(scenario.output_calendar()).scheduled_s_per_period
    scale = [build_calendar(scenario.station_calendar(st)).scheduled_s_per_period / ref_s
             for st in stations]
    a_ub, b_ub, labels = [], [], []  # labels: what each ceiling row stands for
    for i, st in enumerate(stations):
        r = [0.0] * nvar
        r[i] = 1.0
        labels.append(st.name)
        a_ub.append(r)
        b_ub.append(st.capacity_per_s(products) * scale[i])
    for u, d in edges:  # a conveyor carries at most capacity / transfer time
        conv = stations[index[u]].conveyor
        if conv is not None:
            r = [0.0] * nvar
            r[e_index[(u, d)]] = 1.0
            labels.append(f"conveyor {u} -> {d}")
            a_ub.append(r)
            b_ub.append(conv.capacity / conv.transfer_time * scale[index[u]])
    for i in sources:
        if stations[i].arrivals is not None:
            r = [0.0] * nvar
            r[s_index[i]] = 1.0
            labels.append(f"arrivals at {stations[i].name}")
            a_ub.append(r)
            b_ub.append(1.0 / stations[i].arrivals.interarrival.mean_s())
    c = [0.0] * nvar
    c[y] = -1.0
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * nvar,
                  method="highs")
    if res.status != 0:
        raise ValueError(f"no steady flow through this plant ({res.message})")
    x = list(res.x[:n])
    marginals = list(res.ineqlin.marginals)
    slack = list(res.ineqlin.residual)
    binding = [j for j in range(len(b_ub)) if slack[j] <= 1e-9 * max(b_ub[j], 1e-12)]
    if binding:
        limit = labels[min(binding, key=lambda j: (marginals[j], j))]
    else:
        limit = stations[0].name
    return x, float(res.x[y]), limit


def capacity_check(scenario: Scenario) -> CapacityCheck:
    hours = build_calendar(scenario.output_calendar()).scheduled_s_per_period / HOUR
    x, out_per_s, limit = _flows(scenario)
    stations = []
    for st, xi in zip(scenario.stations, x):
        demand = xi / out_per_s if out_per_s > 0 else 0.0  # starts here per unit delivered
        own_s = build_calendar(scenario.station_calendar(st)).scheduled_s_per_period
        per_s = (st.capacity_per_s(scenario.products) * own_s / (hours * HOUR) / demand
                 if demand > 0 else math.inf)
        stations.append(StationCapacity(
            name=st.name,
            cycle_time_s=st.mean_cycle_s(scenario.products),
            servers=st.servers,
            availability=st.availability(),
            effective_cycle_s=1.0 / per_s if 0 < per_s < math.inf else math.inf,
            ceiling_per_h=per_s * HOUR,
        ))
    target = scenario.target.annual_output if scenario.target else None
    per_h = out_per_s * HOUR
    return CapacityCheck(
        scheduled_hours_per_year=hours,
        stations=stations,
        limiting_station=limit,
        ceiling_per_h=per_h,
        ceiling_per_year=per_h * hours,
        ceiling_24_7_per_year=per_h * YEAR / HOUR,
        target_annual_output=target,
        required_cycle_s=hours * HOUR / target if target else None,
        target_within_ceiling=(per_h * hours >= target) if target else None,
    )
