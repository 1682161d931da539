"""The newcomer path of `linesim run`: progress lines in logs (stderr not a terminal), a
labelled preview after the first batch that leaves the results as they are, and honest
headlines for a short test run."""

from __future__ import annotations

import json

import pytest

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


# -- validate: the capacity arithmetic; plausibility warnings; lost arrivals -----------------------
DOUBTFUL = """
name: doubtful
stations:
  - name: A
    cycle_time: 40 s
    failures: {mtbf: 8 h, mttr: 30}
  - name: B
    cycle_time: 38 s
run: {warmup: 8 h, horizon: 2 d, replications: 2, seed: 1}
"""


def test_validate_prints_the_capacity_arithmetic_of_each_file(tiny_yaml, tmp_path):
    """`validate` is also the quickest sanity check: the scheduled hours, the ceiling and the
    target's required cycle, as `run` prints them before simulating."""
    p = linesim("validate", tiny_yaml, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    flat = " ".join(line.strip(" │") for line in p.stdout.splitlines())
    assert "tiny.yaml: ok (tiny: 3 stations)" in flat
    assert "Scheduled time: 8,760 h a year." in flat
    assert "Ceiling: 90.00 part/h at A → 788,400 a year" in flat
    assert "Target 500,000 needs an effective cycle of 63.1 s" in flat  # 31,536,000 s / 500,000


def test_plausibility_warnings_name_file_line_and_key_and_never_change_the_exit(tmp_path):
    """A bare MTTR of 30: `validate` and `run` warn on stderr at file:line: key path, exit 0,
    and the run keeps the warning in summary.json and manifest.json."""
    path = tmp_path / "d.yaml"
    path.write_text(DOUBTFUL, encoding="utf-8")
    expected = (f"warning {path}:6: stations[0].failures.mttr: MTTR written without a unit is "
                "read as 30 seconds: did you mean minutes?")
    v = linesim("validate", path, cwd=tmp_path)
    assert v.returncode == 0 and expected in v.stderr, v.stderr
    r = linesim("run", path, "--out", tmp_path / "o", "--no-charts", cwd=tmp_path)
    assert r.returncode == 0 and expected in r.stderr, r.stderr
    for name in ("summary.json", "manifest.json"):
        warnings = json.loads((tmp_path / "o" / name).read_text(encoding="utf-8"))["warnings"]
        assert [(w["file"], w["line"], w["path"]) for w in warnings] == [
            (str(path), 6, "stations[0].failures.mttr")], name
        assert "did you mean minutes?" in warnings[0]["message"]


LOSING = """
name: losing
stations:
  - name: gate
    cycle_time: 40 s
    arrivals: {interarrival: {dist: exponential, mean: 20 s}, queue: 2, when_full: lose}
run: {warmup: 1 h, horizon: 10 d, replications: 2, seed: 5}
"""


def test_lost_arrivals_in_the_tables_the_summary_and_the_report(tmp_path):
    """Arrivals twice as fast as a 40 s station with 2 places: about half are turned away (the
    station is nearly always busy, so it takes 1 in 2). replications.csv has them per
    replication, summary.json a year's worth and the share, the terminal a row."""
    import csv

    path = tmp_path / "l.yaml"
    path.write_text(LOSING, encoding="utf-8")
    r = linesim("run", path, "--out", tmp_path / "o", "--no-charts", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with open(tmp_path / "o" / "replications.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    lost = [int(row["lost"]) for row in rows]
    assert all(n > 0 for n in lost)
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    year = [n * 365 / 10 for n in lost]  # a continuous calendar: 10 days of 365
    assert summary["lost"]["per_year"] == pytest.approx(sum(year) / len(year))
    assert summary["lost"]["share_of_arrivals"] == pytest.approx(0.5, abs=0.03)
    assert "lost arrivals a year" in r.stdout
    assert "arrivals a year were turned away by a full queue" in summary["verdict"]


def test_no_lost_row_when_nothing_was_lost(tiny_yaml, tmp_path):
    r = linesim("run", tiny_yaml, "--out", tmp_path / "o", "--no-charts", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "lost arrivals" not in r.stdout and "turned away" not in r.stdout
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["lost"]["per_year"] == 0 and summary["warnings"] == []
