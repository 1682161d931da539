"""The fast engine's compiled layout has fixed maximum counts (``engines/fast/limits.py``): a
plant above one is unsupported by the fast engine (``auto`` runs it on SimPy, with the reason),
while a plant within them is supported."""

from __future__ import annotations

from linesim import engines
from linesim.engines import fast
from linesim.engines.fast import limits
from linesim.scenario import Scenario


def _plant(servers: int) -> Scenario:
    return Scenario.model_validate({
        "name": "wide",
        "stations": [
            {"name": "A", "cycle_time": 60, "servers": servers, "buffer_after": 2},
            {"name": "B", "cycle_time": 60, "servers": servers},
        ],
        "run": {"horizon": 3600, "replications": 1},
    })


def test_a_plant_with_more_processes_than_the_layout_holds_is_unsupported_and_runs_on_simpy():
    """Two stations of 600 servers are 1200 processes, above MAX_PROCESSES: the fast engine
    names the limit, and the automatic choice is the SimPy engine (checked without running)."""
    wide = _plant(600)
    assert limits.counts(wide)["processes"] == 1200 > limits.MAX_PROCESSES
    reasons = fast.unsupported(wide)
    assert reasons and any(f"more than {limits.MAX_PROCESSES}" in r for r in reasons)
    assert engines.choose(wide) == "simpy"


def test_a_plant_within_the_limits_is_supported():
    """A small plant is within every maximum: nothing is unsupported."""
    assert fast.unsupported(_plant(2)) == []
