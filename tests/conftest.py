"""Test-run plumbing shared by every test folder.

Compile the fast engine once per test run: the first use of the fast engine on a machine compiles
its numba functions (~25 s) and writes them to numba's on-disk cache. With pytest-xdist every
worker would otherwise start compiling the same functions at the same time on a fresh checkout
(twice the CPU on a 2-core machine, and two processes writing one cache). ``pytest_configure``
runs in the controller before the workers start (xdist calls it in each worker too, where
``config.workerinput`` exists: nothing is done there), so the workers only load the cache.
Silent unless it took long; a machine without numba simply skips it (the engines fall back).
"""

from __future__ import annotations

import sys
import time

SAY_AFTER_S = 5.0  # the compile is worth a line; loading the cache (~0.3 s) is not


def pytest_configure(config):
    if hasattr(config, "workerinput"):  # an xdist worker: the controller prepared the cache
        return
    if config.getoption("collectonly", False):
        return
    try:
        from linesim.engines import fast
    except ImportError:  # pragma: no cover - linesim not importable: collection will say so
        return
    t0 = time.perf_counter()
    try:
        fast.prepare()
    except ImportError:  # numba missing: the engines fall back to SimPy, tests say what they need
        return
    took = time.perf_counter() - t0
    if took > SAY_AFTER_S:
        sys.stderr.write(f"linesim: compiled the fast engine in {took:.0f} s (cached for the "
                         "next runs)\n")
