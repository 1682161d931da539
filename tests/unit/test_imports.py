"""Layering of the linesim package, checked on the source with ``ast``: a lower stage never
imports a higher one, the engines stay free of files and tables, only the SimPy engine imports
SimPy, charts and reports never touch an engine, and all randomness comes from seeded
generators."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

import linesim

PKG = Path(linesim.__file__).parent

# Stages, lowest first: a module may import only modules strictly before it.
STAGES = [
    "units", "distributions", "scenario", "calendars", "streams", "states", "bottleneck", "series",
    "engines", "simulate", "lifecycle", "replicate", "capacity", "preflight", "plausibility",
    "estimate", "results", "runfolder", "experiments", "charts", "report", "progress", "schema",
    "docs_gen",
]
# The loader sits between the YAML and the scenario: it may use these, and no stage imports it.
LOADER_MAY_IMPORT = {"scenario", "distributions", "units"}
TOP = {"cli", "api", "__main__", "sweeps", "python_api", "html_report"}  # may import anything
# (api: the run command's work; sweeps: the public Python API of sweep folders; python_api:
# linesim.load, run...; html_report: reads whole folders, and the loader to tell whether a
# scenario file still describes the run)
ROOT = "__init__"  # the package itself (``from . import __version__``), importable by all

FILE_MODULES = {"yaml", "pandas", "pathlib", "io", "csv", "json", "pickle", "shutil", "tempfile"}
ALLOWED_NP_RANDOM = {"Generator", "PCG64", "PCG64DXSM", "SeedSequence", "BitGenerator", "Philox",
                     "SFC64", "MT19937", "default_rng"}


ENGINES = "engines"  # the engines package: walked module by module (engines.simpy.model, ...)


@functools.lru_cache(maxsize=1)
def modules() -> dict[str, ast.Module]:
    """Every top-level module of linesim by name, and every module of the engines package by
    dotted name ("engines", "engines.window", "engines.simpy.model", ...)."""
    found = {p.stem: p for p in sorted(PKG.glob("*.py"))}
    for p in sorted((PKG / ENGINES).rglob("*.py")):
        parts = p.relative_to(PKG).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return {name: ast.parse(p.read_text(encoding="utf-8"), str(p)) for name, p in found.items()}


def _exists(parts: list[str]) -> bool:
    """A module or package of linesim at this dotted path."""
    return bool(parts) and (PKG.joinpath(*parts).is_dir()
                            or PKG.joinpath(*parts[:-1], parts[-1] + ".py").exists())


def dotted_imports(tree: ast.Module, name: str = "") -> tuple[set[str], set[str]]:
    """(linesim modules by dotted name — ROOT for the package itself —, top-level
    third-party/stdlib modules) imported anywhere in the tree of module ``name`` (its dotted
    name, to resolve relative imports; "" for a top-level module), inside functions too."""
    own = name.split(".") if name else []
    package = own if _exists(own) and PKG.joinpath(*own).is_dir() else own[:-1]
    internal, external = set(), set()

    def add(parts: list[str]) -> None:
        internal.add(".".join(parts) if parts else ROOT)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "linesim":
                    add(parts[1:])
                else:
                    external.add(parts[0])
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 0:
                if mod.split(".")[0] != "linesim":
                    external.add(mod.split(".")[0])
                    continue
                base, rest = [], mod.split(".")[1:]
            else:
                up = node.level - 1
                if up > len(package):  # above linesim: not ours
                    continue
                base, rest = package[:len(package) - up], (mod.split(".") if mod else [])
            if rest:
                add(base + rest)
            else:  # from . import x, y  → submodules (or names of the package)
                for alias in node.names:
                    add(base + [alias.name] if _exists(base + [alias.name]) else base)
    return internal, external


def stage_of(dotted: str) -> str:
    """The stage a dotted module belongs to: its top-level name ("engines.simpy.model" →
    "engines")."""
    return dotted.split(".")[0]


def imports(tree: ast.Module, name: str = "") -> tuple[set[str], set[str]]:
    """(linesim stages, top-level third-party/stdlib modules) imported anywhere in the tree."""
    internal, external = dotted_imports(tree, name)
    return {stage_of(m) for m in internal}, external


def test_every_module_has_a_stage():
    """Every module of linesim is placed in the stage order (a new module must be placed here)."""
    names = {stage_of(m) for m in modules()} - {ROOT}
    unplaced = names - set(STAGES) - {"loader"} - TOP
    assert not unplaced, f"place these modules in STAGES of {__file__}: {sorted(unplaced)}"


@pytest.mark.parametrize("name", [s for s in STAGES if s != "experiments"])  # (a package:
def test_lower_stage_never_imports_higher_stage(name):  # its own tests below)
    """A stage imports only stages below it (units < distributions < scenario < calendars <
    streams < states < bottleneck < engines < simpy < replicate < capacity < preflight < estimate
    < results < charts < report), never the loader or the CLI. For the engines package every
    module of it is checked (imports within the package are its own business: see below)."""
    trees = {m: t for m, t in modules().items() if stage_of(m) == name}
    if not trees:
        pytest.skip(f"no module {name}")
    allowed = set(STAGES[: STAGES.index(name)]) | {ROOT, name}
    for mod, tree in trees.items():
        internal, _ = imports(tree, mod)
        assert internal <= allowed, f"{mod} imports {sorted(internal - allowed)}"


def test_loader_imports_only_scenario_types():
    """The loader builds on scenario, distributions and units only (not on the model or results)."""
    internal, _ = imports(modules()["loader"])
    assert internal <= LOADER_MAY_IMPORT | {ROOT}, sorted(internal - LOADER_MAY_IMPORT - {ROOT})


def test_only_the_cli_imports_the_loader():
    """Nothing but the CLI reads YAML through the loader: the stages take a Scenario."""
    for name, tree in modules().items():
        if name in TOP or name == "loader":
            continue
        assert "loader" not in imports(tree, name)[0], f"{name} imports the loader"
        assert "cli" not in imports(tree, name)[0], f"{name} imports the CLI"


def engine_rule_violations(name: str, tree: ast.Module) -> list[str]:
    """What module ``name`` (dotted) breaks of the engines' rules: only the SimPy engine
    (engines.simpy.*) imports SimPy; only the fast engine (engines.fast.*, and the engines
    package's lazy check) imports numba; a module of the engines package builds on the stages
    below it only, the SimPy and fast engines never import each other, the Window contract
    (engines.window) imports no engine, and no engine module reads or writes files (YAML,
    pandas, JSON, pickle...; the compiled engine may name a path) or calls open()."""
    internal, external = dotted_imports(tree, name)
    found = []
    in_simpy = name == "engines.simpy" or name.startswith("engines.simpy.")
    in_fast = name == "engines.fast" or name.startswith("engines.fast.")
    if "simpy" in external and not in_simpy:
        found.append(f"{name} imports simpy (only engines.simpy may)")
    if "numba" in external and not (in_fast or name == ENGINES):
        found.append(f"{name} imports numba (only engines.fast may)")
    if stage_of(name) != ENGINES:
        return found
    below = set(STAGES[: STAGES.index(ENGINES)]) | {ROOT}
    outside = {m for m in internal if stage_of(m) != ENGINES and m != ROOT}
    if {stage_of(m) for m in outside} - below:
        found.append(f"{name} imports {sorted(m for m in outside if stage_of(m) not in below)}")
    siblings = {m for m in internal if stage_of(m) == ENGINES}
    if in_fast and any(m.startswith("engines.simpy") for m in siblings):
        found.append(f"{name} (the fast engine) imports the SimPy engine")
    if in_simpy and any(m.startswith("engines.fast") for m in siblings):
        found.append(f"{name} (the SimPy engine) imports the fast engine")
    if name == "engines.window" and siblings - {"engines.window"}:
        found.append(f"engines.window imports {sorted(siblings)}: the contract imports no engine")
    banned = FILE_MODULES - {"pathlib"} if in_fast else FILE_MODULES
    if external & banned:
        found.append(f"{name} imports {sorted(external & banned)}")
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    if "open" in calls:
        found.append(f"{name} calls open()")
    return found


def test_engine_rules_catch_the_bad_patterns():
    """The engine rules flag each forbidden pattern (so their silence on linesim means
    something): SimPy in the fast engine or anywhere outside engines.simpy, the engines importing
    each other, numba outside the fast engine, files in an engine, a higher stage from an
    engine."""
    bad = {
        ("engines.fast", "import simpy"): "imports simpy",
        ("engines.fast.core", "from simpy import Environment"): "imports simpy",
        ("simulate", "import simpy"): "imports simpy",
        ("engines.fast.core", "from ...engines.simpy.model import Line"): "imports the SimPy engine",
        ("engines.fast.core", "from ..simpy import model"): "imports the SimPy engine",
        ("engines.simpy.run", "from ..fast import run_window"): "imports the fast engine",
        ("engines.simpy.model", "import yaml"): "imports ['yaml']",
        ("engines.fast.core", "import pandas as pd"): "imports ['pandas']",
        ("engines.simpy.model", "def f():\n    open('x')"): "calls open()",
        ("engines.window", "from ..simulate import RunResult"): "imports ['simulate']",
        ("engines.window", "from . import fast"): "imports no engine",
        ("report", "import numba"): "imports numba",
    }
    for (name, src), what in bad.items():
        found = engine_rule_violations(name, ast.parse(src))
        assert any(what in f for f in found), (name, src, found)
    ok = {
        ("engines.simpy.model", "import simpy\nfrom ...calendars import Calendar"),
        ("engines.fast.core", "import numba\nfrom ..window import Window\nfrom pathlib import Path"),
        ("engines", "def f():\n    import numba\n    from .simpy.run import run_window"),
    }
    for name, src in ok:
        assert engine_rule_violations(name, ast.parse(src)) == [], (name, src)


def test_engines_keep_their_rules():
    """Every module of linesim keeps the engine rules above (only engines.simpy imports SimPy,
    the engines never import each other, no files in an engine...)."""
    found = [v for name, tree in modules().items() for v in engine_rule_violations(name, tree)]
    assert found == []


def test_engine_modules_are_walked():
    """The walk sees the engines package module by module (so the rules above are checked on
    the SimPy model, its run, the Window contract and the fast engine)."""
    assert {"engines", "engines.window", "engines.simpy", "engines.simpy.model",
            "engines.simpy.run", "engines.fast"} <= set(modules())
    internal, external = dotted_imports(modules()["engines.simpy.run"], "engines.simpy.run")
    assert {"engines.simpy.model", "engines.window", "scenario"} <= internal
    assert "simpy" in external


@pytest.mark.parametrize("name", ["simulate", "engines", "engines.window", "engines.simpy.run",
                                  "engines.simpy.model"])
def test_simulation_touches_no_files(name):
    """The engines, their model and simulate.py import no YAML, pandas, pathlib or file modules
    and open no files: a replication is pure computation."""
    tree = modules()[name]
    _, external = imports(tree, name)
    assert not external & FILE_MODULES, sorted(external & FILE_MODULES)
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "open" not in calls


@pytest.mark.parametrize("name", ["charts", "report"])
def test_charts_and_report_do_not_import_simpy(name):
    """charts.py and report.py work from tables: they import neither SimPy nor an engine,
    the simulation or the replications."""
    internal, external = imports(modules()[name], name)
    assert "simpy" not in external
    assert not internal & {ENGINES, "simulate", "replicate"}


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
    """Every linesim module (dotted: linesim.engines.simpy.model) and external top-level package
    that importing ``name`` loads, following module-level imports transitively (static, from the
    source; importing a module of a subpackage loads the packages above it too)."""
    trees = modules()
    seen, todo, external = set(), [name], set()
    while todo:
        mod = todo.pop()
        if mod in seen or mod not in trees:
            continue
        seen.add(mod)
        internal, ext = dotted_imports(ast.Module(body=list(_load_time_nodes(trees[mod].body)),
                                                  type_ignores=[]), mod)
        external |= ext
        parents = {".".join(m.split(".")[:k]) for m in internal for k in range(1, m.count(".") + 1)}
        todo += sorted(internal | parents | ({mod.rsplit(".", 1)[0]} if "." in mod else set()))
    return {f"linesim.{m}" for m in seen} | external


def _engine_loaded(loaded: set[str]) -> set[str]:
    """What of SimPy, numba, the engines' models and the simulation ``loaded`` holds."""
    return {m for m in loaded if m in {"simpy", "numba", "linesim.simulate", "linesim.replicate"}
            or m.startswith(("linesim.engines.simpy", "linesim.engines.fast"))}


# What `import linesim` must not load (the Python API is loaded on first use of its names).
HEAVY = ("simpy", "numba", "pandas", "matplotlib")


def _loaded_after(code: str) -> set[str]:
    """The heavy packages a fresh interpreter has loaded after running ``code``."""
    import json
    import subprocess
    import sys

    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, cwd=PKG.parent)
    assert done.returncode == 0, done.stderr
    return {m.split(".")[0] for m in json.loads(done.stdout.splitlines()[-1])} & set(HEAVY)


