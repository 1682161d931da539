"""Test instrumentation, loaded only when this folder is first on PYTHONPATH: every call of
``linesim.simulate.run_replication`` in this interpreter (the CLI's process and its workers, which
inherit the environment) appends one line to the file named by ``LINESIM_TEST_CALLS``. Lets a
subprocess test count the replications a command actually simulated (e.g. none on a resume of
a finished sweep)."""

import os

_PATH = os.environ.get("LINESIM_TEST_CALLS")
if _PATH:
    import linesim.simulate as _simulate

    _real = _simulate.run_replication

    def run_replication(scenario, replication, *args, **kwargs):
        fd = os.open(_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{replication}\n".encode())
        finally:
            os.close(fd)
        return _real(scenario, replication, *args, **kwargs)

    _simulate.run_replication = run_replication
