"""`linesim run` and `linesim validate` on networks: a run exits 0 and its summary.json and
buffers.csv describe every edge (after, before, kind, capacity; "unlimited" for rework lanes and
unlimited buffers, no upstream for an arrival queue); the resolved scenario keeps the network;
a bad network exits 2 naming the file, key path and stations, without a traceback."""

from __future__ import annotations

import json
import textwrap

import pandas as pd
import pytest

from linesim.loader import load_scenario

from .conftest import invoke, linesim

# Two rows into an assembly station, rework back to a plain station, routing by fractions to
# two packing stations (both deliver), plus an arrival stream with a finite queue, first_free
# to two parallel stations and a merge. Short: 1 h warm-up, 12 h, 2 replications.
NETWORK = textwrap.dedent("""
    name: net
    description: a small network for the CLI tests
    unit: set
    outputs: [PK1, PK2, J]
    stations:
      - name: R1
        cycle_time: {dist: exponential, mean: 30 s}
        inputs: []
        buffer_after: 2
      - name: R2
        cycle_time: 35
        inputs: []
        buffer_after: unlimited
      - name: ASM
        cycle_time: {dist: lognormal, mean: 60 s, cv: 0.3}
        inputs: [R1, R2]
        assembly: {R1: 2, R2: 1}
        buffer_after: 1
      - name: WELD
        cycle_time: {dist: exponential, mean: 40 s}
        buffer_after: 2
      - name: TEST
        cycle_time: 35
        rework: {to: WELD, fraction: "5%"}
        routing: {PK1: 0.5, PK2: 0.5}
        buffer_after: 1
      - name: PK1
        cycle_time: 60
        inputs: [TEST]
      - name: PK2
        cycle_time: 70
        inputs: [TEST]
      - name: IN
        cycle_time: {dist: exponential, mean: 20 s}
        inputs: []
        arrivals: {interarrival: {dist: exponential, mean: 1 min}, queue: 3, when_full: lose}
        routing: first_free
      - name: X1
        cycle_time: {dist: exponential, mean: 80 s}
        inputs: [IN]
      - name: X2
        cycle_time: {dist: exponential, mean: 80 s}
        inputs: [IN]
      - name: J
        cycle_time: 10
        inputs: [X1, X2]
    run:
      warmup: 1 h
      horizon: 12 h
      replications: 2
      seed: 11
    """).lstrip()

# (after, before, kind, capacity) of every edge of NETWORK, as summary.json writes them.
EDGES = {
    ("R1", "ASM", "buffer", 2),
    ("R2", "ASM", "buffer", "unlimited"),
    ("ASM", "WELD", "buffer", 1),
    ("WELD", "TEST", "buffer", 2),
    ("TEST", "PK1", "buffer", 1),
    ("TEST", "PK2", "buffer", 1),
    (None, "IN", "queue", 3),
    ("IN", "X1", "buffer", 0),
    ("IN", "X2", "buffer", 0),
    ("X1", "J", "buffer", 0),
    ("X2", "J", "buffer", 0),
    ("TEST", "WELD", "rework", "unlimited"),
}


@pytest.fixture(scope="module")
def network_run(tmp_path_factory):
    """One `python -m linesim run net.yaml --out DIR --no-charts --jobs 1` in a subprocess."""
    base = tmp_path_factory.mktemp("network_run")
    scenario = base / "net.yaml"
    scenario.write_text(NETWORK, encoding="utf-8")
    folder = base / "run"
    proc = linesim("run", scenario, "--out", folder, "--no-charts", "--jobs", "1", cwd=base)
    return scenario, folder, proc


@pytest.fixture(scope="module")
def summary(network_run):
    _, folder, proc = network_run
    assert proc.returncode == 0, proc.stderr
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def test_network_run_exits_0(network_run):
    """A network scenario runs: exit 0, no traceback, the run folder is named, and the files of
    the run folder are there."""
    _, folder, proc = network_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert str(folder) in proc.stdout.replace("\n", "")
    for name in ("summary.json", "replications.csv", "stations.csv", "buffers.csv",
                 "scenario.resolved.yaml", "manifest.json"):
        assert (folder / name).is_file(), name


def test_summary_buffers_describe_every_edge(summary):
    """summary.json lists one buffer per edge of the graph, each with after / before / kind /
    capacity: the rework lane and the unlimited buffer have capacity "unlimited", the arrival
    queue has no upstream station (null) and its ``queue`` places; levels are non-negative,
    and never above a finite capacity."""
    got = [(b["after"], b["before"], b["kind"], b["capacity"]) for b in summary["buffers"]]
    assert len(got) == len(set(got))
    assert set(got) == EDGES
    for b in summary["buffers"]:
        assert {"after", "before", "kind", "capacity", "mean_level", "max_level"} <= set(b)
        assert b["mean_level"] >= 0 and b["max_level"] >= 0
        if b["kind"] == "rework":
            assert b["capacity"] == "unlimited"
        if b["capacity"] != "unlimited":
            assert b["mean_level"] <= b["max_level"] <= b["capacity"], b


