"""Plausibility: values a scenario may hold by mistake — warnings, never errors.

Stage: Scenario (+ capacity arithmetic) ─► **plausibility** ─► cli (placed in the file by the
loader's ``Source``, printed by ``validate`` and ``run``, kept in summary.json and the manifest).

Every value below is legal and can be meant; each is also a common slip, so a run goes on and
the user is told where to look. ``check(scenario, unitless)`` returns ``Doubt``s, each at a key
path of the scenario (as pre-flight problems are), for ``loader.Source.problem`` to name the
file and line:

* an **MTBF shorter than the cycle time** (the station would fail more often than it makes a
  part: a unit slip, minutes for hours);
* an **availability below 50%** (down more than up);
* an **MTBF or MTTR written as a bare number under 60** ("30" is 30 seconds: did you mean
  minutes?) — only the file knows whether a unit was written: ``unitless(loc)`` says so (True,
  False, or None where unknown, e.g. a value given on the command line);
* a **buffer larger than a day's output** of the line at its ceiling (a count of parts in a day
  of scheduled hours: a buffer that size never fills, or the number is not a count of places);
* a **warm-up longer than half the horizon** (most of the simulated time is thrown away).

Hand-written: a few comparisons of the scenario's own numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .capacity import capacity_check
from .scenario import Scenario, ShiftCalendar
from .units import DAY, HOUR, format_duration, plural

BARE_UNDER_S = 60.0  # a bare MTBF or MTTR below this many seconds is probably minutes
LOW_AVAILABILITY = 0.5


@dataclass(frozen=True)
class Doubt:
    loc: tuple  # key path in the scenario, e.g. ("stations", 2, "failures", "mttr")
    message: str


def check(scenario: Scenario,
          unitless: Callable[[tuple], Optional[bool]] = lambda _loc: None) -> list[Doubt]:
    """The plausibility warnings of ``scenario``, in the order of the file."""
    found: list[Doubt] = []
    for i, st in enumerate(scenario.stations):
        f = st.failures
        if f is None:
            continue
        at = ("stations", i, "failures")
        mtbf_loc = (*at, "mtbf") if f.mtbf is not None else (*at, "availability")
        mtbf, mttr = f.mtbf_dist().mean_s(), f.mttr.mean_s()
        cycle = st.mean_cycle_s(scenario.products)
        if mtbf < cycle:
            found.append(Doubt(mtbf_loc, f"the MTBF of {st.name} ({_t(mtbf)}) is shorter than its "
                                         f"cycle time ({_t(cycle)}): it would fail more often than "
                                         "it makes a part; check the unit"))
        a = st.availability()
        if a < LOW_AVAILABILITY:
            found.append(Doubt(mtbf_loc, f"{st.name} is available only {a:.0%} of the time "
                                         f"(MTBF {_t(mtbf)}, MTTR {_t(mttr)}): down more than up; "
                                         "check MTBF and MTTR and their units"))
        for key, mean in (("mtbf", f.mtbf.mean_s() if f.mtbf is not None else None),
                          ("mttr", mttr)):
            if mean is not None and mean < BARE_UNDER_S and unitless((*at, key)):
                found.append(Doubt((*at, key), f"{key.upper()} written without a unit is read as "
                                               f"{mean:g} seconds: did you mean minutes? (write "
                                               f"'{mean:g} min', or '{mean:g} s' to keep it)"))
    day = _day_output(scenario)
    if day is not None:
        for i, st in enumerate(scenario.stations):
            places = st.buffer_after
            if isinstance(places, int) and places > day:
                found.append(Doubt(("stations", i, "buffer_after"),
                                   f"a buffer of {places:,} places after {st.name} holds more than "
                                   f"a day's output of the line (about {day:,.0f} "
                                   f"{plural(scenario.unit)} at its ceiling): is it a count of places?"))
    run = scenario.run
    if run.warmup > run.horizon / 2:
        found.append(Doubt(("run", "warmup"),
                           f"the warm-up ({format_duration(run.warmup)}) is longer than half the "
                           f"horizon ({format_duration(run.horizon)}): most of the simulated time "
                           "is thrown away; a few hours to a few days of warm-up is usual"))
    return found


def _t(seconds: float) -> str:
    return format_duration(round(seconds, 3))


def _day_output(scenario: Scenario) -> Optional[float]:
    """Units the line makes at its ceiling in one working day of the output calendar."""
    try:
        cap = capacity_check(scenario)
    except Exception:  # noqa: BLE001 - a warning must never stop a file that validates
        return None
    cal = scenario.output_calendar()
    if isinstance(cal, ShiftCalendar):
        hours = cal.shifts_per_day * (cal.shift_length - cal.breaks_per_shift) / HOUR
    else:
        hours = DAY / HOUR
    per_day = cap.ceiling_per_h * hours
    return per_day if per_day > 0 else None
