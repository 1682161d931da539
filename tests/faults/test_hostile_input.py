"""Hostile or unlucky input at the command line: every case ends quickly with exit status 2 and
a message naming the file and the key, never a traceback, a hang, gigabytes of memory, or the
content of a file the scenario had no business reading.

Each `linesim` here runs in a subprocess with a time limit and (where the platform has it) a
1 GiB address-space limit, so that a regression fails the test instead of hurting the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

TINY = textwrap.dedent("""
    name: tiny
    unit: part
    stations:
      - name: A
        cycle_time: 40 s
        buffer_after: 2
      - name: B
        cycle_time: {dist: exponential, mean: 38 s}
    run:
      warmup: 1 h
      horizon: 1 d
      replications: 2
      seed: 7
    """).lstrip()

EMPIRICAL = textwrap.dedent("""
    name: emp
    stations:
      - name: A
        cycle_time: {dist: empirical, file: %s, column: op10}
    run: {horizon: 1 d, replications: 2}
    """).lstrip()


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def linesim(*args, cwd: Path, timeout: float = 30, env: dict | None = None):
    """`python -m linesim ARGS`: (completed process or None if it timed out, seconds taken)."""
    t0 = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "linesim", *map(str, args)], cwd=cwd,
                              capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})},
                              preexec_fn=_limit_memory if sys.platform.startswith("linux") else None)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - t0
    return proc, time.monotonic() - t0


def refused(proc, *expected: str) -> str:
    """Assert exit status 2, no traceback, and every expected text in stderr; return stderr."""
    assert proc is not None, "linesim did not finish in time"
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    for text in expected:
        assert text in proc.stderr, (text, proc.stderr[-2000:])
    return proc.stderr


def test_alias_bomb_refused_within_seconds(tmp_path):
    """Nine levels of nine aliases (under 1 KB, 387 million values once expanded) is refused in
    a few seconds with exit 2, the file, the line and 'aliases expand'; it used to hang."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text(TINY + "\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size < 1024
    proc, took = linesim("validate", path, cwd=tmp_path, timeout=20)
    err = refused(proc, "bomb.yaml:", "aliases expand", "100,000")
    assert took < 10, took
    assert "bomb.yaml:19: f: aliases expand" in err  # the first value past the limit, its line


def test_scenario_file_over_the_size_limit(tmp_path):
    """A 3 MB scenario (a valid one padded with comments) is refused before it is parsed, saying
    the limit; it used to be parsed twice by the pure-Python parser."""
    path = tmp_path / "huge.yaml"
    path.write_text(TINY + ("# " + "x" * 78 + "\n") * 37_500, encoding="utf-8")
    proc, took = linesim("validate", path, cwd=tmp_path, timeout=60)
    refused(proc, "huge.yaml", "larger than 2 MiB")
    assert took < 10, took


def test_huge_integer_is_a_problem_at_its_key(tmp_path):
    """An integer of 5,000 digits (beyond Python's int-string limit) is an exit-2 problem at
    `stations[0].servers` with its line, not a ValueError traceback."""
    path = tmp_path / "bigint.yaml"
    path.write_text(TINY.replace("buffer_after: 2", "buffer_after: 2\n    servers: " + "9" * 5000),
                    encoding="utf-8")
    refused(linesim("validate", path, cwd=tmp_path)[0], "bigint.yaml:7: stations[0].servers",
            "too long")


def test_long_scenario_name_refused_before_simulating(tmp_path):
    """A 300-character `name:` (the result folder's name) is refused with exit 2 before
    simulating; it used to end in an OSError traceback ('File name too long')."""
    path = tmp_path / "long.yaml"
    path.write_text(TINY.replace("name: tiny", "name: " + "x" * 300), encoding="utf-8")
    err = refused(linesim("run", path, "--results-dir", tmp_path / "res", cwd=tmp_path)[0],
                  "long.yaml:1: name", "at most 100 characters")
    assert not (tmp_path / "res").exists()
    assert "x" * 300 not in err  # the value is shortened in the message


def _data_file_refused(tmp_path: Path, ref: str, *expected: str, env=None, timeout=30) -> str:
    folder = tmp_path / "plant"
    folder.mkdir(exist_ok=True)
    path = folder / "s.yaml"
    path.write_text(EMPIRICAL % ref, encoding="utf-8")
    proc, _ = linesim("validate", path, cwd=tmp_path, env=env, timeout=timeout)
    err = refused(proc, "s.yaml", "stations[0].cycle_time.file", *expected)
    return err + proc.stdout


def test_data_file_absolute_path_outside_folder(tmp_path):
    """`file: /etc/passwd` is refused (outside the scenario's folder) without reading it."""
    if not Path("/etc/passwd").exists():
        pytest.skip("no /etc/passwd here")
    out = _data_file_refused(tmp_path, "/etc/passwd", "outside the scenario's folder")
    assert ":0:0:" not in out  # root's line


