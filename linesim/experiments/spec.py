"""The sweep definition: a sweep file (or ``--vary`` on the command line) → a validated spec,
its base scenario and its factors.

Stage: core ─► **spec** ─► design ─► points ─► ...

A sweep file names a base scenario (relative to the sweep file), ``run`` overrides, an optional
``target``, the ``parameters`` (factors) and the ``design``::

    name: phase2-cycle
    base: ../scenarios/zhuojun-seats-phase2.yaml
    run: {replications: 10, horizon: 1 year, seed: 2024, precision: 0.5%}
    target: {annual_output: 500000, confidence: 0.9}
    parameters:
      - name: set cycle
        key: stations.set-eol-test.cycle_time      # or keys: [k1, k2] (linked: one factor)
        range: {from: 40 s, to: 50 s, step: 1 s}   # or values: [...] | scale: [0.9, 1.1]
    design: grid   # | one_at_a_time | {latin_hypercube: {points, seed}} | {morris: {...}}

It is read and checked with the scenario loader's machinery (bounded YAML, duplicate keys,
problems with file, line, key path and did-you-mean), in two passes: pydantic checks the shape of
the file; then every parameter is checked against the base scenario (the key exists there, takes
a duration / an integer / a number, a relative value has a base value to scale, values parse with
their units) and turned into a ``core.Factor`` with its levels in the key's own unit (seconds for
durations). Every problem is an exit-2 ``loader.Problem`` placed at its key and line.

``spec_from_vary`` builds the same from ``linesim sweep SCENARIO --vary KEY=VALUES``; its problems
name ``--vary`` and the key.

Written here rather than found in a library: ranges are made with ``numpy.linspace`` and rounded
to 12 significant digits, so ``40 s .. 50 s step 1 s`` is exactly the 11 values 40, 41, ..., 50
(adding a float step accumulates error: 0.1 × 3 is 0.30000000000000004).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal, NamedTuple, Optional, Union

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from .. import distributions
from ..distributions import NonNegDuration, PosDuration
from ..loader import (
    Problem,
    ScenarioError,
    Source,
    list_index,
    load_scenario_source,
    override_value,
    problems_from,
    read_yaml,
    validate_file_data,
)
from ..scenario import ByProduct, Scenario, Target, scenario_name_problem
from ..units import parse_duration, parse_probability
from .core import Factor

# Bounds on what a sweep may ask for (a larger sweep is a mistake, or a job for several files).
MAX_FACTORS = 100  # parameters of one sweep (Morris screening of "which of these 20 matter")
MAX_LEVELS = 1000  # levels of one factor
MAX_POINTS = 10_000  # points of one sweep (each runs every replication)
LABEL_MAX = 100  # characters of a parameter's name
LHS_POINTS_PER_FACTOR = 10  # default latin_hypercube size: 10 points per factor

DESIGNS = ("grid", "one_at_a_time", "latin_hypercube", "morris")
# Union tags of this file's models: they appear in pydantic's error locations, never in a file.
SWEEP_TAGS = frozenset({"scale-list", "scale-range"})


def _significant(x: float, digits: int = 12) -> float:
    return float(f"{x:.{digits}g}")


# -- the file's shape (pydantic) -------------------------------------------------------------
class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _none_as_empty(value):
    return {} if value is None else value


def _scalar(value):
    """A range bound or step: a number, or a string such as '40 s' or '0.5%' (read later, with
    the key's kind in hand)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a number or a duration such as '40 s', got {value!r}")
    return value


Scalar = Annotated[Union[int, float, str], BeforeValidator(_scalar)]
Seed = Annotated[int, Field(ge=0, le=2**63 - 1, strict=True)]


class Range(_Frozen):
    """``{from, to, step}`` or ``{from, to, num}`` (levels), or ``{from, to}`` alone (the bounds
    of a sampled design: latin_hypercube, morris)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"from": "40 s", "to": "50 s", "step": "1 s"}, {"from": 10, "to": 100, "num": 4}]})

    from_: Scalar = Field(alias="from", description=(
        "The first level (or the lower bound of a sampled design), in the key's unit ('40 s')."))
    to: Scalar = Field(description="The last level (or the upper bound), in the key's unit.")
    step: Optional[Scalar] = Field(None, description=(
        "Distance between levels ('0.5 s'); give step or num, or neither for a sampled design."))
    num: Optional[Annotated[int, Field(ge=1, le=MAX_LEVELS, strict=True)]] = Field(None, description=(
        "Number of evenly spaced levels from 'from' to 'to', both included."))

    @model_validator(mode="after")
    def _step_or_num(self):
        if self.step is not None and self.num is not None:
            raise ValueError("give either 'step' or 'num', not both")
        return self


def _scale_kind(value) -> str:
    return "scale-range" if isinstance(value, (dict, Range)) else "scale-list"


ScaleFactor = Annotated[float, Field(gt=0, allow_inf_nan=False, strict=False)]


def _not_bool(value):
    if isinstance(value, bool):
        raise ValueError(f"expected a scale factor (a number > 0, 1 = the base value), got {value!r}")
    return value


ScaleList = Annotated[list[Annotated[ScaleFactor, BeforeValidator(_not_bool)]],
                      Field(min_length=1, max_length=MAX_LEVELS)]
# `scale: [0.9, 1.1]` (levels) or `scale: {from: 0.8, to: 1.2, ...}` (a relative range).
Scale = Annotated[
    Union[Annotated[ScaleList, Tag("scale-list")], Annotated[Range, Tag("scale-range")]],
    Discriminator(_scale_kind),
]


class Parameter(_Frozen):
    """One factor: a key (or linked keys) and its values, range or scale."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"key": "stations.S2.servers", "values": [1, 2, 3]},
        {"name": "foam-trim cycle", "keys": ["stations.A.cycle_time.mean", "stations.B.cycle_time.mean"],
         "range": {"from": "20 s", "to": "25 s", "step": "0.5 s"}},
        {"key": "stations.eol.failures.mttr", "scale": [0.5, 1.0, 2.0]}]})

    name: Optional[str] = Field(None, description=(
        f"A label for tables and charts (default: the key); printable text of 1 to {LABEL_MAX} "
        "characters."))
    key: Optional[str] = Field(None, description=(
        "A dotted key path of the base scenario, as --set takes it (stations by name: "
        "stations.S2.servers). Give key or keys."))
    keys: Optional[Annotated[list[str], Field(min_length=1, max_length=100)]] = Field(None, description=(
        "Linked key paths that move together as one factor. Give key or keys."))
    values: Optional[Annotated[list[Any], Field(min_length=1, max_length=MAX_LEVELS)]] = Field(
        None, description="The levels, as the key takes them ('40 s', 2, '0.5%'). Give one of "
                          "values, range or scale.")
    range: Optional[Range] = Field(None, description=(
        "Levels from, to, by step or num; for a sampled design only the bounds."))
    scale: Optional[Scale] = Field(None, description=(
        "Relative levels: factors of the base value (1 = the base), a list or a range; a "
        "distribution scales as a whole (mean x k, variance x k^2)."))

    @field_validator("name")
    @classmethod
    def _label(cls, v: str) -> str:
        if not v or len(v) > LABEL_MAX or not v.isprintable() or v != v.strip():
            raise ValueError(f"a parameter name is printable text of 1 to {LABEL_MAX} characters "
                             f"(any script), no space at either end, got {v[:60]!r}")
        return v

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        return _check_key(v)

    @field_validator("keys")
    @classmethod
    def _keys(cls, v: list[str]) -> list[str]:
        for k in v:
            _check_key(k)
        if len(set(v)) != len(v):
            raise ValueError("a key is listed twice")
        return v

    @model_validator(mode="after")
    def _complete(self):
        if (self.key is None) == (self.keys is None):
            raise ValueError("give 'key' (one key path) or 'keys' (linked key paths), not both")
        given = [n for n in ("values", "range", "scale") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'values' (a list), 'range' ({from, to, step} or "
                             "{from, to, num}) or 'scale' (factors of the base value)"
                             + (f"; got {', '.join(given)}" if given else ""))
        return self

    @property
    def key_list(self) -> tuple[str, ...]:
        return (self.key,) if self.key is not None else tuple(self.keys)


def _check_key(v: str) -> str:
    if not v or v != v.strip() or any(not p for p in v.split(".")) or not v.isprintable():
        raise ValueError(f"expected a dotted key path as --set takes it (e.g. "
                         f"stations.S2.servers), got {v[:80]!r}")
    return v


class SweepRun(_Frozen):
    """Overrides of the base scenario's run block for every point; ``replications`` is the
    maximum per point when ``precision`` is given."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"replications": 5, "precision": "0.5%"}]})

    replications: Optional[Annotated[int, Field(ge=1, le=100000, strict=True)]] = Field(None, description=(
        "Replications of every point (the maximum when precision is given). Default: the base's."))
    horizon: Optional[PosDuration] = Field(None, description="Calendar time observed. Default: the base's.")
    warmup: Optional[NonNegDuration] = Field(None, description="Scheduled warm-up time. Default: the base's.")
    seed: Optional[Seed] = Field(None, description="Root seed of every point. Default: the base's.")
    # The half-width of each point's 95 % interval (and of its paired difference to the base)
    # wanted, as a share of the mean: 0.5% or 0.005.
    precision: Optional[Annotated[float, BeforeValidator(parse_probability), Field(gt=0, lt=1)]] = Field(
        None, description=(
            "Add replications in batches until each point's 95 % interval (and its paired "
            "difference to the base) is within this share of the mean ('0.5%')."))
    # The engine of every point (one engine per sweep: see experiments.sweep.run_sweep).
    engine: Optional[Literal["auto", "simpy", "fast"]] = Field(None, description=(
        "The engine of every point (one engine per sweep, so differences stay paired): auto, "
        "simpy or fast, as the scenario's run.engine. Default: the base's."))


class LatinHypercubeSpec(_Frozen):
    """A Latin hypercube sample of the factors' ranges (each factor given by range bounds)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"points": 20, "seed": 1}]})

    points: Optional[Annotated[int, Field(ge=1, le=MAX_POINTS, strict=True)]] = Field(None, description=(
        f"Points sampled (default {LHS_POINTS_PER_FACTOR} per factor)."))
    seed: Seed = Field(1, description="Seed of the sample (not of the simulation).")


class MorrisSpec(_Frozen):
    """Morris elementary-effects screening (SALib): which factors matter, from few runs."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"trajectories": 10, "levels": 4, "seed": 1}]})

    trajectories: Annotated[int, Field(ge=2, le=1000, strict=True)] = Field(10, description=(
        "Trajectories (each has factors + 1 points)."))
    levels: Annotated[int, Field(ge=2, le=100, strict=True)] = Field(4, description=(
        "Grid levels per factor, an even number."))
    seed: Seed = Field(1, description="Seed of the trajectories (not of the simulation).")

    @field_validator("levels")
    @classmethod
    def _even(cls, v: int) -> int:
        if v % 2:
            raise ValueError(f"Morris levels must be even (4, 6, 8: the elementary step is "
                             f"p/(2(p-1)) of the range), got {v}")
        return v


class _Empty(_Frozen):
    pass


def _design_form(value):
    """``design: grid`` is ``design: {grid: {}}``; an unknown name is refused with did-you-mean."""
    if value is None:
        return {"grid": {}}
    if isinstance(value, str):
        if value not in DESIGNS:
            close = difflib.get_close_matches(value, DESIGNS, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"unknown design {value[:40]!r}{hint} (one of: {', '.join(DESIGNS)})")
        return {value: {}}
    if isinstance(value, dict):
        return {k: ({} if v is None else v) for k, v in value.items()}
    raise ValueError(f"expected a design name ({', '.join(DESIGNS)}) or a mapping such as "
                     "{latin_hypercube: {points: 20, seed: 1}}")


class DesignSpec(_Frozen):
    """Which points are run: a name (``design: grid``) or a mapping with one design's options."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"one_at_a_time": {}}, {"latin_hypercube": {"points": 20, "seed": 1}}]})

    grid: Optional[_Empty] = Field(None, description="Every combination of the factors' levels.")
    one_at_a_time: Optional[_Empty] = Field(None, description=(
        "Each factor's levels with every other factor at its base value."))
    latin_hypercube: Optional[LatinHypercubeSpec] = Field(None, description=(
        "A Latin hypercube sample of the ranges."))
    morris: Optional[MorrisSpec] = Field(None, description="Morris screening (SALib).")

    @model_validator(mode="after")
    def _one(self):
        given = [n for n in DESIGNS if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(f"give one design (one of: {', '.join(DESIGNS)})"
                             + (f", not {' and '.join(given)}" if given else ""))
        return self

    @property
    def kind(self) -> str:
        return next(n for n in DESIGNS if getattr(self, n) is not None)

    @property
    def sampled(self) -> bool:
        return self.kind in ("latin_hypercube", "morris")


Design = Annotated[DesignSpec, BeforeValidator(_design_form)]


class SweepSpec(_Frozen):
    """A sweep file, validated (its ``name`` filled from the file's stem when not given)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "ref-d-cycle", "base": "../scenarios/reference/ref-d.yaml",
         "run": {"replications": 5, "horizon": "30 d"},
         "parameters": [{"key": "stations.S2.cycle_time.mean", "values": ["30 s", "36 s", "42 s"]}],
         "design": "grid"}]})

    name: Optional[str] = Field(None, description=(
        "The experiment's id; names its result folder (default: the file's name without .yaml)."))
    base: str = Field(description="The base scenario file, relative to the sweep file.")
    description: str = Field("", description="Free text shown with the results.")
    run: Annotated[SweepRun, BeforeValidator(_none_as_empty)] = Field(SweepRun(), description=(
        "Overrides of the base scenario's run block, for every point."))
    target: Optional[Target] = Field(None, description="Replaces the base scenario's target.")
    parameters: Annotated[list[Parameter], Field(min_length=1, max_length=MAX_FACTORS)] = Field(
        description="The factors: each a key (or linked keys) with its levels.")
    design: Design = Field(DesignSpec(grid=_Empty()), description=(
        "grid (default), one_at_a_time, {latin_hypercube: {...}} or {morris: {...}}; point 0 "
        "is always the base scenario."))

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        why = scenario_name_problem(v)
        if why:
            raise ValueError(f"sweep name {v[:60]!r}: {why}")
        return v

    @field_validator("base")
    @classmethod
    def _base(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("expected the path of the base scenario file (relative to the sweep file)")
        return v


# -- keys: do they exist in the base, and what do they take? -----------------------------------
class KeyProblem(Exception):
    """A key path that the base scenario does not have (message says what is there)."""


def lookup(data: Any, dotted: str) -> tuple[Any, str]:
    """The value at a dotted key path of resolved scenario data, as ``loader.set_dotted`` would
    address it (list items by index or by ``name``): (value, the key path as problems show it).
    Raises KeyProblem saying what exists there, with did-you-mean."""
    node, shown = data, ""
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        where = shown or "the scenario"
        if isinstance(node, list):
            names = [item.get("name") for item in node if isinstance(item, dict)]
            match = list_index(node, part)
            if match is None:
                known = [n for n in names if isinstance(n, str)]
                close = difflib.get_close_matches(part, known, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                listed = ", ".join(known[:30]) + (", ..." if len(known) > 30 else "")
                what = "station" if shown == "stations" else "item"
                raise KeyProblem(f"no {what} {part!r} in {where}{hint} (by name: {listed})")
            shown += f"[{match}]"
            node = node[match]
        elif isinstance(node, dict):
            if part not in node:
                close = difflib.get_close_matches(part, [str(k) for k in node], n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise KeyProblem(f"no key {part!r} in {where} of the base scenario{hint} "
                                 f"(keys there: {', '.join(sorted(map(str, node)))})")
            shown = f"{shown}.{part}" if shown else part
            node = node[part]
        else:
            what = "not set" if node is None else f"{node!r}, not a mapping"
            raise KeyProblem(f"{where} is {what} in the base scenario: it has no "
                             f"{'.'.join(parts[i:])!r} (give the whole value at {where} instead)")
    return node, shown


# Kinds of value a key takes (from the scenario's types): they decide how values are read
# (units), whether a sampled value is rounded, and what a relative value scales.
DURATION, DISTRIBUTION, INTEGER, PROBABILITY, NUMBER, OTHER = (
    "duration", "distribution", "integer", "probability", "number", "other")


def _flatten(ann: Any, meta: tuple = ()) -> list[tuple[Any, tuple]]:
    """The alternatives of a type annotation, each with the metadata wrapped around it."""
    origin = typing.get_origin(ann)
    if origin is Annotated:
        base, *more = typing.get_args(ann)
        return _flatten(base, meta + tuple(more))
    if origin in (Union, types.UnionType):
        return [alt for arg in typing.get_args(ann) for alt in _flatten(arg, meta)]
    return [(ann, meta)]


def _step(alternatives: list[tuple[Any, tuple]], part: str) -> list[tuple[Any, tuple]]:
    out: list[tuple[Any, tuple]] = []
    for ann, _ in alternatives:
        origin = typing.get_origin(ann)
        if origin is list:
            out.extend(_flatten(typing.get_args(ann)[0]))
        elif origin is dict:
            out.extend(_flatten(typing.get_args(ann)[1]))
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            for name, field in ann.model_fields.items():
                if part in (name, field.alias):
                    out.extend(_flatten(field.annotation, tuple(field.metadata)))
    return out


def _validator_funcs(meta: tuple) -> set:
    return {getattr(m, "func", None) for m in meta}


def key_kind(dotted: str) -> str:
    """What the scenario's types say the key takes: a duration (seconds), a random duration
    (a distribution: a bare duration or a mapping), an integer, a probability, a plain number,
    or something else (names, mappings, literals)."""
    alts = _flatten(Scenario)
    for part in dotted.split("."):
        alts = _step(alts, part)
    kinds = set()
    for ann, meta in alts:
        funcs = _validator_funcs(meta)
        if isinstance(ann, type) and (issubclass(ann, distributions._Spec) or ann is ByProduct):
            kinds.add(DISTRIBUTION)
        elif parse_duration in funcs:
            kinds.add(DURATION)
        elif parse_probability in funcs:
            kinds.add(PROBABILITY)
        elif ann is int:
            kinds.add(INTEGER)
        elif ann is float:
            kinds.add(NUMBER)
    for kind in (DISTRIBUTION, DURATION, INTEGER, PROBABILITY, NUMBER):
        if kind in kinds:
            return kind
    return OTHER


TIMED = (DURATION, DISTRIBUTION)  # keys whose values are read with time units
NUMERIC = (DURATION, DISTRIBUTION, INTEGER, PROBABILITY, NUMBER)


def scalable(value: Any) -> bool:
    """Whether a base value can be multiplied by a scale factor: a number, a distribution, or
    cycle times by product."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, dict) and "dist" in value:
        return True
    return (isinstance(value, dict) and set(value) == {"by_product"}
            and isinstance(value["by_product"], dict)
            and all(isinstance(d, dict) and "dist" in d for d in value["by_product"].values()))


# -- factors ----------------------------------------------------------------------------------
class LoadedSweep(NamedTuple):
    """A checked sweep: the spec (name filled in), the base scenario with the sweep's run and
    target applied (point 0), the factors, and where problems are placed (``.problem(loc, msg)``:
    the sweep file, or the command line for ``--vary``)."""

    spec: SweepSpec
    base: Scenario
    factors: list[Factor]
    source: Any  # loader.Source or CommandLine

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def precision(self) -> Optional[float]:
        """The sweep's ``run.precision``, else the base scenario's (when its run block has one)."""
        if self.spec.run.precision is not None:
            return self.spec.run.precision
        return getattr(self.base.run, "precision", None)

    @property
    def max_replications(self) -> int:
        return self.base.run.replications

    def definition(self) -> dict:
        return definition(self)

    def definition_hash(self) -> str:
        return definition_hash(self)


class _Problems:
    """Problems found in the second pass, placed by the source."""

    def __init__(self, source):
        self.source, self.items = source, []

    def add(self, loc: tuple, message: str) -> None:
        self.items.append(self.source.problem(loc, message))


def _read_number(value: Any, kind: str) -> Any:
    """A level given for a key of ``kind``, in the key's own unit; ValueError if it cannot be one."""
    if kind in TIMED:
        if isinstance(value, dict):
            return value  # a distribution mapping, checked by the scenario
        return _significant(parse_duration(value))
    if kind == PROBABILITY:
        return parse_probability(value)
    if kind == INTEGER:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value  # an int, or e.g. 'unlimited' (checked by the scenario)
    if kind == NUMBER and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def _bound(value: Any, kind: str, relative: bool) -> float:
    """A range bound or step as a number in the key's unit (ValueError saying what is expected)."""
    if relative:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a scale factor (a number, 1 = the base value), got {value!r}")
        return float(value)
    if kind in TIMED:
        return parse_duration(value)
    if kind == PROBABILITY:
        return parse_probability(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    return value


def range_levels(start: float, stop: float, step: Optional[float], num: Optional[int]) -> list[float]:
    """The levels of a range: ``from`` to ``to`` by ``step`` (``to`` included when a whole number
    of steps away; never beyond it) or ``num`` evenly spaced values, without float drift
    (linspace, 12 significant digits). ValueError when the range is empty or too long."""
    if stop < start:
        raise ValueError(f"'to' ({stop:g}) is below 'from' ({start:g})")
    if num is not None:
        if num == 1 and stop != start:
            raise ValueError("num 1 gives one value: give num >= 2, or values: [...]")
        raw = np.linspace(start, stop, num)
    else:
        if not step > 0:
            raise ValueError(f"'step' must be > 0, got {step:g}")
        count = math.floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1
        if count > MAX_LEVELS:
            raise ValueError(f"{count:,} levels, more than {MAX_LEVELS:,}: use a larger step")
        raw = np.linspace(start, start + step * (count - 1), count)
    return [_significant(float(x)) for x in raw]


def _levels(i: int, p: Parameter, kind: str, integer: bool, design: DesignSpec,
            out: _Problems) -> tuple[tuple, Optional[tuple[float, float]], bool]:
    """(levels, bounds, relative) of parameter ``i``; problems added to ``out``."""
    relative = p.scale is not None
    spec = p.scale if relative else p.range
    if isinstance(spec, Range):
        where = ("parameters", i, "scale" if relative else "range")
        if not relative and kind not in NUMERIC:
            out.add(where, "a range needs a key that takes a number or a duration; use values: [...]")
            return (), None, relative
        try:
            start = _bound(spec.from_, kind, relative)
        except ValueError as exc:
            out.add((*where, "from"), str(exc))
            return (), None, relative
        try:
            stop = _bound(spec.to, kind, relative)
        except ValueError as exc:
            out.add((*where, "to"), str(exc))
            return (), None, relative
        step = None
        if spec.step is not None:
            try:
                step = _bound(spec.step, kind, relative)
            except ValueError as exc:
                out.add((*where, "step"), str(exc))
                return (), None, relative
        if relative and start <= 0:
            out.add((*where, "from"), f"a scale factor must be > 0, got {start:g}")
            return (), None, relative
        if spec.step is None and spec.num is None:
            if not design.sampled:
                out.add(where, f"give 'step' or 'num': the {design.kind} design needs levels (a "
                               "range with only 'from' and 'to' is for latin_hypercube and morris)")
                return (), None, relative
            if stop <= start:
                out.add((*where, "to"), f"'to' ({stop:g}) must be above 'from' ({start:g}): a "
                                        "sampled design draws values between them")
                return (), None, relative
            if integer and not relative and not (float(start).is_integer()
                                                 and float(stop).is_integer()):
                out.add(where, f"{p.key_list[0]} takes whole numbers: give whole 'from' and 'to'")
                return (), None, relative
            return (), (float(start), float(stop)), relative
        if integer and not relative and step is not None and not float(step).is_integer():
            out.add((*where, "step"), f"{p.key_list[0]} takes whole numbers: the step must be one, "
                                      f"got {step:g}")
            return (), None, relative
        try:
            levels = range_levels(float(start), float(stop), step, spec.num)
        except ValueError as exc:
            out.add(where, str(exc))
            return (), None, relative
        if integer and not relative:
            if not all(float(x).is_integer() for x in levels):
                out.add(where, f"{p.key_list[0]} takes whole numbers: num {spec.num} from "
                               f"{start:g} to {stop:g} gives fractions; use a whole 'step'")
                return (), None, relative
            levels = [int(x) for x in levels]
        return tuple(levels), None, relative
    raw = list(p.scale if relative else p.values)
    where = ("parameters", i, "scale" if relative else "values")
    levels, ok = [], True
    for j, value in enumerate(raw):
        try:
            levels.append(float(value) if relative else _read_number(value, kind))
        except ValueError as exc:
            out.add((*where, j), str(exc))
            ok = False
    if not ok:
        return (), None, relative
    seen: list = []
    for j, level in enumerate(levels):
        if level in seen:
            out.add((*where, j), f"the value {_show(raw[j])} is given twice")
            return (), None, relative
        seen.append(level)
    return tuple(levels), None, relative


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


def make_factors(spec: SweepSpec, base: Scenario, source) -> list[Factor]:
    """The factors of a validated spec, checked against the base scenario; ScenarioError with
    every problem placed by ``source``."""
    out = _Problems(source)
    data = base.resolved()
    factors: list[Factor] = []
    claimed: dict[str, tuple[int, str]] = {}  # key as problems show it -> (parameter, key)
    names: dict[str, int] = {}
    for i, p in enumerate(spec.parameters):
        keys = p.key_list
        key_loc = lambda j: ("parameters", i, "key") if p.key is not None else ("parameters", i, "keys", j)  # noqa: E731
        kinds, ok = [], True
        for j, key in enumerate(keys):
            if key.split(".")[0] == "run":
                out.add(key_loc(j), "the run block is not a parameter: set replications, horizon, "
                                    "warmup and seed in the sweep's run block (every point shares "
                                    "them; the seed must be the same for common random numbers)")
                ok = False
                continue
            try:
                value, shown = lookup(data, key)
            except KeyProblem as exc:
                out.add(key_loc(j), str(exc))
                ok = False
                continue
            clash = next((other for other in claimed
                          if shown == other or shown.startswith(other + ".")
                          or shown.startswith(other + "[") or other.startswith(shown + ".")
                          or other.startswith(shown + "[")), None)
            if clash is not None:
                other, other_key = claimed[clash]
                same = "is" if clash == shown else "overlaps"
                out.add(key_loc(j), f"{key} {same} {other_key}, already set by "
                                    f"{_parameter_ref(source, other)}: one value per key")
                ok = False
                continue
            claimed[shown] = (i, key)
            kind = key_kind(key)
            if p.scale is not None and not scalable(value):
                what = "not set" if value is None else _show(value)
                out.add(key_loc(j), f"{key} is {what} in the base scenario: a scale needs a number "
                                    "or a duration there; give values instead")
                ok = False
                continue
            kinds.append(kind)
        if not ok:
            continue
        timed = [k in TIMED for k in kinds]
        if len(set(timed)) > 1 or len({k for k in kinds if k not in TIMED}) > 1:
            out.add(("parameters", i, "keys"), "linked keys must take the same kind of value (all "
                                               f"durations, or all numbers): got {', '.join(kinds)}")
            continue
        kind = kinds[0]
        integer = kind == INTEGER
        levels, bounds, relative = _levels(i, p, kind, integer, spec.design, out)
        if not levels and bounds is None:
            continue
        if spec.design.kind == "morris" and bounds is None and len(levels) < 2:
            out.add(("parameters", i), "Morris screening moves every factor: give at least two "
                                       "values, or a range")
            continue
        name = p.name or (keys[0] if len(keys) == 1 else f"{keys[0]} (+{len(keys) - 1} linked)")
        if name in names:
            out.add(("parameters", i, "name") if p.name else key_loc(0),
                    f"the name {name!r} is used by {_parameter_ref(source, names[name])} too: "
                    "give each parameter its own name")
            continue
        names[name] = i
        unit = "×" if relative else ("s" if kind in TIMED else "")
        factors.append(Factor(name=name, keys=tuple(keys), levels=levels, relative=relative,
                              bounds=bounds, integer=integer and not relative, unit=unit))
    if not out.items:
        count = design_size(factors, spec.design)
        if count > MAX_POINTS:
            out.add(("design",), f"{count:,} points, more than {MAX_POINTS:,}: use fewer levels, "
                                 "one_at_a_time, or a sampled design (latin_hypercube)")
    if out.items:
        raise ScenarioError(out.items)
    return factors


def _parameter_ref(source, i: int) -> str:
    if isinstance(source, CommandLine):
        return f"--vary {source.vary[i][:60]}"
    return f"parameters[{i}]"


def design_size(factors: list[Factor], design: DesignSpec) -> int:
    """Points the design makes besides the base (before points equal to the base are dropped)."""
    kind = design.kind
    if kind == "grid":
        return math.prod(len(f.levels) for f in factors)
    if kind == "one_at_a_time":
        return sum(len(f.levels) for f in factors)
    if kind == "latin_hypercube":
        return design.latin_hypercube.points or LHS_POINTS_PER_FACTOR * len(factors)
    return design.morris.trajectories * (len(factors) + 1)


# -- base scenario, run and target --------------------------------------------------------------
def apply_run(base: Scenario, spec: SweepSpec, source) -> Scenario:
    """The base scenario with the sweep's run overrides (precision excepted: the sweep loop's) and
    target applied: point 0 of the sweep."""
    data = base.resolved()
    run = spec.run.model_dump(exclude_none=True, exclude={"precision"})
    data["run"].update(run)
    if spec.target is not None:
        data["target"] = spec.target.model_dump(mode="json")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:  # pragma: no cover - the run types are the scenario's own
        raise ScenarioError([source.problem(("run",), p.message)
                             for p in problems_from(exc, "", None)]) from None


def _complete(spec: SweepSpec, factors: list[Factor]) -> SweepSpec:
    """The spec with its defaults written out (the latin_hypercube size)."""
    if spec.design.kind == "latin_hypercube" and spec.design.latin_hypercube.points is None:
        lhs = spec.design.latin_hypercube.model_copy(
            update={"points": LHS_POINTS_PER_FACTOR * len(factors)})
        spec = spec.model_copy(update={"design": spec.design.model_copy(update={"latin_hypercube": lhs})})
    return spec


def load_sweep(path: str | Path, overrides: Iterable[tuple[str, Any]] = ()) -> LoadedSweep:
    """Read and check a sweep file and its base scenario (``overrides``: ``--set`` pairs applied to
    the base). Raises ScenarioError listing every problem: the sweep file's (file, line, key
    path, did-you-mean), a missing base at ``base``, or the base scenario's own problems."""
    path = Path(path)
    file = str(path)
    data, node = read_yaml(path, "sweep")
    source = Source(file, node)
    spec = validate_file_data(SweepSpec, data, file, node, SWEEP_TAGS)
    if spec.name is None:
        why = scenario_name_problem(path.stem)
        if why:
            raise ScenarioError([Problem(file, "name", None,
                                         f"the sweep is named after its file ({path.stem[:60]!r}), "
                                         f"which cannot name its results folder: give 'name:' ({why})")])
        spec = spec.model_copy(update={"name": path.stem})
    base_path = path.parent / spec.base
    if not base_path.exists():
        raise ScenarioError([source.problem(("base",), f"no such scenario file {spec.base!r} "
                                                       f"(looked for {base_path}; the path is "
                                                       "relative to the sweep file)")])
    if base_path.is_dir():
        raise ScenarioError([source.problem(("base",), f"{spec.base!r} is a folder: expected a "
                                                       "scenario file")])
    base, _ = load_scenario_source(base_path, overrides)
    base = apply_run(base, spec, source)
    factors = make_factors(spec, base, source)
    return LoadedSweep(_complete(spec, factors), base, factors, source)


# -- the same from the command line ---------------------------------------------------------------
class CommandLine:
    """Places a problem of a sweep made from command-line options: a parameter's at its
    ``--vary`` (the key named), the design's at ``--design``, others at the option named."""

    def __init__(self, vary: list[str], file: str = "--vary"):
        self.vary, self.file = list(vary), file

    def problem(self, loc: tuple, message: str) -> Problem:
        loc = tuple(loc)
        if loc and loc[0] == "parameters" and len(loc) > 1 and isinstance(loc[1], int) \
                and loc[1] < len(self.vary):
            key = self.vary[loc[1]].partition("=")[0].strip()
            rest = _loc_text(loc[2:] if loc[2:3] not in (("key",), ("keys",)) else loc[4:])
            return Problem("--vary", key, None, f"{rest}: {message}" if rest else message)
        if loc and loc[0] == "design":
            return Problem("--design", "", None, message)
        return Problem("command line", _loc_text(loc), None, message)

    def remap(self, problem: Problem) -> Problem:
        """A pydantic problem (placed by path) placed on the command line."""
        found = re.match(r"^parameters\[(\d+)\]\.?(.*)$", problem.path)
        if found:
            rest = tuple(x for x in re.split(r"[.\[\]]+", found.group(2)) if x)
            return self.problem(("parameters", int(found.group(1)), *rest), problem.message)
        head = problem.path.split(".")[0].split("[")[0]
        return self.problem((head, *problem.path.split(".")[1:]) if head else (), problem.message)


def _loc_text(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_RANGE_RE = re.compile(r"^(?P<from>.+?)\.\.(?P<to>[^:/]+?)(?:(?P<sep>[:/])(?P<by>.+))?$")


def parse_vary(item: str) -> dict:
    """One ``--vary KEY=VALUES`` as a sweep file's parameter mapping. VALUES is a list
    ``40 s,45 s,50 s`` (or a YAML flow list ``[...]``), a range by step ``40s..50s:1s``, by count
    ``40s..50s/11``, bounds ``40s..50s`` (sampled designs), or a scale ``x0.9,1,1.1`` / ``x0.8..1.2/5``.
    KEY may be linked keys separated by commas (``k1,k2=...``). Raises ValueError."""
    key, sep, raw = item.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key:
        raise ValueError(f"expected KEY=VALUES, got {item[:80]!r}")
    if not raw:
        raise ValueError("no values after '='")
    keys = [k.strip() for k in key.split(",")]
    param: dict[str, Any] = {"key": keys[0]} if len(keys) == 1 else {"keys": keys}
    relative = raw[0] in "x×"
    body = raw[1:].strip() if relative else raw
    found = _RANGE_RE.match(body)
    if found and not body.startswith("["):
        rng: dict[str, Any] = {"from": _value(found["from"]), "to": _value(found["to"])}
        if found["sep"] == ":":
            rng["step"] = _value(found["by"])
        elif found["sep"] == "/":
            try:
                rng["num"] = int(found["by"])
            except ValueError:
                raise ValueError(f"expected a whole number of values after '/', got "
                                 f"{found['by'][:40]!r}") from None
        param["scale" if relative else "range"] = rng
        return param
    if body.startswith("["):
        values = _value(body)
        if not isinstance(values, list):
            raise ValueError(f"expected a list [a, b, ...], got {body[:80]!r}")
    else:
        items = [v.strip() for v in body.split(",")]
        if any(not v for v in items):
            raise ValueError(f"an empty value in {body[:80]!r}")
        values = [_value(v) for v in items]
    param["scale" if relative else "values"] = values
    return param


def _value(text: str) -> Any:
    return override_value(text.strip())


def spec_from_vary(scenario_path: str | Path, vary: list[str], design: Any = "grid", *,
                   name: Optional[str] = None, run: Optional[dict] = None,
                   target: Optional[dict] = None,
                   overrides: Iterable[tuple[str, Any]] = ()) -> LoadedSweep:
    """``linesim sweep SCENARIO --vary KEY=VALUES ...``: the sweep those options describe, checked
    like a file (repeated ``--vary`` = the factors of the design, a grid by default). ``design``
    is a design name or mapping (as in a file); ``run``/``target`` as a file's blocks (only the
    options given); ``overrides`` are ``--set`` pairs for the scenario. The sweep is named
    ``<scenario name>-sweep`` unless ``name`` is given. Raises ScenarioError: problems with a
    --vary name ``--vary`` and its key; the scenario's own problems name its file."""
    cli = CommandLine(vary)
    problems, params = [], []
    for i, item in enumerate(vary):
        try:
            params.append(parse_vary(item))
        except ValueError as exc:
            problems.append(Problem("--vary", item.partition("=")[0].strip() or item[:40], None,
                                    str(exc)))
    if not vary:
        problems.append(Problem("--vary", "", None, "give at least one --vary KEY=VALUES"))
    if problems:
        raise ScenarioError(problems)
    return spec_from_parameters(scenario_path, params, design, name=name, run=run,
                                target=target, overrides=overrides, source=cli)


def spec_from_parameters(base: str | Path | Scenario, parameters: list[dict], design: Any = "grid",
                         *, name: Optional[str] = None, run: Optional[dict] = None,
                         target: Optional[dict] = None, overrides: Iterable[tuple[str, Any]] = (),
                         source: Optional[CommandLine] = None) -> LoadedSweep:
    """The sweep of ``parameters`` (mappings as a sweep file's ``parameters`` list them) over
    ``base``: a scenario file (``overrides`` applied to it), or a Scenario already made (the
    Python API). ``design``, ``name``, ``run`` and ``target`` as for ``spec_from_vary``;
    problems are placed by ``source`` (default: the parameters as ``--vary`` options)."""
    cli = source if source is not None else CommandLine(
        [f"{p.get('key') or ','.join(p.get('keys') or ())}=" for p in parameters])
    data = {"base": base.name if isinstance(base, Scenario) else str(base),
            "parameters": parameters, "design": design,
            "run": {k: v for k, v in (run or {}).items() if v is not None}}
    if name is not None:
        data["name"] = name
    if target is not None:
        data["target"] = target
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        found = problems_from(exc, "--vary", None, SweepSpec, tags=SWEEP_TAGS)
        raise ScenarioError([cli.remap(p) for p in found]) from None
    scenario = base if isinstance(base, Scenario) else load_scenario_source(base, overrides)[0]
    if spec.name is None:
        spec = spec.model_copy(update={"name": _sweep_name(scenario.name)})
    scenario = apply_run(scenario, spec, cli)
    factors = make_factors(spec, scenario, cli)
    return LoadedSweep(_complete(spec, factors), scenario, factors, cli)


def with_run(loaded: LoadedSweep, run: dict) -> LoadedSweep:
    """A loaded sweep file with run options given beside it (``linesim sweep FILE -n 5``, the
    Python API): they win over the file's run block. Raises ValueError for a bad value."""
    import dataclasses

    spec = loaded.spec
    merged = {**spec.run.model_dump(mode="json", exclude_none=True), **run}
    try:
        new_run = SweepRun.model_validate(merged)
    except ValidationError as exc:  # bad option values
        raise ValueError(str(exc).splitlines()[-1]) from None
    spec = spec.model_copy(update={"run": new_run})
    source = loaded.source
    if hasattr(source, "overridden"):  # problems at these keys are the command line's
        source = dataclasses.replace(source, overridden=(*source.overridden,
                                                         *(f"run.{k}" for k in run)))
    return loaded._replace(spec=spec, base=apply_run(loaded.base, spec, source), source=source)


def _sweep_name(scenario_name: str) -> str:
    """``<scenario>-sweep`` (beside the scenario's own run folder, not over it), shortened to fit."""
    name = f"{scenario_name}-sweep"
    while scenario_name_problem(name) and len(scenario_name) > 1:
        scenario_name = scenario_name[:-1].rstrip(".")
        name = f"{scenario_name}-sweep"
    return name


# -- the definition and its hash (resume refuses a changed sweep or base) -------------------------
def canonical_json(data: Any) -> str:
    """JSON with sorted keys, no spaces, UTF-8 text as is: the same data gives the same text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the resolved scenario's canonical JSON: equal scenarios, equal hashes."""
    return _sha256(canonical_json(scenario.resolved()))


def factor_dict(factor: Factor) -> dict:
    return {"name": factor.name, "keys": list(factor.keys), "levels": list(factor.levels),
            "relative": factor.relative,
            "bounds": list(factor.bounds) if factor.bounds is not None else None,
            "integer": factor.integer, "unit": factor.unit}


def resolved(sweep: LoadedSweep) -> dict:
    """The sweep as it runs, every default written out and every level in the key's unit
    (seconds for durations): for ``sweep.resolved.yaml`` and the store."""
    spec = sweep.spec
    return {
        "name": spec.name,
        "base": spec.base,
        "base_scenario": sweep.base.name,
        "description": spec.description,
        "run": {**{k: v for k, v in sweep.base.run.model_dump(mode="json").items()
                   if not (k == "engine" and v == "auto")},  # as Scenario.resolved: unset
                "precision": sweep.precision},
        "target": sweep.base.target.model_dump(mode="json") if sweep.base.target else None,
        "design": spec.design.model_dump(mode="json", exclude_none=True),
        "parameters": [factor_dict(f) for f in sweep.factors],
    }


def definition(sweep: LoadedSweep) -> dict:
    """What the sweep computes: the resolved sweep without its description and base path (text
    that changes no result), and the base scenario (run and target applied) resolved."""
    sweep_part = {k: v for k, v in resolved(sweep).items()
                  if k not in ("description", "base", "base_scenario")}
    return {"sweep": sweep_part, "base": sweep.base.resolved()}


def definition_hash(sweep: LoadedSweep) -> str:
    """sha256 of the definition's canonical JSON: a sweep resumes only into a store made with
    the same hash."""
    return _sha256(canonical_json(definition(sweep)))
