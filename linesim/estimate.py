"""Estimate: replications → Student-t intervals, annual output, target probability, verdict.

Stage: replicate (list[RunResult]) ─► **estimate** ─► summary (plain dict, the contract's
``summary.json``) ─► results / report.

* ``ci95`` is the Student-t interval of the mean over replications: mean ± t(0.975, n−1)·s/√n.
* ``target.probability`` is the probability that *one* year's output reaches the target, from the
  t predictive distribution of a new replication: P = 1 − T_{n−1}((target − mean)/(s·√(1 + 1/n))).
  With no spread (deterministic lines) or a single replication it is 1 or 0. The share of
  replications that reached the target is given beside it.
* ``met`` is ``probability >= confidence``.
* The verdict says what it rests on (``basis``): the replications and the simulated time of
  each, "annualised from N days" when that is shorter than a year, and that the interval is wide
  with fewer than ``FEW_REPLICATIONS``. Probabilities beyond 0.001 of 0 or 1 are written
  "< 0.001" / "> 0.999" (``probability_text``): the JSON keeps the number.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np
from scipy.special import stdtr, stdtrit

from . import __version__
from .capacity import CapacityCheck
from .scenario import Scenario
from .states import STATE_NAMES
from .streams import SCHEME_VERSION
from .units import HOUR, YEAR, plural, probability_text, span_text

if TYPE_CHECKING:  # type names only: charts use t_interval without loading the simulation
    from .simulate import RunResult

# Fewer replications than this: the verdict says the interval is wide (a t-interval on 2-4
# replications is 1.6 to 6.4 times the width it has on 10).
FEW_REPLICATIONS = 5


def t_interval(values: Sequence[float]) -> dict:
    """Mean, sample standard deviation and the Student-t 95% interval of the mean."""
    x = np.asarray(values, dtype=float)
    n = x.size
    mean = float(x.mean())
    if n < 2:
        return {"mean": mean, "ci95": None, "std": None, "n": int(n)}
    std = float(x.std(ddof=1))
    half = float(stdtrit(n - 1, 0.975)) * std / math.sqrt(n)
    return {"mean": mean, "ci95": [mean - half, mean + half], "std": std, "n": int(n)}


def half_width(interval: dict) -> float:
    ci = interval["ci95"]
    return (ci[1] - ci[0]) / 2 if ci else math.inf


def paired_difference(a: Sequence[float], b: Sequence[float]) -> dict:
    """Interval of mean(b − a) over paired replications (common random numbers)."""
    if len(a) != len(b):
        raise ValueError("paired replications must have the same count")
    return t_interval(np.asarray(b, dtype=float) - np.asarray(a, dtype=float))


def prob_at_least(values: Sequence[float], threshold: float) -> float:
    """P(next replication >= threshold) from the t predictive distribution."""
    x = np.asarray(values, dtype=float)
    n = x.size
    mean = float(x.mean())
    std = float(x.std(ddof=1)) if n > 1 else 0.0
    if n < 2 or std == 0.0:
        return 1.0 if mean >= threshold else 0.0
    scale = std * math.sqrt(1.0 + 1.0 / n)
    return float(1.0 - stdtr(n - 1, (threshold - mean) / scale))


def _finite(x: float) -> Optional[float]:
    return x if math.isfinite(x) else None


def _mean(xs: list[Optional[float]]) -> Optional[float]:
    xs = [x for x in xs if x is not None]
    return float(np.mean(xs)) if xs else None


def _waiting_for(name: str, i: int, servers: int, results: list[RunResult]) -> dict:
    """An assembly station's starving for one input: hours a year (per server, scheduled
    time), share of scheduled time, episodes a year (all servers), mean episode length."""
    seconds = [r.stations[i].starved_for_s[name] for r in results]
    episodes = [r.stations[i].starved_for_episodes[name] for r in results]
    return {
        "input": name,
        "hours_per_year": float(np.mean([s / servers * r.scheduled_s_per_year / r.scheduled_s
                                         for s, r in zip(seconds, results)])) / HOUR,
        "share_of_scheduled": float(np.mean([s / (servers * r.scheduled_s)
                                             for s, r in zip(seconds, results)])),
        "episodes_per_year": float(np.mean([e * r.scheduled_s_per_year / r.scheduled_s
                                            for e, r in zip(episodes, results)])),
        "mean_s": sum(seconds) / sum(episodes) if sum(episodes) else None,
    }


def summarize(scenario: Scenario, results: list[RunResult], capacity: CapacityCheck) -> dict:
    """The run summary (keys of the contract's summary.json, plus a few more)."""
    if not results:
        raise ValueError("no replications to summarise")
    empty = [r.replication for r in results if not r.scheduled_s > 0]
    if empty:  # every annual figure divides by it
        raise ValueError(f"replication(s) {empty} observed no scheduled time (the observation "
                         "window after run.warmup lies off shift): no annual figure can be made")
    n = len(results)
    annual = [r.annual_output for r in results]
    station_rows = []
    for i, spec in enumerate(scenario.stations):
        row: dict = {"name": spec.name, "servers": spec.servers}
        for state in STATE_NAMES:
            row[state] = float(np.mean([r.stations[i].shares[state] for r in results]))
        row["bottleneck_share"] = float(np.mean([r.stations[i].bottleneck_share for r in results]))
        row["failures_per_replication"] = float(np.mean([r.stations[i].failures for r in results]))
        # How often and how long it waits for parts: episodes a year, and their mean length in
        # scheduled seconds (its servers' starved time over their episodes).
        episodes = [r.stations[i].starved_episodes for r in results]
        row["starved_episodes_per_year"] = float(np.mean(
            [e * r.scheduled_s_per_year / r.scheduled_s for e, r in zip(episodes, results)]))
        starved_s = sum(r.stations[i].shares["starved"] * r.observed_s * spec.servers
                        for r in results)
        row["starved_mean_s"] = starved_s / sum(episodes) if sum(episodes) else None
        if spec.assembly is not None:  # what the kit was waiting for
            row["starved_for"] = [_waiting_for(name, i, spec.servers, results)
                                  for name in spec.inputs]
            sequenced = results[0].stations[i].out_of_sequence
            if sequenced:  # just-in-sequence inputs: parts of another variant than the unit's
                row["out_of_sequence_per_year"] = {
                    name: float(np.mean([r.stations[i].out_of_sequence[name]
                                         * r.scheduled_s_per_year / r.scheduled_s
                                         for r in results]))
                    for name in sequenced}
        row["availability_nominal"] = spec.availability()
        station_rows.append(row)
    buffers = [
        {
            "after": b.after,
            "before": b.before,
            "kind": b.kind,
            "capacity": b.capacity,
            "mean_level": float(np.mean([r.buffers[j].mean_level for r in results])),
            "max_level": int(max(r.buffers[j].max_level for r in results)),
        }
        for j, b in enumerate(results[0].buffers)
    ]
    bottleneck = max(station_rows, key=lambda row: row["bottleneck_share"])
    summary: dict = {
        "scenario": scenario.name,
        "unit": scenario.unit,
        "structure": "line" if scenario.is_serial() else "plant",
        "linesim_version": __version__,
        "stream_scheme": SCHEME_VERSION,
        "seed": scenario.run.seed,
        "replications": n,
        "warmup_s": scenario.run.warmup,
        "horizon_s": scenario.run.horizon,
        "scheduled_hours_per_year": capacity.scheduled_hours_per_year,
        "throughput_per_hour": t_interval([r.throughput_per_h for r in results]),
        "annual_output": t_interval(annual),
        "stations": station_rows,
        "buffers": buffers,
        "bottleneck": bottleneck["name"] if bottleneck["bottleneck_share"] > 0 else None,
        "wip_mean": float(np.mean([r.wip_mean for r in results])),
        "lead_time_s": {"mean": _mean([r.lead_time_mean_s for r in results])},
        "lost": lost_summary(scenario, results),
        "scrapped_per_year": float(np.mean(
            [r.scrapped * r.scheduled_s_per_year / r.scheduled_s for r in results])),
        "capacity": {
            "limiting_station": capacity.limiting_station,
            "tied_with": list(capacity.tied_with),
            "ceiling_per_hour": capacity.ceiling_per_h,
            "ceiling_per_year": capacity.ceiling_per_year,
            "ceiling_24_7_per_year": capacity.ceiling_24_7_per_year,
            "required_cycle_s": capacity.required_cycle_s,
            "stations": [  # None: the best flow does not use the station
                {"name": s.name, "effective_cycle_s": _finite(s.effective_cycle_s),
                 "ceiling_per_hour": _finite(s.ceiling_per_h), "availability": s.availability}
                for s in capacity.stations
            ],
        },
        "target": None,
    }
    if scenario.products is not None:
        summary["annual_output_by_product"] = {
            v: float(np.mean([r.output_by_product[v] * r.scheduled_s_per_year / r.scheduled_s
                              for r in results]))
            for v in scenario.products.names
        }
    if scenario.target is not None:
        target = scenario.target.annual_output
        p = prob_at_least(annual, target)
        summary["target"] = {
            "annual_output": target,
            "confidence": scenario.target.confidence,
            "probability": p,
            "met": p >= scenario.target.confidence,
            "replications_reaching": int(sum(a >= target for a in annual)),
        }
    summary["verdict"] = verdict(summary)
    return summary


def lost_summary(scenario: Scenario, results: list[RunResult]) -> dict:
    """Arrivals turned away by a full queue (``when_full: lose``): the mean count per
    replication in the window, a year's worth, and their share of all arrivals offered from
    outside (``share_of_arrivals``; None for a plant without arrivals); ``by_source``: per
    arrival source (a station with ``arrivals``), its lost arrivals per replication (mean and
    95% interval), a year's worth, the arrivals offered, and its loss share = lost / offered
    (pooled over the replications). Replications stored without per-source counts (by an older
    version) give ``by_source`` None and the share of arrivals entering the plant, as then."""
    per_rep = float(np.mean([r.lost for r in results]))
    per_year = float(np.mean([r.lost * r.scheduled_s_per_year / r.scheduled_s for r in results]))
    sources = [st.name for st in scenario.stations if st.arrivals is not None]
    if not sources:
        return {"per_replication": per_rep, "per_year": per_year, "share_of_arrivals": None,
                "by_source": {}}
    if not all(set(r.arrivals) == set(sources) for r in results):
        arrived = sum(r.lost + r.entered for r in results)
        share = sum(r.lost for r in results) / arrived if arrived else 0.0
        return {"per_replication": per_rep, "per_year": per_year,
                "share_of_arrivals": share if all(st.arrivals is not None for st in
                                                  scenario.stations if st.is_source) else None,
                "by_source": None}
    offered = sum(c["offered"] for r in results for c in r.arrivals.values())
    by_source = {}
    for name in sources:
        lost = [r.arrivals[name]["lost"] for r in results]
        offers = sum(r.arrivals[name]["offered"] for r in results)
        by_source[name] = {
            "per_replication": t_interval(lost),
            "per_year": float(np.mean([m * r.scheduled_s_per_year / r.scheduled_s
                                       for m, r in zip(lost, results)])),
            "offered_per_year": float(np.mean([r.arrivals[name]["offered"]
                                               * r.scheduled_s_per_year / r.scheduled_s
                                               for r in results])),
            "loss_share": sum(lost) / offers if offers else 0.0,
        }
    return {"per_replication": per_rep, "per_year": per_year,
            "share_of_arrivals": sum(r.lost for r in results) / offered if offered else 0.0,
            "by_source": by_source}


def _n(x: float) -> str:
    return f"{x:,.0f}"


def basis(summary: dict) -> str:
    """What the figures rest on: replications × simulated span after warm-up, and a wide
    interval when there are few replications."""
    n, horizon = summary["replications"], summary["horizon_s"]
    reps = f"{n} replication" + ("" if n == 1 else "s")
    span = span_text(horizon)
    text = f"Based on {reps} of {span}" + ("" if n == 1 else " each") + " after warm-up."
    if n < 2:
        text += " One replication gives no interval: run at least 5 for one, 10 or more to decide."
    elif n < FEW_REPLICATIONS:
        text += (f" With fewer than {FEW_REPLICATIONS} replications the interval is wide: run 10 "
                 "or more to decide.")
    return text


def _tied(names: list[str]) -> str:
    if not names:
        return ""
    return "tied with " + (names[0] if len(names) == 1
                           else f"{', '.join(names[:-1])} and {names[-1]}") + "; "


def verdict(summary: dict) -> str:
    """The answer in plain words."""
    unit = summary["unit"]
    units = plural(unit)
    annual = summary["annual_output"]
    cap = summary["capacity"]
    hours = summary["scheduled_hours_per_year"]
    ci = annual["ci95"]
    notes = []
    if summary["horizon_s"] < YEAR - 1e-6:  # a short run's output, scaled up to a year
        notes.append(f"annualised from {span_text(summary['horizon_s'])}")
    if ci:
        notes.append(f"95% CI {_n(ci[0])}–{_n(ci[1])}")
    what = summary.get("structure", "line")
    made = (f"The {what} makes {_n(annual['mean'])} {units} a year"
            + (f" ({'; '.join(notes)})" if notes else "") + f" on {_n(hours)} scheduled hours")
    limit = (f"Its ceiling is {_n(cap['ceiling_per_year'])} a year at the limiting station "
             f"{cap['limiting_station']} ({_tied(cap['tied_with'])}"
             f"{_n(cap['ceiling_24_7_per_year'])} even 24/7/365)")
    held = summary["bottleneck"]
    held_text = f"; {held} holds the {what} back most often" if held else ""
    supply = _jis_text(summary) + lost_text(summary) + " " + basis(summary)
    target = summary["target"]
    if target is None:
        return f"{made}. {limit}{held_text}.{supply}"
    goal = _n(target["annual_output"])
    p = target["probability"]
    need = cap["required_cycle_s"]
    if target["met"]:
        head = (f"YES: {goal} {units} a year is reachable with probability {probability_text(p)} "
                f"(>= {target['confidence']:.2f} required).")
    else:
        head = (f"NO: {goal} {units} a year is reached with probability only {probability_text(p)} "
                f"(< {target['confidence']:.2f} required).")
    if cap["ceiling_24_7_per_year"] < target["annual_output"]:
        why = (f" Out of reach of this {what} even 24/7/365: it needs an effective cycle of "
               f"{need:.1f} s under this calendar, and a second line or a much shorter cycle.")
    elif cap["ceiling_per_year"] < target["annual_output"]:
        why = (f" Out of reach under this calendar: it needs an effective cycle of {need:.1f} s "
               f"on {_n(hours)} h; more shifts or days could bring it within the ceiling.")
    else:
        why = ""
    return f"{head}{why} {made}. {limit}{held_text}.{supply}"


def lost_text(summary: dict) -> str:
    """Arrivals turned away, when there were any."""
    lost = summary.get("lost") or {}
    if not lost.get("per_year"):
        return ""
    share = lost.get("share_of_arrivals")
    of = f" ({share:.1%} of arrivals)" if share is not None else ""
    return f" {_n(lost['per_year'])} arrivals a year were turned away by a full queue{of}."


def _jis_text(summary: dict) -> str:
    """How often and how long assembly stations waited for their just-in-sequence supply."""
    out = []
    for row in summary["stations"]:
        for name, wrong in (row.get("out_of_sequence_per_year") or {}).items():
            w = next(x for x in row["starved_for"] if x["input"] == name)
            mean = f", {w['mean_s'] / 60:.1f} min on average" if w["mean_s"] else ""
            seq = "none" if wrong < 0.5 else _n(wrong)
            out.append(f" {row['name']} waited for its just-in-sequence supply from {name} "
                       f"{_n(w['episodes_per_year'])} times a year{mean} "
                       f"({w['hours_per_year']:,.1f} h a year); {seq} out of sequence.")
    return "".join(out)
