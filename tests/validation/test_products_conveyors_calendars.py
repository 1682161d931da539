"""Products with setups, conveyors and per-line calendars against theory (issue 3)."""

from __future__ import annotations

import pytest

from linesim.capacity import capacity_check
from linesim.scenario import Scenario
from linesim.simulate import run_replication

from .conftest import assert_within_se, both_engines, exp, replicate


def network(stations, **extra) -> Scenario:
    run = {"warmup": 0, "replications": 1, "seed": 77, **extra.pop("run", {})}
    return Scenario.model_validate({"name": "v", "stations": stations, "run": run, **extra})


def conserved(r) -> bool:
    t = r.totals
    return t["entered"] + t["assembled"] == t["exited"] + t["scrapped"] + t["consumed"] + t["wip_end"]


@both_engines
def test_cyclic_two_variant_sequence_with_setup_at_every_change():
    """X, Y alternating (cycle 30 s and 50 s) with a 20 s setup at every change: one unit per
    mean cycle + setup = 60 s, exactly; the setup share is 20/60 and output splits 1:1."""
    sc = network([{"name": "A", "cycle_time": {"by_product": {"X": 30, "Y": 50}},
                   "setup": {"time": 20}}],
                 products={"sequence": ["X", "Y"]}, run={"horizon": "1 d"})
    r = run_replication(sc, 0)
    assert r.throughput_per_h == pytest.approx(60.0, abs=1e-9)
    assert r.output_by_product == {"X": 720, "Y": 720}
    assert r.stations[0].shares["setup"] == pytest.approx(20 / 60, abs=1e-3)
    assert capacity_check(sc).ceiling_per_h == pytest.approx(60.0)


def test_sequence_without_changes_needs_no_setup():
    """A pattern X, X, Y, Y has two changes per four units: (4·40 + 2·20) s per 4 units."""
    sc = network([{"name": "A", "cycle_time": {"by_product": {"X": 30, "Y": 50}},
                   "setup": {"time": 20}}],
                 products={"sequence": ["X", "X", "Y", "Y"]}, run={"horizon": "1 d"})
    r = run_replication(sc, 0)
    assert r.throughput_per_h == pytest.approx(3600 * 4 / (4 * 40 + 2 * 20), rel=1e-3)
    assert capacity_check(sc).ceiling_per_h == pytest.approx(3600 * 4 / 200)


def test_random_mix_with_setups_matches_the_change_probability():
    """Mix 0.5/0.5: a change with probability 1 − Σp² = 0.5, so the mean time per unit is
    40 + 0.5·20 = 50 s (72/h); within 4 SE over 8 replications."""
    sc = network([{"name": "A", "cycle_time": {"by_product": {"X": 30, "Y": 50}},
                   "setup": {"time": 20}}],
                 products={"mix": {"X": 0.5, "Y": 0.5}}, run={"horizon": "2 d", "replications": 8})
    rs = replicate(sc)
    assert_within_se([r.throughput_per_h for r in rs], 72.0, what="throughput")
    assert capacity_check(sc).ceiling_per_h == pytest.approx(72.0)


@both_engines
def test_bill_of_materials_by_variant():
    """A tray (the first input) carries the variant; L7 needs 3 rear seats, L8 2 rear + 2 third.
    The marriage station (60 s) is the bottleneck: 60/h; parts consumed = Σ quantities."""
    sc = network([
        {"name": "tray", "cycle_time": 10, "inputs": [], "buffer_after": 2},
        {"name": "rear", "cycle_time": 10, "inputs": [], "buffer_after": 4},
        {"name": "third", "cycle_time": 10, "inputs": [], "buffer_after": 4},
        {"name": "marry", "cycle_time": 60, "inputs": ["tray", "rear", "third"],
         "assembly": {"tray": 1, "rear": {"L7": 3, "L8": 2}, "third": {"L7": 0, "L8": 2}}},
    ], products={"mix": {"L7": 0.4, "L8": 0.6}}, run={"horizon": "1 d"})
    r = run_replication(sc, 0)
    assert r.throughput_per_h == pytest.approx(60.0, abs=0.1)
    assert conserved(r)
    made = r.totals["assembled"]
    l7 = r.output_by_product["L7"]
    assert 0.3 < l7 / r.output < 0.5
    # tray 1 + (3 for L7 or 4 for L8) parts per set, up to the sets still in process
    assert r.totals["consumed"] >= 4 * made


