"""Networks against theory: assembly, rework, Poisson arrivals, finite input queues, routing,
first_free and merges.

Deterministic networks are compared with exact arithmetic (a periodic regime, so a window of a
whole number of periods holds an exact number of units); random ones with theory ± K_SE
standard errors over independent replications (see ``conftest``). Every replication of every
configuration is also checked for the conservation of parts, and the capacity ceiling (a linear
programme over the plant's flow) is compared with the same theory: equal to it for the
deterministic networks, never below what the simulation reaches.
"""

from __future__ import annotations

import numpy as np
import pytest

from linesim.capacity import capacity_check
from linesim.scenario import Scenario
from linesim.simulate import RunResult, run_replication

from .conftest import (K_SE, assert_within_se, both_engines, build_scenario, exp, mean_se,
                       replicate)
from .test_reference_lines import two_machine_throughput_per_h

DAY = 86400.0


def assert_conserved(r: RunResult) -> None:
    """Parts are conserved since t = 0: entered + assembled = exited + scrapped + consumed +
    wip_end; the WIP is never negative (at the end, nor on average); nothing lost is counted as
    entered."""
    t = r.totals
    assert t["entered"] + t["assembled"] == (
        t["exited"] + t["scrapped"] + t["consumed"] + t["wip_end"]), t
    assert t["wip_end"] >= 0, t
    assert r.wip_mean >= 0.0
    assert 0 <= r.lost <= t["lost"]


def assert_all_conserved(results) -> None:
    for r in results:
        assert_conserved(r)


# -- assembly fed by deterministic rows ---------------------------------------------------
ROWS = (("R1", 30), ("R2", 35), ("R3", 40))


def assembly_line(quantities, ct_asm, row_buffer, **run):
    """Three source rows (30/35/40 s, unlimited supply) into an assembly station A with the
    bill of materials ``quantities``, then a fast end station E (15 s)."""
    stations = [{"name": n, "cycle_time": c, "inputs": [], "buffer_after": row_buffer}
                for n, c in ROWS]
    stations += [
        {"name": "A", "cycle_time": ct_asm, "inputs": [n for n, _ in ROWS],
         "assembly": {n: q for (n, _), q in zip(ROWS, quantities)}, "buffer_after": 1},
        {"name": "E", "cycle_time": 15, "inputs": ["A"]},
    ]
    return build_scenario(stations, name="assembly",
                          **{"warmup": "1 h", "horizon": "1 d", **run})


# (bill of materials for R1/R2/R3, assembly cycle, seconds per set = max_i q_i·c_i)
ASSEMBLY_CASES = [
    ((2, 2, 2), 60, 80),    # R3: 2 × 40 s -> 45 sets/h
    ((1, 1, 1), 20, 40),    # R3: 1 × 40 s -> 90/h
    ((3, 3, 3), 100, 120),  # R3: 3 × 40 s -> 30/h
    ((1, 2, 3), 50, 120),   # mixed: R3 3 × 40 = 120 s beats R2 2 × 35 = 70 s -> 30/h
    ((3, 1, 2), 60, 90),    # mixed: R1 3 × 30 = 90 s beats R3 2 × 40 = 80 s -> 40/h
]


@pytest.mark.parametrize("quantities, ct_asm, period", ASSEMBLY_CASES)
@both_engines
def test_assembly_rate_is_the_slowest_row_per_kit(quantities, ct_asm, period):
    """Rows with unlimited supply feed the assembly station; each row i can supply
    1/(q_i·c_i) kits per second, and the assembly station (and E after it) are faster than the
    slowest of these, so once the rows' buffers (3 places, at least one kit) decouple them the
    plant makes exactly one set per max_i q_i·c_i seconds — e.g. rows 30/35/40 s with 2+2+2 make
    3600/80 = 45 sets/h. The regime is periodic, and the 1-day window (after 1 h of warm-up)
    holds a whole number of periods: the output is exact. The critical row never waits (working
    share 1) and A works ct_A per period. The capacity ceiling is the same min over rows."""
    sc = assembly_line(quantities, ct_asm, 3)
    r = run_replication(sc, 0)
    assert_conserved(r)
    assert r.output == DAY / period
    assert r.throughput_per_h == pytest.approx(3600.0 / period, abs=1e-9)
    critical = max(range(3), key=lambda i: quantities[i] * ROWS[i][1])
    assert r.stations[critical].shares["working"] == pytest.approx(1.0, abs=1e-9)
    assert r.stations[3].shares["working"] == pytest.approx(ct_asm / period, abs=1e-9)
    assert r.totals["consumed"] == sum(quantities) * r.totals["assembled"]
    cap = capacity_check(sc)
    assert cap.ceiling_per_h == pytest.approx(3600.0 / period, rel=1e-9)
    assert cap.limiting_station == ROWS[critical][0]


