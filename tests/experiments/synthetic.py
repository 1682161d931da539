"""Synthetic sweep tables shaped as the experiment layer writes them (points.csv, the sweep
metadata, the Morris table, the improve ranking, the solve result), for chart and table tests.

As ``analyze.point_row`` writes them, a point's factor columns hold only the factors it sets:
the base point's absolute factors are empty (a relative one reads 1.0), and a one-at-a-time
point leaves the other factors empty."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from linesim.experiments.core import BASE, POINT_COLUMNS_HEAD, POINT_COLUMNS_TAIL

TARGET = 500_000.0


def _row(index: int, label: str, factors: dict, mean: float, base_mean: float, ceiling: float,
         p: float, reps: int = 10) -> dict:
    half = 0.004 * mean
    delta = mean - base_mean
    return {"point": index, "label": label, **factors, "replications": reps,
            "annual_mean": mean, "annual_ci_low": mean - half, "annual_ci_high": mean + half,
            "annual_sd": half, "throughput_mean": mean / 5000, "throughput_ci_low": (mean - half) / 5000,
            "throughput_ci_high": (mean + half) / 5000, "p_target": p,
            "reps_reaching": round(p * reps),
            "delta_annual_mean": 0.0 if index == BASE else delta,
            "delta_annual_ci_low": 0.0 if index == BASE else delta - 0.2 * half,
            "delta_annual_ci_high": 0.0 if index == BASE else delta + 0.2 * half,
            "delta_throughput_mean": delta / 5000, "delta_throughput_ci_low": (delta - half) / 5000,
            "delta_throughput_ci_high": (delta + half) / 5000,
            "ceiling_per_year": ceiling, "bottleneck": "set-eol-test"}


def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=POINT_COLUMNS_HEAD + columns + POINT_COLUMNS_TAIL)


def cycle_output(cycle: float, shifts: float = 3.0) -> float:
    """A smooth made-up response: output falls with the cycle, rises with shifts."""
    return 21.6e6 * shifts / 3 / cycle


def ceiling(cycle: float, shifts: float = 3.0) -> float:
    return 1.08 * cycle_output(cycle, shifts)


def p_of(mean: float) -> float:
    return float(1 / (1 + np.exp(-(mean - TARGET) / 4000)))


def meta(name: str, factors: list[dict], design="grid", target=True) -> dict:
    return {"name": name, "unit": "set", "factors": factors, "design": design,
            "target": {"annual_output": TARGET, "confidence": 0.9} if target else None}


CYCLE = {"name": "set cycle", "column": "set cycle", "unit": "s", "relative": False}
SHIFTS = {"name": "shifts per day", "column": "shifts per day", "unit": "", "relative": False}
FOAM = {"name": "foam-trim cycle", "column": "foam-trim cycle (x base)", "unit": "×", "relative": True}
STORE = {"name": "油漆车身库", "column": "油漆车身库", "unit": "", "relative": False}


def grid_one(name: str = "phase2-cycle") -> tuple[pd.DataFrame, dict]:
    """Base at 44 s, grid 40..50 s (44 s is the base point, not repeated)."""
    base_mean = cycle_output(44)
    rows = [_row(0, "base", {"set cycle": None}, base_mean, base_mean, ceiling(44), p_of(base_mean))]
    k = 1
    for c in range(40, 51):
        if c == 44:
            continue
        m = cycle_output(c)
        rows.append(_row(k, f"set cycle={c} s", {"set cycle": float(c)}, m, base_mean,
                         ceiling(c), p_of(m)))
        k += 1
    return frame(rows, ["set cycle"]), meta(name, [dict(CYCLE, base=44.0)])


def grid_two(name: str = "phase2-cycle×shifts") -> tuple[pd.DataFrame, dict]:
    """set cycle 40..48 s × shifts 2, 3 (base: 44 s on 3 shifts)."""
    base_mean = cycle_output(44, 3)
    rows = [_row(0, "base", {"set cycle": None, "shifts per day": None}, base_mean, base_mean,
                 ceiling(44), p_of(base_mean))]
    k = 1
    for c, s in itertools.product(range(40, 49, 2), (2, 3)):
        if (c, s) == (44, 3):
            continue
        m = cycle_output(c, s)
        rows.append(_row(k, f"set cycle={c} s, shifts per day={s}",
                         {"set cycle": float(c), "shifts per day": float(s)}, m, base_mean,
                         ceiling(c, s), p_of(m)))
        k += 1
    return frame(rows, ["set cycle", "shifts per day"]), meta(name, [CYCLE, SHIFTS])


def oat(name: str = "卓骏一期-oat") -> tuple[pd.DataFrame, dict]:
    """One at a time: set cycle (absolute), foam-trim (relative), 油漆车身库 (buffer places)."""
    base_mean = 495_000.0
    cols = ["set cycle", "foam-trim cycle (x base)", "油漆车身库"]
    base_vals = {"set cycle": None, "foam-trim cycle (x base)": 1.0, "油漆车身库": None}
    rows = [_row(0, "base", base_vals, base_mean, base_mean, 560_000.0, p_of(base_mean))]
    k = 1
    for col, levels, effect in (("set cycle", [40.0, 42.0, 46.0], lambda v: (44 - v) * 6000),
                                ("foam-trim cycle (x base)", [0.9, 1.1], lambda v: (1 - v) * 30000),
                                ("油漆车身库", [10.0, 40.0], lambda v: (v - 20) * 150)):
        for v in levels:
            vals = {col: v}
            m = base_mean + effect(v)
            ceiling = 560_000.0 + (effect(v) * 2 if col == "set cycle" else 0.0)
            rows.append(_row(k, f"{col}={v}", vals, m, base_mean, ceiling, p_of(m)))
            k += 1
    return frame(rows, cols), meta(name, [dict(CYCLE, base=44.0), FOAM, dict(STORE, base=20.0)],
                                   design="one_at_a_time")


def lhs(name: str = "lhs", n: int = 20) -> tuple[pd.DataFrame, dict]:
    base_mean = 495_000.0
    rows = [_row(0, "base", {"set cycle": None, "油漆车身库": None}, base_mean, base_mean, 560_000.0,
                 p_of(base_mean))]
    for k in range(1, n + 1):
        c = 40 + (k * 7919 % n) / n * 10
        b = float(5 + (k * 104729 % n) * 2)
        m = base_mean + (44 - c) * 6000 + (b - 20) * 150
        rows.append(_row(k, f"lhs {k}", {"set cycle": c, "油漆车身库": b}, m, base_mean, 560_000.0,
                         p_of(m)))
    return frame(rows, ["set cycle", "油漆车身库"]), meta(name, [CYCLE, STORE],
                                                           design={"latin_hypercube": {"points": n}})


def morris_table() -> pd.DataFrame:
    return pd.DataFrame({"factor": ["set cycle", "油漆车身库", "foam-trim cycle", "EOL MTTR"],
                         "mu_star": [42_000.0, 3_100.0, 18_500.0, 900.0],
                         "mu_star_conf": [5_000.0, 800.0, 4_000.0, 400.0],
                         "sigma": [8_000.0, 4_200.0, 6_000.0, 300.0]})


def ranking() -> pd.DataFrame:
    rows = [("second EOL tester", "servers", "set-eol-test", 21_000.0, 2_000.0, 40_000.0, 0.97),
            ("foam-trim cycle −10%", "cycle", "foam-trim", 9_500.0, 1_500.0, 12_000.0, 0.81),
            ("painted-body store +5", "buffer", "painted-body-store", 2_100.0, 900.0, 0.0, 0.55),
            ("foam-trim cycle −5%", "cycle", "foam-trim", 4_700.0, 1_100.0, 6_000.0, 0.62),
            ("EOL MTTR −50%", "mttr", "set-eol-test", 150.0, 400.0, 1_000.0, 0.46),
            ("one more shift", "shift", "", -200.0, 300.0, 0.0, 0.44)]
    df = pd.DataFrame(rows, columns=["label", "kind", "station", "delta_annual_mean", "half",
                                     "predicted_gain", "p_target"])
    df["delta_annual_ci_low"] = df["delta_annual_mean"] - df["half"]
    df["delta_annual_ci_high"] = df["delta_annual_mean"] + df["half"]
    df = df.sort_values("delta_annual_mean", ascending=False).reset_index(drop=True)
    return df[["label", "kind", "station", "delta_annual_mean", "delta_annual_ci_low",
               "delta_annual_ci_high", "predicted_gain", "p_target"]]


def solve_result() -> dict:
    evals = [(44.0, 0.95, 0.03), (48.0, 0.10, 0.05), (46.0, 0.55, 0.08), (45.0, 0.85, 0.06),
             (44.5, 0.92, 0.045)]
    return {"key": "stations.set-eol-test.cycle_time", "unit": "s", "bracket": [45.0, 44.5],
            "evaluations": [{"value": v, "p": p, "p_se": se, "n": 40, "annual_mean": 500_000 + (45 - v) * 9000}
                            for v, p, se in evals],
            "confidence": 0.9, "target": 500_000.0, "replications": 200}