def test_import_linesim_stays_light():
    """`import linesim` (in a fresh interpreter, as a notebook does) loads none of SimPy, numba,
    pandas or matplotlib; the Python API's names are there (dir) without loading them."""
    assert _loaded_after("import linesim\nassert 'run' in dir(linesim)") == set()


def test_the_python_api_loads_no_engine():
    """Using a name of the Python API loads it (and pandas for its tables), still no engine nor
    matplotlib: an engine is loaded when a replication runs, matplotlib when charts are drawn."""
    loaded = _loaded_after("import linesim\nlinesim.load\nlinesim.Result")
    assert loaded <= {"pandas"}, loaded
    assert not _engine_loaded(loaded_on_import("python_api"))


def test_lazy_names_resolve():
    """Every name linesim/__init__ promises resolves to what its module defines; other names
    are an AttributeError (so `from . import module` inside linesim still finds the modules)."""
    from importlib import import_module

    for name, module in linesim._LAZY.items():
        assert getattr(linesim, name) is getattr(import_module(f"linesim.{module}"), name)
    assert set(linesim._LAZY) <= set(linesim.__all__) <= set(dir(linesim))
    with pytest.raises(AttributeError):
        linesim.no_such_name  # noqa: B018


def test_loaded_on_import_follows_chains():
    """The transitive import walk sees through intermediate modules (the SimPy engine's run loads
    simpy via the model, and its packages), not into function bodies (cli's lazy imports, the
    engines' lazy loading of each engine)."""
    assert {"simpy", "linesim.engines.simpy.model", "linesim.engines",
            "linesim.engines.simpy"} <= loaded_on_import("engines.simpy.run")
    assert "linesim.engines.simpy.model" not in loaded_on_import("cli")
    assert "linesim.engines" in loaded_on_import("simulate")


