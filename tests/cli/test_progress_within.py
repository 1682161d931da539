"""The progress display of `linesim run` and of `linesim sweep` (improve and solve share its
path) is fed the share of simulated time of each running replication from the worker
processes (issue 10, item 6): the bar and the time left move within replications.

``Ticker.partial`` is wrapped to record its calls; with 2 workers the fraction 1.0 (the
observation window's end) of every replication reaches the parent before its result."""

from __future__ import annotations

import pytest

from .conftest import invoke


@pytest.fixture
def calls(monkeypatch):
    from linesim.progress import Ticker

    seen: list[tuple] = []
    real = Ticker.partial

    def partial(self, key, fraction):
        seen.append((key, fraction, self.done))
        return real(self, key, fraction)

    monkeypatch.setattr(Ticker, "partial", partial)
    return seen


def test_a_run_on_two_workers_feeds_the_ticker_within_replications(tiny_yaml, tmp_path, calls):
    r = invoke("run", tiny_yaml, "--out", tmp_path / "run", "--jobs", "2", "--no-charts")
    assert r.exit_code == 0, r.output
    assert {key for key, f, _ in calls if f == 1.0} == {0, 1}
    assert all(0 < f <= 1 for _, f, _ in calls)


def test_a_sweep_feeds_the_ticker_by_point_and_replication(tiny_yaml, tmp_path, calls):
    r = invoke("sweep", tiny_yaml, "--vary", "stations.A.cycle_time=x0.9,1.1", "--out",
               tmp_path / "sw", "--jobs", "2", "--no-charts")
    assert r.exit_code == 0, r.output
    assert {key for key, f, _ in calls if f == 1.0} == {(p, r) for p in (0, 1, 2) for r in (0, 1)}
