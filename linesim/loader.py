"""Loader: a YAML file → a validated, frozen Scenario — the first stage of the data flow.

YAML (safe load) ─► **loader** ─► Scenario.

Every problem in a file is reported at once, each as a ``Problem`` naming the file, the key path
(``stations[1].failures.mttr``), the YAML line where the parser knows it, and what was expected,
with "did you mean" for misspelt keys. Also here: duplicate keys are errors (PyYAML would keep
the last silently), empirical distributions given as ``file`` + ``column`` are read (relative to
the scenario file) into ``values``, and dotted-path overrides (``run.seed=7``,
``stations.S2.cycle_time=38``) are applied to the raw data before validation.
"""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml
from pydantic import BaseModel, ValidationError

from . import distributions
from .scenario import UNION_TAGS, PlacedError, Scenario


@dataclass(frozen=True)
class Problem:
    file: str
    path: str  # key path, e.g. "stations[1].cycle_time.mean"; "" for the whole file
    line: Optional[int]  # 1-based
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario file that cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# -- YAML with duplicate-key detection ---------------------------------------------------------
class _StrictLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, file: str) -> tuple[Any, Optional[yaml.Node]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(file, "", None, "no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(file, "", None, "is a directory, expected a YAML file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(file, "", None, f"cannot read: {exc}")]) from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Problem(file, "", line, f"malformed YAML: {what}")]) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError([Problem(file, "", 1, f"expected a mapping of scenario keys, got {kind}")])
    return data, node


# -- locating pydantic errors in the YAML ------------------------------------------------------
def _walk(node: Optional[yaml.Node], loc: tuple):
    """Follow ``loc`` through the YAML node tree: (display path, line of the deepest node)."""
    path = ""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    path = f"{path}.{part}" if path else part
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                if part in _TAGS:
                    continue  # a union branch tag, not a key in the file
                path = f"{path}.{part}" if path else part
                node = None
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
                path = f"{path}[{part}]"
            else:
                node = None
        elif isinstance(part, str) and part in _TAGS:
            continue
        elif node is None and isinstance(part, str):
            path = f"{path}.{part}" if path else part
        # a scalar node: stay on it (e.g. a bare duration checked as a constant's `value`)
    return path, line


_TAGS = set(distributions.DIST_NAMES) | UNION_TAGS


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _allowed_keys(loc: tuple) -> list[str]:
    """Field names of the model that sits at ``loc`` (for did-you-mean)."""
    candidates: list[type[BaseModel]] = [Scenario]
    for part in loc:
        if isinstance(part, int):
            continue
        if part in _TAGS:
            tagged = [m for m in candidates if "dist" in m.model_fields
                      and part in typing.get_args(m.model_fields["dist"].annotation)]
            candidates = tagged or candidates
            continue
        nxt: list[type[BaseModel]] = []
        for model in candidates:
            if part in model.model_fields:
                nxt.extend(_models_in(model.model_fields[part].annotation))
        candidates = nxt
        if not candidates:
            return []
    return sorted({name for m in candidates for name in m.model_fields})


def _describe(error: dict) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        loc = error["loc"]
        key = str(loc[-1])
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown key{hint} (allowed here: {', '.join(allowed)})" if allowed else f"unknown key{hint}"
    if kind == "missing":
        return "required key is missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    elif msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, "):]
    value = error.get("input")
    if kind not in ("value_error", "assertion_error") and isinstance(value, (str, int, float, bool)):
        msg = f"{msg}, got {value!r}"
    return msg


def problems_from(exc: ValidationError, file: str, node: Optional[yaml.Node]) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, PlacedError):
            loc += tuple(cause.where)
        path, line = _walk(node, loc)
        problems.append(Problem(file, path, line, _describe(error)))
    return problems


