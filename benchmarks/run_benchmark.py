"""linesim speed and memory benchmark against a hand-written SimPy model of the same line.

    python benchmarks/run_benchmark.py            # full run (a few minutes on 2 cores)
    python benchmarks/run_benchmark.py --quick    # smoke run, horizons / 10
    python benchmarks/run_benchmark.py --profile  # also cProfile one in-process linesim run

Measures, on the line of ``benchmarks/ref-b.yaml`` (5 stations, exponential cycle times, 2
waiting places between stations, continuous calendar, no failures, 120 d after 1 h warm-up):

(a) speed, best of ``--repeat`` (default 3) runs each, ``time.perf_counter``:
    * ``linesim run ref-b.yaml --jobs 1 --no-charts --out <tmp>`` as a subprocess (start-up,
      loading, simulation, summary and files), and the interpreter start-up alone
      (``python -c "import linesim.cli"``, and the full set of modules ``run`` imports);
    * in process: ``linesim.simulate.run_replication(scenario, 0)`` versus ``baseline.run()``;
    * ratios linesim / baseline (target <= 1.3) and a throughput sanity check (same line, so the
      two must agree within a few per cent; they use different random numbers).
(b) memory: peak RSS (``VmHWM`` from /proc; ``ru_maxrss`` where there is no /proc) of a fresh
    subprocess that loads the scenario and runs ``run_replication`` for a 30-day and a 365-day
    horizon; ratio 365 d / 30 d (target <= 1.25). The peak of a subprocess that only loads is
    reported too, so the simulation's own share is visible. (``ru_maxrss`` of a child is not
    used on Linux: it keeps the pre-exec high-water mark, i.e. this script's own RSS.)

CPU times (user + sys) are recorded beside the wall times: on a shared machine they are less
disturbed by other load. Results go to ``benchmarks/results.json`` (sorted keys; the ``engines``
key, written by ``benchmarks/engines.py``, is kept).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "ref-b.yaml"
RESULTS = HERE / "results.json"
DAY = 86400.0

SPEED_TARGET = 1.3
MEMORY_TARGET = 1.25

sys.path.insert(0, str(HERE))
import baseline  # noqa: E402

from linesim.loader import load_scenario  # noqa: E402
from linesim.simulate import run_replication  # noqa: E402


# -- helpers ----------------------------------------------------------------------------------
def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def run_subprocess(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU seconds of one subprocess run (fails loudly on a non-zero exit)."""
    c0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - c0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd!r} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return wall, cpu, proc


def best(samples: list[dict]) -> dict:
    """Best-of-n: the sample with the least wall time, plus every wall time for the record."""
    top = min(samples, key=lambda s: s["wall_s"])
    return {**top, "wall_s_all": [round(s["wall_s"], 4) for s in samples],
            "cpu_s_best": min(s["cpu_s"] for s in samples)}


def linesim_executable() -> list[str]:
    """The installed console script beside this interpreter (not a pyenv shim)."""
    exe = Path(sys.executable).with_name("linesim")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "linesim"]


# -- (a) speed --------------------------------------------------------------------------------
def time_startup(repeat: int) -> dict:
    out = {}
    for key, code in (
        ("import_linesim_cli", "import linesim.cli"),
        ("import_linesim_run_stack",
         "import linesim.cli, linesim.capacity, linesim.estimate, linesim.replicate, "
         "linesim.report, linesim.results"),
        ("import_baseline_stack", "import simpy, numpy"),
    ):
        samples = []
        for _ in range(repeat):
            wall, cpu, _ = run_subprocess([sys.executable, "-c", code])
            samples.append({"wall_s": wall, "cpu_s": cpu})
        out[key] = best(samples)
    return out