@both_engines
def test_conveyor_transfer_and_content():
    """A (20 s) → conveyor (5 min, 30 places) → B (40 s): B limits (90/h); the conveyor fills to
    its capacity and A is blocked half the time; lead time ≥ transfer time."""
    sc = network([{"name": "A", "cycle_time": 20,
                   "conveyor": {"transfer_time": "5 min", "capacity": 30}},
                  {"name": "B", "cycle_time": 40}], run={"horizon": "1 d", "warmup": "1 h"})
    r = run_replication(sc, 0)
    assert r.throughput_per_h == pytest.approx(90.0, abs=0.1)
    conv = r.buffers[0]
    assert conv.kind == "conveyor" and conv.max_level == 30
    assert conv.mean_level == pytest.approx(30, abs=0.5)
    assert r.lead_time_mean_s >= 300


def test_conveyor_capacity_limits_the_flow():
    """10 places over 10 minutes carry at most 60 parts/h, whatever the stations could do."""
    sc = network([{"name": "A", "cycle_time": 10,
                   "conveyor": {"transfer_time": "10 min", "capacity": 10}},
                  {"name": "B", "cycle_time": 10}], run={"horizon": "1 d", "warmup": "1 h"})
    r = run_replication(sc, 0)
    assert r.throughput_per_h == pytest.approx(60.0, abs=0.2)
    cap = capacity_check(sc)
    assert cap.ceiling_per_h == pytest.approx(60.0)
    assert cap.limiting_station == "conveyor A -> B"


def test_conveyor_littles_law():
    """Mean content of a conveyor between exponential stations = throughput × mean time on it,
    which is at least the transfer time (Little's law on the conveyor alone, bounded)."""
    sc = network([{"name": "A", "cycle_time": exp(40),
                   "conveyor": {"transfer_time": "2 min", "capacity": 6}},
                  {"name": "B", "cycle_time": exp(40)}],
                 run={"horizon": "20 d", "warmup": "1 h"})
    r = run_replication(sc, 0)
    rate_per_s = r.output / r.observed_s
    assert r.buffers[0].mean_level >= rate_per_s * 120 * 0.99


@both_engines
def test_three_shift_feeder_and_two_shift_line():
    """A sub-assembly on 3 × 8 h feeds a 2 × 8 h final station through a large buffer. Per
    final-line hour the feeder works 1.5 h, so a feeder at 1.5 × the final cycle just keeps up:
    the final station (40 s) is never starved after warm-up, and the output is 90 per
    scheduled hour of the final line's calendar, on which the annual figure is taken."""
    three = {"shifts_per_day": 3, "shift_length": "8 h", "days_per_week": 5}
    two = {"shifts_per_day": 2, "shift_length": "8 h", "days_per_week": 5}
    sc = network([
        {"name": "feeder", "cycle_time": 55, "calendar": "three", "buffer_after": 2000},
        {"name": "final", "cycle_time": 40},
    ], calendar=two, calendars={"three": three}, run={"horizon": "2 weeks", "warmup": "16 h"})
    r = run_replication(sc, 0)
    assert r.throughput_per_h == pytest.approx(90.0, abs=0.05)
    assert r.stations[1].shares["starved"] == pytest.approx(0.0, abs=1e-3)
    assert r.scheduled_s_per_year == pytest.approx(2 * 8 * 3600 * 261)
    cap = capacity_check(sc)
    assert cap.limiting_station == "final"
    assert cap.stations[0].ceiling_per_h == pytest.approx(3600 / 55 * 1.5)


