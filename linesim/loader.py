"""Loader: a YAML file → a validated, frozen Scenario — the first stage of the data flow.

YAML (safe load) ─► **loader** ─► Scenario.

Every problem in a file is reported at once, each as a ``Problem`` naming the file, the key path
(``stations[1].failures.mttr``), the YAML line where the parser knows it, and what was expected,
with "did you mean" for misspelt keys. Also here: duplicate keys are errors (PyYAML would keep
the last silently), empirical distributions given as ``file`` + ``column`` are read (relative to
the scenario file) into ``values``, and dotted-path overrides (``run.seed=7``,
``stations.S2.cycle_time=38``) are applied to the raw data before validation.

Hostile input is bounded before anything is built: a scenario file is read only up to
``MAX_SCENARIO_BYTES`` and parsed once (libyaml's ``CSafeLoader`` when PyYAML has it, else the
pure-Python ``SafeLoader``: the same node graph and marks); the node graph is measured once per
node and refused when aliases expand a value past ``MAX_EXPANDED_VALUES``, loop, nest past
``MAX_DEPTH`` or hold an integer longer than ``MAX_INT_CHARS``; the data is then built from that
same graph, with every alias its own copy. The measuring is written by hand: PyYAML has no
limit on alias expansion (its constructor shares aliased objects, and every later walk of the
data, pydantic's included, would pay the expansion). Data files are confined to the scenario's
folder and below after symlinks are resolved, must be regular files of at most
``MAX_DATA_BYTES``, and their content is never quoted in a message.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import stat
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml
from pydantic import BaseModel, ValidationError

from . import distributions
from .scenario import UNION_TAGS, PlacedError, Scenario
from .units import DURATION_EXPECTED


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


# -- YAML: one bounded parse, aliases measured, duplicate keys refused -------------------------
# Limits on what a scenario may make linesim do before any value is validated. A scenario is a
# few kilobytes; empirical data files a few megabytes at most.
MAX_SCENARIO_BYTES = 2 * 1024 * 1024  # scenario files (checked before reading)
MAX_DATA_BYTES = 16 * 1024 * 1024  # empirical data files named by `file:`
MAX_EXPANDED_VALUES = 100_000  # values one node stands for once its aliases are written out
MAX_DEPTH = 50  # nesting levels of mappings and lists (a scenario needs fewer than ten)
MAX_INT_CHARS = 100  # digits of an integer (Python refuses to convert more than 4,300)

_INT_TAG = "tag:yaml.org,2002:int"


class _TooLarge(Exception):
    def __init__(self, size: Optional[int]):
        super().__init__(size)
        self.size = size


class _NotRegular(Exception):
    pass


def _mib(n: int) -> str:
    return f"{round(n / (1024 * 1024), 1):g} MiB"


def _read_bounded(path: Path, limit: int, regular_only: bool = False) -> bytes:
    """At most ``limit`` bytes of ``path``: the size is checked (fstat) before reading, and the
    read itself is bounded, so a growing file or a device cannot make it read more."""
    # Non-blocking open: a named pipe with no writer must not hang before it is refused.
    flags = os.O_RDONLY | (getattr(os, "O_NONBLOCK", 0) if regular_only else 0)
    with open(os.open(path, flags), "rb") as f:
        st = os.fstat(f.fileno())
        if regular_only and not stat.S_ISREG(st.st_mode):
            raise _NotRegular()
        if stat.S_ISREG(st.st_mode) and st.st_size > limit:
            raise _TooLarge(st.st_size)
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise _TooLarge(None)
    return raw


def _yaml_loader() -> type:
    """libyaml's parser when PyYAML was built with it (an order of magnitude faster), else the
    pure-Python one; both give the same node graph and errors with a line."""
    return yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class _NodeError(Exception):
    """A problem at a YAML node (its key path is looked up in the node graph)."""

    def __init__(self, message: str, node: yaml.Node):
        super().__init__(message)
        self.message, self.node = message, node


class _Constructor(yaml.constructor.SafeConstructor):
    """PyYAML's safe constructor, run on the one composed node graph. A value it cannot build
    (a date that does not exist, an unhashable key) is a problem at that node, not a traceback."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise _NodeError(f"cannot read this value: {_clip(str(exc))}", node) from None


