"""Bottleneck detection by the active-period method (Roser, Nakano & Tanaka 2001).

A station is active while working or down (not starved, not blocked); at each instant the
momentary bottleneck is the station whose current active period is the longest. A station
that is never starved or blocked after the warm-up has one active period covering the whole
window; if every other station waits now and then, that period is the longest at every
instant of the window, so its share is exactly 1. (If several stations never wait, as in a
balanced deterministic line, the one whose period began first holds the longest.)
"""

from __future__ import annotations

import numpy as np
import pytest

from linesim.simulate import run_replication

from .conftest import both_engines, build_scenario, exp, replicate


def deterministic_line(cycles, buffer_after, **run):
    return build_scenario(
        [{"name": f"S{i + 1}", "cycle_time": ct,
          "buffer_after": buffer_after if i < len(cycles) - 1 else 0}
         for i, ct in enumerate(cycles)], **{"warmup": "1 h", "horizon": "12 h", **run})


@pytest.mark.parametrize("cycles, slowest", [
    ((38, 40, 36, 39, 37), "S2"),   # REF-A: the 40 s station, mid-line
    ((30, 10, 20), "S1"),           # the first station slowest: it never waits at all
    ((20, 25, 45), "S3"),           # the last station slowest
])
@both_engines
def test_deterministic_slowest_station_has_share_one(cycles, slowest):
    """In a deterministic line with buffers of 2 the slowest station never waits once the line
    is full, so its single active period spans the window: its bottleneck share is 1 (within
    1e-9), every other station's 0, and it is named the bottleneck."""
    r = run_replication(deterministic_line(cycles, 2), 0)
    for st in r.stations:
        expected = 1.0 if st.name == slowest else 0.0
        assert st.bottleneck_share == pytest.approx(expected, abs=1e-9), st.name
    assert r.bottleneck == slowest


def test_down_time_counts_as_active():
    """A station that is down is active (it is not waiting for anyone): S2 (20 s) fails after
    every 100 s of processing for 200 s (constants), i.e. 60 s per part on average, slower than
    S1 (30 s) and S3 (25 s). Fed through a full buffer it is never starved, so its active
    period — working and down alike — spans the window: share 1, S1 (blocked most of the
    time) and S3 (starved) 0."""
    sc = build_scenario([
        {"name": "S1", "cycle_time": 30, "buffer_after": 2},
        {"name": "S2", "cycle_time": 20, "buffer_after": 2,
         "failures": {"mtbf": {"dist": "constant", "value": 100},
                      "mttr": {"dist": "constant", "value": 200}}},
        {"name": "S3", "cycle_time": 25},
    ], warmup="1 h", horizon="12 h")
    r = run_replication(sc, 0)
    assert r.stations[1].shares["down"] > 0.5
    assert [st.bottleneck_share for st in r.stations] == pytest.approx([0, 1, 0], abs=1e-9)
    assert r.bottleneck == "S2"


@pytest.mark.parametrize("order", [("fast", "slow"), ("slow", "fast")])
@both_engines
def test_much_slower_exponential_station_dominates(order):
    """Two exponential stations, means 20 s and 60 s, 2 places between them, in either order.
    The two-machine chain (test_reference_lines) says the slow station waits only a small
    fraction of the time (P(0) = 2/242 ≈ 0.8 % when second, P(K) ≈ 0.8 % blocked when first),
    while the fast one waits most of the time and its active periods last about one service.
    So the slow station is the bottleneck in every one of 10 replications, with a mean share
    above 0.9 (a generous floor: it is active ~99 % of the time with long periods)."""
    means = {"fast": 20, "slow": 60}
    sc = build_scenario([
        {"name": order[0], "cycle_time": exp(means[order[0]]), "buffer_after": 2},
        {"name": order[1], "cycle_time": exp(means[order[1]])},
    ], warmup="1 h", horizon="1 d")
    runs = replicate(sc, 10)
    slow = order.index("slow")
    assert all(r.bottleneck == "slow" for r in runs)
    assert np.mean([r.stations[slow].bottleneck_share for r in runs]) > 0.9
    for r in runs:
        shares = [st.bottleneck_share for st in r.stations]
        assert all(0.0 <= s <= 1.0 + 1e-12 for s in shares)
        assert sum(shares) <= 1.0 + 1e-9


def always_busy_middle(upstream_buffer: int):
    """U (10 s) → B (40 s, never waits) → X (20 s with constant failures: 120 s repair after
    every 600 s of processing), 50 places between B and X so B is never blocked; all
    deterministic. X's active periods are long around its repairs (repair + catching up),
    but B's single period is longer still."""
    return build_scenario([
        {"name": "U", "cycle_time": 10, "buffer_after": upstream_buffer},
        {"name": "B", "cycle_time": 40, "buffer_after": 50},
        {"name": "X", "cycle_time": 20,
         "failures": {"mtbf": {"dist": "constant", "value": 600},
                      "mttr": {"dist": "constant", "value": 120}}},
    ], warmup="1 h", horizon="12 h")


@pytest.mark.parametrize("upstream_buffer", [1, 0])
def test_always_busy_station_never_waits(upstream_buffer):
    """Precondition of the next test: in the U → B → X line B works 100 % of the window
    (starved and blocked shares exactly 0), whether U hands over through 1 place or none."""
    r = run_replication(always_busy_middle(upstream_buffer), 0)
    assert r.stations[1].shares["working"] == pytest.approx(1.0, abs=1e-12)
    assert r.stations[1].shares["starved"] == 0.0
    assert r.stations[1].shares["blocked"] == 0.0
    assert r.stations[2].shares["down"] > 0.05


