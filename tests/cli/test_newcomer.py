"""The newcomer path of `linesim run`: progress lines in logs (stderr not a terminal), a
labelled preview after the first batch that leaves the results as they are, and honest
headlines for a short test run."""

from __future__ import annotations

import json

from .conftest import TABLE_FILES, linesim


def test_a_logged_run_says_what_it_does_between_the_panel_and_the_verdict(tiny_yaml, tmp_path):
    """Off a terminal: a start line, one labelled preview after the first batch (6 or more
    replications), and an end line, in that order on stderr."""
    p = linesim("run", tiny_yaml, "-n", "6", "-j", "2", "--no-charts", "--out", tmp_path / "o",
                cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    err = p.stderr
    start = err.index("tiny: 6 replications to run…")
    preview = err.index("Preview from 2 of 6 replications: about ")
    end = err.index("tiny: 6/6 replications done in ")
    assert start < preview < end
    assert err.count("Preview from") == 1
    assert "the full run continues" in err and "wide" in err


def test_no_preview_below_six_replications(tiny_yaml, tmp_path):
    p = linesim("run", tiny_yaml, "-n", "5", "-j", "2", "--no-charts", "--out", tmp_path / "o",
                cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Preview" not in p.stderr
    assert "tiny: 5/5 replications done in " in p.stderr


def test_the_preview_changes_no_result(tiny_yaml, tmp_path):
    """The same seed gives byte-identical tables on one worker and on two, though the preview
    comes at a different moment and from other replications (the first two to finish)."""
    folders = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        p = linesim("run", tiny_yaml, "-n", "6", "-j", jobs, "--no-charts", "--out", out,
                    cwd=tmp_path)
        assert p.returncode == 0 and "Preview from 2 of 6" in p.stderr, p.stderr
        folders.append(out)
    for name in TABLE_FILES:
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name


def test_a_two_day_two_replication_run_says_so_in_terminal_and_json(tiny_yaml, tmp_path):
    """`--horizon "2 d" -n 2`: not a bare "makes N parts a year": annualised from 2 days, two
    replications, a wide interval; summary.json's verdict says the same."""
    p = linesim("run", tiny_yaml, "--horizon", "2 d", "-n", "2", "--no-charts",
                "--out", tmp_path / "o", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    flat = " ".join(line.strip(" │") for line in p.stdout.splitlines())
    assert "annualised from 2 days" in flat and "Based on 2 replications of 2 days" in flat
    assert "interval is wide" in flat
    verdict = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))["verdict"]
    assert "annualised from 2 days" in verdict and "interval is wide" in verdict
