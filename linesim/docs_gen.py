"""The format reference (docs/FORMAT.md) and the JSON Schemas (docs/*.schema.json), generated.

Run ``python -m linesim.docs_gen`` to write them into ``docs/`` (``--check`` says whether the
committed files are current, exit 1 if not; ``tests/unit/test_docs.py`` does the same), or
``linesim schema --markdown`` to print the reference.

Everything in the reference comes from the pydantic models (``scenario``, ``distributions``,
``experiments.spec``) through ``schema.json_schema``: each model's docstring, every key with its
type, bounds, allowed values, default and description (``Field(description=...)``), and each
model's examples (``json_schema_extra``). Change a model and the reference changes with it;
forget to regenerate and the test fails. The only prose written here is the introduction and
the section on quantities, which quotes the tables of ``units`` and the name rules of
``scenario``.

Written by hand rather than with a schema-to-Markdown tool: the tools render a JSON Schema's
nesting as it is ($defs, anyOf), where a planner needs "a duration in seconds or with a unit"
and the key paths as ``--set`` writes them; the renderer is a page of code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Optional

import yaml

from . import units
from .schema import KINDS, QUANTITY_DEFS, SCHEMA_FILES, json_schema, schema_text, write_file

FORMAT_FILE = "FORMAT.md"
DOCS = Path(__file__).resolve().parents[1] / "docs"

_QUANTITY_TYPES = {
    "Duration": ("[duration](#durations)", "s"),
    "NonNegativeDuration": ("[duration](#durations) ≥ 0", "s"),
    "PositiveDuration": ("[duration](#durations) > 0", "s"),
    "Probability": ("[probability](#probabilities)", "fraction"),
}
_BOUNDS = (("minimum", "≥ {}"), ("exclusiveMinimum", "> {}"), ("maximum", "≤ {}"),
           ("exclusiveMaximum", "< {}"))
_DISTS = ("Constant", "Exponential", "Normal", "Lognormal", "Gamma", "Erlang", "Triangular",
          "Uniform", "Empirical")


def _ref_name(node: dict) -> Optional[str]:
    ref = node.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/$defs/") else None


def _code(value: Any) -> str:
    return f"`{value}`"


def _num(value: float) -> str:
    """12 → '12', 1000000 → '1,000,000', 31536000.0 → '31,536,000', 0.5 → '0.5'."""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"


def _bounds(node: dict) -> list[str]:
    return [fmt.format(_num(node[k])) for k, fmt in _BOUNDS if k in node]


def _is_random_duration(node: dict) -> bool:
    """The input form of a random duration: a bare duration or one of the distributions."""
    alts = node.get("anyOf") or []
    return any(set(_ref_name(r) for r in a.get("oneOf", [])) == set(_DISTS) for a in alts)


class _Renderer:
    def __init__(self, schema: dict):
        self.schema = schema
        self.defs = schema.get("$defs", {})

    def type_of(self, node: dict) -> tuple[str, str]:
        """(type with allowed values, unit) of a property's schema, in words."""
        name = _ref_name(node)
        if name in _QUANTITY_TYPES:
            text, unit = _QUANTITY_TYPES[name]
            bounds = _bounds(node)
            return text + (", " + ", ".join(bounds) if bounds else ""), unit
        if name is not None:
            if not self.defs[name].get("properties"):
                return "`{}` (no options)", ""
            return f"[{name}](#{name.lower()})", ""
        if _is_random_duration(node):
            bare = _ref_name(node["anyOf"][0])
            means = "constant" if bare == "NonNegativeDuration" else "exponential mean"
            return f"[random duration](#random-durations) (bare: {means})", "s"
        for key in ("anyOf", "oneOf"):
            if key in node:
                parts = [self.type_of(a) for a in node[key] if a.get("type") != "null"]
                if [t for t, _ in parts[:2]] == ["integer", "number"]:  # a number, whole or not
                    parts = parts[1:]
                units_ = {u for _, u in parts if u}
                return " or ".join(t for t, _ in parts), " or ".join(sorted(units_))
        if "const" in node:
            return _code(node["const"]), ""
        if "enum" in node:
            return " \\| ".join(_code(v) for v in node["enum"]), ""
        kind = node.get("type")
        if kind == "array":
            item, unit = self.type_of(node.get("items", {}))
            size = []
            if "minItems" in node:
                size.append(f"at least {node['minItems']}")
            if "maxItems" in node:
                size.append(f"at most {node['maxItems']}")
            return f"list of {item}" + (f" ({', '.join(size)})" if size else ""), unit
        if kind == "object":
            value = node.get("additionalProperties")
            if isinstance(value, dict):
                item, unit = self.type_of(value)
                extra = f" (at least {node['minProperties']})" if "minProperties" in node else ""
                return f"mapping: name → {item}{extra}", unit
            return "mapping", ""
        if kind in ("integer", "number"):
            bounds = _bounds(node)
            return kind + (", " + ", ".join(bounds) if bounds else ""), ""
        if kind in ("string", "boolean"):
            return {"string": "text", "boolean": "`true` \\| `false`"}[kind], ""
        return "any value", ""

    def default_of(self, key: str, prop: dict, required: list) -> str:
        if key in required:
            return "required"
        if "default" not in prop:
            return "—"
        value = prop["default"]
        if value is None:
            return "none"
        if isinstance(value, dict):
            given = {k: v for k, v in value.items() if v is not None}
            if len(given) == 1 and list(given.values()) == [{}]:  # design: {grid: {}}
                return _code(next(iter(given)))
            return "each key's default"
        if isinstance(value, bool):
            return _code(str(value).lower())
        if isinstance(value, float) and self.type_of(prop)[1] == "s" and value:
            return f"{_code(f'{value:.15g}')} ({units.format_duration(value)})"
        if value == "":
            return '`""`'
        return _code(f"{value:g}" if isinstance(value, float) else value)

    def table(self, model: dict) -> list[str]:
        required = model.get("required", [])
        rows = ["| key | type and allowed values | unit | default | description |",
                "|---|---|---|---|---|"]
        for key, prop in (model.get("properties") or {}).items():
            kind, unit = self.type_of(prop)
            desc = " ".join(str(prop.get("description", "")).split()).replace("|", "\\|")
            rows.append(f"| {_code(key)} | {kind} | {unit or '—'} | "
                        f"{self.default_of(key, prop, required)} | {desc} |")
        return rows