@pytest.mark.parametrize("quantities, ct_asm, _period", ASSEMBLY_CASES)
def test_assembly_without_row_buffers_blocks_the_rows(quantities, ct_asm, _period):
    """With buffer_after 0 nothing waits between a row and A, but A, while collecting a kit,
    accepts the kit's parts from every input as they come (it has q_i places per input, as an
    assembly station that holds its kit; blocking after service otherwise): while A works,
    a row finishes at most one part and is then blocked until A's unit leaves. When A
    finishes, every row puts its held part (the first of the next kit) and starts the next one,
    so row i completes the kit (q_i − 1)·c_i later, or q_i·c_i after A started if its part in
    process outlasted A's cycle. The period is therefore
        P = max_i [max(ct_A, c_i) + (q_i − 1)·c_i]
    (2+2+2 with A at 60 s: 60 + 40 = 100 s, 36 sets/h instead of 45). Output within one unit of
    window / P (the window is not always a whole number of periods); the ceiling, which ignores
    blocking, stays at min_i 1/(q_i·c_i): the window's output is within it (up to one unit cut
    by the window's edges)."""
    sc = assembly_line(quantities, ct_asm, 0)
    r = run_replication(sc, 0)
    assert_conserved(r)
    period = max(max(ct_asm, c) + (q - 1) * c for (_, c), q in zip(ROWS, quantities))
    assert abs(r.output - DAY / period) <= 1.0, (r.output, DAY / period)
    assert r.output <= capacity_check(sc).ceiling_per_h * r.scheduled_s / 3600 + 1


def assembly_chain(r1: float, r2: float, alpha: float) -> dict[tuple, float]:
    """Stationary distribution of two exponential rows (rates r1, r2, unlimited supply,
    buffer_after 0) feeding an exponential assembly station (rate α) with the kit 1 + 1.

    States: ("collect", D, K) — the station collects its kit and already holds the parts of
    the rows in D; a row in D that finishes another part is blocked (K ⊆ D); ("busy", K) — the
    station works, the rows in K are blocked holding a finished part. A row not in D finishes
    into the kit; the kit complete, the station starts. When it finishes, the blocked rows'
    parts go straight into the next kit (those rows restart). Solved as a CTMC.
    """
    rates = (r1, r2)
    states = [("collect", frozenset(), frozenset())]
    for i in (0, 1):
        states += [("collect", frozenset({i}), frozenset()),
                   ("collect", frozenset({i}), frozenset({i}))]
    states += [("busy", frozenset(), frozenset(k)) for k in ((), (0,), (1,), (0, 1))]
    index = {s: j for j, s in enumerate(states)}
    q = np.zeros((len(states), len(states)))
    for s in states:
        kind, held, blocked = s
        for i in (0, 1):
            if i in blocked:
                continue
            if kind == "busy" or i in held:
                t = (kind, held, blocked | {i})
            elif len(held | {i}) == 2:
                t = ("busy", frozenset(), blocked)
            else:
                t = ("collect", held | {i}, blocked)
            q[index[s], index[t]] += rates[i]
        if kind == "busy":
            t = ("busy", frozenset(), frozenset()) if len(blocked) == 2 else (
                "collect", blocked, frozenset())
            q[index[s], index[t]] += alpha
    np.fill_diagonal(q, -q.sum(axis=1))
    a = np.vstack([q.T, np.ones(len(states))])
    b = np.zeros(len(states) + 1)
    b[-1] = 1.0
    pi = np.linalg.lstsq(a, b, rcond=None)[0]
    return {s: float(p) for s, p in zip(states, pi)}


@both_engines
def test_assembly_with_exponential_times_against_its_chain():
    """R1 (exponential 50 s), R2 (exponential 40 s), unlimited supply, buffer_after 0, feed the
    assembly station A (exponential 45 s, kit 1 + 1), which collects its kit from both rows at
    once. The exact CTMC (``assembly_chain``) gives A's working share P(busy), the throughput
    α·P(busy) = 45.9/h and each row's blocked share. Means over 10 one-day replications within
    4 SE; the capacity ceiling min(72, 90, 80) = 72/h is above them."""
    pi = assembly_chain(1 / 50, 1 / 40, 1 / 45)
    busy = sum(p for s, p in pi.items() if s[0] == "busy")
    sc = build_scenario([
        {"name": "R1", "cycle_time": exp(50), "inputs": []},
        {"name": "R2", "cycle_time": exp(40), "inputs": []},
        {"name": "A", "cycle_time": exp(45), "inputs": ["R1", "R2"],
         "assembly": {"R1": 1, "R2": 1}},
    ], name="assembly-exp", warmup="1 h", horizon="1 d", replications=10)
    runs = replicate(sc)
    assert_all_conserved(runs)
    assert_within_se([r.throughput_per_h for r in runs], 3600 / 45 * busy, what="throughput")
    assert_within_se([r.stations[2].shares["working"] for r in runs], busy, what="A working")
    for i in (0, 1):
        blocked = sum(p for s, p in pi.items() if i in s[2])
        assert_within_se([r.stations[i].shares["blocked"] for r in runs], blocked,
                         what=f"R{i + 1} blocked")
    assert capacity_check(sc).ceiling_per_h == pytest.approx(72.0, rel=1e-9)


