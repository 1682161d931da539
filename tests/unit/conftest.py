"""Fixtures for the unit tests: scenario files written into tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write_yaml(tmp_path: Path):
    """write_yaml(text, name='scenario.yaml') -> Path: dedented text written under tmp_path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


# -- sweeps (issue 8): a tiny base scenario and sweep files beside it ---------------------------
SWEEP_BASE = """
name: tiny
unit: set
calendar:
  shifts_per_day: 2
  shift_length: 8 h
  days_per_week: 5
stations:
  - name: A
    cycle_time: 40 s
    buffer_after: 2
  - name: B
    cycle_time: {dist: normal, mean: 45 s, sd: 3 s}
    failures: {mtbf: 2 h, mttr: 5 min}
  - name: C
    cycle_time: 38
run: {horizon: 1 d, replications: 3, seed: 7}
target: {annual_output: 100000, confidence: 0.9}
"""

SWEEP = """
name: tiny-sweep
base: scen/line.yaml
description: a test sweep
run: {replications: 4, horizon: 2 d, precision: 1%}
parameters:
  - name: B cycle
    key: stations.B.cycle_time.mean
    range: {from: 40 s, to: 50 s, step: 1 s}
  - name: shifts per day
    key: calendar.shifts_per_day
    values: [2, 3]
  - name: fast stations
    keys: [stations.A.cycle_time, stations.C.cycle_time]
    scale: [0.9, 1.0, 1.1]
design: grid
"""


@pytest.fixture
def write_sweep(write_yaml):
    """write_sweep(text=SWEEP, name='sweep.yaml') -> Path: the sweep file, with the base scenario
    SWEEP_BASE at scen/line.yaml beside it."""
    write_yaml(SWEEP_BASE, "scen/line.yaml")

    def write(text: str = SWEEP, name: str = "sweep.yaml") -> Path:
        return write_yaml(text, name)

    return write


@pytest.fixture
def base_path(write_yaml) -> Path:
    """The base scenario SWEEP_BASE written to scen/line.yaml."""
    return write_yaml(SWEEP_BASE, "scen/line.yaml")
