"""HTML report: one self-contained ``report.html`` for a run folder or an experiment folder.

Stage: results, charts ─► **html_report** ─► api / cli. It reads only the files of a finished
folder (``summary.json``, the CSVs, ``manifest.json``, the charts; for an experiment
``sweep.resolved.yaml``, ``points.csv``, ``improve.csv``, ``solve.json``) and, for the scenario
as run, the source file the manifest names. ``write_report(folder)`` tells a run folder (a
``summary.json``) from an experiment folder (a manifest of ``"kind": "sweep"``: sweep, improve
or solve) and writes ``report.html`` atomically; anything else is ``NotAReportFolder``.

What the page holds, in the order a planner reads it. A run: the question (the scenario's
description and target) and the verdict; how far the figures can be trusted (horizon,
replications, "annualised from N days", a wide-interval warning under 5 replications); the
capacity arithmetic; the headline figures with 95% intervals (P(target) printed "< 0.001" /
"> 0.999" at the ends); every chart of the folder with a caption; station and buffer tables
(means over replications); lost arrivals when the summary has any; the scenario file as written,
comments and their status words ("estimate", "derived", "sourced"...) highlighted, with the keys
the run changed (``--horizon``, ``--set``...) listed, or the resolved scenario when the source
cannot be read; the provenance (versions, seed, replications, horizon, warm-up, engine, date —
from the manifest). An experiment: the question, the answer, the factors, its charts, the ranked
table (points by annual output, the improve ranking, or the solver's evaluations), the
experiment's file and the provenance.

Self-contained and safe: figures are embedded as ``data:`` URIs (PNG or SVG), the CSS is inline,
there is no script, and nothing is fetched; a phone gets a viewport and tables that scroll
sideways; print gets ``@media print`` rules. The template is rendered with **jinja2** with
autoescaping on (a well-kept library; its autoescape means every user string — station names,
units, descriptions, file text — is escaped unless this module builds it as ``Markup`` from
escaped parts, so a station called ``<script>`` is text). The same folder gives the same bytes:
nothing but the manifest's own timestamp is written, and every list is in a fixed order.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml
from markupsafe import Markup, escape

from . import __version__
from .estimate import FEW_REPLICATIONS
from .units import DAY, YEAR, format_duration, plural, probability_text, span_text
from .results import MANIFEST, REPORT_FILE, write_text

REPORT = REPORT_FILE
MAX_SOURCE_BYTES = 2 * 1024 * 1024  # a scenario file's limit (loader)

# Chart captions by file stem: the run's charts first, then the experiments', in this order.
CAPTIONS = {
    "annual_output": "Annual output of each replication with the mean, its 95% interval, the "
                     "target and the capacity ceiling.",
    "station_states": "Share of time each station spends working, starved (waiting for parts), "
                      "blocked (its output cannot move on), down, in set-up and off shift; means "
                      "over the replications.",
    "station_states_calendar": "Station states over calendar time, off-shift time included.",
    "bottleneck_shares": "Share of scheduled time each station is the bottleneck (active-period "
                         "method), with 95% intervals; ties count for every tied station.",
    "oee": "OEE-style breakdown per station (ISO 22400 time model: availability, performance, "
           "quality); time starved or blocked is not counted against the station.",
    "output_per_period": "Output per period over the simulated time, the warm-up marked.",
    "wip": "Work in progress (parts in the plant) over time.",
    "wip_over_time": "Work in progress (parts in the plant) over time.",
    "buffer_levels": "Buffer levels over time.",
    "buffer_occupancy": "How full each buffer is: share of time at each level (time-weighted).",
    "response": "Annual output with its 95% band against the factor, with the target, the "
                "capacity ceiling and P(target).",
    "heatmap": "P(one year reaches the target) over the grid of two factors; the line separates "
               "the cells that meet the confidence from those that do not.",
    "tornado": "Paired change in annual output when each factor moves alone, with 95% intervals "
               "(common random numbers).",
    "improve": "Paired gain in annual output of each candidate change, with its 95% interval; "
               "the diamond is the capacity arithmetic's predicted gain.",
    "scatter": "Annual output of each sampled point against each factor.",
    "morris": "Morris screening: mean absolute elementary effect (μ*) against its spread (σ).",
    "solve": "The solver's evaluations of P(target) against the key's value, and the bracket.",
}
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}
# Status words of the numbers in shipped scenarios' comments (highlighted in the scenario text).
STATUS_WORDS = re.compile(r"\b(estimated?|derived|sourced|article|assumed|assumption|"
                          r"reference input|measured|guess(?:ed)?)\b", re.IGNORECASE)
STATE_COLUMNS = [("working", "working"), ("starved", "starved"), ("blocked", "blocked"),
                 ("down", "down"), ("setup", "set-up"), ("off_shift", "off shift")]


class NotAReportFolder(Exception):
    """The folder is not a linesim run or experiment folder; ``lines`` say why (exit status 2)."""

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


# -- entry points ------------------------------------------------------------------------------
def folder_kind(folder: Path) -> str:
    """"run" (a run folder: summary.json) or "sweep" (an experiment folder: a manifest of kind
    sweep); ``NotAReportFolder`` otherwise."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotAReportFolder(f"error {folder}: no such folder (expected a linesim run or "
                               "sweep folder)")
    manifest = _json(folder / MANIFEST)
    if isinstance(manifest, dict) and manifest.get("kind") == "sweep":
        if (folder / "points.csv").is_file():
            return "sweep"
        raise NotAReportFolder(f"error {folder}: this experiment folder has no points.csv yet "
                               "(the experiment has not written its tables)")
    if (folder / "summary.json").is_file() and isinstance(_json(folder / "summary.json"), dict):
        return "run"
    if isinstance(manifest, dict) and manifest.get("status") in ("failed", "interrupted"):
        raise NotAReportFolder(f"error {folder}: this run did not finish (status "
                               f"{manifest['status']}): it has no summary to report")
    raise NotAReportFolder(f"error {folder}: not a linesim run or sweep folder (a run folder "
                           "has summary.json, a sweep, improve or solve folder a manifest.json "
                           "of kind sweep)")


