"""What a sweep costs beyond its replications, and what the store costs per replication.

    python benchmarks/sweep_overhead.py                 # 20 points x 5 replications, 2 d, jobs 1
    python benchmarks/sweep_overhead.py --jobs 2 --horizon "5 d" --repeat 3

(a) Overhead: the REF-B line of ``benchmarks/ref-b.yaml`` with a shortened horizon, 20 points
    (the mean cycle time of S3 from 34 s to 38 s: every point its own scenario) x 5 replications,
    run (1) directly — ``run_replication(scenario, r)`` for every (point, r) in this process, or
    for ``--jobs`` > 1 on the same process pool with nothing stored — and (2) as a sweep:
    ``run_sweep`` on ``Local(jobs)`` into a fresh sweep folder (store, one commit per
    replication, points.csv, replications.csv, resolved definition, manifest). The two are
    interleaved ``--repeat`` times; the best of each is compared: ratio sweep / direct
    (goal <= 1.10).
(b) The store's write cost per replication: ``Store.add`` (JSON with sorted keys, INSERT,
    commit in WAL mode with synchronous=NORMAL) of a REF-B RunResult, ``--writes`` times, and
    the bytes each adds to sweep.sqlite.

Prints the figures; writes nothing outside a temporary directory (``--out FILE`` writes them as
JSON).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from linesim.experiments import sweep as sw  # noqa: E402
from linesim.experiments.core import Factor, Point  # noqa: E402
from linesim.experiments.execute import Local, Task  # noqa: E402
from linesim.experiments.store import STORE_FILE, Store  # noqa: E402
from linesim.loader import load_scenario  # noqa: E402
from linesim.replicate import ProcessPool  # noqa: E402
from linesim.scenario import Scenario  # noqa: E402
from linesim.simulate import run_replication  # noqa: E402
from linesim.units import parse_duration  # noqa: E402

FACTOR = Factor(name="S3 cycle", keys=("stations.S3.cycle_time.mean",), unit="s")


def make_points(base: Scenario, n: int) -> list[tuple[Point, Scenario]]:
    points = [(Point(0, "base"), base)]
    for i in range(1, n):
        value = 34.0 + 4.0 * i / (n - 1)
        data = base.resolved()
        data["stations"][2]["cycle_time"]["mean"] = value
        points.append((Point(i, f"S3 cycle={value:g} s", ((FACTOR.name, value),)),
                       Scenario.model_validate(data)))
    return points


def direct(points, reps: int, jobs: int) -> float:
    t = time.perf_counter()
    if jobs == 1:
        for _, scenario in points:
            for r in range(reps):
                run_replication(scenario, r)
    else:
        with ProcessPool(jobs) as pool:
            for _ in pool.imap_unordered(run_replication, ((s, r) for _, s in points for r in range(reps))):
                pass
    return time.perf_counter() - t


def swept(points, reps: int, jobs: int, folder: Path, definition: dict) -> float:
    t = time.perf_counter()
    with sw.opened(folder, definition, points[0][1], resume=False) as store:
        sw.run_sweep(points, Local(jobs), store, folder, definition=definition, max_reps=reps,
                     factors=[FACTOR])
    return time.perf_counter() - t


def store_cost(base: Scenario, writes: int, folder: Path) -> dict:
    result = run_replication(base, 0)
    folder.mkdir()
    with Store.create(folder, {"benchmark": True}, base, resume=False) as store:
        store.add_points([(Point(0, "base"), base)])
        size0 = (folder / STORE_FILE).stat().st_size + _wal(folder)
        t = time.perf_counter()
        for r in range(writes):
            store.add(0, r, result)
        elapsed = time.perf_counter() - t
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size1 = (folder / STORE_FILE).stat().st_size + _wal(folder)
    return {"writes": writes, "per_write_ms": 1000 * elapsed / writes,
            "bytes_per_replication": (size1 - size0) / writes}


def _wal(folder: Path) -> int:
    wal = folder / f"{STORE_FILE}-wal"
    return wal.stat().st_size if wal.exists() else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--horizon", default="2 d")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--writes", type=int, default=500)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    base = load_scenario(ROOT / "benchmarks" / "ref-b.yaml").with_run(
        horizon=parse_duration(args.horizon), replications=args.replications)
    points = make_points(base, args.points)
    definition = {"name": "overhead", "base": "ref-b.yaml", "horizon": args.horizon,
                  "points": args.points, "replications": args.replications}
    direct_s, sweep_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeat):
            direct_s.append(direct(points, args.replications, args.jobs))
            sweep_s.append(swept(points, args.replications, args.jobs, Path(tmp) / f"s{k}", definition))
        store = store_cost(base, args.writes, Path(tmp) / "store")
    n = args.points * args.replications
    figures = {
        "points": args.points, "replications": args.replications, "horizon": args.horizon,
        "jobs": args.jobs, "direct_s": direct_s, "sweep_s": sweep_s,
        "ratio_best": min(sweep_s) / min(direct_s), "store": store,
    }
    print(f"  {args.points} points x {args.replications} replications of REF-B, {args.horizon}, "
          f"jobs {args.jobs} (best of {args.repeat})")
    print(f"  direct replications       {min(direct_s):8.2f} s  ({1000 * min(direct_s) / n:.1f} ms each)")
    print(f"  sweep (store, tables)     {min(sweep_s):8.2f} s")
    verdict = "ok" if figures["ratio_best"] <= 1.10 else "ABOVE GOAL"
    print(f"  ratio sweep / direct      {figures['ratio_best']:8.3f}    goal <= 1.10: {verdict}")
    print(f"  store write per replication {store['per_write_ms']:6.3f} ms, "
          f"{store['bytes_per_replication']:,.0f} bytes ({store['writes']} writes)")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
