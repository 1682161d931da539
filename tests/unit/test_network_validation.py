"""Graph validation of networks (Scenario._network through the loader): every bad network is a
ScenarioError whose problem names the station(s) concerned and the key path (with the line where
the key is in the file), and says what is wrong. A good network with every feature loads, with
inputs defaulting to the previous station, and round-trips through ``resolved()``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from linesim.loader import Problem, ScenarioError, load_scenario
from linesim.scenario import Scenario

GOOD = """
name: plant
outputs: [PK1, PK2, JT]
stations:
  - name: R1
    cycle_time: 30
    inputs: []
    buffer_after: 2
  - name: R2
    cycle_time: 35
    inputs: []
    buffer_after: unlimited
  - name: ASM
    cycle_time: 50
    inputs: [R1, R2]
    assembly: {R1: 2, R2: 1}
    buffer_after: 1
  - name: WELD
    cycle_time: {dist: exponential, mean: 40 s}
  - name: TEST
    cycle_time: 35
    rework: {to: WELD, fraction: "5%"}
    routing: {PK1: 0.3, PK2: 70%}
  - name: PK1
    cycle_time: 60
    inputs: [TEST]
  - name: PK2
    cycle_time: 40
    inputs: [TEST]
  - name: IN
    cycle_time: 20
    inputs: []
    arrivals: {interarrival: {dist: exponential, mean: 1 min}, queue: 3, when_full: lose}
    routing: first_free
  - name: X1
    cycle_time: 30
    inputs: [IN]
  - name: X2
    cycle_time: 30
    inputs: [IN]
  - name: J
    cycle_time: 10
    inputs: [X1, X2]
  - name: JT
    cycle_time: 10
"""


def problems(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    probs = info.value.problems
    assert probs, "a ScenarioError must list at least one problem"
    for p in probs:
        assert p.file == str(path)
    return probs


def only(probs: list[Problem], path: str) -> Problem:
    hits = [p for p in probs if p.path == path]
    assert len(hits) == 1, f"expected one problem at {path!r}, got {probs}"
    return hits[0]


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of ``text`` containing ``needle``."""
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in the text")


