"""Invariants that must hold on every run of every network, checked on a handful of varied ones.

The networks mix assembly by bill of materials (per variant too), rework lanes (into a source and
into a plain station), routing by fractions, first_free and by product, setups, merges, several output stations, arrivals with a
finite queue (block and lose) or unlimited supply, scrap, failures on both bases, random and
constant times, and continuous and shift calendars. Each runs one short replication, once per
module (cached) and per engine: every invariant is checked on the SimPy and on the fast engine.

Buffer kinds: "buffer" (an edge between two stations; ``capacity`` is the upstream station's
``buffer_after``), "queue" (the input queue of an arrival stream) and "rework" (an unlimited
lane). ``capacity`` counts waiting places only: a part handed to a server (or, at an assembly
station, into the kit the server collects) is no longer in the buffer.
"""

from __future__ import annotations

import functools

import pytest

from linesim import engines
from linesim.replicate import run_replications
from linesim.scenario import Scenario
from linesim.simulate import run_replication

from .conftest import assert_shares_sum_to_one

SHIFTS_BREAKS = {"shifts_per_day": 2, "shift_length": "8 h", "breaks_per_shift": "30 min",
                 "days_per_week": 5, "holidays_per_year": 10}
THREE_SHIFTS = {"shifts_per_day": 3, "shift_length": "7.5 h", "breaks_per_shift": "20 min",
                "working_days_per_year": 250, "repairs_off_shift": True}
exp = lambda m: {"dist": "exponential", "mean": m}  # noqa: E731
logn = lambda m, cv: {"dist": "lognormal", "mean": m, "cv": cv}  # noqa: E731
const = lambda v: {"dist": "constant", "value": v}  # noqa: E731


def build_network(stations, *, outputs=None, calendar="continuous", name="net", products=None,
                  **run) -> Scenario:
    """A validated network from station mappings (``outputs`` when several stations end it)."""
    run = {"warmup": 0, "replications": 1, "seed": 12345, **run}
    data = {"name": name, "calendar": calendar, "stations": stations, "run": run}
    if outputs is not None:
        data["outputs"] = outputs
    if products is not None:
        data["products"] = products
    return Scenario.model_validate(data)


