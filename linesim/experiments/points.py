"""Point scenarios: the base scenario with a point's overrides, every one validated up front.

Stage: design ─► **points** ─► execute ...

``point_scenario(base, overrides)`` works on ``base.resolved()`` (every default written out,
seconds everywhere), sets each dotted key with ``loader.set_dotted`` (the addressing of
``--set``: list items by index or by name), and validates with ``Scenario.model_validate``. A
relative value multiplies the base value at the key: a number × k (an integer key rounded to the
nearest whole number, halves up), a distribution → ``spec.scaled(k)`` (mean × k, variance × k²),
cycle times by product → each scaled.

``build_points`` / ``plan_sweep`` make every point's scenario before anything runs: a key the
scenario refuses at a point is an exit-2 problem naming the sweep file's ``parameters[i]`` (its
line) and the point's label. Points of ``grid`` and ``one_at_a_time`` whose scenario equals the
base's (same resolved hash: e.g. the level 45 s when the base is 45 s) are not repeated: the base
is point 0 and the others are renumbered in order. Sampled designs keep every row (Morris needs
row i of its sample to be point i + 1).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from pydantic import TypeAdapter, ValidationError

from ..distributions import AnyDist
from ..loader import Problem, ScenarioError, problems_from, set_dotted
from ..preflight import engine_errors
from ..scenario import Scenario
from .core import BASE, Factor, Point
from .design import Design, level_text, make_design
from .spec import (
    INTEGER,
    KeyProblem,
    LoadedSweep,
    definition_hash,
    key_kind,
    lookup,
    scenario_hash,
)

MAX_PROBLEMS = 20  # point problems listed (the same problem at many points is listed once)

_DIST = TypeAdapter(AnyDist)


class PointError(Exception):
    """A point's scenario cannot be made: ``key`` is the dotted key blamed (None when the problem
    is not at one of the point's keys), ``path`` the scenario key path of the problem. When the
    scenario refuses several things, ``more`` holds the others (each a PointError)."""

    def __init__(self, key: Optional[str], message: str, path: str = "",
                 more: tuple["PointError", ...] = ()):
        super().__init__(f"{path}: {message}" if path else message)
        self.key, self.message, self.path, self.more = key, message, path, more

    def all(self) -> list["PointError"]:
        return [self, *self.more]


def scale_value(value: Any, k: float, integer: bool = False) -> Any:
    """``value`` (resolved scenario data at a key) × ``k``; ValueError if it cannot be scaled."""
    if isinstance(value, bool) or isinstance(k, bool) or not (isinstance(k, (int, float))
                                                               and math.isfinite(k) and k > 0):
        raise ValueError(f"cannot scale {value!r} by {k!r}: a scale factor is a number > 0")
    if isinstance(value, (int, float)):
        if integer:
            return int(math.floor(value * k + 0.5))
        return float(f"{value * k:.12g}")
    if isinstance(value, dict) and "dist" in value:
        return _DIST.validate_python(value).scaled(k).model_dump(mode="json")
    if isinstance(value, dict) and set(value) == {"by_product"}:
        return {"by_product": {v: scale_value(d, k) for v, d in value["by_product"].items()}}
    raise ValueError(f"cannot scale {str(value)[:60]!r}: a scale needs a number or a duration")


def point_scenario(base: Scenario, overrides: Iterable[tuple[str, Any, bool]]) -> Scenario:
    """``base`` with each (dotted key, value, relative) set; raises PointError."""
    data = base.resolved()
    shown: list[tuple[str, str]] = []  # (dotted key, its path as problems show it)
    for key, value, relative in overrides:
        if relative:
            try:
                current, _ = lookup(data, key)
                value = scale_value(current, value, integer=key_kind(key) == INTEGER)
            except (KeyProblem, ValueError) as exc:
                raise PointError(key, str(exc)) from None
        try:
            shown.append((key, set_dotted(data, key, value)))
        except KeyError as exc:
            raise PointError(key, f"cannot set: {exc.args[0]}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        found = [PointError(_blamed(p.path, shown), p.message, p.path)
                 for p in problems_from(exc, "", None)]
        raise PointError(found[0].key, found[0].message, found[0].path, tuple(found[1:])) from None


def _blamed(path: str, shown: list[tuple[str, str]]) -> Optional[str]:
    """The override whose key path contains the problem's path, or lies below it (a model-level
    problem of the mapping holding the key: 'calendar' for calendar.shifts_per_day)."""
    for key, where in shown:
        if path == where or path.startswith(where + ".") or path.startswith(where + "["):
            return key
    for key, where in shown:
        if where.startswith(path + ".") or where.startswith(path + "["):
            return key
    return None


def overrides_of(point: Point, factors: list[Factor]) -> list[tuple[str, Any, bool]]:
    """The (dotted key, value, relative) overrides a point stands for: each of its factors'
    keys (linked keys all take the value), then its explicit overrides (improve)."""
    by_name = {f.name: f for f in factors}
    out = []
    for name, value in point.values:
        f = by_name[name]
        out.extend((key, value, f.relative) for key in f.keys)
    out.extend(point.overrides)
    return out


def base_levels(base: Scenario, factors: list[Factor]) -> dict[str, Any]:
    """Each factor's value at the base (point 0), in the factor's unit, for tables and charts:
    1.0 for a relative factor; the number at the key (a constant distribution: its value);
    None where there is no single number (linked keys that differ, a random distribution)."""
    data = base.resolved()
    out: dict[str, Any] = {}
    for f in factors:
        if f.relative:
            out[f.name] = 1.0
            continue
        values = []
        for key in f.keys:
            try:
                value, _ = lookup(data, key)
            except KeyProblem:
                value = None
            if isinstance(value, dict) and value.get("dist") == "constant":
                value = value["value"]
            values.append(value)
        same = all(v == values[0] for v in values)
        plain = isinstance(values[0], (int, float, str)) and not isinstance(values[0], bool)
        out[f.name] = values[0] if same and plain else None
    return out


@dataclass(frozen=True)
class SweepPlan:
    """Everything a sweep runs, checked: the loaded sweep, its design (Morris: SALib's problem
    and sample) and the points with their scenarios (point 0 the base)."""

    sweep: LoadedSweep
    design: Design
    points: tuple[tuple[Point, Scenario], ...]

    @property
    def definition_hash(self) -> str:
        return definition_hash(self.sweep)

    def base_levels(self) -> dict[str, Any]:
        return base_levels(self.sweep.base, self.sweep.factors)


def build_points(sweep: LoadedSweep, design: Optional[Design] = None) -> list[tuple[Point, Scenario]]:
    """Every point of the sweep with its validated scenario (point 0 the base); a grid or
    one_at_a_time point equal to the base is not repeated. Raises ScenarioError: problems placed
    at the sweep's ``parameters[i]`` (its line), naming the point — a point that
    ``run.engine: fast`` cannot run included (the base's own checks are the pre-flight's)."""
    if design is None:
        design = make_design(sweep.factors, sweep.spec.design)
    base = sweep.base
    base_hash = scenario_hash(base)
    drop_base_twins = design.kind in ("grid", "one_at_a_time")
    # `run.engine: fast`: each point the fast engine cannot run is refused here (when the base
    # itself cannot, the pre-flight says so once, at run.engine).
    check_engine = not engine_errors(base)
    built: list[tuple[Point, Scenario]] = [(design.points[BASE], base)]
    failures: dict[tuple, list[Point]] = {}  # (loc, message) -> points failing so
    for point in design.points[1:]:
        try:
            scenario = point_scenario(base, overrides_of(point, sweep.factors))
        except PointError as exc:
            for one in exc.all():
                failures.setdefault(_place(sweep, point, one), []).append(point)
            continue
        if drop_base_twins and scenario_hash(scenario) == base_hash:
            continue
        refused = engine_errors(scenario) if check_engine else []
        for e in refused:
            failures.setdefault(_place(sweep, point, PointError(None, e.message, "run.engine")),
                                []).append(point)
        if refused:
            continue
        built.append((dataclasses.replace(point, index=len(built)) if drop_base_twins else point,
                      scenario))
    if failures:
        raise ScenarioError(_problems(sweep, failures))
    return built


def plan_sweep(sweep: LoadedSweep) -> SweepPlan:
    """The design and every point scenario of a loaded sweep (``spec.load_sweep`` or
    ``spec.spec_from_vary``); raises ScenarioError (exit 2) listing the points' problems."""
    try:
        design = make_design(sweep.factors, sweep.spec.design)
    except ValueError as exc:  # pragma: no cover - make_factors checks what designs need
        raise ScenarioError([sweep.source.problem(("design",), str(exc))]) from None
    return SweepPlan(sweep, design, tuple(build_points(sweep, design)))


