"""JSON Schema of the scenario and sweep files, generated from the pydantic models.

Stage: beside the loader, above ``scenario``, ``distributions`` and ``experiments.spec``; used
by ``linesim schema``, by ``docs_gen`` (the format reference) and by editors (the YAML language
server reads ``docs/scenario.schema.json``).

pydantic's ``model_json_schema`` describes the values *after* validation (seconds as numbers,
fractions as numbers). A file may say more than that, because the models' before-validators
and the loader read it first: ``"35 s"`` or ``35`` for a duration, ``"0.5%"`` or ``0.005`` for a
probability, a bare duration for a distribution, ``run: null``, ``design: grid``, an empirical
distribution as ``file`` + ``column``. ``SchemaGenerator`` writes those input forms into the
schema where pydantic meets each before-validator, so the schema accepts what the loader
accepts. A before-validator it does not know is an error (``UnknownInputForm``): a new input
form must be taught to the schema too, or the schema would refuse files linesim reads.

What the schema cannot say is left to the loader: names that must refer to stations, products
or calendars, fractions that must sum to 1, one of two keys, the flow's shape. The schema checks
keys, types, units, enumerations and bounds, which is what an editor needs for completion and
for marking a typo as you write.

Written here rather than with a library: pydantic's generator is the library; this module only
teaches it linesim's input forms (a subclass of ``GenerateJsonSchema``, as pydantic documents).
"""

from __future__ import annotations

import copy
import json
from typing import Any, Literal

from pydantic.json_schema import GenerateJsonSchema

from . import distributions, units

KINDS = ("scenario", "sweep")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The docs folder's file for each kind (``linesim schema KIND --out`` writes anywhere).
SCHEMA_FILES = {"scenario": "scenario.schema.json", "sweep": "sweep.schema.json"}


class UnknownInputForm(RuntimeError):
    """A before-validator the schema generator has not been taught: the schema would not know
    what it accepts."""


