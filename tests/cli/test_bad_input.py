"""Bad input ends with exit status 2 and one line per problem naming the file, the key path (and
line where known) — never a traceback — and a run writes nothing."""

from __future__ import annotations

import glob
import textwrap
from pathlib import Path

import pytest

from .conftest import TINY, invoke, linesim

REPO = Path(__file__).resolve().parents[2]

BAD = {
    "unknown-key": ("""
        name: x
        stations:
          - name: A
            cycle_tme: 40
        """, ["stations[0].cycle_tme", ":4:", "did you mean 'cycle_time'"]),
    "wrong-type": ("""
        name: x
        stations:
          - name: A
            cycle_time: 40
            servers: two
        """, ["stations[0].servers", ":5:", "integer"]),
    "negative-time": ("""
        name: x
        stations:
          - name: A
            cycle_time: "-5 s"
        """, ["stations[0].cycle_time", ":4:", ">= 0"]),
    "negative-horizon": ("""
        name: x
        stations:
          - name: A
            cycle_time: 40
        run:
          horizon: -1 d
        """, ["run.horizon", ":6:", "> 0"]),
    "cv-below-zero": ("""
        name: x
        stations:
          - name: A
            cycle_time: {dist: lognormal, mean: 40, cv: -0.2}
        """, ["stations[0].cycle_time.cv", ":4:", "greater than or equal to 0"]),
    "probability-above-one": ("""
        name: x
        stations:
          - name: A
            cycle_time: 40
            scrap: "150%"
        """, ["stations[0].scrap", ":5:", "probability"]),
    "missing-stations": ("""
        name: x
        unit: part
        """, ["stations", "missing"]),
    "no-stations": ("""
        name: x
        stations: []
        """, ["stations", ":2:", "at least 1"]),
    "missing-cycle-time": ("""
        name: x
        stations:
          - name: A
            servers: 2
        """, ["stations[0].cycle_time", ":3:", "missing"]),
    "unknown-dist": ("""
        name: x
        stations:
          - name: A
            cycle_time: {dist: weibull, mean: 40}
        """, ["stations[0].cycle_time", ":4:", "weibull"]),
    "malformed-yaml": ("""
        name: x
        stations:
          - name: A
            cycle_time: 40
           bad: 1
        """, [":5:", "malformed YAML"]),
    "duplicate-key": ("""
        name: x
        stations:
          - name: A
            cycle_time: 40
            cycle_time: 41
        """, [":5:", "duplicate key 'cycle_time'"]),
    "empty-file": ("", ["expected a mapping"]),
    "not-a-mapping": ("- just\n- a list\n", ["expected a mapping"]),
}


def write_bad(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.yaml"
    path.write_text(textwrap.dedent(BAD[case][0]).lstrip("\n"), encoding="utf-8")
    return path


def check_rejected(res, path: Path, expected: list[str]) -> None:
    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit)  # a clean exit, not an exception
    assert "Traceback" not in res.output
    assert str(path) in res.stderr
    for fragment in expected:
        assert fragment in res.stderr, (fragment, res.stderr)
    for line in res.stderr.strip().splitlines():
        assert line.startswith(f"error {path}")  # one line per problem, file first


@pytest.mark.parametrize("case", sorted(BAD))
def test_validate_rejects_bad_input(case, tmp_path):
    """`linesim validate` on a bad file exits 2 naming the file, key path, line and expectation."""
    path = write_bad(tmp_path, case)
    check_rejected(invoke("validate", path), path, BAD[case][1])


@pytest.mark.parametrize("case", sorted(BAD))
def test_run_rejects_bad_input_and_writes_nothing(case, tmp_path):
    """`linesim run` on a bad file exits 2 with the same message and creates no run folder."""
    path = write_bad(tmp_path, case)
    out = tmp_path / "out"
    check_rejected(invoke("run", path, "--out", out), path, BAD[case][1])
    assert not out.exists()


def test_missing_file_in_process(tmp_path):
    """A scenario file that does not exist: exit 2, 'no such file' with its name."""
    path = tmp_path / "missing.yaml"
    check_rejected(invoke("validate", path), path, ["no such file"])
    check_rejected(invoke("run", path, "--out", tmp_path / "out"), path, ["no such file"])
    assert not (tmp_path / "out").exists()


def test_validate_subprocess_reports_every_bad_file(tmp_path):
    """In a real process: validate with a missing file and a bad file exits 2, reports both
    (file and key path), and prints no traceback."""
    bad = write_bad(tmp_path, "unknown-key")
    missing = tmp_path / "missing.yaml"
    proc = linesim("validate", missing, bad, cwd=tmp_path)
    assert proc.returncode == 2
    assert f"{missing}: no such file" in proc.stderr
    assert f"{bad}:4: stations[0].cycle_tme" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""


def test_run_subprocess_leaves_existing_folder_untouched(tmp_path):
    """In a real process: a bad run into an existing run folder exits 2 and leaves the folder's
    files exactly as they were (nothing lost, nothing half-written)."""
    bad = write_bad(tmp_path, "cv-below-zero")
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text('{"keep": true}\n')
    (out / "notes.txt").write_text("mine\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = linesim("run", bad, "--out", out, cwd=tmp_path)
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "stations[0].cycle_time.cv" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_one_bad_scenario_stops_the_whole_run(tmp_path):
    """With several scenarios, one bad file stops the run before anything is simulated or written
    (the good scenario gets no folder either)."""
    good = tmp_path / "tiny.yaml"
    good.write_text(TINY, encoding="utf-8")
    bad = write_bad(tmp_path, "wrong-type")
    res = invoke("run", good, bad, "--results-dir", tmp_path / "results")
    check_rejected(res, bad, ["stations[0].servers"])
    assert not (tmp_path / "results").exists()


def test_validate_accepts_good_files(tmp_path):
    """`linesim validate` exits 0 on a good file and on every reference scenario shipped
    (scenarios/reference/*.yaml), printing 'ok' for each."""
    good = tmp_path / "tiny.yaml"
    good.write_text(TINY, encoding="utf-8")
    files = [good, *sorted(glob.glob(str(REPO / "scenarios" / "reference" / "*.yaml")))]
    proc = linesim("validate", *files, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(": ok (") == len(files)
    assert f"{good}: ok (tiny: 3 stations)" in proc.stdout
    assert proc.stderr == ""


def test_out_naming_a_file_is_bad_input(tmp_path):
    """--out that names an existing file (not a folder) is bad input: exit 2 naming it, no
    traceback, and the file is left alone."""
    good = tmp_path / "tiny.yaml"
    good.write_text(TINY, encoding="utf-8")
    target = tmp_path / "taken"
    target.write_text("not a folder\n")
    res = invoke("run", good, "--out", target, "--jobs", "1", "--no-charts")
    assert target.read_text() == "not a folder\n"
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit)
    assert str(target) in res.stderr