CONFIGS = {
    # Seat-like plant on two shifts: three rows (failures on both bases, scrap) into an
    # assembly station with 2 servers, rework into a plain station, routing by fractions to
    # two packing stations that both deliver.
    "assembly-rework-fractions-shifts": dict(calendar=SHIFTS_BREAKS, outputs=["PK1", "PK2"],
        stations=[
            {"name": "FR", "cycle_time": logn(40, 0.3), "inputs": [], "buffer_after": 3,
             "failures": {"mtbf": "1 h", "mttr": exp("5 min")}},
            {"name": "FO", "cycle_time": exp(18), "inputs": [], "buffer_after": 4,
             "scrap": "1%"},
            {"name": "CV", "cycle_time": exp(35), "inputs": [], "buffer_after": 2,
             "failures": {"availability": 0.95, "mttr": "3 min", "basis": "scheduled"}},
            {"name": "ASM", "cycle_time": logn(70, 0.4), "servers": 2, "buffer_after": 2,
             "inputs": ["FR", "FO", "CV"], "assembly": {"FR": 1, "FO": 2, "CV": 1}},
            {"name": "WELD", "cycle_time": exp(38), "inputs": ["ASM"], "buffer_after": 2},
            {"name": "TEST", "cycle_time": exp(36), "inputs": ["WELD"], "buffer_after": 1,
             "rework": {"to": "WELD", "fraction": 0.08}, "scrap": 0.02,
             "routing": {"PK1": 0.6, "PK2": 0.4}},
            {"name": "PK1", "cycle_time": exp(50), "inputs": ["TEST"]},
            {"name": "PK2", "cycle_time": exp(70), "inputs": ["TEST"]},
        ], run=dict(warmup="8 h", horizon="5 d")),
    # Arrivals with a finite queue that blocks, first_free to two parallel stations (one with
    # scheduled-basis failures, one with 2 servers), a merge, rework back to the arrival
    # station, scrap at the end.
    "arrivals-block-first-free-merge": dict(stations=[
        {"name": "IN", "cycle_time": exp(20), "inputs": [], "buffer_after": 1,
         "arrivals": {"interarrival": exp(30), "queue": 4, "when_full": "block"},
         "routing": "first_free"},
        {"name": "M1", "cycle_time": exp(50), "inputs": ["IN"], "buffer_after": 1,
         "failures": {"mtbf": "30 min", "mttr": exp("3 min"), "basis": "scheduled"}},
        {"name": "M2", "cycle_time": logn(55, 0.5), "servers": 2, "inputs": ["IN"]},
        {"name": "J", "cycle_time": exp(20), "inputs": ["M1", "M2"], "buffer_after": 3,
         "rework": {"to": "IN", "fraction": 0.05}},
        {"name": "OUT", "cycle_time": exp(15), "inputs": ["J"], "scrap": 0.03},
    ], run=dict(warmup="2 h", horizon="2 d")),
    # Three shifts, repairs off shift: arrivals turned away by a full queue, split by fractions
    # into two delivering stations (rework back to the arrival station); beside it an
    # independent serial line from an unlimited source, with constant failures and scrap.
    "arrivals-lose-three-shifts": dict(calendar=THREE_SHIFTS, outputs=["A", "B", "V"],
        stations=[
            {"name": "SRC", "cycle_time": exp(30), "inputs": [], "buffer_after": 2,
             "arrivals": {"interarrival": exp(45), "queue": 2, "when_full": "lose"},
             "routing": {"A": 0.5, "B": 0.5}},
            {"name": "A", "cycle_time": exp(70), "inputs": ["SRC"],
             "failures": {"mtbf": exp("2 h"), "mttr": exp("20 min")}},
            {"name": "B", "cycle_time": exp(80), "inputs": ["SRC"],
             "rework": {"to": "SRC", "fraction": 0.1}},
            {"name": "U", "cycle_time": 60, "inputs": [], "buffer_after": 2,
             "failures": {"mtbf": const("50 min"), "mttr": const("7 min")}},
            {"name": "V", "cycle_time": logn(55, 0.3), "inputs": ["U"], "scrap": 0.05},
        ], run=dict(warmup="4 h", horizon="4 d")),
    # Deterministic times, constant failures, continuous: assembly 2+1, rework into a plain
    # station, first_free to two parallel stations, merged again.
    "deterministic-network": dict(stations=[
        {"name": "R1", "cycle_time": 30, "inputs": [], "buffer_after": 2},
        {"name": "R2", "cycle_time": 45, "inputs": [], "buffer_after": 1,
         "failures": {"mtbf": const("40 min"), "mttr": const("5 min")}},
        {"name": "ASM", "cycle_time": 50, "inputs": ["R1", "R2"], "assembly": {"R1": 2, "R2": 1},
         "buffer_after": 1},
        {"name": "P", "cycle_time": 30, "inputs": ["ASM"], "buffer_after": 2},
        {"name": "T", "cycle_time": 35, "inputs": ["P"], "rework": {"to": "P", "fraction": 0.1},
         "routing": "first_free"},
        {"name": "E1", "cycle_time": 70, "inputs": ["T"], "buffer_after": 1},
        {"name": "E2", "cycle_time": 70, "inputs": ["T"], "buffer_after": 1},
        {"name": "F", "cycle_time": 20, "inputs": ["E1", "E2"], "scrap": 0.02},
    ], run=dict(warmup="1 h", horizon="1 d")),
    # Three variants by mix: a tray (the unit's variant) and 0, 2 or 3 rear seats per set,
    # setups at the marriage (2 servers, scheduled failures), routing by product to two
    # delivering stations, one variant to the first free of both; two shifts.
    "products-routing-by-product": dict(
        calendar=SHIFTS_BREAKS, outputs=["LA", "LB"],
        products={"mix": {"X": 0.5, "Y": 0.3, "Z": 0.2}},
        stations=[
            {"name": "TR", "cycle_time": exp(20), "inputs": [], "buffer_after": 2},
            {"name": "RS", "cycle_time": logn(12, 0.3), "inputs": [], "buffer_after": 3,
             "failures": {"mtbf": "2 h", "mttr": exp("6 min")}},
            {"name": "MAR", "cycle_time": {"by_product": {"X": 50, "Y": exp(60), "Z": 30}},
             "servers": 2, "setup": {"time": 8}, "inputs": ["TR", "RS"],
             "assembly": {"TR": 1, "RS": {"X": 2, "Y": 3, "Z": 0}}, "buffer_after": 2,
             "failures": {"availability": 0.95, "mttr": "4 min", "basis": "scheduled"},
             "routing": {"by_product": {"X": "LA", "Y": ["LA", "LB"], "Z": "LB"}}},
            {"name": "LA", "cycle_time": exp(35), "inputs": ["MAR"]},
            {"name": "LB", "cycle_time": exp(40), "inputs": ["MAR"], "scrap": 0.02},
        ], run=dict(warmup="4 h", horizon="3 d")),
}
NAMES = list(CONFIGS)


