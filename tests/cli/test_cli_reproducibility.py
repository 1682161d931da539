"""Run folders are reproducible: the same seed gives byte-identical tables whatever the number
of worker processes; another seed gives other numbers."""

from __future__ import annotations

import json

import pytest

from .conftest import TABLE_FILES, invoke


def run_in_process(scenario, folder, *extra):
    res = invoke("run", scenario, "--out", folder, "--jobs", "1", "--no-charts", "--no-report",
                 *extra)
    assert res.exit_code == 0, (res.output, res.exception)
    return folder


@pytest.fixture(scope="module")
def serial_run(tiny_run, tmp_path_factory):
    """The tiny scenario run in-process with --jobs 1 (the shared run used --jobs 2)."""
    return run_in_process(tiny_run.scenario, tmp_path_factory.mktemp("serial") / "run")


def test_same_seed_twice_gives_identical_bytes(tiny_run, serial_run, tmp_path):
    """Two runs with the same seed write byte-identical summary.json, CSVs and resolved scenario
    (only the manifest carries timestamps)."""
    again = run_in_process(tiny_run.scenario, tmp_path / "again")
    for name in TABLE_FILES:
        assert (again / name).read_bytes() == (serial_run / name).read_bytes(), name
    # and the manifests differ only where they should (timings), not in what was run
    m1, m2 = (json.loads((f / "manifest.json").read_text()) for f in (serial_run, again))
    assert {k: v for k, v in m1.items() if k not in {"started", "finished", "wall_s", "command"}} \
        == {k: v for k, v in m2.items() if k not in {"started", "finished", "wall_s", "command"}}


def test_jobs_1_and_jobs_2_give_identical_bytes(tiny_run, serial_run):
    """Replications in one process or in two worker processes give the same bytes: each
    replication's random numbers depend on its index only."""
    assert tiny_run.proc.returncode == 0, tiny_run.proc.stderr
    for name in TABLE_FILES:
        assert (tiny_run.folder / name).read_bytes() == (serial_run / name).read_bytes(), name


def test_different_seed_gives_different_numbers(tiny_run, serial_run, tmp_path):
    """--seed 8 changes the replications (different random numbers), and the summary records it."""
    other = run_in_process(tiny_run.scenario, tmp_path / "other", "--seed", "8")
    assert (other / "replications.csv").read_bytes() != (serial_run / "replications.csv").read_bytes()
    assert json.loads((other / "summary.json").read_text())["seed"] == 8


def test_rerun_into_same_folder_replaces_files(tiny_run, tmp_path):
    """Running again into an existing run folder replaces its files completely (no stale rows,
    no temporary files)."""
    folder = run_in_process(tiny_run.scenario, tmp_path / "run", "--replications", "3")
    run_in_process(tiny_run.scenario, folder, "--replications", "2", "--seed", "9")
    lines = (folder / "replications.csv").read_text().splitlines()
    assert len(lines) == 1 + 2
    assert json.loads((folder / "summary.json").read_text())["seed"] == 9
    assert sorted(p.name for p in folder.iterdir()) == sorted(TABLE_FILES + ["manifest.json"])
