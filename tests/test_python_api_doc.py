"""The Python API example in the README runs as written."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "README.md"


def example(path: Path = DOC) -> str:
    """The first ```python block under the '# Python API' heading (any level) of ``path``."""
    text = path.read_text(encoding="utf-8")
    section = text[re.search(r"^#+ Python API", text, re.M).start():]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_python_api_example_runs(tmp_path, monkeypatch):
    """Run in an empty folder beside the shipped scenarios: it prints a verdict and the tables,
    writes a run folder and a sweep folder there."""
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    space: dict = {}
    with contextlib.redirect_stdout(out):
        exec(compile(example(), str(DOC), "exec"), space)  # noqa: S102 - our own documentation
    printed = out.getvalue()
    assert "sets a year" in printed and "foam-trim" in printed
    assert (tmp_path / "runs" / "phase1-faster" / "summary.json").is_file()
    assert (tmp_path / "runs" / "foam-trim-sweep" / "points.csv").is_file()
    assert space["s"].replications == 3 and len(space["sweep"].points) == 2
