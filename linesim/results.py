"""Results: a run folder on disk — tables and files from the estimate, never from SimPy.

Stage: replicate + estimate ─► **results** (files) ─► charts ─► report ─► cli.

A run folder holds ``summary.json``, ``replications.csv``, ``stations.csv``, ``buffers.csv``,
the time series ``periods.csv``, ``buffer_periods.csv`` and ``buffer_occupancy.csv``, the
arrivals offered and lost per source ``arrivals.csv``,
``scenario.resolved.yaml`` (every default written out) and ``manifest.json`` (versions, seed,
stream scheme, command line, wall time, status). JSON has sorted keys and CSV a fixed column
order, so the same seed gives the same bytes; timestamps appear only in the manifest. Every file
is written to a temporary name in the same folder and renamed, so an interrupted run never
leaves a half-written file; the folder as a whole is made complete by runfolder.py (written
beside the old one and swapped in).

Files get the mode the user's umask gives (``0o666 & ~umask``): ``mkstemp`` creates 0600 and
that mode would survive the rename, leaving results unreadable to colleagues on a shared drive.
"""

from __future__ import annotations

import io
import json
import math
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
from .units import DAY

if TYPE_CHECKING:  # tables only: no SimPy at run time for charts and reports
    from .scenario import Scenario
    from .simulate import RunResult

REPLICATION_COLUMNS = [
    "replication", "output", "scrapped", "lost", "throughput_per_h", "annual_output", "wip_mean",
    "lead_time_mean_s", "scheduled_s", "observed_s", "bottleneck",
]
STATION_COLUMNS = ["replication", "station", "servers", *STATE_NAMES, "bottleneck_share", "failures",
                   "starved_episodes"]
BUFFER_COLUMNS = ["replication", "after", "before", "kind", "capacity", "mean_level", "max_level"]
# Time series (simulate.RunResult.periods / occupancy, see series.py).
PERIOD_COLUMNS = ["replication", "period", "start_day", "end_day", "scheduled_h", "in_warmup",
                  "output", "scrapped", "lost", "wip_end", "wip_mean"]
BUFFER_PERIOD_COLUMNS = ["replication", "period", "after", "before", "level_end", "level_mean"]
OCCUPANCY_COLUMNS = ["replication", "after", "before", "level", "time_share"]
# Per replication and arrival source (a station with ``arrivals``): simulate.RunResult.arrivals.
ARRIVAL_COLUMNS = ["replication", "source", "offered", "lost", "loss_share"]
# Every file a run folder can hold (the manifest also lists the ones it holds).
TABLE_FILES = ["summary.json", "replications.csv", "stations.csv", "buffers.csv",
               "periods.csv", "buffer_periods.csv", "buffer_occupancy.csv", "arrivals.csv",
               "scenario.resolved.yaml"]
CHART_FILES = ["station_states.png", "annual_output.png", "station_states_calendar.png",
               "bottleneck_shares.png", "oee.png", "output_per_period.png", "wip.png",
               "buffer_levels.png", "buffer_occupancy.png"]
MANIFEST = "manifest.json"
REPORT_FILE = "report.html"  # html_report, written after the manifest (unless --no-report)
RUN_FILES = [*TABLE_FILES, *CHART_FILES, MANIFEST, REPORT_FILE]


def current_umask() -> int:
    """The process's umask, read without changing it where the OS allows (Linux /proc), else by
    setting and restoring it (a moment in which another thread could create a file 0666)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    return 0o666 & ~current_umask()


def folder_mode() -> int:
    return 0o777 & ~current_umask()


def atomic_write(path: Path, writer: Callable[[io.IOBase], None], binary: bool = False) -> None:
    """Write via ``writer(file)`` to a temporary file beside ``path``, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as f:
            writer(f)
        os.chmod(tmp, file_mode())
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
        "replication": r.replication, "output": r.output, "scrapped": r.scrapped, "lost": r.lost,
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


def periods_table(results: list[RunResult]) -> pd.DataFrame:
    """One row per replication and period (from t = 0 to the window's end, warm-up marked):
    ``period`` numbers the rows of a replication 1, 2, ... in time order (unique: the period
    holding the warm-up's end is split there into two periods, the first in the warm-up), and
    ``start_day``/``end_day`` say where each lies (week 1 = days 0 to 7)."""
    rows = []
    for r in results:
        p = r.periods
        if p is None:  # a replication read back from a sweep's store keeps no series
            continue
        for i in range(len(p.number)):
            rows.append({
                "replication": r.replication, "period": i + 1, "start_day": p.t[i] / DAY,
                "end_day": p.t[i + 1] / DAY, "scheduled_h": p.scheduled_h[i],
                "in_warmup": p.in_warmup[i], "output": p.output[i], "scrapped": p.scrapped[i],
                "lost": p.lost[i], "wip_end": p.wip_end[i], "wip_mean": p.wip_mean[i]})
    return pd.DataFrame(rows, columns=PERIOD_COLUMNS)


def buffer_periods_table(results: list[RunResult]) -> pd.DataFrame:
    """One row per replication, period (numbered as in ``periods_table``) and buffer (labelled
    as in buffers.csv): its level at the period's end and its time-weighted mean over it."""
    rows = []
    for r in results:
        p = r.periods
        if p is None:
            continue
        for e, b in enumerate(r.buffers):
            for i in range(len(p.number)):
                rows.append({"replication": r.replication, "period": i + 1, "after": b.after,
                             "before": b.before, "level_end": p.level_end[e][i],
                             "level_mean": p.level_mean[e][i]})
    return pd.DataFrame(rows, columns=BUFFER_PERIOD_COLUMNS)


