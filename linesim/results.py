"""Results: a run folder on disk — tables and files from the estimate, never from SimPy.

Stage: replicate + estimate ─► **results** (files) ─► charts ─► report ─► cli.

A run folder holds ``summary.json``, ``replications.csv``, ``stations.csv``, ``buffers.csv``,
``scenario.resolved.yaml`` (every default written out) and ``manifest.json`` (versions, seed,
stream scheme, command line, wall time, status). JSON has sorted keys and CSV a fixed column
order, so the same seed gives the same bytes; timestamps appear only in the manifest. Every file
is written to a temporary name in the same folder and renamed, so an interrupted run never
leaves a half-written file.
"""

from __future__ import annotations

import io
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd
import yaml

from . import __version__
from .states import STATE_NAMES
from .streams import SCHEME_VERSION

if TYPE_CHECKING:  # tables only: no SimPy at run time for charts and reports
    from .scenario import Scenario
    from .simulate import RunResult

REPLICATION_COLUMNS = [
    "replication", "output", "scrapped", "throughput_per_h", "annual_output", "wip_mean",
    "lead_time_mean_s", "scheduled_s", "observed_s", "bottleneck",
]
STATION_COLUMNS = ["replication", "station", "servers", *STATE_NAMES, "bottleneck_share", "failures",
                   "starved_episodes"]
BUFFER_COLUMNS = ["replication", "after", "before", "kind", "capacity", "mean_level", "max_level"]


def atomic_write(path: Path, writer: Callable[[io.IOBase], None], binary: bool = False) -> None:
    """Write via ``writer(file)`` to a temporary file beside ``path``, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as f:
            writer(f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text))


def dumps_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"


def replications_table(results: list[RunResult]) -> pd.DataFrame:
    rows = [{
        "replication": r.replication, "output": r.output, "scrapped": r.scrapped,
        "throughput_per_h": r.throughput_per_h, "annual_output": r.annual_output,
        "wip_mean": r.wip_mean, "lead_time_mean_s": r.lead_time_mean_s,
        "scheduled_s": r.scheduled_s, "observed_s": r.observed_s, "bottleneck": r.bottleneck,
    } for r in results]
    return pd.DataFrame(rows, columns=REPLICATION_COLUMNS)


def stations_table(results: list[RunResult]) -> pd.DataFrame:
    rows = [{
        "replication": r.replication, "station": s.name, "servers": s.servers, **s.shares,
        "bottleneck_share": s.bottleneck_share, "failures": s.failures,
        "starved_episodes": s.starved_episodes,
    } for r in results for s in r.stations]
    return pd.DataFrame(rows, columns=STATION_COLUMNS)


def buffers_table(results: list[RunResult]) -> pd.DataFrame:
    rows = [{
        "replication": r.replication, "after": b.after, "before": b.before, "kind": b.kind,
        "capacity": b.capacity,
        "mean_level": b.mean_level, "max_level": b.max_level,
    } for r in results for b in r.buffers]
    return pd.DataFrame(rows, columns=BUFFER_COLUMNS)


def _csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\n")


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"linesim": __version__, "python": platform.python_version()}
    for pkg in ("simpy", "numpy", "scipy", "pandas", "pydantic", "pyyaml", "matplotlib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def write_run(folder: Path, scenario: Scenario, results: list[RunResult], summary: dict) -> None:
    """Write every table of a finished run (the manifest is written separately)."""
    write_text(folder / "summary.json", dumps_json(summary))
    write_text(folder / "replications.csv", _csv(replications_table(results)))
    write_text(folder / "stations.csv", _csv(stations_table(results)))
    write_text(folder / "buffers.csv", _csv(buffers_table(results)))
    write_text(folder / "scenario.resolved.yaml",
               yaml.safe_dump(scenario.resolved(), sort_keys=False, allow_unicode=True))


def write_manifest(folder: Path, scenario: Scenario, *, source: str, status: str,
                   started: str, finished: str, wall_s: float, jobs: int,
                   error: str | None = None) -> None:
    manifest = {
        "scenario": scenario.name,
        "source": source,
        "status": status,
        "error": error,
        "seed": scenario.run.seed,
        "stream_scheme": SCHEME_VERSION,
        "replications": scenario.run.replications,
        "jobs": jobs,
        "command": sys.argv,
        "started": started,
        "finished": finished,
        "wall_s": round(wall_s, 3),
        "versions": versions(),
        "platform": platform.platform(),
    }
    write_text(folder / "manifest.json", dumps_json(manifest))