def _unit_alternatives() -> str:
    """Every time unit ``units.parse_duration`` knows, case-insensitively (JSON Schema regexes
    have no flags: each letter as a class), longest first."""
    def any_case(name: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" for c in name)

    names = sorted(units._UNIT_SECONDS, key=lambda n: (-len(n), n))
    return "(?:" + "|".join(any_case(n) for n in names) + ")"


_SPACE = r"[ \t]*"
_MANTISSA = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_EXPONENT = r"(?:[eE][+-]?[0-9]+)?"
_NONZERO = r"(?=[^eE]*[1-9])"  # a non-zero digit before any exponent: the value is not 0


# A probability as text: a percentage from 0 to 100 ('0.5%', '100 %') or a number from 0 to 1.
_PERCENT = r"(?:100(?:\.0*)?|[0-9]{1,2}(?:\.[0-9]*)?|\.[0-9]+)"
_FRACTION = r"(?:1(?:\.0*)?|0+(?:\.[0-9]*)?|\.[0-9]+)"
_PROBABILITY_PATTERN = (f"^{_SPACE}\\+?(?:{_PERCENT}{_SPACE}%|{_FRACTION}){_SPACE}$")


def _duration_pattern(sign: str, nonzero: bool = False) -> str:
    return (f"^{_SPACE}{sign}{_NONZERO if nonzero else ''}{_MANTISSA}{_EXPONENT}{_SPACE}"
            f"{_unit_alternatives()}?{_SPACE}$")


# Input forms of linesim's quantities, shared through $defs.
QUANTITY_DEFS: dict[str, dict] = {
    "Duration": {
        "description": "A duration: a number of seconds, or a string of a number and a time unit "
                       "('75 s', '1.5 min', '8 h', '2 d', '4 weeks', '1 year' = 365 d).",
        "anyOf": [{"type": "number"},
                  {"type": "string", "pattern": _duration_pattern("[+-]?")}],
    },
    "NonNegativeDuration": {
        "description": "A duration >= 0: a number of seconds, or a string of a number and a time "
                       "unit ('75 s', '1.5 min', '8 h', '2 d', '4 weeks', '1 year' = 365 d).",
        "anyOf": [{"type": "number", "minimum": 0},
                  {"type": "string", "pattern": _duration_pattern(r"\+?")}],
    },
    "PositiveDuration": {
        "description": "A duration > 0: a number of seconds, or a string of a number and a time "
                       "unit ('75 s', '1.5 min', '8 h', '2 d', '4 weeks', '1 year' = 365 d).",
        "anyOf": [{"type": "number", "exclusiveMinimum": 0},
                  {"type": "string", "pattern": _duration_pattern(r"\+?", nonzero=True)}],
    },
    "Probability": {
        "description": "A probability or fraction: a number in [0, 1], or a percentage string "
                       "such as '0.5%'.",
        "anyOf": [{"type": "number", "minimum": 0, "maximum": 1},
                  {"type": "string", "pattern": _PROBABILITY_PATTERN}],
    },
}

_NUMBER_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_CONSTRAINTS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


# pydantic resolves every "$ref" while it generates; a quantity is marked with this keyword
# instead and made a "$ref" to QUANTITY_DEFS afterwards.
_MARK = "x-linesim-quantity"


def _ref(name: str) -> dict:
    return {_MARK: name}


def _resolve_marks(schema: dict) -> set[str]:
    """Every quantity mark becomes a "$ref" to its $defs entry; the names used."""
    used: set[str] = set()

    def visit(node: dict) -> None:
        if _MARK in node:
            name = node.pop(_MARK)
            used.add(name)
            node["$ref"] = f"#/$defs/{name}"
            # pydantic writes a constraint it could not place inside as its own name (gt: 0)
            for short, keyword in _CONSTRAINTS.items():
                if short in node:
                    node[keyword] = node.pop(short)

    _walk(schema, visit)
    return used


class SchemaGenerator(GenerateJsonSchema):
    """pydantic's generator, taught linesim's input forms (see the module docstring)."""

    def function_before_schema(self, schema) -> dict:
        func = schema["function"]["function"]
        func = getattr(func, "__func__", func)  # a model's classmethod validator
        inner = self.generate_inner(schema["schema"])
        if func is units.parse_duration:
            return _ref("Duration")
        if func is units.parse_probability:
            bounds = {k: inner[k] for k in _NUMBER_BOUNDS if k in inner}
            return {**_ref("Probability"), **bounds}
        bare = getattr(func, "bare_duration_as", None)
        if bare is not None:
            what = ("a constant of that value" if bare == "constant"
                    else f"{'an' if bare[0] in 'aeiou' else 'a'} {bare} distribution with that mean")
            return {"anyOf": [_ref("NonNegativeDuration" if bare == "constant" else "PositiveDuration"),
                              inner],
                    "description": f"A random duration: a mapping with 'dist', or a bare duration "
                                   f"meaning {what}."}
        forms = _input_forms()
        if func in forms["null_is_empty"]:  # `run:` left empty
            return {"anyOf": [inner, {"type": "null"}]}
        if func in forms["as_is"]:  # checks that the schema already makes
            return inner
        if func in forms["design"]:  # `design: grid` for `design: {grid: {}}`
            return {"anyOf": [{"enum": list(forms["designs"])}, inner, {"type": "null"}]}
        raise UnknownInputForm(
            f"linesim.schema does not know what the before-validator {func.__module__}."
            f"{func.__qualname__} accepts: teach SchemaGenerator.function_before_schema")

    def function_after_schema(self, schema) -> dict:
        func = schema["function"]["function"]
        inner = self.generate_inner(schema["schema"])
        if inner == _ref("Duration"):
            if func is distributions._positive:
                return _ref("PositiveDuration")
            if func is distributions._nonnegative:
                return _ref("NonNegativeDuration")
        return inner


def _input_forms() -> dict:
    """The before-validators whose input forms the generator knows, by what they accept."""
    from . import scenario
    from .experiments import spec
    return {"null_is_empty": {scenario._none_as_empty, spec._none_as_empty},
            # stations without `inputs` take from the one before (the key stays optional)
            "as_is": {scenario.Scenario._default_inputs.__func__, spec._scalar, spec._not_bool},
            "design": {spec._design_form}, "designs": spec.DESIGNS}


def _model(kind: str):
    if kind == "scenario":
        from .scenario import Scenario
        return Scenario
    if kind == "sweep":
        from .experiments.spec import SweepSpec
        return SweepSpec
    raise ValueError(f"unknown schema kind {kind!r} (one of: {', '.join(KINDS)})")


_TITLES = {
    "scenario": ("linesim scenario",
                 "A production line or plant for linesim (docs/FORMAT.md is the reference; "
                 "docs/SEMANTICS.md says what the keys mean)."),
    "sweep": ("linesim sweep",
              "A sensitivity sweep over a base scenario for `linesim sweep` (docs/FORMAT.md)."),
}


def _walk(node: Any, visit) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _drop_property_titles(schema: dict) -> None:
    """pydantic titles every property after its name ("Cycle Time"); an editor shows the key
    itself and the description, so those titles only add noise. Model titles stay."""
    def visit(node: dict) -> None:
        for prop in (node.get("properties") or {}).values():
            if isinstance(prop, dict):
                prop.pop("title", None)

    _walk(schema, visit)


def _loader_forms(defs: dict) -> None:
    """Input forms that the loader reads before the models see the data."""
    emp = defs.get("Empirical")
    if emp is not None:  # `file:` + `column:` of a CSV next to the scenario, read into values
        emp["properties"]["file"] = {
            "type": "string", "minLength": 1,
            "description": "A CSV file in the scenario's folder or below it (with a header row); "
                           "the loader reads its column into 'values'."}
        emp["properties"]["column"] = {
            "type": "string",
            "description": "The column of 'file' to read (needed when it has several)."}
        emp["required"] = ["dist"]
        emp["oneOf"] = [{"required": ["values"]}, {"required": ["file"]}]
    for spec in defs.values():  # the distributions' discriminator, first
        props = spec.get("properties") or {}
        dist = props.get("dist")
        if isinstance(dist, dict) and "const" in dist:
            dist.setdefault("description", f"The distribution: {dist['const']}.")
            spec["properties"] = {"dist": dist, **{k: v for k, v in props.items() if k != "dist"}}
    const = defs.get("Constant")
    if const is not None:  # a mapping needs 'dist' (a bare duration is the constant's short form)
        const["required"] = ["dist", *[r for r in const.get("required", []) if r != "dist"]]


def json_schema(kind: Literal["scenario", "sweep"] = "scenario") -> dict:
    """The JSON Schema (draft 2020-12) of a scenario or sweep file, as the loader reads it."""
    model = _model(kind)
    schema = model.model_json_schema(schema_generator=SchemaGenerator)
    defs = schema.setdefault("$defs", {})
    for name in _resolve_marks(schema):
        defs[name] = copy.deepcopy(QUANTITY_DEFS[name])
    _loader_forms(defs)
    _drop_property_titles(schema)
    schema["$defs"] = dict(sorted(defs.items()))
    title, description = _TITLES[kind]
    head = {"$schema": DIALECT, "title": title, "description": description}
    body = {k: v for k, v in schema.items() if k not in ("title", "description", "$defs")}
    return {**head, **body, "$defs": schema["$defs"]}


def schema_text(kind: Literal["scenario", "sweep"] = "scenario") -> str:
    """The schema as the committed file holds it: indented JSON, non-ASCII as is, a final
    newline (the same bytes on every machine)."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


def write_file(path, text: str) -> None:
    """Write a generated file as UTF-8 with '\\n' line ends (the same bytes on every system)."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
