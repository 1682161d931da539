"""A hypothesis strategy of small valid plants within the fast engine's features.

``plants()`` draws a scenario mapping (plain data, as a YAML file would give it) and
``scenarios()`` the validated Scenario (examples the validator refuses, or whose observation
window holds no scheduled time, are rejected with ``assume``). The plants are tiny (1–5 stations,
a horizon of hours to two days, cycle times of tens of seconds) so that a replication takes a
few hundredths of a second on SimPy, and they are built to hit the places where two engines
could disagree: simultaneous events (constant times that are multiples of each other, ties
between arrivals, ends of service, repairs and shift changes), blocking on buffers of 0,
several servers, merges, assembly by bill of materials (per-variant quantities too), routing
(fractions, first_free, by product), rework lanes, scrap, product mixes and sequences with
setups and per-variant cycle times, failures, arrivals (block or lose, finite or unlimited
queues), shift calendars (breaks, holidays, night shifts crossing midnight, repairs off shift)
and per-station calendars.

Conveyors and failures on a scheduled basis are drawn only once the fast engine supports them
(``fast.unsupported`` of a probe plant is asked at import), so the generated plants widen with
the engine.
"""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from linesim.engines import fast, observation
from linesim.scenario import Scenario

UNLIMITED = "unlimited"
VARIANTS = ("P", "Q", "R")
MEANS = (20.0, 30.0, 40.0, 60.0, 90.0)  # cycle means: multiples of each other, so ties happen


def _supports(extra_station: dict) -> bool:
    probe = Scenario.model_validate({
        "name": "probe", "stations": [
            {"name": "a", "cycle_time": 10, **extra_station},
            {"name": "b", "cycle_time": 10}]})
    return not fast.unsupported(probe)


CONVEYORS = _supports({"conveyor": {"transfer_time": 30, "capacity": 2}})
SCHEDULED_FAILURES = _supports({"failures": {"mtbf": 600, "mttr": 60, "basis": "scheduled"}})


@st.composite
def distributions(draw, mean: float, *, positive: bool = True) -> object:
    """A random duration with about this mean, of any kind linesim knows (constant the most
    often: constant times make simultaneous events). ``positive=False`` allows a constant 0."""
    kind = draw(st.sampled_from(
        ["constant", "constant", "bare", "exponential", "lognormal", "normal", "gamma", "erlang",
         "uniform", "triangular", "empirical"]))
    if kind == "constant":
        value = 0.0 if not positive and draw(st.booleans()) else mean
        return {"dist": "constant", "value": value}
    if kind == "bare":
        return mean
    if kind == "exponential":
        return {"dist": "exponential", "mean": mean}
    if kind == "lognormal":
        return {"dist": "lognormal", "mean": mean, "cv": draw(st.sampled_from([0.0, 0.3, 1.0]))}
    if kind == "normal":
        return {"dist": "normal", "mean": mean, "cv": draw(st.sampled_from([0.1, 0.5])),
                "min": draw(st.sampled_from([0.0, round(0.8 * mean, 1)]))}
    if kind == "gamma":
        return {"dist": "gamma", "mean": mean, "cv": draw(st.sampled_from([0.3, 1.2]))}
    if kind == "erlang":
        return {"dist": "erlang", "mean": mean, "k": draw(st.integers(1, 3))}
    if kind == "uniform":
        return {"dist": "uniform", "min": 0.5 * mean, "max": 1.5 * mean}
    if kind == "triangular":
        return {"dist": "triangular", "min": 0.5 * mean, "mode": mean, "max": 2.0 * mean}
    values = draw(st.lists(st.sampled_from([0.5 * mean, mean, 2.0 * mean]), min_size=1,
                           max_size=4))
    return {"dist": "empirical", "values": values}


@st.composite
def shift_calendars(draw) -> dict:
    """A weekly shift pattern: 1–3 shifts, breaks, 5–7 days or working days per year,
    holidays, a first shift that may start at night (shifts crossing midnight)."""
    shifts = draw(st.integers(1, 3))
    length = draw(st.sampled_from([h for h in (6.0, 7.5, 8.0) if shifts * h <= 24]))
    cal = {"shifts_per_day": shifts, "shift_length": f"{length} h",
           "breaks_per_shift": draw(st.sampled_from(["0 min", "30 min", "45 min"])),
           "first_shift_start": draw(st.sampled_from(["0 h", "6 h", "22 h"])),
           "repairs_off_shift": draw(st.booleans())}
    if draw(st.booleans()):
        cal["days_per_week"] = draw(st.integers(5, 7))
        cal["holidays_per_year"] = draw(st.sampled_from([0, 0, 10, 60]))
    else:
        cal["working_days_per_year"] = draw(st.sampled_from([250, 300, 365]))
    return cal


