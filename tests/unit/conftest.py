"""Fixtures for the unit tests: scenario files written into tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write_yaml(tmp_path: Path):
    """write_yaml(text, name='scenario.yaml') -> Path: dedented text written under tmp_path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
