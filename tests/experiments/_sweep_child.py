"""A sweep in a child process, for the kill -9 tests: ``python -m tests.experiments._sweep_child
FOLDER POINTS REPS HORIZON [--resume]`` (the tiny line, B's cycle time swept, 2 local workers)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from linesim.experiments import sweep as sw
from linesim.experiments.execute import Local
from tests.experiments.conftest import DEFINITION, FACTOR, tiny_base, tiny_points


def main(argv: list[str]) -> None:
    folder, n, reps, horizon = Path(argv[0]), int(argv[1]), int(argv[2]), argv[3]
    with tempfile.TemporaryDirectory() as tmp:
        # On the SimPy engine: the tests interrupt this sweep mid-way, and the fast engine
        # would finish it before the signal arrives.
        base = tiny_base(Path(tmp), horizon=horizon).with_run(engine="simpy")
    points = tiny_points(base, n)
    with sw.opened(folder, DEFINITION, base, resume="--resume" in argv) as store:
        sw.run_sweep(points, Local(2), store, folder, definition=DEFINITION, max_reps=reps,
                     factors=[FACTOR])


if __name__ == "__main__":
    main(sys.argv[1:])
