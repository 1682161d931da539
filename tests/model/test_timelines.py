"""Hand-derived timelines of tiny deterministic lines, compared with the model's trace.

Every expected timeline below is worked out on paper in the test's docstring, from the contract's
semantics only (blocking after service with ``buffer_after`` waiting places; a station's part
leaves it only when the next buffer or server has room; operating-basis failure clocks run only
while processing, scheduled-basis ones whenever the line is scheduled; a part in process resumes
after the repair). Notation: ``W``/``S``/``B``/``D`` = working/starved/blocked/down over the
half-open interval ``[a, b)``; "pk" is the k-th part, entered when the first station takes it.

The observation window is ``[0, horizon)``: an event at exactly ``t = horizon`` (e.g. a part
finishing then) falls in the next window and is not counted.

Timelines are compared after dropping zero-length intervals (see ``conftest.intervals``), so
they do not depend on how SimPy orders events at the same instant; that a server going on
without a pause has no change point at all is pinned in
``test_buffer_zero_trace_has_no_zero_length_states``.
"""

from __future__ import annotations

import pytest

from linesim.simulate import run_replication
from linesim.states import STARVED, WORKING

W, S, B, D = "working", "starved", "blocked", "down"


def shares_of(result, name):
    return next(st for st in result.stations if st.name == name).shares


def test_two_stations_buffer_zero(scenario, timeline):
    """S1 = 10 s, S2 = 20 s, buffer_after 0, horizon 100 s.

    p1: S1 [0,10), to S2 at 10 (S2 idle), S2 [10,30), exits 30.
    p2: S1 [10,20); S2 busy, no waiting place → S1 blocked [20,30); at 30 p2 moves into S2,
        S2 [30,50), exits 50; S1 takes p3 at 30.
    From then on the pattern repeats every 20 s: S1 works 10, is blocked 10; S2 never waits.
    S1: W[0,20) B[20,30) W[30,40) B[40,50) W[50,60) B[60,70) W[70,80) B[80,90) W[90,100)
    S2: S[0,10) W[10,100)
    Exits 30, 50, 70, 90 → output 4. Entries at 0,10,30,50,70,90 → 6; WIP at the end 2
    (p5 in S2, p6 in S1). Lead times 30,40,40,40 → mean 37.5 s.
    WIP is 1 on [0,10) and 2 on [10,100) → mean 1.9. Shares: S1 0.6 working / 0.4 blocked,
    S2 0.9 working / 0.1 starved.
    """
    sc = scenario([{"name": "S1", "cycle_time": 10, "buffer_after": 0},
                   {"name": "S2", "cycle_time": 20}], horizon=100)
    r = run_replication(sc, 0, trace=True)
    assert timeline(r.trace["S1"][0], 100) == [
        (0, 20, W), (20, 30, B), (30, 40, W), (40, 50, B), (50, 60, W), (60, 70, B),
        (70, 80, W), (80, 90, B), (90, 100, W)]
    assert timeline(r.trace["S2"][0], 100) == [(0, 10, S), (10, 100, W)]
    assert r.output == 4
    assert r.totals == {"entered": 6, "exited": 4, "scrapped": 0, "wip_end": 2, "consumed": 0, "assembled": 0, "lost": 0}
    assert r.lead_time_mean_s == pytest.approx(37.5, abs=1e-12)
    assert r.wip_mean == pytest.approx(1.9, abs=1e-12)
    assert shares_of(r, "S1") == pytest.approx(
        {W: 0.6, S: 0.0, B: 0.4, D: 0.0, "off_shift": 0.0, "setup": 0.0}, abs=1e-12)
    assert shares_of(r, "S2") == pytest.approx(
        {W: 0.9, S: 0.1, B: 0.0, D: 0.0, "off_shift": 0.0, "setup": 0.0}, abs=1e-12)
    assert r.buffers[0].capacity == 0 and r.buffers[0].max_level == 0
    assert r.buffers[0].mean_level == 0.0


