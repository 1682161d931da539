"""report.html without a browser: written by runs and sweeps (not with --no-report), well formed,
self-contained, every chart embedded, hostile text escaped, the same bytes every time, honest
wording, the scenario file with its comments, and `linesim report` refusing other folders."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pandas as pd
import pytest

from linesim import html_report
from linesim.html_report import basis_notes, p_text, render
from linesim.units import DAY, YEAR

from .conftest import HOSTILE, HOSTILE_UNIT, ROOT, invoke

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# Every element the template may write: a stray tag means some text was not escaped.
ALLOWED = {"html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3",
           "p", "section", "div", "strong", "ul", "li", "table", "caption", "thead", "tbody",
           "tr", "th", "td", "figure", "img", "figcaption", "code", "pre", "span", "dl", "dt",
           "dd", "footer"}


class Page(HTMLParser):
    """Parses a page, checking that every element is closed in order; records the tags, the
    attributes and the text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.doctype = None
        self.feed(html)
        self.close()
        if self.stack:
            self.problems.append(f"never closed: {self.stack}")

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())

    def all(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


def _report(folder) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def test_run_writes_a_well_formed_report_in_reading_order(zh_run):
    """A run writes report.html (listed in its manifest): one page, every element closed in
    order, UTF-8 and a viewport declared, the sections in the order a planner reads them."""
    assert "report.html" in json.loads((zh_run / "manifest.json").read_text())["files"]
    html = _report(zh_run)
    page = Page(html)
    assert page.problems == []
    assert page.doctype.lower() == "doctype html"
    assert {"charset": "utf-8"} in page.all("meta")
    assert any(m.get("name") == "viewport" for m in page.all("meta"))
    assert {t for t, _ in page.tags} <= ALLOWED
    ids = [a["id"] for a in page.all("section")]
    assert ids == ["question", "capacity", "figures", "charts", "stations", "buffers", "scenario",
                   "provenance"]
    assert len(page.all("h1")) == 1
    assert "@media print" in html and "overflow-x: auto" in html
    assert "Noto Sans CJK SC" in html  # a CJK font in the stack: Chinese names render


def test_report_is_self_contained(zh_run, ref_sweep):
    """Nothing to fetch: no script, no stylesheet link, no src or href but data: URIs; no
    http(s) address anywhere in the markup or the CSS."""
    for folder in (zh_run, ref_sweep):
        html = _report(folder)
        page = Page(html)
        assert not page.all("script") and not page.all("link") and not page.all("iframe")
        for _tag, attrs in page.tags:
            for name in ("src", "href"):
                if name in attrs:
                    assert attrs[name].startswith("data:"), (name, attrs[name][:80])
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
        assert "url(" not in html and "@import" not in html


def test_every_chart_is_embedded_with_a_caption(zh_run, tmp_path):
    """Each PNG of the folder is an <img> with a data URI holding that very file and a caption
    naming it; known charts first, an unknown chart after them by its file name."""
    folder = tmp_path / "run"
    shutil.copytree(zh_run, folder)
    shutil.copy(folder / "annual_output.png", folder / "aaa_new_chart.png")
    pngs = sorted(p.name for p in folder.glob("*.png"))
    page = Page(render(folder))
    imgs = page.all("img")
    assert len(imgs) == len(pngs) >= 3
    import base64

    embedded = [base64.b64decode(a["src"].split(",", 1)[1]) for a in imgs]
    assert sorted(embedded) == sorted((folder / n).read_bytes() for n in pngs)
    assert all(int(a["width"]) > 0 and int(a["height"]) > 0 and a["alt"] for a in imgs)
    figures = html_report.figures(folder)
    names = [f["name"] for f in figures]
    assert names[-1] == "aaa_new_chart.png"  # unknown: after every known chart
    assert names.index("annual_output.png") < names.index("station_states.png")
    assert all(f["caption"] for f in figures)


def test_hostile_text_is_escaped(hostile_run, tmp_path):
    """A station named <script>alert(1)</script> (in the tables), HTML in the description and
    the unit, and a comment closing </pre>: all shown as text, no element injected."""
    folder = tmp_path / "run"
    shutil.copytree(hostile_run, folder)
    for name in ("stations.csv", "buffers.csv", "summary.json"):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        if name == "buffers.csv":
            table = pd.read_csv(path)
            table["after"] = HOSTILE
            text = table.to_csv(index=False, lineterminator="\n")
        elif name == "stations.csv":
            table = pd.read_csv(path)
            table["station"] = table["station"].replace({"A": HOSTILE})
            text = table.to_csv(index=False, lineterminator="\n")
        else:
            data = json.loads(text)
            data["bottleneck"] = HOSTILE
            data["stations"][0]["name"] = HOSTILE
            data["verdict"] = HOSTILE + data["verdict"]
            text = json.dumps(data)
        path.write_text(text, encoding="utf-8")
    html = render(folder)
    page = Page(html)
    assert page.problems == []
    assert {t for t, _ in page.tags} <= ALLOWED  # no <script>, <img src=x>, <b> from the input
    assert len(page.all("img")) == len(list(folder.glob("*.png")))
    assert "<script" not in html.lower() and "alert(1)</script>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # station, bottleneck...
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&lt;/pre&gt;&lt;script&gt;alert(3)" in html
    assert HOSTILE in page.plain and HOSTILE_UNIT in page.plain


def test_same_folder_gives_the_same_bytes(zh_run, ref_sweep, tmp_path):
    """Rendering twice, and in another process with another hash seed, gives the same bytes
    (no time of rendering, no set order in the page)."""
    for folder in (zh_run, ref_sweep):
        first = render(folder)
        assert render(folder) == first
        code = ("import sys; from linesim.html_report import render; "
                "sys.stdout.buffer.write(render(sys.argv[1]).encode('utf-8'))")
        env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
        other = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True,
                               env=env, cwd=os.getcwd(), timeout=120, check=True).stdout
        assert other.decode("utf-8") == first
    assert (zh_run / "report.html").read_text(encoding="utf-8") == render(zh_run)