def _places(schema: dict) -> dict[str, list[str]]:
    """Each $defs entry → the key paths where it is used (``stations[].failures``)."""
    places: dict[str, list[str]] = {}
    defs = schema.get("$defs", {})

    def visit(node: Any, path: str, seen: frozenset) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item, path, seen)
            return
        if not isinstance(node, dict):
            return
        name = _ref_name(node)
        if name is not None and name not in QUANTITY_DEFS:
            where = places.setdefault(name, [])
            if path and path not in where:
                where.append(path)
            if name not in seen:
                visit(defs[name], path, seen | {name})
        for key, value in node.items():
            if key == "properties":
                for prop, sub in value.items():
                    visit(sub, f"{path}.{prop}" if path else prop, seen)
            elif key == "items":
                visit(value, path + "[]", seen)
            elif key == "additionalProperties" and isinstance(value, dict):
                visit(value, path + ".NAME", seen)
            elif key in ("anyOf", "oneOf", "allOf"):
                visit(value, path, seen)

    visit(schema, "", frozenset())
    return places


def _yaml(data: Any) -> list[str]:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None,
                          width=100)
    return ["```yaml", *text.rstrip("\n").split("\n"), "```"]


def _examples(model: Optional[type]) -> list:
    extra = (model.model_config.get("json_schema_extra") or {}) if model is not None else {}
    return list(extra.get("examples", [])) if isinstance(extra, dict) else []


