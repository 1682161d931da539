"""The yardstick: a plain, hand-written SimPy model of the benchmark line (ref-b.yaml).

What a user would write without linesim: a serial line of single-server stations with
exponential cycle times and blocking after service. Between station i and i+1 a
``simpy.Store(capacity=B)`` holds the B waiting places. Each station loops:

    get a part from the upstream store  (starved while it is empty; the first station never is)
    timeout(exponential draw)           (processing)
    put the part into the downstream store  (blocked while it is full; the last station never is)

The part stays on the station while the put waits, which is blocking after service. Exits are
counted after the warm-up. No optimisation tricks: one ``Generator.exponential`` call per part.

Run on its own: ``python benchmarks/baseline.py [--horizon-days 120]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import simpy

HOUR = 3600.0
DAY = 24 * HOUR

# The same line as benchmarks/ref-b.yaml.
MEANS_S = (38.0, 40.0, 36.0, 39.0, 37.0)
BUFFER = 2
WARMUP_S = 1 * HOUR
HORIZON_S = 120 * DAY
SEED = 1


def run(means=MEANS_S, buffer=BUFFER, warmup_s=WARMUP_S, horizon_s=HORIZON_S, seed=SEED) -> dict:
    """Simulate warm-up + horizon; return exits after warm-up and throughput per hour."""
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    stores = [simpy.Store(env, capacity=buffer) for _ in range(len(means) - 1)]
    exits = [0]

    def station(i: int, mean: float):
        upstream = stores[i - 1] if i > 0 else None
        downstream = stores[i] if i < len(stores) else None
        while True:
            if upstream is None:
                part = object()  # the first station is never starved
            else:
                part = yield upstream.get()
            yield env.timeout(rng.exponential(mean))
            if downstream is None:
                if env.now >= warmup_s:  # the last station is never blocked
                    exits[0] += 1
            else:
                yield downstream.put(part)  # blocks while the buffer is full

    for i, mean in enumerate(means):
        env.process(station(i, mean))
    env.run(until=warmup_s + horizon_s)
    return {"output": exits[0], "throughput_per_h": exits[0] / (horizon_s / HOUR)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon-days", type=float, default=HORIZON_S / DAY)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    t0 = time.perf_counter()
    res = run(horizon_s=args.horizon_days * DAY, seed=args.seed)
    wall = time.perf_counter() - t0
    print(f"output {res['output']}  throughput {res['throughput_per_h']:.3f}/h  wall {wall:.2f} s")


if __name__ == "__main__":
    main()
