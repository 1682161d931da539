"""Charts: PNG figures from result tables — never imports SimPy or the model.

Stage: results (tables, summary) ─► **charts** ─► report / run folder.

What a production planner reads, one figure each (``write_charts`` writes those its tables
allow; a chart whose table is absent is skipped):

* ``annual_output.png``: each replication's annual output as a dot on an axis zoomed to the
  spread (``output_axis``), the mean and its 95% interval (figures rounded to two significant
  digits of the interval's half-width, ``step_for``: nothing more precise than it is), the
  target and the capacity arithmetic's ceiling — as lines when near, as labelled arrows at the
  axis edge when taking them in would squeeze the spread (the range would be over 5× wider).
* ``station_states.png``: each station's state shares in *production time*: off-shift left out
  and the rest renormalised over scheduled time (``production_shares``: state / (1 − off_shift)).
  ``station_states_calendar.png``: the same in calendar time after warm-up, off-shift included.
* ``bottleneck_shares.png``: each station's share of scheduled time as the momentary bottleneck
  (active-period method), mean with its 95% t-interval over replications (stations table).
* ``oee.png``: an OEE-style breakdown per station after the ISO 22400-2 time model (below).
* ``output_per_period.png``, ``wip.png`` (from ``periods.csv``), ``buffer_levels.png`` (from
  ``buffer_periods.csv``), ``buffer_occupancy.png`` (from ``buffer_occupancy.csv``): output per
  week/day/hour with the ceiling and the target's pace for each period's scheduled hours, WIP and
  buffer levels over the run (mean over replications, min–max band), periods without scheduled
  time and the warm-up shaded; time share at each buffer level, empty and full marked.

**The bottleneck and its ties** (``bottleneck_ties``), marked in red on every station chart: the
summary's ``bottleneck`` (largest mean share) and every station the replications cannot tell
apart from it: the paired 95% interval of (its share − the bottleneck's), over replications run
with common random numbers, contains 0. With one replication or the summary alone, only equal
shares tie. (The summary's ``capacity.tied_with`` are ties of the *arithmetic* ceiling, a
different question: not used here.)

**OEE after ISO 22400-2**, from the state shares of calendar time after warm-up (means over
replications; ``oee_factors``):

* planned busy time = scheduled − starved − blocked = working + setup + down, where scheduled =
  1 − off_shift. Off-shift (breaks, nights, days off, holidays) is outside the planned time, and
  waiting for parts (starved) or for room downstream (blocked) is not counted against the
  station: it is the line's loss, shown in the station states and the bottleneck shares.
* availability A = working / planned busy time (= APT / PBT); losses: down (failures and their
  repairs) and setup (changeovers), each as a share of planned busy time.
* quality Q = the station's first-pass yield: 1 − scrap − rework fraction from the scenario
  (``scenario.resolved.yaml``). The model draws scrap and rework part by part with these
  probabilities, so the realised rate equals them up to sampling noise; the run's tables do not
  count scrap per station. Without the scenario, quality is not shown. The quality loss drawn
  is A × (1 − Q): working time spent on parts that were then scrapped or reworked.
* performance is **not** shown: ISO 22400's performance is planned cycle time × parts made /
  actual production time, and in the model a working server is processing a part at a cycle
  time drawn from its distribution — there are no slow cycles or minor stops — so it is 100% by
  construction (up to sampling noise), and the tables do not count parts per station to
  measure it anyway. A × Q is therefore the OEE the model can show.

Style: one for every run chart (``STYLE``): an 8-inch width as the sweep charts, titles at the
left with the scenario's name, the basis of the figures under it ("10 replications of 365 d
after a 8 h warm-up", "annualised from 2 d" for a short run), legends above the plot, station
states in the colours of Plant Simulation (working green, setup blue, failed red, blocked
yellow, waiting grey). Figure heights grow with the stations and buffers (a 40-station plant
stays legible). PNG metadata carries no version or date (``save_png``), and nothing random is
drawn (the strip's vertical offsets are a fixed sequence), so the same tables give the same
bytes.

Chinese (and other CJK) station names and units: matplotlib's default font (DejaVu Sans) has no
CJK glyphs, so every figure is drawn with a font *family chain* — DejaVu Sans for Latin text,
then the first installed of Noto Sans CJK, Source Han Sans, Microsoft YaHei, PingFang, SimHei and
WenQuanYi, from which matplotlib (≥ 3.6) takes each glyph DejaVu lacks. Only installed families
are named (a missing one would make matplotlib log "font not found"). Where no font has a
glyph, the figure is still written and one ``ChartFontWarning`` says which characters are missing
and how to install a font (Debian: ``fonts-noto-cjk``), instead of matplotlib's warning per glyph.
"""

from __future__ import annotations

import functools
import math
import re
import textwrap
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from matplotlib import font_manager  # noqa: E402


from .estimate import t_interval  # noqa: E402
from .results import atomic_write  # noqa: E402
from .units import DAY, format_duration, plural  # noqa: E402

# Station states in the colours planners know from Plant Simulation: working green, setup blue,
# failed red, blocked yellow, waiting grey; off-shift (unplanned time) pale.
STATE_COLOURS = {
    "working": "#2e7d32",
    "setup": "#1e88e5",
    "down": "#c62828",
    "starved": "#90a4ae",
    "blocked": "#f9a825",
    "off_shift": "#e3e7ea",
}
STATE_LABELS = {
    "working": "working", "setup": "setup", "down": "down (failed)",
    "starved": "starved (waiting for parts)", "blocked": "blocked (no place downstream)",
    "off_shift": "off shift",
}
PRODUCTION_STATES = ("working", "setup", "down", "starved", "blocked")  # scheduled time
# Okabe & Ito (2008), as the sweep charts (experiments/charts.py): colour-blind safe.
BLUE, ORANGE, GREEN, VERMILLION, SKY, GREY, INK = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#6b6b6b", "#222222")
TIE_COLOUR = "#b71c1c"
WARMUP_COLOUR = "#ffe7c2"  # warm-up periods (not counted in any figure)
IDLE_COLOUR = "#eceff1"  # periods without scheduled time  # the bottleneck (and every station tied with it)
WIDTH = 8.0  # inches: a slide's width, as the sweep charts
# One style for every run chart: no top/right spines, light grid on the value axis only.
STYLE = {
    "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#9e9e9e",
    "axes.titlesize": 10.5, "axes.titlelocation": "left", "axes.labelsize": 9,
    "axes.labelcolor": "#333333", "xtick.labelsize": 8.5, "ytick.labelsize": 8.5,
    "xtick.color": "#444444", "ytick.color": "#444444", "legend.fontsize": 8,
    "legend.frameon": False, "grid.color": "#e6e6e6", "grid.linewidth": 0.8,
    "figure.facecolor": "white", "savefig.facecolor": "white",
}
_META = {"Software": None}