def render(folder: Path) -> str:
    """The report of ``folder`` as HTML text."""
    folder = Path(folder)
    page = _run_page(folder) if folder_kind(folder) == "run" else _sweep_page(folder)
    return _template().render(version=__version__, **page.__dict__)


def write_report(folder: Path) -> Path:
    """Write ``folder/report.html`` (atomically) and return its path."""
    folder = Path(folder)
    text = render(folder)
    path = folder / REPORT
    write_text(path, text)
    return path


def _template():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("linesim", "templates"), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    return env.get_template("report.html.j2")


# -- page model --------------------------------------------------------------------------------
@dataclass
class Cell:
    text: Any
    cls: str = ""


@dataclass
class Row:
    cells: list
    cls: str = ""


@dataclass
class HtmlTable:
    head: list
    rows: list
    numeric: set = field(default_factory=set)  # column indexes aligned right
    title: str = ""
    caption: str = ""


@dataclass
class Section:
    id: str
    title: str
    paragraphs: list = field(default_factory=list)
    items: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    pairs: list = field(default_factory=list)
    pre: Any = ""
    after: list = field(default_factory=list)


@dataclass
class Page:
    title: str
    subtitle: str
    question: list
    verdict: dict
    notes: list
    sections: list
    banner: str = ""


def _table(head, rows, numeric=(), title="", caption="") -> HtmlTable:
    out = []
    for r in rows:
        if isinstance(r, Row):
            out.append(r)
        else:
            out.append(Row([c if isinstance(c, Cell) else Cell(c) for c in r]))
    for r in out:
        r.cells = [c if isinstance(c, Cell) else Cell(c) for c in r.cells]
        for k in numeric:
            if k < len(r.cells) and not r.cells[k].cls:
                r.cells[k].cls = "n"
    return HtmlTable(list(head), out, set(numeric), title, caption)


# -- numbers in words --------------------------------------------------------------------------
def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def num(x, digits: int = 0) -> str:
    """``x`` with thousands separators and ``digits`` decimals; "—" when missing."""
    return "—" if _missing(x) else f"{float(x):,.{digits}f}"


def p_text(p) -> str:
    """A probability as a planner should read it (``units.probability_text``: "< 0.001" and
    "> 0.999" at the ends, never 3.4e-14 or a bare 1.00 that claims certainty); "—" if
    missing."""
    return "—" if _missing(p) else probability_text(float(p))


def share(x) -> str:
    return "—" if _missing(x) else f"{100 * float(x):.1f}%"


def interval(ci, digits: int = 0) -> str:
    if not ci or any(_missing(v) for v in ci):
        return "—"
    return f"{num(ci[0], digits)} – {num(ci[1], digits)}"


def span(seconds) -> str:
    """A horizon or warm-up in words (``units.span_text``: "one year", "2 days", "8 hours")."""
    return "—" if _missing(seconds) else span_text(float(seconds))


def basis_notes(replications: int, horizon_s, warmup_s, what: str = "These figures",
                most: Optional[int] = None) -> list[dict]:
    """What the figures rest on, in words: the horizon and replications, "annualised from N
    days" for a horizon under a year, and a warning when fewer than 5 replications make the
    interval wide. ``most``: the largest count where points differ (an experiment run to a
    precision), ``replications`` then the smallest."""
    warmup = "" if _missing(warmup_s) else (f", after a warm-up of {span(warmup_s)} of "
                                            "scheduled time")
    count = (f"{replications} to {most} replications" if most is not None and most != replications
             else f"{replications} replication{'s' if replications != 1 else ''}")
    notes = [{"text": f"{what} rest on {count} of {span(horizon_s)} each{warmup}.",
              "warn": False}]
    if not _missing(horizon_s) and float(horizon_s) < YEAR * (1 - 1e-9):
        days = float(horizon_s) / DAY
        notes.append({"text": f"Annual figures are annualised from {days:g} days of simulated "
                              "time (scaled by scheduled hours to a year), not simulated over a "
                              "whole year: rare long stops or a year's pattern may be missed.",
                      "warn": True})
    if replications < 2:
        notes.append({"text": "One replication gives no interval: nothing here says how much "
                              "another year could differ. Run at least 5.", "warn": True})
    elif replications < FEW_REPLICATIONS:  # as the verdict (estimate.basis)
        notes.append({"text": f"Only {replications} replications: the 95% intervals are wide "
                              "(and themselves uncertain). Run at least 5, better 10, before "
                              "deciding on these numbers.", "warn": True})
    return notes


# -- files -------------------------------------------------------------------------------------
def _json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None


def _csv(path: Path):
    import pandas as pd

    try:
        return pd.read_csv(path)
    except (OSError, ValueError):
        return None


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    return 0, 0


def _svg_size(data: bytes) -> tuple[int, int]:
    head = data[:4096].decode("utf-8", "replace")
    found = [re.search(rf'\b{k}="([\d.]+)(?:pt|px)?"', head) for k in ("width", "height")]
    if all(found):
        return int(float(found[0].group(1))), int(float(found[1].group(1)))
    return 0, 0