def test_two_stations_buffer_one(scenario, timeline):
    """S1 = 10 s, S2 = 20 s, buffer_after 1, horizon 100 s.

    p1: S1 [0,10), S2 [10,30), exits 30. p2: S1 [10,20), waits in the buffer [20,30),
    S2 [30,50), exits 50. p3: S1 [20,30); at 30 p2 leaves the buffer for S2, so p3 takes the
    place at once (no blocking). p4: S1 [30,40); buffer full (p3), S2 busy with p2 → blocked
    [40,50). From then on S1 works 10 and is blocked 10 every 20 s.
    S1: W[0,40) B[40,50) W[50,60) B[60,70) W[70,80) B[80,90) W[90,100)
    S2: S[0,10) W[10,100)
    Exits 30, 50, 70, 90 → 4; entries at 0,10,20,30,50,70,90 → 7; WIP at the end 3 (p5 in S2,
    p6 in the buffer, p7 in S1). Lead times 30, 40, 50, 60 → mean 45 s (the buffer adds one
    part of waiting per part until it is full). WIP 1 on [0,10), 2 on [10,20), 3 after → 2.7.
    The buffer holds one part from 20 on → mean level 0.8, max 1.
    One buffer place is worth 10 s of S1's blocking over the first 100 s (0.4 → 0.3).
    """
    sc = scenario([{"name": "S1", "cycle_time": 10, "buffer_after": 1},
                   {"name": "S2", "cycle_time": 20}], horizon=100)
    r = run_replication(sc, 0, trace=True)
    assert timeline(r.trace["S1"][0], 100) == [
        (0, 40, W), (40, 50, B), (50, 60, W), (60, 70, B), (70, 80, W), (80, 90, B),
        (90, 100, W)]
    assert timeline(r.trace["S2"][0], 100) == [(0, 10, S), (10, 100, W)]
    assert r.output == 4
    assert r.totals == {"entered": 7, "exited": 4, "scrapped": 0, "wip_end": 3, "consumed": 0, "assembled": 0, "lost": 0}
    assert r.lead_time_mean_s == pytest.approx(45.0, abs=1e-12)
    assert r.wip_mean == pytest.approx(2.7, abs=1e-12)
    assert shares_of(r, "S1")[W] == pytest.approx(0.7, abs=1e-12)
    assert shares_of(r, "S1")[B] == pytest.approx(0.3, abs=1e-12)
    assert r.buffers[0].max_level == 1
    assert r.buffers[0].mean_level == pytest.approx(0.8, abs=1e-12)


def test_littles_law_boundary_term_exact_on_hand_timeline(scenario):
    """Little's law on a finite window, exactly: with an empty start,
    ``wip_mean·T − departures·sojourn_mean = Σ ages of the parts still inside at T``.

    For the buffer-0 line above (S1 10 s, S2 20 s, T = 100): p5 entered at 70 and p6 at 90
    are inside at T, ages 30 + 10 = 40 s; so 1.9·100 − 4·37.5 = 40.
    """
    sc = scenario([{"name": "S1", "cycle_time": 10}, {"name": "S2", "cycle_time": 20}],
                  horizon=100)
    r = run_replication(sc, 0)
    gap = r.wip_mean * r.observed_s - r.departures_per_s * r.observed_s * r.sojourn_mean_s
    assert gap == pytest.approx(40.0, abs=1e-9)


def test_three_stations_slow_middle_starves_the_last(scenario, timeline):
    """S1 = 10 s (buffer 1), S2 = 30 s (buffer 0), S3 = 15 s; horizon 100 s.

    S2 is the bottleneck: after its first part arrives at 10 it never waits (its buffer is
    refilled by S1 long before it needs the next part). S3 gets a part every 30 s and works
    15 of them: starved 15 s per cycle.
    p1: S1 [0,10), S2 [10,40), S3 [40,55), exits 55.
    p2: S1 [10,20), buffer, S2 [40,70), S3 [70,85), exits 85.
    p3: S1 [20,30); buffer full and S2 busy → S1 blocked [30,40); at 40 p2 goes to S2, p3
        into the buffer. p4: S1 [40,50), blocked [50,70). p5: S1 [70,80), blocked [80,100).
    S1: W[0,30) B[30,40) W[40,50) B[50,70) W[70,80) B[80,100)
    S2: S[0,10) W[10,100)
    S3: S[0,40) W[40,55) S[55,70) W[70,85) S[85,100)
    Output 2, entries 5 (at 0,10,20,40,70), WIP 3 at the end; lead times 55 and 75 → 65 s.
    """
    sc = scenario([{"name": "S1", "cycle_time": 10, "buffer_after": 1},
                   {"name": "S2", "cycle_time": 30, "buffer_after": 0},
                   {"name": "S3", "cycle_time": 15}], horizon=100)
    r = run_replication(sc, 0, trace=True)
    assert timeline(r.trace["S1"][0], 100) == [
        (0, 30, W), (30, 40, B), (40, 50, W), (50, 70, B), (70, 80, W), (80, 100, B)]
    assert timeline(r.trace["S2"][0], 100) == [(0, 10, S), (10, 100, W)]
    assert timeline(r.trace["S3"][0], 100) == [
        (0, 40, S), (40, 55, W), (55, 70, S), (70, 85, W), (85, 100, S)]
    assert r.output == 2
    assert r.totals == {"entered": 5, "exited": 2, "scrapped": 0, "wip_end": 3, "consumed": 0, "assembled": 0, "lost": 0}
    assert r.lead_time_mean_s == pytest.approx(65.0, abs=1e-12)
    assert shares_of(r, "S3")[S] == pytest.approx(0.7, abs=1e-12)


