"""In-process helpers for the analysis tests: scenarios built in code and an ``evaluate`` that
runs replications 0..n−1 of each scenario in this process (the real executors and the store are
other modules; ``solve`` and ``improve`` take any ``evaluate``)."""

from __future__ import annotations

from linesim.scenario import Scenario
from linesim.simulate import run_replication


def scenario(stations, *, calendar="continuous", name="t", target=None, **run) -> Scenario:
    data = {"name": name, "calendar": calendar, "stations": stations,
            "run": {"warmup": 0, "replications": 2, "seed": 20240601, **run}}
    if target is not None:
        data["target"] = target
    return Scenario.model_validate(data)


def replications(sc: Scenario, n: int | None = None):
    return [run_replication(sc, r) for r in range(sc.run.replications if n is None else n)]


def evaluate(scenarios):
    """Replications 0..n−1 of each scenario (n from its run block), in order."""
    return [replications(sc) for sc in scenarios]


def exp(mean):
    return {"dist": "exponential", "mean": mean}
