"""Folders for the report tests, made once per session by the real commands: a short run of a
shipped scenario (the Chinese seat plant: Chinese names, unit and description), a small sweep of
the deterministic reference line, and a run whose free-text fields are hostile HTML."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from linesim.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_UNIT = "<img src=x onerror=alert(2)>"  # a unit is any printable text (1-40 characters)


def invoke(*args):
    """The CLI in-process; exit status via SystemExit."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def _ok(result) -> None:
    assert result.exit_code == 0, (result.output, result.exception)


@pytest.fixture(scope="session")
def zh_run(tmp_path_factory) -> Path:
    """`linesim run scenarios/zhuojun-seats-phase1-zh.yaml --horizon "2 d" -n 2`: a run folder
    with every chart, Chinese names, a target, and fewer than 5 replications of under a year."""
    folder = tmp_path_factory.mktemp("zh") / "run"
    _ok(invoke("run", SCENARIOS / "zhuojun-seats-phase1-zh.yaml", "--horizon", "2 d", "-n", "2",
               "--jobs", "1", "--out", folder))
    return folder


@pytest.fixture(scope="session")
def ref_sweep(tmp_path_factory) -> Path:
    """A three-point sweep of the reference line's bottleneck cycle time (one day, 2 reps)."""
    folder = tmp_path_factory.mktemp("sweep") / "sweep"
    _ok(invoke("sweep", SCENARIOS / "reference" / "ref-a.yaml", "--vary",
               "stations.S2.cycle_time=36 s,40 s,44 s", "--horizon", "1 d", "-n", "2",
               "--jobs", "1", "--out", folder))
    return folder


HOSTILE_SCENARIO = textwrap.dedent(f"""
    name: hostile
    description: "{HOSTILE} & <b>bold</b>"
    unit: "{HOSTILE_UNIT}"
    stations:
      - name: A
        cycle_time: {{dist: exponential, mean: 40 s}}   # estimate </pre><script>alert(3)</script>
        buffer_after: 2
      - name: B
        cycle_time: 38 s
    run: {{warmup: 1 h, horizon: 1 d, replications: 2, seed: 5}}
    target: {{annual_output: 500000, confidence: 0.9}}
    """).lstrip()


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory) -> Path:
    """A run whose description, unit and comments are HTML, with no report yet (the tests
    rename a station to ``HOSTILE`` in its tables first: a scenario cannot name one so)."""
    base = tmp_path_factory.mktemp("hostile")
    path = base / "hostile.yaml"
    path.write_text(HOSTILE_SCENARIO, encoding="utf-8")
    folder = base / "run"
    _ok(invoke("run", path, "--jobs", "1", "--out", folder, "--no-report"))
    return folder