def test_data_file_parent_folder_refused(tmp_path):
    """`file: ../times.csv` is refused even though the file exists and is good CSV."""
    (tmp_path / "times.csv").write_text("op10\n30\n40\n", encoding="utf-8")
    _data_file_refused(tmp_path, "../times.csv", "outside the scenario's folder")


def test_data_file_symlink_out_of_folder_refused(tmp_path):
    """A link inside the folder to a file outside it is refused: the real place is checked."""
    secret = tmp_path / "secret.csv"
    secret.write_text("op10\n30\n40\n", encoding="utf-8")
    (tmp_path / "plant").mkdir()
    try:
        (tmp_path / "plant" / "times.csv").symlink_to(secret)
    except (OSError, NotImplementedError):
        pytest.skip("cannot create symbolic links here")
    _data_file_refused(tmp_path, "times.csv", "outside the scenario's folder")


def test_data_file_dev_zero_refused(tmp_path):
    """`file: /dev/zero` is refused at once (it used to read 2.1 GB before failing)."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    _data_file_refused(tmp_path, "/dev/zero", "outside the scenario's folder")


def test_data_file_device_link_inside_folder_refused(tmp_path):
    """A link in the folder to /dev/zero, or a named pipe in the folder, is refused (outside the
    folder, or not a regular file) instead of being read forever."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    (tmp_path / "plant").mkdir()
    os.mkfifo(tmp_path / "plant" / "pipe.csv")
    _data_file_refused(tmp_path, "pipe.csv", "not a regular file", timeout=20)


def test_data_file_over_the_size_limit(tmp_path):
    """A data file over the limit (17 MiB, sparse) is refused naming the limit, without reading."""
    (tmp_path / "plant").mkdir()
    with open(tmp_path / "plant" / "big.csv", "wb") as f:
        f.write(b"op10\n30\n")
        f.truncate(17 * 1024 * 1024)
    _data_file_refused(tmp_path, "big.csv", "larger than 16 MiB")


def test_proc_environ_never_echoed(tmp_path):
    """`file: /proc/self/environ` is refused and nothing of the environment appears in the output
    (it used to be read and quoted in the parser's error)."""
    if not Path("/proc/self/environ").exists():
        pytest.skip("no /proc here")
    marker = "LINESIM_MARKER_7f3a9c"
    out = _data_file_refused(tmp_path, "/proc/self/environ", env={"LINESIM_SECRET": marker})
    assert marker not in out and "LINESIM_SECRET" not in out


def test_unit_with_markup_shown_as_written(tmp_path):
    """`unit: "seat [/]"` is not read as rich markup (it crashed the report) and `[sets]` does not
    vanish: both show as written in the capacity panel, verdict and table; exit 0."""
    for unit, name in (("seat [/]", "a"), ("[sets]", "b")):
        path = tmp_path / f"{name}.yaml"
        path.write_text(TINY.replace("unit: part", f'unit: "{unit}"'), encoding="utf-8")
        proc, _ = linesim("run", path, "--out", tmp_path / f"out-{name}", "--no-charts",
                          "--jobs", "1", cwd=tmp_path, timeout=120)
        assert proc is not None and proc.returncode == 0, proc and proc.stderr[-2000:]
        assert f"{unit}/h" in proc.stdout  # the capacity panel
        assert f"annual output ({unit})" in proc.stdout  # the table (no plural after "]")


def test_control_characters_in_problems_are_escaped(tmp_path):
    """An unknown key holding an escape sequence is printed escaped (``\\x1b``), so a scenario
    cannot recolour or rewrite the user's terminal through an error message."""
    path = tmp_path / "esc.yaml"
    path.write_text(TINY + '"bad\\e[2Jkey": 1\n', encoding="utf-8")
    err = refused(linesim("validate", path, cwd=tmp_path)[0], "unknown key")
    assert "\x1b" not in err and "\\x1b" in err


def test_set_values_under_the_same_limits(tmp_path):
    """A `--set` value is read under the limits of a file: an alias bomb or a 5,000-digit
    integer is refused with exit 2 naming the key (it used to hang, or end in a traceback)."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    bomb = "[" + ", ".join(f"&{c} [" + ", ".join([f"*{p}" if p != " " else "x"] * 9) + "]"
                           for p, c in zip(" abcdefgh", "abcdefghi")) + "]"
    for value in (bomb, "9" * 5000):
        proc, took = linesim("run", path, "--out", tmp_path / "out", "--set", f"description={value}",
                             cwd=tmp_path, timeout=20)
        assert proc is not None and proc.returncode == 2, proc and proc.stderr[-2000:]
        assert "description" in proc.stderr and "Traceback" not in proc.stderr
        assert took < 10, took
    assert not (tmp_path / "out").exists()


def test_file_name_with_markup_printed_as_written(tmp_path):
    """A scenario path that looks like rich markup (`plan[/]b.yaml`) is printed as written in the
    error line (it used to crash the error printing with a MarkupError traceback)."""
    proc, _ = linesim("validate", "plan[/]b.yaml", cwd=tmp_path)
    refused(proc, "plan[/]b.yaml: no such file")
