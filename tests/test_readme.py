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
