"""Terminal tables of sweeps, improve and solve (report.py): the expected rows in the right order,
numbers with their intervals, and user strings as plain text."""

from __future__ import annotations

import re

from rich.console import Console

from linesim import report
from tests.experiments import synthetic as syn


def _text(renderable, width: int = 200) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(renderable)
    return console.export_text()


def _body_lines(text: str) -> list[str]:
    """Table rows: lines that start with a rank number."""
    return [line.strip() for line in text.splitlines() if re.match(r"^\s*\d+\s", line)]


def test_best_points_sorted_by_annual_mean_with_the_base_added():
    """The best points by mean annual output, best first; the base (outside the top) follows as
    the reference with its own rank; each row has the mean ± CI, P(target), Δ ± CI and the factor
    value with its unit."""
    points, meta = syn.grid_one()
    text = _text(report.sweep_points_table(points, meta, top=3))
    rows = _body_lines(text)
    assert [r.split()[:3] for r in rows] == [["1", "1", "40"], ["2", "2", "41"], ["3", "3", "42"],
                                             ["5", "base", "44"]]
    assert "540,000 ± 2,160" in rows[0] and "100%" in rows[0] and "+49,091 ± 432" in rows[0]
    assert "(reference)" in rows[3]
    words = " ".join(text.split())
    assert "best 3 of 11 points" in words and "set cycle" in words and "500,000)" in words


def test_best_points_do_not_repeat_the_base():
    """When the base is among the best it appears once, in its place."""
    points, meta = syn.grid_two()
    rows = _body_lines(_text(report.sweep_points_table(points, meta, top=5)))
    assert [r.split()[1] for r in rows] == ["2", "4", "base", "7", "9"]


def test_best_points_without_a_target_have_no_p_column():
    """No target: no P column."""
    points, meta = syn.grid_one()
    text = _text(report.sweep_points_table(points, dict(meta, target=None), top=2))
    assert "P(≥" not in text


def test_relative_factor_values_read_as_multiples_of_the_base():
    """A relative factor's values read ×0.9 in a column '(× base)'."""
    points, meta = syn.oat()
    text = _text(report.sweep_points_table(points, meta, top=10))
    assert "×0.9" in text and "base)" in text and "油漆车身库" in text


def test_improve_ranking_in_the_ranker_order():
    """Rank, candidate, gain ± CI, the arithmetic's prediction and P(target) after, in the
    ranking's own order."""
    text = _text(report.improve_table(syn.ranking(), syn.grid_one()[1]))
    rows = _body_lines(text)
    assert [r.split()[0] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    assert rows[0].startswith("1 second EOL tester") or "second EOL tester" in rows[0]
    assert "+21,000 ± 2,000" in rows[0] and "+40,000" in rows[0] and "97%" in rows[0]
    assert "one more shift" in rows[-1] and "−200 ± 300" in rows[-1]
    assert "6 candidates" in text


def test_improve_top_limits_the_rows():
    """``top`` keeps the first rows and says how many there were."""
    text = _text(report.improve_table(syn.ranking(), syn.grid_one()[1], top=2))
    assert len(_body_lines(text)) == 2 and "best 2 of 6" in text


def test_solve_result_shows_the_bracket_its_p_and_the_cost():
    """The bracket's two ends with P and its SE at each, the width, and the replications spent;
    then every evaluation in the order it ran."""
    text = _text(report.solve_renderable(syn.solve_result(), "phase2"))
    assert "fails at   45 s: P = 85% (SE 6%), 40 reps" in text
    assert "meets at   44.5 s: P = 92% (SE 4.5%), 40 reps" in text
    assert "between 45 s and 44.5 s (width 0.5 s)" in text
    assert "5 evaluations, 200 replications" in text
    evaluations = _body_lines(text.split("evaluations (in the order run)")[1])
    assert [r.split()[1] for r in evaluations] == ["44", "48", "46", "45", "44.5"]


def test_solve_without_a_meeting_value_says_so():
    """A solve where no value met the confidence says there is none."""
    result = dict(syn.solve_result(), bracket=[48.0, None])
    assert "none found (no value tried meets)" in _text(report.solve_renderable(result))


def test_user_strings_are_plain_text():
    """Factor names, labels and the sweep name are never read as rich markup, and control
    characters are shown as escapes."""
    points, meta = syn.grid_one()
    factor = dict(syn.CYCLE, name="[bold]cycle[/]")
    text = _text(report.sweep_points_table(points, dict(meta, name="a\x1b[31mb", factors=[factor]),
                                           top=2))
    assert "[bold]cycle" in text and "[/]" in text and "\\x1b" in text and "\x1b" not in text
    ranking = syn.ranking()
    ranking.loc[0, "label"] = "[red]x[/red]"
    assert "[red]x[/red]" in _text(report.improve_table(ranking, syn.grid_one()[1]))