# Latin text from DejaVu Sans (matplotlib's own), then CJK fonts in order of preference:
# Linux (Noto / Source Han / WenQuanYi), Windows (Microsoft YaHei, SimHei), macOS (PingFang).
FONT_CHAIN = (
    "DejaVu Sans",
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Microsoft YaHei", "PingFang SC", "SimHei", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
)
CJK_FONT_HINT = ("install a CJK font such as Noto Sans CJK (Debian/Ubuntu: apt-get install "
                 "fonts-noto-cjk); if one was installed after matplotlib first ran, delete its font "
                 "cache (the fontlist-*.json in matplotlib.get_cachedir())")


class ChartFontWarning(UserWarning):
    """Text in a chart has characters that no installed font can draw."""


@lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The families of ``FONT_CHAIN`` that are installed, in order (DejaVu Sans always)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(name for name in FONT_CHAIN if name in installed or name == "DejaVu Sans")


_MISSING_GLYPH = re.compile(r"Glyph (\d+) \(.*\) missing from font")


def save_png(fig, path: Path, dpi: int = 110) -> None:
    """Write ``fig`` atomically as a PNG without version or date metadata (same figure, same
    bytes), and close it."""
    def writer(f):
        fig.savefig(f, format="png", dpi=dpi, metadata=_META, bbox_inches="tight")

    try:
        atomic_write(path, writer, binary=True)
    finally:
        plt.close(fig)


_save = save_png

def thousands() -> matplotlib.ticker.Formatter:
    """A tick formatter with thousands separators and no decimals (a new one per axis)."""
    return matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}")


_depth = 0  # chart_context nesting (charts are drawn in one thread: matplotlib's state is global)


@contextmanager
def chart_context(stacklevel: int = 4):
    """Draw figures inside this: the font family chain (CJK glyphs for Chinese names), user text
    as text (``text.parse_math: False``: a ``$`` is not a formula), and matplotlib's per-glyph
    "missing from font" warnings gathered into at most one ``ChartFontWarning`` on leaving
    (other warnings pass through unchanged). Every chart module uses it; nested, only the
    outermost one acts (so a batch of charts gives one warning)."""
    global _depth
    if _depth:  # inside another chart_context: that one reports
        yield
        return
    _depth += 1
    try:
        with matplotlib.rc_context({"font.family": list(font_families()), "text.parse_math": False}), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        _depth -= 1
    missing: list[str] = []
    for w in caught:
        m = _MISSING_GLYPH.search(str(w.message))
        if m is None:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        elif chr(int(m.group(1))) not in missing:
            missing.append(chr(int(m.group(1))))
    if missing:
        warnings.warn(ChartFontWarning(
            f"the charts show boxes for {len(missing)} character(s) that no installed font has "
            f"({''.join(missing[:12])}{'…' if len(missing) > 12 else ''}): {CJK_FONT_HINT}"),
            stacklevel=stacklevel)


def _styled(draw):
    """Draw inside ``chart_context`` (fonts, ``$`` as text, one glyph warning) in the run charts'
    style, whether called alone or from ``write_charts``."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with chart_context(), matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)
    return wrapper


# -- numbers as a planner reads them -------------------------------------------------------------
def _num(x: Optional[float]) -> bool:
    """A finite number (not None, NaN or inf)."""
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _n(x: float) -> str:
    return f"{x:,.0f}"


def step_for(half: float) -> float:
    """The rounding step that shows a figure no more precisely than an interval of half-width
    ``half`` allows: two significant digits of the half-width (at least 1: counts are whole)."""
    if not _num(half) or half <= 0:
        return 1.0
    return max(1.0, 10.0 ** (math.floor(math.log10(half)) - 1))


def rounded(x: float, step: float) -> str:
    return _n(round(x / step) * step)


def probability_text(p: float) -> str:
    """P as a planner reads it: "< 0.001" and "> 0.999" rather than 3.4e-14 or 1.00."""
    if p < 0.001:
        return "< 0.001"
    if p > 0.999:
        return "> 0.999"
    return f"{p:.3f}" if p < 0.01 or p > 0.99 else f"{p:.2f}"


def _pct(x: float) -> str:
    if not _num(x):
        return "–"
    return f"{100 * x:.1f}%" if 0.0005 <= abs(x) < 0.1 or 0.9 < abs(x) < 0.9995 else f"{100 * x:.0f}%"


def basis(summary: dict) -> str:
    """What the figures rest on: replications, observed days, warm-up — and "annualised from N
    days" when the run is shorter than a year."""
    n = summary.get("replications")
    reps = f"{n} replication{'s' if n != 1 else ''}" if n else "replications"
    horizon, warmup = summary.get("horizon_s"), summary.get("warmup_s")
    if not _num(horizon):
        return reps
    observed = float(horizon)  # run.horizon is the observed time, after the warm-up
    text = f"{reps} of {format_duration(observed)}"
    if _num(warmup) and float(warmup) > 0:
        text += f" after a warm-up of {format_duration(float(warmup))}"
    if observed < 365 * DAY * 0.999:
        text += f"; annualised from {format_duration(observed)}"
    return text


def _row_major(handles: list, ncol: int) -> list:
    """Legend entries reordered so that they read row by row (matplotlib fills columns)."""
    sizes = [len(part) for part in np.array_split(np.arange(len(handles)), ncol)]
    return [handles[r * ncol + c] for c in range(ncol) for r in range(sizes[c])]


def _header(ax, summary: dict, what: str, note: str = "", handles=None, ncol: int = 3) -> None:
    """Title (scenario: what), a grey note under it, then the legend in rows above the plot —
    all offset in points from the axes' top, so they sit alike whatever the figure's height."""
    y = 4.0
    if handles:
        rows = math.ceil(len(handles) / ncol)
        ax.legend(handles=_row_major(list(handles), ncol), loc="lower left",
                  bbox_to_anchor=(0.0, 1.0), ncol=ncol,
                  borderaxespad=0.3, handlelength=1.4, columnspacing=1.4, fontsize=8)
        y += 14.5 * rows + 4
    if note:
        note = "\n".join(textwrap.wrap(note, 125))
        ax.annotate(note, xy=(0, 1), xycoords="axes fraction", xytext=(0, y),
                    textcoords="offset points", ha="left", va="bottom", fontsize=8,
                    color="#555555")
        y += 11 * (note.count("\n") + 1) + 3
    head = f"{summary.get('scenario') or ''}: {what}".lstrip(": ")
    ax.set_title(head, loc="left", pad=y, fontsize=10.5, fontweight="bold")