@st.composite
def plants(draw, max_stations: int = 5, losing: bool = False) -> dict:
    """A scenario mapping: stations S0.. in flow order (each takes from earlier stations or is a
    source), then per station its times, servers, buffer, routing, assembly, rework, scrap,
    failures, arrivals and calendar. ``losing``: every source takes arrivals from outside,
    fast ones (20 or 30 s apart on average) into a queue of 0 or 1 place with ``when_full:
    lose``, so that arrivals are turned away."""
    # -- products ------------------------------------------------------------------------------
    products, variants = None, []
    pk = draw(st.sampled_from(["none", "none", "mix", "sequence"]))
    if pk == "mix":
        names = list(VARIANTS[:draw(st.integers(1, 3))])
        weights = [draw(st.integers(1, 4)) for _ in names]
        fractions = [w / sum(weights) for w in weights]
        fractions[-1] = 1.0 - sum(fractions[:-1])
        products, variants = {"mix": dict(zip(names, fractions))}, names
    elif pk == "sequence":
        seq = draw(st.lists(st.sampled_from(VARIANTS[:2]), min_size=1, max_size=5))
        products, variants = {"sequence": seq}, list(dict.fromkeys(seq))

    # -- structure -----------------------------------------------------------------------------
    n = draw(st.integers(1, max_stations))
    inputs: list[list[int]] = [[]]
    for i in range(1, n):
        shape = draw(st.sampled_from(["serial", "serial", "source", "several"]))
        if shape == "serial":
            inputs.append([i - 1])
        elif shape == "source":
            inputs.append([])
        else:
            inputs.append(draw(st.lists(st.integers(0, i - 1), min_size=1, max_size=min(3, i),
                                        unique=True)))
    succ = [[j for j in range(n) if i in inputs[j]] for i in range(n)]
    sinks = [i for i in range(n) if not succ[i]]

    def ancestors(i: int) -> set:
        seen, todo = set(), list(inputs[i])
        while todo:
            k = todo.pop()
            if k not in seen:
                seen.add(k)
                todo.extend(inputs[k])
        return seen

    # -- calendars -----------------------------------------------------------------------------
    calendar = draw(st.one_of(st.just("continuous"), shift_calendars()))
    named = {}
    if draw(st.booleans()):
        named = {"early": draw(shift_calendars())}

    # -- stations ------------------------------------------------------------------------------
    stations = []
    for i in range(n):
        mean = draw(st.sampled_from(MEANS))
        st_: dict = {"name": f"S{i}", "inputs": [f"S{k}" for k in inputs[i]]}
        if variants and draw(st.integers(0, 3)) == 0:
            st_["cycle_time"] = {"by_product": {
                v: draw(distributions(draw(st.sampled_from(MEANS)))) for v in variants}}
        else:
            st_["cycle_time"] = draw(distributions(mean))
        if variants and draw(st.integers(0, 2)) == 0:
            st_["setup"] = {"time": draw(distributions(draw(st.sampled_from([10.0, 30.0])),
                                                       positive=False))}
        st_["servers"] = draw(st.sampled_from([1, 1, 1, 2, 3]))
        if succ[i]:
            if CONVEYORS and draw(st.integers(0, 5)) == 0:
                st_["conveyor"] = {"transfer_time": draw(st.sampled_from([20.0, 60.0])),
                                   "capacity": draw(st.integers(1, 4))}
            else:
                st_["buffer_after"] = draw(st.sampled_from([0, 0, 1, 2, 3, 5, UNLIMITED]))
        if len(succ[i]) > 1:
            st_["routing"] = draw(_routing([f"S{j}" for j in succ[i]], variants))
        if inputs[i] and draw(st.booleans()):
            bom = {}
            for pos, k in enumerate(inputs[i]):
                if pos > 0 and variants and draw(st.booleans()):
                    q = {v: draw(st.integers(0, 3)) for v in variants}
                    if not any(q.values()):
                        q[variants[0]] = 1
                    bom[f"S{k}"] = q
                else:
                    bom[f"S{k}"] = draw(st.integers(1, 3))
            st_["assembly"] = bom
        scrap = draw(st.sampled_from([0.0, 0.0, 0.0, 0.05, 0.2]))
        if scrap:
            st_["scrap"] = scrap
        up = sorted(ancestors(i))
        if up and draw(st.integers(0, 3)) == 0:
            to = draw(st.sampled_from(up))
            st_["rework"] = {"to": f"S{to}", "fraction": draw(st.sampled_from([0.05, 0.1, 0.3]))}
        if draw(st.integers(0, 2)) == 0:
            st_["failures"] = draw(_failures())
        if not inputs[i] and losing:
            st_["arrivals"] = {
                "interarrival": draw(distributions(draw(st.sampled_from(MEANS[:2])))),
                "queue": draw(st.sampled_from([0, 1])), "when_full": "lose"}
        elif not inputs[i] and draw(st.integers(0, 2)) == 0:
            st_["arrivals"] = {
                "interarrival": draw(distributions(draw(st.sampled_from(MEANS)))),
                "queue": draw(st.sampled_from([0, 1, 3, UNLIMITED])),
                "when_full": draw(st.sampled_from(["block", "lose"]))}
        if succ[i] and draw(st.integers(0, 3)) == 0:  # outputs keep the scenario's calendar
            st_["calendar"] = draw(st.one_of(
                st.just("continuous"), shift_calendars(),
                *([st.just("early")] if named else [])))
        stations.append(st_)

    data = {"name": "generated", "calendar": calendar, "stations": stations,
            "run": {"warmup": draw(st.sampled_from([0, "30 min", "2 h"])),
                    "horizon": draw(st.sampled_from(["2 h", "8 h", "1 d"] if calendar ==
                                                    "continuous" else ["1 d", "2 d"])),
                    "replications": 2, "seed": draw(st.integers(0, 2**31 - 1))}}
    if products:
        data["products"] = products
    if named:
        data["calendars"] = named
    if len(sinks) > 1:
        data["outputs"] = [f"S{i}" for i in sinks]
    return data


