"""The compiled engine's bottleneck detector (linesim.engines.fast.detector) equals the SimPy
engine's ActivePeriods bit for bit on the same report stream, keeps its memory bounded, and can
be called from inside another numba-compiled function."""

from __future__ import annotations

import ast
import contextlib
import math
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linesim
from linesim import bottleneck, simulate
from linesim.bottleneck import ActivePeriods
from linesim.loader import load_scenario

numba = pytest.importorskip("numba")
from linesim.engines.fast import detector as D  # noqa: E402

OPEN, CLOSE = 1, 0


# -- streams -------------------------------------------------------------------------------------

def random_stream(rng, n, n_reports, *, grid, p_tie=0.3, p_zero=0.1, p_still=0.2):
    """A valid report stream in time order: each station alternates open/close; some stations
    open at 0, some never change (always active or never active); times on an integer grid
    (equal lengths, so shared winners) or exponential floats (rounding); ties at equal times and
    zero-length gaps/periods (a station toggled twice at one instant)."""
    active = rng.random(n) < 0.6
    still = rng.random(n) < p_still
    if still.all():
        still[rng.integers(n)] = False
    weights = rng.dirichlet(np.full(n, 0.7)) * ~still + 1e-12 * ~still
    weights /= weights.sum()
    steps = n_reports // 2 + 1
    step = rng.integers(1, 4, steps).astype(float) if grid else rng.exponential(1.7, steps)
    t_step = np.cumsum(np.where(rng.random(steps) < p_tie, 0.0, step))
    s_step = rng.choice(n, size=steps, p=weights)
    twice = np.where(rng.random(steps) < p_zero, 2, 1)  # two toggles at one instant
    times, stations = np.repeat(t_step, twice), np.repeat(s_step, twice)
    by_station = np.argsort(stations, kind="stable")
    first = np.searchsorted(stations[by_station], stations[by_station])
    nth = np.empty(len(stations), np.int64)
    nth[by_station] = np.arange(len(stations)) - first  # k-th report of its station
    kinds = np.where((active[stations] + nth) % 2 == 0, OPEN, CLOSE)
    initial = np.flatnonzero(active)
    return (np.concatenate([np.full(len(initial), OPEN), kinds]).astype(np.int64),
            np.concatenate([initial, stations]).astype(np.int64),
            np.concatenate([np.zeros(len(initial)), times]), float(times[-1]))


def python_state(a: ActivePeriods):
    return (list(a.open_start), list(a.pending.items()), a.pending_s if a.pending else None,
            list(a.closed), a.decided_until, list(a.bottleneck_s))


def fast_state(det):
    v = D.view(det)
    npend, nclosed = v["n_pending"], v["n_closed"]
    return (v["open_start"].tolist(),
            [(int(v["pend_st"][k]), float(v["pend_start"][k])) for k in range(npend)],
            v["pending_s"] if npend else None,
            [(float(v["c_start"][k]), float(v["c_end"][k]), int(v["c_st"][k]))
             for k in range(nclosed)],
            v["decided_until"], v["bottleneck_s"].tolist())


def run_both(n, count_from, kinds, stations, times, end, batch, checkpoints=8):
    """Feed the stream to ActivePeriods (report by report) and to the njit detector (in chunks
    through ``replay``); compare the full internal state at each chunk's end; return both
    results of finish(end)."""
    with mock.patch.object(bottleneck, "_BATCH", batch):
        ref = ActivePeriods(n, count_from_s=count_from)
        det = D.new_state(n, count_from)
        assert D.view(det)["batch"] == batch
        cuts = np.linspace(0, len(kinds), checkpoints + 1).astype(int)
        for a, b in zip(cuts, cuts[1:]):
            for k in range(a, b):
                (ref.open if kinds[k] else ref.close)(int(stations[k]), float(times[k]))
            D.replay(det, kinds[a:b], stations[a:b], times[a:b])
            assert fast_state(det) == python_state(ref), f"state differs after report {b}"
            v = D.view(det)
            if not v["first_open_stale"]:  # the cached minimum of the open starts
                assert v["first_open"] == min(v["open_start"].tolist(), default=math.inf)
        want = ref.finish(end)
        got = D.finish(det, end).tolist()
    return got, want, det


# -- equality with ActivePeriods -----------------------------------------------------------------

@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("batch", [1, 7, 64, 2048])
def test_equal_to_active_periods_on_random_streams(seed, batch):
    """On random valid streams (many stations, ties, zero-length gaps, integer and float times,
    a warm-up, always-active and never-active stations) the detector's state after every chunk of
    reports (open starts, pending periods in order, the closed buffer, the decided time, the
    credit) and its final per-station seconds are exactly ActivePeriods'; small batches force
    many resolves."""
    rng = np.random.default_rng([9, seed, batch])
    n = int(rng.integers(1, 12))
    grid = bool(seed % 2)
    kinds, stations, times, t = random_stream(rng, n, 6000, grid=grid)
    count_from = float(rng.uniform(0, t / 3)) if seed % 3 else 0.0
    end = t + (float(rng.integers(0, 3)) if grid else float(rng.exponential(1.0)))
    got, want, det = run_both(n, count_from, kinds, stations, times, end, batch)
    assert got == want  # bit for bit, not approx
    assert sum(got) > 0