# -- empirical data files ------------------------------------------------------------------
def _read_empirical(data: Any, base: Path, file: str, where: str = "") -> list[Problem]:
    """Replace every ``{dist: empirical, file, column}`` in ``data`` by its ``values``."""
    problems: list[Problem] = []
    if isinstance(data, dict):
        if data.get("dist") == "empirical" and "file" in data:
            problems.extend(_load_column(data, base, file, where))
        for key, value in data.items():
            problems.extend(_read_empirical(value, base, file, f"{where}.{key}" if where else str(key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            problems.extend(_read_empirical(value, base, file, f"{where}[{i}]"))
    return problems


def _load_column(spec: dict, base: Path, file: str, where: str) -> list[Problem]:
    import pandas as pd  # only needed for empirical data files

    ref, column = spec.pop("file"), spec.pop("column", None)
    if "values" in spec:
        return [Problem(file, where, None, "give either 'values' or 'file' (+ 'column'), not both")]
    target = (base / str(ref)).resolve()
    try:
        table = pd.read_csv(target)
    except FileNotFoundError:
        return [Problem(file, f"{where}.file", None, f"data file {str(ref)!r} not found ({target})")]
    except Exception as exc:  # pandas raises many parser errors
        return [Problem(file, f"{where}.file", None, f"cannot read {str(ref)!r} as CSV: {exc}")]
    if column is None:
        if table.shape[1] != 1:
            return [Problem(file, where, None, f"{str(ref)!r} has {table.shape[1]} columns: name one with 'column'")]
        column = table.columns[0]
    if column not in table.columns:
        return [Problem(file, f"{where}.column", None,
                        f"no column {column!r} in {str(ref)!r} (columns: {', '.join(map(str, table.columns))})")]
    spec["values"] = table[column].dropna().tolist()
    return []


# -- overrides ---------------------------------------------------------------------------------
def set_dotted(data: dict, dotted: str, value: Any) -> str:
    """Set ``data`` at a dotted path; list items by index or by ``name`` (``stations.S2.servers``).

    Returns the key path as problems show it (``stations[1].servers``).
    """
    parts = dotted.split(".")
    node: Any = data
    shown = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            match = None
            if part.isdigit() and int(part) < len(node):
                match = int(part)
            else:
                for j, item in enumerate(node):
                    if isinstance(item, dict) and item.get("name") == part:
                        match = j
            if match is None:
                raise KeyError(f"{dotted}: no item {part!r}")
            shown += f"[{match}]"
            if last:
                node[match] = value
            else:
                node = node[match]
        elif isinstance(node, dict):
            shown = f"{shown}.{part}" if shown else part
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise KeyError(f"{dotted}: {'.'.join(parts[:i])} is not a mapping or list")
    return shown


@dataclass(frozen=True)
class Source:
    """Where a loaded scenario came from: lets a later stage (pre-flight checks) place a problem
    at a key path of the file, with its line, without knowing YAML."""

    file: str
    node: Optional[yaml.Node]
    overridden: tuple[str, ...] = ()

    def problem(self, loc: tuple, message: str) -> Problem:
        """A Problem at the key path ``loc`` (e.g. ``("run", "horizon")``)."""
        path, line = _walk(self.node, tuple(loc))
        return _from_override(Problem(self.file, path, line, message), list(self.overridden))


def load_scenario(path: str | Path, overrides: Iterable[tuple[str, Any]] = ()) -> Scenario:
    """Read, check and validate a scenario file; raise ScenarioError listing every problem."""
    return load_scenario_source(path, overrides)[0]


def load_scenario_source(path: str | Path,
                         overrides: Iterable[tuple[str, Any]] = ()) -> tuple[Scenario, Source]:
    """``load_scenario`` and the scenario's ``Source`` (to place later problems in the file)."""
    path = Path(path)
    file = str(path)
    data, node = _read_yaml(path, file)
    problems = _read_empirical(data, path.parent, file)
    overridden: list[str] = []
    for dotted, value in overrides:
        try:
            overridden.append(set_dotted(data, dotted, value))
        except KeyError as exc:
            problems.append(Problem(file, dotted, None, f"cannot override: {exc.args[0]}"))
    if problems:
        raise ScenarioError(problems)
    try:
        return Scenario.model_validate(data), Source(file, node, tuple(overridden))
    except ValidationError as exc:
        found = problems_from(exc, file, node)
        raise ScenarioError([_from_override(p, overridden) for p in found]) from None


def _from_override(problem: Problem, overridden: list[str]) -> Problem:
    """A problem in a value given on the command line has no line in the file."""
    for shown in overridden:
        if problem.path == shown or problem.path.startswith(shown + ".") or problem.path.startswith(shown + "["):
            return Problem(problem.file, problem.path, None,
                           problem.message + " (value given on the command line)")
    return problem
