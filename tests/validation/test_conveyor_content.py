"""A conveyor's level is its whole content, moving or waiting at its end, up to the instant a
part leaves it, including a part handed straight to a server waiting at the end.

Two checks, on both engines:

* by hand (Little's law): A (60 s) → conveyor (270 s) → B (30 s), constant times, no failures,
  continuous calendar. B is faster, so it waits at the conveyor's end and takes every part the
  instant it arrives: each part spends exactly 270 s on the conveyor, one part enters every
  60 s, so the content is 270/60 = 4.5 on average — 5 parts for the first 30 s after each load,
  4 for the next 30 s (loads at multiples of 60 s, arrivals 30 s after one). 270 is not a
  multiple of 60 on purpose: an arrival never falls on a load, so an interval counted at the
  wrong level shows (a conveyor that dropped the arriving part before integrating would read
  4.0, all the time at level 4).
* an accounting identity on a random line: at every instant the parts in the plant are those
  held by the servers (working or blocked: no failures, no setups) plus those on the edges, so
  over the window ``wip_mean`` = Σ servers × (working + blocked share) + Σ ``mean_level``,
  exactly (up to float rounding), whatever the random draws.
"""

from __future__ import annotations

import pytest

from linesim.simulate import run_replication

from .conftest import both_engines, build_scenario, exp


@both_engines
def test_deterministic_conveyor_content_by_littles_law():
    sc = build_scenario([{"name": "A", "cycle_time": 60,
                          "conveyor": {"transfer_time": 270, "capacity": 10}},
                         {"name": "B", "cycle_time": 30}],
                        horizon="2 d", warmup="1 h")
    r = run_replication(sc, 0)
    assert r.throughput_per_h == pytest.approx(60.0, abs=1e-9)
    assert r.stations[1].shares["starved"] == pytest.approx(0.5, abs=1e-9)  # B waits for parts
    conv = r.buffers[0]
    assert conv.kind == "conveyor" and conv.max_level == 5
    assert conv.mean_level == pytest.approx(4.5, abs=1e-9)
    # buffer_occupancy.csv: half the time at 5, half at 4
    assert r.occupancy[0][4] == pytest.approx(0.5, abs=1e-9)
    assert r.occupancy[0][5] == pytest.approx(0.5, abs=1e-9)
    # buffer_periods.csv: every period of the window (they start and end at multiples of 60 s)
    p = r.periods
    window = [m for m, w in zip(p.level_mean[0], p.in_warmup) if not w]
    assert len(window) >= 2 and window == pytest.approx([4.5] * len(window), abs=1e-9)
    # the plant: one part at A always, one at B half the time, and the conveyor's
    assert r.wip_mean == pytest.approx(1 + 0.5 + 4.5, abs=1e-9)


@both_engines
def test_random_line_wip_is_servers_plus_edges():
    sc = build_scenario([{"name": "A", "cycle_time": exp(40),
                          "conveyor": {"transfer_time": "2 min", "capacity": 6}},
                         {"name": "B", "cycle_time": exp(45), "servers": 2,
                          "conveyor": {"transfer_time": "50 s", "capacity": 3}},
                         {"name": "C", "cycle_time": exp(20), "buffer_after": 2},
                         {"name": "D", "cycle_time": exp(30)}],
                        horizon="3 d", warmup="2 h")
    r = run_replication(sc, 0)
    held = sum(st.servers * (st.shares["working"] + st.shares["blocked"]) for st in r.stations)
    on_edges = sum(b.mean_level for b in r.buffers)
    assert [b.kind for b in r.buffers] == ["conveyor", "conveyor", "buffer"]
    assert all(st.shares["starved"] > 0.05 for st in r.stations[1:])  # hand-overs at the end
    assert r.wip_mean == pytest.approx(held + on_edges, rel=1e-9)