@st.composite
def small_streams(draw):
    n = draw(st.integers(1, 5))
    initially = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    steps = draw(st.lists(st.tuples(st.integers(0, n - 1),
                                    st.sampled_from([0.0, 0.0, 0.25, 1.0, 1.0, 2.0, 3.5])),
                          max_size=120))
    active = list(initially)
    kinds = [OPEN] * sum(initially)
    stations = [s for s in range(n) if initially[s]]
    times = [0.0] * len(kinds)
    t = 0.0
    for s, dt in steps:
        t += dt
        kinds.append(CLOSE if active[s] else OPEN), stations.append(s), times.append(t)
        active[s] = not active[s]
    end = t + draw(st.sampled_from([0.0, 1.0, 2.5]))
    count_from = draw(st.sampled_from([0.0, 0.5, 1.0, 4.0, 1e9]))
    batch = draw(st.sampled_from([1, 2, 3, 5, 2048]))
    return n, count_from, (np.array(kinds, np.int64), np.array(stations, np.int64),
                           np.array(times, float)), end, batch


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_streams())
def test_equal_to_active_periods_on_small_streams(case):
    """Hypothesis-shrunk small streams (up to 5 stations, many equal times and equal lengths,
    warm-up possibly beyond the end, any batch): internal state and result exactly equal."""
    n, count_from, (kinds, stations, times), end, batch = case
    got, want, _ = run_both(n, count_from, kinds, stations, times, end, batch, checkpoints=3)
    assert got == want


def test_sweep_event_order_is_python_tuple_order():
    """The sweep visits events in the order of Python's sort of (x, kind, station, length),
    ties on x included, whatever order they were generated in."""
    rng = np.random.default_rng(3)
    for _ in range(50):
        m = int(rng.integers(1, 300))
        x = rng.integers(0, 6, m).astype(float)
        kind = rng.integers(0, 2, m)
        st_ = rng.integers(0, 4, m)
        length = rng.integers(1, 4, m).astype(float)
        det = D.new_state(4, 0.0, batch=m)
        v = D.view(det)
        v["ev_x"][:m], v["ev_kind"][:m], v["ev_st"][:m], v["ev_len"][:m] = x, kind, st_, length
        order = v["ev_order"] if D._event_order(det, m) else v["ev_tmp"]
        got = [(v["ev_x"][e], v["ev_kind"][e], v["ev_st"][e], v["ev_len"][e]) for e in order[:m]]
        assert got == sorted(zip(x, kind, st_, length))


ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").rglob("*.yaml"))


class _Recorder(ActivePeriods):
    """ActivePeriods that also keeps the reports it is given (the SimPy engine's stream)."""

    made: list = []

    def __init__(self, n_stations, count_from_s=0.0):
        super().__init__(n_stations, count_from_s)
        self.reports, self.end, self.result = [], None, None
        _Recorder.made.append(self)

    def open(self, station, s):
        self.reports.append((OPEN, station, s))
        super().open(station, s)

    def close(self, station, s):
        self.reports.append((CLOSE, station, s))
        super().close(station, s)

    def finish(self, s):
        self.end = s
        self.result = super().finish(s)
        return self.result


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_equal_on_the_simpy_engines_report_stream(path):
    """On the report stream the SimPy engine produces for every shipped scenario (two days after
    a one-hour warm-up: failures, shift breaks, assembly, buffers 0), the detector credits
    exactly the seconds ActivePeriods credited in that run."""
    scenario = load_scenario(path).with_run(horizon="2 d", warmup="1 h", replications=1)
    _Recorder.made.clear()
    users = [m for name, m in list(sys.modules.items()) if name.startswith("linesim.")
             and m is not bottleneck and getattr(m, "ActivePeriods", None) is ActivePeriods]
    with contextlib.ExitStack() as stack:  # wherever the SimPy engine's model lives
        for module in users:
            stack.enter_context(mock.patch.object(module, "ActivePeriods", _Recorder))
        simulate.run_replication(scenario, 0, trace=True)  # trace: the SimPy engine
    (rec,) = _Recorder.made
    assert len(rec.reports) > 1000 and sum(rec.result) > 0
    kinds, stations, times = (np.array(c, dtype) for c, dtype in
                              zip(zip(*rec.reports), (np.int64, np.int64, float)))
    det = D.new_state(rec.n, rec.count_from)
    D.replay(det, kinds, stations, times)
    assert D.finish(det, rec.end).tolist() == rec.result


# -- edge cases ----------------------------------------------------------------------------------

def test_no_periods():
    """No reports at all: nothing is credited (as ActivePeriods)."""
    det = D.new_state(4, 10.0)
    got = D.finish(det, 100.0).tolist()
    assert got == ActivePeriods(4, 10.0).finish(100.0) == [0.0] * 4


