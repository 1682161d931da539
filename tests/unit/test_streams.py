"""streams.py: every random draw comes from a stream named by identity (seed, replication,
station, purpose, server), never by creation order."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

from linesim.streams import SCHEME_VERSION, Purpose, name_key, stream


def draws(g: np.random.Generator, n: int = 8) -> list[float]:
    return g.random(n).tolist()


BASE = dict(seed=12345, replication=3, station="S2", purpose=Purpose.PROCESS, server=0)


def _crc32(data: bytes) -> int:
    """CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), written out independently of zlib."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_same_key_gives_identical_draws():
    """Two streams with the same key are the same sequence (fresh generators, not shared state)."""
    a, b = stream(**BASE), stream(**BASE)
    assert a is not b
    assert draws(a, 1000) == draws(b, 1000)


@pytest.mark.parametrize(
    "change",
    [
        {"seed": 12346},
        {"replication": 4},
        {"station": "S3"},
        {"purpose": Purpose.FAILURE},
        {"purpose": Purpose.REPAIR},
        {"purpose": Purpose.SCRAP},
        {"server": 1},
    ],
)
def test_each_key_component_changes_the_stream(change):
    """Changing any one of seed, replication, station, purpose or server gives different draws."""
    assert draws(stream(**{**BASE, **change})) != draws(stream(**BASE))


def test_all_keys_of_a_small_line_are_distinct():
    """Every (replication, station, purpose, server) of a small line gets its own sequence."""
    seen = set()
    combos = list(itertools.product(range(3), ["S1", "S2", "S3"], list(Purpose), range(2)))
    for rep, st, purpose, server in combos:
        seen.add(tuple(draws(stream(7, rep, st, purpose, server), 4)))
    assert len(seen) == len(combos)


def test_streams_do_not_depend_on_creation_order():
    """A stream's draws are the same whichever other streams were created (or drawn from) before it."""
    keys = [(7, r, st, p, 0) for r in range(2) for st in ("A", "B", "C") for p in Purpose]
    forward = {k: draws(stream(*k)) for k in keys}
    backward = {}
    for k in reversed(keys):
        stream(7, 99, "noise", Purpose.PROCESS).random(1000)  # interleaved unrelated use
        backward[k] = draws(stream(*k))
    assert forward == backward


def test_adding_a_station_leaves_other_stations_unchanged():
    """Keys use the station's name, not its position: inserting a station shifts no other stream."""
    before = [draws(stream(1, 0, name, Purpose.PROCESS)) for name in ("A", "C")]
    names_after = ["A", "B", "C"]
    after = {name: draws(stream(1, 0, name, Purpose.PROCESS)) for name in names_after}
    assert [after["A"], after["C"]] == before


def test_stream_follows_documented_key_layout():
    """stream() is Generator(PCG64(SeedSequence(seed, spawn_key=(SCHEME_VERSION, replication,
    crc32(station), purpose, server)))), the scheme streams.py documents and manifests record."""
    expected = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        12345, spawn_key=(SCHEME_VERSION, 3, _crc32(b"S2"), int(Purpose.PROCESS), 0))))
    assert draws(stream(**BASE), 100) == draws(expected, 100)


@pytest.mark.parametrize("name", ["S1", "Station 7", "Lackierung-2", "焊接", ""])
def test_name_key_is_crc32_of_utf8(name):
    """name_key is the CRC-32 of the UTF-8 bytes: a 32-bit value, the same on every platform."""
    k = name_key(name)
    assert k == _crc32(name.encode("utf-8"))
    assert 0 <= k < 2**32


def test_name_key_is_stable_across_processes():
    """name_key and the draws do not depend on Python's per-process hash salt (PYTHONHASHSEED)."""
    code = ("from linesim.streams import name_key, stream, Purpose;"
            "print(name_key('S2'), stream(5, 1, 'S2', Purpose.REPAIR).random())")
    outs = set()
    for salt in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": salt}
        res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             check=True)
        outs.add(res.stdout)
    assert len(outs) == 1
    assert outs.pop().split()[0] == str(_crc32(b"S2"))


def test_purpose_codes_are_fixed():
    """Purpose codes are part of the stream key: existing purposes keep their codes (a new purpose
    may be added with a new code; renumbering would silently change every result)."""
    codes = {p.name: int(p) for p in Purpose}
    assert {k: codes.get(k) for k in ("PROCESS", "FAILURE", "REPAIR", "SCRAP")} == {
        "PROCESS": 1, "FAILURE": 2, "REPAIR": 3, "SCRAP": 4}
    assert len(set(codes.values())) == len(codes)
