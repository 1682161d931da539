"""Reference lines against theory.

REF-A: five constant stations, exact arithmetic. REF-D and friends: two exponential machines
with a finite buffer and blocking after service, against the closed form of their birth–death
chain (derived in ``two_machine_throughput_per_h``). Tolerances: k = 4 standard errors of the
mean over independent replications (see ``conftest``).
"""

from __future__ import annotations

import pytest

from linesim.capacity import capacity_check
from linesim.simulate import run_replication

from .conftest import K_SE, assert_within_se, both_engines, build_scenario, exp, replicate

REF_A_CYCLES = (38, 40, 36, 39, 37)


def ref_a(buffer_after: int, **run):
    return build_scenario(
        [{"name": f"S{i + 1}", "cycle_time": ct,
          "buffer_after": buffer_after if i < len(REF_A_CYCLES) - 1 else 0}
         for i, ct in enumerate(REF_A_CYCLES)],
        name="ref-a", **{"warmup": "1 h", "horizon": "1 d", **run})


@pytest.mark.parametrize("buffer_after", [2, 0])
@both_engines
def test_ref_a_exactly_90_per_hour(buffer_after):
    """REF-A (38/40/36/39/37 s, constant, continuous): once the line is full every station
    passes one part per 40 s, the cycle of the slowest station S2 — with buffers of 2 or with
    none, since no station is ever slower than 40 s. After a 1 h warm-up the output is periodic
    with period 40 s, so a 1-day window (2160 periods) holds exactly 2160 parts: 90.0 parts per
    hour, and each station works exactly its cycle time in every period (share ct/40).
    S2 never waits, so it is the active-period bottleneck all the time: share 1."""
    r = run_replication(ref_a(buffer_after), 0)
    assert r.output == 2160
    assert r.throughput_per_h == pytest.approx(90.0, abs=1e-9)
    assert r.annual_output == pytest.approx(90.0 * 8760, abs=1e-6)
    assert r.bottleneck == "S2"
    assert r.stations[1].bottleneck_share == pytest.approx(1.0, abs=1e-9)
    for ct, st in zip(REF_A_CYCLES, r.stations):
        assert st.shares["working"] == pytest.approx(ct / 40, abs=1e-9), st.name
    assert r.stations[1].shares["starved"] == 0.0 and r.stations[1].shares["blocked"] == 0.0
    assert capacity_check(ref_a(buffer_after)).limiting_station == "S2"


def two_machine_throughput_per_h(mean1: float, mean2: float, buffer: int) -> float:
    """Throughput of two exponential machines (means ``mean1``, ``mean2`` seconds) with
    ``buffer`` waiting places between them, blocking after service, machine 1 never starved.

    State: n = parts finished by machine 1 and not yet finished by machine 2 — those waiting in
    the buffer, the one in machine 2, and the one machine 1 holds while blocked. n = 0..K with
    K = B + 2; at n = K machine 1 is blocked (buffer full, machine 2 busy, machine 1 holding
    a finished part), at n = 0 machine 2 is starved. Machine 1 works whenever n < K and
    machine 2 whenever n > 0, so by memorylessness n is a birth–death chain:
        n → n+1 at rate μ1 (n < K),   n → n−1 at rate μ2 (n > 0)
    (when machine 2 finishes at n = K, machine 1's part moves on and machine 1 starts a new
    part whose remaining time is again exponential(μ1)). Balance μ1·P(n) = μ2·P(n+1) gives
    P(n) = P(0)·ρ^n with ρ = μ1/μ2, so P(0) = (1 − ρ)/(1 − ρ^(K+1)) (= 1/(K+1) if ρ = 1), and
    throughput = μ2·(1 − P(0)) = μ1·(1 − P(K)).
    """
    mu1, mu2 = 1.0 / mean1, 1.0 / mean2
    k = buffer + 2
    rho = mu1 / mu2
    weights = [rho**n for n in range(k + 1)]
    p = [w / sum(weights) for w in weights]
    th_out = mu2 * (1.0 - p[0])
    th_in = mu1 * (1.0 - p[k])
    assert th_out == pytest.approx(th_in, rel=1e-12)  # flow balance: what enters leaves
    return th_out * 3600.0


def test_closed_form_ref_d_value():
    """The closed form at REF-D (means 40 s and 36 s, B = 2): ρ = 0.9, K = 4,
    P(0) = 0.1/(1 − 0.9^5) = 0.244194, throughput = 100·(1 − P(0)) = 75.58 per hour; with
    ρ = 1 it is μ(1 − 1/(K+1)); a huge buffer tends to the slower machine's rate."""
    assert two_machine_throughput_per_h(40, 36, 2) == pytest.approx(75.5806, abs=1e-4)
    assert two_machine_throughput_per_h(40, 40, 2) == pytest.approx(90 * (1 - 1 / 5))
    assert two_machine_throughput_per_h(40, 36, 500) == pytest.approx(90.0, rel=1e-9)