def time_cli(horizon_days: float, repeat: int) -> dict:
    samples = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="linesim-bench-") as tmp:
            out = Path(tmp) / "run"
            cmd = [*linesim_executable(), "run", str(SCENARIO), "--jobs", "1", "--no-charts",
                   "--out", str(out), "--horizon", f"{horizon_days:g} d"]
            wall, cpu, _ = run_subprocess(cmd)
            summary = json.loads((out / "summary.json").read_text())
        samples.append({"wall_s": wall, "cpu_s": cpu,
                        "throughput_per_h": summary["throughput_per_hour"]["mean"]})
    shown = ["linesim", *cmd[len(linesim_executable()):]]
    shown[shown.index("--out") + 1] = "<tmpdir>"
    shown[shown.index(str(SCENARIO))] = str(SCENARIO.relative_to(HERE.parent))
    return {"command": " ".join(shown), **best(samples)}


def time_in_process(horizon_days: float, repeat: int) -> tuple[dict, dict]:
    scenario = load_scenario(SCENARIO, [("run.horizon", f"{horizon_days:g} d")])
    lin, base = [], []
    for _ in range(repeat):  # interleaved, so slow phases of a shared machine hit both
        c0, t0 = _self_cpu(), time.perf_counter()
        r = run_replication(scenario, 0)
        lin.append({"wall_s": time.perf_counter() - t0, "cpu_s": _self_cpu() - c0,
                    "throughput_per_h": r.throughput_per_h, "output": r.output})
        c0, t0 = _self_cpu(), time.perf_counter()
        b = baseline.run(warmup_s=scenario.run.warmup, horizon_s=scenario.run.horizon)
        base.append({"wall_s": time.perf_counter() - t0, "cpu_s": _self_cpu() - c0,
                     "throughput_per_h": b["throughput_per_h"], "output": b["output"]})
    return best(lin), best(base)


# -- (b) memory -------------------------------------------------------------------------------
_MEM_CHILD = textwrap.dedent("""
    import json, resource, sys, time

    def peak_kib():
        # VmHWM: peak RSS of this process image. ru_maxrss is not used because Linux carries
        # the pre-exec high-water mark over exec, so a child spawned (vfork/exec) by a big
        # parent reports the parent's RSS instead of its own.
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    from linesim.loader import load_scenario
    from linesim.simulate import run_replication
    days = float(sys.argv[1])
    sc = load_scenario(sys.argv[2], [("run.horizon", f"{max(days, 1):g} d")])
    out = {"peak_before_run_kib": peak_kib()}
    if days > 0:
        t0 = time.perf_counter()
        r = run_replication(sc, 0)
        out.update(wall_s=time.perf_counter() - t0, output=r.output,
                   throughput_per_h=r.throughput_per_h)
    out["peak_kib"] = peak_kib()
    print(json.dumps(out))
""")


def peak_memory(days: float) -> dict:
    """Peak RSS of a fresh interpreter that loads the scenario and runs one replication of
    ``days`` (0: load only, no run)."""
    _, cpu, proc = run_subprocess([sys.executable, "-c", _MEM_CHILD, str(days), str(SCENARIO)])
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["horizon_days"] = days
    res["peak_mib"] = round(res["peak_kib"] / 1024, 2)
    res["run_increment_kib"] = res["peak_kib"] - res["peak_before_run_kib"]
    res["cpu_s"] = cpu
    return res


# -- profile ----------------------------------------------------------------------------------
def profile(horizon_days: float, top: int = 25) -> str:
    scenario = load_scenario(SCENARIO, [("run.horizon", f"{horizon_days:g} d")])
    prof = cProfile.Profile()
    prof.enable()
    run_replication(scenario, 0)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("tottime")
    stats.print_stats(top)
    return buf.getvalue()


