"""Little's law, L = λ·W, on a variable line with failures, scrap and a shift calendar.

L is ``wip_mean`` (parts in the line, time-averaged over the calendar window), λ is
``departures_per_s`` (good and scrapped parts leaving, per calendar second) and W is
``sojourn_mean_s`` (calendar seconds from entry to departure of the parts leaving in the
window). On a finite window [s, e) of length T, summing each part's time inside the window
gives the exact identity

    T·(L − λW) = Σ ages at e of the parts inside at e − Σ ages at s of the parts inside at s

(parts crossing the start have their time before s in W but not in L; parts still inside at
the end have their time in L but not yet in W). So L − λW is a boundary term of order 1/T.
If the window starts and ends at the same phase of a weekly calendar and the line has settled
into its weekly rhythm, the two sums have the same distribution and E[L − λW] = 0 — which the
statistical test uses; with an empty start the first sum vanishes and L ≥ λW exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import assert_within_se, both_engines, build_scenario, exp, mean_se, replicate

# Five days a week, no holidays: the calendar repeats weekly. 2 × (8 h − 30 min) × 5 = 75 h.
WEEKLY = {"shifts_per_day": 2, "shift_length": "8 h", "breaks_per_shift": "30 min",
          "days_per_week": 5}
STATIONS = [
    {"name": "A", "cycle_time": {"dist": "lognormal", "mean": 100, "cv": 0.5},
     "buffer_after": 4, "failures": {"mtbf": "2 h", "mttr": exp("10 min")}},
    {"name": "B", "cycle_time": exp(200), "servers": 2, "buffer_after": 3, "scrap": 0.02,
     "failures": {"mtbf": "3 h", "mttr": exp("15 min"), "basis": "scheduled"}},
    {"name": "C", "cycle_time": {"dist": "gamma", "mean": 90, "cv": 0.8}, "buffer_after": 2},
    {"name": "D", "cycle_time": exp(80)},
]


def line(**run):
    return build_scenario(STATIONS, calendar=WEEKLY, name="little", **run)


def gaps(runs):
    return [r.wip_mean - r.departures_per_s * r.sojourn_mean_s for r in runs]


@both_engines
def test_littles_law_phase_matched_window():
    """Warm-up of one week of scheduled time (75 h: the window starts Friday 22:00, after the
    week's last shift) and a horizon of two calendar weeks (it ends on Friday 22:00 too): the
    mean of L − λW over 10 replications is within 4 SE of 0. The check has teeth: 4 SE is
    below 1 % of L, while e.g. WIP averaged over scheduled instead of calendar time would be
    off by a factor 168/75."""
    runs = replicate(line(warmup="75 h", horizon="2 weeks"), 10)
    assert all(r.sojourn_mean_s is not None and r.departures_per_s > 0 for r in runs)
    d = gaps(runs)
    _, se = assert_within_se(d, 0.0, what="L − λW")
    wip, _ = mean_se([r.wip_mean for r in runs])
    assert 4 * se < 0.01 * wip
    # The calendar and the failures are really at work in this line.
    assert all(r.stations[0].shares["off_shift"] > 0.5 for r in runs)
    assert all(r.stations[1].failures > 0 and r.scrapped > 0 for r in runs)


@both_engines
def test_littles_law_empty_start_is_one_sided():
    """With no warm-up the line starts empty, so T·(L − λW) is the sum of the ages of the
    parts still inside at the end: never negative, and at most (WIP at the end)·T since no
    part is older than the run. Both hold exactly in every replication."""
    runs = replicate(line(warmup=0, horizon="1 week"), 6)
    for r, d in zip(runs, gaps(runs)):
        assert d >= -1e-9 * r.wip_mean
        assert d <= r.totals["wip_end"] + 1e-9
        assert r.totals["wip_end"] > 0  # the bound is not trivially 0 = 0


@pytest.mark.slow
def test_littles_law_boundary_effect_shrinks_with_the_horizon():
    """The boundary term of L − λW is O(1/T): with the same replications (a longer run
    extends the shorter one's sample path), quadrupling the horizon from 2 to 8 weeks leaves
    the mean of T·|L − λW| of the same order, so the mean |L − λW| falls by at least half;
    and at 8 weeks L = λW within 4 SE over 20 replications."""
    short = gaps(replicate(line(warmup="75 h", horizon="2 weeks"), 20))
    long = gaps(replicate(line(warmup="75 h", horizon="8 weeks"), 20))
    assert np.mean(np.abs(long)) < 0.5 * np.mean(np.abs(short))
    assert_within_se(long, 0.0, what="L − λW (8 weeks)")
