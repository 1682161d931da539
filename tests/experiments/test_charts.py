"""Sweep, improve and solve charts: each writes a PNG from tables alone, the same tables give the
same bytes, the heatmap's P(target) boundary separates exactly the cells meeting the confidence
from those not, the picker draws what each design calls for, and Chinese names render."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image

from linesim import charts as run_charts
from linesim.experiments import charts

from . import synthetic as syn

PNG = b"\x89PNG\r\n\x1a\n"


def _drawn(path: Path) -> None:
    """A real PNG of slide size (8 × 4.5 in at 110 dpi, give or take the tight bounding box)."""
    data = path.read_bytes()
    assert data.startswith(PNG), path
    width, height = Image.open(path).size
    assert width >= 700 and height >= 400, (path.name, width, height)


# -- each chart ------------------------------------------------------------------------------------
def test_response_chart_one_factor(tmp_path):
    """Annual output against one factor, with the target, the ceiling and P(target)."""
    points, meta = syn.grid_one()
    _drawn(charts.response_chart(points, meta, "set cycle", tmp_path / "r.png"))


def test_response_chart_one_curve_per_level_of_a_second_factor(tmp_path):
    """With two factors the response has one curve per level of the second."""
    points, meta = syn.grid_two()
    _drawn(charts.response_chart(points, meta, "set cycle", tmp_path / "r.png", by="shifts per day"))


def test_response_chart_without_a_target(tmp_path):
    """A sweep without a target draws the output alone (no P axis, no target line)."""
    points, meta = syn.grid_one()
    _drawn(charts.response_chart(points, dict(meta, target=None), "set cycle", tmp_path / "r.png"))


def test_heatmap_chart(tmp_path):
    """Two factors: annotated cells and the P(target) boundary."""
    points, meta = syn.grid_two()
    _drawn(charts.heatmap_chart(points, meta, "set cycle", "shifts per day", tmp_path / "h.png"))


def test_tornado_of_a_one_at_a_time_sweep(tmp_path):
    """One bar per non-base point, grouped by factor."""
    points, meta = syn.oat()
    _drawn(charts.tornado_chart(charts.oat_bars(points, meta), meta, tmp_path / "t.png", what="x"))


def test_improve_chart(tmp_path):
    """The improve ranking as a tornado with the arithmetic's prediction."""
    _drawn(charts.write_improve_chart(tmp_path, syn.ranking(), syn.grid_one()[1]))


def test_morris_chart(tmp_path):
    """μ*–σ with labels and μ*'s interval."""
    _drawn(charts.morris_chart(syn.morris_table(), syn.lhs()[1], tmp_path / "m.png"))


def test_scatter_chart_of_a_latin_hypercube(tmp_path):
    """Each factor against annual output."""
    points, meta = syn.lhs()
    _drawn(charts.scatter_chart(points, meta, ["set cycle", "油漆车身库"], tmp_path / "s.png"))


def test_solve_chart(tmp_path):
    """The solver's evaluations, the confidence and the bracket."""
    _drawn(charts.write_solve_chart(tmp_path, syn.solve_result(), "phase2"))


@pytest.mark.parametrize("bracket", [[None, 44.0], [48.0, None], []])
def test_solve_chart_with_an_open_bracket(tmp_path, bracket):
    """A solve that found no failing (or no meeting) value still draws and says so."""
    result = dict(syn.solve_result(), bracket=bracket)
    _drawn(charts.write_solve_chart(tmp_path, result))


