"""Scrap: a fraction p of the parts finished at a station is scrapped there.

In a deterministic line with a single bottleneck (cycle c) the parts leaving the scrapping
station are a fixed count N per window, each independently good with probability 1 − p: good
output ~ Binomial(N, 1 − p), so the good rate is (1 − p)/c. Tolerance: 4 standard errors
over 10 replications (see ``conftest``).
"""

from __future__ import annotations

import pytest

from linesim.capacity import capacity_check

from .conftest import assert_within_se, both_engines, build_scenario, replicate

P = 0.1


def line(scrap_at: str):
    """S1 30 s → S2 40 s (the bottleneck) → S3 35 s, 2 places between stations, scrap P at
    one station; warm-up 1 h, horizon 1 day (2160 bottleneck cycles)."""
    stations = [
        {"name": "S1", "cycle_time": 30, "buffer_after": 2},
        {"name": "S2", "cycle_time": 40, "buffer_after": 2},
        {"name": "S3", "cycle_time": 35},
    ]
    for st in stations:
        if st["name"] == scrap_at:
            st["scrap"] = P
    return build_scenario(stations, warmup="1 h", horizon="1 d")


@both_engines
def test_scrap_at_the_last_station():
    """Scrap 10 % at the last station: S2 still passes exactly one part per 40 s, so S3
    finishes exactly 2160 parts in the window in every replication (good + scrapped = 2160),
    and the good rate is (1 − p)/c = 0.9 × 90 = 81 per hour: the mean over 10 replications
    is within 4 SE (SE ≈ √(2160·0.09)/√10 parts ≈ 0.2/h). Scrapping twice (81 % yield) or
    not at all would be ~40 SE away. Parts are conserved and the capacity ceiling counts the
    yield."""
    sc = line("S3")
    runs = replicate(sc, 10)
    for r in runs:
        assert r.output + r.scrapped == 2160
        t = r.totals
        assert t["entered"] == t["exited"] + t["scrapped"] + t["wip_end"]
        assert r.departures_per_s * r.observed_s == pytest.approx(2160)
    assert_within_se([r.throughput_per_h for r in runs], (1 - P) * 90.0, what="good per hour")
    assert_within_se([r.scrapped / 2160 for r in runs], P, what="scrap fraction")
    assert capacity_check(sc).ceiling_per_h == pytest.approx((1 - P) * 90.0)


@both_engines
def test_scrap_at_the_bottleneck_unloads_downstream():
    """Scrap 10 % at the bottleneck S2: it still finishes one part per 40 s, but only the good
    ones go on, so S3 works (1 − p)·35/40 of the time (within 4 SE) and the good output is
    again (1 − p)/c. Every part S2 finished in the window is either scrapped there or reaches
    the end: good + scrapped = 2160 give or take the parts between S2 and the end (≤ 2 + 1)."""
    runs = replicate(line("S2"), 10)
    for r in runs:
        assert abs(r.output + r.scrapped - 2160) <= 3
        assert r.stations[2].shares["blocked"] == 0.0
    assert_within_se([r.throughput_per_h for r in runs], (1 - P) * 90.0, what="good per hour")
    assert_within_se([r.stations[2].shares["working"] for r in runs], (1 - P) * 35 / 40,
                     what="S3 working")
