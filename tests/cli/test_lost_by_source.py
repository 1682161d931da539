"""Lost arrivals per source in a run folder and the terminal report (issue 10 item 7).

A plant with two arrival sources (one losing, named in Chinese, one blocking) and a source
with unlimited supply: ``arrivals.csv`` has a row per replication and source whose counts add
up to replications.csv's ``lost``; summary.json's ``lost.by_source`` gives each source's share
of its own offered arrivals and ``share_of_arrivals`` all lost over all offered (defined
although a source takes no arrivals); the terminal has a row per arrival source.
"""

from __future__ import annotations

import csv
import json

import pytest

from .conftest import linesim

MIXED = """
name: mixed
stations:
  - name: 来料
    cycle_time: {dist: exponential, mean: 30 s}
    arrivals: {interarrival: {dist: exponential, mean: 25 s}, queue: 1, when_full: lose}
    buffer_after: 1
  - name: kit
    inputs: []
    cycle_time: {dist: exponential, mean: 30 s}
    arrivals: {interarrival: {dist: exponential, mean: 60 s}, queue: 2, when_full: block}
    buffer_after: 1
  - name: trays
    inputs: []
    cycle_time: 300 s
    buffer_after: 1
  - name: join
    inputs: [来料, kit, trays]
    cycle_time: {dist: exponential, mean: 15 s}
run: {warmup: 1 h, horizon: 2 d, replications: 3, seed: 3}
"""


def _rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lost")
    path = tmp / "mixed.yaml"
    path.write_text(MIXED, encoding="utf-8")
    r = linesim("run", path, "--out", tmp / "o", "--no-charts", cwd=tmp)
    assert r.returncode == 0, r.stderr
    return tmp / "o", r.stdout


def test_arrivals_csv_adds_up_to_the_replications_lost(mixed_run):
    folder, _ = mixed_run
    rows = _rows(folder / "arrivals.csv")
    assert list(rows[0]) == ["replication", "source", "offered", "lost", "loss_share"]
    assert [(row["replication"], row["source"]) for row in rows] == [
        (str(k), name) for k in range(3) for name in ("来料", "kit")]
    reps = {row["replication"]: int(row["lost"]) for row in _rows(folder / "replications.csv")}
    for k, lost in reps.items():
        mine = [row for row in rows if row["replication"] == k]
        assert sum(int(row["lost"]) for row in mine) == lost > 0
        for row in mine:
            assert float(row["loss_share"]) == pytest.approx(int(row["lost"]) / int(row["offered"]))
        assert [int(row["lost"]) for row in mine if row["source"] == "kit"] == [0]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "arrivals.csv" in manifest["files"]


def test_summary_gives_each_source_its_share(mixed_run):
    folder, _ = mixed_run
    rows = _rows(folder / "arrivals.csv")
    lost = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["lost"]
    assert list(lost["by_source"]) == ["kit", "来料"]  # sorted keys (summary.json is sorted)
    for name, row in lost["by_source"].items():
        mine = [r for r in rows if r["source"] == name]
        offered = sum(int(r["offered"]) for r in mine)
        m = [int(r["lost"]) for r in mine]
        assert row["loss_share"] == pytest.approx(sum(m) / offered)
        assert row["per_replication"]["mean"] == pytest.approx(sum(m) / len(m))
        assert row["per_replication"]["n"] == 3 and row["per_replication"]["ci95"] is not None
    total = sum(int(r["offered"]) for r in rows)
    assert lost["share_of_arrivals"] == pytest.approx(sum(int(r["lost"]) for r in rows) / total)


def test_terminal_has_a_row_per_source(mixed_run):
    _, out = mixed_run
    assert "lost arrivals a year" in out
    lines = [line for line in out.splitlines() if line.strip().startswith("at ")]
    assert [line.split()[1] for line in lines] == ["来料", "kit"]
    assert "of its" in lines[0] and lines[1].split()[2] == "0"


def test_report_html_has_the_sources_table(mixed_run):
    """report.html's lost-arrivals section has a table by source with each source's share."""
    folder, _ = mixed_run
    html = (folder / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="lost"'):]
    section = section[:section.index("</section>")]
    assert "By arrival source" in section
    lost = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["lost"]
    for name, row in lost["by_source"].items():
        assert name in section and f"{100 * row['loss_share']:.1f}%" in section