def test_probabilities_at_the_ends_read_as_bounds():
    """P below 0.001 or above 0.999 is "< 0.001" / "> 0.999", never 3.4e-14 or 1.000."""
    assert p_text(3.4e-14) == "< 0.001" and p_text(0.0) == "< 0.001"
    assert p_text(0.9999996) == "> 0.999" and p_text(1.0) == "> 0.999"
    assert p_text(0.5) == "0.50" and p_text(0.001) == "0.001" and p_text(0.999) == "0.999"
    assert p_text(None) == "—" and p_text(float("nan")) == "—"


def test_basis_is_stated_and_short_runs_are_flagged():
    """Every report says the horizon and replications; under a year "annualised from N days",
    under 5 replications the interval is called wide; a year of 10 replications, neither."""
    full = basis_notes(10, YEAR, 8 * 3600)
    assert [n["warn"] for n in full] == [False]
    assert "10 replications of one year" in full[0]["text"]
    short = " ".join(n["text"] for n in basis_notes(2, 2 * DAY, 3600))
    assert "annualised from 2 days" in short and "Only 2 replications" in short
    assert "wide" in short
    assert "annualised" not in " ".join(n["text"] for n in basis_notes(5, YEAR, 0))
    assert "Only" not in " ".join(n["text"] for n in basis_notes(5, YEAR, 0))