# case: (YAML, key path, line marker or None, fragments the message must contain)
BAD = {
    "unknown input": ("""
        name: x
        stations:
          - name: A
            cycle_time: 10
          - name: B
            cycle_time: 10
            inputs: [A, Z]
        """, "stations[1].inputs", "inputs: [A, Z]", ["'B'", "unknown input 'Z'"]),
    "input naming itself": ("""
        name: x
        stations:
          - name: A
            cycle_time: 10
          - name: B
            cycle_time: 10
            inputs: [A, B]
        """, "stations[1].inputs", "inputs: [A, B]", ["'B'", "itself"]),
    "input listed twice": ("""
        name: x
        stations:
          - name: A
            cycle_time: 10
          - name: B
            cycle_time: 10
            inputs: [A, A]
        """, "stations[1].inputs", "inputs: [A, A]", ["'B'", "twice"]),
    "cycle": ("""
        name: x
        stations:
          - name: S
            cycle_time: 10
            inputs: []
          - name: A
            cycle_time: 10
            inputs: [S, C]
          - name: B
            cycle_time: 10
            inputs: [A]
          - name: C
            cycle_time: 10
            inputs: [B]
          - name: D
            cycle_time: 10
            inputs: [C]
        """, "stations", "stations:", ["cycle", "A -> B -> C -> A", "rework"]),
    "bill of materials naming a non-input": ("""
        name: x
        stations:
          - name: R1
            cycle_time: 10
            inputs: []
          - name: R2
            cycle_time: 10
            inputs: []
          - name: A
            cycle_time: 10
            inputs: [R1, R2]
            assembly: {R1: 1, R2: 1, R3: 2}
        """, "stations[2].assembly", "assembly:", ["'A'", "R3", "not among its inputs", "R1, R2"]),
    "input not consumed by the bill of materials": ("""
        name: x
        stations:
          - name: R1
            cycle_time: 10
            inputs: []
          - name: R2
            cycle_time: 10
            inputs: []
          - name: A
            cycle_time: 10
            inputs: [R1, R2]
            assembly: {R1: 1}
        """, "stations[2].assembly", "assembly:", ["'A'", "R2", "never consumed"]),
    "assembly without inputs": ("""
        name: x
        stations:
          - name: A
            cycle_time: 10
            inputs: []
            assembly: {}
        """, "stations[0].assembly", "assembly:", ["'A'", "no inputs"]),
    "several successors without routing": ("""
        name: x
        stations:
          - name: S
            cycle_time: 10
            inputs: []
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
          - name: M
            cycle_time: 10
            inputs: [P1, P2]
        """, "stations[0].routing", "name: S", ["'S'", "P1, P2", "first_free"]),
    "fractions not summing to 1": ("""
        name: x
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: {P1: 0.3, P2: 0.6}
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
          - name: M
            cycle_time: 10
            inputs: [P1, P2]
        """, "stations[0].routing", "routing:", ["'S'", "sum to 0.9", "not 1"]),
    "fractions naming a wrong station": ("""
        name: x
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: {P1: 0.3, PX: 0.7}
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
          - name: M
            cycle_time: 10
            inputs: [P1, P2]
        """, "stations[0].routing", "routing:", ["'S'", "P1, P2"]),
    "fractions missing a successor": ("""
        name: x
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: {P1: 1.0}
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
          - name: M
            cycle_time: 10
            inputs: [P1, P2]
        """, "stations[0].routing", "routing:", ["'S'", "P1, P2"]),
    "rework to a downstream station": ("""
        name: x
        stations:
          - name: A
            cycle_time: 10
          - name: B
            cycle_time: 10
            rework: {to: C, fraction: 0.1}
          - name: C
            cycle_time: 10
        """, "stations[1].rework.to", "rework:", ["'B'", "'C'", "not upstream"]),
    "rework to itself": ("""
        name: x
        stations:
          - name: A
            cycle_time: 10
          - name: B
            cycle_time: 10
            rework: {to: B, fraction: 0.1}
        """, "stations[1].rework.to", "rework:", ["'B'", "not upstream"]),
    "rework to a parallel branch": ("""
        name: x
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: first_free
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
            rework: {to: P1, fraction: 0.1}
          - name: M
            cycle_time: 10
            inputs: [P1, P2]
        """, "stations[2].rework.to", "rework:", ["'P2'", "'P1'", "not upstream"]),
    "rework to an unknown station": ("""
        name: x
        stations:
          - name: A
            cycle_time: 10
          - name: B
            cycle_time: 10
            rework: {to: Q, fraction: 0.1}
        """, "stations[1].rework.to", "rework:", ["'B'", "'Q'"]),
    "arrivals on a station with inputs": ("""
        name: x
        stations:
          - name: A
            cycle_time: 10
          - name: B
            cycle_time: 10
            arrivals: {interarrival: 20}
        """, "stations[1].arrivals", "arrivals:", ["'B'", "inputs", "sources"]),
    "several sinks without outputs": ("""
        name: x
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: first_free
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
        """, "outputs", None, ["P1, P2", "outputs"]),
    "two unconnected lines without outputs": ("""
        name: x
        stations:
          - name: A
            cycle_time: 10
            inputs: []
          - name: B
            cycle_time: 10
            inputs: []
        """, "outputs", None, ["A, B", "outputs"]),
    "outputs naming a non-sink": ("""
        name: x
        outputs: [S, P1, P2]
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: first_free
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
        """, "outputs", "outputs:", ["outputs", "P1, P2"]),
    "outputs missing a sink": ("""
        name: x
        outputs: [P1]
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: first_free
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
        """, "outputs", "outputs:", ["outputs", "P1, P2"]),
    "buffer_after on the output station": ("""
        name: x
        stations:
          - name: A
            cycle_time: 10
          - name: B
            cycle_time: 10
            buffer_after: 3
        """, "stations[1].buffer_after", "buffer_after: 3", ["'B'", "buffer_after 3",
                                                            "nothing follows"]),
    "unlimited buffer_after on an output station": ("""
        name: x
        outputs: [P1, P2]
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: {P1: 0.5, P2: 0.5}
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
            buffer_after: unlimited
        """, "stations[2].buffer_after", "buffer_after: unlimited", ["'P2'", "unlimited",
                                                                    "nothing follows"]),
    "routing by product without products": ("""
        name: x
        outputs: [P1, P2]
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: {by_product: {A: P1, B: P2}}
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
        """, "stations[0].routing", "routing:", ["'S'", "no products"]),
    "routing by product missing a variant": ("""
        name: x
        outputs: [P1, P2]
        products: {mix: {A: 0.5, B: 0.3, C: 0.2}}
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: {by_product: {A: P1, B: P2}}
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
        """, "stations[0].routing.by_product", "by_product:", ["'S'", "A, B, C"]),
    "routing by product to a station that does not take from it": ("""
        name: x
        outputs: [P1, P2]
        products: {mix: {A: 0.5, B: 0.5}}
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: {by_product: {A: P1, B: [P2, Q]}}
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
          - name: Q
            cycle_time: 10
            inputs: [P1, P2]
        """, "stations[0].routing.by_product.B", "B: [P2, Q]", ["'S'", "'Q'", "P1, P2"]),
    "routing by product leaving a successor unfed": ("""
        name: x
        outputs: [P1, P2, P3]
        products: {mix: {A: 0.5, B: 0.5}}
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: {by_product: {A: P1, B: P2}}
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
          - name: P3
            cycle_time: 10
            inputs: [S]
        """, "stations[0].routing.by_product", "by_product:", ["'S'", "P3", "no product"]),
    "misspelt by_product": ("""
        name: x
        outputs: [P1, P2]
        products: {mix: {A: 0.5, B: 0.5}}
        stations:
          - name: S
            cycle_time: 10
            inputs: []
            routing: {by_produt: {A: P1, B: P2}}
          - name: P1
            cycle_time: 10
            inputs: [S]
          - name: P2
            cycle_time: 10
            inputs: [S]
        """, "stations[0].routing.by_produt", "routing:", ["did you mean 'by_product'"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_network_names_stations_and_key_path(case, write_yaml):
    """Each bad network is rejected with one problem at the offending key path, on the line of
    that key when it is in the file, naming the station(s) concerned and what is wrong; its
    printed form leads with the file and the line."""
    text, path, marker, fragments = BAD[case]
    file = write_yaml(text)
    p = only(problems(file), path)
    for fragment in fragments:
        assert fragment in p.message, (fragment, p.message)
    if marker is not None:
        assert p.line == line_of(file.read_text(encoding="utf-8"), marker), p
        assert str(p).startswith(f"{file}:{p.line}: {path}: ")


def test_cycle_message_lists_every_station_of_the_cycle_once(write_yaml):
    """The cycle's message walks the loop from where it closes back to it: each station of the
    cycle once (and the first again at the end), none that only leads into or out of it."""
    file = write_yaml(BAD["cycle"][0])
    p = only(problems(file), "stations")
    loop = p.message.split(": ", 1)[1].split(" (")[0].split(" -> ")
    assert loop[0] == loop[-1]
    assert sorted(loop[:-1]) == ["A", "B", "C"]
    assert "S" not in loop and "D" not in loop


def test_good_network_loads_and_round_trips(write_yaml):
    """A network with every feature (assembly, unlimited buffer, rework, routing by fractions
    and first_free, arrivals with a finite queue, merge, several outputs) loads; a station
    without ``inputs`` takes from the one listed before it, a source says ``inputs: []``;
    percentages become fractions; ``resolved()`` validates back to an equal scenario."""
    sc = load_scenario(write_yaml(GOOD))
    by = {st.name: st for st in sc.stations}
    assert by["WELD"].inputs == ["ASM"] and by["TEST"].inputs == ["WELD"]
    assert by["JT"].inputs == ["J"]
    assert by["R1"].is_source and by["IN"].is_source and not by["ASM"].is_source
    assert by["ASM"].quantity_from("R1") == 2 and by["WELD"].quantity_from("ASM") == 1
    assert by["TEST"].rework.fraction == pytest.approx(0.05)
    assert by["TEST"].routing == {"PK1": pytest.approx(0.3), "PK2": pytest.approx(0.7)}
    assert by["IN"].arrivals.queue == 3 and by["IN"].arrivals.when_full == "lose"
    assert by["IN"].arrivals.interarrival.mean_s() == 60.0
    assert by["R2"].buffer_after == "unlimited"
    assert sorted(sc.outputs) == ["JT", "PK1", "PK2"]
    assert sc.successors()["TEST"] == ["PK1", "PK2"] and sc.successors()["IN"] == ["X1", "X2"]
    assert not sc.is_serial()
    assert Scenario.model_validate(sc.resolved()) == sc


def test_outputs_must_name_every_station_that_ends_the_flow(write_yaml):
    """GOOD has three stations that feed no other (PK1, PK2 and JT). Leaving JT out of
    ``outputs`` is the only problem, at ``outputs`` on its line, and it names all three (so the
    user sees which is missing); a serial file needs no outputs at all."""
    text = textwrap.dedent(GOOD).replace("outputs: [PK1, PK2, JT]", "outputs: [PK1, PK2]")
    file = write_yaml(text, "missing-output.yaml")
    probs = problems(file)
    assert len(probs) == 1
    p = only(probs, "outputs")
    assert all(name in p.message for name in ("JT", "PK1", "PK2")), p.message
    assert p.line == line_of(file.read_text(encoding="utf-8"), "outputs:")
    serial = load_scenario(write_yaml("""
        name: s
        stations:
          - {name: A, cycle_time: 10, buffer_after: 2}
          - {name: B, cycle_time: 12}
        """, "serial.yaml"))
    assert serial.outputs is None and serial.is_serial()
