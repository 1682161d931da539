"""Layering of the linesim package, checked on the source with ``ast``: a lower stage never
imports a higher one, the model stays free of files and tables, charts and reports never touch
SimPy, and all randomness comes from seeded generators."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import linesim

PKG = Path(linesim.__file__).parent

# Stages, lowest first: a module may import only modules strictly before it.
STAGES = [
    "units", "distributions", "scenario", "calendars", "streams", "states", "bottleneck", "model",
    "simulate", "lifecycle", "replicate", "capacity", "preflight", "estimate", "results",
    "runfolder", "experiments", "charts", "report",
]
# The loader sits between the YAML and the scenario: it may use these, and no stage imports it.
LOADER_MAY_IMPORT = {"scenario", "distributions", "units"}
TOP = {"cli", "api", "__main__", "sweeps"}  # may import anything (api: the run command's work;
# sweeps: the public Python API of sweep folders)
ROOT = "__init__"  # the package itself (``from . import __version__``), importable by all

FILE_MODULES = {"yaml", "pandas", "pathlib", "io", "csv", "json", "pickle", "shutil", "tempfile"}
ALLOWED_NP_RANDOM = {"Generator", "PCG64", "PCG64DXSM", "SeedSequence", "BitGenerator", "Philox",
                     "SFC64", "MT19937", "default_rng"}


@functools.lru_cache(maxsize=1)
def modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(PKG.glob("*.py"))}


def imports(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(linesim modules, top-level third-party/stdlib modules) imported anywhere in the tree,
    including imports inside functions."""
    internal, external = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "linesim":
                    internal.add(parts[1] if len(parts) > 1 else ROOT)
                else:
                    external.add(parts[0])
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 0 and not mod.startswith("linesim"):
                external.add(mod.split(".")[0])
                continue
            parts = mod.split(".")[1:] if node.level == 0 else (mod.split(".") if mod else [])
            if parts:
                internal.add(parts[0])
            else:  # from . import x, y  → submodules (or names of the package root)
                for alias in node.names:
                    internal.add(alias.name if (PKG / f"{alias.name}.py").exists()
                                 or (PKG / alias.name).is_dir() else ROOT)
    return internal, external


def test_every_module_has_a_stage():
    """Every module of linesim is placed in the stage order (a new module must be placed here)."""
    names = set(modules()) - {ROOT}
    unplaced = names - set(STAGES) - {"loader"} - TOP
    assert not unplaced, f"place these modules in STAGES of {__file__}: {sorted(unplaced)}"


@pytest.mark.parametrize("name", [s for s in STAGES if s != "experiments"])  # (a package:
def test_lower_stage_never_imports_higher_stage(name):  # its own tests below)
    """A stage imports only stages below it (units < distributions < scenario < calendars <
    streams < states < bottleneck < model < simulate < replicate < capacity < preflight < estimate
    < results < charts < report), never the loader or the CLI."""
    tree = modules().get(name)
    if tree is None:
        pytest.skip(f"no module {name}")
    internal, _ = imports(tree)
    allowed = set(STAGES[: STAGES.index(name)]) | {ROOT}
    assert internal <= allowed, f"{name} imports {sorted(internal - allowed)}"


def test_loader_imports_only_scenario_types():
    """The loader builds on scenario, distributions and units only (not on the model or results)."""
    internal, _ = imports(modules()["loader"])
    assert internal <= LOADER_MAY_IMPORT | {ROOT}, sorted(internal - LOADER_MAY_IMPORT - {ROOT})


def test_only_the_cli_imports_the_loader():
    """Nothing but the CLI reads YAML through the loader: the stages take a Scenario."""
    for name, tree in modules().items():
        if name in TOP or name == "loader":
            continue
        assert "loader" not in imports(tree)[0], f"{name} imports the loader"
        assert "cli" not in imports(tree)[0], f"{name} imports the CLI"


