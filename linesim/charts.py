"""Charts: PNG figures from result tables — never imports SimPy or the model.

Stage: results (tables, summary) ─► **charts** ─► report / run folder.

* ``station_states.png``: stacked bars of each station's state shares (working, starved, blocked,
  down, setup, off-shift), means over replications.
* ``annual_output.png``: annual output of each replication, the mean with its 95% interval, the
  target and the capacity ceiling under the calendar.

PNG metadata carries no version or date, so the same tables give the same bytes.

Chinese (and other CJK) station names and units: matplotlib's default font (DejaVu Sans) has no
CJK glyphs, so every figure is drawn with a font *family chain* — DejaVu Sans for Latin text,
then the first installed of Noto Sans CJK, Source Han Sans, Microsoft YaHei, PingFang, SimHei and
WenQuanYi, from which matplotlib (≥ 3.6) takes each glyph DejaVu lacks. Only installed families
are named (a missing one would make matplotlib log "font not found"). Where no font has a
glyph, the figure is still written and one ``ChartFontWarning`` says which characters are missing
and how to install a font (Debian: ``fonts-noto-cjk``), instead of matplotlib's warning per glyph.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from matplotlib import font_manager  # noqa: E402

from .results import atomic_write  # noqa: E402
from .units import plural  # noqa: E402

STATE_COLOURS = {
    "working": "#2e7d32",
    "starved": "#f9a825",
    "blocked": "#c62828",
    "down": "#6a1b9a",
    "setup": "#1565c0",
    "off_shift": "#b0bec5",
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


def station_states_chart(summary: dict, path: Path) -> None:
    stations = pd.DataFrame(summary["stations"]).iloc[::-1].reset_index(drop=True)  # flow top-down
    labels = [
        f"{name} ◀ bottleneck" if name == summary.get("bottleneck") else name
        for name in stations["name"]
    ]
    fig, ax = plt.subplots(figsize=(8.0, 1.2 + 0.45 * len(stations)))
    left = pd.Series(0.0, index=stations.index)
    for state, colour in STATE_COLOURS.items():
        ax.barh(labels, stations[state], left=left, color=colour, label=state.replace("_", "-"))
        left += stations[state]
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of calendar time after warm-up")
    ax.set_title(f"{summary['scenario']}: station states (mean of {summary['replications']} "
                 f"replications)", fontsize=10)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.06), ncol=6, frameon=False, fontsize=8)
    _save(fig, path)


def annual_output_chart(summary: dict, replications: pd.DataFrame, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8.0, 4.0))
    ax.bar(replications["replication"].astype(str), replications["annual_output"], color="#546e7a",
           label="replication")
    annual = summary["annual_output"]
    ax.axhline(annual["mean"], color="#263238", lw=1.5, label=f"mean {annual['mean']:,.0f}")
    if annual["ci95"]:
        lo, hi = annual["ci95"]
        ax.axhspan(lo, hi, color="#263238", alpha=0.15, label="95% CI of the mean")
    target = summary.get("target")
    if target:
        ax.axhline(target["annual_output"], color="#c62828", ls="--", lw=1.5,
                   label=f"target {target['annual_output']:,.0f} (P = {target['probability']:.2f})")
    ceiling = summary["capacity"]["ceiling_per_year"]
    ax.axhline(ceiling, color="#2e7d32", ls=":", lw=1.5, label=f"ceiling {ceiling:,.0f}")
    top = max([ceiling, replications["annual_output"].max()] + ([target["annual_output"]] if target else []))
    ax.set_ylim(0, top * 1.12)
    ax.set_xlabel("replication")
    ax.set_ylabel(f"{plural(summary['unit'])} per year")
    ax.set_title(f"{summary['scenario']}: annual output by replication")
    ax.yaxis.set_major_formatter(thousands())
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    _save(fig, path)


def write_charts(folder: Path, summary: dict, replications: pd.DataFrame) -> list[Path]:
    """Both charts of a run; at most one ``ChartFontWarning`` for glyphs no font has."""
    paths = [folder / "station_states.png", folder / "annual_output.png"]
    with chart_context():
        station_states_chart(summary, paths[0])
        annual_output_chart(summary, replications, paths[1])
    return paths