# -- rework -----------------------------------------------------------------------------
def rework_line(p, **run):
    """A (30 s, unlimited supply, 2 places after) → B (40 s, the bottleneck; a fraction p goes
    back to A) → C (20 s)."""
    return build_scenario([
        {"name": "A", "cycle_time": 30, "buffer_after": 2},
        {"name": "B", "cycle_time": 40, "rework": {"to": "A", "fraction": p}},
        {"name": "C", "cycle_time": 20},
    ], name="rework", **{"warmup": "1 h", "horizon": "1 d", "replications": 10, **run})


@pytest.mark.parametrize("p", [0.1, 0.3])
@both_engines
def test_rework_throughput_is_bottleneck_rate_times_yield(p):
    """B (40 s) is the bottleneck and never waits: A (30 s) takes reworked parts first and
    still has capacity for new ones, since every part B processes passed A just before it
    (A's load = B's rate, 90/h < 120/h). B sends a fraction p back, so the good output is
    (1 − p)/c_B: B's work per good part is c_B/(1 − p). The rework draws are random, so: the
    mean over 10 one-day replications is within 4 SE of (1 − p)·90/h and more than 4 SE away
    from 90/h (rework ignored); in the window after the warm-up B works all the time. The
    capacity ceiling is exactly (1 − p)·90/h, limited by B, and the simulated mean does not
    exceed it by more than 4 SE."""
    sc = rework_line(p)
    runs = replicate(sc)
    assert_all_conserved(runs)
    theory = (1 - p) * 90.0
    mean, se = assert_within_se([r.throughput_per_h for r in runs], theory, what=f"p={p}")
    assert abs(mean - 90.0) > K_SE * se
    for r in runs:
        assert r.stations[1].shares["working"] == pytest.approx(1.0, abs=1e-9)
        assert r.stations[1].shares["blocked"] == 0.0
        lane = [b for b in r.buffers if b.kind == "rework"]
        assert [(b.after, b.before, b.capacity) for b in lane] == [("B", "A", "unlimited")]
    cap = capacity_check(sc)
    assert cap.ceiling_per_h == pytest.approx(theory, rel=1e-9)
    assert cap.limiting_station == "B"
    assert mean <= cap.ceiling_per_h + K_SE * se


# -- Poisson arrivals into a tandem (Jackson) ---------------------------------------------
def jackson_line(interarrival, mean1, mean2, **run):
    return build_scenario([
        {"name": "Q1", "cycle_time": exp(mean1), "inputs": [], "buffer_after": "unlimited",
         "arrivals": {"interarrival": exp(interarrival)}},
        {"name": "Q2", "cycle_time": exp(mean2), "inputs": ["Q1"]},
    ], name="jackson", **{"warmup": "6 h", "horizon": "5 d", "replications": 10, **run})


def test_jackson_tandem_of_two_exponential_stations():
    """Poisson arrivals (mean 60 s, λ = 1/60 s) into two exponential stations (42 s, 36 s:
    ρ = 0.7 and 0.6) with unlimited queue and buffer: by Jackson's theorem each station is an
    independent M/M/1 queue, so the mean number in the system is L = Σ ρ_i/(1 − ρ_i) = 3.833,
    the mean sojourn W = L/λ = 230 s (Little), the throughput λ = 60/h, and the mean numbers
    waiting (input queue of Q1, buffer before Q2) are ρ_i²/(1 − ρ_i) = 1.633 and 0.9. Each mean
    over 10 replications of 5 days (6 h warm-up, some 100 relaxation times) is within 4 SE. The
    ceiling is the arrival rate, 60/h."""
    lam, rho = 1 / 60, (42 / 60, 36 / 60)
    sc = jackson_line(60, 42, 36)
    runs = replicate(sc)
    assert_all_conserved(runs)
    L = sum(r / (1 - r) for r in rho)
    assert_within_se([r.wip_mean for r in runs], L, what="L")
    assert_within_se([r.sojourn_mean_s for r in runs], L / lam, what="W")
    assert_within_se([r.throughput_per_h for r in runs], 3600 * lam, what="throughput")
    assert_within_se([r.buffers[0].mean_level for r in runs], rho[0] ** 2 / (1 - rho[0]),
                     what="queue before Q1")
    assert_within_se([r.buffers[1].mean_level for r in runs], rho[1] ** 2 / (1 - rho[1]),
                     what="buffer before Q2")
    assert [(b.after, b.before, b.kind, b.capacity) for b in runs[0].buffers] == [
        (None, "Q1", "queue", "unlimited"), ("Q1", "Q2", "buffer", "unlimited")]
    assert all(r.lost == 0 and r.stations[0].shares["blocked"] == 0.0 for r in runs)
    cap = capacity_check(sc)
    assert cap.ceiling_per_h == pytest.approx(60.0, rel=1e-9)


