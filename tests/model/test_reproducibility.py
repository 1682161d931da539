"""Reproducibility and stream isolation.

A replication's random numbers depend only on (root seed, replication, station name, purpose,
server) — never on the order in which streams are created or on the rest of the line. So a run
is exactly repeatable, independent of the number of worker processes, and a change to one station
(its MTBF, an added server, a station inserted next to it) leaves every other station's draws,
and everything that depends on them alone, unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest

from linesim.replicate import run_replications
from linesim.simulate import run_replication
from linesim.streams import Purpose, stream

from .conftest import build_scenario

SHIFTS = {"shifts_per_day": 2, "shift_length": "8 h", "breaks_per_shift": "30 min",
          "days_per_week": 5}


def varied_line(**run):
    return build_scenario([
        {"name": "A", "cycle_time": {"dist": "lognormal", "mean": 30, "cv": 0.5},
         "buffer_after": 2, "failures": {"mtbf": "1 h", "mttr": {"dist": "exponential",
                                                               "mean": "5 min"}}},
        {"name": "B", "cycle_time": {"dist": "exponential", "mean": 50}, "servers": 2,
         "failures": {"mtbf": "45 min", "mttr": "4 min", "basis": "scheduled"}, "scrap": 0.02},
        {"name": "C", "cycle_time": {"dist": "gamma", "mean": 28, "cv": 0.7}},
    ], calendar=SHIFTS, **{"warmup": "4 h", "horizon": "3 d", **run})


def test_same_replication_same_result():
    """The same scenario and replication give an identical RunResult (every field, the trace
    included), and a different replication gives a different one (so the check is not
    vacuous)."""
    sc = varied_line(horizon="1 d")
    a = run_replication(sc, 3, trace=True)
    b = run_replication(sc, 3, trace=True)
    assert a == b
    assert a.to_dict() == b.to_dict()
    c = run_replication(sc, 4, trace=True)
    assert c.output != a.output or c.stations != a.stations


def test_labels_do_not_change_the_numbers():
    """The scenario's name, description and unit are labels: they are not part of any stream
    key, so relabelling a scenario leaves its results unchanged."""
    sc = varied_line(horizon="1 d")
    data = sc.resolved()
    data.update(name="other-name", description="relabelled", unit="vehicle")
    relabelled = type(sc).model_validate(data)
    assert run_replication(sc, 0) == run_replication(relabelled, 0)


def test_replications_independent_of_jobs():
    """run_replications returns the replications ordered by index, each equal to
    run_replication(scenario, index), whether run in one process or in two."""
    sc = varied_line(horizon="12 h", replications=3)
    serial = run_replications(sc, jobs=1)
    parallel = run_replications(sc, jobs=2)
    assert [r.replication for r in serial] == [0, 1, 2]
    assert serial == parallel
    assert serial[1] == run_replication(sc, 1)


def test_streams_are_keyed_by_identity():
    """stream(seed, replication, station, purpose, server) yields the same numbers for the
    same key, whenever it is created, and different numbers when any part of the key
    changes."""
    key = dict(seed=7, replication=2, station="S2", purpose=Purpose.FAILURE, server=1)

    def draws(**change):
        k = {**key, **change}
        return stream(k["seed"], k["replication"], k["station"], k["purpose"],
                      k["server"]).random(8)

    base = draws()
    stream(7, 2, "S1", Purpose.PROCESS, 0).random(1000)  # other streams in between
    assert np.array_equal(base, draws())
    for change in (dict(seed=8), dict(replication=3), dict(station="S3"),
                   dict(purpose=Purpose.REPAIR), dict(server=0)):
        assert not np.array_equal(base, draws(**change)), change


def test_model_takes_cycle_times_from_the_station_stream():
    """The model's processing times for station X, server 0, are exactly the values the
    station's sampler draws from stream(seed, replication, "X", PROCESS, 0): a lone station is
    never starved or blocked, so its parts finish at the cumulative sums of those draws, the
    output in [0, T) is how many sums fall below T, and each part's lead time is its own draw.
    """
    sc = build_scenario([{"name": "X", "cycle_time": {"dist": "lognormal", "mean": 40,
                                                      "cv": 0.6}}], horizon="6 h", seed=99)
    r = run_replication(sc, 5)
    sampler = sc.stations[0].cycle_time.sampler(stream(99, 5, "X", Purpose.PROCESS, 0))
    draws = np.array([sampler() for _ in range(2000)])
    ends = np.cumsum(draws)
    n = int(np.sum(ends < sc.run.horizon))
    assert 100 < n < 2000
    assert r.output == n
    assert r.lead_time_mean_s == pytest.approx(draws[:n].mean(), rel=1e-12)
    assert r.totals["entered"] == n + 1


def isolation_line(*, a_mtbf="50 min", replication=0, seed=2024, middle=None, b_servers=1,
                   b_failures=None, c_failures=None, drop_c=False):
    """Station A (random cycle, random operating-basis failures) with a buffer so large that
    it is never blocked in the horizon, followed by stations whose details the variants
    change."""
    stations = [
        {"name": "A", "cycle_time": {"dist": "lognormal", "mean": 30, "cv": 0.4},
         "buffer_after": 3000,
         "failures": {"mtbf": a_mtbf, "mttr": {"dist": "exponential", "mean": "4 min"}}},
    ]
    if middle is not None:
        stations.append(middle)
    stations.append({"name": "B", "cycle_time": {"dist": "exponential", "mean": 34},
                     "servers": b_servers, "buffer_after": 1,
                     **({"failures": b_failures} if b_failures else {})})
    if not drop_c:
        stations.append({"name": "C", "cycle_time": {"dist": "exponential", "mean": 25},
                         **({"failures": c_failures} if c_failures else {})})
    else:
        stations[-1]["buffer_after"] = 0
    return build_scenario(stations, horizon="1 d", seed=seed)


def first_station_view(sc, replication=0):
    """Everything about station A that depends on A's own streams only (valid while A is
    never blocked): its timeline, failure count, shares and the parts it started."""
    r = run_replication(sc, replication, trace=True)
    a = r.stations[0]
    assert a.name == "A" and a.shares["blocked"] == 0.0  # precondition of the isolation
    return (r.trace["A"], a.failures, a.shares, r.totals["entered"])


def test_other_stations_changes_leave_first_station_unchanged():
    """Changing C's MTBF, B's failures, B's servers, inserting a station between A and B or
    removing C changes nothing for A (which is never blocked here): A's timeline of working
    and down periods, its failures and its parts started are identical, because A's draws
    come from A's streams whatever the rest of the line draws. A stream design keyed by
    creation order or one shared generator would shift A's numbers in every variant."""
    base = first_station_view(isolation_line(
        c_failures={"mtbf": "2 h", "mttr": "6 min"}))
    assert base[1] > 5  # A fails repeatedly in the horizon: its failure streams are used
    variants = {
        "C's MTBF": isolation_line(c_failures={"mtbf": "20 min", "mttr": "6 min"}),
        "B gets failures": isolation_line(
            b_failures={"mtbf": "30 min", "mttr": "3 min", "basis": "scheduled"},
            c_failures={"mtbf": "2 h", "mttr": "6 min"}),
        "B gets a server": isolation_line(b_servers=2, c_failures={"mtbf": "2 h",
                                                                   "mttr": "6 min"}),
        "station inserted": isolation_line(
            middle={"name": "A2", "cycle_time": {"dist": "exponential", "mean": 20},
                    "buffer_after": 2, "failures": {"mtbf": "1 h", "mttr": "2 min"}},
            c_failures={"mtbf": "2 h", "mttr": "6 min"}),
        "C removed": isolation_line(drop_c=True),
    }
    for label, sc in variants.items():
        assert first_station_view(sc) == base, label


def test_first_station_view_is_sensitive():
    """The observable of the isolation test does change when A's own inputs change: its
    MTBF, the replication, or the root seed (so the isolation test can fail)."""
    c = {"mtbf": "2 h", "mttr": "6 min"}
    base = first_station_view(isolation_line(c_failures=c))
    assert first_station_view(isolation_line(c_failures=c, a_mtbf="40 min")) != base
    assert first_station_view(isolation_line(c_failures=c), replication=1) != base
    assert first_station_view(isolation_line(c_failures=c, seed=2025)) != base


def test_changing_one_stations_mtbf_keeps_common_random_numbers_elsewhere():
    """Common random numbers: scenarios that differ only in C's MTBF see the same processing
    draws at A, B and C, so C's change shows as a paired difference. With C's failures made
    negligible (MTBF 10,000 h) the line behaves as without failures: over a day the output
    equals that of the failure-free line exactly (no failure falls in the window, and C's
    processing draws are the same numbers either way)."""
    without = run_replication(isolation_line(), 0)
    negligible = run_replication(isolation_line(c_failures={"mtbf": "10000 h",
                                                            "mttr": "6 min"}), 0)
    assert negligible.stations[2].failures == 0
    assert negligible.output == without.output
    assert negligible.stations == without.stations