def figures(folder: Path) -> list[dict]:
    """Every PNG or SVG of the folder as an embedded figure: the known charts first, in the
    order of ``CAPTIONS`` (a numbered variant such as ``response_2_x.png`` after its kind),
    then the others by name."""
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in IMAGE_TYPES and not p.name.startswith("."))
    order = list(CAPTIONS)

    def kind(p: Path) -> Optional[str]:
        if p.stem in CAPTIONS:
            return p.stem
        prefixes = [k for k in order if p.stem.startswith(k + "_")]
        return max(prefixes, key=len) if prefixes else None

    def key(p: Path):
        k = kind(p)
        return (0, order.index(k), p.stem != k, p.name) if k else (1, 0, False, p.name)

    out = []
    for p in sorted(files, key=key):
        data = p.read_bytes()
        k = kind(p)
        if k is None:
            caption = "Chart."
        elif k == p.stem:
            caption = CAPTIONS[k]
        else:
            caption = f"{CAPTIONS[k]} ({p.stem[len(k) + 1:].replace('_', ' ')})"
        width, height = (_png_size if p.suffix.lower() == ".png" else _svg_size)(data)
        mime = IMAGE_TYPES[p.suffix.lower()]
        out.append({"name": p.name, "caption": caption, "alt": caption,
                    "src": f"data:{mime};base64," + base64.b64encode(data).decode("ascii"),
                    "width": width or "", "height": height or ""})
    return out


def scenario_markup(text: str) -> Markup:
    """YAML text as HTML: every character escaped, comments in ``<span class="c">`` with the
    numbers' status words ("estimate", "derived", "sourced"...) in ``<span class="s">``."""
    lines = []
    for line in text.splitlines():
        at = _comment_start(line)
        code, comment = (line, "") if at is None else (line[:at], line[at:])
        out = str(escape(code))
        if comment:
            marked = STATUS_WORDS.sub(lambda m: f'<span class="s">{m.group(0)}</span>',
                                      str(escape(comment)))
            out += f'<span class="c">{marked}</span>'
        lines.append(out)
    return Markup("\n".join(lines))


