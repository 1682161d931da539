"""``linesim_counted``: `python -m linesim ARGS` in a subprocess with this folder's
sitecustomize loaded, so the replications it simulates (in every worker) are counted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def linesim_counted(*args, calls: Path, cwd=None, timeout: float = 120) -> tuple[subprocess.CompletedProcess, int]:
    """Run the CLI; return the finished process and how many replications it simulated."""
    calls = Path(calls)
    calls.unlink(missing_ok=True)
    env = {**os.environ, "LINESIM_TEST_CALLS": str(calls),
           "PYTHONPATH": os.pathsep.join([str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.run([sys.executable, "-m", "linesim", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=timeout)
    n = len(calls.read_text().splitlines()) if calls.exists() else 0
    return proc, n