@both_engines
def test_jackson_network_with_split_merge_and_rework():
    """A Jackson network using every kind of edge: Poisson arrivals (λ = 1/60 s) at S
    (exponential 30 s), split by fractions 0.3/0.7 to P1 (120 s) and P2 (50 s), merged at M
    (30 s), which sends 20 % back to S through the rework lane; queues and buffers unlimited.
    Traffic equations: S and M see λ/(1 − p) = 1/48 s, P1 0.3 and P2 0.7 of it, so ρ = 0.625,
    0.75, 0.729, 0.625. Product form holds: every service is exponential at a single server
    and the next station is drawn independently of the part, so the numbers at each station
    follow the FCFS chain whatever order the station takes its parts in (S takes reworked
    parts first, M alternates between its inputs). So L = Σ ρ/(1 − ρ) = 9.03, W = L/λ = 542 s
    (a reworked part keeps its entry time), throughput λ, and the parts waiting in front of
    each station (S: queue + rework lane; M: both input buffers) ρ²/(1 − ρ). Means over 10
    replications of 4 days (12 h warm-up) within 4 SE."""
    lam = 1 / 60
    sc = Scenario.model_validate({"name": "jackson-net", "stations": [
        {"name": "S", "cycle_time": exp(30), "inputs": [], "buffer_after": "unlimited",
         "arrivals": {"interarrival": exp(60)}, "routing": {"P1": 0.3, "P2": 0.7}},
        {"name": "P1", "cycle_time": exp(120), "inputs": ["S"], "buffer_after": "unlimited"},
        {"name": "P2", "cycle_time": exp(50), "inputs": ["S"], "buffer_after": "unlimited"},
        {"name": "M", "cycle_time": exp(30), "inputs": ["P1", "P2"],
         "rework": {"to": "S", "fraction": 0.2}},
    ], "run": {"warmup": "12 h", "horizon": "4 d", "replications": 10, "seed": 20240601}})
    lam_s = lam / (1 - 0.2)
    rho = {"S": 30 * lam_s, "P1": 120 * 0.3 * lam_s, "P2": 50 * 0.7 * lam_s, "M": 30 * lam_s}
    runs = replicate(sc)
    assert_all_conserved(runs)
    L = sum(r / (1 - r) for r in rho.values())
    assert_within_se([r.wip_mean for r in runs], L, what="L")
    assert_within_se([r.sojourn_mean_s for r in runs], L / lam, what="W")
    assert_within_se([r.throughput_per_h for r in runs], 3600 * lam, what="throughput")
    for name, r_ in rho.items():
        waiting = [sum(b.mean_level for b in r.buffers if b.before == name) for r in runs]
        assert_within_se(waiting, r_**2 / (1 - r_), what=f"waiting before {name}")
    assert capacity_check(sc).ceiling_per_h == pytest.approx(60.0, rel=1e-9)


def test_arrivals_advance_on_scheduled_time():
    """On a shift calendar (2 × 8 h with 30 min breaks, 5 days a week) arrivals, like
    processing, advance on scheduled time only, so in scheduled time the plant is the same
    Jackson tandem: the throughput per scheduled hour is λ = 60/h and the time-average WIP is
    L = 3.833 (off shift the state is frozen at a sample of the stationary process). Both means
    over 10 replications of one calendar week are within 4 SE; the throughput is more than
    4 SE from what arrivals on calendar time would give: λ × 168/75 calendar hours per
    scheduled hour = 134/h, capped by Q1's 85.7/h."""
    shifts = {"shifts_per_day": 2, "shift_length": "8 h", "breaks_per_shift": "30 min",
              "days_per_week": 5}
    base = jackson_line(60, 42, 36, horizon="7 d")
    sc = Scenario.model_validate({**base.resolved(), "calendar": shifts})
    runs = replicate(sc)
    assert_all_conserved(runs)
    mean, se = assert_within_se([r.throughput_per_h for r in runs], 60.0, what="throughput")
    calendar_based = min(60.0 * (7 * 24) / (5 * 2 * 7.5), 3600 / 42)
    assert abs(mean - calendar_based) > K_SE * se
    L = sum(r / (1 - r) for r in (42 / 60, 36 / 60))
    assert_within_se([r.wip_mean for r in runs], L, what="L")


