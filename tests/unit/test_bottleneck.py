"""The streaming active-period detector equals a brute-force evaluation with full hindsight."""

from __future__ import annotations

import numpy as np
import pytest

from linesim import bottleneck
from linesim.bottleneck import ActivePeriods


def _random_history(rng, n_stations, horizon):
    """Per station: alternating active/inactive periods with random lengths, as events."""
    events, periods = [], []
    for st in range(n_stations):
        t, active = 0.0, bool(rng.integers(2))
        start = 0.0 if active else None
        scale = rng.uniform(0.5, 20.0)
        while True:
            t += rng.exponential(scale)
            if t >= horizon:
                break
            if active:
                events.append((t, 0, st))  # close
                periods.append((start, t, st))
            else:
                events.append((t, 1, st))  # open
                start = t
            active = not active
        if active:
            periods.append((start, horizon, st))
    initial = sorted({p[2] for p in periods if p[0] == 0.0})
    events.sort()
    return initial, events, periods


def _brute_force(periods, n, lo, hi):
    """Credit every elementary segment of [lo, hi) to the longest covering period(s)."""
    cuts = sorted({lo, hi, *[x for a, b, _ in periods for x in (a, b) if lo < x < hi]})
    credit = [0.0] * n
    for a, b in zip(cuts, cuts[1:]):
        mid = (a + b) / 2
        cover = [(e - s, st) for s, e, st in periods if s <= mid < e]
        if not cover:
            continue
        best = max(length for length, _ in cover)
        winners = [st for length, st in cover if length == best]
        for st in winners:
            credit[st] += (b - a) / len(winners)
    return credit


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("batch", [3, 2048])
def test_streaming_equals_hindsight(seed, batch, monkeypatch):
    """Pruning and batched resolution never change the credited bottleneck time."""
    monkeypatch.setattr(bottleneck, "_BATCH", batch)
    rng = np.random.default_rng(seed)
    n, horizon = int(rng.integers(2, 6)), 500.0
    count_from = float(rng.uniform(0, 100))
    initial, events, periods = _random_history(rng, n, horizon)
    detector = ActivePeriods(n, count_from_s=count_from)
    for st in initial:
        detector.open(st, 0.0)
    for t, kind, st in events:
        (detector.open if kind else detector.close)(st, t)
    got = detector.finish(horizon)
    want = _brute_force(periods, n, count_from, horizon)
    assert got == pytest.approx(want, abs=1e-6)
    covered = sum(want)
    assert sum(got) == pytest.approx(covered, abs=1e-6)
    assert covered <= horizon - count_from + 1e-9


def test_memory_is_bounded_when_one_station_never_rests():
    """A station active throughout (a true bottleneck) does not make pending periods pile up."""
    detector = ActivePeriods(2)
    detector.open(0, 0.0)
    t = 0.0
    for _ in range(100_000):
        detector.open(1, t + 1.0)
        detector.close(1, t + 2.0)
        t += 3.0
        assert len(detector.closed) <= 2
    credit = detector.finish(t)
    assert credit == pytest.approx([t, 0.0])
