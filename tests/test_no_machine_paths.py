"""No committed file holds an absolute path of a machine: a work tree, a home folder, a
temporary folder. Such a path means nothing on another machine (a scenario header citing a
document by it, a manifest recording where the program ran) and tells the world how the
author's machine is laid out.

Every file that git tracks is read, binary files too (a PNG's metadata can hold a path): as
bytes decoded one to one, so the ASCII patterns below are found in any encoding. System paths
that are the same on every Unix machine (``/dev/null``, ``/proc/self/status``, ``/etc/passwd`` in
a test that refuses it, ``#!/usr/bin/env``) are not machine paths and are not looked for.

The patterns are written so that this file does not match them itself (``/wor[k]/``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_START = r"(?<![\w.~-])"  # the path starts here: not inside a relative path such as runs/tmp/
BANNED = {
    "the work tree of this project's machines": _START + r"/wor[k]/",
    "a temporary folder": _START + r"/tm[p]/",
    "root's home folder": _START + r"/roo[t]/",
    "a user's home folder (Linux)": _START + r"/hom[e]/[\w.-]+",
    "a user's home folder (macOS)": _START + r"/User[s]/[\w.-]+",
    "a user's home folder (Windows)": r"\b[A-Za-z]:[\\/]+User[s][\\/]",
    "a temporary folder (macOS)": _START + r"/(?:private/)?va[r]/folders/",
    "a mounted drive": _START + r"/mn[t]/",
}
# Explicit exceptions: (file, the whole line, stripped). Keep this list short and say why.
ALLOWED = {
    (".gitignore", "/tm" "p/"),  # an ignore pattern: the folder tmp/ at the top of the repository
}


def tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git work tree: the committed files are not known")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [name for name in out.stdout.decode("utf-8").split("\0") if name]


def machine_paths(text: str, name: str = "") -> list[str]:
    """'line N: what (the text found)' for every banned path in ``text`` not allowed for ``name``."""
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        if (name, line.strip()) in ALLOWED:
            continue
        for what, pattern in BANNED.items():
            for match in re.finditer(pattern, line):
                found.append(f"line {n}: {what} ({match.group(0)!r})")
    return found


def test_no_committed_file_holds_a_machine_path():
    problems = []
    for name in tracked_files():
        path = ROOT / name
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        text = path.read_bytes().decode("latin-1")
        problems += [f"{name} {p}" for p in machine_paths(text, name)]
    assert not problems, "absolute paths of a machine in committed files:\n" + "\n".join(problems)


@pytest.mark.parametrize("text", [
    "see /wor" "k/shared/DOMAIN.md", "python /tm" "p/r.json", "cd /roo" "t/x",
    "/hom" "e/alice/linesim", "/User" "s/bob/linesim", "C:\\User" "s\\carol\\linesim",
    "c:/User" "s/dave", "/va" "r/folders/xy/T/run", "/mn" "t/data/runs",
    '"executable": "/hom' 'e/alice/.venv/bin/python"',
])
def test_machine_paths_are_found(text):
    assert machine_paths(text)


@pytest.mark.parametrize("text", [
    "#!/usr/bin/env bash", "fc-list 2>/dev/null", 'open("/proc/self/status")',
    "results/tm" "p/x.json", "docs/DOMAIN.md", "https://example.org/wor" "kshop/", "~/tm" "p/",
    "seed/article-wujin-2024.txt", "`file: /etc/passwd` is refused",
])
def test_portable_paths_are_not_flagged(text):
    assert not machine_paths(text)


def test_the_exceptions_are_still_needed():
    """An exception that no longer matches a line is removed from ALLOWED (the list stays
    short and true)."""
    files = set(tracked_files())
    for name, line in ALLOWED:
        assert name in files, f"ALLOWED names {name}, which is not committed"
        lines = {x.strip() for x in (ROOT / name).read_text(encoding="utf-8").splitlines()}
        assert line in lines, f"ALLOWED: {name} has no line {line!r} any more"