def test_run_report_content(zh_run):
    """The question and verdict first; capacity arithmetic; figures with intervals and honest
    wording; Chinese names as written; the scenario file with its comments and status words,
    and the keys the run changed; provenance from the manifest."""
    html = _report(zh_run)
    page = Page(html)
    text = page.plain
    summary = json.loads((zh_run / "summary.json").read_text(encoding="utf-8"))
    manifest = json.loads((zh_run / "manifest.json").read_text(encoding="utf-8"))
    assert text.index("The question") < text.index("Capacity arithmetic") < text.index(
        "Headline figures") < text.index("The scenario as run") < text.index("Provenance")
    assert "500,000 套 a year" in text and "套s" not in text  # a Chinese unit has no plural
    assert re.sub(r"^(YES|NO):\s*", "", summary["verdict"]) in text
    # the basis once (the verdict's own words, estimate.basis) with the warm-up beside it
    assert text.count("annualised from 2 days") == 1 and text.count("interval is wide") == 1
    assert "rest on 2 replications of 2 days each, after a warm-up of 8 hours" in text
    assert "4,832 h a year" in text
    assert "前排骨架" in text or "前排" in text
    p = summary["target"]["probability"]
    assert f"P(one year ≥ 500,000) {p_text(p)}" in text
    assert '<span class="s">estimate</span>' in html  # the file's status words, highlighted
    assert "run.horizon: 365 d in the file, 2 d in the run" in text
    assert manifest["finished"] in text and str(manifest["seed"]) in text
    assert f"engine {manifest['engine']}" in text
    stations = pd.read_csv(zh_run / "stations.csv")
    for station in stations["station"].unique():
        assert station in text