def _models() -> dict[str, type]:
    """$defs name → pydantic model, for the examples in their own key order."""
    from . import distributions, scenario
    from .experiments import spec
    found: dict[str, type] = {}
    for module in (scenario, distributions, spec):
        for value in vars(module).values():
            if isinstance(value, type) and hasattr(value, "model_config") and value.__module__ == module.__name__:
                found[value.__name__] = value
    return found


def _section(renderer: _Renderer, name: str, node: dict, places: list[str], model) -> list[str]:
    out = [f'<a id="{name.lower()}"></a>', "", f"### {name}", ""]
    if places:
        shown = ", ".join(_code(p) for p in places[:6]) + (", ..." if len(places) > 6 else "")
        out += [f"Used at: {shown}.", ""]
    if node.get("description"):
        out += [" ".join(node["description"].replace("``", "`").split()), ""]
    out += renderer.table(node)
    examples = _examples(model)
    if examples:
        out += ["", "Example" + ("s" if len(examples) > 1 else "") + ":", ""]
        for ex in examples:
            out += _yaml(ex)
    return out + [""]


def _quantities() -> list[str]:
    from .scenario import NAME_RULE, SCENARIO_NAME_RULE, UNIT_RULE
    by_seconds: dict[float, list[str]] = {}
    for name, seconds in units._UNIT_SECONDS.items():
        by_seconds.setdefault(seconds, []).append(name)
    out = ['<a id="durations"></a>', "", "### Durations", "",
           "A duration is a number of seconds (`40`, `37.5`) or a string of a number and a time "
           "unit (`\"75 s\"`, `\"75s\"`, `\"1.5 min\"`, `\"8 h\"`, `\"2 d\"`, `\"4 weeks\"`, "
           "`\"1 year\"`). Units are case-insensitive; a year is exactly 365 days. Inside "
           "linesim, and in the resolved scenario a run writes, every duration is in seconds.",
           "", "| unit | spellings | seconds |", "|---|---|---|"]
    for seconds, names in sorted(by_seconds.items()):
        out.append(f"| {names[0]} | {', '.join(_code(n) for n in names)} | {seconds:g} |")
    out += ["", '<a id="probabilities"></a>', "", "### Probabilities", "",
            "A probability or fraction is a number in [0, 1] (`0.005`) or a percentage string "
            "(`\"0.5%\"`).", "",
            '<a id="random-durations"></a>', "", "### Random durations", "",
            "A random duration (a cycle time, a repair time, a time between failures or "
            "arrivals) is a mapping with `dist` and the distribution's parameters, each "
            "parameter a duration. A bare duration is a **constant** for cycle, setup and "
            "repair times, and an **exponential with that mean** for `mtbf` and "
            "`interarrival`. The distributions are listed under [Constant](#constant) … "
            "[Empirical](#empirical) below.", "",
            "### Names", "",
            f"* Station, product and calendar names: {NAME_RULE}.",
            f"* The scenario `name` (and a sweep's): {SCENARIO_NAME_RULE}.",
            f"* `unit`: {UNIT_RULE}.", ""]
    return out


