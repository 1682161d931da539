"""The fast engine: the SimPy model compiled (numba), on the same random streams.

Stage: Scenario ─► **engines.fast** ─► Window ─► simulate.summarize.

``core`` mirrors ``engines/simpy/model.py`` process for process and SimPy's event order event for
event, so on the features it supports a replication gives the SimPy engine's counters exactly
(every shipped scenario and the reference lines are checked bit for bit in tests/engines).
``build`` lays a scenario out in arrays and drives the compiled loop; importing this package does
not import numba (``unsupported`` is asked in the parent and in pre-flight).

Compilation: the compiled functions are cached on disk (numba ``cache=True``, in ``__pycache__``
beside the sources, or numba's user cache directory when that is read-only); the first run on a
machine compiles them (~20 s), later runs load them in well under a second. ``prepare`` does it
once in the parent so that forked workers inherit the compiled code.
"""

from __future__ import annotations

import functools
from typing import Callable, Optional

from ...scenario import Scenario
from ..window import BufferInfo, Window, observation


class Overflow(RuntimeError):
    """A queue or waiting list outgrew the compiled engine's fixed ring (an unlimited queue
    holding tens of thousands of parts): ``engines.run_window`` runs the replication on the
    SimPy engine instead (the reference: same streams, same answer)."""


def unsupported(scenario: Scenario) -> list[str]:
    """The features of ``scenario`` the fast engine does not reproduce (empty: it can run it):
    every feature is mirrored; only a plant larger than the compiled layout's fixed maxima
    (``limits``) is refused."""
    from .limits import problems

    return problems(scenario)


@functools.lru_cache(maxsize=1)
def numba_problem() -> Optional[str]:
    """Why numba cannot be used here (None: it imports). Imported only when asked."""
    try:
        import numba  # noqa: F401
    except ImportError as exc:
        return f"numba cannot be imported ({exc})"
    return None


class Unavailable(RuntimeError):
    """The fast engine cannot be compiled or loaded on this machine (an incompatible numba or
    llvmlite, say): ``engines.prepare`` makes it EngineUnsupported, and ``auto`` runs SimPy."""


_BROKEN: list[str] = []  # why compiling failed in this process (then it is not tried again)


def broken() -> Optional[str]:
    """Why the fast engine failed to compile in this process (None: it did not fail)."""
    return _BROKEN[0] if _BROKEN else None


def prepare() -> bool:
    """Compile (first run on this machine) or load the compiled functions; True if they were
    compiled or loaded now, False if this process had them already. Unavailable if that fails."""
    if _BROKEN:
        raise Unavailable(_BROKEN[0])
    try:
        from . import build

        return build.prepare()
    except Exception as exc:  # noqa: BLE001 - whatever numba raises, SimPy can still run
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        _BROKEN.append(f"the fast engine cannot be compiled here ({type(exc).__name__}: {first})")
        raise Unavailable(_BROKEN[0]) from exc


def run_window(scenario: Scenario, replication: int, *,
               on_period: Optional[Callable[[float], None]] = None) -> Window:
    """Replication ``replication`` of ``scenario`` up to the end of its observation window
    (``on_period(t)`` is called at every period boundary)."""
    from . import build

    calendar, start_t, end_t = observation(scenario)
    before, after, bottleneck_s, maxima, layout, snapshots = build.run_counters(
        scenario, replication, start_t, end_t, on_period)
    names = [st.name for st in scenario.stations]
    return Window(
        engine="fast",
        start_t=start_t,
        end_t=end_t,
        before=before,
        after=after,
        bottleneck_s=bottleneck_s,
        buffers=[BufferInfo(names[up] if up >= 0 else None, names[down], kind, cap)
                 for up, down, kind, cap in layout["edges"]],
        buffer_max=maxima,
        snapshots=snapshots,
    )