# -- a finite input queue: lose or block ------------------------------------------------
def finite_queue(queue, when_full, **run):
    """Poisson arrivals (mean 60 s) into one exponential station (mean 45 s, ρ = 0.75) with
    an input queue of ``queue`` places."""
    return build_scenario([
        {"name": "M", "cycle_time": exp(45), "inputs": [],
         "arrivals": {"interarrival": exp(60), "queue": queue, "when_full": when_full}},
    ], name="mm1k", **{"warmup": "2 h", "horizon": "2 d", "replications": 10, **run})


def mm1k(rho: float, k: int) -> list[float]:
    """Stationary distribution of M/M/1/K: P(n) ∝ ρ^n, n = 0..K."""
    w = [rho**n for n in range(k + 1)]
    return [x / sum(w) for x in w]


@pytest.mark.parametrize("queue", [0, 3])
@both_engines
def test_lost_arrivals_follow_mm1k(queue):
    """when_full: lose makes M/M/1/K with K = queue + 1 (the queue's places plus the one in
    service). By PASTA the fraction of arrivals turned away is
    P(K) = ρ^K(1 − ρ)/(1 − ρ^(K+1)), the throughput λ(1 − P(K)), the mean number in the system
    Σ n·P(n) and the mean sojourn of admitted parts L/(λ(1 − P(K))). Each mean over 10
    replications of 2 days is within 4 SE;
    the lost fraction is more than 4 SE from P(K) of the neighbouring K ± 1 (an off-by-one in
    the queue's places). The ceiling is the arrival rate, never beaten."""
    lam, rho, k = 1 / 60, 45 / 60, queue + 1
    p = mm1k(rho, k)
    sc = finite_queue(queue, "lose")
    runs = replicate(sc)
    assert_all_conserved(runs)
    lost = [r.lost / (r.lost + r.entered) for r in runs]
    mean, se = assert_within_se(lost, p[k], what="loss probability")
    for other in (k - 1, k + 1):
        if other >= 1:
            assert abs(mean - mm1k(rho, other)[other]) > K_SE * se, other
    assert_within_se([r.throughput_per_h for r in runs], 3600 * lam * (1 - p[k]), what="throughput")
    L = sum(n * pn for n, pn in enumerate(p))
    assert_within_se([r.wip_mean for r in runs], L, what="L")
    assert_within_se([r.sojourn_mean_s for r in runs], L / (lam * (1 - p[k])), what="W")
    for r in runs:
        assert r.totals["lost"] >= r.lost > 0
        assert 0 <= r.buffers[0].max_level <= queue
    assert capacity_check(sc).ceiling_per_h == pytest.approx(60.0, rel=1e-9)


@pytest.mark.parametrize("queue", [0, 3])
@both_engines
def test_blocked_arrivals_make_a_two_machine_line(queue):
    """when_full: block pauses the arrival clock until a place frees, and the next
    interarrival time starts only then: the arrival stream is a machine with exponential
    'processing' (mean 60 s) that is never starved and is blocked after service, followed by
    ``queue`` waiting places and the station (45 s). That is the two-machine line of REF-D with
    B = queue, whose birth–death chain (K = B + 2: the blocked arrival is the extra part) gives
    the throughput. The mean over 10 replications of 2 days is within 4 SE of it, and more than
    4 SE from the M/M/1/K loss system with the same queue (arrivals turned away instead). No
    arrival is lost."""
    sc = finite_queue(queue, "block")
    runs = replicate(sc)
    assert_all_conserved(runs)
    theory = two_machine_throughput_per_h(60, 45, queue)
    mean, se = assert_within_se([r.throughput_per_h for r in runs], theory, what="block")
    lose = 3600 / 60 * (1 - mm1k(45 / 60, queue + 1)[queue + 1])
    assert abs(mean - lose) > K_SE * se
    for r in runs:
        assert r.lost == 0 and r.totals["lost"] == 0
        assert 0 <= r.buffers[0].max_level <= queue


# -- routing --------------------------------------------------------------------------------
def routed_line(p1_cycle, **run):
    """S (20 s, unlimited supply, 5 places per edge) routes 30 % to P1 and 70 % to P2
    (25 s); both feed the merge station M (10 s)."""
    return build_scenario([
        {"name": "S", "cycle_time": 20, "inputs": [], "buffer_after": 5,
         "routing": {"P1": 0.3, "P2": 0.7}},
        {"name": "P1", "cycle_time": p1_cycle, "inputs": ["S"], "buffer_after": 2},
        {"name": "P2", "cycle_time": 25, "inputs": ["S"], "buffer_after": 2},
        {"name": "M", "cycle_time": 10, "inputs": ["P1", "P2"]},
    ], name="routing", **{"warmup": "1 h", "horizon": "1 d", "replications": 10, **run})


