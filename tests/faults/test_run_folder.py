"""A run folder is one unit: written beside the old one and swapped in whole, the old one left
exactly as it was by any failure, interrupt or kill -9, one writer at a time, duplicate folders
refused, files readable as the umask says, and an output location that cannot take the run
refused before anything is simulated."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from linesim.results import RUN_FILES
from tests.cli.conftest import TABLE_FILES, TINY, invoke

from ._runs import LONG, siblings, snapshot, spawn, tmpfs, umask, wait_for, write  # noqa: F401

QUICK = ("--jobs", "1", "--no-charts", "--no-report", "--replications", "1", "--horizon", "2 h")


def run_ok(scenario: Path, out: Path, *extra):
    res = invoke("run", scenario, "--out", out, *QUICK, *extra)
    assert res.exit_code == 0, (res.output, res.exception)
    return res


@pytest.fixture
def previous(tmp_path):
    """A scenario and a complete run folder from an earlier run of it, with its snapshot."""
    scenario = write(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / "run"
    run_ok(scenario, out, "--seed", "1")
    return scenario, out, snapshot(out)


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


# -- the folder is replaced whole ---------------------------------------------------------------
def test_rerun_without_charts_leaves_no_old_charts(tmp_path):
    """A rerun with --no-charts (and --no-report) replaces the whole folder: the first run's
    PNGs and report are gone, the folder holds exactly the tables and the manifest, whose file
    list says so."""
    scenario = write(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / "run"
    res = invoke("run", scenario, "--out", out, "--jobs", "1", "--replications", "1",
                 "--horizon", "2 h")
    assert res.exit_code == 0 and (out / "station_states.png").is_file()
    run_ok(scenario, out)
    expected = sorted(TABLE_FILES + ["manifest.json"])
    assert sorted(p.name for p in out.iterdir()) == expected
    assert manifest(out)["files"] == expected and manifest(out)["status"] == "ok"
    assert siblings(out) == [".run.lock"]  # no temporary or incomplete folder left


def test_interrupt_leaves_previous_folder_exactly(previous, monkeypatch):
    """Ctrl-C during the simulation: exit 130, the previous folder byte for byte as it was
    (manifest included), the partial output kept as .NAME.incomplete with a manifest saying
    interrupted, and the message says both."""
    scenario, out, before = previous

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr("linesim.replicate.run_replications", interrupted)
    res = invoke("run", scenario, "--out", out, *QUICK)
    assert res.exit_code == 130
    assert snapshot(out) == before
    kept = out.parent / ".run.incomplete"
    assert manifest(kept)["status"] == "interrupted"
    assert f"{out}: the previous folder is as it was" in res.stderr
    assert str(kept) in res.stderr


def test_failure_leaves_previous_folder_exactly(previous, monkeypatch):
    """An unexpected error during the run leaves the previous folder as it was; the error is
    recorded in the kept partial output's manifest (status failed)."""
    scenario, out, before = previous

    def broken(*_a, **_k):
        raise RuntimeError("model bug")

    monkeypatch.setattr("linesim.replicate.run_replications", broken)
    res = invoke("run", scenario, "--out", out, *QUICK)
    assert res.exit_code == 1 and isinstance(res.exception, RuntimeError)
    assert snapshot(out) == before
    m = manifest(out.parent / ".run.incomplete")
    assert m["status"] == "failed" and "model bug" in m["error"]


def test_successful_run_removes_stale_incomplete_output(previous, monkeypatch):
    """A complete run removes the partial output an earlier failed run kept aside."""
    scenario, out, _ = previous
    with monkeypatch.context() as m:
        m.setattr("linesim.replicate.run_replications",
                  lambda *_a, **_k: (_ for _ in ()).throw(KeyboardInterrupt))
        assert invoke("run", scenario, "--out", out, *QUICK).exit_code == 130
    assert (out.parent / ".run.incomplete").is_dir()
    run_ok(scenario, out)
    assert siblings(out) == [".run.lock"]


# -- kill -9 at every point of the write --------------------------------------------------------
KILLER = textwrap.dedent("""
    import os, signal, sys
    import linesim.results as results

    mode, k = sys.argv[1], int(sys.argv[2])
    calls = [0]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if mode == "write":  # killed before the k-th file write
        original = results.atomic_write

        def atomic_write(path, writer, binary=False):
            if calls[0] == k:
                die()
            calls[0] += 1
            return original(path, writer, binary)

        results.atomic_write = atomic_write
    elif mode == "exchange":  # killed right after the atomic exchange, before the old is removed
        import linesim.runfolder as runfolder
        original = runfolder.exchange

        def exchange(a, b):
            done = original(a, b)
            die()
            return done

        runfolder.exchange = exchange
    elif mode == "fallback":  # no exchange; killed between "old aside" and "new in"
        import linesim.runfolder as runfolder
        runfolder.exchange = lambda a, b: False
        rename = os.rename

        def renamed(src, dst):
            rename(src, dst)
            if ".old-" in os.path.basename(str(dst)):
                die()

        os.rename = renamed
    from linesim.cli import main
    sys.argv = ["linesim", *sys.argv[3:]]
    main()
    """)

