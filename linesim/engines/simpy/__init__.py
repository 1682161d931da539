"""The SimPy engine, the reference: ``model`` (the plant as SimPy processes) and ``run``
(one replication's observation window)."""
