"""`linesim sweep` through the command line: the folder it writes, the `--vary` forms, bad sweep
files and options (exit 2, nothing written), the store's refusal without `--resume`, resume of a
finished sweep, executor independence (jobs 1, jobs 2, a real Dask LocalCluster), exports and
`linesim.sweeps.load`, and the plain progress lines when stderr is not a terminal."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from ._counting import linesim_counted
from .conftest import TINY, invoke, linesim

# The tiny line over 2 days, 4 replications: a 3-point sweep is 12 short replications.
SMALL = TINY.replace("horizon: 1 d", "horizon: 2 d").replace("replications: 2", "replications: 4")

SWEEP = textwrap.dedent("""
    name: cyc
    base: tiny.yaml
    parameters:
      - key: stations.A.cycle_time.mean
        values: [35 s, 40 s, 45 s]
    """).lstrip()

DELTAS = ["delta_annual_mean", "delta_annual_ci_low", "delta_annual_ci_high",
          "delta_throughput_mean", "delta_throughput_ci_low", "delta_throughput_ci_high"]
TABLES = ["points.csv", "replications.csv"]


def _files(tmp: Path, sweep: str = SWEEP) -> Path:
    (tmp / "tiny.yaml").write_text(SMALL, encoding="utf-8")
    path = tmp / "cyc.yaml"
    path.write_text(sweep, encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _stored(folder: Path) -> int:
    conn = sqlite3.connect(f"{(folder / 'sweep.sqlite').resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM replications").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """One `linesim sweep cyc.yaml --jobs 2` of 3 points × 4 replications, shared."""
    tmp = tmp_path_factory.mktemp("sweep_cli")
    path = _files(tmp)
    proc = linesim("sweep", path, "--jobs", "2", cwd=tmp)
    return tmp, path, tmp / "runs" / "cyc", proc


def test_sweep_file_writes_the_folder(swept):
    """`linesim sweep FILE` exits 0 and writes runs/<name>/ with points.csv, replications.csv,
    sweep.resolved.yaml, manifest.json (status complete, listing every file), sweep.sqlite and the
    one-factor response chart; point 0 is the base, one row per point with the factor's column
    (seconds), replications.csv has every (point, replication), and the base's paired deltas
    are exactly 0."""
    tmp, _path, folder, proc = swept
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in folder.iterdir()}
    assert {"points.csv", "replications.csv", "sweep.resolved.yaml", "manifest.json",
            "sweep.sqlite", "response.png"} <= names
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["replications_stored"] == 12
    assert set(manifest["files"]) <= names and "response.png" in manifest["files"]
    rows = _rows(folder / "points.csv")
    assert [r["point"] for r in rows] == ["0", "1", "2"] and rows[0]["label"] == "base"
    assert [float(r["stations.A.cycle_time.mean"]) for r in rows] == [40.0, 35.0, 45.0]
    assert all(r["replications"] == "4" for r in rows)
    assert all(float(rows[0][c]) == 0.0 for c in DELTAS)
    assert float(rows[1]["delta_annual_mean"]) > 0 > float(rows[2]["delta_annual_mean"])
    reps = _rows(folder / "replications.csv")
    assert sorted((int(r["point"]), int(r["replication"])) for r in reps) == \
        [(p, r) for p in range(3) for r in range(4)]
    assert "12 replications run, 0 found from before" in proc.stdout


@pytest.mark.parametrize("vary, expected", [
    (["stations.A.cycle_time.mean=35 s,45 s"], [[40.0], [35.0], [45.0]]),
    (["stations.A.cycle_time.mean=30s..40s:5s"], [[40.0], [30.0], [35.0]]),
    (["stations.A.cycle_time.mean=30s..50s/3"], [[40.0], [30.0], [50.0]]),
    (["stations.B.cycle_time=x0.5,1,2"], [[1.0], [0.5], [2.0]]),
    (["stations.A.cycle_time.mean=30 s,40 s", "stations.B.servers=1,2"],
     [[40.0, 1], [30.0, 1], [30.0, 2], [40.0, 2]]),
])
def test_vary_forms(tmp_path, vary, expected):
    """`--vary` as a list, a range by step, a range by count, a scale, and two `--vary` = a grid
    of the factors; the base's own level is point 0 and is not repeated."""
    (tmp_path / "tiny.yaml").write_text(SMALL, encoding="utf-8")
    args = [a for v in vary for a in ("--vary", v)]
    r = invoke("sweep", tmp_path / "tiny.yaml", *args, "-n", "2", "--horizon", "4 h",
               "--jobs", "1", "--no-charts", "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    rows = _rows(tmp_path / "out" / "points.csv")
    factor_columns = list(rows[0])[2:2 + len(vary)]
    assert [[float(r[c]) for c in factor_columns] for r in rows] == expected


def test_vary_one_at_a_time_gives_a_tornado(tmp_path):
    """`--design one_at_a_time` with two factors: each factor over its levels with the other at
    base (2 + 2 points after the base), and the tornado chart."""
    (tmp_path / "tiny.yaml").write_text(SMALL, encoding="utf-8")
    r = invoke("sweep", tmp_path / "tiny.yaml", "--vary", "stations.A.cycle_time.mean=30 s,50 s",
               "--vary", "stations.B.servers=2,3", "--design", "one_at_a_time", "-n", "2",
               "--horizon", "4 h", "--jobs", "1", "--out", tmp_path / "oat")
    assert r.exit_code == 0, r.output
    rows = _rows(tmp_path / "oat" / "points.csv")
    got = [(float(r["stations.A.cycle_time.mean"]), int(r["stations.B.servers"])) for r in rows]
    assert got == [(40.0, 1), (30.0, 1), (50.0, 1), (40.0, 2), (40.0, 3)]
    assert (tmp_path / "oat" / "tornado.png").is_file()


def test_two_factor_grid_draws_a_heatmap(tmp_path):
    """A two-factor grid writes the heatmap chart (and lists it in the manifest)."""
    (tmp_path / "tiny.yaml").write_text(SMALL, encoding="utf-8")
    r = invoke("sweep", tmp_path / "tiny.yaml", "--vary", "stations.A.cycle_time.mean=30 s,50 s",
               "--vary", "stations.B.servers=1,2", "-n", "2", "--horizon", "4 h", "--jobs", "1",
               "--out", tmp_path / "g")
    assert r.exit_code == 0, r.output
    assert "heatmap.png" in json.loads((tmp_path / "g" / "manifest.json").read_text())["files"]
    assert (tmp_path / "g" / "heatmap.png").is_file()


@pytest.mark.parametrize("vary, expect", [
    ("stations.A.cycle_time.mean", ["--vary", "expected KEY=VALUES"]),
    ("stations.Z.cycle_time=1,2", ["--vary", "stations.Z.cycle_time", "no station 'Z'"]),
    ("stations.A.cycle_tme=1,2", ["stations.A.cycle_tme", "did you mean 'cycle_time'"]),
    ("stations.A.servers=0,1", ["stations.A.servers", "refuses", "greater than or equal to 1"]),
    ("stations.A.cycle_time.mean=30s..40s:0s", ["step", "> 0"]),
    ("stations.A.cycle_time.mean=abc", ["expected a duration", "'abc'"]),
])
def test_bad_vary_exit_2_nothing_written(tmp_path, vary, expect):
    """A bad `--vary` (no values, unknown station, unknown key with did-you-mean, a value the
    scenario refuses, a zero step, not a duration) exits 2 naming the key, with no traceback,
    and writes nothing."""
    (tmp_path / "tiny.yaml").write_text(SMALL, encoding="utf-8")
    p = linesim("sweep", tmp_path / "tiny.yaml", "--vary", vary, "--out", tmp_path / "out",
                cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    for text in expect:
        assert text in p.stderr, p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["tiny.yaml"]


BAD_SWEEPS = {
    "unknown-key": ("name: b\nbase: tiny.yaml\nparamters:\n  - key: stations.A.servers\n"
                    "    values: [1, 2]\n",
                    ["b.yaml:3:", "paramters", "did you mean 'parameters'"]),
    "missing-base": ("name: b\nparameters:\n  - key: stations.A.servers\n    values: [1, 2]\n",
                     ["b.yaml:1:", "base", "required"]),
    "base-not-found": ("name: b\nbase: nope.yaml\nparameters:\n  - key: stations.A.servers\n"
                       "    values: [1, 2]\n", ["b.yaml:2:", "base", "nope.yaml"]),
    "key-not-in-scenario": ("name: b\nbase: tiny.yaml\nparameters:\n  - key: stations.A.servers\n"
                            "    values: [1, 2]\n  - key: stations.A.nope\n    values: [1, 2]\n",
                            ["b.yaml:6:", "parameters[1].key", "'nope'"]),
    "value-refused": ("name: b\nbase: tiny.yaml\nparameters:\n  - key: stations.A.servers\n"
                      "    values: [1, 0]\n",
                      ["b.yaml:5:", "parameters[0].values[1]", "refuses"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SWEEPS))
def test_bad_sweep_file_exit_2_with_key_and_line(tmp_path, case):
    """A bad sweep file (unknown key → did-you-mean, no base, a base that does not exist, a key
    the scenario lacks, a value it refuses) exits 2 with file:line and the key path, no
    traceback, and no folder is written."""
    text, expect = BAD_SWEEPS[case]
    (tmp_path / "tiny.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    p = linesim("sweep", "b.yaml", cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    for s in expect:
        assert s in p.stderr, p.stderr
    assert not (tmp_path / "runs").exists() and not (tmp_path / "results").exists()


def test_second_sweep_without_resume_is_refused_and_the_store_kept(swept):
    """Running the same sweep again into a finished folder without --resume exits 2 saying to
    add --resume, and leaves every file of the folder byte-identical."""
    tmp, path, folder, proc = swept
    assert proc.returncode == 0, proc.stderr
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "sweep.sqlite"}
    stored = _stored(folder)
    p = linesim("sweep", path, "--jobs", "2", cwd=tmp)
    assert p.returncode == 2
    assert "--resume" in p.stderr and "12 replications stored" in p.stderr
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "sweep.sqlite"}
    assert after == before and _stored(folder) == stored


def test_resume_of_a_finished_sweep_runs_nothing(tmp_path):
    """--resume on a finished sweep simulates no replication (counted in every process: the
    first run simulates 12, the resume 0; the output says 0 run, 12 found from before) and
    rewrites points.csv and replications.csv byte-identical."""
    path = _files(tmp_path)
    first, n = linesim_counted("sweep", path, "--jobs", "2", "--no-charts", cwd=tmp_path,
                               calls=tmp_path / "calls")
    assert first.returncode == 0, first.stderr
    assert n == 12  # the counting works
    folder = tmp_path / "runs" / "cyc"
    before = {n: (folder / n).read_bytes() for n in TABLES}
    again, n = linesim_counted("sweep", path, "--jobs", "2", "--no-charts", "--resume",
                               cwd=tmp_path, calls=tmp_path / "calls")
    assert again.returncode == 0, again.stderr
    assert n == 0
    assert "0 replications run, 12 found from before" in again.stdout
    assert {n: (folder / n).read_bytes() for n in TABLES} == before
    assert _stored(folder) == 12


@pytest.mark.parametrize("change, expect", [
    (lambda tmp: (tmp / "cyc.yaml").write_text(SWEEP.replace("45 s", "50 s")),
     "sweep definition changed (the sweep file or its options: parameters[0].levels[2])"),
    (lambda tmp: (tmp / "tiny.yaml").write_text(SMALL.replace("seed: 7", "seed: 8")),
     "base scenario changed (run.seed)"),
    (lambda tmp: (tmp / "tiny.yaml").write_text(SMALL.replace("buffer_after: 1",
                                                              "buffer_after: 3")),
     "base scenario changed (stations[1].buffer_after)"),
])
def test_resume_refuses_a_changed_sweep(tmp_path, change, expect):
    """--resume after the sweep file or its base scenario changed exits 2 naming which changed
    and the key path that changed (the resolved definition's or scenario's), and leaves the
    tables as they were."""
    path = _files(tmp_path)
    first = linesim("sweep", path, "--jobs", "2", "--no-charts", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "runs" / "cyc"
    before = {n: (folder / n).read_bytes() for n in TABLES}
    change(tmp_path)
    p = linesim("sweep", path, "--jobs", "2", "--no-charts", "--resume", cwd=tmp_path)
    assert p.returncode == 2
    assert "cannot resume" in p.stderr and expect in p.stderr, p.stderr
    assert {n: (folder / n).read_bytes() for n in TABLES} == before


def test_jobs_1_jobs_2_and_dask_local_cluster_give_identical_tables(tmp_path):
    """The same sweep with --jobs 1, --jobs 2 and --dask-local 2 (a real Dask LocalCluster)
    writes byte-identical points.csv and replications.csv."""
    pytest.importorskip("distributed")
    path = _files(tmp_path)
    tables = {}
    for label, opts in {"j1": ["--jobs", "1"], "j2": ["--jobs", "2"],
                        "dask": ["--dask-local", "2"]}.items():
        p = linesim("sweep", path, *opts, "--no-charts", "--out", tmp_path / label, cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        manifest = json.loads((tmp_path / label / "manifest.json").read_text())
        assert manifest["executor"]["executor"] == ("dask" if label == "dask" else "local")
        tables[label] = {n: (tmp_path / label / n).read_bytes() for n in TABLES}
    assert tables["j1"] == tables["j2"] == tables["dask"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_and_load(tmp_path, fmt):
    """--export csv|parquet writes the points and replications tables in that format (listed
    in the manifest), and linesim.sweeps.load(folder) returns DataFrames equal to the CSVs.
    Reading the store (export, load) leaves no file the manifest does not list (no
    sweep.sqlite-wal/-shm beside the store)."""
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    from linesim import sweeps

    path = _files(tmp_path)
    p = linesim("sweep", path, "--jobs", "2", "--no-charts", "--export", fmt, "--out",
                tmp_path / "out", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    folder = tmp_path / "out"
    manifest = json.loads((folder / "manifest.json").read_text())
    for table in ("points", "replications"):
        read = pd.read_parquet if fmt == "parquet" else pd.read_csv
        exported = folder / f"{table}.{fmt}"
        assert exported.is_file() and exported.name in manifest["files"]
        assert len(read(exported)) == (3 if table == "points" else 12)
    loaded = sweeps.load(folder)
    pd.testing.assert_frame_equal(loaded.points.reset_index(drop=True),
                                  pd.read_csv(folder / "points.csv"), check_dtype=False)
    pd.testing.assert_frame_equal(loaded.replications.reset_index(drop=True),
                                  pd.read_csv(folder / "replications.csv"), check_dtype=False)
    assert sorted(p.name for p in folder.iterdir()) == sorted(manifest["files"])


def test_plain_progress_lines_when_not_a_terminal(swept):
    """With stderr a pipe (not a terminal) the sweep prints plain progress lines ending with
    '<name>: N/M replications done in T' (no bar, no control characters) and its header."""
    _tmp, _path, _folder, proc = swept
    assert proc.returncode == 0, proc.stderr
    assert "sweep cyc: 3 points (point 0 the base)" in proc.stderr
    assert re.search(r"^cyc: 12/12 replications done in \d+ s$", proc.stderr, re.M), proc.stderr
    assert "\x1b" not in proc.stderr and "\r" not in proc.stderr


def test_vary_morris_writes_the_screening(tmp_path):
    """`--design morris` over two sampled ranges (one absolute, one a scale) writes morris.csv
    (μ*, its interval, σ for each factor, by its column name) and the μ*–σ chart, both listed in
    the manifest."""
    (tmp_path / "tiny.yaml").write_text(SMALL, encoding="utf-8")
    r = invoke("sweep", tmp_path / "tiny.yaml", "--vary", "stations.A.cycle_time.mean=30s..50s",
               "--vary", "stations.B.cycle_time=x0.8,1.2", "--design", "morris", "-n", "2",
               "--horizon", "4 h", "--jobs", "2", "--out", tmp_path / "m")
    assert r.exit_code == 0, r.output
    folder = tmp_path / "m"
    morris = pd.read_csv(folder / "morris.csv")
    assert list(morris["factor"]) == ["stations.A.cycle_time.mean", "stations.B.cycle_time"]
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(morris.columns)
    assert (morris["mu_star"] > 0).all()  # slower stations lose output: both matter
    files = json.loads((folder / "manifest.json").read_text())["files"]
    assert {"morris.csv", "morris.png"} <= set(files) and (folder / "morris.png").is_file()
