"""Experiments: sweeps, ``improve`` and ``solve`` over a base scenario, under common random numbers.

The experiment layer sees a replication as a pure function of (scenario, replication index)
(``simulate.run_replication``): that is what makes executors interchangeable, results independent
of the executor, and common random numbers free (the stream key holds no sweep point, so replication
r of every point draws the same numbers and differences between points are paired).

Data flow inside the package (imports one way):

    core (types) ─► spec (sweep file) ─► design (points) ─► points (point scenarios)
                 ─► execute (executors: processes, Dask) ─► store (SQLite) ─► sweep (the loop)
                 ─► analyze (point rows, paired differences, precision, Morris)
                 ─► improve, solve ─► charts (figures from tables)

It knows nothing of SimPy beyond ``run_replication``; nothing here prints (the CLI does).
"""