def _place(sweep: LoadedSweep, point: Point, exc: PointError) -> tuple:
    """(where in the sweep, message) for a point's problem: the parameter whose key is blamed,
    at the value that point takes where the parameter lists it."""
    factors = sweep.factors
    param = None
    if exc.key is not None:
        param = next((i for i, f in enumerate(factors) if exc.key in f.keys), None)
    if param is None:  # not at one of the keys: the first factor the point moves
        moved = [name for name, _ in point.values]
        param = next((i for i, f in enumerate(factors) if f.name in moved), 0)
    f = factors[param]
    spec_param = sweep.spec.parameters[param]
    loc: tuple = ("parameters", param)
    level = point.value(f.name)
    if f.levels and level in f.levels:
        index = f.levels.index(level)
        if spec_param.values is not None:
            loc = (*loc, "values", index)
        elif isinstance(spec_param.scale, list):
            loc = (*loc, "scale", index)
    at = f"{exc.path}: " if exc.path else ""
    value = f"{f.name}={level_text(f, level)}" if level is not None else f.name
    return loc, f"{value}: the scenario refuses it: {at}{exc.message}"


def _problems(sweep: LoadedSweep, failures: dict[tuple, list[Point]]) -> list[Problem]:
    problems = []
    for (loc, message), pts in list(failures.items())[:MAX_PROBLEMS]:
        first = pts[0]
        more = f" and {len(pts) - 1} other point{'s' if len(pts) > 2 else ''}" if len(pts) > 1 else ""
        problems.append(sweep.source.problem(loc, f"{message} (at point {first.index}: "
                                                   f"{first.label}{more})"))
    if len(failures) > MAX_PROBLEMS:
        problems.append(sweep.source.problem((), f"... and {len(failures) - MAX_PROBLEMS} more "
                                                 "problems with points"))
    return problems

