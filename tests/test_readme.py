"""The README's network example is a valid scenario that runs."""

from __future__ import annotations

import re
from pathlib import Path

from linesim.loader import load_scenario
from linesim.simulate import run_replication

README = Path(__file__).resolve().parents[1] / "README.md"


def test_network_example_in_readme_runs(tmp_path):
    """The YAML under 'Plants: networks...' validates and conserves parts over a short run."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Plants: networks"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "readme.yaml"
    path.write_text("name: readme-network\nunit: set\n" + block, encoding="utf-8")
    scenario = load_scenario(path).with_run(horizon="2 d", warmup="1 h", replications=1)
    r = run_replication(scenario, 0)
    t = r.totals
    assert r.output > 0
    assert t["entered"] + t["assembled"] == t["exited"] + t["scrapped"] + t["consumed"] + t["wip_end"]
    assert set(r.output_by_product) == {"L7", "L8"}


def test_sweep_file_example_in_readme_is_valid(tmp_path):
    """The sweep file under 'A sweep file' loads and plans (every point's scenario validates):
    linked keys, a range with units, values, a scale, a grid."""
    from linesim.experiments.points import plan_sweep
    from linesim.experiments.spec import load_sweep

    text = README.read_text(encoding="utf-8")
    section = text[text.index("### A sweep file"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    scenarios = README.parent / "scenarios"
    block = block.replace("../scenarios/", f"{scenarios.as_posix()}/")
    path = tmp_path / "example.yaml"
    path.write_text(block, encoding="utf-8")
    plan = plan_sweep(load_sweep(path))
    assert [f.name for f in plan.sweep.factors][0] == "foam-trim cycle per seat"
    # 11 × 2 × 2 combinations, the one equal to the base run once (as point 0)
    assert len(plan.points) == 11 * 2 * 2