def _footnote(ax, text: str, below: float = 30.0) -> None:
    """Small print under the x label, from the figure's left edge."""
    if text:
        ax.annotate("\n".join(textwrap.wrap(text, 140)), xy=(0.01, 0),
                    xycoords=("figure fraction", "axes fraction"), xytext=(0, -below),
                    textcoords="offset points", ha="left", va="top", fontsize=7.5,
                    color="#555555")


def _height(rows: int, per_row: float = 0.32, extra: float = 1.6) -> float:
    """Figure height that grows with the stations (a 40-station plant stays legible)."""
    return extra + per_row * max(rows, 1)


def interval95(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, low, high): ``estimate.t_interval``, the Student-t 95% interval of the mean, as a
    tuple (NaN bounds below two values, all NaN for none)."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    interval = t_interval(x)
    low, high = interval["ci95"] or (float("nan"), float("nan"))
    return interval["mean"], low, high


# -- station tables --------------------------------------------------------------------------------
STATE_NAMES_ALL = (*PRODUCTION_STATES, "off_shift")


def station_frame(summary: dict) -> pd.DataFrame:
    """The summary's stations (flow order) with every state share as a float (missing: 0)."""
    rows = summary.get("stations") or []
    df = pd.DataFrame({"name": [str(r.get("name")) for r in rows]})
    for state in STATE_NAMES_ALL:
        df[state] = [float(r[state]) if _num(r.get(state)) else 0.0 for r in rows]
    df["bottleneck_share"] = [float(r["bottleneck_share"]) if _num(r.get("bottleneck_share"))
                              else 0.0 for r in rows]
    df["availability_nominal"] = [float(r["availability_nominal"])
                                  if _num(r.get("availability_nominal")) else float("nan")
                                  for r in rows]
    return df


def production_shares(states: pd.DataFrame) -> pd.DataFrame:
    """Shares of *scheduled* time (off-shift left out): each scheduled state divided by
    1 − off_shift. A station never scheduled gets NaN (nothing to share out)."""
    scheduled = 1.0 - states["off_shift"].astype(float)
    out = states[["name"]].copy()
    for state in PRODUCTION_STATES:
        out[state] = (states[state].astype(float) / scheduled).where(scheduled > 1e-12)
    return out


def bottleneck_ties(summary: dict, stations: Optional[pd.DataFrame] = None) -> list[str]:
    """The stations the run cannot tell apart from the bottleneck (``summary["bottleneck"]``,
    the largest mean share of time as the momentary bottleneck), in flow order.

    With per-replication shares (``stations``, the stations table, two replications or more):
    every station with a share whose paired 95% interval of (its share − the bottleneck's)
    contains 0 — replications are paired by common random numbers. Otherwise (one replication,
    or the summary only): stations whose mean share equals the bottleneck's to 1e-9. A station
    that was never the bottleneck (share 0) is never tied."""
    top = summary.get("bottleneck")
    frame = station_frame(summary)
    names = list(frame["name"])
    if top is None or top not in names:
        return []
    means = dict(zip(frame["name"], frame["bottleneck_share"]))
    tied = {top}
    wide = None
    if stations is not None and not stations.empty and {"replication", "station",
                                                        "bottleneck_share"} <= set(stations):
        wide = stations.pivot_table(index="replication", columns="station",
                                    values="bottleneck_share", aggfunc="mean")
        if len(wide) < 2 or top not in wide:
            wide = None
    for name in names:
        if name == top or not means.get(name, 0.0) > 0:
            continue
        if abs(means[name] - means[top]) <= 1e-9:
            tied.add(name)
        elif wide is not None and name in wide:
            pair = wide[[top, name]].dropna()
            if len(pair) >= 2:
                _, lo, hi = interval95(pair[name].to_numpy() - pair[top].to_numpy())
                if lo <= 0.0 <= hi:
                    tied.add(name)
    return [n for n in names if n in tied]


def _tie_label(name: str, ties: Sequence[str]) -> str:
    if name not in ties:
        return name
    return f"{name}  ◀ bottleneck" + (" (tied)" if len(ties) > 1 else "")


def _mark_ties(ax, labels: Sequence[str], ties: Sequence[str]) -> None:
    for tick, name in zip(ax.get_yticklabels(), labels):
        if name in ties:
            tick.set_color(TIE_COLOUR)
            tick.set_fontweight("bold")


def _station_axis(ax, names: Sequence[str], ties: Sequence[str], *, decimals: int = 0,
                  grid: bool = True) -> None:
    """The y axis of a chart with one row per station (bottom-up: ``names`` reversed already),
    every tied bottleneck marked; shares on the x axis as percentages."""
    ax.set_yticks(np.arange(len(names)))
    ax.set_yticklabels([_tie_label(n, ties) for n in names])
    _mark_ties(ax, list(names), ties)
    ax.tick_params(axis="y", length=0)
    if grid:
        ax.grid(axis="x")
        ax.set_axisbelow(True)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=decimals))


def _tie_note(ties: Sequence[str], stations: Optional[pd.DataFrame]) -> str:
    if len(ties) > 1:
        how = ("their paired 95% intervals" if stations is not None else "equal shares")
        return (f"◀ bottleneck (tied): {len(ties)} stations the replications cannot tell apart "
                f"({how}) as the one holding the line back most often.")
    if ties:
        return "◀ bottleneck: the station holding the line back most often (active-period method)."
    return ""


# -- 1. annual output ------------------------------------------------------------------------------
def output_axis(values: Sequence[float], ci: Optional[Sequence[float]],
                references: Sequence[Optional[float]], room: float = 5.0
                ) -> tuple[float, float, list[bool]]:
    """The x range of the annual-output strip: the replications and the interval with a margin
    (at least 0.4% of the mean wide, so no spread still shows as a window, not a point); a
    reference (target, ceiling) is taken in only if the range that holds it is at most ``room``
    times as wide — otherwise it is drawn as an arrow at the edge. Returns (lo, hi, inside)."""
    data = [float(v) for v in values if _num(v)] + [float(c) for c in (ci or []) if _num(c)]
    if not data:
        data = [float(r) for r in references if _num(r)] or [0.0]
    lo, hi = min(data), max(data)
    centre = (lo + hi) / 2
    width = max(hi - lo, 0.004 * abs(centre), 1.0)
    lo, hi = centre - width * 0.8, centre + width * 0.8
    base = hi - lo
    inside = []
    for r in references:
        if not _num(r):
            inside.append(False)
            continue
        a, b = min(lo, r - 0.06 * base), max(hi, r + 0.06 * base)
        ok = (b - a) <= room * base
        inside.append(ok)
        if ok:
            lo, hi = a, b
    return lo, hi, inside