# -- same tables, same bytes -----------------------------------------------------------------------
def _all_charts(folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    paths = []
    for name, (points, meta) in {"g1": syn.grid_one(), "g2": syn.grid_two(), "oat": syn.oat(),
                                 "lhs": syn.lhs()}.items():
        (folder / name).mkdir()
        paths += charts.write_sweep_charts(folder / name, points, meta)
    (folder / "m").mkdir()
    points, meta = syn.lhs()
    paths += charts.write_sweep_charts(folder / "m", points, dict(meta, design="morris"),
                                       morris=syn.morris_table())
    paths.append(charts.write_improve_chart(folder, syn.ranking(), syn.grid_one()[1]))
    paths.append(charts.write_solve_chart(folder, syn.solve_result(), "phase2"))
    return {str(p.relative_to(folder)): p.read_bytes() for p in paths}


def test_same_tables_give_the_same_bytes(tmp_path):
    """Every chart drawn twice from the same tables is byte-identical (so a rerun diffs clean)."""
    first, second = _all_charts(tmp_path / "a"), _all_charts(tmp_path / "b")
    assert len(first) >= 10
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_same_bytes_in_another_process(tmp_path):
    """A second process (a rerun of the command) draws the same bytes as this one."""
    points, meta = syn.grid_two()
    here = charts.write_sweep_charts(tmp_path, points, meta)
    other = tmp_path / "other"
    other.mkdir()
    code = ("import sys; from pathlib import Path; from tests.experiments import synthetic as s; "
            "from linesim.experiments import charts; "
            "charts.write_sweep_charts(Path(sys.argv[1]), *s.grid_two())")
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code, str(other)], check=True, cwd=root,
                   env=dict(os.environ, PYTHONPATH=str(root)))
    assert [p.read_bytes() == (other / p.name).read_bytes() for p in here] == [True] * len(here)


def test_png_metadata_has_no_version_or_date(tmp_path):
    """The PNGs carry no Software (matplotlib version) or date text chunks."""
    path = charts.write_solve_chart(tmp_path, syn.solve_result())
    info = Image.open(path).info
    assert not {k for k in info if k.lower() in {"software", "creation time", "date"}}, info
    assert b"atplotlib" not in path.read_bytes()


# -- the heatmap's boundary ------------------------------------------------------------------------
def _edges(segments) -> set:
    return {tuple(sorted(((round(a, 6), round(b, 6)) for a, b in seg))) for seg in segments}


def _expected_edges(meets) -> set:
    ny, nx = len(meets), len(meets[0])
    edges = set()
    for j in range(ny):
        for i in range(nx):
            for dj, di in ((0, 1), (1, 0)):
                jj, ii = j + dj, i + di
                if jj >= ny or ii >= nx or meets[j][i] is None or meets[jj][ii] is None:
                    continue
                if meets[j][i] != meets[jj][ii]:
                    if di:
                        seg = ((i + 0.5, j - 0.5), (i + 0.5, j + 0.5))
                    else:
                        seg = ((i - 0.5, j + 0.5), (i + 0.5, j + 0.5))
                    edges.add(tuple(sorted(seg)))
    return edges


def test_boundary_of_a_staircase():
    """A hand-drawn grid: the line runs along exactly the edges between meeting and failing cells
    (rows are the second factor; True = P ≥ confidence)."""
    meets = [[True, True, False],
             [True, False, False]]
    got = _edges(charts.meeting_boundary(np.array(meets, dtype=object)))
    assert got == {
        ((1.5, -0.5), (1.5, 0.5)),   # row 0: between column 1 (meets) and 2 (fails)
        ((0.5, 0.5), (0.5, 1.5)),    # row 1: between column 0 and 1
        ((0.5, 0.5), (1.5, 0.5)),    # column 1: between row 0 (meets) and row 1 (fails)
    }


def test_no_boundary_when_all_cells_agree():
    """All meeting (or all failing): no line."""
    assert charts.meeting_boundary(np.full((3, 4), True, dtype=object)) == []
    assert charts.meeting_boundary(np.full((3, 4), False, dtype=object)) == []


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 6).flatmap(lambda ny: st.integers(1, 6).flatmap(
    lambda nx: st.lists(st.lists(st.sampled_from([True, False, None]), min_size=nx, max_size=nx),
                        min_size=ny, max_size=ny))))
def test_boundary_separates_exactly_the_cells_meeting_from_those_not(meets):
    """For any grid (unknown cells included), each boundary segment is the shared edge of two
    adjacent known cells on opposite sides, and every such pair has one: the line is exact on
    the grid (no interpolation between levels, no line next to a cell without a point)."""
    segments = charts.meeting_boundary(np.array(meets, dtype=object))
    assert len(segments) == len(_edges(segments))  # no edge drawn twice
    assert _edges(segments) == _expected_edges(meets)


