"""Chinese station names and units run end to end: accepted, printed as written in the terminal
tables and the verdict, written to the CSV files, and drawn in the charts — or, where no CJK font
is installed, one warning line says how to get one (the run still succeeds)."""

from __future__ import annotations

import textwrap

import pandas as pd

from linesim import charts

from .conftest import invoke

ZH = textwrap.dedent("""
    name: 座椅线
    unit: 套
    stations:
      - name: 前排骨架
        cycle_time: {dist: exponential, mean: 40 s}
        buffer_after: 2
      - name: 发泡包覆
        cycle_time: 38 s
    run: {warmup: 1 h, horizon: 1 d, replications: 2, seed: 3}
    """).lstrip()


def test_chinese_names_and_unit_end_to_end(tmp_path):
    """Exit 0; the terminal shows 前排骨架 and the unit 套 (never '套s'); the run folder is named
    after the scenario; stations.csv holds the names as written."""
    path = tmp_path / "zh.yaml"
    path.write_text(ZH, encoding="utf-8")
    result = invoke("run", path, "--results-dir", tmp_path / "results", "--jobs", "1")
    assert result.exit_code == 0, result.output + result.stderr
    assert "前排骨架" in result.output and "套" in result.output and "套s" not in result.output
    folder = tmp_path / "results" / "座椅线"
    stations = pd.read_csv(folder / "stations.csv")
    assert set(stations["station"]) == {"前排骨架", "发泡包覆"}
    assert (folder / "station_states.png").exists()


def test_missing_cjk_font_is_one_warning_line(tmp_path, monkeypatch):
    """Without a CJK font the charts are still written and stderr has one 'warning' line naming
    the characters and the package to install — not matplotlib's warning per glyph."""
    monkeypatch.setattr(charts, "font_families", lambda: ("DejaVu Sans",))
    path = tmp_path / "zh.yaml"
    path.write_text(ZH, encoding="utf-8")
    result = invoke("run", path, "--out", tmp_path / "run", "--jobs", "1")
    assert result.exit_code == 0, result.output + result.stderr
    warned = [ln for ln in result.stderr.splitlines() if ln.startswith("warning")]
    assert len(warned) == 1 and "fonts-noto-cjk" in warned[0], result.stderr
    assert "missing from font" not in result.stderr
