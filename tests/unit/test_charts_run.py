"""The run charts: the figures they draw are the right ones (production-time shares, OEE factors,
bottleneck ties, the zoomed output axis, per-period means — against hand arithmetic), every
chart is written, non-empty and byte-identical for the same tables, absent tables skip their
charts, and one replication, missing figures, Chinese names and 40-station plants all draw."""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pandas as pd
import pytest

from linesim import charts

from . import chart_tables as t

PNG = b"\x89PNG\r\n\x1a\n"
ALL = ["station_states.png", "annual_output.png", "station_states_calendar.png",
       "bottleneck_shares.png", "oee.png", "output_per_period.png", "wip.png",
       "buffer_levels.png", "buffer_occupancy.png"]
SCENARIO = {"stations": [{"name": "S1", "scrap": 0.0, "rework": None},
                         {"name": "S2", "scrap": 0.01, "rework": None},
                         {"name": "S3", "scrap": 0.02, "rework": {"to": "S1", "fraction": 0.03}}]}


@pytest.fixture
def figures(monkeypatch):
    """The figures the charts save, kept open for inspection (each is still written)."""
    kept = []
    real = charts.save_png

    def keep(fig, path, dpi=110):
        kept.append(fig)
        fig.canvas.draw()  # lay out the text, as saving does
        snapshot = _texts(fig), [list(ax.get_yticklabels()) for ax in fig.axes]
        kept[-1] = (fig, snapshot)
        real(fig, path, dpi)

    monkeypatch.setattr(charts, "save_png", keep)
    return kept


def _texts(fig) -> list[str]:
    found = []
    for ax in fig.axes:
        found += [x.get_text() for x in ax.texts]
        found += [ax.get_title(loc="left")]
        legend = ax.get_legend()
        if legend is not None:
            found += [x.get_text() for x in legend.get_texts()]
    found += [x.get_text() for x in fig.texts]
    return found


def _all_tables():
    periods = t.periods()
    return dict(stations=t.stations_table({"S1": [0.1, 0.1, 0.1], "S2": [0.6, 0.5, 0.7],
                                           "S3": [0.3, 0.4, 0.2]}),
                periods=periods, buffer_periods=t.buffer_periods(periods),
                occupancy=t.occupancy())


# -- the arithmetic behind the figures -------------------------------------------------------------
def test_production_shares_renormalise_over_scheduled_time():
    """Off-shift left out: each state over 1 − off_shift (0.4/0.5 = 0.8 ...), summing to 1; a
    station never scheduled has no shares (NaN), not a division by zero."""
    rows = [t.station_row("A", 0.4, starved=0.05, blocked=0.05, off_shift=0.5),
            t.station_row("B", 0.15, down=0.05, setup=0.05, off_shift=0.75),
            t.station_row("idle", 0.0, off_shift=1.0)]
    shares = charts.production_shares(charts.station_frame(t.summary(rows=rows)))
    a, b, idle = (shares.iloc[i] for i in range(3))
    assert (a["working"], a["starved"], a["blocked"], a["down"]) == pytest.approx((0.8, 0.1, 0.1, 0))
    assert (b["working"], b["down"], b["setup"]) == pytest.approx((0.6, 0.2, 0.2))
    for row in (a, b):
        assert sum(row[s] for s in charts.PRODUCTION_STATES) == pytest.approx(1.0)
    assert all(math.isnan(idle[s]) for s in charts.PRODUCTION_STATES)


def test_oee_factors_by_hand():
    """S3: working 0.36, down 0.04 of calendar time, scrap 2% + rework 3%: planned busy time 0.40,
    A = 0.9, Q = 0.95, A × Q = 0.855; losses 0.1 (down) + 0.045 (quality) + 0.855 = 1."""
    f = charts.oee_factors(t.summary(), charts.station_yields(SCENARIO)).set_index("name")
    s3 = f.loc["S3"]
    assert s3["planned_busy"] == pytest.approx(0.40)
    assert (s3["availability"], s3["quality"], s3["a_times_q"]) == pytest.approx((0.9, 0.95, 0.855))
    assert (s3["loss_down"], s3["loss_setup"], s3["loss_quality"]) == pytest.approx((0.1, 0, 0.045))
    for _, row in f.iterrows():
        assert row["a_times_q"] + row["loss_down"] + row["loss_setup"] + row["loss_quality"] \
            == pytest.approx(1.0)
    assert f.loc["S1", "availability"] == 1.0 and f.loc["S2", "quality"] == pytest.approx(0.99)