def _jitter(n: int) -> np.ndarray:
    """Vertical offsets of the strip's dots: a fixed low-discrepancy sequence (golden ratio), so
    the same replications give the same picture."""
    return ((np.arange(n) * 0.6180339887498949) % 1.0 - 0.5) * 0.55


@_styled
def annual_output_chart(summary: dict, replications: pd.DataFrame, path: Path) -> Path:
    """Annual output of each replication as dots on a zoomed axis; the mean and its 95% interval
    (rounded to the interval's precision); the target and the capacity ceiling, as lines when
    near and as labelled arrows at the edge when far."""
    values = pd.to_numeric(replications.get("annual_output", pd.Series(dtype=float)),
                           errors="coerce").dropna().to_numpy()
    annual = summary.get("annual_output") or {}
    mean = annual.get("mean") if _num(annual.get("mean")) else (
        float(values.mean()) if values.size else None)
    ci = annual.get("ci95") if annual.get("ci95") and all(_num(c) for c in annual["ci95"]) else None
    target = summary.get("target") or {}
    goal = target.get("annual_output") if _num(target.get("annual_output")) else None
    ceiling = (summary.get("capacity") or {}).get("ceiling_per_year")
    ceiling = ceiling if _num(ceiling) else None
    lo, hi, inside = output_axis(values, ci, [goal, ceiling])
    step = step_for((ci[1] - ci[0]) / 2 if ci else float("nan"))

    fig, ax = plt.subplots(figsize=(WIDTH, 3.3))
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.62, 0.62)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x")
    ax.set_axisbelow(True)
    handles = []
    line = matplotlib.lines.Line2D
    if ci:
        ax.axvspan(ci[0], ci[1], color=BLUE, alpha=0.16, lw=0)
        handles.append(matplotlib.patches.Patch(
            color=BLUE, alpha=0.3, label=f"95% CI of the mean {rounded(ci[0], step)}–"
                                         f"{rounded(ci[1], step)}"))
    if mean is not None:
        ax.axvline(mean, color=BLUE, lw=2)
        handles.insert(0, line([], [], color=BLUE, lw=2, label=f"mean {rounded(mean, step)}"))
    if values.size:
        ax.scatter(values, _jitter(values.size), s=34, color=INK, alpha=0.8, zorder=3,
                   edgecolors="white", linewidths=0.6)
        handles.insert(0, line([], [], marker="o", ls="none", color=INK, ms=5.5,
                               label=f"one replication ({values.size})"))
    refs = [(goal, inside[0], VERMILLION, "--", "target"),
            (ceiling, inside[1], GREEN, (0, (6, 2)), "ceiling (capacity arithmetic)")]
    arrows = 0
    for value, near, colour, ls, name in refs:
        if value is None:
            continue
        label = f"{name} {_n(value)}"
        if mean:
            gap = 100 * (value - mean) / mean
            label += f", {abs(gap):.1f}% {'above' if gap >= 0 else 'below'} the mean"
        if near:
            ax.axvline(value, color=colour, ls=ls, lw=1.6)
            handles.append(line([], [], color=colour, ls=ls, lw=1.6, label=label))
            continue
        right = value > hi
        y = 0.92 - 0.12 * arrows
        arrows += 1
        x_edge = 1.0 if right else 0.0
        ax.annotate(label + ("  ▶" if right else ""), xy=(x_edge, y), xycoords="axes fraction",
                    ha="right" if right else "left", va="center", fontsize=8.5, color=colour,
                    fontweight="bold", xytext=(-4 if right else 4, 0), textcoords="offset points",
                    bbox=dict(boxstyle="round,pad=0.25", fc="white", ec=colour, lw=0.8))
        if not right:
            ax.annotate("◀", xy=(0.0, y), xycoords="axes fraction", ha="right", va="center",
                        color=colour, fontsize=9)
    ax.xaxis.set_major_formatter(thousands())
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(7))
    ax.set_xlabel(f"{plural(summary.get('unit') or 'unit')} per year")
    head = "annual output per replication"
    notes = [basis(summary)]
    if target and _num(target.get("probability")):
        reached = target.get("replications_reaching")
        notes.append(f"P(one year ≥ target) {probability_text(float(target['probability']))}"
                     + (f", {reached} of {values.size} replications reached it"
                        if reached is not None and values.size else ""))
    if not ci:
        notes.append("one replication: no interval")
    elif ci[1] - ci[0] <= 0:
        notes.append("no spread between the replications")
    elif values.size < 5:
        notes.append(f"only {values.size} replications: the interval is wide")
    _header(ax, summary, head, "; ".join(notes), handles, ncol=2)
    save_png(fig, path)
    return path


# -- 2. station states -----------------------------------------------------------------------------
@_styled
def station_states_chart(summary: dict, path: Path, *, calendar: bool = False,
                         ties: Optional[Sequence[str]] = None,
                         stations: Optional[pd.DataFrame] = None) -> Path:
    """Stacked bars of each station's state shares, means over replications: of scheduled time
    (production time: off-shift left out and the rest renormalised) or, with ``calendar``, of
    calendar time after warm-up. Every station tied for the bottleneck is marked."""
    frame = station_frame(summary)
    ties = list(bottleneck_ties(summary, stations) if ties is None else ties)
    if calendar:
        shares, states = frame, STATE_NAMES_ALL
        xlabel = "share of calendar time after warm-up (off-shift included)"
        what = "station states in calendar time"
    else:
        shares, states = production_shares(frame), PRODUCTION_STATES
        xlabel = "share of scheduled time (off-shift left out)"
        what = "station states in production time"
    shares = shares.iloc[::-1].reset_index(drop=True)  # flow top-down
    y = np.arange(len(shares))
    fig, ax = plt.subplots(figsize=(WIDTH, _height(len(shares), 0.34, 1.9)))
    left = np.zeros(len(shares))
    for state in states:
        width = shares[state].fillna(0.0).to_numpy()
        ax.barh(y, width, left=left, height=0.72, color=STATE_COLOURS[state],
                label=STATE_LABELS[state], edgecolor="white", linewidth=0.4)
        dark = state in ("working", "setup", "down")
        for yi, (l0, w) in enumerate(zip(left, width)):
            if w >= 0.055:
                ax.text(l0 + w / 2, yi, f"{100 * w:.0f}%", ha="center", va="center",
                        fontsize=7, color="white" if dark else "#333333")
        left += width
    for yi, missing in enumerate(shares["working"].isna() if not calendar else []):
        if missing:
            ax.text(0.01, yi, "never scheduled", va="center", fontsize=7.5, color=GREY)
    _station_axis(ax, shares["name"], ties, grid=False)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, len(shares) - 0.4)
    ax.set_xlabel(xlabel)
    handles, _ = ax.get_legend_handles_labels()
    _header(ax, summary, what, f"mean of {basis(summary)}", handles, ncol=3)
    note = _tie_note(ties, stations)
    if not calendar:
        note = ("Scheduled time = calendar time − off-shift (breaks, nights, days off, holidays). "
                + note)
    _footnote(ax, note)
    save_png(fig, path)
    return path