@pytest.mark.parametrize("name", ["model", "simulate"])
def test_model_and_simulate_touch_no_files(name):
    """model.py and simulate.py import no YAML, pandas, pathlib or file modules and open no files:
    a replication is pure computation."""
    tree = modules()[name]
    _, external = imports(tree)
    assert not external & FILE_MODULES, sorted(external & FILE_MODULES)
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "open" not in calls


@pytest.mark.parametrize("name", ["charts", "report"])
def test_charts_and_report_do_not_import_simpy(name):
    """charts.py and report.py work from tables: they import neither SimPy nor the model,
    the simulation or the replications."""
    internal, external = imports(modules()[name])
    assert "simpy" not in external
    assert not internal & {"model", "simulate", "replicate"}


def _load_time_nodes(body: list[ast.stmt]):
    """Statements executed when a module is imported: the top level, descending into if/try
    blocks but not into functions, classes' methods or ``if TYPE_CHECKING:`` blocks."""
    for stmt in body:
        if isinstance(stmt, ast.If) and "TYPE_CHECKING" in _dotted(stmt.test):
            yield from _load_time_nodes(stmt.orelse)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                yield from _load_time_nodes(getattr(stmt, field, []) or [])
        elif isinstance(stmt, ast.ExceptHandler):
            yield from _load_time_nodes(stmt.body)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        elif isinstance(stmt, ast.ClassDef):
            yield from _load_time_nodes([s for s in stmt.body if not isinstance(s, ast.FunctionDef)])
        else:
            yield stmt


def loaded_on_import(name: str) -> set[str]:
    """Every linesim module and external top-level package that importing ``name`` loads,
    following module-level imports transitively (static, from the source)."""
    trees = modules()
    seen, todo, external = set(), [name], set()
    while todo:
        mod = todo.pop()
        if mod in seen or mod not in trees:
            continue
        seen.add(mod)
        internal, ext = imports(ast.Module(body=list(_load_time_nodes(trees[mod].body)),
                                           type_ignores=[]))
        external |= ext
        todo += sorted(internal)
    return {f"linesim.{m}" for m in seen} | external


def test_loaded_on_import_follows_chains():
    """The transitive import walk sees through intermediate modules (simulate loads simpy via
    itself and model) and not into function bodies (cli's lazy imports)."""
    assert {"simpy", "linesim.model"} <= loaded_on_import("simulate")
    assert "linesim.model" not in loaded_on_import("cli")


@pytest.mark.parametrize(
    "name",
    [
        "report",
        "charts",
    ],
)
def test_charts_and_report_do_not_load_simpy_transitively(name):
    """Importing charts or report does not load SimPy or the model, even indirectly (they work
    from tables and can run where the simulation stack is absent)."""
    loaded = loaded_on_import(name)
    assert not loaded & {"simpy", "linesim.model", "linesim.simulate"}, sorted(
        loaded & {"simpy", "linesim.model", "linesim.simulate"})