def test_summary_stations_and_capacity_cover_the_network(summary):
    """Every station appears in summary.json, in file order, with state shares summing to 1;
    the capacity section names a station of the network as limiting, with a positive ceiling
    that the simulated mean does not exceed by more than its own noise."""
    names = ["R1", "R2", "ASM", "WELD", "TEST", "PK1", "PK2", "IN", "X1", "X2", "J"]
    assert [s["name"] for s in summary["stations"]] == names
    for s in summary["stations"]:
        total = sum(s[k] for k in ("working", "starved", "blocked", "down", "off_shift"))
        assert total == pytest.approx(1.0, abs=1e-9), s
    cap = summary["capacity"]
    assert cap["limiting_station"] in names
    assert cap["ceiling_per_hour"] > 0
    tp = summary["throughput_per_hour"]
    assert tp["mean"] <= cap["ceiling_per_hour"] + 4 * max(tp["std"], 1e-9)


def test_buffers_csv_has_kind_and_unlimited_capacity(network_run):
    """buffers.csv carries the same edges per replication, with the kind column and the
    capacity written as "unlimited" for the rework lane."""
    _, folder, _ = network_run
    df = pd.read_csv(folder / "buffers.csv", keep_default_na=False)
    assert {"after", "before", "kind", "capacity"} <= set(df.columns)
    assert sorted(df["replication"].unique()) == [0, 1]
    lane = df[df["kind"] == "rework"]
    assert len(lane) == 2
    assert set(lane["capacity"].astype(str)) == {"unlimited"}
    assert set(lane["after"]) == {"TEST"} and set(lane["before"]) == {"WELD"}
    assert set(df["kind"]) == {"buffer", "queue", "rework"}


def test_resolved_scenario_keeps_the_network(network_run):
    """scenario.resolved.yaml, loaded again, is the same scenario: inputs, bill of materials,
    routing, rework, arrivals and outputs survive the round trip."""
    scenario, folder, _ = network_run
    assert load_scenario(folder / "scenario.resolved.yaml") == load_scenario(scenario)


BAD_NETWORK = textwrap.dedent("""
    name: bad-net
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
    """).lstrip()


def test_validate_bad_network_subprocess(tmp_path):
    """In a real process, `validate` on a network where S feeds P1 and P2 without routing exits
    2, names the file, the line, the key path and the stations, and prints no traceback."""
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_NETWORK, encoding="utf-8")
    proc = linesim("validate", path, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    err = " ".join(proc.stderr.split())  # the console may wrap long lines
    assert f"{path}:3: stations[0].routing" in err
    assert "'S'" in err and "P1, P2" in err


@pytest.mark.parametrize("change, where, names", [
    (("inputs: [P1, P2]", "inputs: [P1, P2, M]"), "stations[3].inputs", ["'M'", "itself"]),
    (("inputs: [P1, P2]", "inputs: [P1, Q]"), "stations[3].inputs", ["'M'", "'Q'"]),
    (("    inputs: []\n", "    inputs: [M]\n    routing: first_free\n"), "stations",
     ["S -> P1 -> M -> S"]),
])
def test_run_bad_network_exits_2_and_writes_nothing(tmp_path, change, where, names):
    """`run` on a bad network (input naming itself, unknown input, a cycle) exits 2 with one
    line per problem naming the file, the key path and the stations, and creates no run
    folder."""
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_NETWORK.replace(*change, 1), encoding="utf-8")
    out = tmp_path / "out"
    res = invoke("run", path, "--out", out, "--no-charts", "--jobs", "1")
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    err = " ".join(res.stderr.split())
    assert f"{path}" in err and where in err
    for name in names:
        assert name in err, (name, err)
    assert not out.exists()


def test_summary_splits_assembly_starving_by_input(summary):
    """The assembly station ASM carries ``starved_for``: one entry per input in input order,
    with hours a year, share of scheduled time, episodes a year and mean episode length;
    the other stations carry none. The largest per-input share is at most the station's
    starved share of scheduled time, the sum at least that share."""
    rows = {row["name"]: row for row in summary["stations"]}
    assert [w["input"] for w in rows["ASM"]["starved_for"]] == ["R1", "R2"]
    assert all("starved_for" not in row for name, row in rows.items() if name != "ASM")
    asm = rows["ASM"]
    starved = asm["starved"] / (1 - asm["off_shift"])  # of scheduled time
    shares = [w["share_of_scheduled"] for w in asm["starved_for"]]
    assert max(shares) <= starved + 1e-9 and starved <= sum(shares) + 1e-9
    for w in asm["starved_for"]:
        assert w["hours_per_year"] >= 0 and w["episodes_per_year"] >= 0
        assert (w["mean_s"] is None) == (w["episodes_per_year"] == 0)
