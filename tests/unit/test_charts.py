"""Charts draw Chinese station names and units: a CJK font from the fallback chain supplies the
glyphs DejaVu Sans lacks, and where no such font is installed one clear warning says so."""

from __future__ import annotations

import os
import warnings

import pandas as pd
import pytest

from linesim import charts
from linesim.units import plural

STATES = ("working", "starved", "blocked", "down", "setup", "off_shift")


def _summary(names: list[str], unit: str, scenario: str = "卓骏座椅一期") -> dict:
    """A summary as estimate.summarize shapes it, with just what the charts read."""
    share = {s: 0.0 for s in STATES}
    rows = [{"name": n, **share, "working": 0.5, "off_shift": 0.5, "bottleneck_share": 0.5}
            for n in names]
    return {
        "scenario": scenario, "unit": unit, "replications": 2, "bottleneck": names[0],
        "stations": rows,
        "annual_output": {"mean": 224_000.0, "ci95": [223_000.0, 225_000.0]},
        "target": {"annual_output": 500_000.0, "probability": 0.0},
        "capacity": {"ceiling_per_year": 231_548.0},
    }


def _replications() -> pd.DataFrame:
    return pd.DataFrame({"replication": [0, 1], "annual_output": [223_500.0, 224_500.0]})


CHINESE = ["前排骨架", "前排发泡包覆", "合套", "整套下线检测"]


def _cjk_font_installed() -> bool:
    return len(charts.font_families()) > 1


def test_chinese_names_and_unit_render_without_missing_glyphs(tmp_path):
    """With a CJK font installed (CI installs fonts-noto-cjk), a chart with Chinese station
    names, title and unit raises no glyph-missing warning of any kind."""
    if not _cjk_font_installed():
        if os.environ.get("CI"):
            pytest.fail("CI must install a CJK font (fonts-noto-cjk): see .ci/run")
        pytest.skip("no CJK font installed here")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = charts.write_charts(tmp_path, _summary(CHINESE, "套"), _replications())
    assert [p.name for p in paths] == ["station_states.png", "annual_output.png",
                                       "station_states_calendar.png", "bottleneck_shares.png",
                                       "oee.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "missing from font" in m or "no installed font" in m], messages


def test_without_a_cjk_font_one_clear_warning(tmp_path, monkeypatch):
    """Where no font has the glyphs, the charts are still written and exactly one
    ChartFontWarning names the characters and how to install a font (no per-glyph noise)."""
    monkeypatch.setattr(charts, "font_families", lambda: ("DejaVu Sans",))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = charts.write_charts(tmp_path, _summary(CHINESE, "套"), _replications())
    assert all(p.exists() for p in paths)
    assert [w.category for w in caught] == [charts.ChartFontWarning]
    message = str(caught[0].message)
    assert "前" in message and "fonts-noto-cjk" in message


def test_latin_charts_raise_no_font_warning(tmp_path):
    """A chart of ASCII names warns of nothing, whatever fonts are installed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.write_charts(tmp_path, _summary(["S1", "S2"], "set", "ref-a"), _replications())
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize("unit, label", [("set", "sets"), ("vehicle", "vehicles"), ("套", "套"),
                                         ("台", "台"), ("pcs.", "pcs."), ("pcs", "pcs")])
def test_plural_of_units(unit, label):
    """Labels pluralise Latin units only: '套s per year' would be wrong."""
    assert plural(unit) == label


def test_dollar_signs_in_user_text_are_not_formulas(tmp_path):
    """A unit such as '$\\foo$' (or any '$' in user text) is drawn as written: matplotlib's
    mathtext would fail on it after the whole simulation."""
    paths = charts.write_charts(tmp_path, _summary(["S1", "S2"], "$\\foo$", "ref-a"),
                                _replications())
    assert all(p.stat().st_size > 1000 for p in paths)