@pytest.mark.parametrize("name", ["simulate", "engines", "cli", "api", "replicate", "preflight"])
def test_importing_linesim_loads_no_engine(name):
    """Importing linesim's stages loads neither SimPy's model, nor the fast engine, nor numba:
    an engine is loaded when a replication runs on it (``engines.run_window``), so `validate`
    starts fast and a machine without numba runs on SimPy."""
    loaded = loaded_on_import(name)
    assert not {"numba", "simpy"} & loaded, sorted({"numba", "simpy"} & loaded)
    assert not {m for m in loaded if m.startswith(("linesim.engines.simpy",
                                                   "linesim.engines.fast"))}


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
    assert not _engine_loaded(loaded), sorted(_engine_loaded(loaded))


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
    found = {str(p.relative_to(PKG)): unseeded_randomness(p.read_text(encoding="utf-8"))
             for p in [*PKG.glob("*.py"), *(PKG / ENGINES).rglob("*.py")]}
    assert {k: v for k, v in found.items() if v} == {}


def test_preflight_runs_before_any_simulation():
    """The pre-flight checks (window, event budget, flooding sources) work from the scenario, the
    calendars and the capacity arithmetic alone: importing them loads no SimPy, model,
    simulation, replications, YAML or files."""
    loaded = loaded_on_import("preflight")
    internal, external = imports(modules()["preflight"], "preflight")
    assert not _engine_loaded(loaded), sorted(_engine_loaded(loaded))
    assert "linesim.loader" not in loaded
    assert not internal & {"simulate", "replicate", "loader", "results"}
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
        assert not top & {ENGINES, "simulate", "replicate"}, (name, sorted(top))


def test_no_stage_below_the_experiments_imports_them():
    """Nothing below the experiment layer (the stages before it and the loader) imports it;
    charts and report, above it, may (sweep tables and figures)."""
    above = set(STAGES[STAGES.index("experiments"):]) | TOP
    for name, tree in modules().items():
        if stage_of(name) in above:
            continue
        internal, _ = imports(tree, name)
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
        assert not _engine_loaded(loaded), (mod, sorted(loaded))


def test_every_experiments_module_has_a_stage():
    """Every module of linesim/experiments is placed in EXPERIMENT_STAGES."""
    names = {p.stem for p in EXP.glob("*.py")} - {"__init__"}
    assert names <= set(EXPERIMENT_STAGES), sorted(names - set(EXPERIMENT_STAGES))
