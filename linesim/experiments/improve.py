"""``linesim improve``: what buys the most — generated one-at-a-time candidates, run under common
random numbers, ranked by the paired gain in annual output, with the capacity arithmetic beside.

Stage: core, analyze ─► **improve** (no files, no printing; the caller gives ``evaluate``).

Candidates, generated from the scenario itself (each an explicit override of the base):

* every station: cycle time −5 % and −10 % (relative 0.95 / 0.90: a distribution is scaled as a
  whole, cycle times by product each), one more server; where it has failures, MTTR −50 %
  (relative 0.5 of the repair-time distribution) when the station gives ``mtbf``, or availability
  +1 point when it gives ``availability`` (the form the station uses; skipped at ≥ 100 %);
* every finite buffer (``buffer_after`` of a station that feeds another): +1, +2, +5 places
  (unlimited buffers and conveyors are skipped);
* one more shift on the scenario's calendar where it allows (shifts per day < 3 and the shifts
  still fit in 24 h). Stations on their own calendars keep them.

Each candidate carries the capacity arithmetic's predicted gain of the ceiling per year
(``capacity.capacity_check`` on the candidate's scenario minus the base's): buffers never move the
ceiling (the arithmetic ignores blocking and starving), so their predicted gain is 0 and only the
simulation can price them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from ..capacity import capacity_check
from ..estimate import prob_at_least, t_interval
from ..scenario import UNLIMITED, Scenario, ShiftCalendar
from ..simulate import RunResult
from ..units import DAY, HOUR
from .points import PointError, point_scenario
from .analyze import paired, rank
from .core import BASE, Point

Evaluate = Callable[[list[Scenario]], list[list[RunResult]]]

CYCLE_SCALES = (0.95, 0.90)
BUFFER_STEPS = (1, 2, 5)
MTTR_SCALE = 0.5
AVAILABILITY_STEP = 0.01

IMPROVE_COLUMNS = [
    "rank", "point", "label", "kind", "station", "key",
    "delta_annual_mean", "delta_annual_ci_low", "delta_annual_ci_high", "predicted_gain",
    "annual_mean", "annual_ci_low", "annual_ci_high", "p_target", "replications",
    "ceiling_per_year", "base_annual_mean", "base_p_target",
]


@dataclass(frozen=True)
class Candidate(Point):
    """An improve candidate: a Point with its overrides, what it changes, and the arithmetic."""

    kind: str = ""  # cycle_time | servers | mttr | availability | buffer | shift
    station: Optional[str] = None  # the station changed (buffer: the one it follows)
    predicted_gain: float = 0.0  # ceiling per year of the candidate minus the base's
    ceiling_per_year: float = 0.0  # the candidate's ceiling per year


def _pct(k: float) -> str:
    return f"{(k - 1) * 100:+.0f}%".replace("-", "−")


def _proposals(scenario: Scenario) -> list[tuple[str, Optional[str], str, tuple]]:
    """(kind, station, label, overrides) in a fixed order: stations in list order, then shifts."""
    out = []
    succ = scenario.successors()
    for i, st in enumerate(scenario.stations):
        name = st.name
        ref = _station_ref(i, name)
        for k in CYCLE_SCALES:
            out.append(("cycle_time", name, f"{name}: cycle time {_pct(k)}",
                        ((f"stations.{ref}.cycle_time", k, True),)))
        out.append(("servers", name, f"{name}: one more server ({st.servers + 1})",
                    ((f"stations.{ref}.servers", st.servers + 1, False),)))
        if st.failures is not None:
            if st.failures.availability is not None:
                a = round(st.failures.availability + AVAILABILITY_STEP, 12)
                if a < 1:
                    out.append(("availability", name,
                                f"{name}: availability +1 point ({a * 100:.4g}%)",
                                ((f"stations.{ref}.failures.availability", a, False),)))
            else:
                out.append(("mttr", name, f"{name}: MTTR {_pct(MTTR_SCALE)}",
                            ((f"stations.{ref}.failures.mttr", MTTR_SCALE, True),)))
        if succ[name] and st.conveyor is None and st.buffer_after != UNLIMITED:
            for step in BUFFER_STEPS:
                size = st.buffer_after + step
                out.append(("buffer", name, f"buffer after {name}: +{step} ({size} places)",
                            ((f"stations.{ref}.buffer_after", size, False),)))
    cal = scenario.calendar
    if isinstance(cal, ShiftCalendar) and cal.shifts_per_day < 3 and (
            (cal.shifts_per_day + 1) * cal.shift_length <= DAY + 1e-9):
        n = cal.shifts_per_day + 1
        out.append(("shift", None, f"one more shift ({n} × {cal.shift_length / HOUR:g} h a day)",
                    (("calendar.shifts_per_day", n, False),)))
    return out


def _station_ref(i: int, name: str) -> str:
    """The station in a dotted key: by name, as ``--set`` takes it; by index where the name
    could not be read back (it holds a '.', or is all digits and would be read as an index)."""
    return str(i) if "." in name or name.isdigit() else name


def candidate_scenario(base: Scenario, candidate: Point) -> Scenario:
    """The candidate's scenario (the base with its overrides)."""
    return point_scenario(base, candidate.overrides)