def test_starved_and_blocked_are_not_counted_against_the_station():
    """Moving time between working/down and starved/blocked at the same working:down ratio
    leaves availability unchanged: waiting is not the station's loss. Setup is (ISO 22400)."""
    busy = t.station_row("S", 0.45, down=0.05, off_shift=0.5)
    waiting = t.station_row("S", 0.18, down=0.02, starved=0.2, blocked=0.1, off_shift=0.5)
    setup = t.station_row("S", 0.45, down=0.05, setup=0.05, off_shift=0.45)
    a = [charts.oee_factors(t.summary(rows=[r])).loc[0, "availability"]
         for r in (busy, waiting, setup)]
    assert a[0] == pytest.approx(0.9) and a[1] == pytest.approx(0.9)
    assert a[2] == pytest.approx(0.45 / 0.55)


def test_quality_unknown_without_the_scenario():
    f = charts.oee_factors(t.summary(), None)
    assert f["quality"].isna().all() and f["a_times_q"].isna().all()
    assert f["availability"].notna().all()


def test_ties_from_paired_intervals():
    """S2 (0.6, 0.5, 0.7) and S3 (0.3, 0.4, 0.2) cannot be told apart? No: S2 − S3 = 0.3, 0.1,
    0.5, mean 0.3, t-interval 0.3 ± 4.303·0.2/√3 = [−0.197, 0.797] contains 0: tied. S1
    (0.1 each time) against S2: 0.5, 0.4, 0.6 → 0.5 ± 0.248: not tied."""
    summary = t.summary()
    table = t.stations_table({"S1": [0.1, 0.1, 0.1], "S2": [0.6, 0.5, 0.7], "S3": [0.3, 0.4, 0.2]})
    assert charts.bottleneck_ties(summary, table) == ["S2", "S3"]
    # S3 close behind every time: a clear, consistent gap is not a tie.
    table = t.stations_table({"S1": [0.1, 0.1, 0.1], "S2": [0.6, 0.5, 0.7], "S3": [0.3, 0.21, 0.4]})
    assert charts.bottleneck_ties(summary, table) == ["S2"]


def test_ties_without_replications_are_equal_shares_only():
    rows = [t.station_row(n, 0.4, starved=0.1, bottleneck_share=s)
            for n, s in (("A", 0.4), ("B", 0.4), ("C", 0.2), ("D", 0.0))]
    summary = t.summary(rows=rows, bottleneck="B")
    assert charts.bottleneck_ties(summary) == ["A", "B"]
    one = t.stations_table({"A": [0.4], "B": [0.4], "C": [0.2], "D": [0.0]})
    assert charts.bottleneck_ties(summary, one) == ["A", "B"]
    assert charts.bottleneck_ties(dict(summary, bottleneck=None)) == []
    # a station never the bottleneck never ties, however wide the intervals
    wide = t.stations_table({"A": [0.0, 0.8], "B": [0.8, 0.0], "C": [0.4, 0.0], "D": [0.0, 0.0]})
    assert "D" not in charts.bottleneck_ties(summary, wide)


def test_every_tied_station_is_marked_on_every_station_chart(tmp_path, figures):
    """The tick labels of S2 and S3 (tied) say bottleneck, in bold red; S1's does not."""
    charts.write_charts(tmp_path, t.summary(), t.replications(), _all_tables()["stations"])
    station_charts = [snap for _, snap in figures][:5]
    marked = 0
    for texts, ticks in station_charts:
        labels = [x for axis in ticks for x in axis]
        if not labels:
            continue  # the annual-output strip has no station axis
        bold = {x.get_text().split()[0] for x in labels if x.get_fontweight() == "bold"}
        named = {x.get_text().split()[0] for x in labels if "bottleneck" in x.get_text()}
        assert bold == named == {"S2", "S3"}, [x.get_text() for x in labels]
        marked += 1
    assert marked == 4  # production and calendar states, bottleneck shares, OEE


def test_output_axis_zooms_to_the_spread_and_leaves_far_references_outside():
    values = [223_500.0, 224_000.0, 224_500.0]
    lo, hi, inside = charts.output_axis(values, [223_400.0, 224_600.0], [500_000.0, 224_800.0])
    assert inside == [False, True]
    assert lo < 223_400 and hi > 224_800 and hi < 230_000  # the target did not stretch it
    assert (max(values) - min(values)) / (hi - lo) > 0.15  # the spread fills a visible part
    # no spread at all (deterministic line): still a window around the value
    lo, hi, _ = charts.output_axis([1000.0, 1000.0], None, [None, None])
    assert lo < 1000 < hi