_INTRO = """\
# Scenario and sweep file reference

<!-- Generated by `python -m linesim.docs_gen` from the pydantic models (linesim/scenario.py,
linesim/distributions.py, linesim/experiments/spec.py). Do not edit: change the models'
descriptions and regenerate; tests/unit/test_docs.py fails while this file is out of date. -->

Every key a scenario file (`linesim run`, `validate`, `improve`, `solve`) or a sweep file
(`linesim sweep`) may hold: its type and allowed values, unit, default and meaning, with an
example for each part. What the keys *do* in the simulation — blocking, failures, calendars,
warm-up, statistics — is in [SEMANTICS.md](SEMANTICS.md); how the shipped scenarios were built is
in [MODELLING.md](MODELLING.md).

The same content as a JSON Schema, for editors: [scenario.schema.json](scenario.schema.json) and
[sweep.schema.json](sweep.schema.json) (`linesim schema scenario|sweep` prints them). With the YAML
language server (VS Code's YAML extension, and others) one comment line at the top of a file gives
completion, hover help and errors as you type:

```yaml
# yaml-language-server: $schema=../docs/scenario.schema.json
```

(the path is relative to the YAML file; a sweep file names `sweep.schema.json`). The schema
checks keys, types, units and bounds; rules that tie keys together (an input that names a
station, fractions that sum to 1, a flow without cycles) are checked by `linesim validate`, which
names the file, line and key of every problem.

In the tables, *required* keys must be given; `—` means the key is optional and has no default
of its own (its description says what happens without it). `NAME` in a key path stands for a
name chosen in the file (a product, a calendar, an input station).
"""


def format_markdown() -> str:
    """docs/FORMAT.md, as generated now."""
    out = [_INTRO, "## Quantities and names", "", *_quantities()]
    models = _models()
    for kind, title, intro in (
            ("scenario", "A scenario file",
             "The top level of a scenario file (the model `Scenario`), then each part in the "
             "order it appears."),
            ("sweep", "A sweep file",
             "The top level of a sweep file (the model `SweepSpec`); `target` is as in a "
             "scenario ([Target](#target)).")):
        schema = json_schema(kind)
        renderer = _Renderer(schema)
        places = _places(schema)
        root = "Scenario" if kind == "scenario" else "SweepSpec"
        out += [f"## {title}", "", intro, ""]
        out += _section(renderer, root, {**schema, "description": models[root].__doc__},
                        [], models[root])
        order = _reading_order(schema)
        if kind == "sweep":  # the scenario's parts (Target) are described above
            order = [n for n in order if models[n].__module__.endswith(".spec")]
        for name in order:
            out += _section(renderer, name, schema["$defs"][name], places.get(name, []),
                            models.get(name))
    return "\n".join(out).rstrip("\n") + "\n"


def _reading_order(schema: dict) -> list[str]:
    """The file's parts in reading order: as the keys first reach them, distributions last;
    parts without keys of their own (``design: {grid: {}}``) left out."""
    seen: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            name = _ref_name(node)
            if name is not None and name not in QUANTITY_DEFS and name not in seen:
                seen.append(name)
                visit(schema["$defs"][name])
            for key, value in node.items():
                if key != "$defs":
                    visit(value)

    visit({k: v for k, v in schema.items() if k != "$defs"})
    seen = [n for n in seen if schema["$defs"][n].get("properties")]
    return [n for n in seen if n not in _DISTS] + [n for n in _DISTS if n in seen]


def generated(docs: Path = DOCS) -> dict[Path, str]:
    """Every generated file under ``docs`` with its current text."""
    files = {docs / FORMAT_FILE: format_markdown()}
    for kind in KINDS:
        files[docs / SCHEMA_FILES[kind]] = schema_text(kind)
    return files


def stale(docs: Path = DOCS) -> list[Path]:
    """The generated files that are missing or differ from what the models give now."""
    return [path for path, text in generated(docs).items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text]


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m linesim.docs_gen",
                                     description="Write docs/FORMAT.md and docs/*.schema.json "
                                                 "from the models.")
    parser.add_argument("--docs", type=Path, default=DOCS, help="the docs folder [default: the "
                                                                "repository's docs/]")
    parser.add_argument("--check", action="store_true",
                        help="only say which files are out of date (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        out_of_date = stale(args.docs)
        for path in out_of_date:
            print(f"out of date: {path.name} (run: python -m linesim.docs_gen)")
        return 1 if out_of_date else 0
    args.docs.mkdir(parents=True, exist_ok=True)
    for path, text in generated(args.docs).items():
        write_file(path, text)
        print(f"wrote {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
