"""Progress inside replications reaches the parent (issue 10, item 6): the share of simulated
time of each running replication, from the worker processes (jobs = 2) or in this process
(jobs = 1), as the engines' period boundaries / the end of the observation window; and the
tables written are byte for byte the same with the relay on and off, on 1 or 2 workers."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from linesim import replicate
from linesim.capacity import capacity_check
from linesim.engines.window import observation
from linesim.estimate import summarize
from linesim.experiments.execute import Local, Task
from linesim.progress import Ticker
from linesim.results import write_run
from linesim.scenario import Scenario
from linesim.series import boundaries

REPLICATIONS = 4


def _line(engine: str = "simpy") -> Scenario:
    """Two stations, a day observed after an hour of warm-up: 25 hourly boundaries; on SimPy a
    replication takes long enough (a few tenths of a second) to be seen while it runs."""
    return Scenario.model_validate({
        "name": "relay", "calendar": "continuous",
        "stations": [
            {"name": "A", "cycle_time": {"dist": "exponential", "mean": "10 s"},
             "buffer_after": 5},
            {"name": "B", "cycle_time": {"dist": "exponential", "mean": "9 s"}},
        ],
        "run": {"warmup": "1 h", "horizon": "1 d", "replications": REPLICATIONS, "seed": 7,
                "engine": engine}})


def _expected_fractions(sc: Scenario) -> set[float]:
    _, start_t, end_t = observation(sc)
    return {t / end_t for t in boundaries(start_t, end_t, sc.run.horizon)}


def _collect(sc: Scenario, jobs: int):
    """(results, events): events in call order, ("partial", r, f) and ("done", r)."""
    events: list[tuple] = []
    results = replicate.run_replications(
        sc, jobs, progress=lambda res: events.append(("done", res.replication)),
        partial=lambda r, f: events.append(("partial", r, f)))
    return results, events


def test_fractions_from_the_workers_reach_the_parent(monkeypatch):
    """jobs = 2: every replication's simulated-time fraction arrives before its result, each a
    period boundary / the window's end, rising, the last one 1.0 (the window's end); and some
    arrive while replications run (0 < f < 1)."""
    monkeypatch.setattr(replicate, "POLL_S", 0.01)
    sc = _line()
    expected = _expected_fractions(sc)
    _, events = _collect(sc, 2)
    done: set[int] = set()
    seen: dict[int, list[float]] = {r: [] for r in range(REPLICATIONS)}
    for event in events:
        if event[0] == "done":
            done.add(event[1])
            continue
        _, r, f = event
        assert r not in done, f"a fraction of replication {r} after its result"
        assert f in expected, f
        seen[r].append(f)
    assert done == set(range(REPLICATIONS))
    for r, fractions in seen.items():
        assert fractions == sorted(fractions) and fractions[-1] == 1.0, (r, fractions)
    assert any(0 < f < 1 for fractions in seen.values() for f in fractions), seen


def test_fractions_in_process_are_throttled(monkeypatch):
    """jobs = 1: the hook calls partial directly, at most every REPORT_EVERY_S (a huge value
    here: exactly the first boundary of each replication), before the result."""
    monkeypatch.setattr(replicate, "REPORT_EVERY_S", 1e9)
    sc = _line()
    first = min(_expected_fractions(sc))
    _, events = _collect(sc, 1)
    assert events == [e for r in range(REPLICATIONS) for e in (("partial", r, first), ("done", r))]


def test_sweep_tasks_report_by_point_and_replication(monkeypatch):
    """The sweep executor (improve and solve use it too) relays them keyed (point, replication)."""
    monkeypatch.setattr(replicate, "POLL_S", 0.01)
    sc = _line()
    got: dict = {}
    tasks = [Task(p, r, sc) for p in (0, 1) for r in (0, 1)]
    with Local(2) as ex:
        out = list(ex.imap_unordered(tasks, partial=lambda key, f: got.setdefault(key, f)))
    assert len(out) == 4 and set(got) == {(p, r) for p in (0, 1) for r in (0, 1)}
    assert set(got.values()) <= _expected_fractions(sc)


def _tables(folder, sc, results) -> dict[str, bytes]:
    write_run(folder, sc, results, summarize(sc, results, capacity_check(sc)))
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("engine", ["simpy", "fast"])
def test_the_tables_are_the_same_with_and_without_the_relay(tmp_path, engine):
    """The relay only reads the clock: jobs 1 and 2, with and without partial, same bytes."""
    sc = _line(engine)
    off = replicate.run_replications(sc, 2)
    assert off == replicate.run_replications(sc, 1, partial=lambda r, f: None)
    on2, events = _collect(sc, 2)
    assert any(e[0] == "partial" for e in events)
    reference = _tables(tmp_path / "off", sc, off)
    assert "periods.csv" in reference
    assert _tables(tmp_path / "on", sc, on2) == reference


def test_a_ticker_fed_by_a_run_moves_within_replications():
    """The Ticker gets the fractions (the bar's completed count includes them) and forgets
    each replication's when it ends: none left over at the end."""
    out = io.StringIO()
    tick = Ticker(Console(file=out, width=200, force_terminal=False), "relay", REPLICATIONS,
                  terminal=False, heartbeat=False)
    shown: list[float] = []
    with tick:
        def partial(r, f):
            tick.partial(r, f)
            shown.append(tick.finished())

        replicate.run_replications(_line(), 2, progress=lambda res: tick.advance(res.replication),
                                   partial=partial)
    assert any(x != int(x) for x in shown)  # between whole replications
    assert tick.fractions == {} and tick.finished() == REPLICATIONS


def test_the_python_api_run_takes_an_optional_partial_callback():
    """``linesim.run(..., partial=f)``: the same fractions on 2 workers; same result without."""
    import linesim

    got: dict[int, float] = {}
    with_it = linesim.run(_line(), jobs=2, partial=lambda r, f: got.__setitem__(r, f))
    assert got == {r: 1.0 for r in range(REPLICATIONS)}
    assert with_it.replications.equals(linesim.run(_line(), jobs=1).replications)