def test_three_stations_slow_middle_long_run_shares(scenario):
    """Same line over 3000 s (a multiple of S2's 30 s): S2 works from 10 s on without a stop,
    so its working share is exactly 2990/3000; S3 gets part k at 40 + 30k and works it 15 s:
    exits at 55 + 30k < 3000 → k = 0..98, 99 parts, all worked entirely inside the window (the
    next arrives at 3010), so S3 works 99·15 = 1485 s → share 0.495 (→ 0.5 in the long run).
    """
    sc = scenario([{"name": "S1", "cycle_time": 10, "buffer_after": 1},
                   {"name": "S2", "cycle_time": 30, "buffer_after": 0},
                   {"name": "S3", "cycle_time": 15}], horizon=3000)
    r = run_replication(sc, 0)
    assert r.output == 99
    assert shares_of(r, "S2")[W] == pytest.approx(2990 / 3000, abs=1e-12)
    assert shares_of(r, "S3")[W] == pytest.approx(1485 / 3000, abs=1e-12)
    assert shares_of(r, "S3")[B] == 0.0


def test_first_station_slowest_nothing_blocks(scenario, timeline):
    """S1 = 30 s, S2 = 10 s, S3 = 20 s, buffers 0; horizon 100 s.

    S1 releases a part every 30 s; everything after it is faster, so every part flows through
    without waiting and later stations starve.
    p1: S1 [0,30), S2 [30,40), S3 [40,60), exits 60. p2: S1 [30,60), S2 [60,70), S3 [70,90),
    exits 90. p3: S1 [60,90), S2 [90,100). p4 in S1 from 90.
    S1: W[0,100)
    S2: S[0,30) W[30,40) S[40,60) W[60,70) S[70,90) W[90,100)
    S3: S[0,40) W[40,60) S[60,70) W[70,90) S[90,100)
    Output 2, entries 4, WIP at the end 2.
    """
    sc = scenario([{"name": "S1", "cycle_time": 30}, {"name": "S2", "cycle_time": 10},
                   {"name": "S3", "cycle_time": 20}], horizon=100)
    r = run_replication(sc, 0, trace=True)
    assert timeline(r.trace["S1"][0], 100) == [(0, 100, W)]
    assert timeline(r.trace["S2"][0], 100) == [
        (0, 30, S), (30, 40, W), (40, 60, S), (60, 70, W), (70, 90, S), (90, 100, W)]
    assert timeline(r.trace["S3"][0], 100) == [
        (0, 40, S), (40, 60, W), (60, 70, S), (70, 90, W), (90, 100, S)]
    assert r.output == 2
    assert r.totals == {"entered": 4, "exited": 2, "scrapped": 0, "wip_end": 2, "consumed": 0, "assembled": 0, "lost": 0}


