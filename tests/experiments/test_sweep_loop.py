"""The sweep loop: precision batches decided from stored results only (same path whatever the
executor), the base point never has fewer replications than another, the progress contract,
and the folder's files."""

from __future__ import annotations

import json

from linesim.experiments import sweep as sw
from linesim.experiments.execute import Local
from tests.experiments.conftest import DEFINITION, FACTOR, tiny_base, tiny_points

TABLES = ["points.csv", "replications.csv", "sweep.resolved.yaml"]


def _more(values, base_values, precision, max_reps):
    """A stand-in for analyze.more_replications: 2 to start, then 2 more while the spread of
    the point's values is above ``precision`` times its mean (a deterministic rule)."""
    n = len(values)
    if n < 2:
        return 2
    mean = sum(values) / n
    spread = max(values) - min(values)
    return n if spread <= precision * mean else n + 2


def _run(folder, base, points, executor, progress=None, precision=0.01):
    with sw.opened(folder, DEFINITION, base, resume=False) as store:
        outcome = sw.run_sweep(points, executor, store, folder, definition=DEFINITION, max_reps=6,
                               factors=[FACTOR], precision=precision, more_replications=_more,
                               progress=progress)
        counts = store.counts()
    return outcome, counts


def test_precision_batches_are_the_same_whatever_the_executor(tmp_path):
    """With a precision rule, replications come in batches until each point meets it or has
    max_reps; the base has at least as many as any point; jobs 1 and 2 take the same path and
    write the same tables."""
    base = tiny_base(tmp_path, horizon="6 h")
    points = tiny_points(base, 3)
    one, counts1 = _run(tmp_path / "a", base, points, Local(1))
    two, counts2 = _run(tmp_path / "b", base, points, Local(2))
    assert counts1 == counts2 and one.batches == two.batches >= 2
    assert counts1[0] == max(counts1.values()) and max(counts1.values()) <= 6
    assert all(c >= 2 for c in counts1.values())
    for name in TABLES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # a loose rule is met at once: one batch of 2
    loose, counts = _run(tmp_path / "c", base, points, Local(1), precision=1.0)
    assert loose.batches == 1 and loose.precise and set(counts.values()) == {2}


def test_progress_contract(tmp_path):
    """progress gets a batch-start event (point None) and one event per stored replication;
    done rises by one each time, never above total; total never above maximum; at the end
    done == total == what the store holds."""
    base = tiny_base(tmp_path, horizon="6 h")
    events = []
    outcome, counts = _run(tmp_path / "p", base, tiny_points(base, 3), Local(2), events.append)
    starts = [e for e in events if e.point is None]
    assert len(starts) == outcome.batches
    done = [e.done for e in events if e.point is not None]
    assert done == list(range(1, len(done) + 1))
    assert all(e.done <= e.total <= e.maximum == 3 * 6 for e in events)
    assert events[-1].done == events[-1].total == sum(counts.values()) == outcome.stored


def test_folder_files_and_manifest(tmp_path):
    """The folder holds the store, points.csv (one row per point, the factor column), the
    replications (point, replication first), the resolved definition and a sweep manifest
    listing its files; no temporary file is left."""
    base = tiny_base(tmp_path, horizon="6 h")
    folder = tmp_path / "f"
    with sw.opened(folder, DEFINITION, base, resume=False) as store:
        sw.run_sweep(tiny_points(base, 3), Local(1), store, folder, definition=DEFINITION,
                     max_reps=2, factors=[FACTOR], manifest={"source": "tiny-sweep.yaml"})
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["manifest.json", "points.csv", "replications.csv", "sweep.resolved.yaml",
                     "sweep.sqlite"]
    header = (folder / "points.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["point", "label", FACTOR.column]
    assert len((folder / "points.csv").read_text().splitlines()) == 4
    assert (folder / "replications.csv").read_text().startswith("point,replication,")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and manifest["status"] == "complete"
    assert manifest["replications_stored"] == 6 and manifest["source"] == "tiny-sweep.yaml"
    assert set(manifest["files"]) == set(names)


class _StopAfter:
    """Local(1) that raises KeyboardInterrupt after ``n`` results of batch ``batch``."""

    def __init__(self, n, batch):
        self.inner, self.n, self.batch, self.batches = Local(1), n, batch, 0

    def describe(self):
        return self.inner.describe()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def imap_unordered(self, tasks):
        self.batches += 1
        for k, item in enumerate(self.inner.imap_unordered(tasks)):
            if self.batches == self.batch and k == self.n:
                raise KeyboardInterrupt
            yield item


def _two_batches(values, base_values, precision, max_reps):
    """A rule whose answer depends on the count: 2, then 4, then stop (3 would also stop, so a
    decision taken from a half-finished batch would differ)."""
    return 2 if len(values) < 2 else 4 if len(values) == 2 else len(values)


def test_precision_sweep_interrupted_mid_batch_resumes_to_the_same_tables(tmp_path):
    """A precision sweep interrupted in the middle of its second batch (point 1 holding 3 of its
    4 replications), then resumed, first completes that batch (its targets are stored) and then
    decides as an uninterrupted sweep does: same replications per point, same tables."""
    import pytest

    base = tiny_base(tmp_path, horizon="6 h")
    points = tiny_points(base, 3)
    kw = dict(definition=DEFINITION, max_reps=6, factors=[FACTOR], precision=0.01,
              more_replications=_two_batches)
    clean_folder = tmp_path / "clean"
    with sw.opened(clean_folder, DEFINITION, base, resume=False) as store:
        sw.run_sweep(points, Local(1), store, clean_folder, **kw)
        clean_counts = store.counts()
    assert clean_counts == {0: 4, 1: 4, 2: 4}
    folder = tmp_path / "cut"
    with sw.opened(folder, DEFINITION, base, resume=False) as store:
        with pytest.raises(KeyboardInterrupt):
            sw.run_sweep(points, _StopAfter(3, 2), store, folder, **kw)
        assert store.counts() == {0: 4, 1: 3, 2: 2}
    assert json.loads((folder / "manifest.json").read_text())["status"] == "interrupted"
    with sw.opened(folder, DEFINITION, base, resume=True) as store:
        sw.run_sweep(points, Local(1), store, folder, **kw)
        assert store.counts() == clean_counts
    for name in TABLES:
        assert (folder / name).read_bytes() == (clean_folder / name).read_bytes(), name