# -- 3. bottleneck shares --------------------------------------------------------------------------
def share_intervals(summary: dict, stations: Optional[pd.DataFrame],
                    column: str = "bottleneck_share") -> pd.DataFrame:
    """Per station (flow order): the mean of ``column`` and its 95% t-interval over replications
    (lo/hi NaN with fewer than two replications or without the stations table)."""
    frame = station_frame(summary)
    out = pd.DataFrame({"name": frame["name"], "mean": frame["bottleneck_share"]
                        if column == "bottleneck_share" else np.nan})
    out["lo"], out["hi"] = np.nan, np.nan
    if stations is None or stations.empty or column not in stations:
        return out
    for i, name in enumerate(out["name"]):
        x = pd.to_numeric(stations.loc[stations["station"] == name, column],
                          errors="coerce").dropna()
        if x.empty:
            continue
        out.loc[i, "mean"], out.loc[i, "lo"], out.loc[i, "hi"] = interval95(x.to_numpy())
    return out


@_styled
def bottleneck_chart(summary: dict, path: Path, stations: Optional[pd.DataFrame] = None, *,
                     ties: Optional[Sequence[str]] = None) -> Path:
    """Each station's share of scheduled time as the momentary bottleneck (active-period method),
    with its 95% interval over replications; the bottleneck and every station tied with it
    in red."""
    ties = list(bottleneck_ties(summary, stations) if ties is None else ties)
    shares = share_intervals(summary, stations).iloc[::-1].reset_index(drop=True)
    y = np.arange(len(shares))
    fig, ax = plt.subplots(figsize=(WIDTH, _height(len(shares), 0.3, 1.7)))
    colours = [TIE_COLOUR if n in ties else "#78909c" for n in shares["name"]]
    mean = shares["mean"].fillna(0.0).to_numpy()
    ax.barh(y, mean, height=0.62, color=colours)
    has_ci = shares["lo"].notna()
    if has_ci.any():
        lo = np.clip(shares["lo"].to_numpy(), 0, None)
        hi = shares["hi"].to_numpy()
        ax.errorbar(mean[has_ci], y[has_ci], xerr=[(mean - lo)[has_ci], (hi - mean)[has_ci]],
                    fmt="none", ecolor=INK, elinewidth=1, capsize=2.5)
    top = float(np.nanmax(np.r_[mean, shares["hi"].to_numpy(), 0.01]))
    for yi, m, h in zip(y, mean, shares["hi"].to_numpy()):
        ax.text((h if _num(h) else m) + top * 0.015, yi, _pct(m), va="center", fontsize=7.5,
                color="#333333")
    ax.set_xlim(0, top * 1.15)
    _station_axis(ax, shares["name"], ties)
    ax.set_xlabel("share of scheduled time as the bottleneck (momentary, active-period method)")
    ci_note = ("bars: 95% interval over replications" if has_ci.any()
               else "no interval (one replication or no per-replication table)")
    _header(ax, summary, "which station holds the line back", f"{basis(summary)}; {ci_note}")
    _footnote(ax, _tie_note(ties, stations))
    save_png(fig, path)
    return path


# -- 4. OEE-style breakdown ------------------------------------------------------------------------
def station_yields(scenario: Optional[dict]) -> dict[str, float]:
    """First-pass yield of each station from the resolved scenario (plain data, as in
    ``scenario.resolved.yaml``): 1 − scrap − rework fraction."""
    out = {}
    for st in (scenario or {}).get("stations") or []:
        scrap = st.get("scrap") or 0.0
        rework = (st.get("rework") or {}).get("fraction") or 0.0
        out[str(st.get("name"))] = 1.0 - float(scrap) - float(rework)
    return out


def oee_factors(summary: dict, yields: Optional[dict[str, float]] = None) -> pd.DataFrame:
    """The ISO 22400 factors per station from the state shares (means over replications).

    planned busy time = scheduled − starved − blocked = working + setup + down (shares of
    calendar time; off-shift is outside the planned time); availability = working / planned
    busy time; quality = the station's first-pass yield (``yields``; NaN when unknown);
    ``a_times_q`` = availability × quality (the OEE when performance is 100%, see the module
    docstring). Losses as shares of planned busy time: ``loss_down``, ``loss_setup`` and
    ``loss_quality`` (working time on parts then scrapped or sent to rework = A × (1 − Q));
    with ``a_times_q`` they add up to 1."""
    frame = station_frame(summary)
    yields = yields or {}
    busy = frame["working"] + frame["setup"] + frame["down"]
    out = pd.DataFrame({"name": frame["name"]})
    out["scheduled"] = 1.0 - frame["off_shift"]
    out["planned_busy"] = busy
    ok = busy > 1e-12
    out["availability"] = (frame["working"] / busy).where(ok)
    out["availability_nominal"] = frame["availability_nominal"]
    out["quality"] = [float(yields[n]) if _num(yields.get(n)) else float("nan")
                      for n in frame["name"]]
    out["a_times_q"] = out["availability"] * out["quality"]
    out["loss_down"] = (frame["down"] / busy).where(ok)
    out["loss_setup"] = (frame["setup"] / busy).where(ok)
    out["loss_quality"] = out["availability"] * (1.0 - out["quality"])
    return out


LOSS_COLOURS = {"loss_down": STATE_COLOURS["down"], "loss_setup": STATE_COLOURS["setup"],
                "loss_quality": "#8e24aa"}
LOSS_LABELS = {"loss_down": "availability loss: down (failed)",
               "loss_setup": "availability loss: setup", "loss_quality": "quality loss: scrap and rework"}


