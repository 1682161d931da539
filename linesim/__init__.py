"""linesim: production-line throughput simulation on SimPy.

The Python API (``linesim.load``, ``change``, ``run``, ``sweep``; ``linesim/python_api.py``) is
loaded on first use (the module's ``__getattr__``), so that ``import linesim`` loads no SimPy,
numba, pandas or matplotlib.
"""

__version__ = "0.1.0"

# name -> the module of linesim that defines it, imported when the name is first used
_LAZY = {
    "load": "python_api", "change": "python_api", "run": "python_api", "sweep": "python_api",
    "Result": "python_api", "Summary": "python_api", "Interval": "python_api",
    "RunWarning": "python_api",
    "Scenario": "scenario", "ScenarioError": "loader", "FolderRefused": "runfolder",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'linesim' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
