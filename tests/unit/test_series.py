"""The period rule, the snapshot times, and the time-series tables of a run folder."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from linesim.results import (BUFFER_PERIOD_COLUMNS, OCCUPANCY_COLUMNS, PERIOD_COLUMNS,
                             buffer_periods_table, occupancy_table, periods_table, write_run)
from linesim.scenario import Scenario
from linesim.series import OPEN_BINS, boundaries, level_bins, open_top, period_length
from linesim.simulate import run_replication
from linesim.units import DAY, HOUR, WEEK


@pytest.mark.parametrize("horizon, want", [
    (365 * DAY, ("week", WEEK)), (8 * WEEK, ("week", WEEK)), (8 * WEEK - 1, ("day", DAY)),
    (2 * DAY, ("day", DAY)), (2 * DAY - 1, ("hour", HOUR)), (600.0, ("hour", HOUR))])
def test_period_length_follows_the_horizon(horizon, want):
    assert period_length(horizon) == want


def test_boundaries_split_at_the_warm_up_and_end_with_the_window():
    assert boundaries(0.0, 3 * DAY, 3 * DAY) == [DAY, 2 * DAY, 3 * DAY]
    assert boundaries(7 * HOUR, 3 * DAY + 7 * HOUR, 3 * DAY) == [
        7 * HOUR, DAY, 2 * DAY, 3 * DAY, 3 * DAY + 7 * HOUR]
    assert boundaries(DAY, 2.5 * DAY, 1.5 * DAY) == [
        k * HOUR for k in range(1, 60)] + [2.5 * DAY]  # 1.5 d: hours, warm-up's included
    assert boundaries(0.0, 600.0, 600.0) == [600.0]


def test_level_bins():
    assert [level_bins(c) for c in (0.0, 3.0, 1000.0, 5000.0, math.inf)] == [1, 4, 1001, 1001,
                                                                            OPEN_BINS]
    assert [open_top(c) for c in (3.0, 1000.0, 1001.0, math.inf)] == [False, False, True, True]


@pytest.fixture(scope="module")
def results():
    sc = Scenario.model_validate({
        "name": "tables", "stations": [
            {"name": "甲", "cycle_time": {"dist": "exponential", "mean": 30}, "buffer_after": 2},
            {"name": "B", "cycle_time": 31, "buffer_after": "unlimited"},
            {"name": "C", "cycle_time": 20}],
        "run": {"warmup": "30 min", "horizon": "3 h", "replications": 2, "seed": 5}})
    return sc, [run_replication(sc, r) for r in range(2)]


def test_tables_have_the_contract_columns_and_rows(results):
    sc, res = results
    periods = periods_table(res)
    assert list(periods.columns) == PERIOD_COLUMNS == [
        "replication", "period", "start_day", "end_day", "scheduled_h", "in_warmup", "output",
        "scrapped", "lost", "wip_end", "wip_mean"]
    # 3 h 30 min in hours, split at the warm-up's end (30 min): 5 rows a replication, numbered
    # uniquely in time order (a chart or a join by (replication, period) must not merge the two
    # halves of the split hour)
    assert periods["period"].tolist() == [1, 2, 3, 4, 5] * 2
    assert periods["in_warmup"].tolist() == [True, False, False, False, False] * 2
    assert periods["start_day"].tolist()[:3] == [0.0, 0.5 / 24, 1 / 24]
    window = periods[~periods["in_warmup"]]
    assert window.groupby("replication")["output"].sum().tolist() == [r.output for r in res]
    levels = buffer_periods_table(res)
    assert list(levels.columns) == BUFFER_PERIOD_COLUMNS == [
        "replication", "period", "after", "before", "level_end", "level_mean"]
    assert len(levels) == 2 * 2 * 5
    assert not levels.duplicated(["replication", "period", "after", "before"]).any()
    assert levels[["after", "before"]].drop_duplicates().values.tolist() == [["甲", "B"],
                                                                             ["B", "C"]]
    occ = occupancy_table(res)
    assert list(occ.columns) == OCCUPANCY_COLUMNS == [
        "replication", "after", "before", "level", "time_share"]
    assert len(occ) == 2 * (3 + OPEN_BINS)
    sums = occ.groupby(["replication", "after", "before"])["time_share"].sum()
    assert sums.tolist() == pytest.approx([1.0] * 4, abs=1e-12)


def test_run_folder_holds_the_time_series_csvs(results, tmp_path):
    sc, res = results
    write_run(tmp_path, sc, res, {"scenario": sc.name})
    for name, columns, table in (("periods.csv", PERIOD_COLUMNS, periods_table),
                                 ("buffer_periods.csv", BUFFER_PERIOD_COLUMNS,
                                  buffer_periods_table),
                                 ("buffer_occupancy.csv", OCCUPANCY_COLUMNS, occupancy_table)):
        df = pd.read_csv(tmp_path / name)
        assert list(df.columns) == columns
        pd.testing.assert_frame_equal(df, table(res), check_dtype=False)


def test_the_charts_per_period_figures_rest_on_every_replication_once(results):
    """The output chart's per-period means come from one row of each replication per period:
    the two halves of the period split at the warm-up's end stay two periods."""
    from linesim.charts import period_means

    _, res = results
    agg = period_means(periods_table(res), "output")
    assert len(agg) == 5 and (agg["n"] == len(res)).all()
    assert agg["in_warmup"].tolist() == [True, False, False, False, False]