def p1_share(sc, r: RunResult) -> float:
    """Share of the routed parts that went through P1: parts processed = working seconds /
    cycle time (deterministic, up to one part cut by each window edge)."""
    n = [r.stations[i].shares["working"] * r.observed_s / sc.stations[i].cycle_time.mean_s()
         for i in (1, 2)]
    return n[0] / (n[0] + n[1])


def test_routing_fractions_split_the_parts():
    """Each part leaving S goes to P1 with probability 0.3, drawn independently of the state,
    so the parts through P1 are a binomial 30 % of the routed ones whatever the blocking. P1
    (50 s, 72/h for a load of 54/h) and P2 (25 s, 144/h for 126/h) are never the bottleneck. The
    share through P1, from the deterministic stations' working time, is within 4 SE of 0.3
    over 10 one-day replications, and more than 4 SE from an even split. The ceiling is S's
    rate (180/h); the simulated mean does not exceed it by more than 4 SE."""
    sc = routed_line(50)
    runs = replicate(sc)
    assert_all_conserved(runs)
    mean, se = assert_within_se([p1_share(sc, r) for r in runs], 0.3, what="P1 share")
    assert abs(mean - 0.5) > K_SE * se
    cap = capacity_check(sc)
    assert cap.ceiling_per_h == pytest.approx(180.0, rel=1e-9)
    assert cap.limiting_station == "S"
    mean, se = mean_se([r.throughput_per_h for r in runs])
    assert mean <= cap.ceiling_per_h + K_SE * se


def test_routing_fraction_to_a_slow_branch_limits_the_plant():
    """With P1 at 100 s (36/h) and 30 % of the parts sent to it, the plant cannot make more
    than 36/0.3 = 120/h: the ceiling is exactly that, limited by P1. S offers P1 54/h, so P1's
    5 input places stay full and P1 works all the time (share ≥ 0.99); S waits whenever its
    part is meant for a full P1, and the plant makes P1's 36/h divided by the share sent to
    P1. So the ceiling is reached: the mean throughput over 10 one-day replications is within
    4 SE of 120/h (a single replication may exceed it, when fewer than 30 % of its parts
    happened to go to P1), and the split is still 30 %."""
    sc = routed_line(100)
    cap = capacity_check(sc)
    assert cap.ceiling_per_h == pytest.approx(120.0, rel=1e-9)
    assert cap.limiting_station == "P1"
    runs = replicate(sc)
    assert_all_conserved(runs)
    assert all(r.stations[1].shares["working"] >= 0.99 for r in runs)
    assert_within_se([r.throughput_per_h for r in runs], 120.0, what="throughput")
    assert_within_se([p1_share(sc, r) for r in runs], 0.3, what="P1 share")


def test_first_free_reaches_both_parallel_stations():
    """S (20 s) hands each part to the first of P1, P2 (identical, 60 s, no buffers) with a
    free place: both are kept busy, so the pair makes 2/c = 120/h, merged by M (10 s). The
    regime is periodic (60 s, two units) and the 1-day window holds exactly 2880 units; P1 and
    P2 work all the time; the ceiling (first_free splits are free in the programme) is 120/h."""
    sc = build_scenario([
        {"name": "S", "cycle_time": 20, "inputs": [], "routing": "first_free"},
        {"name": "P1", "cycle_time": 60, "inputs": ["S"]},
        {"name": "P2", "cycle_time": 60, "inputs": ["S"]},
        {"name": "M", "cycle_time": 10, "inputs": ["P1", "P2"]},
    ], name="first-free", warmup="1 h", horizon="1 d")
    r = run_replication(sc, 0)
    assert_conserved(r)
    assert r.output == 2880
    assert r.throughput_per_h == pytest.approx(120.0, abs=1e-9)
    for i in (1, 2):
        assert r.stations[i].shares["working"] == pytest.approx(1.0, abs=1e-9)
    assert capacity_check(sc).ceiling_per_h == pytest.approx(120.0, rel=1e-9)