# -- randomness ----------------------------------------------------------------------------------
def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def unseeded_randomness(source: str) -> list[str]:
    """Uses of global or unseeded random state in code (docstrings and comments ignored):
    the random module, np.random.seed / legacy np.random.<dist>, RandomState, default_rng()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] == "random"]
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] == "random" and node.level == 0:
                found.append(f"from {node.module} import ...")
            if node.module == "numpy.random":
                found += [f"from numpy.random import {a.name}" for a in node.names
                          if a.name not in ALLOWED_NP_RANDOM]
        elif isinstance(node, ast.Attribute):
            name = _dotted(node)
            for prefix in ("np.random.", "numpy.random."):
                if name.startswith(prefix) and name[len(prefix):].split(".")[0] not in ALLOWED_NP_RANDOM:
                    found.append(name)
        elif isinstance(node, ast.Call):
            fname = _dotted(node.func)
            if fname.split(".")[-1] == "default_rng" and not node.args and not node.keywords:
                found.append(f"{fname}()")
    return found


def test_randomness_checker_finds_the_bad_patterns():
    """The checker below flags each forbidden pattern (so its silence on linesim means something)."""
    bad = {
        "import random": "import random",
        "from random import random": "from random",
        "import numpy as np\nnp.random.seed(1)": "np.random.seed",
        "import numpy\nnumpy.random.seed(1)": "numpy.random.seed",
        "import numpy as np\nx = np.random.exponential(3)": "np.random.exponential",
        "import numpy as np\ng = np.random.default_rng()": "default_rng()",
        "from numpy.random import default_rng\ng = default_rng()": "default_rng()",
        "import numpy as np\nr = np.random.RandomState(3)": "RandomState",
    }
    for src, what in bad.items():
        assert any(what in f for f in unseeded_randomness(src)), src
    ok = "import numpy as np\ng = np.random.default_rng(7)\nh = np.random.Generator(np.random.PCG64(1))"
    assert unseeded_randomness(ok) == []
    assert unseeded_randomness('"""no np.random.seed, no default_rng(), no import random"""') == []


def test_no_unseeded_randomness_in_linesim():
    """No `random` module, no np.random.seed, no legacy global-state numpy draws and no unseeded
    default_rng() anywhere in linesim: every draw comes from a named, seeded stream."""
    found = {p.name: unseeded_randomness(p.read_text(encoding="utf-8")) for p in PKG.glob("*.py")}
    assert {k: v for k, v in found.items() if v} == {}


def test_preflight_runs_before_any_simulation():
    """The pre-flight checks (window, event budget, flooding sources) work from the scenario, the
    calendars and the capacity arithmetic alone: importing them loads no SimPy, model,
    simulation, replications, YAML or files."""
    loaded = loaded_on_import("preflight")
    internal, external = imports(modules()["preflight"])
    banned = {"simpy", "linesim.model", "linesim.simulate", "linesim.replicate", "linesim.loader"}
    assert not loaded & banned, sorted(loaded & banned)
    assert not internal & {"model", "simulate", "replicate", "loader", "results"}
    assert not external & FILE_MODULES, sorted(external & FILE_MODULES)


# -- the experiments package (issue 8) -------------------------------------------------------------
EXP = PKG / "experiments"
# Its lower stages, in order: a module here imports only the ones before it.
EXPERIMENT_STAGES = ["core", "spec", "design", "points", "analyze", "execute", "store", "sweep",
                     "improve", "solve", "labels", "charts"]
# The pure stages: the sweep definition, designs and point scenarios run no simulation.
PURE_EXPERIMENT_STAGES = ["core", "spec", "design", "points"]
# Top-level stages the experiment layer may build on: everything up to runfolder (it sits above
# estimate, results and runfolder, below charts/report/api/cli); the loader only where a sweep file
# or a key path is read; the run charts only for the sweep charts (the shared font chain).
EXPERIMENTS_MAY_IMPORT = set(STAGES[: STAGES.index("runfolder") + 1])
EXPERIMENTS_LOADER = {"spec", "points", "improve", "solve"}


def experiment_modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(EXP.glob("*.py"))}


def experiment_imports(tree: ast.Module) -> tuple[set[str], set[str], set[str]]:
    """(sibling modules of linesim.experiments, top-level linesim modules, external packages)
    imported anywhere in a module of the experiments package."""
    siblings, top, external = set(), set(), set()
    for node in ast.walk(tree):
        def absolute(name: str) -> None:
            parts = name.split(".")
            if parts[0] != "linesim":
                external.add(parts[0])
            elif len(parts) > 2 and parts[1] == "experiments":
                siblings.add(parts[2])
            elif len(parts) > 1:
                top.add(parts[1])

        if isinstance(node, ast.Import):
            for alias in node.names:
                absolute(alias.name)
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 0:
                absolute(mod)
                continue
            target = siblings if node.level == 1 else top
            if mod:
                target.add(mod.split(".")[0])
            else:
                for alias in node.names:
                    target.add(alias.name)
    return siblings, top, external


def test_experiment_import_walk_tells_siblings_from_top_level():
    """The walk sees `.core` as a sibling and `..loader` / `.. import units` as top level."""
    tree = ast.parse("from .core import Factor\nfrom ..loader import Problem\nfrom .. import units\n"
                     "import numpy as np\nfrom linesim.experiments import design\n")
    siblings, top, external = experiment_imports(tree)
    assert siblings == {"core"} and top == {"loader", "units", "experiments"} and external == {"numpy"}


@pytest.mark.parametrize("name", EXPERIMENT_STAGES)
def test_experiment_stages_import_one_way(name):
    """core < spec < design < points < analyze < execute < store < sweep < improve < solve <
    labels < charts: each imports only the stages before it in the package, and of linesim only
    the stages up to runfolder (plus the loader where a sweep file or key path is read, and the
    run charts' font chain for the sweep charts)."""
    tree = experiment_modules().get(name)
    if tree is None:
        pytest.skip(f"no module experiments/{name}")
    siblings, top, _ = experiment_imports(tree)
    allowed = set(EXPERIMENT_STAGES[: EXPERIMENT_STAGES.index(name)])
    assert siblings <= allowed, f"experiments/{name} imports {sorted(siblings - allowed)}"
    allowed_top = EXPERIMENTS_MAY_IMPORT | {ROOT, "__init__", "__version__"} | (
        {"loader"} if name in EXPERIMENTS_LOADER else set()) | (
        {"charts"} if name == "charts" else set())
    assert top <= allowed_top, f"experiments/{name} imports linesim.{sorted(top - allowed_top)}"


def test_lower_experiment_stages_run_no_simulation():
    """The sweep definition, designs and point scenarios are pure: they import no SimPy, model,
    simulation or replications (a sweep is checked completely before anything runs)."""
    for name in PURE_EXPERIMENT_STAGES:
        tree = experiment_modules().get(name)
        if tree is None:
            continue
        _, top, external = experiment_imports(tree)
        assert "simpy" not in external, name
        assert not top & {"model", "simulate", "replicate"}, (name, sorted(top))


def test_no_stage_below_the_experiments_imports_them():
    """Nothing below the experiment layer (the stages before it and the loader) imports it;
    charts and report, above it, may (sweep tables and figures)."""
    above = set(STAGES[STAGES.index("experiments"):]) | TOP
    for name, tree in modules().items():
        if name in above:
            continue
        internal, _ = imports(tree)
        assert "experiments" not in internal, f"{name} imports the experiments package"


def test_no_unseeded_randomness_in_experiments():
    """Designs draw only from seeded generators (LHS and Morris take the design's seed)."""
    found = {p.name: unseeded_randomness(p.read_text(encoding="utf-8")) for p in EXP.glob("*.py")}
    assert {k: v for k, v in found.items() if v} == {}


# -- the experiment layer's charts and labels (issue 8) ----------------------------------------------
@pytest.mark.parametrize("name", ["charts", "labels"])
def test_experiment_charts_and_labels_work_from_tables(name):
    """The sweep charts and their labels draw from tables: they import no SimPy, and of linesim
    only units, the run charts (the shared font chain) and the experiments' core and labels,
    none of which loads SimPy, the model or the simulation."""
    siblings, top, external = experiment_imports(experiment_modules()[name])
    assert "simpy" not in external
    assert siblings <= {"core", "labels"}, sorted(siblings)
    assert top <= {"units", "charts"}, sorted(top)
    for mod in top:
        loaded = loaded_on_import(mod)
        assert not loaded & {"simpy", "linesim.model", "linesim.simulate"}, (mod, sorted(loaded))


def test_every_experiments_module_has_a_stage():
    """Every module of linesim/experiments is placed in EXPERIMENT_STAGES."""
    names = {p.stem for p in EXP.glob("*.py")} - {"__init__"}
    assert names <= set(EXPERIMENT_STAGES), sorted(names - set(EXPERIMENT_STAGES))
