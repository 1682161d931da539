"""`linesim improve` and `linesim solve` through the command line on deterministic lines, where
the capacity arithmetic is the exact answer: the ranking's order and its predicted-gain column,
the solver's bracket around the arithmetic cycle time and the exact smallest integer, and a
target met at both ends of the range refused with exit 2."""

from __future__ import annotations

import csv
import json
import textwrap

import pytest

from .conftest import invoke, linesim

YEAR_S = 365 * 86_400

# Continuous calendar, no warm-up, constant times: B (60 s) is the bottleneck; A (53 s) is next,
# so a second B server (then A's 53 s limits) buys more than B −10 % (54 s), which buys more
# than B −5 % (57 s); nothing else moves the ceiling.
DET = textwrap.dedent("""
    name: det
    unit: part
    stations:
      - name: A
        cycle_time: 53 s
        buffer_after: 2
      - name: B
        cycle_time: 60 s
        buffer_after: 2
      - name: C
        cycle_time: 20 s
    run:
      warmup: 0 s
      horizon: 1 d
      replications: 2
      seed: 7
    target:
      annual_output: 400000
      confidence: 0.9
    """).lstrip()


def _one_station(cycle: str, target: int) -> str:
    return textwrap.dedent(f"""
        name: one
        unit: part
        stations:
          - name: A
            cycle_time: {cycle}
        run:
          warmup: 0 s
          horizon: 1 d
          replications: 2
          seed: 1
        target:
          annual_output: {target}
          confidence: 0.9
        """).lstrip()


def test_improve_ranks_the_bottleneck_first_with_the_arithmetic(tmp_path):
    """`linesim improve` on a deterministic line exits 0 and writes improve.csv ranked 1, 2, …
    with the paired gains descending; B's second server ranks first, then its −10 % cycle, then
    its −5 %; the predicted_gain column is the capacity arithmetic (ceiling 31,536,000 / the
    slowest effective cycle, minus the base's), and every other candidate predicts 0. The folder
    holds exactly the files its manifest lists (no stray sweep.sqlite-wal/-shm)."""
    (tmp_path / "det.yaml").write_text(DET, encoding="utf-8")
    p = linesim("improve", "det.yaml", "--jobs", "2", "--out", tmp_path / "imp", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    with (tmp_path / "imp" / "improve.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    gains = [float(r["delta_annual_mean"]) for r in rows]
    assert gains == sorted(gains, reverse=True)
    base = YEAR_S / 60
    expected = {"B: one more server (2)": YEAR_S / 53 - base,
                "B: cycle time −10%": YEAR_S / 54 - base, "B: cycle time −5%": YEAR_S / 57 - base}
    assert [r["label"] for r in rows[:3]] == list(expected)
    for r in rows:
        assert float(r["predicted_gain"]) == pytest.approx(expected.get(r["label"], 0.0),
                                                           rel=1e-9, abs=1e-6), r["label"]
    for r, want in zip(rows, expected.values()):  # the simulated gains: the arithmetic's within 1 %
        assert float(r["delta_annual_mean"]) == pytest.approx(want, rel=0.01)
    assert (tmp_path / "imp" / "improve.png").is_file()
    manifest = json.loads((tmp_path / "imp" / "manifest.json").read_text())
    assert sorted(x.name for x in (tmp_path / "imp").iterdir()) == sorted(manifest["files"])


def test_solve_cycle_time_brackets_the_arithmetic_answer(tmp_path):
    """`linesim solve --target-key stations.A.cycle_time` on one constant station over 1 day:
    a part finishing exactly at the window's end is not counted, so 1350 a day (492,750 a year)
    is made for every cycle < 64 s and missed from 64 s on (31,536,000 / 492,750 = 64 s exactly).
    solve.json's bracket [low, high] contains 64 s, is within --tol, the meeting end makes
    exactly the target and the failing end one part a day less. The folder holds exactly the
    files its manifest lists."""
    (tmp_path / "one.yaml").write_text(_one_station("60 s", 492_750), encoding="utf-8")
    r = invoke("solve", tmp_path / "one.yaml", "--target-key", "stations.A.cycle_time",
               "--lo", "50 s", "--hi", "80 s", "--tol", "0.001", "--jobs", "1", "--no-charts",
               "--out", tmp_path / "sol")
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "sol" / "solve.json").read_text())
    assert data["low"] <= 64.0 <= data["high"] and data["high"] - data["low"] <= 0.001
    assert data["converged"] and data["direction"] == "decreasing" and data["unit"] == "s"
    assert data["meets"]["annual_mean"] == 492_750 and data["fails"]["annual_mean"] == 492_750 - 365
    assert data["arithmetic"] == pytest.approx(64.0, abs=1e-3)
    manifest = json.loads((tmp_path / "sol" / "manifest.json").read_text())
    assert sorted(x.name for x in (tmp_path / "sol").iterdir()) == sorted(manifest["files"])


def test_solve_servers_is_the_exact_smallest_integer(tmp_path):
    """`--target-key stations.A.servers`: a 200 s station makes 431 a day per server, so
    500,000 a year needs exactly 4 servers (3 make 1293 a day): the bracket is (3, 4)."""
    (tmp_path / "one.yaml").write_text(_one_station("200 s", 500_000), encoding="utf-8")
    r = invoke("solve", tmp_path / "one.yaml", "--target-key", "stations.A.servers",
               "--lo", "1", "--hi", "8", "--jobs", "1", "--no-charts", "--out", tmp_path / "sol")
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "sol" / "solve.json").read_text())
    assert data["integer"] and (data["fails"]["value"], data["meets"]["value"]) == (3, 4)
    assert (data["low"], data["high"]) == (3, 4)


def test_solve_target_met_at_both_ends_is_exit_2(tmp_path):
    """A range where the target is met at both ends (10 s and 20 s, the answer is 64 s) exits 2
    with one clear line saying so and what to widen, no traceback."""
    (tmp_path / "one.yaml").write_text(_one_station("60 s", 492_750), encoding="utf-8")
    p = linesim("solve", "one.yaml", "--target-key", "stations.A.cycle_time", "--lo", "10 s",
                "--hi", "20 s", "--jobs", "1", "--no-charts", "--out", tmp_path / "sol",
                cwd=tmp_path)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert "met at both ends" in p.stderr and "--lo/--hi" in p.stderr, p.stderr


@pytest.mark.parametrize("args, said", [
    ([], "solve needs a target"),  # the scenario has no target
    (["--lo", "20 s", "--hi", "10 s", "--set", "target.annual_output=400000"], "range"),
])
def test_solve_refused_before_anything_runs_leaves_no_folder(tmp_path, args, said):
    """Arguments solve cannot use (no target, an empty range) are refused with exit 2 before
    the experiment's folder is made: nothing is left behind (it used to leave a folder holding
    only sweep.sqlite)."""
    (tmp_path / "nt.yaml").write_text(DET.split("target:")[0], encoding="utf-8")
    p = linesim("solve", "nt.yaml", "--target-key", "stations.B.cycle_time", *args,
                "--jobs", "1", "--no-charts", "--out", tmp_path / "sol", cwd=tmp_path)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert said in p.stderr, p.stderr
    assert not (tmp_path / "sol").exists()