def candidates(scenario: Scenario) -> list[Candidate]:
    """The one-at-a-time candidates of ``scenario`` (point indices 1.., the base is point 0),
    each with the capacity arithmetic's predicted gain of the ceiling per year. A candidate the
    scenario refuses (it would break a rule of the scenario) is left out."""
    base_ceiling = capacity_check(scenario).ceiling_per_year
    out: list[Candidate] = []
    for kind, station, label, overrides in _proposals(scenario):
        try:
            sc = point_scenario(scenario, overrides)
        except PointError:
            continue
        ceiling = capacity_check(sc).ceiling_per_year
        out.append(Candidate(index=len(out) + 1, label=label, overrides=overrides, kind=kind,
                             station=station, predicted_gain=ceiling - base_ceiling,
                             ceiling_per_year=ceiling))
    return out


def _ci(interval: dict, side: int) -> Optional[float]:
    return None if interval["ci95"] is None else float(interval["ci95"][side])


def improvement_rows(base: Scenario, cands: Sequence[Candidate],
                     results: Sequence[Sequence[RunResult]]) -> list[dict]:
    """Ranked rows (``IMPROVE_COLUMNS``) from the base's replications (``results[0]``) and each
    candidate's (``results[i]`` for ``cands[i − 1]``): the paired gain in annual output over the
    replications both have, its t-interval, the arithmetic's predicted gain, P(target) after."""
    base_res = list(results[BASE])
    target = base.target.annual_output if base.target else None
    base_annual = [r.annual_output for r in base_res]
    base_mean = t_interval(base_annual)["mean"]
    base_p = prob_at_least(base_annual, target) if target is not None else None
    rows = []
    for cand, res in zip(cands, results[1:]):
        annual = [r.annual_output for r in res]
        a = t_interval(annual)
        d = paired(res, base_res, "annual_output")
        key = ", ".join(k for k, _v, _rel in cand.overrides)
        rows.append({
            "point": cand.index, "label": cand.label, "kind": cand.kind, "station": cand.station,
            "key": key, "delta_annual_mean": d["mean"], "delta_annual_ci_low": _ci(d, 0), "delta_annual_ci_high": _ci(d, 1),
            "predicted_gain": cand.predicted_gain,
            "annual_mean": a["mean"], "annual_ci_low": _ci(a, 0), "annual_ci_high": _ci(a, 1),
            "p_target": prob_at_least(annual, target) if target is not None else None,
            "replications": d["n"], "ceiling_per_year": cand.ceiling_per_year,
            "base_annual_mean": base_mean, "base_p_target": base_p,
        })
    return [{c: row.get(c) for c in IMPROVE_COLUMNS} for row in rank(rows)]


def improve(scenario: Scenario, evaluate: Evaluate,
            replications: Optional[int] = None) -> list[dict]:
    """Generate the candidates, run the base and every candidate under common random numbers
    (``evaluate`` gets [base, candidate 1, ...], each with ``replications`` replications — the
    scenario's own when None — and returns their RunResults in that order), and rank them by
    the paired gain in annual output (see ``improvement_rows``)."""
    base = scenario.with_run(replications=replications) if replications else scenario
    cands = candidates(base)
    results = evaluate([base, *(candidate_scenario(base, c) for c in cands)])
    if len(results) != len(cands) + 1:
        raise ValueError(f"evaluate returned {len(results)} result lists for "
                         f"{len(cands) + 1} scenarios")
    rows = improvement_rows(base, cands, results)
    for row in rows:  # no NaN/inf in the table (None instead): it goes to CSV and JSON
        for k, v in row.items():
            if isinstance(v, float) and not math.isfinite(v):
                row[k] = None
    return rows
