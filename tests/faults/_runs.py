"""Helpers for the run-folder and lifecycle fault tests: scenarios, folder snapshots, a tiny
tmpfs where the platform allows mounting one, and a linesim subprocess with its workers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import TINY

# The tiny line over ~3 years: a replication takes tens of seconds, so a run is still
# simulating whenever a test signals it.
# A run long enough to be interrupted: on the SimPy engine (the fast engine would finish the
# 1000 days of six replications in seconds, before the signal arrives).
LONG = (TINY.replace("name: tiny", "name: long").replace("horizon: 1 d", "horizon: 1000 d")
        .replace("  seed: 7\n", "  seed: 7\n  engine: simpy\n"))
assert "engine: simpy" in LONG


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name → bytes), hidden ones included."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def siblings(folder: Path) -> list[str]:
    """Hidden names beside ``folder`` (temporary, incomplete, lock)."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def spawn(*args, cwd=None) -> subprocess.Popen:
    """`python -m linesim ARGS` in the background (stdout/stderr captured)."""
    return subprocess.Popen([sys.executable, "-m", "linesim", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size, ro=False) → a fresh tmpfs folder; skipped where mounting is not allowed
    (not root, no tmpfs); every mount is undone in teardown."""
    mounted: list[Path] = []

    def mount(size: str = "4m", ro: bool = False) -> Path:
        if not sys.platform.startswith("linux"):
            pytest.skip("tmpfs mounts need Linux")
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        opts = f"size={size}" + (",ro" if ro else "")
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(point)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def remount_ro(point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True, capture_output=True)


def umask(mask: int):
    """Context: the process umask set to ``mask`` for the block."""
    class _Umask:
        def __enter__(self):
            self.old = os.umask(mask)

        def __exit__(self, *exc):
            os.umask(self.old)

    return _Umask()


def stored_replications(folder: Path) -> int:
    """Rows in a sweep's store, by a read-only connection (0 while it does not exist yet)."""
    path = Path(folder) / "sweep.sqlite"
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT count(*) FROM replications").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