def test_all_stations_always_active():
    """Every station active from 0 to the end: equal-length periods share the counted time
    equally, exactly as ActivePeriods does."""
    n, end, count_from = 7, 1000.3, 11.7
    ref, det = ActivePeriods(n, count_from), D.new_state(n, count_from)
    for s in range(n):
        ref.open(s, 0.0)
        D.report_open(det, s, 0.0)
    got, want = D.finish(det, end).tolist(), ref.finish(end)
    assert got == want
    assert got == [(end - count_from) / n] * n


def test_station_open_at_the_end():
    """A period still open when the run ends is closed at the end and competes; the longest
    wins and a station whose periods all lie inside it gets nothing."""
    kinds = np.array([OPEN, OPEN, CLOSE, OPEN, CLOSE], np.int64)
    stations = np.array([0, 1, 1, 1, 1], np.int64)
    times = np.array([2.0, 3.0, 5.0, 6.0, 9.0])
    got, want, _ = run_both(2, 0.0, kinds, stations, times, 20.0, 2048)
    assert got == want == [18.0, 0.0]


def test_callable_from_another_njit_function():
    """The report functions compile inside a caller's own njit loop (the compiled engine's use)."""

    @numba.njit
    def loop(det, n_ops):
        t = 0.0
        for k in range(n_ops):
            t += 1.0
            D.report_close(det, k % 2, t)
            D.report_open(det, k % 2, t + 0.5)
        return D.finish(det, t + 1.0)

    det = D.new_state(2, 0.0)
    got = loop(det, 1000).tolist()
    ref = ActivePeriods(2)
    t = 0.0
    for k in range(1000):
        t += 1.0
        ref.close(k % 2, t)
        ref.open(k % 2, t + 0.5)
    assert got == ref.finish(t + 1.0)


def _filler(accessor):
    @numba.njit
    def fill(det):
        region = accessor(det)
        for k in range(region.shape[0]):
            region[k] = 7
    return fill


def test_accessors_follow_the_layout():
    """Each region accessor of the compiled code returns exactly the slice that ``view`` (built
    from the layout table) names, so the state the tests inspect is the state the code uses."""
    n, batch = 3, 5
    names = [name for name, *_ in D._LAYOUT]
    for name in names:
        det = D.new_state(n, 0.0, batch=batch)
        before = {k: v.copy() for k, v in D.view(det).items() if isinstance(v, np.ndarray)}
        _filler(getattr(D, "_" + name))(det)
        after = D.view(det)
        assert (after[name] == 7).all() and after[name].size > 0
        for other in names:
            if other != name:
                assert (after[other] == before[other]).all(), (name, other)


# -- memory --------------------------------------------------------------------------------------

def test_closed_buffer_stays_bounded_on_a_long_stream():
    """Over a stream of 400k reports (~100 times the buffer's capacity in periods) the closed
    buffer never holds more than max(batch - 1, n - 1) + n periods, the bound the module
    docstring derives, and the state's arrays do not grow."""
    rng = np.random.default_rng(11)
    n = 6
    kinds, stations, times, t = random_stream(rng, n, 400_000, grid=False, p_still=0.0)
    det = D.new_state(n, 100.0)
    sizes = [a.size for a in det]
    D.replay(det, kinds, stations, times)
    D.finish(det, t + 1.0)
    v = D.view(det)
    assert v["high_water"] <= max(v["batch"] - 1, n - 1) + n <= v["capacity"]
    assert len(kinds) / 2 > 50 * v["capacity"]  # periods: many times the capacity
    assert [a.size for a in det] == sizes


def test_buffer_stays_small_when_one_station_never_rests():
    """A station active throughout: the others' periods inside its open period are dropped on
    arrival, so nothing piles up although nothing can be decided until the end."""
    det = D.new_state(3, 0.0)
    D.report_open(det, 0, 0.0)
    kinds = np.tile(np.array([OPEN, OPEN, CLOSE, CLOSE], np.int64), 50_000)
    stations = np.tile(np.array([1, 2, 1, 2], np.int64), 50_000)
    times = (np.arange(200_000) // 2 * 1.5).astype(float)
    D.replay(det, kinds, stations, times)
    assert D.view(det)["high_water"] <= 3
    assert D.finish(det, times[-1]).tolist() == [times[-1], 0.0, 0.0]


# -- packaging -----------------------------------------------------------------------------------

def test_numba_is_imported_only_by_the_fast_engine():
    """numba is a dependency of linesim/engines/fast only: no other module imports it, so the
    SimPy engine and the rest of linesim work without compiling anything."""
    pkg = Path(linesim.__file__).parent
    fast = pkg / "engines" / "fast"
    offenders = []
    for path in pkg.rglob("*.py"):
        if fast in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [])
            if any(name.split(".")[0] == "numba" for name in names):
                offenders.append(str(path.relative_to(pkg)))
    assert not offenders