def test_first_station_slowest_long_run(scenario):
    """Same line over 3000 s: no station is ever blocked; exits at 60 + 30k < 3000 → 98;
    S2 works 10 of every 30 s (the 99th part is in S2 at [2970, 2980), the 100th from 3000):
    working share 99·10/3000 = 0.33; S3 works 98·20 + 20 (part 99 from 2980) = 1980 s → 0.66.
    """
    sc = scenario([{"name": "S1", "cycle_time": 30}, {"name": "S2", "cycle_time": 10},
                   {"name": "S3", "cycle_time": 20}], horizon=3000)
    r = run_replication(sc, 0)
    assert r.output == 98
    for st in r.stations:
        assert st.shares[B] == 0.0
    assert shares_of(r, "S1")[W] == 1.0
    assert shares_of(r, "S2")[W] == pytest.approx(990 / 3000, abs=1e-12)
    assert shares_of(r, "S3")[W] == pytest.approx(1980 / 3000, abs=1e-12)


def test_operating_failures_constant_single_station(scenario, timeline):
    """One station, cycle 30 s, failures with constant mtbf 100 s and constant mttr 15 s on the
    operating basis; horizon 450 s.

    The failure clock counts processing seconds only. p1..p3 use 90 s of it (exits 30, 60,
    90); p4 runs 10 s to reach 100 s of operation → down [100,115), then finishes its last
    20 s: exit 135. The next failure is due after another 100 s of processing, i.e. at
    115 + 100 = 215; in general down at 100 + 115k for 15 s. p10 ends at 330 with the clock at
    exactly 100 s, so the failure hits as p11 starts (330), before any work on it.
    W[0,100) D[100,115) W[115,215) D[215,230) W[230,330) D[330,345) W[345,445) D[445,450)
    Exits 30,60,90,135,165,195,240,270,300,330,375,405,435 → 13; 4 failures begin in the
    window; down share 50/450.
    """
    sc = scenario([{"name": "M", "cycle_time": 30,
                    "failures": {"mtbf": {"dist": "constant", "value": 100},
                                 "mttr": {"dist": "constant", "value": 15},
                                 "basis": "operating"}}], horizon=450)
    r = run_replication(sc, 0, trace=True)
    assert timeline(r.trace["M"][0], 450) == [
        (0, 100, W), (100, 115, D), (115, 215, W), (215, 230, D), (230, 330, W), (330, 345, D),
        (345, 445, W), (445, 450, D)]
    assert r.output == 13
    assert r.stations[0].failures == 4
    assert r.stations[0].shares[D] == pytest.approx(50 / 450, abs=1e-12)
    assert r.stations[0].shares[W] == pytest.approx(400 / 450, abs=1e-12)


def test_operating_failures_do_not_run_while_starved(scenario, timeline):
    """S1 = 20 s feeding S2 = 8 s (buffer 0); S2 fails after 20 s of *processing* (constant),
    repair 5 s (constant); horizon 170 s.

    S2 gets a part every 20 s at 20, 40, 60, ... and works 8 s of it; its failure clock runs
    only during those 8 s. Clock left: 20 → p1 [20,28) 12 → p2 [40,48) 4 → p3 at 60 runs 4 s,
    down [64,69), clock 20, finishes 4 s more [69,73) with 16 left → p4 [80,88) 8 → p5
    [100,108) 0 → p6 at 120 fails at once: down [120,125), then [125,133) with 12 left →
    p7 [140,148) 4 → p8 at 160: 4 s, down [164,169), then working until the end.
    Failures never start at a starved instant. S1 is never blocked: S2 is free again before
    each of S1's hand-overs (28<40, 48<60, 73<80, 88<100, 108<120, 133<140, 148<160).
    Exits 28, 48, 73, 88, 108, 133, 148 → 7; failures 3.
    """
    sc = scenario([{"name": "S1", "cycle_time": 20},
                   {"name": "S2", "cycle_time": 8,
                    "failures": {"mtbf": {"dist": "constant", "value": 20},
                                 "mttr": {"dist": "constant", "value": 5}}}], horizon=170)
    r = run_replication(sc, 0, trace=True)
    assert timeline(r.trace["S1"][0], 170) == [(0, 170, W)]
    assert timeline(r.trace["S2"][0], 170) == [
        (0, 20, S), (20, 28, W), (28, 40, S), (40, 48, W), (48, 60, S), (60, 64, W),
        (64, 69, D), (69, 73, W), (73, 80, S), (80, 88, W), (88, 100, S), (100, 108, W),
        (108, 120, S), (120, 125, D), (125, 133, W), (133, 140, S), (140, 148, W),
        (148, 160, S), (160, 164, W), (164, 169, D), (169, 170, W)]
    assert r.output == 7
    assert r.stations[1].failures == 3


