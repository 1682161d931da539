"""Core types of the experiment layer, shared by every stage of it (no logic beyond helpers).

* ``Factor``: one swept quantity — one key path, or several *linked* key paths that move together
  (the three row lines' foam-trim cycle times as one factor) — with its levels (absolute values,
  or scale factors of the base value when ``relative``) and, for sampled designs, its bounds.
* ``Point``: one combination of factor levels; point 0 is always the base scenario itself (every
  factor at its base value), the reference of every paired difference.
* ``POINT_COLUMNS``: the fixed leading and trailing columns of ``points.csv`` (the factor columns,
  one per factor named by ``Factor.column``, sit between them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

BASE = 0  # the index of the base point


@dataclass(frozen=True)
class Factor:
    name: str  # label in tables and charts (default: the key path)
    keys: tuple[str, ...]  # dotted paths as `--set` accepts them (stations by name); linked if > 1
    levels: tuple[Any, ...] = ()  # grid/OAT levels: in the key's own unit (seconds for durations)
    relative: bool = False  # levels are scale factors of each key's base value
    bounds: Optional[tuple[float, float]] = None  # continuous range for LHS/Morris samples
    integer: bool = False  # sampled values are rounded (servers, buffer places, shifts)
    unit: str = ""  # "s" for durations, "" otherwise; "×" for relative factors (for labels)

    @property
    def column(self) -> str:
        """The factor's column in points.csv."""
        return f"{self.name} (x base)" if self.relative else self.name


@dataclass(frozen=True)
class Point:
    index: int  # 0 = base
    label: str  # "base", or "set cycle=45 s, shifts per day=3", or an improve candidate's text
    values: tuple[tuple[str, Any], ...] = ()  # (factor name, level) pairs; () for the base
    # explicit overrides (dotted key, value, relative) for points not made from factors (improve)
    overrides: tuple[tuple[str, Any, bool], ...] = field(default=())

    def value(self, factor: str, default: Any = None) -> Any:
        return dict(self.values).get(factor, default)


# points.csv: these columns, with one column per factor inserted after "label".
POINT_COLUMNS_HEAD = ["point", "label"]
POINT_COLUMNS_TAIL = [
    "replications",
    "annual_mean", "annual_ci_low", "annual_ci_high", "annual_sd",
    "throughput_mean", "throughput_ci_low", "throughput_ci_high",
    "p_target", "reps_reaching",
    "delta_annual_mean", "delta_annual_ci_low", "delta_annual_ci_high",  # paired vs base
    "delta_throughput_mean", "delta_throughput_ci_low", "delta_throughput_ci_high",
    "ceiling_per_year", "bottleneck",
]