def test_feeder_on_fewer_hours_starves_the_line():
    """The same feeder on 1 shift cannot keep up: output = its rate × 8/16 per final-line
    hour (32.7/h), as the capacity arithmetic says."""
    one = {"shifts_per_day": 1, "shift_length": "8 h", "days_per_week": 5}
    two = {"shifts_per_day": 2, "shift_length": "8 h", "days_per_week": 5}
    sc = network([
        {"name": "feeder", "cycle_time": 55, "calendar": one, "buffer_after": 2000},
        {"name": "final", "cycle_time": 40},
    ], calendar=two, run={"horizon": "4 weeks", "warmup": "16 h"})
    r = run_replication(sc, 0)
    expected = 3600 / 55 * 0.5
    assert r.throughput_per_h == pytest.approx(expected, rel=0.01)
    assert capacity_check(sc).ceiling_per_h == pytest.approx(expected)
    assert capacity_check(sc).limiting_station == "feeder"


@both_engines
def test_starvation_episodes_count_and_length():
    """S1 = 20 s feeds S2 = 10 s: S2 waits 10 s for every part, once per part, so it has one
    starved episode per part of mean length 10 s (how often and how long it starves)."""
    from linesim.capacity import capacity_check as cap
    from linesim.estimate import summarize

    sc = network([{"name": "S1", "cycle_time": 20}, {"name": "S2", "cycle_time": 10}],
                 run={"horizon": "1 d", "warmup": 100})
    r = run_replication(sc, 0)
    assert abs(r.stations[1].starved_episodes - r.output) <= 1
    row = summarize(sc, [r], cap(sc))["stations"][1]
    assert row["starved_mean_s"] == pytest.approx(10.0, rel=1e-3)
    assert row["starved_episodes_per_year"] == pytest.approx(180 * 24 * 365, rel=1e-3)


def test_routing_by_product_sends_each_variant_to_its_station():
    """A, B alternating from a 10 s source; A goes to PA (30 s for an A), B to PB (15 s for a B);
    buffers 0. PA limits: two units per 30 s = 240/h exactly, 1:1; PA works all the time, PB half
    of it. Each station is given a long cycle for the other variant (100 s): if a single part
    went the wrong way, PA's or PB's shares would show it. The capacity arithmetic charges each
    station only the variant it sees (a mix-averaged cycle would say 65 s at PA: 110.8/h)."""
    sc = network([
        {"name": "S", "cycle_time": 10, "inputs": [],
         "routing": {"by_product": {"A": "PA", "B": "PB"}}},
        {"name": "PA", "cycle_time": {"by_product": {"A": 30, "B": 100}}, "inputs": ["S"]},
        {"name": "PB", "cycle_time": {"by_product": {"A": 100, "B": 15}}, "inputs": ["S"]},
    ], products={"sequence": ["A", "B"]}, outputs=["PA", "PB"], run={"horizon": "1 d"})
    r = run_replication(sc, 0)
    assert r.throughput_per_h == pytest.approx(240.0, abs=0.1)
    assert abs(r.output_by_product["A"] - r.output_by_product["B"]) <= 1
    shares = {s.name: s.shares for s in r.stations}
    assert shares["PA"]["working"] == pytest.approx(1.0, abs=1e-3)
    assert shares["PB"]["working"] == pytest.approx(0.5, abs=1e-3)
    assert conserved(r)
    cap = capacity_check(sc)
    assert cap.ceiling_per_h == pytest.approx(240.0)
    assert cap.limiting_station == "PA"
    by = {s.name: s for s in cap.stations}
    assert by["PA"].cycle_time_s == pytest.approx(30.0) and by["PB"].cycle_time_s == pytest.approx(15.0)


