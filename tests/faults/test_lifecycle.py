"""Process lifecycle of `linesim run --jobs 2`: whatever signal reaches the parent alone
(kill -9, SIGTERM, SIGINT), no worker survives it, an interrupt stops at once instead of waiting
for the queued replications, and the previous run folder is left exactly as it was."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.cli.conftest import TINY, invoke

from ._runs import LONG, siblings, snapshot, spawn, wait_for, write

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.mark.parametrize("sig,status", [(signal.SIGKILL, -signal.SIGKILL),
                                        (signal.SIGTERM, 128 + signal.SIGTERM),
                                        (signal.SIGINT, 128 + signal.SIGINT)])
def test_signal_to_parent_leaves_no_worker_and_previous_folder(tmp_path, sig, status):
    """`linesim run LONG --jobs 2 -n 6`, both workers busy, the signal sent to the parent only:
    the parent ends within a few seconds (SIGTERM 143, SIGINT 130: it cancels the queued
    replications and stops the running ones instead of waiting for them), within a few seconds
    no worker process is left (parent death signal for kill -9), and the run folder is the
    previous one, byte for byte."""
    previous = tmp_path / "tiny.yaml"
    write(previous, TINY)
    out = tmp_path / "run"
    res = invoke("run", previous, "--out", out, "--jobs", "1", "--no-charts", "-n", "1",
                 "--horizon", "2 h")
    assert res.exit_code == 0, (res.output, res.exception)
    before = snapshot(out)
    long = write(tmp_path / "long.yaml", LONG)
    proc = spawn("run", long, "--out", out, "--jobs", "2", "-n", "6", cwd=tmp_path)
    parent = psutil.Process(proc.pid)
    workers: list[psutil.Process] = []
    try:
        workers = wait_for(lambda: (lambda c: c if len(c) >= 2 else None)(parent.children(recursive=True)),
                           60, "two worker processes")
        time.sleep(0.5)  # let them take a replication each
        proc.send_signal(sig)
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=20)
        took = time.monotonic() - t0
        assert proc.returncode == status, err
        assert took < 10, f"the parent took {took:.1f} s to stop"
        assert "Traceback" not in err
        wait_for(lambda: not alive(workers), 10, "the workers to end")
    finally:
        for p in alive(workers):  # never leave an orphan behind, even when the test fails
            p.kill()
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert snapshot(out) == before
    if sig != signal.SIGKILL:
        assert f"{out}: the previous folder is as it was; partial output in" in err
        assert any(n.endswith(".incomplete") for n in siblings(out))


def test_worker_initializer_ignores_ctrl_c_and_checks_its_parent():
    """The pool initializer leaves Ctrl-C to the parent (SIGINT ignored in workers), restores
    SIGTERM's default action, asks Linux for SIGKILL at the parent's death, and exits at once
    when the parent is already gone."""
    code = ("import ctypes, os, signal, sys\n"
            "from linesim.lifecycle import worker_init\n"
            "worker_init(os.getppid())\n"
            "assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN\n"
            "assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL\n"
            "if sys.platform.startswith('linux'):\n"
            "    sig = ctypes.c_int(0)\n"
            "    ctypes.CDLL(None).prctl(2, ctypes.byref(sig), 0, 0, 0)\n"  # PR_GET_PDEATHSIG
            "    assert sig.value == signal.SIGKILL, sig.value\n"
            "print('first call checked', flush=True)\n"
            "worker_init(2**22 + 12345)\n"  # a parent that does not exist
            "print('still here')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "first call checked" in proc.stdout, proc.stderr
    assert proc.returncode == 1 and "still here" not in proc.stdout, proc.stderr


def test_a_killed_worker_fails_the_run_cleanly(tmp_path):
    """A worker killed from outside (the OOM killer, an admin): the parent stops the other
    worker, exits 1 with one line saying a worker died, no traceback, and the run folder is the
    previous one (nothing half-done replaces it)."""
    write(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / "run"
    res = invoke("run", tmp_path / "tiny.yaml", "--out", out, "--jobs", "1", "--no-charts",
                 "-n", "1", "--horizon", "2 h")
    assert res.exit_code == 0, (res.output, res.exception)
    before = snapshot(out)
    proc = spawn("run", write(tmp_path / "long.yaml", LONG), "--out", out, "--jobs", "2", "-n", "6",
                 cwd=tmp_path)
    workers: list[psutil.Process] = []
    try:
        parent = psutil.Process(proc.pid)
        workers = wait_for(lambda: (lambda c: c if len(c) >= 2 else None)(parent.children()),
                           60, "two worker processes")
        time.sleep(0.5)
        workers[0].kill()
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 1, err
        assert "a worker process died" in err and "Traceback" not in err
        wait_for(lambda: not alive(workers), 10, "the other worker to end")
    finally:
        for p in alive(workers):
            p.kill()
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert snapshot(out) == before