def test_scheduled_failures_also_strike_a_starved_station(scenario, timeline):
    """S1 = 20 s feeding S2 = 8 s (buffer 0); S2 fails on the *scheduled* basis every 31 s of
    scheduled time after its last repair (constant), repair 5 s (constant); horizon 170 s.

    Failure due at 31: S2 is starved then (p1 done at 28) → down [31,36), starved again until
    p2 arrives at 40; next due 36 + 31 = 67. p3 [60,67) is interrupted: down [67,72), its last
    1 s [72,73); next due 103. p5 [100,103), down [103,108), rest [108,113); next due 139.
    At 139 S2 is starved (p6 done at 128) → down [139,144); p7 arrives at 140 during the
    repair and waits at S2's input: S2 starts it at 144, [144,152); next due 175 (> horizon).
    S2: S[0,20) W[20,28) S[28,31) D[31,36) S[36,40) W[40,48) S[48,60) W[60,67) D[67,72)
        W[72,73) S[73,80) W[80,88) S[88,100) W[100,103) D[103,108) W[108,113) S[113,120)
        W[120,128) S[128,139) D[139,144) W[144,152) S[152,160) W[160,168) S[168,170)
    S1 never blocked (S2 has always taken the previous part before S1's next hand-over: the
    place is held by S2 until its part leaves at 28, 48, 73, 88, 113, 128, 152 < next 20k).
    Exits 28, 48, 73, 88, 113, 128, 152, 168 → 8; 4 failures; S2 working 64 s, down 20 s.
    """
    sc = scenario([{"name": "S1", "cycle_time": 20},
                   {"name": "S2", "cycle_time": 8,
                    "failures": {"mtbf": {"dist": "constant", "value": 31},
                                 "mttr": {"dist": "constant", "value": 5},
                                 "basis": "scheduled"}}], horizon=170)
    r = run_replication(sc, 0, trace=True)
    assert timeline(r.trace["S1"][0], 170) == [(0, 170, W)]
    assert timeline(r.trace["S2"][0], 170) == [
        (0, 20, S), (20, 28, W), (28, 31, S), (31, 36, D), (36, 40, S), (40, 48, W),
        (48, 60, S), (60, 67, W), (67, 72, D), (72, 73, W), (73, 80, S), (80, 88, W),
        (88, 100, S), (100, 103, W), (103, 108, D), (108, 113, W), (113, 120, S),
        (120, 128, W), (128, 139, S), (139, 144, D), (144, 152, W), (152, 160, S),
        (160, 168, W), (168, 170, S)]
    assert r.output == 8
    assert r.stations[1].failures == 4
    sh = shares_of(r, "S2")
    assert sh[W] == pytest.approx(64 / 170, abs=1e-12)
    assert sh[D] == pytest.approx(20 / 170, abs=1e-12)
    assert sh[S] == pytest.approx(86 / 170, abs=1e-12)


def test_scheduled_failure_while_blocked_keeps_the_part(scenario, timeline):
    """S1 = 10 s with scheduled-basis failures (constant mtbf 25 s, mttr 20 s) feeding
    S2 = 30 s, buffer 0; horizon 120 s.

    p1: S1 [0,10), S2 [10,40), exits 40. p2: S1 [10,20), blocked from 20 (S2 busy until 40).
    The failure falls due at 25 while S1 is blocked: S1 is down [25,45) and keeps p2 although
    S2 frees its place at 40; p2 moves to S2 only when the repair ends at 45: S2 starved
    [40,45), works p2 [45,75), exits 75. Next failure due 45 + 25 = 70: S1 takes p3 at 45,
    works [45,55), blocked [55,70), down [70,90) holding p3; p3 enters S2 at 90 (S2 starved
    [75,90)), S2 [90,120). S1 takes p4 at 90: works [90,100), blocked [100,115) ... next due
    90 + 25 = 115 → down [115,120) while blocked.
    S1: W[0,20) B[20,25) D[25,45) W[45,55) B[55,70) D[70,90) W[90,100) B[100,115) D[115,120)
    S2: S[0,10) W[10,40) S[40,45) W[45,75) S[75,90) W[90,120)
    Exits 40 and 75 → 2; S1 failures 3.
    """
    sc = scenario([{"name": "S1", "cycle_time": 10,
                    "failures": {"mtbf": {"dist": "constant", "value": 25},
                                 "mttr": {"dist": "constant", "value": 20},
                                 "basis": "scheduled"}},
                   {"name": "S2", "cycle_time": 30}], horizon=120)
    r = run_replication(sc, 0, trace=True)
    assert timeline(r.trace["S1"][0], 120) == [
        (0, 20, W), (20, 25, B), (25, 45, D), (45, 55, W), (55, 70, B), (70, 90, D),
        (90, 100, W), (100, 115, B), (115, 120, D)]
    assert timeline(r.trace["S2"][0], 120) == [
        (0, 10, S), (10, 40, W), (40, 45, S), (45, 75, W), (75, 90, S), (90, 120, W)]
    assert r.output == 2
    assert r.stations[0].failures == 3