def test_far_references_become_labelled_arrows(tmp_path, figures):
    """Target 500,000 far off a 224,000 ± 1,000 spread: an edge label with its gap to the mean;
    a near ceiling: a line in the legend."""
    summary = t.summary(target=500_000.0, ceiling=224_900.0)
    charts.annual_output_chart(summary, t.replications(), tmp_path / "a.png")
    texts = " | ".join(figures[0][1][0])
    assert "target 500,000, 123.2% above the mean" in texts
    assert "ceiling (capacity arithmetic) 224,900, 0.4% above the mean" in texts
    fig = figures[0][0]
    lo, hi = fig.axes[0].get_xlim()
    assert hi < 500_000 and lo <= 223_000 and hi >= 225_000


def test_figures_rounded_to_the_interval():
    """Half-width 185: two significant digits of it (step 10); never finer than a unit."""
    assert charts.step_for(185.0) == 10
    assert charts.rounded(223_814.0, charts.step_for(185.0)) == "223,810"
    assert charts.step_for(3.2) == 1 and charts.step_for(float("nan")) == 1
    assert charts.step_for(12_000.0) == 1000


@pytest.mark.parametrize("p, text", [(3.4e-14, "< 0.001"), (0.0, "< 0.001"), (0.9999, "> 0.999"),
                                     (0.5, "0.50"), (0.004, "0.004"), (1.0, "> 0.999")])
def test_probability_text(p, text):
    assert charts.probability_text(p) == text


def test_basis_says_when_a_run_is_annualised():
    assert charts.basis(t.summary()) == "3 replications of 365 d after a warm-up of 8 h"
    short = t.summary(horizon_days=2)
    assert charts.basis(short).endswith("annualised from 2 d")


def test_period_means_and_occupancy_arithmetic():
    """Week 1 output: 45·93 + 0, +10, +20 → mean 4,195, min 4,185, max 4,205; warm-up flags read
    from CSV text too. Occupancy: a level a replication never saw counts 0 in the mean."""
    p = t.periods()
    agg = charts.period_means(p, "output").set_index("period")
    assert (agg.loc[1, "mean"], agg.loc[1, "min"], agg.loc[1, "max"]) == (4195, 4185, 4205)
    assert agg.loc[30, "mean"] == 0 and agg.loc[30, "scheduled_h"] == 0
    assert agg["in_warmup"].tolist() == [True] + [False] * 52
    p["in_warmup"] = p["in_warmup"].map({True: "True", False: "False"})
    assert charts.period_means(p, "output")["in_warmup"].sum() == 1
    occ = t.occupancy(2)
    occ = occ[~((occ["replication"] == 1) & (occ["level"] == 1) & (occ["after"] == "S2"))]
    share = charts.occupancy_summary(occ).set_index(["after", "level"])["time_share"]
    assert share[("S2", 1)] == pytest.approx(0.25) and share[("S1", 3)] == pytest.approx(0.4)


def test_output_per_period_draws_the_means_and_the_period_ceiling(tmp_path, figures):
    """The bars are the per-period means; the ceiling step is scheduled hours × ceiling/h."""
    charts.output_per_period_chart(t.summary(), t.periods(), tmp_path / "o.png")
    ax = figures[0][0].axes[0]
    heights = [b.get_height() for b in ax.containers[0]]
    assert heights[:2] == [45 * 60 + 10, 45 * 93 + 10] and heights[30] == 0
    steps = [s for s in ax.patches if type(s).__name__ == "StepPatch"]
    ceiling = steps[0].get_data().values
    assert ceiling[1] == pytest.approx(93 * 47.9) and ceiling[30] == 0


# -- files -----------------------------------------------------------------------------------------
def test_every_chart_written_and_deterministic(tmp_path):
    """All nine charts are real PNGs; the same tables give the same bytes."""
    one = charts.write_charts(tmp_path / "a", t.summary(), t.replications(), **_all_tables(),
                              scenario=SCENARIO)
    two = charts.write_charts(tmp_path / "b", t.summary(), t.replications(), **_all_tables(),
                              scenario=SCENARIO)
    assert [p.name for p in one] == ALL
    for a, b in zip(one, two):
        data = a.read_bytes()
        assert data.startswith(PNG) and len(data) > 5000, a.name
        assert data == b.read_bytes(), a.name


