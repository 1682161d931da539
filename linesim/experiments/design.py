"""Designs: factors → points (pure: no scenario, no files).

Stage: spec ─► **design** ─► points ─► ...

* ``grid``: the full factorial of the factors' levels, in file order, the last factor moving
  fastest (``itertools.product``).
* ``one_at_a_time``: each factor over its levels, every other factor at its base value (the
  tornado); factor by factor, levels in the order given.
* ``latin_hypercube``: ``scipy.stats.qmc.LatinHypercube(d, seed=...)``, n points: a factor with a
  range (bounds) takes ``from + u·(to − from)``; an integer factor takes each whole number from
  ``from`` to ``to`` with an equal share (``floor(from + u·(to − from + 1))``, not rounding, which
  would give the ends half a share); a factor with levels (values, scale, a range with step/num)
  takes the level of stratified index ``floor(u·L)``.
* ``morris``: ``SALib.sample.morris.sample`` (seeded) over the factors' bounds (levels: their
  index 0..L−1), ``trajectories × (k + 1)`` points; the SALib problem and the sample matrix are
  kept (``Design.morris_problem``, ``Design.morris_sample``: row i is point i + 1) for
  ``SALib.analyze.morris.analyze``.

Point 0 is the base (no override). The order is deterministic: the same factors and design give
the same points. Points of grid and one_at_a_time that turn out to equal the base scenario are
dropped later, by ``points.build_points`` (it sees the scenarios); sampled designs keep every row.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any, Optional, Union

import numpy as np

from ..units import format_duration
from .core import BASE, Factor, Point
from .spec import DesignSpec

LABEL_FACTORS = 4  # a sampled point with more factors than this is labelled by its number


@dataclass(frozen=True)
class Design:
    kind: str  # grid | one_at_a_time | latin_hypercube | morris
    points: tuple[Point, ...]  # point 0 is the base
    unit_sample: Optional[np.ndarray] = None  # latin_hypercube: the n × k sample in [0, 1)
    morris_problem: Optional[dict] = None  # SALib's problem (names, bounds)
    morris_sample: Optional[np.ndarray] = None  # SALib's sample; row i is points[i + 1]
    morris_levels: Optional[int] = None  # num_levels, for SALib.analyze.morris.analyze


def level_text(factor: Factor, value: Any) -> str:
    """A factor's value as labels show it: '45 s', '×0.9', '3'."""
    if factor.relative:
        return f"×{value:g}"
    if factor.unit == "s" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_duration(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        return text if len(text) <= 60 else text[:59] + "…"
    return str(value)


def label(factors: list[Factor], values: tuple[tuple[str, Any], ...]) -> str:
    """'set cycle=45 s, shifts per day=3' for the factors set at a point."""
    by_name = {f.name: f for f in factors}
    return ", ".join(f"{name}={level_text(by_name[name], value)}" for name, value in values)


def _point(index: int, factors: list[Factor], values: list[tuple[str, Any]],
           numbered: Optional[str] = None) -> Point:
    values_t = tuple(values)
    text = f"{numbered} {index}" if numbered else label(factors, values_t)
    return Point(index=index, label=text, values=values_t)


def _design_spec(design: Union[DesignSpec, str, dict]) -> DesignSpec:
    if isinstance(design, DesignSpec):
        return design
    from .spec import _design_form  # the file's forms: "grid", {"morris": {...}}

    return DesignSpec.model_validate(_design_form(design))


def base_point() -> Point:
    return Point(index=BASE, label="base")


def make_design(factors: list[Factor], design: Union[DesignSpec, str, dict]) -> Design:
    """The points of ``design`` over ``factors`` (point 0 the base), with what analysis needs
    (Morris: SALib's problem and sample; LHS: the unit sample). ValueError if a factor lacks what
    the design needs (levels for grid and one_at_a_time; two levels or bounds for Morris)."""
    spec = _design_spec(design)
    kind = spec.kind
    if kind in ("grid", "one_at_a_time"):
        missing = [f.name for f in factors if not f.levels]
        if missing:
            raise ValueError(f"{kind} needs levels for every factor: {', '.join(missing)} "
                             "has only a range")
    if kind == "grid":
        return Design(kind, _grid(factors))
    if kind == "one_at_a_time":
        return Design(kind, _one_at_a_time(factors))
    if kind == "latin_hypercube":
        n = spec.latin_hypercube.points or 10 * len(factors)
        points, unit = _latin_hypercube(factors, n, spec.latin_hypercube.seed)
        return Design(kind, points, unit_sample=unit)
    m = spec.morris
    points, problem, sample = _morris(factors, m.trajectories, m.levels, m.seed)
    return Design(kind, points, morris_problem=problem, morris_sample=sample, morris_levels=m.levels)


def points(factors: list[Factor], design: Union[DesignSpec, str, dict]) -> list[Point]:
    """The points of ``design`` (see ``make_design``)."""
    return list(make_design(factors, design).points)


def _grid(factors: list[Factor]) -> tuple[Point, ...]:
    out = [base_point()]
    for combo in itertools.product(*(f.levels for f in factors)):
        out.append(_point(len(out), factors, [(f.name, v) for f, v in zip(factors, combo)]))
    return tuple(out)


def _one_at_a_time(factors: list[Factor]) -> tuple[Point, ...]:
    out = [base_point()]
    for f in factors:
        for v in f.levels:
            out.append(_point(len(out), factors, [(f.name, v)]))
    return tuple(out)


def _sampled_value(f: Factor, u: float) -> Any:
    """A factor's value for a unit-interval coordinate ``u`` in [0, 1)."""
    if f.bounds is None:  # levels: stratified index
        return f.levels[min(int(math.floor(u * len(f.levels))), len(f.levels) - 1)]
    lo, hi = f.bounds
    if f.integer:
        lo_i, hi_i = math.ceil(lo), math.floor(hi)
        return int(min(max(math.floor(lo_i + u * (hi_i - lo_i + 1)), lo_i), hi_i))
    return _significant(lo + u * (hi - lo))


def _significant(x: float) -> float:
    return float(f"{x:.9g}")


def _numbered(factors: list[Factor], name: str) -> Optional[str]:
    return name if len(factors) > LABEL_FACTORS else None


def _latin_hypercube(factors: list[Factor], n: int, seed: int):
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(factors), seed=np.random.default_rng(seed)).random(n)
    out = [base_point()]
    for row in unit:
        values = [(f.name, _sampled_value(f, float(u))) for f, u in zip(factors, row)]
        out.append(_point(len(out), factors, values, _numbered(factors, "sample")))
    return tuple(out), unit


def _morris(factors: list[Factor], trajectories: int, num_levels: int, seed: int):
    from SALib.sample import morris as morris_sample

    bounds = []
    for f in factors:
        if f.bounds is not None:
            bounds.append([float(f.bounds[0]), float(f.bounds[1])])
        else:
            bounds.append([0.0, float(len(f.levels) - 1)])
    problem = {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": bounds}
    sample = morris_sample.sample(problem, trajectories, num_levels=num_levels, seed=seed)
    out = [base_point()]
    for row in sample:
        values = []
        for f, x in zip(factors, row):
            if f.bounds is None:
                values.append((f.name, f.levels[int(round(float(x)))]))
            elif f.integer:
                values.append((f.name, int(round(float(x)))))
            else:
                values.append((f.name, _significant(float(x))))
        out.append(_point(len(out), factors, values, _numbered(factors, "sample")))
    return tuple(out), problem, sample
