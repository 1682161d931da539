"""progress.Ticker: the time left from the work finished (partial replications included), plain
lines at most every ``every`` seconds and at the end off a terminal, nothing missing between."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from linesim.progress import Ticker, minutes


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _ticker(total=10, every=10.0):
    out = io.StringIO()
    clock = Clock()
    console = Console(file=out, width=200, force_terminal=False)
    tick = Ticker(console, "phase1", total, every=every, clock=clock, terminal=False,
                  heartbeat=False)
    return tick, clock, out


def test_time_left_is_the_remaining_work_at_the_speed_so_far():
    """4 of 10 replications in 32 s: 8 s each, 6 left, about 48 s; counting down after."""
    tick, clock, _ = _ticker()
    with tick:
        assert tick.left_s() is None  # nothing measured yet
        clock.t += 32
        tick.update(4)
        assert tick.left_s() == pytest.approx(48.0)
        clock.t += 8  # no replication ended since: the estimate counts down
        assert tick.left_s() == pytest.approx(40.0)


def test_partial_replications_count_towards_the_estimate():
    """Two running replications each half done after 10 s (none finished): 1 replication's work
    in 10 s, 9 left, about 90 s — an estimate before the first replication ends."""
    tick, clock, _ = _ticker()
    with tick:
        clock.t += 10
        tick.partial(0, 0.5)
        tick.partial(1, 0.5)
        assert tick.finished() == pytest.approx(1.0)
        assert tick.left_s() == pytest.approx(90.0)
        tick.advance(0)  # replication 0 done: its fraction is replaced by the whole
        assert tick.finished() == pytest.approx(1.5)


def test_resumed_replications_do_not_speed_up_the_estimate():
    """An experiment that found 6 of 10 from before and ran 1 in 20 s: 3 left at 20 s each."""
    tick, clock, _ = _ticker()
    with tick:
        clock.t += 20
        tick.update(7, 10, resumed=6)
        assert tick.left_s() == pytest.approx(60.0)


def test_plain_lines_at_most_every_period_and_at_the_end():
    """Off a terminal: a line at the start, a line when a replication ends at least `every`
    seconds after the last line (not more often), and one at the end."""
    tick, clock, out = _ticker(total=10, every=10.0)
    with tick:
        for _ in range(10):
            clock.t += 4
            tick.advance()
    lines = out.getvalue().splitlines()
    assert lines[0] == "phase1: 10 replications to run…"
    assert lines[1] == "phase1: 3/10 replications, 12 s elapsed, about 28 s left"
    assert lines[2] == "phase1: 6/10 replications, 24 s elapsed, about 16 s left"
    assert lines[3] == "phase1: 9/10 replications, 36 s elapsed, about 4 s left"
    assert lines[-1] == "phase1: 10/10 replications done in 40 s"
    assert len(lines) == 5  # start, at 12, 24 and 36 s (10 s apart at least), end


def test_a_heartbeat_line_while_no_replication_ends():
    """Off a terminal, a long replication still gives a line every period (real clock)."""
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False)
    import time

    with Ticker(console, "long", 2, every=0.2, terminal=False):
        time.sleep(0.7)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("long: 0/2 replications, ") for line in lines), lines


def test_minutes():
    assert (minutes(48), minutes(600), minutes(9000)) == ("48 s", "10 min", "2.5 h")


def test_plain_lines_count_the_running_replications_share():
    """With fractions of running replications the plain line's count has one decimal (and the
    estimate: 1 replication's work in 12 s, 9 left)."""
    tick, clock, out = _ticker(total=10, every=10.0)
    with tick:
        clock.t += 4
        tick.partial(0, 0.5)
        clock.t += 8
        tick.partial(1, 0.5)
        assert out.getvalue().splitlines()[1:] == [
            "phase1: 1.0/10 replications, 12 s elapsed, about 108 s left"]


def test_an_experiments_progress_record_ends_its_replications_fraction():
    """Sweeps, improve and solve: fractions keyed (point, replication), forgotten when the
    progress record of that replication comes."""
    from linesim.experiments.sweep import Progress

    tick, clock, _ = _ticker(total=4)
    with tick:
        clock.t += 10
        tick.partial((1, 0), 0.5)
        tick.partial((2, 0), 0.5)
        tick(Progress(1, 4, 4, 0, 1, point=1, replication=0))
        assert tick.fractions == {(2, 0): 0.5} and tick.finished() == pytest.approx(1.5)