@_styled
def oee_chart(summary: dict, path: Path, yields: Optional[dict[str, float]] = None, *,
              ties: Sequence[str] = ()) -> Path:
    """The losses of each station's planned busy time (down, setup, scrap/rework) as stacked
    bars on an axis zoomed to the largest loss, with availability, quality and A × Q beside
    them. Starved and blocked time are not the station's loss and are left out."""
    f = oee_factors(summary, yields).iloc[::-1].reset_index(drop=True)
    known_q = f["quality"].notna().any()
    losses = ["loss_down", "loss_setup"] + (["loss_quality"] if known_q else [])
    y = np.arange(len(f))
    fig, ax = plt.subplots(figsize=(WIDTH, _height(len(f), 0.32, 2.0)))
    left = np.zeros(len(f))
    for loss in losses:
        width = f[loss].fillna(0.0).to_numpy()
        ax.barh(y, width, left=left, height=0.62, color=LOSS_COLOURS[loss], label=LOSS_LABELS[loss])
        left += width
    top = max(float(left.max()) if len(left) else 0.0, 0.001)
    ax.set_xlim(0, top * 1.08)
    ax.set_ylim(-0.6, len(f) - 0.4)
    _station_axis(ax, f["name"], ties, decimals=1 if top < 0.05 else 0)
    ax.set_xlabel("share of planned busy time lost (planned busy time = scheduled − starved − blocked)")
    # The factors as a small table at the right edge, one row per station.
    columns = [("availability", "availability"), ("quality", "quality"),
               ("a_times_q", "A × Q")] if known_q else [("availability", "availability")]
    for j, (key, head) in enumerate(columns):
        x = 1.04 + 0.14 * j
        ax.text(x, len(f) - 0.4, head, transform=ax.get_yaxis_transform(), ha="left",
                va="bottom", fontsize=7.5, fontweight="bold", color="#333333")
        for yi, v in zip(y, f[key]):
            text = ("not busy" if key == "availability" else "–") if not _num(v) else (
                "100%" if v >= 0.99995 else f"{100 * v:.1f}%")
            ax.text(x, yi, text, transform=ax.get_yaxis_transform(), ha="left", va="center",
                    fontsize=7.5, color="#333333")
    handles, _ = ax.get_legend_handles_labels()
    _header(ax, summary, "OEE-style breakdown per station (ISO 22400 time model)",
            f"mean of {basis(summary)}; starved and blocked time are not counted against the "
            "station", handles, ncol=3)
    note = ("Performance is not shown: the model runs every cycle at its modelled cycle time, so it "
            "has no speed losses (performance = 100% by construction) and A × Q is the OEE.")
    if not known_q:
        note += " Quality is not shown: the scenario's scrap and rework rates were not given."
    _footnote(ax, note)
    save_png(fig, path)
    return path


# -- 5. time series --------------------------------------------------------------------------------
def _period_name(periods: pd.DataFrame) -> str:
    length = float((periods["end_day"] - periods["start_day"]).median())
    for days, name in ((7.0, "week"), (1.0, "day"), (1.0 / 24, "hour")):
        if abs(length - days) < 1e-6 * days + 1e-9:
            return name
    return "period"


def _time_axis(periods: pd.DataFrame) -> tuple[float, str]:
    """Scale from days to the axis unit, and its label: hours for a run of three days or less."""
    span = float(periods["end_day"].max() - periods["start_day"].min())
    return (24.0, "hour of the run") if span <= 3 else (1.0, "day of the run")


def period_means(periods: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per period: start/end day, scheduled hours, warm-up flag and the mean, min and max of
    ``column`` over replications (NaN ignored)."""
    p = periods.copy()
    p[column] = pd.to_numeric(p[column], errors="coerce")
    p["in_warmup"] = p["in_warmup"].map(_flag)
    g = p.groupby("period", sort=True)
    out = pd.DataFrame({
        "start_day": g["start_day"].first(), "end_day": g["end_day"].first(),
        "scheduled_h": pd.to_numeric(g["scheduled_h"].first(), errors="coerce"),
        "in_warmup": g["in_warmup"].max(),
        "mean": g[column].mean(), "min": g[column].min(), "max": g[column].max(),
        "n": g[column].count(),
    })
    return out.reset_index()


def _flag(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    return bool(v) if _num(v) or isinstance(v, (bool, np.bool_)) else False


def _shade_warmup(ax, agg: pd.DataFrame, scale: float, label: bool = True) -> None:
    warm = agg[agg["in_warmup"]]
    if warm.empty:
        return
    a, b = float(warm["start_day"].min()) * scale, float(warm["end_day"].max()) * scale
    ax.axvspan(a, b, color=WARMUP_COLOUR, alpha=0.8, lw=0, zorder=0)
    if label:
        ax.annotate("◀ warm-up (not counted)", xy=(b, 0.99), xycoords=ax.get_xaxis_transform(),
                    xytext=(3, 0), textcoords="offset points", ha="left", va="top", fontsize=7.5,
                    color="#8d6e63", bbox=dict(boxstyle="square,pad=0.15", fc="white", ec="none",
                                               alpha=0.8), zorder=5)


def _shade_no_shift(ax, agg: pd.DataFrame, scale: float) -> bool:
    idle = agg[agg["scheduled_h"].fillna(1.0) <= 0]
    for _, r in idle.iterrows():
        ax.axvspan(r["start_day"] * scale, r["end_day"] * scale, color=IDLE_COLOUR, lw=0, zorder=0)
    return not idle.empty


@_styled
def output_per_period_chart(summary: dict, periods: pd.DataFrame, path: Path) -> Path:
    """Output per period (week, day or hour) over the run: the mean over replications as bars,
    their min–max as whiskers, the capacity ceiling and the target's pace for each period's
    scheduled hours as steps; periods without scheduled time (holidays, days off) shaded, the
    warm-up shaded and labelled."""
    agg = period_means(periods, "output")
    scale, xlabel = _time_axis(agg)
    name = _period_name(agg)
    unit = plural(summary.get("unit") or "unit")
    fig, ax = plt.subplots(figsize=(WIDTH, 3.8))
    idle = _shade_no_shift(ax, agg, scale)
    _shade_warmup(ax, agg, scale)
    x0, width = agg["start_day"] * scale, (agg["end_day"] - agg["start_day"]) * scale
    warm = agg["in_warmup"].to_numpy(dtype=bool)
    line = matplotlib.lines.Line2D
    handles = [matplotlib.patches.Patch(color=BLUE, label=f"mean output per {name}")]
    ax.bar(x0, agg["mean"].fillna(0.0), width=width * 0.86, align="edge",
           color=np.where(warm, "#9ab7cf", BLUE))
    if (agg["n"] > 1).any():
        ax.vlines(x0 + width * 0.43, agg["min"], agg["max"], color=INK, lw=0.9)
        handles.append(line([], [], color=INK, lw=0.9,
                            label=f"min–max of {int(agg['n'].max())} replications"))
    cap = summary.get("capacity") or {}
    edges = np.r_[x0.to_numpy(), (x0 + width).to_numpy()[-1:]] if len(agg) else np.array([])
    hours = agg["scheduled_h"].fillna(0.0).to_numpy()
    per_h = cap.get("ceiling_per_hour")
    if _num(per_h) and len(agg):
        style = dict(color=GREEN, ls=(0, (6, 2)), lw=1.3)
        ax.stairs(hours * float(per_h), edges, baseline=None, **style)
        handles.append(line([], [], label="ceiling for the scheduled hours", **style))
    target = summary.get("target") or {}
    year_h = summary.get("scheduled_hours_per_year")
    if _num(target.get("annual_output")) and _num(year_h) and year_h > 0 and len(agg):
        style = dict(color=VERMILLION, ls="--", lw=1.3)
        ax.stairs(hours * float(target["annual_output"]) / year_h, edges, baseline=None, **style)
        handles.append(line([], [], label="target pace for the scheduled hours", **style))
    if idle:
        handles.append(matplotlib.patches.Patch(color=IDLE_COLOUR,
                                                label="no scheduled time (off shift, days off, holidays)"))
    ax.set_xlim(float(x0.min()) if len(agg) else 0, float(edges.max()) if len(edges) else 1)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(thousands())
    ax.grid(axis="y")
    ax.set_axisbelow(True)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"{unit} per {name}")
    _header(ax, summary, f"output per {name}", basis(summary), handles, ncol=3)
    save_png(fig, path)
    return path


def _band_line(ax, agg: pd.DataFrame, scale: float, colour: str, label: str) -> None:
    """The mean per period as a step line, min–max as a band (several replications)."""
    edges = np.r_[agg["start_day"].to_numpy(), agg["end_day"].to_numpy()[-1:]] * scale
    if (agg["n"] > 1).any():
        ax.stairs(agg["max"].to_numpy(), edges, baseline=agg["min"].to_numpy(), fill=True,
                  color=colour, alpha=0.2, lw=0)
    ax.stairs(agg["mean"].to_numpy(), edges, color=colour, lw=1.4, label=label, baseline=None)


@_styled
def wip_chart(summary: dict, periods: pd.DataFrame, path: Path) -> Path:
    """Work in process over the run: the time-average WIP of each period, mean over replications
    as a step line, min–max as a band; the run's mean after warm-up as a dotted line."""
    agg = period_means(periods, "wip_mean")
    scale, xlabel = _time_axis(agg)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.4))
    _shade_no_shift(ax, agg, scale)
    _shade_warmup(ax, agg, scale)
    n = int(agg["n"].max()) if len(agg) else 0
    _band_line(ax, agg, scale, BLUE, f"mean over replications{', band: min–max' if n > 1 else ''}")
    wip = summary.get("wip_mean")
    if _num(wip):
        ax.axhline(float(wip), color=INK, ls=":", lw=1.2, label=f"mean after warm-up {wip:,.1f}")
    ax.set_ylim(bottom=0)
    ax.set_xlim(float(agg["start_day"].min()) * scale, float(agg["end_day"].max()) * scale)
    ax.grid(axis="y")
    ax.set_axisbelow(True)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"{plural(summary.get('unit') or 'unit')} in process (time average)")
    handles, _ = ax.get_legend_handles_labels()
    _header(ax, summary, f"work in process per {_period_name(agg)}", basis(summary), handles)
    save_png(fig, path)
    return path