def test_first_free_prefers_the_first_free_successor():
    """first_free with spare capacity: S (60 s) feeds P1 and P2 (30 s each). P1 is always free
    when S's part is ready, so it gets every part and P2 none: P1 works 30/60 = 1/2 of the
    time, P2 never; the output is S's rate, 60/h, exactly."""
    sc = Scenario.model_validate({
        "name": "first-free-spare", "outputs": ["P1", "P2"],
        "stations": [
            {"name": "S", "cycle_time": 60, "inputs": [], "routing": "first_free"},
            {"name": "P1", "cycle_time": 30, "inputs": ["S"]},
            {"name": "P2", "cycle_time": 30, "inputs": ["S"]},
        ],
        "run": {"warmup": "1 h", "horizon": "1 d", "replications": 1, "seed": 20240601}})
    r = run_replication(sc, 0)
    assert_conserved(r)
    assert r.output == 1440
    assert r.stations[1].shares["working"] == pytest.approx(0.5, abs=1e-9)
    assert r.stations[2].shares["working"] == 0.0


def birth_death(up, down) -> list[float]:
    """Stationary distribution of a birth–death chain on 0..len(up) with rates n → n+1 =
    up[n], n+1 → n = down[n]: P(n+1)/P(n) = up[n]/down[n]."""
    w = [1.0]
    for u, d in zip(up, down):
        w.append(w[-1] * u / d)
    return [x / sum(w) for x in w]


@both_engines
def test_first_free_with_exponential_times_against_its_chain():
    """S (exponential 30 s, unlimited supply) hands each part to whichever of P1, P2
    (exponential 50 s each, both deliver, no buffers) is free, and is blocked when both are
    busy. The state — busy P's, and S blocked — is a birth–death chain on 0, 1, 2, 2B: up at
    rate a = 1/30 s (S finishes), down at b, 2b, 2b (a P finishes; from 2B S's part moves in at
    once and S restarts). So the throughput is b·E[busy] = 93.36/h, S's blocked share is
    P(2B) = 0.222 and the WIP is S's part plus the busy P's. Means over 10 one-day
    replications within 4 SE."""
    a, b = 1 / 30, 1 / 50
    p = birth_death([a, a, a], [b, 2 * b, 2 * b])
    sc = Scenario.model_validate({"name": "first-free-exp", "outputs": ["P1", "P2"], "stations": [
        {"name": "S", "cycle_time": exp(30), "inputs": [], "routing": "first_free"},
        {"name": "P1", "cycle_time": exp(50), "inputs": ["S"]},
        {"name": "P2", "cycle_time": exp(50), "inputs": ["S"]},
    ], "run": {"warmup": "1 h", "horizon": "1 d", "replications": 10, "seed": 20240601}})
    runs = replicate(sc)
    assert_all_conserved(runs)
    busy = p[1] + 2 * p[2] + 2 * p[3]
    assert_within_se([r.throughput_per_h for r in runs], 3600 * b * busy, what="throughput")
    assert_within_se([r.stations[0].shares["blocked"] for r in runs], p[3], what="S blocked")
    assert_within_se([r.wip_mean for r in runs], 1 + busy, what="WIP")


@both_engines
def test_merge_with_exponential_times_and_buffer_0_against_its_chain():
    """U1, U2 (exponential 60 s, unlimited supply, buffer_after 0) feed M (exponential 40 s).
    With no waiting places a finished part goes straight onto an idle M, or its source is
    blocked until M takes it. States: M idle; M busy with 0, 1 or 2 sources blocked — a
    birth–death chain, up at 2a, 2a, a (a = 1/60 s: a working source finishes), down at c =
    1/40 s each (M finishes: it takes a blocked part if there is one). Throughput
    c·(1 − P(idle)) = 73.0/h; M's working share 1 − P(idle); each source always holds one part
    (in process or blocked), so WIP = 2 + [M busy]; a source's blocked share is
    P(1 blocked)/2 + P(2 blocked). Means over 10 one-day replications within 4 SE."""
    a, c = 1 / 60, 1 / 40
    p = birth_death([2 * a, 2 * a, a], [c, c, c])
    sc = build_scenario([
        {"name": "U1", "cycle_time": exp(60), "inputs": []},
        {"name": "U2", "cycle_time": exp(60), "inputs": []},
        {"name": "M", "cycle_time": exp(40), "inputs": ["U1", "U2"]},
    ], name="merge-exp", warmup="1 h", horizon="1 d", replications=10)
    runs = replicate(sc)
    assert_all_conserved(runs)
    assert_within_se([r.throughput_per_h for r in runs], 3600 * c * (1 - p[0]), what="throughput")
    assert_within_se([r.stations[2].shares["working"] for r in runs], 1 - p[0], what="M working")
    assert_within_se([r.wip_mean for r in runs], 3 - p[0], what="WIP")
    blocked = [(r.stations[0].shares["blocked"] + r.stations[1].shares["blocked"]) / 2
               for r in runs]
    assert_within_se(blocked, p[2] / 2 + p[3], what="source blocked")
    for r in runs:
        assert all(b.max_level == 0 for b in r.buffers)


