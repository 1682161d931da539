"""The two engines agree exactly on every shipped scenario, the reference lines and the sweep
points that matter (issue 9 item 3: "the same sample path").

Each scenario runs with its own warm-up and a horizon of a few days, replications 0 and 1, on
``engines.fast.run_window`` and on ``engines.simpy.run.run_window``: the Window's counters at the
window's start and end, the bottleneck seconds, the edges and the buffer maxima are ``==``, and
so is the RunResult ``simulate.summarize`` makes of each. A scenario file added to scenarios/
is picked up by the glob.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from linesim.engines import fast
from linesim.experiments.points import build_points, point_scenario
from linesim.experiments.spec import load_sweep
from linesim.loader import load_scenario
from linesim.scenario import UNLIMITED

from ._compare import assert_engines_agree

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(
    [p for p in (ROOT / "scenarios").glob("*.yaml")]
    + [p for p in (ROOT / "scenarios" / "reference").glob("*.yaml")]
    + [ROOT / "benchmarks" / "ref-b.yaml"])
HORIZON = "4 d"  # the coupled plant's warm-up ends on a Friday night: 2 d would be a weekend


def _short(path: Path, horizon: str = HORIZON):
    return load_scenario(path).with_run(horizon=horizon, replications=2)


def test_every_shipped_scenario_is_compared():
    """The glob finds the shipped files (a moved folder must not make the comparison vacuous),
    and every one of them runs on the fast engine under `auto` (the issue's coverage goal)."""
    names = {p.name for p in SHIPPED}
    assert {"zhuojun-seats-phase1.yaml", "zhuojun-seats-phase2.yaml", "ref-a.yaml",
            "ref-a-buffer0.yaml", "ref-d.yaml", "ref-b.yaml"} <= names
    for path in SHIPPED:
        assert fast.unsupported(load_scenario(path)) == [], path.name


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_same_on_both_engines(path):
    """Replications 0 and 1 of the shipped scenario (own warm-up, 4 days): identical Window
    and RunResult on the fast and the SimPy engine."""
    assert_engines_agree(_short(path))


# -- sweep points -------------------------------------------------------------------------------
def _sweep_points(name: str, wanted):
    """(label, scenario) of the points of sweeps/<name>.yaml whose label ``wanted`` accepts."""
    sweep = load_sweep(ROOT / "sweeps" / f"{name}.yaml")
    return [(point.label, sc) for point, sc in build_points(sweep) if wanted(point.label)]


SWEEP_CASES = [
    # the seat-set buffer at its smallest with the slowest seat line, and the largest
    ("coupled-seat-buffer-x-cycle", lambda label: label.startswith(("seat-set buffer=10,",
                                                                    "seat-set buffer=100,"))
     and "1.04" in label),
    # the painted-body store removed (buffer 0) and at its largest
    ("li-auto-painted-body-store", lambda label: label.endswith(("=0", "=360"))),
    # the phase-2 foam-trim cycle at both ends of its range
    ("zhuojun-phase2-set-cycle", lambda label: label.endswith(("=20 s", "=25 s"))),
]


@pytest.mark.parametrize("name, wanted", SWEEP_CASES, ids=[c[0] for c in SWEEP_CASES])
def test_sweep_points_same_on_both_engines(name, wanted):
    """The extreme points of each shipped sweep (buffers at their smallest and largest, cycle
    times at both ends): identical Window and RunResult on both engines, replication 0."""
    points = _sweep_points(name, wanted)
    assert len(points) >= 2, [label for label, _ in _sweep_points(name, lambda label: True)]
    for label, sc in points:
        sc = sc.with_run(horizon="3 d", replications=1)
        assert_engines_agree(sc, replications=(0,))


PHASE1_VARIANTS = {
    # the planner's levers on phase 1: no buffers inside the row lines, unlimited ones, a
    # faster and a slower bottleneck (the foam-trim stations, linked)
    "buffers 0": [(f"stations.{row}-{st}.buffer_after", 0, False)
                  for row in ("front", "second", "third") for st in ("frame", "foam-trim")],
    "buffers unlimited": [(f"stations.{row}-final-assembly.buffer_after", UNLIMITED, False)
                          for row in ("front", "second", "third")],
    "foam-trim x0.9": [(f"stations.{row}-foam-trim.cycle_time", 0.9, True)
                       for row in ("front", "second", "third")],
    "foam-trim x1.1": [(f"stations.{row}-foam-trim.cycle_time", 1.1, True)
                       for row in ("front", "second", "third")],
}


@pytest.mark.parametrize("variant", list(PHASE1_VARIANTS))
def test_phase1_variants_same_on_both_engines(variant):
    """Phase 1 with the buffers or the bottleneck cycle a sweep would move: identical Window
    and RunResult on both engines, replication 0 (3 days after its warm-up)."""
    base = _short(ROOT / "scenarios" / "zhuojun-seats-phase1.yaml", "3 d")
    sc = point_scenario(base, PHASE1_VARIANTS[variant])
    assert sc != base
    assert_engines_agree(sc, replications=(0,))