@st.composite
def _routing(draw, targets: list[str], variants: list[str]):
    kinds = ["first_free", "fractions"] + (["by_product"] if variants else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "first_free":
        return "first_free"
    if kind == "fractions":
        weights = [draw(st.integers(1, 4)) for _ in targets]
        fractions = [w / sum(weights) for w in weights]
        fractions[-1] = 1.0 - sum(fractions[:-1])
        return dict(zip(targets, fractions))
    table = {}
    for v in variants:
        chosen = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=len(targets),
                               unique=True))
        table[v] = chosen[0] if len(chosen) == 1 and draw(st.booleans()) else chosen
    used = {t for v in table.values() for t in ([v] if isinstance(v, str) else v)}
    missing = [t for t in targets if t not in used]
    if missing:
        first = table[variants[0]]
        table[variants[0]] = ([first] if isinstance(first, str) else first) + missing
    return {"by_product": table}


@st.composite
def _failures(draw) -> dict:
    mttr = draw(distributions(draw(st.sampled_from([30.0, 120.0, 600.0]))))
    basis = draw(st.sampled_from(["operating", "scheduled"] if SCHEDULED_FAILURES
                                 else ["operating"]))
    if draw(st.booleans()):
        return {"availability": draw(st.sampled_from([0.8, 0.95])), "mttr": mttr, "basis": basis}
    return {"mtbf": draw(distributions(draw(st.sampled_from([300.0, 1200.0, 3600.0])))),
            "mttr": mttr, "basis": basis}


@st.composite
def scenarios(draw, max_stations: int = 5, losing: bool = False) -> Scenario:
    """A validated plant the fast engine supports, whose observation window holds scheduled
    time (anything else is rejected with ``assume``); ``losing`` as in ``plants``."""
    data = draw(plants(max_stations, losing))
    try:
        sc = Scenario.model_validate(data)
        observation(sc)
    except ValueError:
        assume(False)
    assume(not fast.unsupported(sc))
    return sc