def test_shift_calendar_pauses_work_and_failures(scenario, timeline):
    """One station, cycle 1 h, operating-basis failures with constant mtbf 3 h and mttr
    30 min, one 8 h shift a day from 06:00, 7 days a week; horizon 2 days.

    Scheduled time: [6 h, 14 h) and [30 h, 38 h). Processing, the failure clock and repairs
    advance on scheduled time only. p1 is taken at t = 0 and processed from 06:00.
    Day 1: exits 7, 8, 9 h (3 h of processing) → down [9, 9.5 h); exits 10.5, 11.5, 12.5 h →
    down [12.5, 13 h); p7 [13, 14 h) exits at the shift end. p8 is taken at 14 h and processed
    the next morning [30, 31 h). Day 2: exits 31, 32 h (clock: 1 h on day 1 + 2 h = 3 h) →
    down [32, 32.5 h); exits 33.5, 34.5, 35.5 h → down [35.5, 36 h); exits 37, 38 h.
    p15 is taken at 38 h and waits for day 3.
    Output 14; 4 failures; working 14 h (= 14 parts × 1 h), down 2 h, off shift 32 h → shares
    of the 48 h window 14/48, 2/48, 32/48. The trace holds *nominal* states: a part waiting
    overnight shows as working there; the clock moves that time to off_shift.
    W[0,9h) D[9h,9.5h) W[9.5h,12.5h) D[12.5h,13h) W[13h,32h) D[32h,32.5h) W[32.5h,35.5h)
    D[35.5h,36h) W[36h,48h)
    """
    h = 3600.0
    cal = {"shifts_per_day": 1, "shift_length": "8 h", "days_per_week": 7}
    sc = scenario([{"name": "M", "cycle_time": "1 h",
                    "failures": {"mtbf": {"dist": "constant", "value": "3 h"},
                                 "mttr": {"dist": "constant", "value": "30 min"}}}],
                  calendar=cal, horizon="2 d")
    r = run_replication(sc, 0, trace=True)
    sh = r.stations[0].shares
    assert sh[W] == pytest.approx(14 / 48, abs=1e-12)
    assert sh[D] == pytest.approx(2 / 48, abs=1e-12)
    assert sh["off_shift"] == pytest.approx(32 / 48, abs=1e-12)
    assert r.stations[0].failures == 4
    assert r.output == 14
    assert r.scheduled_s == pytest.approx(16 * h)
    # Nominal states in the trace (off-shift is not a traced state: the clock splits it off).
    assert timeline(r.trace["M"][0], 48 * h) == [
        (0, 9 * h, W), (9 * h, 9.5 * h, D), (9.5 * h, 12.5 * h, W), (12.5 * h, 13 * h, D),
        (13 * h, 32 * h, W), (32 * h, 32.5 * h, D), (32.5 * h, 35.5 * h, W),
        (35.5 * h, 36 * h, D), (36 * h, 48 * h, W)]