# -- main -------------------------------------------------------------------------------------
def _r(x, n=4):
    return None if x is None else round(x, n)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: every horizon / 10")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing (best of n)")
    ap.add_argument("--profile", action="store_true",
                    help="also cProfile one in-process linesim run and print the hotspots")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results JSON [%(default)s]")
    args = ap.parse_args()

    scale = 0.1 if args.quick else 1.0
    speed_days = 120 * scale
    mem_days = (30 * scale, 365 * scale)
    tolerance = 0.05 if args.quick else 0.03  # throughput agreement, relative
    load_before = os.getloadavg()
    t_start = time.perf_counter()

    print(f"linesim benchmark{' (quick)' if args.quick else ''}: {SCENARIO.name}, "
          f"{speed_days:g} d, best of {args.repeat}", flush=True)
    print("  start-up ...", flush=True)
    startup = time_startup(args.repeat)
    print("  in-process linesim vs baseline ...", flush=True)
    lin, base = time_in_process(speed_days, args.repeat)
    print("  linesim run (subprocess) ...", flush=True)
    cli = time_cli(speed_days, args.repeat)
    print("  memory ...", flush=True)
    mem_import = peak_memory(0)
    mem_short = peak_memory(mem_days[0])
    mem_long = peak_memory(mem_days[1])
    prof_text = profile(speed_days) if args.profile else None
    load_after = os.getloadavg()

    s_cli = startup["import_linesim_cli"]["wall_s"]
    s_stack = startup["import_linesim_run_stack"]["wall_s"]
    s_base = startup["import_baseline_stack"]["wall_s"]
    ratio_api = lin["wall_s"] / base["wall_s"]
    ratio_api_cpu = lin["cpu_s_best"] / base["cpu_s_best"]  # least CPU time of each
    ratio_cli = cli["wall_s"] / base["wall_s"]
    ratio_cli_less_startup = (cli["wall_s"] - s_cli) / base["wall_s"]
    ratio_cli_less_stack = (cli["wall_s"] - s_stack) / base["wall_s"]
    ratio_cli_vs_base_with_startup = cli["wall_s"] / (base["wall_s"] + s_base)
    c_cli = startup["import_linesim_cli"]["cpu_s"]
    ratio_cli_cpu = cli["cpu_s_best"] / base["cpu_s_best"]
    ratio_cli_cpu_less_startup = (cli["cpu_s_best"] - c_cli) / base["cpu_s_best"]
    tp_diff = lin["throughput_per_h"] / base["throughput_per_h"] - 1
    tp_diff_cli = cli["throughput_per_h"] / base["throughput_per_h"] - 1
    mem_ratio = mem_long["peak_kib"] / mem_short["peak_kib"]
    growth_short = mem_short["peak_kib"] - mem_import["peak_kib"]
    growth_long = mem_long["peak_kib"] - mem_import["peak_kib"]

    results = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "repeat": args.repeat,
        "scenario": str(SCENARIO.relative_to(HERE.parent)),
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": platform.processor(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
        },
        "versions": _versions(),
        "speed": {
            "horizon_days": speed_days,
            "startup_s": {k: _r(v["wall_s"]) for k, v in startup.items()},
            "startup_cpu_s": {k: _r(v["cpu_s"]) for k, v in startup.items()},
            "linesim_api": _clean(lin),
            "baseline_api": _clean(base),
            "linesim_cli": _clean(cli),
            "ratio_api_wall": _r(ratio_api),
            "ratio_api_cpu": _r(ratio_api_cpu),
            "ratio_cli_wall_incl_startup": _r(ratio_cli),
            "ratio_cli_wall_excl_import_cli": _r(ratio_cli_less_startup),
            "ratio_cli_wall_excl_run_stack_imports": _r(ratio_cli_less_stack),
            "ratio_cli_vs_baseline_incl_both_startups": _r(ratio_cli_vs_base_with_startup),
            "ratio_cli_cpu_incl_startup": _r(ratio_cli_cpu),
            "ratio_cli_cpu_excl_import_cli": _r(ratio_cli_cpu_less_startup),
            "target": SPEED_TARGET,
            "met": ratio_api <= SPEED_TARGET,
            "throughput_rel_diff_api": _r(tp_diff, 5),
            "throughput_rel_diff_cli": _r(tp_diff_cli, 5),
            "throughput_tolerance": tolerance,
            "throughput_ok": abs(tp_diff) <= tolerance and abs(tp_diff_cli) <= tolerance,
            "events_per_s_linesim": _r(lin["output"] * 5 / lin["wall_s"], 0),
        },
        "memory": {
            "method": ("peak RSS (VmHWM, KiB) of a fresh subprocess per run: imports, load, "
                       "run_replication"),
            "load_only": _clean(mem_import),
            "short": _clean(mem_short),
            "long": _clean(mem_long),
            "ratio_long_short": _r(mem_ratio),
            "growth_over_load_only_kib": {"short": growth_short, "long": growth_long},
            "target": MEMORY_TARGET,
            "met": mem_ratio <= MEMORY_TARGET,
        },
        "total_wall_s": _r(time.perf_counter() - t_start, 1),
    }
    if args.out.exists():  # benchmarks/engines.py's figures live in the same file: kept
        previous = json.loads(args.out.read_text())
        if "engines" in previous:
            results["engines"] = previous["engines"]
    args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")

    # -- table --
    ok = lambda b: "ok" if b else "MISSED"  # noqa: E731
    rows = [
        ("start-up: import linesim.cli", f"{s_cli:.3f} s", ""),
        ("start-up: linesim run's imports", f"{s_stack:.3f} s", ""),
        ("start-up: import simpy, numpy", f"{s_base:.3f} s", ""),
        (f"baseline SimPy, in process ({speed_days:g} d)",
         f"{base['wall_s']:.2f} s (cpu {base['cpu_s']:.2f})",
         f"{base['throughput_per_h']:.3f}/h"),
        ("linesim run_replication, in process",
         f"{lin['wall_s']:.2f} s (cpu {lin['cpu_s']:.2f})",
         f"{lin['throughput_per_h']:.3f}/h ({tp_diff:+.2%})"),
        ("linesim run CLI, subprocess",
         f"{cli['wall_s']:.2f} s (cpu {cli['cpu_s']:.2f})",
         f"{cli['throughput_per_h']:.3f}/h ({tp_diff_cli:+.2%})"),
        ("ratio API linesim/baseline, wall",
         f"{ratio_api:.3f}", f"target <= {SPEED_TARGET}: {ok(ratio_api <= SPEED_TARGET)}"),
        ("ratio API linesim/baseline, cpu", f"{ratio_api_cpu:.3f}", ""),
        ("ratio CLI/baseline, incl. start-up", f"{ratio_cli:.3f}", ""),
        ("ratio CLI/baseline, excl. import linesim.cli", f"{ratio_cli_less_startup:.3f}", ""),
        ("ratio CLI/baseline, excl. run's imports", f"{ratio_cli_less_stack:.3f}", ""),
        ("ratio CLI/(baseline + its start-up)", f"{ratio_cli_vs_base_with_startup:.3f}", ""),
        ("ratio CLI/baseline cpu, incl. / excl. import linesim.cli",
         f"{ratio_cli_cpu:.3f} / {ratio_cli_cpu_less_startup:.3f}", ""),
        ("peak RSS, imports + load only", f"{mem_import['peak_mib']:.1f} MiB", ""),
        (f"peak RSS, {mem_days[0]:g} d run", f"{mem_short['peak_mib']:.1f} MiB",
         f"+{growth_short / 1024:.1f} MiB over load only"),
        (f"peak RSS, {mem_days[1]:g} d run", f"{mem_long['peak_mib']:.1f} MiB",
         f"+{growth_long / 1024:.1f} MiB over load only"),
        (f"ratio RSS {mem_days[1]:g} d / {mem_days[0]:g} d", f"{mem_ratio:.3f}",
         f"target <= {MEMORY_TARGET}: {ok(mem_ratio <= MEMORY_TARGET)}"),
    ]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print()
    for a, b, c in rows:
        print(f"  {a:<{w0}}  {b:>{w1}}  {c}")
    print(f"\n  throughput agreement (tolerance {tolerance:.0%}): "
          f"{ok(results['speed']['throughput_ok'])}")
    print(f"  load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} "
          f"on {os.cpu_count()} CPUs; total {results['total_wall_s']:.0f} s")
    print(f"  written: {args.out}")
    if prof_text:
        print("\ncProfile of run_replication (sorted by own time):\n")
        print(prof_text)
    return 0


def _clean(d: dict) -> dict:
    return {k: (_r(v) if isinstance(v, float) else v) for k, v in d.items()}


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("linesim", "simpy", "numpy", "pydantic"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


if __name__ == "__main__":
    sys.exit(main())
