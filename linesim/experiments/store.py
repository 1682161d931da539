"""The sweep store: one SQLite file per sweep folder that survives interruption (kill -9 included).

Stage: execute ─► **store** ─► sweep / analyze / the public ``linesim.sweeps``.

``sweep.sqlite`` holds three tables:

* ``meta`` (key, value): the sweep definition (JSON) and its hash, the base scenario's hash,
  linesim's version and the stream scheme, when the sweep was created, the engines that ran it.
* ``points`` (point, label, ``values`` and ``overrides`` as JSON, the point's resolved scenario as
  JSON and its hash).
* ``replications`` (point, replication, the RunResult as JSON with sorted keys, without its
  time series: ``stored``), PRIMARY KEY
  (point, replication): a replication is stored once, never counted twice.
* ``plan`` (point, target): the replications each point is to have by the end of the current
  batch, written before the batch runs, so that a resumed sweep first completes the batch it
  was killed in and then decides the next one from the same results as an uninterrupted sweep.

Each finished replication is committed as it lands (WAL journal, ``synchronous=NORMAL``: a commit
survives the process being killed — only a power cut may lose the last few, which a resume runs
again). Resuming compares the definition's hash, the base scenario's hash, the stream scheme and
each point's scenario hash with what the store holds and refuses (``StoreRefused``, exit 2) with
a message naming what changed. Reading goes one point at a time (``results(point)``), so memory
does not grow with the number of points.

Cost (benchmarks/sweep_overhead.py): about 0.75 ms and 4.6 KB per stored REF-B replication on
the project's 2-core machine — negligible beside a replication of any useful length.

Hashes are SHA-256 of canonical JSON (sorted keys, no whitespace) of plain data, so they do not
depend on dict order or on how the YAML was written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from .. import __version__
from ..scenario import Scenario
from ..simulate import RunResult
from ..streams import SCHEME_VERSION
from .core import Factor, Point

STORE_FILE = "sweep.sqlite"
STORE_FILES = [STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm", f"{STORE_FILE}-journal"]
_BUSY_TIMEOUT_S = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    point INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    "values" TEXT NOT NULL,
    overrides TEXT NOT NULL,
    scenario TEXT NOT NULL,
    scenario_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan (point INTEGER PRIMARY KEY, target INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS replications (
    point INTEGER NOT NULL REFERENCES points(point),
    replication INTEGER NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (point, replication)
) WITHOUT ROWID;
"""


class StoreRefused(Exception):
    """The store cannot be used as asked (resume of a changed sweep, an existing sweep without
    resume, a damaged file); ``lines`` say why and what to change (exit status 2)."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


def _loads_or_none(text: Optional[str]) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _changed_paths(old: Any, new: Any, at: str = "") -> list[str]:
    """The dotted key paths (``run.replications``, ``parameters[0].levels``) where two plain
    definitions differ: what a refused resume names. Lists of different lengths, and values of
    different kinds, are named whole."""
    new = json.loads(canonical_json(new))  # the form stored (tuples → lists, floats as stored)
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted({*old, *new}, key=str):
            if old.get(key) != new.get(key):
                out += _changed_paths(old.get(key), new.get(key), f"{at}.{key}" if at else key)
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and at:
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            if a != b:
                out += _changed_paths(a, b, f"{at}[{i}]")
        return out
    return [at] if at and old != new else []


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest(data: Any) -> str:
    """SHA-256 of the canonical JSON of plain data."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def scenario_hash(scenario: Scenario) -> str:
    return digest(scenario.resolved())


def stored(result: RunResult) -> RunResult:
    """The RunResult as the store keeps it: without its time series (``periods``,
    ``occupancy``: tens of KB a replication, which no sweep analysis reads)."""
    return dataclasses.replace(result, periods=None, occupancy=None)


