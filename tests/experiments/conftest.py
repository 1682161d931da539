"""Small hand-made sweeps for the executor, store and resume tests: the CLI tests' tiny line,
and points that change one cycle time (the sweep file and designs are tested elsewhere)."""

from __future__ import annotations

from pathlib import Path

from linesim.experiments.core import Factor, Point
from linesim.loader import load_scenario
from linesim.scenario import Scenario
from tests.cli.conftest import TINY

FACTOR = Factor(name="B cycle", keys=("stations.B.cycle_time.mean",), unit="s")


def tiny_base(tmp_path: Path, replications: int = 3, horizon: str = "1 d") -> Scenario:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY.replace("horizon: 1 d", f"horizon: {horizon}"), encoding="utf-8")
    return load_scenario(path).with_run(replications=replications)


def tiny_points(base: Scenario, n: int) -> list[tuple[Point, Scenario]]:
    """Point 0 is the base; point i sets B's mean cycle time to 38 s − i (in seconds)."""
    points = [(Point(0, "base"), base)]
    for i in range(1, n):
        data = base.resolved()
        value = 38.0 - i * 0.5
        data["stations"][1]["cycle_time"]["mean"] = value
        points.append((Point(i, f"B cycle={value:g} s", ((FACTOR.name, value),)),
                       Scenario.model_validate(data)))
    return points


DEFINITION = {"name": "tiny-sweep", "base": "tiny.yaml", "parameters": [
    {"name": FACTOR.name, "key": FACTOR.keys[0]}], "design": "grid"}
