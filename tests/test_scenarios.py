"""Every shipped scenario validates, runs a short horizon, and keeps its promises on paper."""

from __future__ import annotations

from pathlib import Path

import pytest

from linesim.capacity import capacity_check
from linesim.estimate import summarize
from linesim.loader import load_scenario
from linesim.replicate import run_replications
from linesim.states import STATE_NAMES

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").rglob("*.yaml"))


def test_there_are_shipped_scenarios():
    """The scenarios the README promises are in the repository."""
    names = {p.relative_to(ROOT / "scenarios").as_posix() for p in SHIPPED}
    for required in ("li-auto-changzhou.yaml", "zhuojun-seats-phase1.yaml",
                     "zhuojun-seats-phase2.yaml", "reference/ref-a.yaml", "reference/ref-d.yaml"):
        assert required in names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_shipped_scenario_runs_short(path):
    """The file validates, and two replications of two simulated days give a sane summary."""
    scenario = load_scenario(path).with_run(horizon="2 d", warmup="1 h", replications=2)
    results = run_replications(scenario, jobs=1)
    summary = summarize(scenario, results, capacity_check(scenario))
    assert summary["annual_output"]["mean"] > 0
    assert summary["annual_output"]["mean"] <= summary["capacity"]["ceiling_per_year"] * 1.05
    for row in summary["stations"]:
        assert sum(row[s] for s in STATE_NAMES) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_shipped_scenario_documents_its_numbers(path):
    """Every shipped file explains where its numbers come from (DOMAIN.md statuses)."""
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().startswith("#"), "a header comment block says what the scenario asks"
    if "reference" not in path.parts:
        for status in ("article", "estimate"):
            assert status in text, f"no number marked '{status}'"