N_WRITES = len(TABLE_FILES) + 1  # tables, then the manifest (no charts)


@pytest.mark.parametrize("mode,k", [("write", k) for k in range(N_WRITES)]
                         + [("exchange", 0), ("fallback", 0)])
def test_kill_9_leaves_old_or_new_folder_never_a_mix(previous, tmp_path, mode, k):
    """kill -9 before any file write, after the swap, or inside the fallback swap leaves the run
    folder either exactly the previous one or the new complete one (never files of two runs);
    the next run puts a set-aside old folder back, removes the leftover temporary folder, says
    so, and is not blocked by a stale lock."""
    scenario, out, before = previous
    driver = write(tmp_path / "killer.py", KILLER)
    proc = subprocess.run([sys.executable, driver, mode, str(k), "run", scenario, "--out", out,
                           *QUICK, "--seed", "2"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    if mode == "exchange":  # the new folder is in, complete
        assert manifest(out)["status"] == "ok" and manifest(out)["seed"] == 2
        assert sorted(p.name for p in out.iterdir()) == sorted(TABLE_FILES + ["manifest.json"])
    elif mode == "write":
        assert snapshot(out) == before
    leftovers = [n for n in siblings(out) if n != ".run.lock"]
    assert leftovers, "a killed run leaves its temporary folder for the next run to clean"
    res = invoke("run", scenario, "--out", out, *QUICK, "--seed", "3")
    assert res.exit_code == 0, (res.output, res.exception)
    assert siblings(out) == [".run.lock"]
    assert "left by an earlier run that was killed" in res.stderr \
        or "put back the previous run folder" in res.stderr
    if mode == "fallback":
        assert "put back the previous run folder" in res.stderr
    assert manifest(out)["seed"] == 3


# -- one writer per folder ----------------------------------------------------------------------
def test_second_concurrent_run_into_same_folder_is_refused(previous, tmp_path):
    """While one linesim run writes a folder, a second run into it exits 2 at once naming the
    folder and the other run; the first run is not disturbed and, interrupted, leaves the
    previous folder as it was."""
    _, out, before = previous
    long = write(tmp_path / "long.yaml", LONG)
    first = spawn("run", long, "--out", out, "--jobs", "2", "-n", "2", cwd=tmp_path)
    try:
        parent = psutil.Process(first.pid)
        wait_for(lambda: len(parent.children()) >= 2, 60, "the first run to simulate")
        res = invoke("run", tmp_path / "tiny.yaml", "--out", out, *QUICK)
        assert res.exit_code == 2 and isinstance(res.exception, SystemExit)
        assert str(out) in res.stderr and "another linesim run is writing" in res.stderr
        assert "--out" in res.stderr and "Traceback" not in res.output
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    assert snapshot(out) == before


# -- duplicate folders within one command -------------------------------------------------------
@pytest.mark.parametrize("other_name", ["tiny", "TINY"])
def test_two_scenarios_writing_one_folder_are_refused(tmp_path, other_name):
    """Two scenarios of one command that would write the same run folder (same name:, or names
    differing only in case, which are one folder on case-insensitive shared drives) are refused
    before anything runs: exit 2 naming both files; nothing is written."""
    a = write(tmp_path / "a.yaml", TINY)
    b = write(tmp_path / "b.yaml", TINY.replace("name: tiny", f"name: {other_name}"))
    res = invoke("run", a, b, "--results-dir", tmp_path / "results", *QUICK)
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit)
    line = res.stderr.strip()
    assert len(line.splitlines()) == 1 and str(a) in line and str(b) in line
    assert "name:" in line
    assert not (tmp_path / "results").exists()


# -- file modes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_files_and_folder_get_the_umask_mode(tmp_path, mask):
    """Every file of a run folder is 0o666 & ~umask and the folder 0o777 & ~umask (not
    mkstemp's 0600 or mkdtemp's 0700): colleagues on a shared drive can read the results."""
    scenario = write(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / "run"
    with umask(mask):
        res = invoke("run", scenario, "--out", out, "--jobs", "1", "--replications", "1",
                     "--horizon", "2 h")
    assert res.exit_code == 0, (res.output, res.exception)
    assert os.stat(out).st_mode & 0o777 == 0o777 & ~mask
    files = list(out.iterdir())
    # every file a run writes (its tables, charts, manifest and report.html), whatever their number
    assert len(files) >= 9 and {p.name for p in files} <= set(RUN_FILES)
    assert "report.html" in {p.name for p in files}
    for p in files:
        assert p.stat().st_mode & 0o777 == 0o666 & ~mask, p.name


# -- the output location, tried before simulating -----------------------------------------------
def refused_before_simulating(res, folder: Path, option: str, *fragments: str) -> str:
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), (res.output, res.exception)
    assert "Traceback" not in res.output
    assert "Ceiling" not in res.output  # the capacity panel comes first of the run: not reached
    line = res.stderr.strip()
    assert len(line.splitlines()) == 1, line
    assert str(folder) in line and option in line, line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def test_parent_that_is_a_file_is_refused(tmp_path):
    """--out below a file, or --results-dir naming a file: exit 2 naming the folder and the
    option, before simulating."""
    scenario = write(tmp_path / "tiny.yaml", TINY)
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "run"
    refused_before_simulating(invoke("run", scenario, "--out", out, *QUICK), out, "--out",
                              "is a file")
    res = invoke("run", scenario, "--results-dir", tmp_path / "afile", *QUICK)
    refused_before_simulating(res, tmp_path / "afile" / "tiny", "--results-dir")


def test_name_too_long_is_refused(tmp_path):
    """A run folder name longer than the file system allows: exit 2 before simulating."""
    scenario = write(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / ("r" * 300)
    refused_before_simulating(invoke("run", scenario, "--out", out, *QUICK), out, "--out",
                              "too long")


def test_folder_with_other_files_is_refused_and_untouched(previous):
    """A folder holding files linesim did not write is not replaced (they would be lost): exit 2
    naming them, the folder untouched."""
    scenario, out, _ = previous
    (out / "notes.txt").write_text("mine\n")
    before = snapshot(out)
    refused_before_simulating(invoke("run", scenario, "--out", out, *QUICK), out, "--out",
                              "notes.txt")
    assert snapshot(out) == before


def test_read_only_location_is_refused_before_simulating(tmpfs, tmp_path):
    """A read-only file system (a previous run folder on it included) is found by trying to
    write beside the folder: exit 2 naming the folder and --out, before any simulation."""
    scenario = write(tmp_path / "tiny.yaml", TINY)
    point = tmpfs("2m")
    run_ok(scenario, point / "run")
    before = snapshot(point / "run")
    from ._runs import remount_ro

    remount_ro(point)
    refused_before_simulating(invoke("run", scenario, "--out", point / "run", *QUICK),
                              point / "run", "--out", "Read-only")
    refused_before_simulating(invoke("run", scenario, "--out", point / "new", *QUICK),
                              point / "new", "--out")
    assert snapshot(point / "run") == before


def test_mount_point_is_refused(tmpfs, tmp_path):
    """A mount point cannot be swapped as a whole: exit 2 saying to use a folder inside it."""
    scenario = write(tmp_path / "tiny.yaml", TINY)
    point = tmpfs("1m")
    refused_before_simulating(invoke("run", scenario, "--out", point, *QUICK), point, "--out",
                              "mount point")


def test_too_little_free_space_is_refused_up_front(tmpfs, tmp_path):
    """A location with clearly too little free space for the output is refused before
    simulating, saying how much is free and needed."""
    scenario = write(tmp_path / "tiny.yaml", TINY)
    point = tmpfs("128k")
    refused_before_simulating(invoke("run", scenario, "--out", point / "run", *QUICK),
                              point / "run", "--out", "MB free")
    assert [p.name for p in point.iterdir()] == [".run.lock"]


def test_disk_full_while_writing_is_one_line_and_keeps_previous(tmpfs, tmp_path, monkeypatch):
    """The disk fills up during the simulation (another process): writing fails; exit 2 with one
    line naming the folder and the cause, no traceback, the previous folder exactly as it was,
    no temporary folder left."""
    scenario = write(tmp_path / "tiny.yaml", TINY)
    point = tmpfs("4m")
    out = point / "run"
    run_ok(scenario, out)
    before = snapshot(out)
    import linesim.replicate as replicate

    real = replicate.run_replications

    def then_fill_the_disk(*args, **kwargs):
        results = real(*args, **kwargs)
        with open(point / "filler", "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        return results

    monkeypatch.setattr(replicate, "run_replications", then_fill_the_disk)
    res = invoke("run", scenario, "--out", out, *QUICK, "--seed", "5")
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), (res.output, res.exception)
    # (before it: the notice that the run replaces the previous folder, the progress lines)
    errors = [x for x in res.stderr.strip().splitlines() if x.startswith("error")]
    assert len(errors) == 1 and "Traceback" not in res.output, res.stderr
    line = errors[0]
    assert str(out) in line and "No space left" in line and "--out" in line
    assert snapshot(out) == before
    assert not [n for n in siblings(out) if ".tmp-" in n]


def test_interrupt_during_the_swap_is_held_until_it_is_done(previous, monkeypatch):
    """A Ctrl-C arriving while the new folder is being swapped in is held back until the swap is
    done: the folder is the new complete one, the command still ends as interrupted (130) and
    says the folder is complete."""
    scenario, out, _ = previous
    import linesim.runfolder as runfolder

    real = runfolder.exchange

    def exchange_then_ctrl_c(a, b):
        os.kill(os.getpid(), signal.SIGINT)
        return real(a, b)

    monkeypatch.setattr(runfolder, "exchange", exchange_then_ctrl_c)
    res = invoke("run", scenario, "--out", out, *QUICK, "--seed", "4")
    assert res.exit_code == 130, (res.output, res.exception)
    assert manifest(out)["status"] == "ok" and manifest(out)["seed"] == 4
    assert f"{out}: complete" in res.stderr
    assert siblings(out) == [".run.lock"]
