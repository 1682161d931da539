"""Fixtures for the CLI tests: a tiny scenario, one real `linesim run` in a subprocess shared by
the module's tests, and an in-process CliRunner helper."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linesim.cli import main

# 3 stations, exponential, 1 day after a 1 h warm-up, 2 replications: well under a second each.
TINY = textwrap.dedent("""
    name: tiny
    description: three exponential stations for the CLI tests
    unit: part
    stations:
      - name: A
        cycle_time: {dist: exponential, mean: 40 s}
        buffer_after: 2
      - name: B
        cycle_time: {dist: exponential, mean: 38 s}
        buffer_after: 1
      - name: C
        cycle_time: {dist: exponential, mean: 36 s}
    run:
      warmup: 1 h
      horizon: 1 d
      replications: 2
      seed: 7
    target:
      annual_output: 500000
      confidence: 0.9
    """).lstrip()

TABLE_FILES = ["summary.json", "replications.csv", "stations.csv", "buffers.csv",
               "periods.csv", "buffer_periods.csv", "buffer_occupancy.csv", "arrivals.csv",
               "scenario.resolved.yaml"]


def linesim(*args, cwd=None) -> subprocess.CompletedProcess:
    """`python -m linesim ARGS` in a subprocess: real exit status, stdout and stderr."""
    return subprocess.run([sys.executable, "-m", "linesim", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def invoke(*args) -> Result:
    """The CLI in-process (fast); exit status via SystemExit, stderr kept apart from stdout."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


@pytest.fixture
def tiny_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


@dataclass
class Run:
    scenario: Path
    folder: Path
    proc: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Run:
    """One `linesim run tiny.yaml --out DIR --json --jobs 2` (charts included), shared."""
    base = tmp_path_factory.mktemp("tiny_run")
    scenario = base / "tiny.yaml"
    scenario.write_text(TINY, encoding="utf-8")
    folder = base / "run"
    proc = linesim("run", scenario, "--out", folder, "--json", "--jobs", "2", cwd=base)
    return Run(scenario, folder, proc)