# -- merge ------------------------------------------------------------------------------------
def test_merge_of_two_lines_adds_their_rates():
    """Two deterministic lines, A1 (30 s) → B1 (40 s) and A2 (50 s) → B2 (45 s), each with
    2 places after its last station, merge into M (15 s, 240/h). M is fast enough never to hold
    a line back, so the output is 90 + 72 = 162/h: over the 200-s period (lcm of 40 s and 50 s)
    5 + 4 units, and the 1-day window holds exactly 432 periods = 3888 units. The lines'
    slowest stations B1 and A2 never wait; the ceiling is the same sum."""
    sc = build_scenario([
        {"name": "A1", "cycle_time": 30, "inputs": [], "buffer_after": 1},
        {"name": "B1", "cycle_time": 40, "inputs": ["A1"], "buffer_after": 2},
        {"name": "A2", "cycle_time": 50, "inputs": [], "buffer_after": 1},
        {"name": "B2", "cycle_time": 45, "inputs": ["A2"], "buffer_after": 2},
        {"name": "M", "cycle_time": 15, "inputs": ["B1", "B2"]},
    ], name="merge", warmup="1 h", horizon="1 d")
    r = run_replication(sc, 0)
    assert_conserved(r)
    assert r.output == 3888
    assert r.throughput_per_h == pytest.approx(162.0, abs=1e-9)
    assert r.stations[1].shares["working"] == pytest.approx(1.0, abs=1e-9)
    assert r.stations[2].shares["working"] == pytest.approx(1.0, abs=1e-9)
    assert r.stations[4].shares["working"] == pytest.approx(162 * 15 / 3600, abs=1e-9)
    assert capacity_check(sc).ceiling_per_h == pytest.approx(162.0, rel=1e-9)


def test_merge_with_buffer_0_blocks_the_other_inputs():
    """Blocking after service at a merge: U1 and U2 (10 s, unlimited supply, buffer_after 0)
    feed M (60 s). With no waiting places, a part finished on U1 or U2 may move only onto a
    free server of M; while M works, both are blocked holding their finished part. Once full
    the plant therefore holds exactly 3 parts (one on M, one held by each source): WIP 3, the
    buffers (capacity 0) never hold a part, and M makes 60/h."""
    sc = build_scenario([
        {"name": "U1", "cycle_time": 10, "inputs": []},
        {"name": "U2", "cycle_time": 10, "inputs": []},
        {"name": "M", "cycle_time": 60, "inputs": ["U1", "U2"]},
    ], name="merge-0", warmup="1 h", horizon="1 d")
    r = run_replication(sc, 0)
    assert_conserved(r)
    assert r.output == 1440
    for b in r.buffers:
        assert b.mean_level <= b.max_level <= b.capacity == 0, b
    assert r.wip_mean == pytest.approx(3.0, abs=1e-9)


# -- conservation on a shift calendar, every kind of network at once ---------------------------
@pytest.mark.parametrize("case", ["assembly", "rework", "jackson", "lose", "block", "routing",
                                  "slow-branch"])
@both_engines
def test_conservation_on_a_shift_calendar(case):
    """The same networks on a two-shift calendar with breaks (parts stay where they are off
    shift, arrivals and processing advance on scheduled time): parts are still conserved and
    the mean throughput per scheduled hour does not exceed the capacity ceiling by more than
    4 SE (0 for the deterministic networks, whose replications are identical) plus one unit
    per window (a unit whose parts entered before the window)."""
    shifts = {"shifts_per_day": 2, "shift_length": "8 h", "breaks_per_shift": "30 min",
              "days_per_week": 5}
    run = {"warmup": "4 h", "horizon": "3 d", "replications": 3}
    base = {
        "assembly": lambda: assembly_line((1, 2, 3), 50, 1, **run),
        "rework": lambda: rework_line(0.2, **run),
        "jackson": lambda: jackson_line(60, 42, 36, **run),
        "lose": lambda: finite_queue(2, "lose", **run),
        "block": lambda: finite_queue(2, "block", **run),
        "routing": lambda: routed_line(50, **run),
        "slow-branch": lambda: routed_line(100, **run),
    }[case]()
    sc = Scenario.model_validate({**base.resolved(), "calendar": shifts})
    runs = replicate(sc)
    assert_all_conserved(runs)
    ceiling = capacity_check(sc).ceiling_per_h
    values = [r.throughput_per_h for r in runs]
    mean, se = mean_se(values)
    one_unit = 3600 / min(r.scheduled_s for r in runs)  # a unit cut by the window's edges
    assert mean <= ceiling + K_SE * se + one_unit
    for r in runs:
        assert 0.0 < r.scheduled_s < r.observed_s