def _construct_mapping(loader: _Constructor, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<: *base` merges a mapping; keys given beside it override its keys
        key = loader.construct_object(key_node, deep=deep)
        try:
            first = seen.get(key)
        except TypeError:  # a list or mapping as key
            raise _NodeError("a key must be a plain value, not a list or mapping", key_node) from None
        if first is not None:
            raise _NodeError(f"duplicate key {_clip(repr(key))} (first on line {first + 1})", key_node)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_Constructor.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_nodes(root: yaml.Node) -> None:
    """Refuse, before anything is built from it, a node graph that would make linesim do
    unbounded work: aliases that expand to more than MAX_EXPANDED_VALUES values (the "billion
    laughs": nine levels of nine aliases is 1 KB of YAML and 387 million values), an alias inside
    the value it names, nesting deeper than MAX_DEPTH, integers longer than MAX_INT_CHARS.

    Each node is measured once (memoised), so this is linear in the size of the file.
    """
    measured: dict[int, tuple[int, bool]] = {}  # id(node) -> (expanded values, holds an alias)
    open_nodes: set[int] = set()

    def visit(node: yaml.Node, depth: int) -> tuple[int, bool]:
        key = id(node)
        if key in measured:
            return measured[key][0], True  # a second use of a node is an alias
        if key in open_nodes:
            raise _NodeError("an alias refers to the value that contains it (a loop): "
                             "write the value out instead", node)
        if depth > MAX_DEPTH:
            raise _NodeError(f"nested more than {MAX_DEPTH} levels deep", node)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _INT_TAG and len(node.value) > MAX_INT_CHARS:
                raise _NodeError(f"an integer of {len(node.value):,} characters is too long "
                                 f"(at most {MAX_INT_CHARS})", node)
            measured[key] = (1, False)
            return 1, False
        open_nodes.add(key)
        size, aliased = 1, False
        children = node.value if isinstance(node, yaml.SequenceNode) else \
            [child for pair in node.value for child in pair]
        for child in children:
            n, a = visit(child, depth + 1)
            size, aliased = size + n, aliased or a
        open_nodes.discard(key)
        if aliased and size > MAX_EXPANDED_VALUES:
            raise _NodeError(f"aliases expand this value to more than {MAX_EXPANDED_VALUES:,} "
                             "values ('*name' repeats the value anchored with '&name'): "
                             "use fewer aliases or write the values out", node)
        measured[key] = (size, aliased)
        return size, aliased

    visit(root, 0)


def _node_path(root: yaml.Node, target: yaml.Node) -> str:
    """The key path of ``target`` in the graph (its first place, depth-first); "" if not found."""
    seen: set[int] = set()
    todo: list[tuple[yaml.Node, str]] = [(root, "")]
    while todo:
        node, path = todo.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            todo.extend((child, f"{path}[{i}]") for i, child in reversed(list(enumerate(node.value))))
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in reversed(node.value):
                name = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                sub = f"{path}.{name}" if path else str(name)
                todo.append((value_node, sub))
                todo.append((key_node, sub))
    return ""


def _unshared(data: Any) -> Any:
    """A copy in which every alias is its own object: an override or the loader changing one
    use of an aliased mapping must not change the others (bounded by MAX_EXPANDED_VALUES and
    MAX_DEPTH, checked before)."""
    if isinstance(data, dict):
        return {k: _unshared(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_unshared(v) for v in data]
    return data


def _yaml_problem(exc: yaml.YAMLError, file: str, text: str) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    what = getattr(exc, "problem", None)
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        what = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
    return Problem(file, "", line, f"malformed YAML: {what or _clip(str(exc))}")


# What a YAML file of each kind is, for messages: (a mapping of ... keys, the size advice).
_KINDS = {
    "scenario": ("scenario", "a scenario is a few kilobytes; put long data in a data file "
                             "(dist: empirical, file: ...)"),
    "sweep": ("sweep", "a sweep file is a few kilobytes; list values as ranges "
                       "({from, to, step}) rather than one by one"),
}


def read_yaml(path: str | Path, kind: str = "scenario") -> tuple[dict, Optional[yaml.Node]]:
    """Read a YAML input file of ``kind`` ("scenario" or "sweep") under the limits (size-capped,
    composed once, the node graph checked, duplicate keys refused) and build its data from that
    same graph: (the top-level mapping, the node tree for placing problems). Raises
    ScenarioError naming ``path`` for anything that is not a readable mapping."""
    path = Path(path)
    return _read_yaml(path, str(path), kind)


def _read_yaml(path: Path, file: str, kind: str = "scenario") -> tuple[Any, Optional[yaml.Node]]:
    what, advice = _KINDS[kind]
    try:
        raw = _read_bounded(path, MAX_SCENARIO_BYTES)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(file, "", None, "no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(file, "", None, "is a directory, expected a YAML file")]) from None
    except _TooLarge as exc:
        size = f" ({_mib(exc.size)})" if exc.size is not None else ""
        raise ScenarioError([Problem(file, "", None, f"the file is larger than {_mib(MAX_SCENARIO_BYTES)}"
                                     f"{size}: {advice}")]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(file, "", text_line(raw, exc.start),
                                     "cannot read: not UTF-8 text")]) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioError([Problem(file, "", None, f"cannot read: {reason}")]) from None
    try:
        node = yaml.compose(text, Loader=_yaml_loader())  # noqa: S506 - safe loaders only
    except yaml.YAMLError as exc:
        raise ScenarioError([_yaml_problem(exc, file, text)]) from None
    except RecursionError:  # the pure-Python parser on deeply nested brackets
        raise ScenarioError([Problem(file, "", None, f"malformed YAML: nested too deeply "
                                                     f"(at most {MAX_DEPTH} levels)")]) from None
    try:
        if node is not None:
            _check_nodes(node)
        data = _Constructor().construct_document(node) if node is not None else None
    except _NodeError as exc:
        where = _node_path(node, exc.node)
        raise ScenarioError([Problem(file, where, exc.node.start_mark.line + 1, exc.message)]) from None
    except yaml.YAMLError as exc:  # e.g. an unknown tag (!!python/object)
        raise ScenarioError([_yaml_problem(exc, file, text)]) from None
    if not isinstance(data, dict):
        got = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError([Problem(file, "", 1, f"expected a mapping of {what} keys, got {got}")])
    return _unshared(data), node


def override_value(raw: str) -> Any:
    """A value given on the command line (``--set KEY=VALUE``), read as YAML under the limits of
    a file (aliases, nesting, long integers); text that is not YAML stays text. Raises
    ValueError saying what is wrong with a value over a limit."""
    try:
        node = yaml.compose(raw, Loader=_yaml_loader())  # noqa: S506 - safe loaders only
    except yaml.YAMLError:
        return raw
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    if node is None:
        return None
    try:
        _check_nodes(node)
        return _unshared(_Constructor().construct_document(node))
    except _NodeError as exc:
        raise ValueError(exc.message) from None
    except yaml.YAMLError:
        return raw


def text_line(raw: bytes, offset: int) -> int:
    """1-based line of a byte offset."""
    return raw.count(b"\n", 0, offset) + 1


def _clip(text: str, limit: int = 80) -> str:
    """A user value shown in a message: at most ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- locating pydantic errors in the YAML ------------------------------------------------------
def _walk(node: Optional[yaml.Node], loc: tuple, tags: frozenset = frozenset()):
    """Follow ``loc`` through the YAML node tree: (display path, line of the deepest node).
    Union branch tags (``_TAGS`` and ``tags``) in ``loc`` are not keys of the file: skipped."""
    tags = _TAGS | tags
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
                if part in tags:
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
        elif isinstance(part, str) and part in tags:
            continue
        elif node is None and isinstance(part, str):
            path = f"{path}.{part}" if path else part
        elif node is None and isinstance(part, int):
            path = f"{path}[{part}]"  # e.g. values read from a data file
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


def _allowed_keys(loc: tuple, model: type[BaseModel] = Scenario,
                  tags: frozenset = frozenset()) -> list[str]:
    """Field names (as the file spells them: aliases) of the model that sits at ``loc`` below
    ``model`` (for did-you-mean)."""
    candidates: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        if part in _TAGS or part in tags:
            tagged = [m for m in candidates if "dist" in m.model_fields
                      and part in typing.get_args(m.model_fields["dist"].annotation)]
            candidates = tagged or candidates
            continue
        nxt: list[type[BaseModel]] = []
        for m in candidates:
            for name, field in m.model_fields.items():
                if part in (name, field.alias):
                    nxt.extend(_models_in(field.annotation))
        candidates = nxt
        if not candidates:
            return []
    return sorted({field.alias or name for m in candidates for name, field in m.model_fields.items()})


def _describe(error: dict, model: type[BaseModel] = Scenario, tags: frozenset = frozenset()) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        loc = error["loc"]
        key = str(loc[-1])
        allowed = _allowed_keys(loc[:-1], model, tags)
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
        msg = f"{msg}, got {_clip(repr(value))}"
    return msg


def problems_from(exc: ValidationError, file: str, node: Optional[yaml.Node],
                  model: type[BaseModel] = Scenario, tags: Iterable[str] = ()) -> list[Problem]:
    """One Problem per error of ``exc`` (raised validating ``model`` from the file's data): the
    key path and line from the node tree, "did you mean" for unknown keys from ``model``'s
    fields. ``tags``: the union branch tags of ``model`` beyond the scenario's (they appear in
    pydantic's error locations but are not keys of the file)."""
    tags = frozenset(tags)
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, PlacedError):
            loc += tuple(cause.where)
        path, line = _walk(node, loc, tags)
        problems.append(Problem(file, path, line, _describe(error, model, tags)))
    return problems


M = typing.TypeVar("M", bound=BaseModel)


def validate_file_data(model: type[M], data: Any, file: str, node: Optional[yaml.Node],
                       tags: Iterable[str] = ()) -> M:
    """``model`` validated from a file's data (as ``read_yaml`` gives it), or ScenarioError with
    every problem placed in the file (key path, line, did-you-mean)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from(exc, file, node, model, tags)) from None


# -- empirical data files ------------------------------------------------------------------
# A data file is confined to the scenario's folder and below (after symlinks are resolved), must
# be a regular file of at most MAX_DATA_BYTES, and its content never appears in a message (a
# parser's message can quote it): problems name the file, the column and the data row.
@dataclass(frozen=True)
class _FileValues:
    shown: str  # the file as the scenario names it, quoted
    column: str
    rows: tuple[int, ...]  # data row (1-based, after the header) of each value kept


def _read_empirical(data: Any, base: Path, file: str, where: str = "",
                    origins: Optional[dict[str, _FileValues]] = None) -> list[Problem]:
    """Replace every ``{dist: empirical, file, column}`` in ``data`` by its ``values``; record in
    ``origins`` (key path → file, column, rows) where values came from a file."""
    origins = {} if origins is None else origins
    problems: list[Problem] = []
    if isinstance(data, dict):
        if data.get("dist") == "empirical" and "file" in data:
            problems.extend(_load_column(data, base, file, where, origins))
        for key, value in data.items():
            problems.extend(_read_empirical(value, base, file, f"{where}.{key}" if where else str(key),
                                            origins))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            problems.extend(_read_empirical(value, base, file, f"{where}[{i}]", origins))
    return problems


def _load_column(spec: dict, base: Path, file: str, where: str,
                 origins: dict[str, _FileValues]) -> list[Problem]:
    import pandas as pd  # only needed for empirical data files

    ref, column = spec.pop("file"), spec.pop("column", None)
    at = f"{where}.file"
    if "values" in spec:
        return [Problem(file, where, None, "give either 'values' or 'file' (+ 'column'), not both")]
    if not isinstance(ref, str) or not ref.strip():
        return [Problem(file, at, None, "expected the name of a CSV file in the scenario's folder")]
    shown = _clip(repr(ref))
    try:
        folder = base.resolve()
        target = (folder / ref).resolve()  # symlinks followed: the real place is checked
    except (OSError, RuntimeError, ValueError):
        return [Problem(file, at, None, f"data file {shown} cannot be found (a loop of links or a "
                                        "character no file name has)")]
    if not target.is_relative_to(folder):
        return [Problem(file, at, None, f"data file {shown} is outside the scenario's folder "
                                        f"({folder}): put it in that folder or below it")]
    try:
        raw = _read_bounded(target, MAX_DATA_BYTES, regular_only=True)
    except FileNotFoundError:
        return [Problem(file, at, None, f"data file {shown} not found ({target})")]
    except (_NotRegular, IsADirectoryError):
        return [Problem(file, at, None, f"data file {shown} is not a regular file")]
    except _TooLarge as exc:
        size = f" ({_mib(exc.size)})" if exc.size is not None else ""
        return [Problem(file, at, None, f"data file {shown} is larger than "
                                        f"{_mib(MAX_DATA_BYTES)}{size}")]
    except OSError as exc:
        return [Problem(file, at, None, f"cannot read data file {shown}: {exc.strerror or 'error'}")]
    try:
        table = pd.read_csv(io.BytesIO(raw), encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [Problem(file, at, None, f"data file {shown} is not UTF-8 text "
                                        f"(line {text_line(raw, exc.start)})")]
    except Exception as exc:  # pandas raises many parser errors; their text may quote the file
        found = re.search(r"\bline (\d+)", str(exc))
        near = f" (line {found.group(1)})" if found else ""
        return [Problem(file, at, None, f"cannot read data file {shown} as CSV{near}: expected a "
                                        "header row and one value per column in every row")]
    columns = [str(c) for c in table.columns]
    if column is None:
        if table.shape[1] != 1:
            return [Problem(file, where, None, f"{shown} has {table.shape[1]} columns: name one "
                                               "with 'column'")]
        column = table.columns[0]
    if column not in table.columns:
        listed = ", ".join(_clip(c, 40) for c in columns[:20]) + (", ..." if len(columns) > 20 else "")
        return [Problem(file, f"{where}.column", None,
                        f"no column {_clip(repr(column), 40)} in {shown} (columns: {listed})")]
    kept = table[column].dropna()
    spec["values"] = kept.tolist()
    origins[where] = _FileValues(shown, _clip(str(column), 40),
                                 tuple(int(i) + 1 for i in kept.index))
    return []


def _from_file(problem: Problem, origins: dict[str, _FileValues]) -> Problem:
    """A bad value read from a data file: name the file, column and data row, not the value."""
    for where, origin in origins.items():
        found = re.fullmatch(re.escape(where) + r"\.values\[(\d+)\]", problem.path)
        if found and int(found.group(1)) < len(origin.rows):
            row = origin.rows[int(found.group(1))]
            return Problem(problem.file, f"{where}.file", problem.line,
                           f"data row {row} of {origin.shown} (column {origin.column!r}) is not "
                           f"a duration >= 0: expected {DURATION_EXPECTED}")
    return problem


# -- overrides ---------------------------------------------------------------------------------
def list_index(items: list, part: str) -> Optional[int]:
    """The item of a list that a dotted-path part addresses: by index, or by its ``name``
    (the last item of that name); None if none."""
    if part.isdigit() and int(part) < len(items):
        return int(part)
    match = None
    for j, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            match = j
    return match


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
            match = list_index(node, part)
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
    given: str = "on the command line"  # where the overridden values came from, for messages

    def problem(self, loc: tuple, message: str) -> Problem:
        """A Problem at the key path ``loc`` (e.g. ``("run", "horizon")``)."""
        path, line = _walk(self.node, tuple(loc))
        return _from_override(Problem(self.file, path, line, message), list(self.overridden),
                              self.given)

    def unitless(self, loc: tuple) -> Optional[bool]:
        """Whether the duration at ``loc`` was written as a bare number, no unit (``mttr: 30``,
        ``{dist: exponential, mean: 30}``, ``"30"``): True if any of its durations was; None
        where the file does not say (no such key, a value given on the command line)."""
        path, _ = _walk(self.node, tuple(loc))
        if any(path == o or path.startswith((o + ".", o + "[")) or o.startswith((path + ".", path + "["))
               for o in self.overridden):
            return None
        node = self.node
        for part in loc:
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                node = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                    and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                return None
        if node is None:
            return None
        if isinstance(node, yaml.MappingNode):
            scalars = []
            for key, value in node.value:
                if key.value in _DURATION_KEYS and isinstance(value, yaml.ScalarNode):
                    scalars.append(value)
                elif key.value == "values" and isinstance(value, yaml.SequenceNode):
                    scalars.extend(v for v in value.value if isinstance(v, yaml.ScalarNode))
        else:
            scalars = [node] if isinstance(node, yaml.ScalarNode) else []
        return any(_BARE_NUMBER.fullmatch(v.value.strip()) for v in scalars)


# The keys of a distribution that hold durations (``cv`` is a ratio), and a number with no unit.
_DURATION_KEYS = frozenset({"value", "mean", "sd", "min", "mode", "max"})
_BARE_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def load_scenario(path: str | Path, overrides: Iterable[tuple[str, Any]] = ()) -> Scenario:
    """Read, check and validate a scenario file; raise ScenarioError listing every problem."""
    return load_scenario_source(path, overrides)[0]


def load_scenario_source(path: str | Path, overrides: Iterable[tuple[str, Any]] = (),
                         given: str = "on the command line") -> tuple[Scenario, Source]:
    """``load_scenario`` and the scenario's ``Source`` (to place later problems in the file).
    ``given`` says in messages where the overrides' values came from."""
    path = Path(path)
    file = str(path)
    data, node = _read_yaml(path, file, "scenario")
    origins: dict[str, _FileValues] = {}
    problems = _read_empirical(data, path.parent, file, origins=origins)
    overridden: list[str] = []
    for dotted, value in overrides:
        try:
            overridden.append(set_dotted(data, dotted, value))
        except KeyError as exc:
            problems.append(Problem(file, dotted, None, f"cannot override: {exc.args[0]}"))
    if problems:
        raise ScenarioError(problems)
    try:
        return Scenario.model_validate(data), Source(file, node, tuple(overridden), given)
    except ValidationError as exc:
        found = [_from_file(p, origins) for p in problems_from(exc, file, node)]
        raise ScenarioError([_from_override(p, overridden, given) for p in found]) from None


def _from_override(problem: Problem, overridden: list[str],
                   given: str = "on the command line") -> Problem:
    """A problem in a value given on the command line (or ``given`` elsewhere) has no line in
    the file."""
    for shown in overridden:
        if problem.path == shown or problem.path.startswith(shown + ".") or problem.path.startswith(shown + "["):
            return Problem(problem.file, problem.path, None,
                           problem.message + f" (value given {given})")
    return problem