def _buffers(summary: dict, table: pd.DataFrame) -> list[tuple[str, str, Optional[float]]]:
    """(after, before, capacity) of every buffer in the table: the summary's order first."""
    known = [(str(b.get("after")), str(b.get("before")),
              float(b["capacity"]) if _num(b.get("capacity")) else None)
             for b in summary.get("buffers") or []]
    pairs = list(dict.fromkeys(zip(table["after"].astype(str), table["before"].astype(str))))
    order = [k for k in known if (k[0], k[1]) in pairs]
    order += [(a, b, None) for a, b in pairs if (a, b) not in {(k[0], k[1]) for k in order}]
    return order


def _short(name: str, width: int = 30) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def _buffer_title(ax, after: str, before: str, *lines: str) -> None:
    """A panel's title: the buffer as 'after →' over 'before' (names shortened to fit a third
    of the width), then ``lines``."""
    ax.set_title("\n".join([f"{_short(after)} →", _short(before), *lines]), fontsize=7.5,
                 loc="left", linespacing=1.15)


def _grid(summary: dict, n: int, what: str, note: str, *, ncols: int = 3, sharex: bool = True,
          xlabel: str = "", panel_lines: int = 1):
    """Small multiples, ``ncols`` a row, one panel per buffer; the title and note at fixed
    distances (inches) from the top, so a plant of 40 buffers reads like one of 4."""
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    note = "\n".join(textwrap.wrap(note, 125))
    lines = note.count("\n") + 1
    axes_h, bottom = 1.15, 0.55
    gap = 0.32 + 0.15 * panel_lines  # room for the x ticks and the panel's title
    top = 0.5 + 0.15 * lines + 0.15 * panel_lines
    height = top + bottom + nrows * axes_h + (nrows - 1) * gap
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, height), sharex=sharex, squeeze=False)
    fig.subplots_adjust(left=0.07, right=0.98, top=1 - top / height, bottom=bottom / height,
                        hspace=gap / axes_h, wspace=0.28)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for col in range(ncols):  # x tick labels under the lowest panel of each column
        lowest = max(r for r in range(nrows) if r * ncols + col < n) if col < n else None
        if lowest is not None:
            axes[lowest, col].xaxis.set_tick_params(labelbottom=True)
    head = f"{summary.get('scenario') or ''}: {what}".lstrip(": ")
    fig.text(0.01, 1 - 0.12 / height, head, ha="left", va="top", fontsize=10.5, fontweight="bold")
    fig.text(0.01, 1 - 0.36 / height, note, ha="left", va="top",
             fontsize=8, color="#555555")
    if xlabel:
        fig.text(0.5, 0.12 / height, xlabel, ha="center", va="bottom", fontsize=9, color="#333333")
    return fig, list(axes.flat[:n])


