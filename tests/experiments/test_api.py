"""The public API of sweep folders: ``linesim.sweeps.load`` gives DataFrames equal to the
folder's tables, ``export`` writes parquet or CSV; a sweep folder is never replaced by a run."""

from __future__ import annotations

import pandas as pd

from linesim import sweeps
from linesim.experiments import sweep as sw
from linesim.experiments.execute import Local
from tests.cli.conftest import invoke
from tests.experiments.conftest import DEFINITION, FACTOR, tiny_base, tiny_points


def _folder(tmp_path):
    base = tiny_base(tmp_path, horizon="6 h")
    folder = tmp_path / "sweep"
    with sw.opened(folder, DEFINITION, base, resume=False) as store:
        sw.run_sweep(tiny_points(base, 3), Local(1), store, folder, definition=DEFINITION,
                     max_reps=2, factors=[FACTOR])
    return folder


def test_load_and_export(tmp_path):
    """load() reads the store into points/replications DataFrames equal to the CSV tables and
    the stored definition; export parquet writes tables equal to them; export csv rewrites the
    very same points.csv and replications.csv bytes and adds stations.csv."""
    folder = _folder(tmp_path)
    s = sweeps.load(folder)
    assert s.definition == DEFINITION and s.store_path == folder / "sweep.sqlite"
    assert list(s.points["point"]) == [0, 1, 2] and len(s.replications) == 6
    pd.testing.assert_frame_equal(s.replications, pd.read_csv(folder / "replications.csv"),
                                  check_dtype=False)
    assert list(s.points.columns) == list(pd.read_csv(folder / "points.csv").columns)
    written = sweeps.export(folder, "parquet")
    assert sorted(p.name for p in written) == ["points.parquet", "replications.parquet",
                                               "stations.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "replications.parquet"), s.replications)
    before = {n: (folder / n).read_bytes() for n in ("points.csv", "replications.csv")}
    sweeps.export(folder, "csv")
    assert {n: (folder / n).read_bytes() for n in before} == before
    stations = pd.read_csv(folder / "stations.csv")
    assert len(stations) == 6 * 3 and list(stations.columns[:3]) == ["point", "replication", "station"]


def test_a_run_does_not_replace_a_sweep_folder(tmp_path):
    """`linesim run --out` a sweep's folder is refused (exit 2): replacing it would delete the
    sweep's store."""
    folder = _folder(tmp_path)
    scenario = tmp_path / "tiny.yaml"
    result = invoke("run", scenario, "--out", folder, "--no-charts")
    assert result.exit_code == 2, result.output
    assert (folder / "sweep.sqlite").exists()