def test_scenario_falls_back_to_the_resolved_file(zh_run, tmp_path):
    """When the source file named by the manifest cannot be read, the report shows the
    resolved scenario of the folder and says so."""
    folder = tmp_path / "run"
    shutil.copytree(zh_run, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["source"] = str(tmp_path / "gone.yaml")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    text = Page(render(folder)).plain
    assert "cannot be read here, this is scenario.resolved.yaml" in text
    assert "shifts_per_day: 2" in text


def test_sweep_report_content(ref_sweep):
    """A sweep's report: the question, the factors, its charts, the points ranked by annual
    output with the paired difference to the base, and the provenance."""
    page = Page(_report(ref_sweep))
    assert page.problems == []
    text = page.plain
    ids = [a["id"] for a in page.all("section")]
    assert ids[:4] == ["question", "factors", "charts", "ranking"] and ids[-1] == "provenance"
    assert "stations.S2.cycle_time" in text and "36 s, 40 s, 44 s" in text
    assert "response.png" in text and len(page.all("img")) == len(list(ref_sweep.glob("*.png")))
    points = pd.read_csv(ref_sweep / "points.csv")
    best = points.sort_values("annual_mean", ascending=False).iloc[0]
    assert f"The best point is {best['label']}" in text
    rows = re.findall(r"<tr(?: class=\"base\")?><td class=\"n\">(\d+)</td>", _report(ref_sweep))
    assert rows == [str(k + 1) for k in range(len(points))]


def test_improve_and_solve_folders(tmp_path):
    """An improve folder's report ranks the candidates; a solve folder's gives the bracket and
    every evaluation (folders made from their files alone, as `linesim report` reads them)."""
    improve = tmp_path / "improve"
    improve.mkdir()
    (improve / "manifest.json").write_text(json.dumps(
        {"kind": "sweep", "status": "complete", "name": "x improve", "replications_max": 3}))
    (improve / "sweep.resolved.yaml").write_text("kind: improve\nscenario: x\n")
    pd.DataFrame({"point": [0]}).to_csv(improve / "points.csv", index=False)
    rows = [{"rank": 1, "point": 2, "label": "S2: one more server (2)", "delta_annual_mean": 900.0,
             "delta_annual_ci_low": 800.0, "delta_annual_ci_high": 1000.0, "predicted_gain": 950.0,
             "annual_mean": 10900.0, "p_target": None, "replications": 3},
            {"rank": 2, "point": 1, "label": "S1: cycle time −5%", "delta_annual_mean": 5.0,
             "delta_annual_ci_low": -20.0, "delta_annual_ci_high": 30.0, "predicted_gain": 0.0,
             "annual_mean": 10005.0, "p_target": None, "replications": 3}]
    pd.DataFrame(rows).to_csv(improve / "improve.csv", index=False)
    text = Page(render(improve)).plain
    assert "S2: one more server (2) buys the most: +900 ± 100" in text
    assert "1 of 2 candidate changes gain with 95% confidence" in text
    assert text.index("S2: one more server") < text.index("S1: cycle time −5%")

    solve = tmp_path / "solve"
    solve.mkdir()
    (solve / "manifest.json").write_text(json.dumps({"kind": "sweep", "status": "complete"}))
    (solve / "sweep.resolved.yaml").write_text("kind: solve\nscenario: x\nkey: stations.S2.servers\n")
    pd.DataFrame({"point": [0]}).to_csv(solve / "points.csv", index=False)
    evaluations = [{"value": v, "p": p, "p_se": 0.01, "n": 2, "meets": p >= 0.9,
                    "annual_mean": 1000.0 * v, "annual_ci_low": None, "annual_ci_high": None}
                   for v, p in ((1, 1e-9), (3, 0.99999), (2, 0.95))]
    (solve / "solve.json").write_text(json.dumps(
        {"key": "stations.S2.servers", "bracket": [1, 2], "target": 2000, "confidence": 0.9,
         "evaluations": evaluations, "replications": 6, "unit": "", "integer": True,
         "arithmetic": 2}))
    text = Page(render(solve)).plain
    assert "It meets the target at 2 and fails at 1" in text
    assert "< 0.001" in text and "> 0.999" in text and "0.95 " in text


def test_cli_report_and_no_report(zh_run, hostile_run, tmp_path):
    """`linesim report FOLDER` writes report.html and lists it in the manifest; a folder that
    is not a linesim folder, or no folder, is exit 2 with one line naming it; --no-report
    writes none."""
    assert not (hostile_run / "report.html").exists()  # made with --no-report
    assert "report.html" not in json.loads((hostile_run / "manifest.json").read_text())["files"]
    folder = tmp_path / "run"
    shutil.copytree(hostile_run, folder)
    result = invoke("report", folder)
    assert result.exit_code == 0, result.output
    assert (folder / "report.html").is_file()
    assert "report.html" in json.loads((folder / "manifest.json").read_text())["files"]
    other = tmp_path / "photos"
    other.mkdir()
    (other / "a.png").write_bytes(b"")
    for bad in (other, tmp_path / "missing"):
        result = invoke("report", bad)
        assert result.exit_code == 2
        assert str(bad) in result.output and "Traceback" not in result.output
    assert not (other / "report.html").exists()
    # a run into a folder that holds a report (an earlier run's) replaces it, no refusal
    result = invoke("run", ROOT / "scenarios" / "reference" / "ref-a.yaml", "--horizon", "1 d",
                    "--jobs", "1", "--out", folder)
    assert result.exit_code == 0, result.output
    assert "ref-a" in (folder / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["zhuojun-seats-phase1", "zhuojun-phase2-set-cycle",
                                  "zhuojun-seats-phase1-improve"])
def test_committed_folders_render(name):
    """The committed run, sweep and improve folders render (their files alone, no store)."""
    folder = ROOT / "results" / name
    if not folder.is_dir():
        pytest.skip(f"results/{name} is not in this checkout")
    page = Page(render(folder))
    assert page.problems == [] and page.all("img")


def test_a_sweep_to_a_precision_says_how_many_replications_its_points_ran():
    """The committed phase-2 sweep ran to a precision: its points ran different numbers of
    replications (points.csv), and the report says the range, not the maximum allowed."""
    import pandas as pd

    folder = ROOT / "results" / "zhuojun-phase2-set-cycle"
    if not folder.is_dir():
        pytest.skip("results/zhuojun-phase2-set-cycle is not in this checkout")
    counts = pd.read_csv(folder / "points.csv")["replications"]
    lo, hi = int(counts.min()), int(counts.max())
    assert lo < hi  # the case this test is about
    text = render(folder)
    assert f"rest on {lo} to {hi} replications of one year each" in text