@_styled
def buffer_levels_chart(summary: dict, buffer_periods: pd.DataFrame, path: Path,
                        periods: Optional[pd.DataFrame] = None) -> Path:
    """One small panel per buffer: its time-average level per period, mean over replications
    (min–max band), and its capacity as a dashed line."""
    table = buffer_periods.copy()
    if periods is not None and not periods.empty:
        days = periods.drop_duplicates("period").set_index("period")
        table["start_day"] = table["period"].map(days["start_day"])
        table["end_day"] = table["period"].map(days["end_day"])
        table["in_warmup"] = table["period"].map(days["in_warmup"])
        table["scheduled_h"] = table["period"].map(days["scheduled_h"])
    else:  # no calendar of the periods: number them
        table["start_day"], table["end_day"] = table["period"], table["period"] + 1
        table["in_warmup"], table["scheduled_h"] = False, 1.0
    buffers = _buffers(summary, table)
    dated = periods is not None and not periods.empty
    scale, xlabel = _time_axis(table) if dated else (1.0, "period")
    fig, axes = _grid(summary, len(buffers),
                      f"buffer levels per {_period_name(table) if dated else 'period'}",
                      f"time-average level in each period, mean of {basis(summary)} (band: "
                      "min–max over replications); dashed: capacity; shaded: warm-up",
                      xlabel=xlabel, panel_lines=2)
    for ax, (after, before, capacity) in zip(axes, buffers):
        rows = table[(table["after"].astype(str) == after) & (table["before"].astype(str) == before)]
        agg = period_means(rows, "level_mean")
        _shade_warmup(ax, agg, scale, label=False)
        _band_line(ax, agg, scale, BLUE, "mean level")
        top = float(np.nanmax(np.r_[agg["max"].to_numpy(), 1.0]))
        if capacity is not None:
            ax.axhline(capacity, color=VERMILLION, ls="--", lw=1)
            top = max(top, capacity)
        ax.set_ylim(0, top * 1.12)
        _buffer_title(ax, after, before + (f"  (capacity {capacity:g})"
                                           if capacity is not None else ""))
        ax.tick_params(labelsize=7.5)
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4, integer=True))
        ax.grid(axis="y")
        ax.set_xlim(float(table["start_day"].min()) * scale, float(table["end_day"].max()) * scale)
    save_png(fig, path)
    return path


def occupancy_summary(occupancy: pd.DataFrame) -> pd.DataFrame:
    """Per buffer and level: the time share, mean over replications (a replication that never
    saw a level counts 0 there)."""
    o = occupancy.copy()
    o["time_share"] = pd.to_numeric(o["time_share"], errors="coerce").fillna(0.0)
    reps = o.groupby(["after", "before"])["replication"].nunique()
    total = o.groupby(["after", "before", "level"], sort=True)["time_share"].sum().reset_index()
    total["time_share"] = total.apply(lambda r: r["time_share"] / reps[(r["after"], r["before"])],
                                      axis=1)
    return total


@_styled
def buffer_occupancy_chart(summary: dict, occupancy: pd.DataFrame, path: Path) -> Path:
    """One small histogram per buffer: the share of time at each level (time-weighted, mean over
    replications), with the shares of time empty and full in the panel's title."""
    share = occupancy_summary(occupancy)
    buffers = _buffers(summary, share)
    fig, axes = _grid(summary, len(buffers), "buffer occupancy: share of time at each level",
                      f"time-weighted after warm-up, mean of {basis(summary)}; grey: empty "
                      "(the next station may starve), yellow: full (the one before may be "
                      "blocked); dotted: mean level", sharex=False, xlabel="parts in the buffer",
                      panel_lines=3)
    for ax, (after, before, capacity) in zip(axes, buffers):
        rows = share[(share["after"].astype(str) == after) & (share["before"].astype(str) == before)]
        levels = rows["level"].astype(float).to_numpy()
        shares = rows["time_share"].to_numpy()
        colours = np.where(levels == 0, STATE_COLOURS["starved"], BLUE).astype(object)
        if capacity is not None:
            colours[levels >= capacity] = STATE_COLOURS["blocked"]
        ax.bar(levels, shares, width=0.8, color=list(colours))
        empty = float(shares[levels == 0].sum())
        note = f"empty {_pct(empty)}"
        if capacity is not None:
            note += f" · full {_pct(float(shares[levels >= capacity].sum()))}"
            ax.set_xlim(-0.7, capacity + 0.7)
        mean = float((levels * shares).sum())
        ax.axvline(mean, color=INK, ls=":", lw=1)
        _buffer_title(ax, after, before, f"{note} · mean {mean:.1f}")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(6, integer=True))
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        ax.tick_params(labelsize=7.5)
        ax.set_ylim(0, max(float(shares.max()) if shares.size else 0.0, 0.05) * 1.12)
        ax.grid(axis="y")
        ax.set_axisbelow(True)
    save_png(fig, path)
    return path


# -- all charts of a run ---------------------------------------------------------------------------
def _table(df: Optional[pd.DataFrame]) -> Optional[pd.DataFrame]:
    return df if df is not None and not df.empty else None


def _resolved_scenario(folder: Path) -> Optional[dict]:
    """The run folder's ``scenario.resolved.yaml`` as plain data, if it is there."""
    import yaml

    try:
        data = yaml.safe_load((folder / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def write_charts(folder: Path, summary: dict, replications: pd.DataFrame,
                 stations: Optional[pd.DataFrame] = None, periods: Optional[pd.DataFrame] = None,
                 buffer_periods: Optional[pd.DataFrame] = None,
                 occupancy: Optional[pd.DataFrame] = None, *,
                 scenario: Optional[dict] = None) -> list[Path]:
    """Every chart of a run that its tables allow, in ``folder``; returns their paths. Charts
    of an absent (None or empty) table are skipped. ``stations`` (the stations table, one row
    per replication and station) gives the bottleneck shares their intervals and decides ties;
    ``scenario`` (resolved, plain data; default: the folder's ``scenario.resolved.yaml``) gives
    the stations' scrap and rework rates. At most one ``ChartFontWarning`` for glyphs no font
    has."""
    folder = Path(folder)
    stations, periods = _table(stations), _table(periods)
    buffer_periods, occupancy = _table(buffer_periods), _table(occupancy)
    if scenario is None:
        scenario = _resolved_scenario(folder)
    yields = station_yields(scenario) if scenario else None
    ties = bottleneck_ties(summary, stations)
    jobs: list[tuple[str, Callable[[Path], Path]]] = [
        ("station_states.png", lambda p: station_states_chart(summary, p, ties=ties,
                                                              stations=stations)),
        ("annual_output.png", lambda p: annual_output_chart(summary, replications, p)),
        ("station_states_calendar.png", lambda p: station_states_chart(
            summary, p, calendar=True, ties=ties, stations=stations)),
        ("bottleneck_shares.png", lambda p: bottleneck_chart(summary, p, stations, ties=ties)),
        ("oee.png", lambda p: oee_chart(summary, p, yields, ties=ties)),
    ]
    if periods is not None:
        jobs += [("output_per_period.png", lambda p: output_per_period_chart(summary, periods, p)),
                 ("wip.png", lambda p: wip_chart(summary, periods, p))]
    if buffer_periods is not None:
        jobs.append(("buffer_levels.png", lambda p: buffer_levels_chart(
            summary, buffer_periods, p, periods)))
    if occupancy is not None:
        jobs.append(("buffer_occupancy.png", lambda p: buffer_occupancy_chart(summary, occupancy, p)))
    paths = []
    with chart_context():
        for name, draw in jobs:
            paths.append(draw(folder / name))
    return paths