@both_engines
def test_routing_by_product_to_the_first_free_of_several():
    """Pattern A, A, B from a 10 s source: the As go to the first free of P1, P2 (40 s each), the
    Bs to P3 (20 s). The two A stations limit: 2 As per 40 s, so 3 units per 40 s = 270/h, P1
    and P2 always working (tied in the arithmetic), P3 half the time. A part of the wrong variant
    would take 100 s wherever it went (and P3, listed first, is the first free for an A)."""
    sc = network([
        {"name": "S", "cycle_time": 10, "inputs": [],
         "routing": {"by_product": {"A": ["P1", "P2"], "B": "P3"}}},
        {"name": "P3", "cycle_time": {"by_product": {"A": 100, "B": 20}}, "inputs": ["S"]},
        {"name": "P1", "cycle_time": {"by_product": {"A": 40, "B": 100}}, "inputs": ["S"]},
        {"name": "P2", "cycle_time": {"by_product": {"A": 40, "B": 100}}, "inputs": ["S"]},
    ], products={"sequence": ["A", "A", "B"]}, outputs=["P3", "P1", "P2"], run={"horizon": "1 d"})
    r = run_replication(sc, 0)
    assert r.throughput_per_h == pytest.approx(270.0, abs=0.2)
    assert r.output_by_product["A"] == pytest.approx(2 * r.output_by_product["B"], abs=2)
    shares = {s.name: s.shares for s in r.stations}
    assert shares["P1"]["working"] == pytest.approx(1.0, abs=1e-3)
    assert shares["P2"]["working"] == pytest.approx(1.0, abs=1e-3)
    assert shares["P3"]["working"] == pytest.approx(0.5, abs=1e-3)
    assert conserved(r)
    cap = capacity_check(sc)
    assert cap.ceiling_per_h == pytest.approx(270.0)
    assert {cap.limiting_station, *cap.tied_with} == {"P1", "P2"}


def _jis(**seat_line) -> Scenario:
    """Car bodies (exponential 60 s) and seat sets (a two-station seat line) from one plan of
    three variants, married 1 + 1 at a 55 s station."""
    seat = {"name": "seat-b", "cycle_time": {"dist": "exponential", "mean": 50},
            "inputs": ["seat-a"], "buffer_after": 10, **seat_line}
    return network([
        {"name": "body", "cycle_time": {"dist": "exponential", "mean": 60}, "inputs": [],
         "buffer_after": 10},
        {"name": "seat-a", "cycle_time": {"dist": "exponential", "mean": 50}, "inputs": [],
         "buffer_after": 2},
        seat,
        {"name": "marry", "cycle_time": 55, "inputs": ["body", "seat-b"],
         "assembly": {"body": 1, "seat-b": 1}},
    ], products={"mix": {"L7": 0.4, "L8": 0.3, "L9": 0.3}},
        run={"horizon": "5 d", "replications": 4})


def test_one_plan_keeps_a_supplier_line_in_sequence():
    """Every source follows one production plan (the n-th new part has the plan's n-th
    variant), so a seat line that keeps its order (single servers, no scrap) delivers every set
    in the car's sequence: no part out of sequence in any replication, and the plant's output
    follows the mix (within 4 SE of 0.4 for L7)."""
    rs = replicate(_jis())
    for r in rs:
        assert r.stations[3].out_of_sequence == {"seat-b": 0}
        assert r.output > 0
    assert_within_se([r.output_by_product["L7"] / r.output for r in rs], 0.4, what="L7 share")


@pytest.mark.parametrize("change", [
    {"servers": 3},  # parallel servers with random times overtake one another
    {"scrap": 0.02},  # a scrapped set shifts every later set by one
])
def test_overtaking_or_scrap_on_the_supplier_line_breaks_the_sequence(change):
    """What breaks just in sequence is counted: three parallel seat stations with random times
    let sets overtake one another, and scrap on the seat line shifts every later set, so sets
    reach the marriage out of sequence (with 3 variants, roughly 2 in 3 once shifted)."""
    rs = replicate(_jis(**change))
    for r in rs:
        assert r.stations[3].out_of_sequence["seat-b"] > 0.05 * r.output
