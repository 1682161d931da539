"""Failures against renewal theory: single machines and a starved machine, on both bases.

Notation: c cycle time, MTBF and MTTR means, A = MTBF/(MTBF + MTTR). Tolerances: 4 standard
errors over independent replications (see ``conftest``). Single machines run 20 replications of
3 days after a 1 h warm-up (~65 failures each), the two-station line 12 of 2 days: long enough
for the comparisons below to have power, short enough for the default run.
"""

from __future__ import annotations

import pytest

from linesim.simulate import run_replication

from .conftest import assert_within_se, both_engines, build_scenario, exp, replicate

C, MTBF, MTTR = 60.0, 3600.0, 360.0
A = MTBF / (MTBF + MTTR)
N = 20


def single_machine(basis: str, **failures):
    failures = failures or {"mtbf": exp(MTBF), "mttr": exp(MTTR)}
    return build_scenario([{"name": "M", "cycle_time": C,
                            "failures": {**failures, "basis": basis}}],
                          warmup="1 h", horizon="3 d")


@both_engines
def test_operating_basis_single_machine_throughput():
    """Operating basis: the failure clock runs only while the machine processes, so each part
    takes c plus the repairs of the failures that fall in its c seconds of work — Poisson with
    mean c/MTBF — i.e. c·(1 + MTTR/MTBF) = c/A on average. A lone machine is never starved or
    blocked, so throughput = A/c = 54.55 per hour; the mean over 20 replications is within
    4 SE. It is well away from the failure-free 60/h (the failures are really there)."""
    runs = replicate(single_machine("operating"), N)
    mean, se = assert_within_se([r.throughput_per_h for r in runs], 3600 * A / C,
                                what="throughput")
    assert mean + 4 * se < 60.0


def test_scheduled_basis_single_machine_down_share_and_throughput():
    """Scheduled basis: the failure clock runs on scheduled time whatever the machine does;
    up times are exponential(MTBF), each followed by a repair, so the machine alternates up
    and down and its long-run down share is MTTR/(MTBF + MTTR) = 1 − A exactly in expectation.
    A lone machine works whenever it is up, so throughput = A/c per second. Both means are
    within 4 SE over 20 replications; working + down = 1 (nothing else can happen to it)."""
    runs = replicate(single_machine("scheduled"), N)
    assert_within_se([r.stations[0].shares["down"] for r in runs], 1 - A, what="down share")
    assert_within_se([r.throughput_per_h for r in runs], 3600 * A / C, what="throughput")
    for r in runs:
        sh = r.stations[0].shares
        assert sh["working"] + sh["down"] == pytest.approx(1.0, abs=1e-9)


@both_engines
def test_mean_repair_and_failure_count():
    """Per failure the machine is down MTTR on average: down seconds / failures is within
    4 SE of 360 s, and the failure count per operating second is 1/MTBF (within 4 SE)."""
    runs = replicate(single_machine("operating"), N)
    per_failure = [r.stations[0].shares["down"] * r.observed_s / r.stations[0].failures
                   for r in runs]
    assert_within_se(per_failure, MTTR, what="repair per failure")
    rate = [r.stations[0].failures / (r.stations[0].shares["working"] * r.observed_s)
            for r in runs]
    assert_within_se(rate, 1 / MTBF, what="failures per working second")


def starved_machine_line(basis: str):
    """S1 (constant 50 s, never failing) feeds S2 (constant 20 s, exponential failures, MTBF
    10 min, MTTR 1 min) through 20 places: S2 has a third of S1's pace to spare, so it is
    starved most of the time and works 40 % of it. 12 replications of 2 days (100–260 failures
    each) suffice: the two bases' down shares differ by ~30 standard errors."""
    return build_scenario([
        {"name": "S1", "cycle_time": 50, "buffer_after": 20},
        {"name": "S2", "cycle_time": 20,
         "failures": {"mtbf": exp(600), "mttr": exp(60), "basis": basis}},
    ], warmup="1 h", horizon="2 d")


def test_operating_basis_down_share_follows_working_share():
    """Operating basis on a station that is often starved: failures come per processing
    second, so down time = (working time / MTBF)·MTTR in expectation. Per replication the
    difference down − working·MTTR/MTBF has mean within 4 SE of 0; and the down share (about
    0.4·0.1 = 0.04) is far below the 1 − A = 0.091 that a clock on scheduled time would give."""
    runs = replicate(starved_machine_line("operating"), 12)
    st = [r.stations[1].shares for r in runs]
    diffs = [s["down"] - s["working"] * 60 / 600 for s in st]
    assert_within_se(diffs, 0.0, what="down − working·MTTR/MTBF")
    mean_down, se = assert_within_se([s["down"] for s in st], 0.4 * 0.1,
                                     what="down share")
    assert mean_down + 4 * se < 1 - 600 / 660
    for s in st:
        assert s["starved"] > 0.4  # the station does wait, so the basis matters


def test_scheduled_basis_down_share_ignores_activity():
    """Scheduled basis on the same often-starved station: the failure clock runs while it is
    starved too, so its down share is 1 − A = MTTR/(MTBF + MTTR) = 0.0909 whatever it does
    (within 4 SE over 20 replications) — more than twice the operating-basis share."""
    runs = replicate(starved_machine_line("scheduled"), 12)
    assert_within_se([r.stations[1].shares["down"] for r in runs], 60 / 660,
                     what="down share")
    # Output is still set by S1 (never blocked: S2 catches up after every repair), which
    # finishes exactly one part per 50 s: 3456 in the 2-day window, give or take the change
    # of the WIP behind it (≤ 20 places + S2's part).
    for r in runs:
        assert r.stations[0].shares["blocked"] == 0.0
        assert abs(r.output - 3456) <= 21


@pytest.mark.parametrize("basis", ["operating", "scheduled"])
@both_engines
def test_availability_is_the_equivalent_mtbf(basis):
    """`availability: A` with `mttr` means an exponential MTBF = MTTR·A/(1 − A): a station
    given as availability 0.9 with MTTR 6 min runs exactly like one given MTBF 54 min
    (exponential), draw for draw — the same output, failures and shares (up to the last bits
    of the derived mean)."""
    by_a = single_machine(basis, availability=0.9, mttr=exp(MTTR))
    by_mtbf = single_machine(basis, mtbf=exp(MTTR * 9), mttr=exp(MTTR))
    assert by_a.stations[0].availability() == pytest.approx(0.9, rel=1e-12)
    for rep in range(3):
        a, b = run_replication(by_a, rep), run_replication(by_mtbf, rep)
        assert a.output == b.output
        assert a.stations[0].failures == b.stations[0].failures > 10
        assert a.stations[0].shares == pytest.approx(b.stations[0].shares, rel=1e-9)
