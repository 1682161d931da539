"""The docs that cannot drift: docs/FORMAT.md and docs/*.schema.json are what the models give
now; the JSON Schema accepts every shipped scenario and sweep (and every plant the models
accept), refuses what the loader refuses, and knows every input form of the models."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel, BeforeValidator

from linesim import docs_gen, schema, units
from linesim.cli import main
from linesim.experiments.spec import load_sweep
from linesim.loader import ScenarioError, load_scenario, read_yaml
from linesim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SHIPPED_SCENARIOS = sorted([*ROOT.glob("scenarios/**/*.yaml"), *ROOT.glob("benchmarks/*.yaml")])
SHIPPED_SWEEPS = sorted(ROOT.glob("sweeps/*.yaml"))
RESOLVED = sorted(ROOT.glob("results/*/scenario.resolved.yaml"))


@pytest.fixture(scope="module")
def validators() -> dict:
    out = {}
    for kind in schema.KINDS:
        spec = json.loads((DOCS / schema.SCHEMA_FILES[kind]).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(spec)
        out[kind] = jsonschema.Draft202012Validator(spec)
    return out


def _errors(validator, data) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:200]}"
            for e in validator.iter_errors(data)]


# -- the committed files are current -------------------------------------------------------------
def test_committed_docs_are_what_the_models_give_now():
    """docs/FORMAT.md and the two schemas equal the generator's output (regenerate with
    `python -m linesim.docs_gen`)."""
    stale = [p.name for p in docs_gen.stale(DOCS)]
    assert not stale, (f"out of date: {', '.join(stale)}; regenerate with `python -m linesim.docs_gen` "
                       "(a model changed, or pydantic writes its schemas differently) and commit")


def test_a_changed_description_makes_the_docs_stale(tmp_path, monkeypatch):
    """The check compares content: a description changed in a model is caught."""
    docs_gen.main(["--docs", str(tmp_path)])
    assert docs_gen.stale(tmp_path) == []
    field = Scenario.model_fields["unit"]
    monkeypatch.setattr(field, "description", field.description + " (changed)")
    Scenario.model_rebuild(force=True)
    try:
        assert {p.name for p in docs_gen.stale(tmp_path)} == {"FORMAT.md", "scenario.schema.json"}
        assert docs_gen.main(["--docs", str(tmp_path), "--check"]) == 1
    finally:
        monkeypatch.undo()
        Scenario.model_rebuild(force=True)


def test_the_reference_names_every_key_of_every_model():
    """Every property of every part of both schemas has a row in FORMAT.md, with a description."""
    text = (DOCS / docs_gen.FORMAT_FILE).read_text(encoding="utf-8")
    for kind in schema.KINDS:
        spec = schema.json_schema(kind)
        parts = {"(top)": spec, **spec["$defs"]}
        for name, part in parts.items():
            for key, prop in (part.get("properties") or {}).items():
                assert prop.get("description"), f"{kind} {name}.{key} has no description"
                assert f"| `{key}` |" in text, f"{name}.{key} is missing from FORMAT.md"
    assert "`engine` | `auto` \\| `simpy` \\| `fast`" in text


def test_schema_command_prints_and_writes_the_committed_schemas(tmp_path):
    runner = CliRunner()
    for kind in schema.KINDS:
        committed = (DOCS / schema.SCHEMA_FILES[kind]).read_text(encoding="utf-8")
        printed = runner.invoke(main, ["schema", kind])
        assert printed.exit_code == 0 and printed.output == committed
        out = tmp_path / f"{kind}.json"
        written = runner.invoke(main, ["schema", kind, "--out", str(out)])
        assert written.exit_code == 0 and out.read_text(encoding="utf-8") == committed
    assert runner.invoke(main, ["schema"]).output == runner.invoke(main, ["schema", "scenario"]).output
    markdown = runner.invoke(main, ["schema", "--markdown"])
    assert markdown.output == (DOCS / docs_gen.FORMAT_FILE).read_text(encoding="utf-8")
    bad = runner.invoke(main, ["schema", "--out", str(tmp_path / "no-such-folder" / "s.json")])
    assert bad.exit_code == 2 and "cannot write" in bad.output


# -- what the schema accepts ---------------------------------------------------------------------
@pytest.mark.parametrize("path", SHIPPED_SCENARIOS + RESOLVED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_scenario_validates(validators, path):
    data, _ = read_yaml(path, "scenario")
    assert _errors(validators["scenario"], data) == []


@pytest.mark.parametrize("path", SHIPPED_SWEEPS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_sweep_validates(validators, path):
    data, _ = read_yaml(path, "sweep")
    assert _errors(validators["sweep"], data) == []


def test_shipped_files_were_found():
    assert len(SHIPPED_SCENARIOS) >= 8 and len(SHIPPED_SWEEPS) >= 3


def test_every_example_in_the_models_validates(validators):
    """The examples the reference shows are valid, for the schema and for the models."""
    models = docs_gen._models()
    checked = 0
    for kind, root in (("scenario", "Scenario"), ("sweep", "SweepSpec")):
        spec = schema.json_schema(kind)
        for name in ["(top)", *(n for n in spec["$defs"] if n not in schema.QUANTITY_DEFS)]:
            model = models[root if name == "(top)" else name]
            for example in docs_gen._examples(model):
                part = spec if name == "(top)" else {"$defs": spec["$defs"], **spec["$defs"][name]}
                assert _errors(jsonschema.Draft202012Validator(part), example) == [], (name, example)
                if "file" not in example and name != "SweepSpec":  # loader forms, a base file
                    model.model_validate(example)
                checked += 1
    assert checked >= 25


# -- what it refuses -----------------------------------------------------------------------------
BASE = {"name": "bad", "stations": [{"name": "S1", "cycle_time": "38 s", "buffer_after": 2},
                                    {"name": "S2", "cycle_time": 40}]}
INVALID_SCENARIOS = {
    "unknown key": ("stations.0.cycle_tme", "40 s"),
    "unknown time unit": ("stations.0.cycle_time", "40 furlongs"),
    "negative duration": ("stations.0.cycle_time", "-5 s"),
    "zero mean": ("stations.0.cycle_time", {"dist": "exponential", "mean": "0 s"}),
    "unknown distribution": ("stations.0.cycle_time", {"dist": "weibull", "mean": 40}),
    "mapping without dist": ("stations.0.cycle_time", {"mean": 40}),
    "probability above 1": ("stations.1.scrap", "150%"),
    "probability as a number above 1": ("stations.1.scrap", 1.5),
    "availability of 1": ("stations.1.failures", {"availability": 1, "mttr": "3 min"}),
    "failures without mttr": ("stations.1.failures", {"mtbf": "1 h"}),
    "unknown basis": ("stations.1.failures", {"mtbf": "1 h", "mttr": 60, "basis": "sometimes"}),
    "no servers": ("stations.1.servers", 0),
    "half a server": ("stations.1.servers", 1.5),
    "a buffer in words": ("stations.0.buffer_after", "lots"),
    "four shifts": ("calendar", {"shifts_per_day": 4, "shift_length": "6 h", "days_per_week": 5}),
    "unknown engine": ("run.engine", "turbo"),
    "replications as text": ("run.replications", "ten"),
    "no stations": ("stations", []),
}


def _with(data: dict, dotted: str, value) -> dict:
    data = json.loads(json.dumps(data))
    node, parts = data, dotted.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    node[parts[-1]] = value
    return data


@pytest.mark.parametrize("case", sorted(INVALID_SCENARIOS))
def test_invalid_scenarios_fail_the_schema_and_the_loader(validators, tmp_path, case):
    """Each is refused by the schema, and by the loader too (the schema refuses nothing that
    linesim reads)."""
    assert _errors(validators["scenario"], BASE) == []
    bad = _with(BASE, *INVALID_SCENARIOS[case])
    assert _errors(validators["scenario"], bad)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError):
        load_scenario(path)


SWEEP = {"base": "base.yaml", "parameters": [{"key": "stations.S2.cycle_time", "values": ["30 s", 36]}]}
INVALID_SWEEPS = {
    "misspelt design": ("design", "gird"),
    "no parameters": ("parameters", []),
    "range with a typo": ("parameters", [{"key": "stations.S2.cycle_time",
                                          "range": {"from": 30, "to": 40, "stpe": 1}}]),
    "negative scale": ("parameters", [{"key": "stations.S2.cycle_time", "scale": [-1]}]),
    "unknown run key": ("run", {"replication": 3}),
    "morris options misspelt": ("design", {"morris": {"trajectory": 4}}),
}


@pytest.mark.parametrize("case", sorted(INVALID_SWEEPS))
def test_invalid_sweeps_fail_the_schema_and_the_loader(validators, tmp_path, case):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(BASE), encoding="utf-8")
    assert _errors(validators["sweep"], SWEEP) == []
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(SWEEP), encoding="utf-8")
    load_sweep(good)
    bad = _with(SWEEP, *INVALID_SWEEPS[case])
    assert _errors(validators["sweep"], bad)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(ScenarioError):
        load_sweep(path)


# -- the input forms -----------------------------------------------------------------------------
def _accepts(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


def _texts() -> list[str]:
    numbers = ["40", "37.5", ".5", "5.", "1e3", "2.5E-1", "+3", "-3", "0", "0.0", "00", "abc", ""]
    names = sorted({*units._UNIT_SECONDS, *(n.upper() for n in units._UNIT_SECONDS),
                    "Min", "furlong", "m", "%"})
    return [f"{n}{space}{u}" for n in numbers for u in ["", *names] for space in ("", " ")]


def test_duration_patterns_accept_exactly_what_the_parser_reads():
    """Number-and-unit text: the schema's patterns accept a text exactly when
    units.parse_duration reads it (with the sign each kind of duration allows)."""
    defs = schema.QUANTITY_DEFS
    kinds = {"Duration": lambda s: True, "NonNegativeDuration": lambda s: s >= 0,
             "PositiveDuration": lambda s: s > 0}
    for kind, ok in kinds.items():
        pattern = defs[kind]["anyOf"][1]["pattern"]
        for text in _texts():
            try:
                seconds = units.parse_duration(text)
                # a sign '-' is refused for durations that must be >= 0, even '-0 s'
                signed = text.strip().startswith("-")
                reads = ok(seconds) and not (signed and kind != "Duration")
            except ValueError:
                reads = False
            assert _accepts(pattern, text) == reads, (kind, text)


def test_probability_pattern_accepts_exactly_what_the_parser_reads():
    pattern = schema.QUANTITY_DEFS["Probability"]["anyOf"][1]["pattern"]
    texts = ["0.5%", "0.5 %", "100%", "100.0%", "101%", "150%", "0%", "0", "1", "1.0", "0.25",
             ".25", "1.5", "50", "abc", "%", "", "5e-1", "-0.1", "+0.5", "99.9%"]
    for text in texts:
        try:
            units.parse_probability(text)
            reads = True
        except ValueError:
            reads = False
        if text == "5e-1":  # exponent form: read by the parser, not offered by the schema
            assert not _accepts(pattern, text)
            continue
        assert _accepts(pattern, text) == reads, text


def test_an_unknown_input_form_is_an_error():
    """A before-validator the generator was not taught stops the schema (it could not say what
    the field accepts), naming the function."""
    def as_list(value):
        return value if isinstance(value, list) else [value]

    class Model(BaseModel):
        items: Annotated[list[int], BeforeValidator(as_list)]

    with pytest.raises(schema.UnknownInputForm, match="as_list"):
        Model.model_json_schema(schema_generator=schema.SchemaGenerator)


# -- the shipped files point at the docs -----------------------------------------------------------
HEADER = re.compile(r"^# yaml-language-server: \$schema=(\S+)\n")


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS + SHIPPED_SWEEPS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_files_name_their_schema_for_editors(path):
    """The first line of every shipped scenario and sweep is the YAML language server's header,
    naming the committed schema of its kind by a path relative to the file."""
    match = HEADER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path.name}: no '# yaml-language-server: $schema=...' first line"
    target = (path.parent / match.group(1)).resolve()
    kind = "sweep" if path in SHIPPED_SWEEPS else "scenario"
    assert target == (DOCS / schema.SCHEMA_FILES[kind]).resolve()


def test_documents_cited_in_the_repository_exist():
    """Every `docs/NAME` that a committed YAML or Markdown file cites is in docs/, and no
    shipped file cites the steering side's copies (seed/, shared/)."""
    texts = {p: p.read_text(encoding="utf-8") for p in
             [*SHIPPED_SCENARIOS, *SHIPPED_SWEEPS, *DOCS.glob("*.md")]}
    cited = set()
    for path, text in texts.items():
        cited |= set(re.findall(r"docs/([\w.-]+\.(?:md|json))", text))
        assert not re.search(r"\bseed/|\bshared/", text), f"{path.name} cites a file outside the repository"
    assert {"DOMAIN.md", "MODELLING.md"} <= cited
    missing = sorted(name for name in cited if not (DOCS / name).is_file())
    assert not missing, f"cited but not in docs/: {missing}"


@pytest.mark.parametrize("name", ["SCENARIO_FORMAT.md", "MODELLING.md"])
def test_scenarios_in_the_written_docs_are_valid(validators, tmp_path, name):
    """Every whole scenario shown in a hand-written page (a YAML block with a name and
    stations) passes the schema and loads."""
    text = (DOCS / name).read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S)
              if re.search(r"^name:", b, re.M) and re.search(r"^stations:", b, re.M)]
    assert blocks
    for i, block in enumerate(blocks):
        data = yaml.safe_load(block)
        assert _errors(validators["scenario"], data) == []
        path = tmp_path / f"{i}.yaml"
        path.write_text(block, encoding="utf-8")
        load_scenario(path)
