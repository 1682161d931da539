"""The sweep store: RunResults round-trip through it, every replication is committed as it
lands and stored once, resume refuses a changed sweep, and reading stays flat in memory."""

from __future__ import annotations

import json
import sqlite3
import tracemalloc

import pytest

from linesim.experiments import sweep as sw
from linesim.experiments.core import Point
from linesim.experiments.store import STORE_FILE, Store, StoreRefused, result_json, stored
from linesim.runfolder import FolderRefused
from linesim.simulate import RunResult, run_replication
from tests.experiments.conftest import DEFINITION, FACTOR, tiny_base, tiny_points


def test_run_result_round_trips_through_json(tmp_path):
    """RunResult.from_dict(json of to_dict) is the equal dataclass, trace and time series
    included (tuples, Periods); the store keeps it without its time series."""
    base = tiny_base(tmp_path, horizon="2 h")
    for trace in (False, True):
        result = run_replication(base, 1, trace=trace)
        assert result.periods is not None and result.occupancy is not None
        assert RunResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
        back = RunResult.from_dict(json.loads(result_json(result)))
        assert back == stored(result) and back.periods is None and back.occupancy is None
        assert result_json(back) == result_json(result)


def test_replications_are_committed_as_they_land_and_stored_once(tmp_path):
    """Each add() is visible to another connection at once (committed); adding the same
    (point, replication) again stores nothing; done() lists exactly what is stored."""
    base = tiny_base(tmp_path, horizon="2 h")
    points = tiny_points(base, 2)
    result = run_replication(base, 0)
    with Store.create(tmp_path, DEFINITION, base, resume=False) as store:
        store.add_points(points)
        assert store.add(1, 0, result)
        other = sqlite3.connect(tmp_path / STORE_FILE)
        assert other.execute("SELECT count(*) FROM replications").fetchone() == (1,)
        other.close()
        assert not store.add(1, 0, result)
        assert store.add(0, 0, result)
        assert store.done() == {(0, 0), (1, 0)}
        assert store.results(1) == [stored(result)]
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _stored(tmp_path, base, definition=DEFINITION):
    with Store.create(tmp_path, definition, base, resume=False) as store:
        store.add_points(tiny_points(base, 2))
        store.add(0, 0, run_replication(base, 0))


def test_existing_sweep_needs_resume(tmp_path):
    """A folder that holds a sweep's replications is not started over by a missing --resume:
    refused, saying how to continue or start over."""
    base = tiny_base(tmp_path, horizon="2 h")
    _stored(tmp_path, base)
    with pytest.raises(StoreRefused, match="add --resume"):
        Store.create(tmp_path, DEFINITION, base, resume=False)
    with Store.create(tmp_path, DEFINITION, base, resume=True) as store:
        assert store.resumed and store.done() == {(0, 0)}


def test_resume_refuses_a_changed_definition_or_base(tmp_path):
    """Resume compares the definition's and the base scenario's hashes with the store's and the
    message says which one changed."""
    base = tiny_base(tmp_path, horizon="2 h")
    _stored(tmp_path, base)
    changed = {**DEFINITION, "design": "one_at_a_time"}
    with pytest.raises(StoreRefused) as info:
        Store.create(tmp_path, changed, base, resume=True)
    assert "sweep definition changed" in str(info.value) and "base scenario" not in str(info.value)
    other_base = base.with_run(seed=8)
    with pytest.raises(StoreRefused) as info:
        Store.create(tmp_path, DEFINITION, other_base, resume=True)
    assert "base scenario changed" in str(info.value) and "definition" not in str(info.value)
    with Store.create(tmp_path, DEFINITION, base, resume=True) as store:  # same again: fine
        store.add_points(tiny_points(base, 2))


def test_a_second_sweep_into_the_same_folder_is_refused(tmp_path):
    """The sweep folder is locked (the run folders' lock): a second sweep into it is refused at
    once; the lock is released when the first ends."""
    base = tiny_base(tmp_path, horizon="2 h")
    folder = tmp_path / "sweep"
    with sw.opened(folder, DEFINITION, base, resume=False):
        with pytest.raises(FolderRefused, match="another linesim run is writing"):
            with sw.opened(folder, DEFINITION, base, resume=True):
                pass
    with sw.opened(folder, DEFINITION, base, resume=True):
        pass


def test_sweep_folder_with_foreign_files_is_refused(tmp_path):
    """A folder holding files a sweep does not write (a run folder, the user's notes) is not
    used for a sweep."""
    base = tiny_base(tmp_path, horizon="2 h")
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(FolderRefused, match="notes.txt"):
        with sw.opened(folder, DEFINITION, base, resume=False):
            pass


def _table_peak(tmp_path, base, result, n: int) -> int:
    folder = tmp_path / f"n{n}"
    folder.mkdir()
    scenarios = [s for _, s in tiny_points(base, 2)]
    points = [(Point(i, f"p{i}", ((FACTOR.name, float(i)),)), scenarios[min(i, 1)]) for i in range(n)]
    with Store.create(folder, DEFINITION, base, resume=False) as store:
        store.add_points(points)
        with store.transaction():
            for i in range(n):
                for r in range(3):
                    store.conn.execute("INSERT INTO replications VALUES (?, ?, ?)",
                                       (i, r, result_json(result)))
        tracemalloc.start()
        try:
            sw.write_tables(folder, store, [FACTOR], point_row=_cheap_row)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak


def _cheap_row(point, factors, scenario, results, base_results, capacity):
    return {"point": point.index, "label": point.label, FACTOR.name: dict(point.values)[FACTOR.name],
            "replications": len(results),
            "annual_mean": sum(r.annual_output for r in results) / len(results)}


def test_memory_of_the_tables_does_not_grow_with_points(tmp_path, monkeypatch):
    """Writing the tables reads the store one point at a time: the peak of traced memory for
    100 points is within a small factor of that for 10 points."""
    monkeypatch.setattr(sw, "capacity_check", lambda scenario: None)  # not what is measured
    base = tiny_base(tmp_path, horizon="2 h")
    result = run_replication(base, 0)
    small = _table_peak(tmp_path, base, result, 10)
    large = _table_peak(tmp_path, base, result, 100)
    assert large < 1.5 * small, (small, large)
