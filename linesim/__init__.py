"""linesim: production-line throughput simulation on SimPy."""

__version__ = "0.1.0"