def test_parallel_servers_share_one_input(scenario, timeline):
    """S1 = 10 s feeding S2 with 2 servers × 30 s, buffer_after 0 (so 0 + 2 places: one per
    server); horizon 100 s.

    p1: S1 [0,10) → server a [10,40). p2: S1 [10,20) → server b [20,50). p3: S1 [20,30), both
    servers busy → S1 blocked [30,40); at 40 a frees its place and takes p3 [40,70). p4: S1
    [40,50) → b frees at 50 and takes it [50,80). p5: S1 [50,60), blocked [60,70), → a [70,100).
    p6: S1 [70,80) → b [80,110). p7: S1 [80,90), blocked [90,100).
    S1: W[0,30) B[30,40) W[40,60) B[60,70) W[70,90) B[90,100)
    a:  S[0,10) W[10,100);  b: S[0,20) W[20,100)
    Exits 40, 50, 70, 80 → 4 (p5 would leave at 100, in the next window); entries 7 (at
    0,10,20,40,50,70,80); WIP 3 at the end. Two 30 s servers pass one part per 15 s.
    """
    sc = scenario([{"name": "S1", "cycle_time": 10},
                   {"name": "S2", "cycle_time": 30, "servers": 2}], horizon=100)
    r = run_replication(sc, 0, trace=True)
    assert timeline(r.trace["S1"][0], 100) == [
        (0, 30, W), (30, 40, B), (40, 60, W), (60, 70, B), (70, 90, W), (90, 100, B)]
    assert len(r.trace["S2"]) == 2
    assert timeline(r.trace["S2"][0], 100) == [(0, 10, S), (10, 100, W)]
    assert timeline(r.trace["S2"][1], 100) == [(0, 20, S), (20, 100, W)]
    assert r.output == 4
    assert r.totals == {"entered": 7, "exited": 4, "scrapped": 0, "wip_end": 3, "consumed": 0, "assembled": 0, "lost": 0}
    # Shares of a parallel station are averaged over its servers.
    assert shares_of(r, "S2")[W] == pytest.approx((90 + 80) / 200, abs=1e-12)
    assert shares_of(r, "S2")[S] == pytest.approx((10 + 20) / 200, abs=1e-12)


@pytest.mark.parametrize("repairs_off_shift", [False, True])
def test_repair_across_the_shift_end(scenario, timeline, repairs_off_shift):
    """One station, cycle 1 h, operating-basis failures constant mtbf 7.5 h, mttr 1 h; one 8 h
    shift a day from 06:00 (scheduled [6 h, 14 h) and [30 h, 38 h)); horizon 2 days.

    Day 1: exits 7, 8, ..., 13 h (7 h of processing); p8 starts at 13 h and fails at 13.5 h.
    * Repairs pause off shift (default): 30 min of repair before 14 h, the other 30 min from
      06:00 on day 2 → up at 30.5 h; p8's last 30 min → exit 31 h; p9..p15 exit 32..38 h; the
      clock (7.5 h after the repair) runs out exactly as p15 ends, at 38 h — the shift end. p16
      enters only when the next shift lets it start (06:00 on day 3, outside the window) and
      fails as it starts, so within the window there is one failure.
      Trace: W[0,13.5h) D[13.5h,30.5h) W[30.5h,48h)
    * Repairs continue off shift: up at 14.5 h (off shift), p8 finishes [30, 30.5 h); p9..p15
      exit 31.5..37.5 h; p16 fails as it starts at 37.5 h, repaired at 38.5 h.
      Trace: W[0,13.5h) D[13.5h,14.5h) W[14.5h,37.5h) D[37.5h,38.5h) W[38.5h,48h)
    Either way 15 parts; scheduled time splits into 15 h working and 1 h down
    (the off-shift part of a repair is off_shift, not down).
    """
    h = 3600.0
    cal = {"shifts_per_day": 1, "shift_length": "8 h", "days_per_week": 7,
           "repairs_off_shift": repairs_off_shift}
    sc = scenario([{"name": "M", "cycle_time": "1 h",
                    "failures": {"mtbf": {"dist": "constant", "value": "7.5 h"},
                                 "mttr": {"dist": "constant", "value": "1 h"}}}],
                  calendar=cal, horizon="2 d")
    r = run_replication(sc, 0, trace=True)
    if repairs_off_shift:
        expected = [(0, 13.5 * h, W), (13.5 * h, 14.5 * h, D), (14.5 * h, 37.5 * h, W),
                    (37.5 * h, 38.5 * h, D), (38.5 * h, 48 * h, W)]
    else:
        expected = [(0, 13.5 * h, W), (13.5 * h, 30.5 * h, D), (30.5 * h, 48 * h, W)]
    assert timeline(r.trace["M"][0], 48 * h) == expected
    assert r.output == 15
    assert r.stations[0].failures == (2 if repairs_off_shift else 1)
    sh = r.stations[0].shares
    assert sh[W] == pytest.approx(15 / 48, abs=1e-12)
    assert sh[D] == pytest.approx(1 / 48, abs=1e-12)
    assert sh["off_shift"] == pytest.approx(32 / 48, abs=1e-12)


