"""Capacity arithmetic: what the numbers say before any simulation — used by estimate and cli.

Stage: Scenario ─► **capacity** (no SimPy) ─► shown beside the simulated estimate.

A station's ceiling is ``servers × A / mean cycle time`` parts per scheduled second (A = its
availability MTBF / (MTBF + MTTR)), counted in good units at the line's end by multiplying by the
yield of it and every later station. The line can never beat its lowest ceiling; blocking,
starving and variability only take away from it. The target check turns the target into the
effective cycle time it needs under the scenario's calendar, and compares with 24/7/365.
"""

from __future__ import annotations

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


def capacity_check(scenario: Scenario) -> CapacityCheck:
    hours = build_calendar(scenario.calendar).scheduled_s_per_period / HOUR
    yields_after = []
    good = 1.0
    for st in reversed(scenario.stations):
        good *= 1.0 - st.scrap
        yields_after.append(good)
    yields_after.reverse()
    stations = []
    for st, y in zip(scenario.stations, yields_after):
        per_s = st.capacity_per_s() * y
        stations.append(StationCapacity(
            name=st.name,
            cycle_time_s=st.cycle_time.mean_s(),
            servers=st.servers,
            availability=st.availability(),
            effective_cycle_s=1.0 / per_s,
            ceiling_per_h=per_s * HOUR,
        ))
    limit = min(stations, key=lambda s: s.ceiling_per_h)
    target = scenario.target.annual_output if scenario.target else None
    return CapacityCheck(
        scheduled_hours_per_year=hours,
        stations=stations,
        limiting_station=limit.name,
        ceiling_per_h=limit.ceiling_per_h,
        ceiling_per_year=limit.ceiling_per_h * hours,
        ceiling_24_7_per_year=limit.ceiling_per_h * YEAR / HOUR,
        target_annual_output=target,
        required_cycle_s=hours * HOUR / target if target else None,
        target_within_ceiling=(limit.ceiling_per_h * hours >= target) if target else None,
    )