def scenario_of(name: str, **run) -> Scenario:
    cfg = CONFIGS[name]
    return build_network(cfg["stations"], outputs=cfg.get("outputs"),
                         calendar=cfg.get("calendar", "continuous"), name=name,
                         products=cfg.get("products"),
                         **{**cfg["run"], **run})


ENGINES = ("simpy", "fast")


@functools.cache
def _run(name: str, engine: str):
    sc = scenario_of(name)
    try:
        return sc, run_replication(engines.pinned(sc, engine), 0)
    except engines.EngineUnsupported as exc:
        return sc, exc


def run(name: str, engine: str):
    """Replication 0 of configuration ``name`` on ``engine`` (cached); skips where the fast
    engine does not run the configuration yet."""
    sc, r = _run(name, engine)
    if isinstance(r, Exception):
        pytest.skip(f"the fast engine does not run {name} yet: {'; '.join(r.reasons)}")
    return sc, r


def sinks(sc: Scenario) -> set[str]:
    return {name for name, succ in sc.successors().items() if not succ}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_shares_are_fractions_summing_to_one(name, engine):
    """Each server is in exactly one state at any instant, at every station of a network
    too: the shares are in [0, 1] and sum to 1 (within 1e-9)."""
    _, r = run(name, engine)
    assert_shares_sum_to_one(r)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_unlimited_sources_never_starved_outputs_never_blocked(name, engine):
    """A source with unlimited supply (no inputs, no arrivals) always has a part to start —
    even one that also takes reworked parts; a source fed by arrivals may wait for them. An
    output station hands every finished unit out at once: never blocked."""
    sc, r = run(name, engine)
    out = sinks(sc)
    for spec, st in zip(sc.stations, r.stations):
        if spec.is_source and spec.arrivals is None:
            assert st.shares["starved"] == 0.0, spec.name
        if spec.name in out:
            assert st.shares["blocked"] == 0.0, spec.name
    if sc.outputs is not None:
        assert set(sc.outputs) == out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_parts_are_conserved(name, engine):
    """Totals since t = 0: every part that entered or was assembled has left good, been
    scrapped, been consumed by an assembly, or is still in the plant:
    entered + assembled = exited + scrapped + consumed + wip_end, with wip_end ≥ 0 and the
    window's counts within the totals. Assembly consumes exactly its bill of materials per
    unit (per variant: between the smallest and the largest kit); lost arrivals happen only where the queue loses, and never count as entered."""
    sc, r = run(name, engine)
    t = r.totals
    assert t["entered"] + t["assembled"] == (
        t["exited"] + t["scrapped"] + t["consumed"] + t["wip_end"]), t
    assert t["wip_end"] >= 0 and r.wip_mean >= 0.0
    assert r.output <= t["exited"] and r.scrapped <= t["scrapped"] and r.entered <= t["entered"]
    assert r.output > 0
    variants = sc.products.names if sc.products else [None]
    kits = [[sum(st.quantity_from(u, v) for u in st.inputs) for v in variants]
            for st in sc.stations if st.assembly]
    if kits:
        assert len(kits) == 1  # one assembly station per configuration here
        assert t["assembled"] > 0  # each unit consumes its variant's kit
        assert min(kits[0]) * t["assembled"] <= t["consumed"] <= max(kits[0]) * t["assembled"]
        if len(set(kits[0])) == 1:
            assert t["consumed"] == kits[0][0] * t["assembled"]
    else:
        assert t["consumed"] == t["assembled"] == 0
    loses = any(st.arrivals is not None and st.arrivals.when_full == "lose" for st in sc.stations)
    assert (t["lost"] > 0) == loses and r.lost <= t["lost"]
    if all(st.scrap == 0 for st in sc.stations):
        assert t["scrapped"] == 0
    else:
        assert r.scrapped > 0


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_buffers_are_the_graphs_edges(name, engine):
    """One buffer per (upstream, downstream) pair of the graph, plus a queue per arrival
    stream and an unlimited lane per rework route, each with its declared capacity."""
    sc, r = run(name, engine)
    by = {st.name: st for st in sc.stations}
    expected = set()
    for st in sc.stations:
        if st.arrivals is not None:
            expected.add((None, st.name, "queue", st.arrivals.queue))
        for u in st.inputs:
            expected.add((u, st.name, "buffer", by[u].buffer_after))
        if st.rework is not None:
            expected.add((st.name, st.rework.to, "rework", "unlimited"))
    got = [(b.after, b.before, b.kind, b.capacity) for b in r.buffers]
    assert len(got) == len(set(got))
    assert set(got) == expected


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_buffer_levels_within_capacity(name, engine):
    """At most ``buffer_after`` parts ever wait on an edge (an arrival queue: its ``queue``
    places), at merges, assembly inputs and stations with a rework lane too — a part handed to
    a waiting server is on that server, not in the buffer: 0 ≤ mean level ≤ max level ≤
    capacity for every finite buffer and queue; rework lanes are unlimited."""
    _, r = run(name, engine)
    for b in r.buffers:
        assert b.mean_level >= -1e-12 and b.max_level >= 0, b
        if b.kind == "rework":
            assert b.capacity == "unlimited", b
        if b.capacity != "unlimited":
            assert b.mean_level <= b.max_level + 1e-12, b
            assert b.max_level <= b.capacity, b


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_down_only_with_failures(name, engine):
    """A station without failures is never down and counts no failures; failures happen
    only where they are declared."""
    sc, r = run(name, engine)
    for spec, st in zip(sc.stations, r.stations):
        if spec.failures is None:
            assert st.shares["down"] == 0.0 and st.failures == 0, st


