"""The public Python API of sweeps: read a sweep folder into pandas, export its tables.

    >>> from linesim import sweeps
    >>> sw = sweeps.load("results/phase2-cycle")
    >>> sw.points[["point", "label", "annual_mean", "delta_annual_mean"]]
    >>> sw.replications.groupby("point").annual_output.describe()
    >>> sweeps.export("results/phase2-cycle", "parquet")   # points.parquet, replications.parquet

Everything is read from the sweep's store (``sweep.sqlite``), the one source of truth, read-only
— also while a sweep is still writing it, or after it was interrupted — one point at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import pandas as pd

from .experiments.core import Factor
from .experiments.store import Store
from .experiments.sweep import (POINTS_CSV, REPLICATIONS_CSV, point_columns, point_rows,
                                 replications_frame, write_tables)
from .results import STATION_COLUMNS, atomic_write

FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class Sweep:
    folder: Path
    store_path: Path
    definition: dict  # the resolved sweep definition as stored
    points: pd.DataFrame  # one row per point (points.csv's columns)
    replications: pd.DataFrame  # one row per stored replication (replications.csv's columns)

    @property
    def meta(self) -> dict:
        with Store.read(self.folder) as store:
            return store.meta()

    @property
    def stations(self) -> pd.DataFrame:
        """Per point, replication and station: time shares, bottleneck share, failures."""
        with Store.read(self.folder) as store:
            return stations_frame(store)

    def report(self) -> Path:
        """Write the sweep's ``report.html`` into its folder and return its path."""
        from .python_api import report_writer

        return report_writer()(self.folder)


def _factors(store: Store) -> list[Factor]:
    recorded = store.factors()
    if recorded is not None:
        return recorded
    names: dict[str, None] = {}
    for index in store.point_indices():
        point, _ = store.point(index)
        for name, _value in point.values:
            names.setdefault(name, None)
    return [Factor(name=n, keys=(n,)) for n in names]


def load(folder: str | Path, point_row: Optional[Callable[..., dict]] = None) -> Sweep:
    """The sweep in ``folder`` as DataFrames (``StoreRefused`` if it holds no sweep store)."""
    folder = Path(folder)
    with Store.read(folder) as store:
        factors = _factors(store)
        points = pd.DataFrame(list(point_rows(store, factors, point_row)),
                              columns=point_columns(factors))
        return Sweep(folder=folder, store_path=store.path, definition=store.definition(),
                     points=points, replications=replications_frame(store))


def stations_frame(store: Store) -> pd.DataFrame:
    """Per point, replication and station: the time shares, bottleneck share and failures."""
    rows = []
    for index in store.point_indices():
        for r in store.results(index):
            rows += [{"point": index, "replication": r.replication, "station": s.name,
                      "servers": s.servers, **s.shares, "bottleneck_share": s.bottleneck_share,
                      "failures": s.failures, "starved_episodes": s.starved_episodes}
                     for s in r.stations]
    return pd.DataFrame(rows, columns=["point", *STATION_COLUMNS])


def export(folder: str | Path, fmt: str = "parquet",
           point_row: Optional[Callable[..., dict]] = None) -> list[Path]:
    """Write the sweep's points, replications and stations tables in ``fmt`` (``csv`` or
    ``parquet``) into its folder, atomically; returns the files written. Parquet needs pyarrow
    (``pip install 'linesim[parquet]'``): ``ImportError`` with that hint otherwise."""
    if fmt not in FORMATS:
        raise ValueError(f"export format {fmt!r}: expected one of {', '.join(FORMATS)}")
    folder = Path(folder)
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError("exporting parquet needs pyarrow: pip install 'linesim[parquet]' "
                              "(or export csv)") from None
    written = []
    if fmt == "csv":  # the very files the sweep writes, and the stations beside them
        with Store.read(folder) as store:
            write_tables(folder, store, _factors(store), point_row)
            stations = stations_frame(store)
        atomic_write(folder / "stations.csv",
                     lambda f: f.write(stations.to_csv(index=False, lineterminator="\n")))
        return [folder / POINTS_CSV, folder / REPLICATIONS_CSV, folder / "stations.csv"]
    sweep = load(folder, point_row)
    with Store.read(folder) as store:
        tables = {"points": sweep.points, "replications": sweep.replications,
                  "stations": stations_frame(store)}
    for name, df in tables.items():
        path = folder / f"{name}.parquet"
        atomic_write(path, lambda f, df=df: df.to_parquet(f, index=False), binary=True)
        written.append(path)
    return written