def test_absent_tables_skip_their_charts(tmp_path):
    """The call of old (three arguments) writes the five charts of the summary; an empty table
    counts as absent; the OEE chart reads the folder's scenario.resolved.yaml if present."""
    paths = charts.write_charts(tmp_path, t.summary(), t.replications())
    assert [p.name for p in paths] == ALL[:5]
    empty = pd.DataFrame(columns=t.PERIOD_COLUMNS)
    paths = charts.write_charts(tmp_path / "e", t.summary(), t.replications(), periods=empty,
                                occupancy=t.occupancy())
    assert [p.name for p in paths] == ALL[:5] + ["buffer_occupancy.png"]


def test_quality_read_from_the_run_folder(tmp_path, figures):
    import yaml

    (tmp_path / "scenario.resolved.yaml").write_text(yaml.safe_dump(SCENARIO), encoding="utf-8")
    charts.write_charts(tmp_path, t.summary(), t.replications())
    oee_texts = figures[4][1][0]
    assert "95.0%" in oee_texts and "85.5%" in oee_texts  # S3's quality and A × Q


def test_one_replication_and_missing_figures_draw(tmp_path):
    """One replication (no interval), no target, None and NaN in the summary and the tables."""
    summary = t.summary(replications=1, annual=(224_000.0, None, None), target=None)
    summary["capacity"]["ceiling_per_year"] = None
    summary["capacity"]["ceiling_per_hour"] = float("nan")
    summary["stations"][0]["bottleneck_share"] = None
    summary["stations"][1]["down"] = float("nan")
    summary["wip_mean"] = None
    tables = _all_tables()
    tables["stations"] = tables["stations"][tables["stations"]["replication"] == 0]
    tables["periods"] = tables["periods"][tables["periods"]["replication"] == 0].copy()
    tables["periods"].loc[3, "output"] = np.nan
    paths = charts.write_charts(tmp_path, summary, t.replications([224_000.0]), **tables)
    assert [p.name for p in paths] == ALL
    assert all(p.stat().st_size > 5000 for p in paths)


def test_chinese_names_draw_without_missing_glyphs(tmp_path):
    if len(charts.font_families()) <= 1:
        if os.environ.get("CI"):
            pytest.fail("CI must install a CJK font (fonts-noto-cjk): see .ci/run")
        pytest.skip("no CJK font installed here")
    names = ["前排骨架", "前排发泡包覆", "合套"]
    summary = t.summary(names, unit="套", scenario="卓骏座椅一期")
    for b, (x, y) in zip(summary["buffers"], zip(names, names[1:])):
        b["after"], b["before"] = x, y
    tables = _all_tables()
    tables["stations"]["station"] = tables["stations"]["station"].map(dict(zip(["S1", "S2", "S3"],
                                                                                names)))
    for key in ("buffer_periods", "occupancy"):
        tables[key] = tables[key].replace({"S1": names[0], "S2": names[1], "S3": names[2]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = charts.write_charts(tmp_path, summary, t.replications(), **tables)
    assert len(paths) == len(ALL)
    assert not [w for w in caught if "missing from font" in str(w.message)
                or "no installed font" in str(w.message)], [str(w.message) for w in caught]


def test_large_plants_get_taller_figures(tmp_path, figures):
    """40 stations: each station chart gives a row at least 0.3 in high."""
    names = [f"station-{i:02d}" for i in range(40)]
    summary = t.summary(names)
    charts.write_charts(tmp_path, summary, t.replications())
    for fig, _ in figures:
        if fig.axes and len(fig.axes[0].get_yticklabels()) == 40:
            assert fig.get_figheight() >= 40 * 0.3
    assert sum(1 for fig, _ in figures if len(fig.axes[0].get_yticklabels()) == 40) == 4


def test_interval_is_the_estimates():
    """The charts' t-interval is the one the summary states (estimate.t_interval)."""
    from linesim.estimate import t_interval

    x = [0.31, 0.29, 0.35, 0.30]
    mean, lo, hi = charts.interval95(x)
    ref = t_interval(x)
    assert (mean, lo, hi) == pytest.approx((ref["mean"], *ref["ci95"]))
    assert math.isnan(charts.interval95([0.3])[1])