def test_meeting_cells_from_p():
    """P equal to the confidence meets it; below does not; a missing P is unknown."""
    p = np.array([[0.9, 0.8999], [np.nan, 1.0]])
    assert charts.meeting_cells(p, 0.9).tolist() == [[True, False], [None, True]]


def test_heatmap_boundary_follows_the_points(tmp_path, monkeypatch):
    """The heatmap draws the boundary of the cells whose P(target) reaches the confidence, placed
    by the factor levels (columns: x levels ascending; rows: y levels ascending); the base point
    (no factor values of its own) takes the grid cell no other point has."""
    points, meta = syn.grid_two()
    seen = {}
    real = charts.meeting_boundary
    monkeypatch.setattr(charts, "meeting_boundary", lambda m: seen.setdefault("m", m) is m and real(m))
    charts.heatmap_chart(points, meta, "set cycle", "shifts per day", tmp_path / "h.png")
    expected = [[None] * 5 for _ in range(2)]
    for _, row in points.iterrows():
        cycle, shifts = (44, 3) if row["point"] == 0 else (row["set cycle"], row["shifts per day"])
        i = [40, 42, 44, 46, 48].index(int(cycle))
        j = [2, 3].index(int(shifts))
        expected[j][i] = bool(row["p_target"] >= 0.9)
    assert seen["m"].tolist() == expected


# -- the picker ------------------------------------------------------------------------------------
def _names(meta, morris=None) -> list[str]:
    return [name for name, _, _ in charts.planned_charts(meta, morris)]


def test_picker_per_design():
    """grid 1 → response; grid 2 → heatmap + response; grid 3 → main effects; OAT → tornado + a
    response per factor; LHS → scatter; Morris → μ*–σ only when the Morris table is there."""
    f = [syn.CYCLE, syn.SHIFTS, syn.STORE]
    assert _names(syn.meta("s", f[:1])) == ["response.png"]
    assert _names(syn.meta("s", f[:2])) == ["heatmap.png", "response.png"]
    assert _names(syn.meta("s", f)) == ["scatter.png"]
    assert _names(syn.meta("s", f, design="one_at_a_time")) == [
        "tornado.png", "response_1_set-cycle.png", "response_2_shifts-per-day.png",
        "response_3_油漆车身库.png"]
    assert _names(syn.meta("s", f, design={"latin_hypercube": {"points": 20}})) == ["scatter.png"]
    many = [dict(syn.CYCLE, name=f"f{k}", column=f"f{k}") for k in range(8)]
    assert _names(syn.meta("s", many, design="latin_hypercube")) == ["scatter.png", "scatter_2.png"]
    assert _names(syn.meta("s", f, design="morris"), syn.morris_table()) == ["morris.png"]
    assert _names(syn.meta("s", f, design="morris")) == []


@pytest.mark.parametrize("make, expected", [
    (syn.grid_one, ["response.png"]),
    (syn.grid_two, ["heatmap.png", "response.png"]),
    (syn.oat, ["tornado.png", "response_1_set-cycle.png", "response_2_foam-trim-cycle-x-base.png",
               "response_3_油漆车身库.png"]),
    (syn.lhs, ["scatter.png"]),
])
def test_write_sweep_charts_writes_what_it_returns(tmp_path, make, expected):
    """write_sweep_charts returns the paths of the charts it wrote, in the picker's order."""
    points, meta = make()
    paths = charts.write_sweep_charts(tmp_path, points, meta)
    assert [p.name for p in paths] == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)


def test_morris_sweep_writes_the_mu_sigma_chart(tmp_path):
    """A Morris sweep with its μ*/σ table gives morris.png."""
    points, meta = syn.lhs()
    paths = charts.write_sweep_charts(tmp_path, points, dict(meta, design="morris"),
                                      morris=syn.morris_table())
    assert [p.name for p in paths] == ["morris.png"]