def result_json(result: RunResult) -> str:
    # NaN/inf are not JSON; a RunResult holds none (None where a mean is undefined)
    return json.dumps(stored(result).to_dict(), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


class Store:
    """An open sweep store. Use ``Store.create`` for a sweep (new or resumed) and ``Store.read``
    to read one (read-only, also while a sweep writes it)."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = Path(path)
        self.conn = conn
        self.notices: list[str] = []  # things the caller may print (resume with another version)
        self.resumed = False  # it held replications of an earlier, interrupted run of the sweep
        self.writer = False  # opened by ``create`` (for writing)

    # -- opening ------------------------------------------------------------------------------
    @staticmethod
    def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
        if readonly:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                   timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        else:
            conn = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        return conn

    @classmethod
    def create(cls, folder: Path, definition: dict, base: Scenario, *, resume: bool,
               shown: Optional[str] = None) -> "Store":
        """Open ``folder/sweep.sqlite`` for writing. A new file is initialised with the
        definition; an existing one with replications is refused unless ``resume`` (so a sweep
        is never thrown away by a missing flag), and on resume it must hold the same definition,
        base scenario and stream scheme. ``shown`` is the folder as the user spelled it."""
        path = Path(folder) / STORE_FILE
        where = shown or str(path)
        existed = path.exists()
        try:
            conn = cls._connect(path)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreRefused(f"error {where}: not a usable sweep store ({exc}); remove it to "
                               "start the sweep over") from None
        store = cls(path, conn)
        store.writer = True
        meta = store.meta()
        wanted = {
            "definition": canonical_json(definition),
            "definition_hash": digest(definition),
            "base_hash": scenario_hash(base),
            "stream_scheme": str(SCHEME_VERSION),
        }
        if existed and meta:
            done = store.count()
            if not resume:
                store.close()
                raise StoreRefused(
                    f"error {where}: holds an earlier run of this sweep ({done} replications "
                    "stored); add --resume to continue it, or remove the folder to start over")
            changed = []
            if meta.get("definition_hash") != wanted["definition_hash"]:
                what = _changed_paths(_loads_or_none(meta.get("definition")), definition)
                at = f": {', '.join(what[:4])}{', …' if len(what) > 4 else ''}" if what else ""
                changed.append(f"the sweep definition changed (the sweep file or its options{at})")
            if meta.get("base_hash") != wanted["base_hash"]:
                row = conn.execute("SELECT scenario FROM points WHERE point = 0").fetchone()
                what = _changed_paths(_loads_or_none(row[0] if row else None), base.resolved())
                at = f" ({', '.join(what[:4])}{', …' if len(what) > 4 else ''})" if what else ""
                changed.append(f"the base scenario changed{at}")
            if meta.get("stream_scheme") != wanted["stream_scheme"]:
                changed.append(f"the random stream scheme changed ({meta.get('stream_scheme')} → "
                               f"{wanted['stream_scheme']})")
            if changed:
                store.close()
                raise StoreRefused(*(f"error {where}: cannot resume: {why} since the sweep "
                                     "started; restore it, or remove the folder (or choose another "
                                     "name) to start over" for why in changed))
            if meta.get("linesim_version") != __version__:
                store.notices.append(f"{where}: the sweep was started with linesim "
                                     f"{meta.get('linesim_version')}, resumed with {__version__}")
            store.resumed = done > 0
        else:
            with store.transaction():
                for key, value in {**wanted, "linesim_version": __version__,
                                   "created": datetime.now(timezone.utc).isoformat(timespec="seconds")
                                   }.items():
                    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        return store

    @classmethod
    def read(cls, folder: Path) -> "Store":
        """Open an existing store read-only."""
        path = Path(folder) / STORE_FILE
        if not path.is_file():
            raise StoreRefused(f"error {folder}: no sweep store ({STORE_FILE}) in it; is it a "
                               "sweep folder?")
        try:
            store = cls(path, cls._connect(path, readonly=True))
            store.meta()
        except sqlite3.DatabaseError as exc:
            raise StoreRefused(f"error {path}: not a usable sweep store ({exc})") from None
        return store

    def close(self) -> None:
        if self.conn is not None:
            if self.writer:
                # Leave a single self-contained file (no -wal/-shm beside it): a reader opening
                # a WAL database read-only creates them and cannot remove them, so they would be
                # left in the finished folder. Skipped while another connection reads it.
                try:
                    self.conn.execute("PRAGMA journal_mode=DELETE")
                except sqlite3.Error:
                    pass
            self.conn.close()
            self.conn = None  # type: ignore[assignment]

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def transaction(self):
        return _Transaction(self.conn)

    # -- meta and points --------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta"))

    def definition(self) -> dict:
        return json.loads(self.meta()["definition"])

    def set_factors(self, factors: Iterable[Factor]) -> None:
        """Record the sweep's factors (names, keys, units), so that a reader of the folder
        (``linesim.sweeps.load``, ``export``) builds the very rows the sweep wrote."""
        rows = [dataclasses.asdict(f) for f in factors]
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                               ("factors", canonical_json(rows)))

    def add_engine(self, engine: str) -> None:
        """Record that ``engine`` ("simpy" or "fast") runs replications of this store."""
        have = self.engines()
        if engine not in have:
            with self.transaction():
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                  ("engines", canonical_json(sorted({*have, engine}))))

    def engines(self) -> list[str]:
        """The engines that ran (or were set to run) replications of this store, sorted (empty
        for a store written before engines were recorded)."""
        raw = self.meta().get("engines")
        return json.loads(raw) if raw else []

    def factors(self) -> Optional[list[Factor]]:
        """The recorded factors (None for a store written before they were recorded)."""
        raw = self.meta().get("factors")
        if raw is None:
            return None
        return [Factor(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()})
                for row in json.loads(raw)]

    def add_points(self, points: Iterable[tuple[Point, Scenario]], shown: Optional[str] = None) -> None:
        """Record every point (once); on resume each must equal the stored one."""
        stored = dict(self.conn.execute("SELECT point, scenario_hash FROM points"))
        rows = []
        for point, scenario in points:
            h = scenario_hash(scenario)
            if point.index in stored:
                if stored.pop(point.index) != h:
                    raise StoreRefused(f"error {shown or self.path}: cannot resume: point "
                                       f"{point.index} ({point.label}) has another scenario than "
                                       "when the sweep started; remove the folder to start over")
                continue
            rows.append((point.index, point.label, canonical_json([list(v) for v in point.values]),
                         canonical_json([list(o) for o in point.overrides]),
                         canonical_json(scenario.resolved()), h))
        if stored:
            raise StoreRefused(f"error {shown or self.path}: cannot resume: the store has points "
                               f"{sorted(stored)[:5]} the sweep no longer has; remove the folder "
                               "to start over")
        with self.transaction():
            self.conn.executemany("INSERT INTO points VALUES (?, ?, ?, ?, ?, ?)", rows)

    def point_indices(self) -> list[int]:
        return [i for (i,) in self.conn.execute("SELECT point FROM points ORDER BY point")]

    def point(self, index: int) -> tuple[Point, Scenario]:
        label, values, overrides, scenario = self.conn.execute(
            'SELECT label, "values", overrides, scenario FROM points WHERE point = ?', (index,)).fetchone()
        return (Point(index, label, tuple(tuple(v) for v in json.loads(values)),
                      tuple(tuple(o) for o in json.loads(overrides))),
                Scenario.model_validate(json.loads(scenario)))

    def points(self) -> Iterator[tuple[Point, Scenario]]:
        """Every point with its scenario, one at a time, in index order."""
        for index in self.point_indices():
            yield self.point(index)

    def plan(self) -> dict[int, int]:
        """The current batch's target replications per point ({} before the first batch)."""
        return dict(self.conn.execute("SELECT point, target FROM plan"))

    def set_plan(self, targets: dict[int, int]) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM plan")
            self.conn.executemany("INSERT INTO plan VALUES (?, ?)", sorted(targets.items()))

    # -- replications ---------------------------------------------------------------------------
    def add(self, point: int, replication: int, result: RunResult) -> bool:
        """Store one finished replication and commit; False if it was stored already."""
        cur = self.conn.execute("INSERT OR IGNORE INTO replications VALUES (?, ?, ?)",
                                (point, replication, result_json(result)))
        return cur.rowcount == 1

    def done(self) -> set[tuple[int, int]]:
        """(point, replication) of every stored replication."""
        return set(self.conn.execute("SELECT point, replication FROM replications"))

    def replications_of(self, point: int) -> set[int]:
        """The stored replication indices of one point."""
        return {r for (r,) in self.conn.execute(
            "SELECT replication FROM replications WHERE point = ?", (point,))}

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM replications").fetchone()[0]

    def counts(self) -> dict[int, int]:
        """Stored replications per point."""
        return dict(self.conn.execute("SELECT point, count(*) FROM replications GROUP BY point"))

    def results(self, point: int) -> list[RunResult]:
        """The stored replications of one point, by replication index."""
        return [RunResult.from_dict(json.loads(text)) for (text,) in self.conn.execute(
            "SELECT result FROM replications WHERE point = ? ORDER BY replication", (point,))]

    def values(self, point: int, field: str = "annual_output") -> list[float]:
        """One field of every stored replication of a point, by replication index (parsed by
        Python's json, so the floats are exactly those of the RunResult)."""
        return [json.loads(text)[field] for (text,) in self.conn.execute(
            "SELECT result FROM replications WHERE point = ? ORDER BY replication", (point,))]


class _Transaction:
    """BEGIN … COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
