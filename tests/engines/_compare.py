"""Run one replication on both engines and say where they differ (nothing: they agree).

The fast engine mirrors the SimPy engine event for event on the same random streams, so the
comparison is exact: ``==`` on every counter (floats included), the bottleneck seconds, the
buffer maxima, the edges, the per-period snapshots, and the RunResult ``simulate.summarize`` makes of each window. NaN
equals NaN here (a lead time with no part finished is NaN on both).

The per-source arrival counters (``offered_by``, ``lost_by``: one entry per station) are part of
the counters compared; ``arrival_problems`` checks on each engine's window that they are there
and add up (offered = accepted + lost, lost only where ``when_full: lose``, the lost summing to
the total, and the accepted arrivals equal to the parts ``entered`` when every source takes
arrivals from outside), so a plant with arrivals cannot agree by both engines counting nothing.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from linesim.engines import fast
from linesim.engines.simpy.run import run_window as simpy_window
from linesim.scenario import Scenario
from linesim.simulate import summarize


def differences(a: Any, b: Any, path: str = "", out: list | None = None, limit: int = 8) -> list:
    """Paths (with both values) where ``a`` and ``b`` differ, exactly; at most ``limit``."""
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b) and type(a) is type(b):
        for f in dataclasses.fields(a):
            differences(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}", out, limit)
    elif isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            out.append((path + " keys", list(a), list(b)))
        for k in a:
            if k in b:
                differences(a[k], b[k], f"{path}[{k!r}]", out, limit)
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            out.append((path + " length", len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            differences(x, y, f"{path}[{i}]", out, limit)
    elif hasattr(a, "tolist") and hasattr(b, "tolist"):  # numpy arrays and scalars
        differences(a.tolist(), b.tolist(), path, out, limit)
    elif isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        pass
    elif type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        out.append((path + " type", type(a).__name__, type(b).__name__))
    elif a != b:
        out.append((path, a, b))
    return out


def engine_differences(scenario: Scenario, replication: int) -> list:
    """Where replication ``replication`` of ``scenario`` differs between the engines: the
    Window (counters at the window's start and end, occupancy histograms included, bottleneck
    seconds, edges, buffer maxima, the per-period snapshots) and the RunResult summarized from
    it (its periods and occupancy included). Empty: the engines agree exactly."""
    ref = simpy_window(scenario, replication)
    got = fast.run_window(scenario, replication)
    assert (ref.engine, got.engine) == ("simpy", "fast")
    out: list = []
    for w in (ref, got):
        out += [(f"{w.engine} arrivals", problem, "") for problem in arrival_problems(scenario, w)]
    for field in ("start_t", "end_t", "before", "after", "bottleneck_s", "buffers", "buffer_max",
                  "snapshots"):
        differences(getattr(ref, field), getattr(got, field), "window." + field, out)
    if not out:
        a, b = summarize(scenario, replication, ref), summarize(scenario, replication, got)
        sources = [st.name for st in scenario.stations if st.arrivals is not None]
        if list(a.arrivals) != sources:
            out.append(("result.arrivals sources", list(a.arrivals), sources))
        differences(a, b, "result", out)
    return out


def arrival_problems(scenario: Scenario, window) -> list[str]:
    """What is wrong with one engine's per-source arrival counters (empty: nothing), at the
    window's start and end and over the window: every station has an entry, only arrival
    sources are offered parts, only ``when_full: lose`` sources lose any, none loses more than
    it was offered, the lost add up to ``lost``, and where every source takes arrivals from
    outside the accepted ones (offered − lost) add up to ``entered``."""
    specs = scenario.stations
    only_arrivals = all(st.arrivals is not None for st in specs if st.is_source)
    out = []
    views = [("before", window.before), ("after", window.after),
             ("window", {k: ([a - b for a, b in zip(window.after[k], window.before[k])]
                             if isinstance(window.after[k], list) else
                             window.after[k] - window.before[k])
                         for k in ("offered_by", "lost_by", "lost", "entered")
                         if k in window.after and k in window.before})]
    for when, c in views:
        if "offered_by" not in c or "lost_by" not in c:
            out.append(f"{when}: no per-source arrival counters")
            continue
        offered, lost = c["offered_by"], c["lost_by"]
        if len(offered) != len(specs) or len(lost) != len(specs):
            out.append(f"{when}: {len(offered)}/{len(lost)} entries for {len(specs)} stations")
            continue
        for st, n, m in zip(specs, offered, lost):
            if st.arrivals is None and (n or m):
                out.append(f"{when}: {st.name} has no arrivals but offered {n}, lost {m}")
            if not 0 <= m <= n:
                out.append(f"{when}: {st.name} lost {m} of {n} offered")
            if m and st.arrivals is not None and st.arrivals.when_full != "lose":
                out.append(f"{when}: {st.name} blocks when full but lost {m}")
        if sum(lost) != c["lost"]:
            out.append(f"{when}: per-source lost {sum(lost)} != lost {c['lost']}")
        if only_arrivals and sum(offered) - sum(lost) != c["entered"]:
            out.append(f"{when}: accepted {sum(offered) - sum(lost)} != entered {c['entered']}")
    return out


def assert_engines_agree(scenario: Scenario, replications=(0, 1)) -> None:
    """Both engines give the same Window and RunResult for each replication."""
    for r in replications:
        diff = engine_differences(scenario, r)
        assert not diff, f"{scenario.name} replication {r}: the engines differ at " + "; ".join(
            f"{p}: simpy {x!r} vs fast {y!r}" for p, x, y in diff)
