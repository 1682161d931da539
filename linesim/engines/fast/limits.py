"""The fast engine's fixed maximum counts (numba-free: ``unsupported`` asks them in the parent).

The compiled loop (``core``) keeps every per-process, per-station, per-edge, per-queue,
per-stream and per-calendar field at an offset fixed when the module is compiled, so each of
its reads is one load from a constant address instead of two (the region's offset from the
arena's header, then the value): that is about a third of the loop's time. The price is a
maximum count per kind of entity, below; a scenario above one runs on the SimPy engine, which
has no such limit (``problems`` says why). The variable-size pools (parts rings, waiting
lists, calendar intervals, random-number rings) keep offsets read at run time.
"""

from __future__ import annotations

MAX_PROCESSES = 1024  # station servers + arrival streams + conveyors
MAX_STATIONS = 512
MAX_EDGES = 1024  # arrival queues + buffers and conveyors between stations + rework lanes
MAX_INPUTS = 16  # input edges of one station (its arrival queue included)
MAX_STREAMS = 16384  # random streams (process × purpose × variant)


def counts(scenario) -> dict:
    """The entity counts of ``scenario`` that the limits bound (streams: an upper bound)."""
    specs = scenario.stations
    nvq = max(len(scenario.products.names) if scenario.products else 0, 1)
    by_name = {st.name: st for st in specs}
    servers = sum(st.servers for st in specs)
    arrivals = sum(1 for st in specs if st.arrivals is not None)
    conveyors = sum(1 for st in specs for u in st.inputs if by_name[u].conveyor is not None)
    edges = (arrivals + sum(len(st.inputs) for st in specs)
             + sum(1 for st in specs if st.rework is not None))
    inputs = max([len(st.inputs) + (st.arrivals is not None) for st in specs] + [1])
    return {"processes": servers + arrivals + conveyors, "stations": len(specs), "edges": edges,
            "inputs": inputs,
            "streams": servers * (nvq + 6) + 2 * arrivals + len(specs)}


LIMITS = {"processes": (MAX_PROCESSES, "station servers, arrival streams and conveyors"),
          "stations": (MAX_STATIONS, "stations"),
          "edges": (MAX_EDGES, "buffers, conveyors, arrival queues and rework lanes"),
          "inputs": (MAX_INPUTS, "inputs of one station"),
          "streams": (MAX_STREAMS, "random streams (servers × (variants + 6))")}


def problems(scenario) -> list[str]:
    """One message per limit ``scenario`` exceeds (empty: the compiled layout holds it)."""
    have = counts(scenario)
    return [f"more than {limit} {what} ({have[key]}; the compiled layout's maximum)"
            for key, (limit, what) in LIMITS.items() if have[key] > limit]
