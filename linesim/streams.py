"""Random streams: root seed → named numpy Generators, keyed by identity.

Stage: below ``model`` (which asks for one stream per server and purpose) and ``replicate``.

Every random draw in linesim comes from ``stream(seed, replication, station, purpose, server)``:
a ``Generator(PCG64(SeedSequence(seed, spawn_key=(SCHEME_VERSION, replication,
crc32(station), purpose code, server))))``. Keys are chosen by identity, never by creation
order, so:

* a result never depends on the number of worker processes (a replication's streams are fixed
  by its index);
* inserting a station, adding a server or changing one station's MTBF leaves every other
  station's draws unchanged;
* every point of a sweep sees the same numbers (common random numbers) because the sweep point
  is not part of the key.

No standard-library random module, no global numpy seeding, no generator without a seed anywhere
in linesim (a test checks).
"""

from __future__ import annotations

import zlib
from enum import IntEnum

import numpy as np

# Bump when the mapping from key to numbers changes (key layout, purposes, sampler block size):
# results of different scheme versions are not comparable draw for draw.
SCHEME_VERSION = 1


class Purpose(IntEnum):
    PROCESS = 1  # cycle times
    FAILURE = 2  # times between failures
    REPAIR = 3  # repair times
    SCRAP = 4  # scrap decisions
    REWORK = 5  # rework decisions
    ROUTING = 6  # routing by fractions
    ARRIVAL = 7  # interarrival times of a source
    PRODUCT = 8  # the production plan: the variant of the n-th new part (mix), see PLAN
    SETUP = 9  # changeover times


# The plant's one production plan (a drawn mix): every source draws the variant of its n-th new
# part from this stream's own copy, so all sources follow the same sequence, as sub-lines and
# suppliers building to the final line's broadcast sequence do. Not a valid station name, so it
# can never collide with a station's streams.
PLAN = "(plan)"


def name_key(name: str) -> int:
    """A stable 32-bit key for a name (crc32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, replication: int, station: str, purpose: Purpose, server: int = 0,
           *extra: int) -> np.random.Generator:
    """The generator for one identity; ``extra`` keys refine it (e.g. a product variant's name
    key for per-variant cycle times) without touching the streams that have none."""
    key = (SCHEME_VERSION, replication, name_key(station), int(purpose), server, *extra)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
