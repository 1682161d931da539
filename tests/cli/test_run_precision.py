"""``run.precision`` for ``linesim run``: replications are added until the annual output's 95%
interval is within the share asked (run.replications the maximum), and the run folder says how
many ran and that a precision was asked."""

from __future__ import annotations

import json

import pandas as pd

from .conftest import invoke


def test_precision_run_records_what_ran(tiny_yaml, tmp_path):
    """With --set run.precision=2% and at most 40 replications: summary.json's replications is
    the number that ran (= rows of replications.csv, ≤ 40, ≥ 2), its ``precision`` block says the
    precision asked, the maximum, whether it was met and the half-width reached; the manifest
    records the precision, the maximum and the replications run."""
    out = tmp_path / "run"
    res = invoke("run", tiny_yaml, "--out", out, "--jobs", "1", "--no-charts",
                 "--replications", "40", "--set", "run.precision=2%")
    assert res.exit_code == 0, (res.output, res.exception)
    summary = json.loads((out / "summary.json").read_text())
    reps = pd.read_csv(out / "replications.csv")
    n = summary["replications"]
    assert 2 <= n <= 40 and len(reps) == n and list(reps.replication) == list(range(n))
    p = summary["precision"]
    assert p["asked"] == 0.02 and p["max_replications"] == 40 and p["replications"] == n
    assert p["met"] == (p["half_width_share"] <= 0.02)
    assert p["met"] or n == 40
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["precision"] == 0.02 and manifest["max_replications"] == 40
    assert manifest["replications"] == n


def test_bad_precision_is_exit_2_naming_the_key(tiny_yaml, tmp_path):
    """run.precision is a key of the run block that takes a share: one that is not in (0, 1)
    is refused with exit 2 naming run.precision and saying what it expects."""
    for bad, why in (("0", "greater than 0"), ("150%", "expected a probability"),
                     ("fast", "expected a probability")):
        res = invoke("run", tiny_yaml, "--out", tmp_path / "x", "--set", f"run.precision={bad}")
        assert res.exit_code == 2, (bad, res.output)
        assert "run.precision" in res.output and why in res.output, res.output
