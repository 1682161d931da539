"""The compiled engine — a stub until the real one lands: it supports nothing, so ``auto`` runs
SimPy and ``engine: fast`` is refused naming the reason."""

from __future__ import annotations

from ...scenario import Scenario
from ..window import Window


def unsupported(scenario: Scenario) -> list[str]:
    """The features of ``scenario`` the fast engine cannot run (empty: it can run it)."""
    return ["the fast engine is not built yet"]


def run_window(scenario: Scenario, replication: int) -> Window:
    raise NotImplementedError("the fast engine is not built yet")
