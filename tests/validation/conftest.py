"""Helpers for the validation tests: scenarios built in code, replications, and the
"k standard errors" comparison with theory.

Why k = 4: the replications are independent, so (mean − theory)/SE follows a Student t with
n − 1 degrees of freedom when the model is right. P(|t| > 4) is about 0.3 % for n = 10 and
0.08 % for n = 20, so a correct model fails a given (fixed-seed) check with probability well
under 1 %, while the checks below are built so that the plausible wrong models (an off-by-one
buffer, a failure clock on the wrong basis, a missing repair) lie many standard errors away.
Seeds are fixed, so every outcome is reproducible.

The plain functions are importable from this package (``from .conftest import ...``); the
same are offered as fixtures.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from linesim.scenario import Scenario
from linesim.simulate import RunResult, run_replication

K_SE = 4.0


def build_scenario(stations, *, calendar="continuous", name="v", **run) -> Scenario:
    run = {"warmup": 0, "replications": 1, "seed": 20240601, **run}
    return Scenario.model_validate(
        {"name": name, "calendar": calendar, "stations": stations, "run": run}
    )


def replicate(sc: Scenario, n: int | None = None) -> list[RunResult]:
    """Replications 0..n−1 in this process (n defaults to the scenario's run block)."""
    n = sc.run.replications if n is None else n
    return [run_replication(sc, r) for r in range(n)]


def mean_se(values) -> tuple[float, float]:
    """Sample mean and its standard error s/√n over replications."""
    x = np.asarray(values, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def assert_within_se(values, theory: float, k: float = K_SE, what: str = "") -> tuple[float, float]:
    """Assert |mean − theory| ≤ k·SE; return (mean, SE) for further checks."""
    mean, se = mean_se(values)
    assert se > 0, f"{what}: no spread over replications, the tolerance would be zero"
    assert abs(mean - theory) <= k * se, (
        f"{what}: mean {mean:.6g} vs theory {theory:.6g}: {abs(mean - theory) / se:.2f} SE "
        f"(SE {se:.3g}, n {len(values)})")
    return mean, se


def exp(mean):
    return {"dist": "exponential", "mean": mean}


@pytest.fixture
def scenario():
    return build_scenario


# -- both engines -------------------------------------------------------------------------------
ENGINES = ("simpy", "fast")


@pytest.fixture(params=ENGINES)
def engine(request, monkeypatch):
    """Run every replication of the test on one engine, whatever the scenario's run.engine:
    ``engines.run_window`` (which simulate.run_replication calls) gets the scenario pinned to
    it. A scenario the fast engine does not support yet skips (it runs on SimPy under auto);
    the test fails if a replication ran on another engine (a silent fall-back) or none ran."""
    from linesim import engines

    name, real, ran, skipped = request.param, engines.run_window, [], []

    def skip(why: str):
        skipped.append(why)
        pytest.skip(why)

    def pinned_run(scenario, replication, *, trace=False):
        if trace and name == "fast":
            skip("a trace is recorded by the SimPy engine only")
        try:
            window = real(engines.pinned(scenario, name), replication, trace=trace)
        except engines.EngineUnsupported as exc:
            skip(f"the fast engine does not run this scenario yet: {'; '.join(exc.reasons)}")
        ran.append(window.engine)
        return window

    monkeypatch.setattr(engines, "run_window", pinned_run)
    yield name
    if not skipped:
        assert ran and set(ran) == {name}, f"replications ran on {sorted(set(ran))}, not {name}"


# A theory test decorated with this runs once per engine (see ``engine``).
both_engines = pytest.mark.usefixtures("engine")