@pytest.mark.parametrize("name", NAMES)
def test_same_replication_same_result(name):
    """The same network and replication give an identical RunResult, every field included;
    another replication gives a different one (so the check is not vacuous)."""
    sc = scenario_of(name, horizon="12 h")
    a = run_replication(sc, 2)
    assert a == run_replication(sc, 2)
    b = run_replication(sc, 3)
    assert (a.output, a.stations) != (b.output, b.stations)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "deterministic-network"])
def test_replications_independent_of_jobs(name):
    """run_replications gives the same results, in index order, with 1 or 2 worker processes:
    each replication's random numbers depend only on its key, not on the process."""
    sc = scenario_of(name, horizon="6 h", replications=3)
    serial = run_replications(sc, jobs=1)
    parallel = run_replications(sc, jobs=2)
    assert [r.replication for r in serial] == [0, 1, 2]
    assert serial == parallel


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", NAMES)
def test_assembly_starving_split_by_input_adds_up(name, engine):
    """At every assembly station the kit lacks at least one input whenever its servers are
    starved, and time lacking two inputs counts for both: so the starved time lies between the
    largest per-input figure and their sum; per-input episodes are counted where the time is."""
    sc, r = run(name, engine)
    for spec, st in zip(sc.stations, r.stations):
        if spec.assembly is None:
            assert st.starved_for_s == {} and st.starved_for_episodes == {}
            continue
        assert list(st.starved_for_s) == spec.inputs
        starved_s = st.shares["starved"] * r.observed_s * spec.servers  # scheduled seconds
        per_input = list(st.starved_for_s.values())
        assert max(per_input) <= starved_s * (1 + 1e-9) + 1e-6
        assert starved_s <= sum(per_input) * (1 + 1e-9) + 1e-6
        for inp in spec.inputs:
            assert (st.starved_for_s[inp] > 0) <= (st.starved_for_episodes[inp] > 0), inp


