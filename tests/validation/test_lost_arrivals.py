"""Arrivals turned away by a full queue: the M/M/1/K loss probability, and the counts adding up.

One station, one exponential server (mean 1/μ), Poisson arrivals (rate λ) into its queue of
``queue`` places with ``when_full: lose``, no station after it (a part leaves when its service
ends), a continuous calendar. How linesim holds the parts (engines/simpy/model.py): the queue
is the edge in front of the station, holding at most ``queue`` waiting parts
(``Buffer.offer``); an idle server takes an arriving part straight from the offer
(``_hand_to_waiting``) and the part in service is no longer in the queue (``Buffer.take`` frees
its place when service starts). So the station holds up to K = queue + 1 parts: an M/M/1/K
queue with K = queue + 1, whose arrivals see the time-stationary distribution (PASTA) and are
lost with probability

    P_K = (1 − ρ) ρ^K / (1 − ρ^(K+1)),  ρ = λ/μ (≠ 1).

The simulated share lost / offered of each replication is compared with P_K within
``K_SE`` standard errors over the replications (conftest); the wrong count of places
(K = queue, the server's place forgotten) is many standard errors away in every case here, so
the check tells the two apart. The short cases run by default on both engines; the slow one
runs longer with more cases.
"""

from __future__ import annotations

import pytest

from linesim.capacity import capacity_check
from linesim.estimate import lost_summary, summarize

from .conftest import K_SE, assert_within_se, both_engines, build_scenario, exp, mean_se, replicate


def loss_probability(rho: float, k: int) -> float:
    """M/M/1/K: the probability that an arrival finds the system full (K parts in it)."""
    return (1 - rho) * rho ** k / (1 - rho ** (k + 1))


def station(interarrival_s: float, service_s: float, queue: int) -> list[dict]:
    return [{"name": "gate", "cycle_time": exp(service_s),
             "arrivals": {"interarrival": exp(interarrival_s), "queue": queue,
                          "when_full": "lose"}}]


def check_mm1k(interarrival_s: float, service_s: float, queue: int, horizon: str, n: int):
    sc = build_scenario(station(interarrival_s, service_s, queue), name="mm1k", warmup="2 h",
                        horizon=horizon, replications=n)
    results = replicate(sc)
    rho = service_s / interarrival_s
    shares = []
    for r in results:
        c = r.arrivals["gate"]
        assert c["offered"] - c["lost"] == r.entered  # accepted arrivals entered the line
        assert c["lost"] == r.lost
        shares.append(c["lost"] / c["offered"])
    theory = loss_probability(rho, queue + 1)
    _, se = assert_within_se(shares, theory, what=f"loss share, rho {rho:g}, queue {queue}")
    wrong = loss_probability(rho, queue)  # the server's place not counted
    assert abs(wrong - theory) > 3 * K_SE * se, "the case cannot tell K from K − 1"
    # summary.json: the source's share is the pooled lost / offered, the total the same here
    lost = lost_summary(sc, results)
    row = lost["by_source"]["gate"]
    pooled = sum(r.arrivals["gate"]["lost"] for r in results) / sum(
        r.arrivals["gate"]["offered"] for r in results)
    assert row["loss_share"] == pooled == lost["share_of_arrivals"]
    assert row["per_replication"]["mean"] == pytest.approx(lost["per_replication"])
    return shares


# (mean interarrival s, mean service s, queue places): rho 0.8 with K = 3, rho 1.5 with K = 1
# (Erlang's loss formula B(1, rho) = rho / (1 + rho)).
SHORT = [(75.0, 60.0, 2), (40.0, 60.0, 0)]


@both_engines
@pytest.mark.parametrize("interarrival_s, service_s, queue", SHORT)
def test_mm1k_loss_share_matches_theory(interarrival_s, service_s, queue):
    """10 replications of 10 days (some 11,000 arrivals each): the share of arrivals lost
    is P_K with K = queue + 1, within 4 standard errors."""
    check_mm1k(interarrival_s, service_s, queue, "10 d", 10)


@pytest.mark.slow
@both_engines
@pytest.mark.parametrize("interarrival_s, service_s, queue",
                         SHORT + [(63.0, 60.0, 5), (100.0, 60.0, 1), (50.0, 60.0, 3)])
def test_mm1k_loss_share_matches_theory_long(interarrival_s, service_s, queue):
    """As the short test, 20 replications of 100 days, with rho near 1 and a longer queue."""
    check_mm1k(interarrival_s, service_s, queue, "100 d", 20)


def test_two_sources_shares_in_the_summary():
    """Two arrival sources feeding one station, one losing and one blocking, and a source with
    unlimited supply beside them: per source, lost / offered pooled over the replications; the
    blocking source loses nothing; the total share is all lost over all offered arrivals (no
    longer undefined with a non-arrival source in the plant); the mean lost per replication of
    each source sums to the total's."""
    stations = [
        {"name": "A", "cycle_time": exp(30), "buffer_after": 1,
         "arrivals": {"interarrival": exp(40), "queue": 1, "when_full": "lose"}},
        {"name": "B", "cycle_time": exp(30), "buffer_after": 1, "inputs": [],
         "arrivals": {"interarrival": exp(40), "queue": 1, "when_full": "block"}},
        {"name": "C", "cycle_time": 200, "buffer_after": 1, "inputs": []},
        {"name": "M", "cycle_time": exp(20), "inputs": ["A", "B", "C"]},
    ]
    sc = build_scenario(stations, name="two", warmup="1 h", horizon="1 d", replications=4)
    results = replicate(sc)
    summary = summarize(sc, results, capacity_check(sc))
    lost = summary["lost"]
    assert list(lost["by_source"]) == ["A", "B"]
    for name in ("A", "B"):
        offered = sum(r.arrivals[name]["offered"] for r in results)
        m = [r.arrivals[name]["lost"] for r in results]
        assert offered > 0
        assert lost["by_source"][name]["loss_share"] == sum(m) / offered
        assert lost["by_source"][name]["per_replication"]["mean"] == pytest.approx(mean_se(m)[0])
    assert lost["by_source"]["B"]["per_year"] == 0 and lost["by_source"]["A"]["per_year"] > 0
    assert lost["share_of_arrivals"] == sum(r.lost for r in results) / sum(
        c["offered"] for r in results for c in r.arrivals.values())
    assert sum(row["per_replication"]["mean"] for row in lost["by_source"].values()) == \
        pytest.approx(lost["per_replication"])