def occupancy_table(results: list[RunResult]) -> pd.DataFrame:
    """One row per replication, buffer and level 0, 1, ...: the share of the observation
    window the buffer held that many parts (the last level of an unlimited buffer: that many
    or more; ``series.level_bins``)."""
    rows = [{"replication": r.replication, "after": b.after, "before": b.before, "level": k,
             "time_share": share}
            for r in results if r.occupancy is not None
            for b, shares in zip(r.buffers, r.occupancy) for k, share in enumerate(shares)]
    return pd.DataFrame(rows, columns=OCCUPANCY_COLUMNS)


def arrivals_table(results: list[RunResult]) -> pd.DataFrame:
    """One row per replication and arrival source: the arrivals from outside offered to its
    queue in the observation window, those turned away by a full queue (``when_full: lose``)
    and their share of the offered (0 when none were offered). No rows for a plant
    without arrivals."""
    rows = [{"replication": r.replication, "source": name, "offered": c["offered"],
             "lost": c["lost"], "loss_share": c["lost"] / c["offered"] if c["offered"] else 0.0}
            for r in results for name, c in r.arrivals.items()]
    return pd.DataFrame(rows, columns=ARRIVAL_COLUMNS)


def _csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\n")


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"linesim": __version__, "python": platform.python_version()}
    for pkg in ("simpy", "numba", "numpy", "scipy", "pandas", "pydantic", "pyyaml", "matplotlib"):
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
    write_text(folder / "periods.csv", _csv(periods_table(results)))
    write_text(folder / "buffer_periods.csv", _csv(buffer_periods_table(results)))
    write_text(folder / "buffer_occupancy.csv", _csv(occupancy_table(results)))
    write_text(folder / "arrivals.csv", _csv(arrivals_table(results)))
    write_text(folder / "scenario.resolved.yaml",
               yaml.safe_dump(scenario.resolved(), sort_keys=False, allow_unicode=True))


def output_size_estimate(scenario: Scenario) -> int:
    """A generous estimate of a run folder's size in bytes: twice what the tables and charts
    measure (a few hundred bytes a replication and station, some 60 a replication and arrival
    source; charts some 40 KB each and about 40 KB more per station over the station and
    buffer charts), to refuse a run up front when the disk clearly cannot hold it."""
    n, stations = scenario.run.replications, len(scenario.stations)
    sources = sum(st.arrivals is not None for st in scenario.stations)
    return 2 * (384 * 1024 + n * (200 + 150 * 2 * stations + 60 * sources
                                  + _series_size(scenario))
                + 40 * 1024 * stations)


def _series_size(scenario: Scenario) -> int:
    """Bytes of one replication's rows in the time-series tables, generously: about 120 a
    period, 80 a period and buffer, 60 a buffer's occupancy level."""
    from .series import level_bins, period_length

    _, length = period_length(scenario.run.horizon)
    periods = int((scenario.run.horizon + 5 * scenario.run.warmup) / length) + 3
    by_name = {st.name: st for st in scenario.stations}
    caps = []
    for st in scenario.stations:
        if st.arrivals is not None:
            caps.append(st.arrivals.queue)
        for name in st.inputs:
            up = by_name[name]
            caps.append(up.conveyor.capacity if up.conveyor is not None else up.buffer_after)
        if st.rework is not None:
            caps.append("unlimited")
    bins = sum(level_bins(math.inf if c == "unlimited" else c) for c in caps)
    return 120 * periods + 80 * periods * len(caps) + 60 * bins


def write_manifest(folder: Path, scenario: Scenario, *, source: str, status: str,
                   started: str, finished: str, wall_s: float, jobs: int,
                   error: str | None = None, replications_run: int | None = None,
                   engine: str | None = None, engine_note: str | None = None,
                   command: list[str] | None = None, warnings: list | None = None) -> None:
    """The manifest, written last: ``status`` is ok for a complete run folder, failed or
    interrupted for partial output kept aside; ``files`` lists what the folder holds;
    ``engine`` the engine that ran ("simpy" or "fast") and ``engine_note`` why; ``command``
    what made it (default: this process's command line, as ``linesim ARGS``); ``warnings``
    the scenario's plausibility warnings (file, line, key path, message)."""
    files = sorted({p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
                   | {MANIFEST})
    manifest = {
        "scenario": scenario.name,
        "source": source,
        "status": status,
        "error": error,
        "seed": scenario.run.seed,
        "stream_scheme": SCHEME_VERSION,
        "replications": scenario.run.replications,
        "jobs": jobs,
        # The arguments as typed, the program as "linesim" (not the path of this machine's
        # executable or of linesim/__main__.py: a manifest must stay portable).
        "command": list(command) if command is not None else ["linesim", *sys.argv[1:]],
        "started": started,
        "finished": finished,
        "wall_s": round(wall_s, 3),
        "versions": versions(),
        "platform": platform.platform(),
        "files": files,
        "warnings": list(warnings or []),
    }
    if engine is not None:
        manifest["engine"], manifest["engine_note"] = engine, engine_note
    if scenario.run.precision is not None:  # replications added until precise: how many ran
        manifest["precision"] = scenario.run.precision
        manifest["max_replications"] = scenario.run.replications
        manifest["replications"] = replications_run
    write_text(folder / "manifest.json", dumps_json(manifest))