def two_machine_line(mean1, mean2, buffer, **run):
    return build_scenario(
        [{"name": "M1", "cycle_time": exp(mean1), "buffer_after": buffer},
         {"name": "M2", "cycle_time": exp(mean2)}],
        name="ref-d", **{"warmup": "1 h", "horizon": "1 d", **run})


@both_engines
def test_ref_d_against_birth_death_chain():
    """REF-D (exponential 40 s then 36 s, buffer_after 2 on the first, blocking after service):
    the mean throughput over 20 replications of 1 day (1 h warm-up, ample for a chain that
    mixes within minutes) is within 4 standard errors of the closed form 75.58/h. The
    comparison has the power to see an off-by-one in the buffer: the closed forms for B = 1
    (70.92/h) and B = 3 (78.66/h) are both more than 4 SE away from the simulated mean."""
    theory = two_machine_throughput_per_h(40, 36, 2)
    values = [r.throughput_per_h for r in replicate(two_machine_line(40, 36, 2), 20)]
    mean, se = assert_within_se(values, theory, what="REF-D")
    for b in (1, 3):
        assert abs(mean - two_machine_throughput_per_h(40, 36, b)) > K_SE * se, b


@pytest.mark.parametrize("mean1, mean2, buffer", [
    (40, 36, 1),
    (40, 36, 5),
    (40, 40, 2),   # equal rates: ρ = 1, P(n) uniform
    (36, 40, 2),   # the slow machine second: same throughput as REF-D (reversibility)
])
@both_engines
def test_two_machine_lines_against_birth_death_chain(mean1, mean2, buffer):
    """Other two-machine exponential lines against the same closed form: the mean over 20
    replications of 1 day is within 4 standard errors of theory."""
    theory = two_machine_throughput_per_h(mean1, mean2, buffer)
    values = [r.throughput_per_h for r in replicate(two_machine_line(mean1, mean2, buffer), 20)]
    assert_within_se(values, theory, what=f"{mean1}/{mean2} B={buffer}")


@both_engines
def test_two_machine_buffer_zero_is_not_buffer_one():
    """The buffer-0 case is the one where 'places = B + servers' matters most: the simulated
    throughput for B = 0 matches the chain with K = 2 (63.10/h) and is more than 4 SE away from
    the K = 3 chain (70.92/h) that a model giving B = 0 a waiting place would follow."""
    values = [r.throughput_per_h for r in replicate(two_machine_line(40, 36, 0), 20)]
    mean, se = assert_within_se(values, two_machine_throughput_per_h(40, 36, 0), what="B=0")
    assert abs(mean - two_machine_throughput_per_h(40, 36, 1)) > K_SE * se


@pytest.mark.slow
@pytest.mark.parametrize("buffer", [0, 2, 5])
def test_two_machine_lines_high_precision(buffer):
    """High precision (40 replications of 20 days): the closed form holds within 4 SE, and
    the neighbouring buffer sizes B ± 1 are distinguished even for B = 5 (1.5 % apart)."""
    theory = two_machine_throughput_per_h(40, 36, buffer)
    sc = two_machine_line(40, 36, buffer, horizon="20 d")
    mean, se = assert_within_se([r.throughput_per_h for r in replicate(sc, 40)], theory,
                                what=f"B={buffer}")
    for b in (buffer - 1, buffer + 1):
        if b >= 0:
            assert abs(mean - two_machine_throughput_per_h(40, 36, b)) > K_SE * se, b


@both_engines
def test_two_machine_states_match_the_chain():
    """Beyond throughput, the chain gives the machines' states and the line's contents. For
    REF-D (ρ = 0.9, K = 4): M2 is starved with probability P(0) = 0.2442 and M1 blocked with
    P(4) = 0.9^4·P(0) = 0.1602; the buffer holds min(n − 1, 2)⁺ parts; the line holds n parts
    past M1 plus M1's part in process (when n < K; at n = K M1's held part is one of the n):
    WIP = n + 1 − [n = K]. Each mean over 20 replications is within 4 SE of theory."""
    rho, k = 36 / 40, 4
    p0 = (1 - rho) / (1 - rho ** (k + 1))
    p = [p0 * rho**n for n in range(k + 1)]
    runs = replicate(two_machine_line(40, 36, 2), 20)
    assert_within_se([r.stations[1].shares["starved"] for r in runs], p[0], what="M2 starved")
    assert_within_se([r.stations[0].shares["blocked"] for r in runs], p[k], what="M1 blocked")
    level = sum(max(0, min(n - 1, 2)) * p[n] for n in range(k + 1))
    assert_within_se([r.buffers[0].mean_level for r in runs], level, what="buffer level")
    wip = sum(n * p[n] for n in range(k + 1)) + 1 - p[k]
    assert_within_se([r.wip_mean for r in runs], wip, what="WIP")