def test_oat_bars_one_per_point_grouped_by_factor():
    """The OAT tornado has one bar per non-base point; factors ordered by their largest |gain|,
    levels ascending within a factor; the prediction is the ceiling's change from the base."""
    points, meta = syn.oat()
    bars = charts.oat_bars(points, meta)
    assert len(bars) == len(points) - 1
    assert bars["group"].tolist() == ["set cycle"] * 3 + ["foam-trim cycle"] * 2 + ["油漆车身库"] * 2
    assert bars["label"].tolist()[:3] == ["set cycle = 40 s", "set cycle = 42 s", "set cycle = 46 s"]
    assert bars["label"].tolist()[3] == "foam-trim cycle ×0.9"
    base_ceiling = points.loc[points["point"] == 0, "ceiling_per_year"].iloc[0]
    first = points[points["set cycle"] == 40.0].iloc[0]
    assert bars["predicted"].iloc[0] == pytest.approx(first["ceiling_per_year"] - base_ceiling)


def test_oat_rows_take_the_base_and_the_factor_own_points():
    """A factor's response line in an OAT sweep: the base and the points moving only it."""
    points, meta = syn.oat()
    rows = charts.oat_rows(points, meta, "油漆车身库")
    assert sorted(rows["油漆车身库"].tolist()) == [10.0, 20.0, 40.0]
    assert 0 in set(rows["point"])


def test_improve_chart_shows_the_best_candidates_first():
    """The improve tornado keeps the best gains (at most ``top``), best first."""
    ranking = syn.ranking().iloc[::-1]  # whatever order it comes in
    bars = charts.improve_bars(ranking, top=3)
    assert bars["label"].tolist() == ["second EOL tester", "foam-trim cycle −10%",
                                      "foam-trim cycle −5%"]


# -- fonts -----------------------------------------------------------------------------------------
def test_chinese_factor_names_render_without_glyph_warnings(tmp_path):
    """With a CJK font installed (CI installs fonts-noto-cjk), a sweep named in Chinese with a
    Chinese factor draws without any glyph-missing warning."""
    if len(run_charts.font_families()) <= 1:
        if os.environ.get("CI"):
            pytest.fail("CI must install a CJK font (fonts-noto-cjk): see .ci/run")
        pytest.skip("no CJK font installed here")
    points, meta = syn.oat()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = charts.write_sweep_charts(tmp_path, points, meta)
        paths.append(charts.write_improve_chart(tmp_path, syn.ranking(), meta))
    assert len(paths) == 5
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "missing from font" in m or "no installed font" in m], messages


def test_without_a_cjk_font_one_clear_warning(tmp_path, monkeypatch):
    """Where no font has the glyphs, every chart is still written and exactly one
    ChartFontWarning names the characters (no per-glyph noise)."""
    monkeypatch.setattr(run_charts, "font_families", lambda: ("DejaVu Sans",))
    points, meta = syn.oat()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = charts.write_sweep_charts(tmp_path, points, meta)
    assert all(p.exists() for p in paths)
    assert [w.category for w in caught] == [run_charts.ChartFontWarning]
    assert "油" in str(caught[0].message)


def test_dollar_signs_in_factor_names_are_text(tmp_path):
    """A factor or sweep name with '$' is drawn as written, not as a mathtext formula."""
    points, meta = syn.grid_one()
    factor = dict(syn.CYCLE, name="cost $\\foo$", column="set cycle")
    _drawn(charts.write_sweep_charts(tmp_path, points, dict(meta, name="$x$", factors=[factor]))[0])


def test_missing_points_in_the_grid_are_shown_as_such(tmp_path):
    """A grid cell without a point (a failed or absent combination) is drawn as 'no point', and
    the boundary is not drawn next to it."""
    points, meta = syn.grid_two()
    points = points[points["point"] != 3].reset_index(drop=True)
    _drawn(charts.heatmap_chart(points, meta, "set cycle", "shifts per day", tmp_path / "h.png"))