def test_buffer_zero_trace_has_no_zero_length_states(scenario):
    """The trace is a list of *change points*: a server that goes on working without a pause
    has no change point. S1 = 10 s, S2 = 20 s, buffer 0 (first test above): S2 is starved
    [0,10) and works without interruption from 10 on (at 30, 50, ... the part blocked on S1
    moves straight into S2 as S2 frees its place), so its raw trace is exactly
    [(0, starved), (10, working)].

    Regression: at commit 1e0f410 S2 released its place and switched to starved before the
    blocked part moved in, leaving a zero-length starved state at every hand-over (which also
    cut its active periods for the bottleneck detector).
    """
    sc = scenario([{"name": "S1", "cycle_time": 10}, {"name": "S2", "cycle_time": 20}],
                  horizon=100)
    r = run_replication(sc, 0, trace=True)
    assert r.trace["S2"][0] == [(0, STARVED), (10.0, WORKING)]


def test_balanced_line_trace_has_no_zero_length_waits(scenario):
    """S1 = 40 s, S2 = 40 s, buffer 0, horizon 400 s. S1 finishes a part every 40 s at the very
    instant S2 finishes the previous one, so the finished part moves straight on: S1 works
    without a pause from 0 and S2 from 40. Raw traces: S1 [(0, working)], S2 [(0, starved),
    (40, working)] — no change point at 80, 120, ... where nothing changes."""
    sc = scenario([{"name": "S1", "cycle_time": 40}, {"name": "S2", "cycle_time": 40}],
                  horizon=400)
    r = run_replication(sc, 0, trace=True)
    assert r.stations[0].shares[W] == 1.0
    assert r.trace["S1"][0] == [(0, WORKING)]
    assert r.trace["S2"][0] == [(0, STARVED), (40.0, WORKING)]


def test_assembly_starving_split_by_the_input_the_kit_lacks(scenario, timeline):
    """Sources A = 10 s and B = 30 s feed ASM = 5 s, one of each per unit, buffers 0, horizon
    100 s.

    ASM waits for both [0,10); A's p1 arrives at 10, it waits for B [10,30); B's p1 at 30
    completes the kit: W[30,35). A made p2 at 20 and is blocked holding it; at 35 ASM pulls it
    and waits for B's p2 (made [30,60)) [35,60); W[60,65); waits for B [65,90); W[90,95); waits
    for B [95,100).
    ASM: S[0,30) W[30,35) S[35,60) W[60,65) S[65,90) W[90,95) S[95,100) → 85 s starved.
    Lacking A: [0,10) → 10 s, 1 episode. Lacking B: 30 + 25 + 25 + 5 = 85 s, 4 episodes.
    (A station's starved time lies between the largest input's and the sum of all.)"""
    sc = scenario([{"name": "A", "cycle_time": 10, "inputs": []},
                   {"name": "B", "cycle_time": 30, "inputs": []},
                   {"name": "ASM", "cycle_time": 5, "inputs": ["A", "B"],
                    "assembly": {"A": 1, "B": 1}}], horizon=100)
    r = run_replication(sc, 0, trace=True)
    assert timeline(r.trace["ASM"][0], 100) == [
        (0, 30, S), (30, 35, W), (35, 60, S), (60, 65, W), (65, 90, S), (90, 95, W), (95, 100, S)]
    asm = next(st for st in r.stations if st.name == "ASM")
    assert asm.starved_for_s == {"A": pytest.approx(10), "B": pytest.approx(85)}
    assert asm.starved_for_episodes == {"A": 1, "B": 4}
    # The station's own count is of entries into "starved" after the start (it starts starved):
    # 35, 65, 95; the count per input is of kits beginning to lack it, the one at 0 included.
    assert asm.starved_episodes == 3
