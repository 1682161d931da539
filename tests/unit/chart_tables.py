"""Synthetic run tables for the chart tests, in exactly the columns of a run folder: a summary
shaped as ``estimate.summarize`` makes it (only what the charts read), the stations table, and
the time-series tables ``periods.csv``, ``buffer_periods.csv`` and ``buffer_occupancy.csv``.
Built from fixed arithmetic (no random numbers), so every figure drawn can be checked by hand."""

from __future__ import annotations

import pandas as pd

STATES = ("working", "starved", "blocked", "down", "off_shift", "setup")
PERIOD_COLUMNS = ["replication", "period", "start_day", "end_day", "scheduled_h", "in_warmup",
                  "output", "scrapped", "lost", "wip_end", "wip_mean"]
BUFFER_PERIOD_COLUMNS = ["replication", "period", "after", "before", "level_end", "level_mean"]
OCCUPANCY_COLUMNS = ["replication", "after", "before", "level", "time_share"]


def station_row(name: str, working: float, starved: float = 0.0, blocked: float = 0.0,
                down: float = 0.0, setup: float = 0.0, off_shift: float = 0.5,
                bottleneck_share: float = 0.0, availability_nominal: float = 1.0) -> dict:
    row = {"name": name, "servers": 1, "working": working, "starved": starved,
           "blocked": blocked, "down": down, "setup": setup, "off_shift": off_shift,
           "bottleneck_share": bottleneck_share, "failures_per_replication": 0.0,
           "availability_nominal": availability_nominal}
    assert abs(sum(row[s] for s in STATES) - 1.0) < 1e-12, row
    return row


def summary(names=("S1", "S2", "S3"), *, unit: str = "set", scenario: str = "line",
            replications: int = 3, rows: list | None = None, bottleneck: str | None = None,
            horizon_days: float = 365.0, target: float | None = 300_000.0,
            annual=(224_000.0, 223_000.0, 225_000.0), ceiling: float = 231_548.0) -> dict:
    """A three-station line by default: S2 the bottleneck (working most), S3 down 10%."""
    if rows is None:
        rows = [station_row(n, 0.4, starved=0.05, blocked=0.05, bottleneck_share=0.1)
                for n in names]
        if len(rows) >= 3:
            rows[1] = station_row(names[1], 0.45, blocked=0.05, bottleneck_share=0.6)
            rows[2] = station_row(names[2], 0.36, starved=0.1, down=0.04,
                                  bottleneck_share=0.3, availability_nominal=0.9)
    top = max(rows, key=lambda r: r["bottleneck_share"])
    mean, lo, hi = annual
    return {
        "scenario": scenario, "unit": unit, "replications": replications,
        "horizon_s": horizon_days * 86400.0, "warmup_s": 8 * 3600.0,
        "scheduled_hours_per_year": 4832.0,
        "stations": rows,
        "bottleneck": bottleneck if bottleneck is not None else top["name"],
        "buffers": [{"after": "S1", "before": "S2", "kind": "buffer", "capacity": 3,
                     "mean_level": 2.0, "max_level": 3},
                    {"after": "S2", "before": "S3", "kind": "buffer", "capacity": 5,
                     "mean_level": 1.0, "max_level": 5}],
        "annual_output": {"mean": mean, "ci95": None if lo is None else [lo, hi], "n": replications},
        "wip_mean": 6.5,
        "target": None if target is None else {"annual_output": target, "confidence": 0.9,
                                               "probability": 0.0, "met": False,
                                               "replications_reaching": 0},
        "capacity": {"ceiling_per_year": ceiling, "ceiling_per_hour": 47.9,
                     "limiting_station": "S2", "tied_with": []},
    }


def replications(values=(223_000.0, 224_000.0, 225_000.0)) -> pd.DataFrame:
    return pd.DataFrame({"replication": range(len(values)), "annual_output": list(values)})


def stations_table(shares: dict[str, list[float]]) -> pd.DataFrame:
    """The stations table (one row per replication and station) with the given per-replication
    bottleneck shares; the state columns are filled with a plain split."""
    rows = []
    for name, values in shares.items():
        for rep, share in enumerate(values):
            rows.append({"replication": rep, "station": name, "servers": 1, "working": 0.4,
                         "starved": 0.05, "blocked": 0.05, "down": 0.0, "off_shift": 0.5,
                         "setup": 0.0, "bottleneck_share": share, "failures": 0,
                         "starved_episodes": 0})
    return pd.DataFrame(rows)


def periods(reps: int = 3, weeks: int = 53, warmup_periods: int = 1,
            idle=(30,), short=(0, 51)) -> pd.DataFrame:
    """Weekly periods of a year: 93 scheduled hours a week, none in the ``idle`` weeks (a
    shutdown), 60 in the ``short`` ones (holidays); output 45 an hour plus the replication
    number times 10; the last period is one day long."""
    rows = []
    for rep in range(reps):
        for p in range(weeks):
            start = 7.0 * p
            end = min(start + 7.0, 365.0)
            hours = 0.0 if p in idle else 60.0 if p in short else 93.0
            hours *= (end - start) / 7.0
            output = round(45 * hours) + 10 * rep if hours else 0
            rows.append({"replication": rep, "period": p, "start_day": start, "end_day": end,
                         "scheduled_h": hours, "in_warmup": p < warmup_periods,
                         "output": output, "scrapped": 0, "lost": 0,
                         "wip_end": 6 + rep, "wip_mean": 6.0 + rep + (p % 4) * 0.25})
    return pd.DataFrame(rows, columns=PERIOD_COLUMNS)


def buffer_periods(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, r in table[["replication", "period"]].iterrows():
        for after, before, level in (("S1", "S2", 2.0), ("S2", "S3", 1.0)):
            rows.append({"replication": r["replication"], "period": r["period"], "after": after,
                         "before": before, "level_end": int(level),
                         "level_mean": level + 0.1 * r["replication"]})
    return pd.DataFrame(rows, columns=BUFFER_PERIOD_COLUMNS)


def occupancy(reps: int = 3) -> pd.DataFrame:
    """S1→S2 (capacity 3): 10% empty, 20% at 1, 30% at 2, 40% full; S2→S3 (capacity 5): half
    the time empty, half at 1. A level a replication never saw has no row."""
    rows = []
    for rep in range(reps):
        for level, share in enumerate((0.1, 0.2, 0.3, 0.4)):
            rows.append({"replication": rep, "after": "S1", "before": "S2", "level": level,
                         "time_share": share})
        for level, share in ((0, 0.5), (1, 0.5)):
            rows.append({"replication": rep, "after": "S2", "before": "S3", "level": level,
                         "time_share": share})
    return pd.DataFrame(rows, columns=OCCUPANCY_COLUMNS)