def _comment_start(line: str) -> Optional[int]:
    """Where a YAML comment starts in ``line`` (a ``#`` outside quotes, at the start or after
    white space), or None."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"" and (i == 0 or line[i - 1] in " \t:[{,-"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return None


def _diff(a, b, path: str = "") -> list[tuple[str, Any, Any]]:
    """Leaves where two plain-data trees differ: (dotted path, value in a, value in b)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            out += _diff(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            name = x.get("name") if isinstance(x, dict) and isinstance(x.get("name"), str) else i
            out += _diff(x, y, f"{path}.{name}" if isinstance(name, str) else f"{path}[{i}]")
        return out
    return [] if a == b else [(path, a, b)]


_DURATION_KEY = re.compile(r"\b(horizon|warmup|cycle_time|mtbf|mttr|shift_length|breaks_per_shift|"
                           r"first_shift_start|interarrival|transfer_time|setup)\b")


def _value(v, key: str = "") -> str:
    """A scenario value for a person: durations (seconds in a resolved scenario) in words."""
    last = key.rsplit(".", 1)[-1]
    if (isinstance(v, (int, float)) and not isinstance(v, bool) and _DURATION_KEY.search(key)
            and last not in ("cv", "k", "servers")):
        return format_duration(float(v))
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def _read_source(manifest: dict) -> tuple[Optional[Path], Optional[str]]:
    source = manifest.get("source") if isinstance(manifest, dict) else None
    if not isinstance(source, str) or not source:
        return None, None
    path = Path(source)
    try:
        if not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
            return path, None
        return path, path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return path, None


def scenario_section(folder: Path, manifest: dict) -> Section:
    """The scenario as run: its source file with comments when it can be read, with the keys
    in which the run differed from the file (overrides, or a file changed since); else the
    resolved scenario of the folder."""
    from .loader import ScenarioError, load_scenario

    section = Section("scenario", "The scenario as run")
    resolved_path = folder / "scenario.resolved.yaml"
    path, text = _read_source(manifest)
    if text is not None:
        ran = _yaml(resolved_path)
        try:
            from_file = yaml.safe_load(yaml.safe_dump(load_scenario(path).resolved(),
                                                      allow_unicode=True))
            differences = _diff(from_file, ran) if isinstance(ran, dict) else []
        except ScenarioError:
            from_file, differences = None, []
        section.paragraphs.append(
            f"The scenario file {path} as it reads now, with its comments: the words "
            "highlighted there (estimate, derived, sourced, article...) give each number's "
            "status.")
        if from_file is None:
            section.paragraphs.append("This file no longer validates, so it may not be what "
                                      "ran; scenario.resolved.yaml in this folder is.")
        elif differences:
            section.paragraphs.append("The run differed from this file in these keys "
                                      "(command-line options such as --horizon or --set, or "
                                      "the file changed since):")
            shown = differences[:20]
            section.items = [f"{k}: {_value(x, k)} in the file, {_value(y, k)} in the run"
                             for k, x, y in shown]
            if len(differences) > len(shown):
                section.items.append(f"… and {len(differences) - len(shown)} more (see "
                                     "scenario.resolved.yaml)")
        section.pre = scenario_markup(text)
        return section
    try:
        resolved = resolved_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        resolved = ""
    where = f"the source file {path} cannot be read here" if path else "no source file is recorded"
    section.paragraphs.append(f"As {where}, this is scenario.resolved.yaml: the scenario that "
                              "ran, every default written out, without the file's comments.")
    section.pre = scenario_markup(resolved)
    return section


def provenance_pairs(manifest: dict, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    versions = manifest.get("versions") or {}
    pairs = [("linesim", str(versions.get("linesim") or "—"))]
    pairs += extra
    if manifest.get("engine"):
        note = manifest.get("engine_note")
        pairs.append(("engine", f"{manifest['engine']}" + (f" ({note})" if note else "")))
    if manifest.get("stream_scheme") is not None:
        pairs.append(("random-stream scheme", str(manifest["stream_scheme"])))
    if manifest.get("command"):
        pairs.append(("command", " ".join(str(a) for a in manifest["command"])))
    if manifest.get("finished") or manifest.get("started"):
        pairs.append(("date (UTC)", str(manifest.get("finished") or manifest.get("started"))))
    if manifest.get("status"):
        pairs.append(("status", str(manifest["status"])))
    others = ", ".join(f"{k} {v}" for k, v in sorted(versions.items())
                       if k != "linesim" and v is not None)
    if others:
        pairs.append(("package versions", others))
    if manifest.get("platform"):
        pairs.append(("platform", str(manifest["platform"])))
    return pairs


# -- a run folder ------------------------------------------------------------------------------
def _run_page(folder: Path) -> Page:
    from .estimate import t_interval

    summary = _json(folder / "summary.json")
    manifest = _json(folder / MANIFEST) or {}
    resolved = _yaml(folder / "scenario.resolved.yaml") or {}
    unit = str(summary.get("unit") or "unit")
    units = plural(unit)
    name = str(summary.get("scenario") or folder.name)
    n = int(summary.get("replications") or (summary.get("annual_output") or {}).get("n") or 0)
    target = summary.get("target")

    question = []
    if target:
        question.append(f"Can {name} make {num(target['annual_output'])} {units} a year, with "
                        f"probability at least {float(target['confidence']):.2f}?")
    else:
        question.append(f"How many {units} a year can {name} make, and what holds it back?")
    if resolved.get("description"):
        question.append(str(resolved["description"]))
    met = target.get("met") if target else None
    verdict = {"cls": "yes" if met else ("no" if met is False else ""),
               "head": ("YES" if met else "NO") if target else "",
               "text": _strip_yes_no(str(summary.get("verdict") or ""))}
    notes = basis_notes(n, summary.get("horizon_s"), summary.get("warmup_s"))
    # what the verdict already says (estimate.basis) is not said twice
    said = verdict["text"].lower()
    notes = notes[:1] + [note for note in notes[1:] if not (
        ("annualised" in note["text"] and "annualised" in said)
        or ("wide" in note["text"] and "wide" in said)
        or ("no interval" in note["text"] and "no interval" in said))]
    for w in summary.get("warnings") or []:  # the scenario's plausibility warnings
        if isinstance(w, dict):
            where = ":".join(str(w[k]) for k in ("file", "line") if w.get(k) is not None)
            text = f"{where}: {w.get('path')}: {w.get('message')}" if where else \
                f"{w.get('path')}: {w.get('message')}"
        else:
            text = str(w)
        notes.append({"text": f"Check the scenario: {text}", "warn": True})
    precision = summary.get("precision")
    if isinstance(precision, dict):
        notes.append({"text": f"Replications were added until the 95% interval was within "
                              f"{share(precision.get('asked'))} of the mean (at most "
                              f"{precision.get('max_replications')}): "
                              + ("reached." if precision.get("met") else "not reached."),
                      "warn": not precision.get("met")})

    sections = [_capacity_section(summary, units), _headline_section(folder, summary, units, n,
                                                                     t_interval)]
    charts = figures(folder)
    if charts:
        sections.append(Section("charts", "Charts", figures=charts))
    sections.append(_stations_section(folder, summary))
    buffers = _buffers_section(folder)
    if buffers is not None:
        sections.append(buffers)
    lost = _lost_section(summary, units)
    if lost is not None:
        sections.append(lost)
    sections.append(scenario_section(folder, manifest))
    run = resolved.get("run") or {}
    sections.append(Section("provenance", "Provenance", pairs=provenance_pairs(manifest, [
        ("scenario", name),
        ("source file", str(manifest.get("source") or "—")),
        ("seed", str(summary.get("seed", run.get("seed", "—")))),
        ("replications", str(n)),
        ("horizon", span(summary.get("horizon_s"))),
        ("warm-up", span(summary.get("warmup_s"))),
    ])))
    status = manifest.get("status")
    banner = ("" if status in (None, "ok") else
              f"This folder holds the partial output of a run that ended with status {status}"
              + (f": {manifest.get('error')}" if manifest.get("error") else "") + ".")
    return Page(title=f"{name}: capacity report", subtitle=_subtitle(manifest, units),
                question=question, verdict=verdict, notes=notes, sections=sections,
                banner=banner)


def _strip_yes_no(text: str) -> str:
    """The verdict without its leading "YES:"/"NO:" (the report shows it as a heading)."""
    return re.sub(r"^(YES|NO):\s*", "", text)


def _subtitle(manifest: dict, units: str) -> str:
    when = manifest.get("finished") or manifest.get("started")
    return f"linesim {__version__} · output in {units}" + (f" · run {when}" if when else "")


def _capacity_section(summary: dict, units: str) -> Section:
    cap = summary.get("capacity") or {}
    hours = summary.get("scheduled_hours_per_year")
    paras = [f"Scheduled time: {num(hours)} h a year.",
             f"Ceiling: {num(cap.get('ceiling_per_hour'), 2)} {units} an hour at "
             f"{cap.get('limiting_station', '—')}"
             + (f" (tied with {', '.join(map(str, cap['tied_with']))})" if cap.get("tied_with")
                else "")
             + f", so at most {num(cap.get('ceiling_per_year'))} a year under this calendar "
               f"and {num(cap.get('ceiling_24_7_per_year'))} even 24 hours a day, 365 days a "
               "year."]
    target = summary.get("target")
    if target and cap.get("required_cycle_s") is not None:
        within = float(target["annual_output"]) <= float(cap.get("ceiling_per_year") or 0)
        paras.append(f"The target of {num(target['annual_output'])} needs an effective cycle of "
                     f"{float(cap['required_cycle_s']):.1f} s on these hours; it is "
                     f"{'within' if within else 'ABOVE'} the ceiling.")
    paras.append("This is arithmetic before any simulation (cycle times and availability, no "
                 "blocking or starving); the simulation below adds variability, failures, "
                 "buffers and the calendar.")
    return Section("capacity", "Capacity arithmetic", paragraphs=paras)


def _headline_section(folder: Path, summary: dict, units: str, n: int, t_interval) -> Section:
    annual, tph = summary.get("annual_output") or {}, summary.get("throughput_per_hour") or {}
    basis = f"{n} replication{'s' if n != 1 else ''} of {span(summary.get('horizon_s'))}"
    rows = [[f"annual output ({units} a year)", num(annual.get("mean")),
             interval(annual.get("ci95")), basis]]
    target = summary.get("target")
    if target:
        rows.append([f"P(one year ≥ {num(target['annual_output'])})",
                     p_text(target.get("probability")), "",
                     f"{target.get('replications_reaching', '—')} of {n} replications reached "
                     f"it; {float(target['confidence']):.2f} required"])
    rows.append([f"throughput ({units} per scheduled hour)", num(tph.get("mean"), 2),
                 interval(tph.get("ci95"), 2), "per hour the line is scheduled"])
    for variant, per_year in sorted((summary.get("annual_output_by_product") or {}).items()):
        rows.append([f"  of which {variant}", num(per_year), "", f"{units} a year"])
    reps = _csv(folder / "replications.csv")

    def spread(column: str, scale: float = 1.0):
        if reps is None or column not in reps:
            return None
        values = [float(v) / scale for v in reps[column] if not _missing(v)]
        return t_interval(values) if values else None

    wip = spread("wip_mean")
    rows.append(["WIP (parts in the plant, time average)",
                 num(wip["mean"] if wip else summary.get("wip_mean"), 1),
                 interval(wip["ci95"], 1) if wip else "—", "between the first and last station"])
    lead = spread("lead_time_mean_s", 60.0)
    lead_mean = (summary.get("lead_time_s") or {}).get("mean")
    rows.append(["lead time (minutes)",
                 num(lead["mean"] if lead else (None if _missing(lead_mean) else lead_mean / 60), 1),
                 interval(lead["ci95"], 1) if lead else "—", "calendar time, nights included"])
    if summary.get("scrapped_per_year"):
        rows.append(["scrapped a year", num(summary["scrapped_per_year"]), "", units])
    bottleneck = summary.get("bottleneck")
    shares = {s.get("name"): s.get("bottleneck_share") for s in summary.get("stations") or []}
    rows.append(["bottleneck (most often)", bottleneck or "—", "",
                 f"{share(shares.get(bottleneck))} of scheduled time" if bottleneck else ""])
    table = _table(["measure", "mean", "95% interval", "basis"], rows, numeric=(1, 2),
                   caption="95% interval: Student-t interval of the mean over the replications. "
                           "P(one year ≥ target): the probability that one more year reaches "
                           "the target (t predictive distribution).")
    return Section("figures", "Headline figures", tables=[table])


def _stations_section(folder: Path, summary: dict) -> Section:
    section = Section("stations", "Stations")
    table = _csv(folder / "stations.csv")
    cap = {s.get("name"): s for s in (summary.get("capacity") or {}).get("stations") or []}
    head = ["station", "servers"] + [label for _, label in STATE_COLUMNS]
    head += ["bottleneck", "failures per replication", "ceiling per h (arithmetic)"]
    rows = []
    if table is not None and "station" in table:
        means = table.groupby("station", sort=False).mean(numeric_only=True)
        for station, row in means.iterrows():
            c = cap.get(station, {})
            rows.append([str(station), num(row.get("servers"))]
                        + [share(row.get(col)) for col, _ in STATE_COLUMNS]
                        + [share(row.get("bottleneck_share")), num(row.get("failures"), 1),
                           num(c.get("ceiling_per_hour"), 2)])
    else:  # no table: the summary's means
        for s in summary.get("stations") or []:
            c = cap.get(s.get("name"), {})
            rows.append([str(s.get("name")), num(s.get("servers"))]
                        + [share(s.get(col)) for col, _ in STATE_COLUMNS]
                        + [share(s.get("bottleneck_share")),
                           num(s.get("failures_per_replication"), 1),
                           num(c.get("ceiling_per_hour"), 2)])
    section.tables.append(_table(head, rows, numeric=range(1, len(head)),
                                 caption="Shares of calendar time after the warm-up, means over "
                                         "the replications (they sum to 100% per station); "
                                         "bottleneck: share of scheduled time the station "
                                         "held the line back."))
    waits = [(s, w) for s in summary.get("stations") or [] for w in s.get("starved_for") or ()]
    if waits:
        rows = [[str(s.get("name")), str(w.get("input")), num(w.get("hours_per_year"), 1),
                 share(w.get("share_of_scheduled")), num(w.get("episodes_per_year")),
                 num(None if _missing(w.get("mean_s")) else w["mean_s"] / 60, 1),
                 num((s.get("out_of_sequence_per_year") or {}).get(w.get("input")))]
                for s, w in waits]
        section.tables.append(_table(
            ["station", "waiting for", "h a year", "of scheduled", "episodes a year",
             "mean episode (min)", "out of sequence a year"], rows, numeric=range(2, 7),
            title="Assembly stations starved, by the input the kit lacked",
            caption="Time lacking two inputs counts for both."))
    return section


def _buffers_section(folder: Path) -> Optional[Section]:
    table = _csv(folder / "buffers.csv")
    if table is None or table.empty:
        return None
    rows = []
    for (after, before, kind), g in table.groupby(["after", "before", "kind"], sort=False):
        capacity = g["capacity"].iloc[0]
        mean = float(g["mean_level"].mean())
        full = (mean / float(capacity)) if not _missing(capacity) and float(capacity) > 0 else None
        rows.append([str(after), str(before), str(kind),
                     "unlimited" if _missing(capacity) else num(capacity),
                     num(mean, 2), share(full), num(g["max_level"].max())])
    return Section("buffers", "Buffers", tables=[_table(
        ["after", "before", "kind", "places", "mean level", "mean fill", "max level"], rows,
        numeric=range(3, 7), caption="Mean level: time average after the warm-up, mean over "
                                     "the replications; max level: the highest in any "
                                     "replication.")])


def _lost_section(summary: dict, units: str) -> Optional[Section]:
    """Arrivals turned away by a full queue (``when_full: lose``), when there were any."""
    lost = summary.get("lost")
    if isinstance(lost, (int, float)) and not isinstance(lost, bool):
        lost = {"per_replication": lost}
    if not isinstance(lost, dict) or not any(
            isinstance(v, (int, float)) and v > 0 for k, v in lost.items() if k != "share_of_arrivals"):
        return None
    rows = []
    if not _missing(lost.get("per_year")):
        rows.append(["turned away a year (annualised)", num(lost["per_year"])])
    if not _missing(lost.get("per_replication")):
        rows.append(["turned away per replication, in the observed time",
                     num(lost["per_replication"], 1)])
    if not _missing(lost.get("share_of_arrivals")):
        rows.append(["share of all arrivals", share(lost["share_of_arrivals"])])
    known = {"per_year", "per_replication", "share_of_arrivals", "by_source"}
    rows += [[str(k), _value(v)] for k, v in sorted(lost.items()) if k not in known]
    tables = [_table(["", "mean"], rows, numeric=(1,))]
    by_source = lost.get("by_source")
    if isinstance(by_source, dict) and by_source:  # per arrival source (estimate.lost_summary)
        per = []
        for name, row in by_source.items():
            rep = row.get("per_replication") or {}
            per.append([str(name), num(row.get("per_year")), num(rep.get("mean"), 1),
                        interval(rep.get("ci95"), 1), num(row.get("offered_per_year")),
                        share(row.get("loss_share"))])
        tables.append(_table(
            ["source", "lost a year", "lost per replication", "95% CI", "arrivals a year",
             "share lost"], per, numeric=range(1, 6), title="By arrival source",
            caption="Share lost: the source's lost arrivals over those it was offered, all "
                    "replications together."))
    return Section("lost", "Lost arrivals", paragraphs=[
        "Arriving parts turned away because the queue in front of the plant was full "
        "(arrivals with when_full: lose): output the plant could have had with more room."],
        tables=tables)


# -- an experiment folder (sweep, improve, solve) ----------------------------------------------
def _sweep_page(folder: Path) -> Page:
    manifest = _json(folder / MANIFEST) or {}
    definition = _yaml(folder / "sweep.resolved.yaml") or {}
    kind = definition.get("kind") if definition.get("kind") in ("improve", "solve") else "sweep"
    source_path, source_text = _read_source(manifest)
    base = _base_scenario_yaml(definition, source_path, kind)
    unit = str(base.get("unit") or "unit")
    units = plural(unit)
    name = str(manifest.get("name") or definition.get("name") or folder.name)
    run = _experiment_run(folder, definition, base, manifest)
    points = _csv(folder / "points.csv")
    reps = int(manifest.get("replications_max") or run.get("replications") or 0)
    target = _target(definition, base)

    sections = []
    if kind == "improve":
        question, verdict, more = _improve_parts(folder, definition, units)
    elif kind == "solve":
        question, verdict, more = _solve_parts(folder, definition, units)
    else:
        question, verdict, more = _sweep_parts(points, definition, units, target)
    sections += more
    charts = figures(folder)
    if charts:
        sections.insert(1 if kind == "sweep" else 0, Section("charts", "Charts", figures=charts))
    ran = _replications_per_point(points)
    notes = basis_notes(ran[0] if ran else reps, run.get("horizon"), run.get("warmup"),
                        what="The figures of every point", most=ran[1] if ran else None)
    if kind != "sweep" or len(points if points is not None else []) > 1:
        notes.append({"text": "Every point ran on the same random numbers (common random "
                              "numbers), so differences between points are paired and much "
                              "tighter than the points' own intervals.", "warn": False})
    if source_text is not None:
        sections.append(Section("definition", "The experiment's file", paragraphs=[
            f"{source_path}, as it reads now, with its comments."],
            pre=scenario_markup(source_text)))
    sections.append(Section("provenance", "Provenance", pairs=provenance_pairs(manifest, [
        ("experiment", name), ("source file", str(manifest.get("source") or "—")),
        ("seed", str(run.get("seed", "—"))),
        ("replications per point", f"up to {reps}" if run.get("precision") else str(reps)),
        ("replications run", str(manifest.get("replications_stored", "—"))),
        ("points", str(manifest.get("points", "—"))),
        ("horizon", span(run.get("horizon"))), ("warm-up", span(run.get("warmup"))),
    ])))
    status = manifest.get("status")
    banner = ("" if status in (None, "complete") else
              f"This experiment ended with status {status}"
              + (f" ({manifest.get('error')})" if manifest.get("error") else "")
              + ": the tables hold what finished; run it again with --resume to complete it.")
    return Page(title=f"{name}: {'what buys the most' if kind == 'improve' else kind} report",
                subtitle=_subtitle(manifest, units), question=question, verdict=verdict,
                notes=notes, sections=sections, banner=banner)


def _replications_per_point(points) -> Optional[tuple[int, int]]:
    """The fewest and the most replications a point ran (points.csv), None if not recorded:
    a sweep to a precision runs each point only as far as it needs."""
    if points is None or "replications" not in points or not len(points):
        return None
    counts = points["replications"].dropna()
    return (int(counts.min()), int(counts.max())) if len(counts) else None


def _experiment_run(folder: Path, definition: dict, base: dict, manifest: dict) -> dict:
    """The run block the experiment's points ran with: a sweep's resolved definition has it;
    for improve and solve, the command's options over the scenario file's run block, and the
    horizon from the replications' observed time (what ran, whatever was asked)."""
    from .units import parse_duration

    if isinstance(definition.get("run"), dict):
        return definition["run"]
    run = dict(base.get("run") or {})
    command = [str(a) for a in manifest.get("command") or []]
    for option, key in (("--horizon", "horizon"), ("--warmup", "warmup"), ("--seed", "seed"),
                        ("--replications", "replications"), ("-n", "replications")):
        if option in command[:-1]:
            run[key] = command[command.index(option) + 1]
    for key in ("horizon", "warmup"):
        try:
            run[key] = parse_duration(run[key]) if key in run else None
        except ValueError:
            run[key] = None
    reps = _csv(folder / "replications.csv")
    if reps is not None and "observed_s" in reps and len(reps):
        run["horizon"] = float(reps["observed_s"].max())
    return run


def _base_scenario_yaml(definition: dict, source: Optional[Path], kind: str) -> dict:
    """The base scenario's YAML as plain data (for its unit, target and run block), or {}."""
    candidates = []
    if kind == "sweep" and isinstance(definition.get("base"), str) and source is not None:
        base = Path(definition["base"])
        candidates += [source.parent / base, base]
    if source is not None:
        candidates.append(source)
    for path in candidates:
        try:
            if path.is_file() and path.stat().st_size <= MAX_SOURCE_BYTES:
                data = _yaml(path)
                if isinstance(data, dict) and "stations" in data:
                    return data
        except OSError:
            continue
    return {}


def _target(definition: dict, base: dict) -> Optional[tuple[float, float]]:
    t = definition.get("target") or base.get("target")
    if isinstance(t, dict) and t.get("annual_output") is not None:
        try:
            return float(t["annual_output"]), float(t.get("confidence", 0.9))
        except (TypeError, ValueError):
            return None
    return None


def _pm(mean, low, high, signed: bool = False) -> str:
    from .experiments.labels import signed as signed_text

    text = signed_text(mean) if signed else num(mean)
    if _missing(low) or _missing(high):
        return text
    return f"{text} ± {num((float(high) - float(low)) / 2)}"


def _meta(definition: dict, unit: str) -> dict:
    factors = []
    for p in definition.get("parameters") or []:
        name = str(p.get("name") or ", ".join(p.get("keys") or []))
        relative = bool(p.get("relative"))
        factors.append({"name": name, "column": f"{name} (x base)" if relative else name,
                        "unit": p.get("unit") or "", "relative": relative,
                        "levels": p.get("levels"), "bounds": p.get("bounds"),
                        "keys": p.get("keys") or []})
    return {"name": definition.get("name"), "unit": unit, "factors": factors,
            "design": definition.get("design") or "grid", "target": definition.get("target")}


def _sweep_parts(points, definition: dict, units: str, target):
    from .experiments.labels import level_text, with_base_values

    meta = _meta(definition, units)
    factors = meta["factors"]
    names = ", ".join(f["name"] for f in factors) or "its factors"
    base_name = definition.get("base_scenario") or definition.get("base") or "the base scenario"
    question = [str(definition["description"])] if definition.get("description") else []
    question.insert(0, f"How does the annual output of {base_name} respond to {names}?"
                    + (f" Where does P(one year ≥ {num(target[0])}) reach {target[1]:.2f}?"
                       if target else ""))
    sections = []
    rows_in = points if points is not None else None
    if rows_in is not None and not rows_in.empty:
        rows_in = with_base_values(rows_in, meta)
        ranked = rows_in.assign(_m=rows_in["annual_mean"].isna()).sort_values(
            ["_m", "annual_mean", "point"], ascending=[True, False, True], kind="stable")
        best = ranked.iloc[0]
        text = (f"The best point is {'the base' if int(best['point']) == 0 else best['label']}: "
                f"{_pm(best['annual_mean'], best['annual_ci_low'], best['annual_ci_high'])} "
                f"{units} a year")
        if int(best["point"]) != 0:
            text += (f", {_pm(best['delta_annual_mean'], best['delta_annual_ci_low'], best['delta_annual_ci_high'], True)}"
                     " against the base (paired, 95% interval)")
        text += "."
        cls = ""
        if target:
            meeting = int((ranked["p_target"] >= target[1] - 1e-12).sum())
            text += (f" {meeting} of {len(ranked)} points reach P(one year ≥ {num(target[0])}) "
                     f"≥ {target[1]:.2f}.")
            cls = "yes" if meeting else "no"
        verdict = {"cls": cls, "head": "", "text": text}
        columns = [f["column"] for f in factors if f["column"] in ranked]
        head = ["#", "point"] + [f["name"] + (f" ({f['unit']})" if f["unit"] else "")
                                 for f in factors if f["column"] in ranked]
        head += [f"annual output ({units}) ± 95%"]
        head += [f"P(≥ {num(target[0])})"] if target else []
        head += ["Δ vs base ± 95% (paired)", "replications", "bottleneck"]
        rows = []
        for k, (_, row) in enumerate(ranked.iterrows()):
            is_base = int(row["point"]) == 0
            cells = [str(k + 1), "base" if is_base else str(int(row["point"]))]
            cells += [level_text(row[c], next(f for f in factors if f["column"] == c))
                      for c in columns]
            cells.append(_pm(row["annual_mean"], row["annual_ci_low"], row["annual_ci_high"]))
            if target:
                ok = not _missing(row["p_target"]) and row["p_target"] >= target[1] - 1e-12
                cells.append(Cell(p_text(row["p_target"]), "n good" if ok else ""))
            if is_base:
                cells.append("(reference)")
            else:
                lo, hi = row["delta_annual_ci_low"], row["delta_annual_ci_high"]
                cls = ("" if _missing(lo) or _missing(hi) or lo <= 0 <= hi else
                       "n good" if lo > 0 else "n bad")
                cells.append(Cell(_pm(row["delta_annual_mean"], lo, hi, True), cls))
            cells += [num(row["replications"]), str(row["bottleneck"])
                      if not _missing(row["bottleneck"]) else "—"]
            rows.append(Row(cells, "base" if is_base else ""))
        ncols = len(head)
        table = _table(head, rows, numeric=[0] + list(range(2 + len(columns), ncols - 1)),
                       caption="Points ranked by mean annual output. Δ: paired difference to "
                               "the base point under common random numbers (green: its 95% "
                               "interval is above 0, red: below).")
        sections.append(Section("ranking", "Points, ranked", tables=[table]))
    else:
        verdict = {"cls": "", "head": "", "text": "No point has finished yet."}
    factor_rows = []
    for f in factors:
        levels = f.get("levels")
        if levels:
            shown = ", ".join(level_text(v, f) for v in levels)
        elif f.get("bounds"):
            shown = " to ".join(level_text(v, f) for v in f["bounds"])
        else:
            shown = "—"
        factor_rows.append([f["name"], Cell(", ".join(f["keys"]), "w"), Cell(shown, "w")])
    design = meta["design"]
    design = next(iter(design)) if isinstance(design, dict) and design else str(design)
    sections.insert(0, Section("factors", "Factors", paragraphs=[
        f"Design: {str(design).replace('_', ' ')}; point 0 is the base scenario itself."],
        tables=[_table(["factor", "keys", "levels"], factor_rows)]))
    return question, verdict, sections


def _improve_parts(folder: Path, definition: dict, units: str):
    scenario = definition.get("scenario") or "the scenario"
    question = [f"Which single change to {scenario} buys the most output a year?"]
    ranking = _csv(folder / "improve.csv")
    sections = []
    if ranking is None or ranking.empty:
        return question, {"cls": "", "head": "", "text": "No candidate has finished yet."}, []
    top = ranking.iloc[0]
    lo = top["delta_annual_ci_low"]
    if not _missing(lo) and lo > 0:
        text = (f"{top['label']} buys the most: "
                f"{_pm(top['delta_annual_mean'], lo, top['delta_annual_ci_high'], True)} {units} "
                f"a year (paired, 95% interval), to {num(top['annual_mean'])} a year.")
        cls = "yes"
    else:
        text = ("No candidate's gain is distinguishable from no change at these replications "
                f"(the largest, {top['label']}, "
                f"{_pm(top['delta_annual_mean'], lo, top['delta_annual_ci_high'], True)}).")
        cls = ""
    winners = int((ranking["delta_annual_ci_low"] > 0).sum())
    text += f" {winners} of {len(ranking)} candidate changes gain with 95% confidence."
    has_p = "p_target" in ranking and not ranking["p_target"].isna().all()
    head = ["#", "candidate", f"gain ({units} a year) ± 95%", "arithmetic gain",
            f"annual output ({units})"] + (["P(target) after"] if has_p else []) + ["replications"]
    rows = []
    for k, (_, row) in enumerate(ranking.iterrows()):
        lo, hi = row["delta_annual_ci_low"], row["delta_annual_ci_high"]
        cls = ("" if _missing(lo) or _missing(hi) else "n good" if lo > 0 else
               "n bad" if hi < 0 else "")
        from .experiments.labels import signed

        cells = [str(k + 1), Cell(str(row["label"]), "w"),
                 Cell(_pm(row["delta_annual_mean"], lo, hi, True), cls),
                 signed(None if _missing(row["predicted_gain"]) else row["predicted_gain"]),
                 num(row["annual_mean"])]
        if has_p:
            cells.append(p_text(row["p_target"]))
        cells.append(num(row["replications"]))
        rows.append(cells)
    sections.append(Section("ranking", "Candidate changes, ranked", tables=[_table(
        head, rows, numeric=[0] + list(range(2, len(head))),
        caption="gain: paired difference to the scenario as it is, under common random numbers "
                "(green: its 95% interval is above 0). arithmetic gain: what the capacity "
                "ceiling gains (0 for buffers: only simulation prices them).")]))
    return question, {"cls": cls, "head": "", "text": text}, sections


def _solve_parts(folder: Path, definition: dict, units: str):
    from .experiments.labels import solve_view

    result = _json(folder / "solve.json")
    key = definition.get("key") or "the key"
    scenario = definition.get("scenario") or "the scenario"
    if not isinstance(result, dict):
        return ([f"Which value of {key} just makes {scenario} reach its target?"],
                {"cls": "", "head": "", "text": "The solver has not written solve.json yet."}, [])
    view = solve_view(result)
    unit = view["unit"]
    question = [f"Which value of {key} just makes {scenario} reach P(one year ≥ "
                f"{num(view['target'])}) ≥ {view['confidence']:.2f}?"]

    def level(v) -> str:
        if _missing(v):
            return "none found"
        return f"{float(v):,.4g}" + (f" {unit}" if unit else "")

    fail, meet = view["fail"], view["meet"]
    if meet is not None and fail is not None:
        text = (f"It meets the target at {level(meet)} and fails at {level(fail)}: the answer "
                "lies between them.")
        cls = "yes"
    elif meet is None:
        text = "No value tried meets the target."
        cls = "no"
    else:
        text = f"Every value tried meets the target (the nearest: {level(meet)})."
        cls = "yes"
    if not _missing(result.get("arithmetic")):
        text += f" The capacity arithmetic alone says {level(result['arithmetic'])}."
    text += (f" {len(view['evaluations'])} evaluations, {num(view['replications'])} "
             "replications.")
    rows = []
    for k, e in enumerate(view["evaluations"]):
        ok = bool(e.get("meets"))
        se = e.get("p_se")
        rows.append([str(k + 1), level(e.get("value")),
                     Cell(p_text(e.get("p")), "n good" if ok else "n bad"),
                     "—" if _missing(se) else f"± {1.96 * float(se):.3f}", num(e.get("n")),
                     _pm(e.get("annual_mean"), e.get("annual_ci_low"), e.get("annual_ci_high"))])
    table = _table(["#", f"value{f' ({unit})' if unit else ''}", "P(target)", "± 1.96·SE",
                    "replications", f"annual output ({units}) ± 95%"], rows,
                   numeric=range(0, 6), caption="In the order run. P(target): probability that "
                   "one year reaches the target (t predictive, as in a run's verdict).")
    return question, {"cls": cls, "head": "", "text": text}, [
        Section("evaluations", "Evaluations", tables=[table])]
