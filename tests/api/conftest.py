"""Fixtures for the Python API tests: a tiny scenario file, and the run folders the CLI writes
for it (a subprocess, as a user runs it) to compare the API's results with."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Three stations (one named in Chinese: names work everywhere), one with failures, a target and
# a short horizon: well under a second a replication on either engine.
TINY = textwrap.dedent("""
    name: tiny-api
    unit: 套
    stations:
      - {name: A, cycle_time: {dist: exponential, mean: 40 s}, buffer_after: 2}
      - name: 发泡
        cycle_time: {dist: lognormal, mean: 38 s, cv: 0.3}
        failures: {mtbf: 2 h, mttr: 5 min}
        buffer_after: 1
      - {name: C, cycle_time: {dist: exponential, mean: 36 s}}
    run: {warmup: 1 h, horizon: 2 d, replications: 2, seed: 7}
    target: {annual_output: 600000, confidence: 0.9}
    """).lstrip()

# The options of the runs compared (CLI flags and the API's keywords alike).
REPLICATIONS, HORIZON = 3, "1 d"


def linesim_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    """`python -m linesim ARGS` in a subprocess."""
    return subprocess.run([sys.executable, "-m", "linesim", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "tiny-api.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cli_folder(scenario_file, tmp_path_factory) -> Path:
    """The run folder `linesim run` writes for the tiny scenario, 3 replications of 1 day."""
    out = tmp_path_factory.mktemp("cli") / "run"
    done = linesim_cli("run", scenario_file, "--out", out, "-n", REPLICATIONS,
                       "--horizon", HORIZON)
    assert done.returncode == 0, done.stderr
    return out