def test_always_busy_station_has_share_one_with_buffer_one():
    """With one place between U and B, B — which never waits — has bottleneck share 1."""
    r = run_replication(always_busy_middle(1), 0)
    assert r.stations[1].bottleneck_share == pytest.approx(1.0, abs=1e-9)


def test_always_busy_station_has_share_one_with_buffer_zero():
    """The number of places between U and B cannot matter to the bottleneck: U is four times
    faster and always has a finished part waiting, so B never waits (previous test) and its
    active period spans the window — share 1, exactly as with one place. (Regression: at
    commit 1e0f410 B showed a zero-length starved state at every hand-over from a blocked U,
    its active periods lasted one cycle, and X's long repair periods won: B got 0.78.)"""
    r = run_replication(always_busy_middle(0), 0)
    assert r.stations[1].bottleneck_share == pytest.approx(1.0, abs=1e-9)


def test_deterministic_slowest_station_has_share_one_buffer_zero():
    """REF-A with no buffers: S2 (40 s) still never waits (every other station is faster and
    the part blocked upstream moves in the moment S2 frees its place), so its share is 1
    exactly. (Regression: with its active periods cut every cycle, S2 lost the last seconds
    of the window to a neighbour: 1 − 2 s/day.)"""
    r = run_replication(deterministic_line((38, 40, 36, 39, 37), 0, horizon="1 d"), 0)
    assert r.stations[1].shares["starved"] == 0.0 and r.stations[1].shares["blocked"] == 0.0
    assert r.stations[1].bottleneck_share == pytest.approx(1.0, abs=1e-9)


def offline_active_period_shares(result, warmup_s: float) -> dict[str, float]:
    """The active-period method computed directly from the trace (single-server stations,
    continuous calendar): each station's active periods (working or down, between two waits;
    an open period is closed at the end of the run), then at every instant after the warm-up
    the station whose covering period is longest gets the instant (ties share it)."""
    end = warmup_s + result.observed_s
    periods = []  # (start, end, station)
    for name, (points,) in result.trace.items():
        start = None
        for t, state in points + [(end, None)]:
            active = state in (0, 3)  # working, down
            if active and start is None:
                start = t
            elif not active and start is not None:
                if min(t, end) > start:
                    periods.append((start, min(t, end), name))
                start = None
    events = sorted({p[0] for p in periods} | {p[1] for p in periods} | {warmup_s, end})
    credit = dict.fromkeys(result.trace, 0.0)
    periods.sort()
    active: list = []
    j = 0
    for a, b in zip(events, events[1:]):
        while j < len(periods) and periods[j][0] <= a:
            active.append(periods[j])
            j += 1
        active = [p for p in active if p[1] > a]
        if b <= warmup_s or not active:
            continue
        lo = max(a, warmup_s)
        best = max(p[1] - p[0] for p in active)
        winners = [p[2] for p in active if p[1] - p[0] == best]
        for w in winners:
            credit[w] += (b - lo) / len(winners)
    return {k: v / result.observed_s for k, v in credit.items()}


def test_detector_agrees_with_offline_computation():
    """The streaming detector (which resolves instants in batches of 2048 closed periods and
    drops periods nested in a longer open one) credits every station exactly what the method
    computed offline from the full trace gives, on a variable line with failures on both bases
    and buffers 0..3 — thousands of active periods per station, so many batches are resolved.
    """
    sc = build_scenario([
        {"name": "A", "cycle_time": exp(30), "buffer_after": 1,
         "failures": {"mtbf": "30 min", "mttr": exp("3 min")}},
        {"name": "B", "cycle_time": {"dist": "lognormal", "mean": 33, "cv": 0.6},
         "buffer_after": 0, "failures": {"mtbf": "1 h", "mttr": exp("5 min"),
                                         "basis": "scheduled"}},
        {"name": "C", "cycle_time": exp(31), "buffer_after": 3},
        {"name": "D", "cycle_time": {"dist": "uniform", "min": 20, "max": 40}},
    ], warmup="1 h", horizon="2 d")
    r = run_replication(sc, 0, trace=True)
    offline = offline_active_period_shares(r, 3600.0)
    assert sum(len(pts) for (pts,) in r.trace.values()) > 4 * 2048
    online = {st.name: st.bottleneck_share for st in r.stations}
    assert online == pytest.approx(offline, abs=1e-9)
    assert max(offline.values()) < 0.9  # a contested line: several stations get credit


@pytest.mark.parametrize("buffer_after", [
    1,
    0,
])
def test_balanced_line_first_station_holds_the_longest_period(buffer_after):
    """A balanced deterministic line (40 s, 40 s): neither station ever waits a positive time
    (S2 only for its first part), with one buffer place or none. So S1's active period spans
    [0, T) and S2's [40, T): S1's is the longer at every instant and takes share 1 — the
    same whatever the buffer, since nothing in the line depends on it."""
    sc = build_scenario([{"name": "S1", "cycle_time": 40, "buffer_after": buffer_after},
                         {"name": "S2", "cycle_time": 40}], horizon=400)
    r = run_replication(sc, 0)
    assert r.stations[0].shares["blocked"] == 0.0
    assert r.stations[1].shares["starved"] == pytest.approx(40 / 400)
    assert [st.bottleneck_share for st in r.stations] == pytest.approx([1.0, 0.0], abs=1e-9)