def test_assembly_input_buffers_within_capacity():
    """Rows R1 (30 s), R2 (35 s), R3 (40 s), each with 2 waiting places, feed an assembly
    station (3 + 1 + 2 parts, 60 s). While the station collects a kit, parts handed to it for
    that kit are the station's (it has places for them), not the buffer's: the buffers after
    the rows report at most their 2 places, and a mean level no larger than the maximum."""
    sc = build_network([
        {"name": "R1", "cycle_time": 30, "inputs": [], "buffer_after": 2},
        {"name": "R2", "cycle_time": 35, "inputs": [], "buffer_after": 2},
        {"name": "R3", "cycle_time": 40, "inputs": [], "buffer_after": 2},
        {"name": "A", "cycle_time": 60, "inputs": ["R1", "R2", "R3"],
         "assembly": {"R1": 3, "R2": 1, "R3": 2}},
    ], warmup="1 h", horizon="1 d")
    r = run_replication(sc, 0)
    for b in r.buffers:
        assert b.mean_level <= b.max_level <= b.capacity, b


def test_rework_into_an_assembly_station_is_reprocessed():
    """Rework back to an assembly station: R1, R2 (20 s) → A (assembly 1 + 1, 30 s) → B
    (40 s, 25 % back to A). Like any station with a rework lane, A takes the reworked unit
    first and processes it again (no new kit). B is the bottleneck (A needs 90/h of its
    120/h), so the plant holds a few parts; the rework lane stays short and the WIP is
    bounded: well below 40 parts at the end of a day, when a lane that is never emptied holds
    about 0.25 × 90 × 24 = 540."""
    sc = build_network([
        {"name": "R1", "cycle_time": 20, "inputs": [], "buffer_after": 2},
        {"name": "R2", "cycle_time": 20, "inputs": [], "buffer_after": 2},
        {"name": "A", "cycle_time": 30, "inputs": ["R1", "R2"], "assembly": {"R1": 1, "R2": 1}},
        {"name": "B", "cycle_time": 40, "inputs": ["A"], "rework": {"to": "A", "fraction": 0.25}},
    ], horizon="1 d")
    r = run_replication(sc, 0)
    t = r.totals
    assert t["entered"] + t["assembled"] == (
        t["exited"] + t["scrapped"] + t["consumed"] + t["wip_end"]), t
    lane = [b for b in r.buffers if b.kind == "rework"][0]
    assert lane.max_level < 40, lane
    assert t["wip_end"] < 40, t


def test_arrival_queue_within_capacity_with_a_rework_lane():
    """SRC takes arrivals every 10 s into a queue of 1 place (turned away when full) and needs
    25 s per part; CHK (5 s) sends half its parts back to SRC. SRC is always busy, so its queue
    is full nearly all the time: with 1 place it never holds more than 1 part, whether SRC is
    working on a new part or on a reworked one (the rework lane is a separate, unlimited
    lane)."""
    sc = build_network([
        {"name": "SRC", "cycle_time": 25, "inputs": [],
         "arrivals": {"interarrival": 10, "queue": 1, "when_full": "lose"}},
        {"name": "CHK", "cycle_time": 5, "inputs": ["SRC"],
         "rework": {"to": "SRC", "fraction": 0.5}},
    ], horizon="1 d")
    r = run_replication(sc, 0)
    queue = [b for b in r.buffers if b.kind == "queue"][0]
    assert queue.max_level <= queue.capacity == 1, queue
