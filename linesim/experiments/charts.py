"""Sweep, ``improve`` and ``solve`` charts: PNG figures from tables only (DataFrames and dicts).

Stage: analyze / improve / solve (tables) ─► **charts** ─► the sweep folder. No SimPy, no scenario
objects: everything a chart needs is in ``points.csv`` (``core.POINT_COLUMNS_*`` + one column per
factor), the sweep metadata dict, the Morris table, the improve ranking and the solve result.

Charts (8 × 4.5 in, a slide's shape; Okabe–Ito colour-blind-safe colours; legends outside the
data; titles carry the sweep name; durations in seconds as "s"; thousands separators):

* ``response_chart``: mean annual output with its 95% CI band against one factor, the target and
  the capacity arithmetic's ceiling at each point, P(annual ≥ target) on the right axis with the
  confidence as a dotted line; with a second factor one curve per level of it.
* ``tornado_chart``: paired gains against the base with their 95% intervals, sorted, the
  arithmetic's predicted gain as a marker (``improve``, and one-at-a-time sweeps grouped by factor).
* ``heatmap_chart``: two factors, mean annual output in annotated cells, and the line between the
  cells that meet P(target) ≥ confidence and those that do not (``meeting_boundary``: drawn along
  cell edges, exact on the grid — see there why P is not interpolated between levels).
* ``morris_chart``: μ*–σ of the elementary effects, factor labels, μ*'s interval as error bars.
* ``scatter_chart``: each factor against annual output (Latin hypercube; main effects of a grid of
  three or more factors).
* ``solve_chart``: the solver's evaluations (value vs P ± 1.96·SE), the confidence, the bracket.

``write_sweep_charts`` picks the charts a design calls for; ``write_improve_chart`` and
``write_solve_chart`` write one each. Fonts (Chinese factor names), ``$`` as text and the one
``ChartFontWarning`` come from ``linesim.charts.chart_context``; PNGs carry no version or date, so
the same tables give the same bytes.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Optional, Sequence

import matplotlib
import numpy as np
import pandas as pd

from ..charts import chart_context, plt, save_png, thousands
from .core import BASE
from .labels import (axis_label, factor_columns, factor_meta, level_text, number, output_label,
                     percent, signed, solve_view, target_of, with_base_values)

FIGSIZE = (8.0, 4.5)
# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SERIES = (BLUE, ORANGE, GREEN, PURPLE, SKY, BLACK)  # curves; vermillion is kept for the target
GREY = "#555555"
TARGET_STYLE = dict(color=VERMILLION, ls="--", lw=1.4)
CONFIDENCE_STYLE = dict(color=GREY, ls=":", lw=1.6)
CEILING_LS = (0, (6, 2))
P_LS = "-."
TORNADO_TOP = 25
MORRIS_LABELS = 10  # factors named on the μ*–σ plot (the largest effects)  # improve ranks dozens of candidates: the chart shows the best 25


def _drawn_in_context(draw):
    """Draw inside ``chart_context`` (fonts, ``$`` as text, one glyph warning) whether called
    alone or from ``write_*`` (nested contexts defer to the outermost)."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with chart_context():
            return draw(*args, **kwargs)
    return wrapper


def _design_name(meta: dict) -> str:
    design = meta.get("design") or "grid"
    if isinstance(design, dict):
        design = next(iter(design), "grid")
    return str(design)


def _title(ax, meta_name: Optional[str], what: str, note: str = "") -> None:
    head = f"{meta_name}: {what}" if meta_name else what
    ax.set_title(head + (f"\n{note}" if note else ""), fontsize=10.5, loc="left")


def _legend_below(ax, handles, ncol: int = 3, offset: float = -0.16) -> None:
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, offset), ncol=ncol,
              frameon=False, fontsize=8)


def _reps_note(rows: pd.DataFrame) -> str:
    reps = rows["replications"].dropna()
    if reps.empty:
        return ""
    lo, hi = int(reps.min()), int(reps.max())
    n = f"{lo}" if lo == hi else f"{lo}–{hi}"
    return f"{n} replications per point, common random numbers; bands and bars: 95% CI"


def _level_ticks(ax, values: Sequence[float], factor: dict) -> None:
    """Ticks at the levels themselves when there are few; whole numbers for integer factors."""
    values = sorted(set(float(v) for v in values))
    if len(values) <= 12:
        ax.set_xticks(values)
        ax.set_xticklabels([number(v) for v in values])
    elif all(v == round(v) for v in values):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel(axis_label(factor))


def _base_values(points: pd.DataFrame, columns: Sequence[str]) -> dict:
    base = points[points["point"] == BASE]
    if base.empty:
        return {c: float("nan") for c in columns}
    return {c: base.iloc[0][c] for c in columns}


def _same(a, b) -> bool:
    try:
        return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=0.0))
    except (TypeError, ValueError):
        return a == b


def oat_rows(points: pd.DataFrame, meta: dict, column: str) -> pd.DataFrame:
    """The points of a one-at-a-time sweep that lie on ``column``'s line: the base and every
    point where only this factor differs from the base (a missing value counts as the base)."""
    columns = factor_columns(meta)
    points = with_base_values(points, meta)
    base = _base_values(points, columns)
    keep = []
    for _, row in points.iterrows():
        if row["point"] == BASE:
            keep.append(not pd.isna(row[column]))
            continue
        others = [c for c in columns if c != column]
        keep.append(not pd.isna(row[column]) and not _same(row[column], base[column])
                    and all(pd.isna(row[c]) or _same(row[c], base[c]) for c in others))
    return points[keep]


# -- response curve ------------------------------------------------------------------------------
@_drawn_in_context
def response_chart(rows: pd.DataFrame, meta: dict, column: str, path: Path, *,
                   by: Optional[str] = None, what: str = "") -> Path:
    """Mean annual output (95% CI band) against ``column``, the target and the arithmetic
    ceiling, P(target) on the right axis; one curve per level of ``by`` when given."""
    factor = factor_meta(meta, column)
    target = target_of(meta)
    rows = with_base_values(rows, meta).dropna(subset=[column, "annual_mean"])
    if by is None:
        groups = [(None, rows)]
    else:
        levels = sorted(rows[by].dropna().unique())
        groups = [(lv, rows[rows[by] == lv]) for lv in levels]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax2 = ax.twinx() if target else None
    handles = []
    line = matplotlib.lines.Line2D
    ys = []
    for i, (level, g) in enumerate(groups):
        g = g.sort_values([column, "point"])
        colour = SERIES[i % len(SERIES)]
        x = g[column].astype(float).to_numpy()
        ax.fill_between(x, g["annual_ci_low"], g["annual_ci_high"], color=colour, alpha=0.18, lw=0)
        ax.plot(x, g["annual_mean"], color=colour, lw=2, marker="o", ms=4.5, zorder=3)
        ceiling = g["ceiling_per_year"].astype(float)
        if ceiling.notna().any():
            ax.plot(x, ceiling, color=colour, ls=CEILING_LS, lw=1.2)
            ys += list(ceiling.dropna())
        ys += list(g["annual_ci_low"].dropna()) + list(g["annual_ci_high"].dropna())
        if ax2 is not None:
            ax2.plot(x, g["p_target"], color=GREEN if by is None else colour, ls=P_LS, lw=1.3,
                     marker="s", ms=3.5)
        if level is not None:
            second = factor_meta(meta, by)
            handles.append(matplotlib.patches.Patch(
                color=colour, label=f"{second['name']} = {level_text(level, second)}"))
    base = rows[rows["point"] == BASE]
    if by is None and not base.empty:
        ax.scatter(base[column].astype(float), base["annual_mean"], s=130, facecolors="none",
                   edgecolors=BLACK, lw=1.3, zorder=4)
        handles.append(line([], [], marker="o", ls="none", mfc="none", mec=BLACK, ms=10,
                            label="base scenario"))
    grey = BLACK if by is None else GREY
    handles += [
        line([], [], color=SERIES[0] if by is None else GREY, lw=2, marker="o", ms=4.5,
             label="mean annual output, 95% CI band"),
        line([], [], color=grey, ls=CEILING_LS, lw=1.2, label="capacity arithmetic ceiling"),
    ]
    if target:
        annual, confidence = target
        ax.axhline(annual, **TARGET_STYLE)
        ys.append(annual)
        ax2.axhline(confidence, **CONFIDENCE_STYLE)
        ax2.set_ylim(-0.03, 1.05)
        ax2.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        ax2.set_ylabel(f"P(annual output ≥ {number(annual)})",
                       color=GREEN if by is None else BLACK)
        handles += [
            line([], [], label=f"target {number(annual)} a year", **TARGET_STYLE),
            line([], [], color=GREEN if by is None else GREY, ls=P_LS, marker="s", ms=3.5, lw=1.3,
                 label="P(annual ≥ target), right axis"),
            line([], [], label=f"confidence {percent(confidence)}, right axis", **CONFIDENCE_STYLE),
        ]
    if ys:
        lo, hi = min(ys), max(ys)
        pad = 0.06 * (hi - lo) if hi > lo else 0.05 * abs(hi) or 1.0
        ax.set_ylim(lo - pad, hi + pad)
    ax.yaxis.set_major_formatter(thousands())
    ax.set_ylabel(f"annual output ({output_label(meta)})")
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    _level_ticks(ax, rows[column], factor)
    vs = f"{factor['name']}" + (f", by {factor_meta(meta, by)['name']}" if by else "")
    _title(ax, meta.get("name"), what or f"annual output vs {vs}", _reps_note(rows))
    _legend_below(ax, handles, ncol=3)
    save_png(fig, path)
    return path


# -- tornado -------------------------------------------------------------------------------------
def oat_bars(points: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """Tornado bars of a one-at-a-time sweep: one per non-base point, grouped by the factor it
    moves; groups ordered by their largest |gain|, levels ascending inside a group. The arithmetic's
    prediction is the point's ceiling minus the base's ceiling."""
    base = points[points["point"] == BASE]
    base_ceiling = float(base.iloc[0]["ceiling_per_year"]) if not base.empty else float("nan")
    groups = []
    for column in factor_columns(meta):
        f = factor_meta(meta, column)
        rows = oat_rows(points, meta, column)
        rows = rows[rows["point"] != BASE].sort_values([column, "point"])
        if rows.empty:
            continue
        bars = pd.DataFrame({
            "label": [f"{f['name']} = {level_text(v, f)}" if not f.get("relative")
                      else f"{f['name']} {level_text(v, f)}" for v in rows[column]],
            "mean": rows["delta_annual_mean"].astype(float).to_numpy(),
            "low": rows["delta_annual_ci_low"].astype(float).to_numpy(),
            "high": rows["delta_annual_ci_high"].astype(float).to_numpy(),
            "predicted": (rows["ceiling_per_year"].astype(float) - base_ceiling).to_numpy(),
            "group": f["name"],
        })
        groups.append(bars)
    if not groups:
        return pd.DataFrame(columns=["label", "mean", "low", "high", "predicted", "group"])
    groups.sort(key=lambda g: -float(np.nanmax(np.abs(g["mean"].to_numpy())))
                if g["mean"].notna().any() else 0.0)
    return pd.concat(groups, ignore_index=True)


def improve_bars(ranking: pd.DataFrame, top: int = TORNADO_TOP) -> pd.DataFrame:
    """Tornado bars of an improve ranking, best gain first (at most ``top``)."""
    r = ranking.sort_values("delta_annual_mean", ascending=False, kind="stable").head(top)
    return pd.DataFrame({
        "label": r["label"].astype(str).to_numpy(),
        "mean": r["delta_annual_mean"].astype(float).to_numpy(),
        "low": r["delta_annual_ci_low"].astype(float).to_numpy(),
        "high": r["delta_annual_ci_high"].astype(float).to_numpy(),
        "predicted": (r["predicted_gain"].astype(float).to_numpy() if "predicted_gain" in r
                      else np.full(len(r), np.nan)),
    })


@_drawn_in_context
def tornado_chart(bars: pd.DataFrame, meta: dict, path: Path, *, what: str, note: str = "") -> Path:
    """Horizontal bars of paired gains (``bars``: label, mean, low, high, optional predicted and
    group), top to bottom in the order given; gains blue, losses orange, intervals black, the
    arithmetic's prediction a hollow diamond; thin lines between groups."""
    n = len(bars)
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], max(FIGSIZE[1], 1.6 + 0.3 * n)))
    y = np.arange(n)[::-1]
    mean = bars["mean"].to_numpy(dtype=float)
    low, high = bars["low"].to_numpy(dtype=float), bars["high"].to_numpy(dtype=float)
    colours = [BLUE if m >= 0 else ORANGE for m in np.nan_to_num(mean)]
    ax.barh(y, np.nan_to_num(mean), color=colours, height=0.62, zorder=2)
    has_ci = ~(np.isnan(low) | np.isnan(high))
    ax.errorbar(mean[has_ci], y[has_ci],
                xerr=[mean[has_ci] - low[has_ci], high[has_ci] - mean[has_ci]],
                fmt="none", ecolor=BLACK, elinewidth=1.1, capsize=3, zorder=3)
    predicted = bars["predicted"].to_numpy(dtype=float) if "predicted" in bars else np.full(n, np.nan)
    shown = ~np.isnan(predicted)
    if shown.any():
        ax.scatter(predicted[shown], y[shown], marker="D", s=34, facecolors="white",
                   edgecolors=VERMILLION, linewidths=1.4, zorder=4)
    values = np.concatenate([low, high, mean, predicted, [0.0]])
    left, right = np.nanmin(values), np.nanmax(values)
    pad = 0.06 * (right - left) if right > left else 1.0
    ax.set_xlim(left - pad, right + pad)
    # the gains as a column right of the plot (a forest plot's table): no number sits on a marker
    column = matplotlib.transforms.blended_transform_factory(ax.transAxes, ax.transData)
    ax.text(1.02, n - 0.45, "gain ± 95% CI", transform=column, ha="left", va="bottom",
            fontsize=8, fontweight="bold")
    for yi, m, lo, hi in zip(y, mean, low, high):
        text = "—" if np.isnan(m) else signed(m) + (
            "" if np.isnan(lo) or np.isnan(hi) else f" ± {(hi - lo) / 2:,.0f}")
        ax.text(1.02, yi, text, transform=column, ha="left", va="center", fontsize=8)
    ax.axvline(0, color=BLACK, lw=0.9)
    if "group" in bars:
        groups = bars["group"].tolist()
        for i in range(1, n):
            if groups[i] != groups[i - 1]:
                ax.axhline(y[i] + 0.5, color="#bbbbbb", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(bars["label"].tolist(), fontsize=8)
    ax.set_ylim(-0.7, n - 0.3)
    ax.xaxis.set_major_formatter(thousands())
    ax.set_xlabel(f"paired gain in annual output vs the base ({output_label(meta)})")
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    _title(ax, meta.get("name"), what, note)
    line = matplotlib.lines.Line2D
    handles = [matplotlib.patches.Patch(color=BLUE, label="gain (mean of paired differences)"),
               matplotlib.patches.Patch(color=ORANGE, label="loss"),
               line([], [], color=BLACK, marker="|", ms=8, lw=1.1, label="95% CI")]
    if shown.any():
        handles.append(line([], [], marker="D", ls="none", mfc="white", mec=VERMILLION, mew=1.4,
                            label="capacity arithmetic's predicted gain"))
    _legend_below(ax, handles, ncol=4, offset=-0.5 / (1.6 + 0.3 * n) - 0.07)
    save_png(fig, path)
    return path


# -- heatmap -------------------------------------------------------------------------------------
def meeting_boundary(meets: np.ndarray) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The edges between grid cells that meet the target and their neighbours that do not.

    ``meets[j, i]`` is True where cell (column i, row j) has P(target) ≥ confidence, False where
    it has not, and None/NaN where it is unknown (no point). Cell (i, j) covers [i−½, i+½] ×
    [j−½, j+½]; each returned segment ((x0, y0), (x1, y1)) is the shared edge of two *adjacent,
    known* cells on opposite sides. The line therefore separates exactly the cells meeting from
    those not: it is exact on the grid. P is deliberately not interpolated between levels (a
    marching-squares contour of interpolated P would place the crossing where no point was run,
    and is ambiguous at saddles); where the crossing lies between two levels, ``solve`` finds it.
    """
    grid = np.asarray(meets, dtype=object)
    ny, nx = grid.shape

    def state(j: int, i: int):
        v = grid[j, i]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        return bool(v)

    segments = []
    for j in range(ny):
        for i in range(nx):
            a = state(j, i)
            if a is None:
                continue
            if i + 1 < nx and (b := state(j, i + 1)) is not None and a != b:
                segments.append(((i + 0.5, j - 0.5), (i + 0.5, j + 0.5)))
            if j + 1 < ny and (b := state(j + 1, i)) is not None and a != b:
                segments.append(((i - 0.5, j + 0.5), (i + 0.5, j + 0.5)))
    return segments


def meeting_cells(p: np.ndarray, confidence: float) -> np.ndarray:
    """True where P(target) ≥ confidence (a P equal to the confidence meets it), False where
    below, None where P is unknown: the input of ``meeting_boundary``."""
    p = np.asarray(p, dtype=float)
    out = np.empty(p.shape, dtype=object)
    for idx, v in np.ndenumerate(p):
        out[idx] = None if not np.isfinite(v) else bool(v >= confidence - 1e-12)
    return out


def _grid(points: pd.DataFrame, x: str, y: str, value: str):
    rows = points.dropna(subset=[x, y]).sort_values("point")
    xs = sorted(rows[x].astype(float).unique())
    ys = sorted(rows[y].astype(float).unique())
    grid = np.full((len(ys), len(xs)), np.nan)
    base = np.zeros((len(ys), len(xs)), dtype=bool)
    for _, row in rows.iloc[::-1].iterrows():  # the first point of a combination wins
        j, i = ys.index(float(row[y])), xs.index(float(row[x]))
        grid[j, i] = row[value]
        base[j, i] = row["point"] == BASE
    return xs, ys, grid, base


@_drawn_in_context
def heatmap_chart(points: pd.DataFrame, meta: dict, x: str, y: str, path: Path) -> Path:
    """Mean annual output over the grid of two factors, each cell annotated (mean, P(target)),
    and the boundary between cells meeting P ≥ confidence and those not (``meeting_boundary``)."""
    fx, fy = factor_meta(meta, x), factor_meta(meta, y)
    target = target_of(meta)
    points = with_base_values(points, meta)
    xs, ys, mean, base = _grid(points, x, y, "annual_mean")
    fig, ax = plt.subplots(figsize=FIGSIZE)
    cmap = matplotlib.colormaps["cividis"].with_extremes(bad="#eeeeee")
    finite = mean[np.isfinite(mean)]
    vmin, vmax = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    if vmax <= vmin:
        vmin, vmax = vmin - 1.0, vmax + 1.0
    im = ax.imshow(np.ma.masked_invalid(mean), origin="lower", aspect="auto", cmap=cmap,
                   vmin=vmin, vmax=vmax, interpolation="nearest")
    p = _grid(points, x, y, "p_target")[2] if target else None
    small = len(xs) > 8 or len(ys) > 8
    for j in range(len(ys)):
        for i in range(len(xs)):
            if not np.isfinite(mean[j, i]):
                ax.text(i, j, "no point", ha="center", va="center", fontsize=7, color=GREY)
                continue
            text = number(mean[j, i]) if not small else f"{mean[j, i] / 1000:,.0f}k"
            if p is not None and np.isfinite(p[j, i]):
                text += f"\nP {percent(p[j, i])}" + (" ✓" if p[j, i] >= target[1] - 1e-12 else "")
            if base[j, i]:
                text += "\n(base)"
            shade = (mean[j, i] - vmin) / (vmax - vmin)
            ax.text(i, j, text, ha="center", va="center", fontsize=6.5 if small else 8,
                    color="white" if shade < 0.55 else BLACK, linespacing=1.15)
    handles = []
    if target:
        annual, confidence = target
        segments = meeting_boundary(meeting_cells(p, confidence))
        if segments:
            for lw, colour in ((4.2, "white"), (2.2, VERMILLION)):
                ax.add_collection(matplotlib.collections.LineCollection(
                    segments, colors=colour, linewidths=lw, capstyle="projecting", zorder=5))
        handles.append(matplotlib.lines.Line2D(
            [], [], color=VERMILLION, lw=2.2,
            label=f"boundary around the cells with P(annual ≥ {number(annual)}) ≥ "
                  f"{percent(confidence)} (marked ✓)"
                  + ("" if segments else "; none here: all known cells on one side")))
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels([number(v) for v in xs])
    ax.set_yticks(range(len(ys)))
    ax.set_yticklabels([number(v) for v in ys])
    ax.set_xlabel(axis_label(fx))
    ax.set_ylabel(axis_label(fy))
    bar = fig.colorbar(im, ax=ax, pad=0.02, format=thousands())
    bar.set_label(f"mean annual output ({output_label(meta)})")
    _title(ax, meta.get("name"), f"mean annual output by {fx['name']} and {fy['name']}",
           _reps_note(points))
    if handles:
        _legend_below(ax, handles, ncol=1, offset=-0.14)
    save_png(fig, path)
    return path


# -- Morris --------------------------------------------------------------------------------------
@_drawn_in_context
def morris_chart(morris: pd.DataFrame, meta: dict, path: Path) -> Path:
    """μ* (mean |elementary effect|) against σ (their spread) per factor, μ*'s 95% interval as
    horizontal error bars, each factor labelled; the line σ = μ* marks where a factor's effect
    depends on the others' levels (interactions) or is non-linear."""
    m = morris.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    mu, sigma = m["mu_star"].astype(float), m["sigma"].astype(float)
    conf = m["mu_star_conf"].astype(float).fillna(0.0)
    ax.errorbar(mu, sigma, xerr=conf, fmt="o", color=BLUE, ecolor=SKY, elinewidth=1.6, capsize=3,
                ms=6, zorder=3)
    top = float(np.nanmax(np.concatenate([(mu + conf).to_numpy(), sigma.to_numpy(), [1.0]])))
    ax.plot([0, top * 1.1], [0, top * 1.1], color=GREY, ls="--", lw=1)
    ax.set_xlim(0, top * 1.15)
    ax.set_ylim(0, max(float(np.nanmax(sigma.to_numpy())) if len(m) else 1.0, 1.0) * 1.2)
    # Label the factors that matter (largest μ*, at most MORRIS_LABELS), nudged up where they
    # would overlap; the rest sit near the origin and are counted in the subtitle.
    labelled = sorted(m.index[:MORRIS_LABELS], key=lambda k: float(sigma[k]))
    placed: list[tuple[float, float, float, float]] = []  # label boxes in points
    to_points = 72.0 / fig.dpi
    for k in labelled:
        x, y = (v * to_points for v in ax.transData.transform((mu[k], sigma[k])))
        text = str(m.loc[k, "factor"])
        width, dy = 4.6 * len(text) + 2, 5.0
        while any(x + 6 < bx1 and x + 6 + width > bx0 and y + dy < by1 and y + dy + 9 > by0
                  for bx0, bx1, by0, by1 in placed):
            dy += 10.0
        placed.append((x + 6, x + 6 + width, y + dy, y + dy + 9))
        ax.annotate(text, (mu[k], sigma[k]), xytext=(6, dy), textcoords="offset points",
                    fontsize=8, color="#222222",
                    arrowprops=dict(arrowstyle="-", color="#999999", lw=0.6) if dy > 5 else None)
    ax.xaxis.set_major_formatter(thousands())
    ax.yaxis.set_major_formatter(thousands())
    unit = output_label(meta)
    ax.set_xlabel(f"μ*: mean |elementary effect| on annual output ({unit})")
    ax.set_ylabel(f"σ: spread of the effects ({unit})")
    ax.grid(color="#eeeeee", lw=0.6)
    ax.set_axisbelow(True)
    rest = len(m) - len(labelled)
    _title(ax, meta.get("name"), "Morris screening: which factors matter",
           "right: large effect; above the dashed line σ = μ*: non-linear or interacting"
           + (f"\nlabelled: the {len(labelled)} largest μ*; {rest} smaller factors unlabelled"
              if rest else ""))
    line = matplotlib.lines.Line2D
    _legend_below(ax, [line([], [], color=BLUE, marker="o", ls="none", label="factor"),
                       line([], [], color=SKY, lw=1.6, marker="|", label="95% CI of μ*"),
                       line([], [], color=GREY, ls="--", label="σ = μ*")], ncol=3)
    save_png(fig, path)
    return path


# -- scatter of each factor ----------------------------------------------------------------------
@_drawn_in_context
def scatter_chart(points: pd.DataFrame, meta: dict, columns: Sequence[str], path: Path, *,
                  means_by_level: bool = False, what: str = "") -> Path:
    """One panel per factor: every point's mean annual output (95% CI as a bar) against the
    factor, the target; with ``means_by_level`` the mean over the points at each level joined
    (main effects of a full grid)."""
    n = len(columns)
    ncol = min(n, 3)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(FIGSIZE[0], max(FIGSIZE[1], 2.6 * nrow + 0.6)),
                             sharey=True, squeeze=False)
    target = target_of(meta)
    rows = points.dropna(subset=["annual_mean"])
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.set_visible(False)
            continue
        column = columns[k]
        f = factor_meta(meta, column)
        r = rows.dropna(subset=[column])
        x = r[column].astype(float)
        meets = (r["p_target"] >= target[1] - 1e-12) if target else pd.Series(True, index=r.index)
        for ok, colour in ((True, BLUE), (False, ORANGE)):
            sel = meets == ok
            ax.errorbar(x[sel], r["annual_mean"][sel],
                        yerr=[r["annual_mean"][sel] - r["annual_ci_low"][sel],
                              r["annual_ci_high"][sel] - r["annual_mean"][sel]],
                        fmt="o", ms=4, color=colour, ecolor=colour, elinewidth=0.8, alpha=0.85)
        if means_by_level:
            by = r.groupby(column)["annual_mean"].mean()
            ax.plot(by.index.astype(float), by.to_numpy(), color=BLACK, lw=1.5)
        if target:
            ax.axhline(target[0], **TARGET_STYLE)
        _level_ticks(ax, x, f) if x.nunique() <= 6 else ax.set_xlabel(axis_label(f))
        ax.yaxis.set_major_formatter(thousands())
        ax.grid(color="#eeeeee", lw=0.6)
        ax.tick_params(labelsize=8)
        if k % ncol == 0:
            ax.set_ylabel(f"annual output\n({output_label(meta)})", fontsize=9)
    line = matplotlib.lines.Line2D
    handles = [line([], [], color=BLUE, marker="o", ls="none",
                    label="point meeting the target" if target else "point (mean, 95% CI)")]
    if target:
        handles += [line([], [], color=ORANGE, marker="o", ls="none", label="point not meeting it"),
                    line([], [], label=f"target {number(target[0])} (meeting: P ≥ "
                                       f"{percent(target[1])})", **TARGET_STYLE)]
    if means_by_level:
        handles.append(line([], [], color=BLACK, lw=1.5, label="mean over the other factors"))
    name = meta.get("name")
    head = f"{name}: {what or 'annual output against each factor'}"
    fig.suptitle(head + "\n" + _reps_note(rows), fontsize=10.5, x=0.02, ha="left")
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=8,
               bbox_to_anchor=(0.5, -0.04))
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    save_png(fig, path)
    return path


# -- solver --------------------------------------------------------------------------------------
@_drawn_in_context
def solve_chart(result: dict, path: Path, name: Optional[str] = None) -> Path:
    """The solver's evaluations (value vs P(target), ±1.96·SE), the confidence, the bracket shaded
    and annotated, each evaluation numbered in the order it was run."""
    view = solve_view(result)
    target = (view["target"], view["confidence"]) if view["target"] is not None else None
    confidence = view["confidence"]
    factor = {"name": view["key"], "unit": view["unit"], "relative": False}
    ev = pd.DataFrame([{c: e.get(c) for c in ("value", "p", "p_se", "n", "annual_mean")}
                       for e in view["evaluations"]],
                      columns=["value", "p", "p_se", "n", "annual_mean"])
    fig, ax = plt.subplots(figsize=FIGSIZE)
    fail, meet = view["fail"], view["meet"]
    if fail is not None and meet is not None:
        ax.axvspan(min(fail, meet), max(fail, meet), color=GREEN, alpha=0.18, lw=0, zorder=1)
    ax.axhline(confidence, **CONFIDENCE_STYLE)
    se = ev["p_se"].astype(float).fillna(0.0)
    p = ev["p"].astype(float)
    ok = p >= confidence - 1e-12
    for sel, colour in ((ok, BLUE), (~ok, ORANGE)):  # a probability's interval stays in [0, 1]
        ax.errorbar(ev["value"][sel].astype(float), p[sel],
                    yerr=[(p - (p - 1.96 * se).clip(0, 1))[sel], ((p + 1.96 * se).clip(0, 1) - p)[sel]],
                    fmt="o", color=colour, ecolor=colour, capsize=3, ms=6, zorder=3)
    for k, row in ev.iterrows():
        ax.annotate(str(k + 1), (row["value"], row["p"]), xytext=(5, 5), textcoords="offset points",
                    fontsize=7, color=GREY)
    ax.set_ylim(-0.05, 1.08)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(axis_label(factor))
    ax.set_ylabel(f"P(annual output ≥ {number(target[0]) if target else 'target'})")
    ax.grid(color="#eeeeee", lw=0.6)
    ax.set_axisbelow(True)
    if fail is not None and meet is not None:
        answer = (f"P reaches {percent(confidence)} between {level_text(fail, factor)} (fails) "
                  f"and {level_text(meet, factor)} (meets)")
    elif meet is not None:
        answer = f"meets already at {level_text(meet, factor)}: no failing value found"
    elif fail is not None:
        answer = f"fails even at {level_text(fail, factor)}: no value meeting the target found"
    else:
        answer = "no evaluations"
    reps = view["replications"]
    what = f"solving {view['key']} for P(target) = {percent(confidence)}"
    note = (f"{len(ev)} evaluations, {number(reps)} replications in all; error bars ±1.96·SE; "
            f"numbers: order of evaluation") if reps is not None else "error bars ±1.96·SE"
    _title(ax, name, what, f"{answer}\n{note}")
    line = matplotlib.lines.Line2D
    _legend_below(ax, [
        line([], [], color=BLUE, marker="o", ls="none", label="meets the confidence"),
        line([], [], color=ORANGE, marker="o", ls="none", label="fails it"),
        line([], [], label=f"confidence {percent(confidence)}", **CONFIDENCE_STYLE),
        matplotlib.patches.Patch(color=GREEN, alpha=0.25, label="bracket of the answer")], ncol=4)
    save_png(fig, path)
    return path


# -- pickers -------------------------------------------------------------------------------------
def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-.").lower() or "factor"


def planned_charts(meta: dict, morris: Optional[pd.DataFrame] = None) -> list[tuple[str, str, tuple]]:
    """The charts a design calls for, as (file name, kind, arguments), without drawing:
    grid of one factor → response; grid of two → heatmap + response (x: the factor with more
    levels, one curve per level of the other); grid of three or more → main effects (scatter);
    one_at_a_time → tornado + a response per factor; latin_hypercube → scatter of each factor;
    morris → μ*–σ (when the Morris table is given)."""
    design = _design_name(meta)
    columns = factor_columns(meta)
    if design == "morris":
        return [("morris.png", "morris", ())] if morris is not None else []
    if design == "one_at_a_time":
        return [("tornado.png", "tornado", ())] + [
            (f"response_{k + 1}_{_slug(c)}.png", "oat_response", (c,)) for k, c in enumerate(columns)]
    if design == "latin_hypercube" or (design == "grid" and len(columns) >= 3):
        chunks = [columns[k:k + 6] for k in range(0, len(columns), 6)]
        return [(f"scatter{'' if k == 0 else f'_{k + 1}'}.png",
                 "scatter" if design == "latin_hypercube" else "main_effects", tuple(chunk))
                for k, chunk in enumerate(chunks)]
    if len(columns) == 1:
        return [("response.png", "response", (columns[0],))]
    if len(columns) == 2:
        return [("heatmap.png", "heatmap", tuple(columns)), ("response.png", "response2", tuple(columns))]
    return []


def write_sweep_charts(folder: Path, points: pd.DataFrame, meta: dict,
                       morris: Optional[pd.DataFrame] = None) -> list[Path]:
    """The charts of a sweep (see ``planned_charts``) in ``folder``; returns their paths. At most
    one ``ChartFontWarning`` for glyphs no installed font has."""
    folder = Path(folder)
    points = with_base_values(points, meta)
    paths = []
    with chart_context():
        for name, kind, args in planned_charts(meta, morris):
            path = folder / name
            if kind == "morris":
                morris_chart(morris, meta, path)
            elif kind == "tornado":
                bars = oat_bars(points, meta)
                if bars.empty:
                    continue
                tornado_chart(bars, meta, path, what="paired gain of each factor, one at a time",
                              note=_reps_note(points))
            elif kind == "oat_response":
                rows = oat_rows(points, meta, args[0])
                if rows[args[0]].nunique() < 2:
                    continue
                response_chart(rows, meta, args[0], path, what=f"annual output vs "
                               f"{factor_meta(meta, args[0])['name']} (other factors at base)")
            elif kind in ("scatter", "main_effects"):
                scatter_chart(points, meta, list(args), path, means_by_level=kind == "main_effects",
                              what="main effects: annual output against each factor"
                              if kind == "main_effects" else "")
            elif kind == "response":
                response_chart(points, meta, args[0], path)
            elif kind == "heatmap":
                heatmap_chart(points, meta, args[0], args[1], path)
            elif kind == "response2":
                a, b = args
                x, by = (a, b) if points[a].nunique() >= points[b].nunique() else (b, a)
                response_chart(points, meta, x, path, by=by)
            paths.append(path)
    return paths


def write_improve_chart(folder: Path, ranking: pd.DataFrame, meta: dict,
                        top: int = TORNADO_TOP) -> Path:
    """``improve.png``: the tornado of the candidates' paired gains (best ``top``), with the
    arithmetic's predicted gain beside each."""
    path = Path(folder) / "improve.png"
    bars = improve_bars(ranking, top)
    shown = f"best {len(bars)} of {len(ranking)} candidates" if len(ranking) > len(bars) \
        else f"{len(ranking)} candidates"
    note = f"{shown}, paired under common random numbers; bars: 95% CI"
    with chart_context():
        tornado_chart(bars, meta, path, what="what buys the most", note=note)
    return path


def write_solve_chart(folder: Path, result: dict, name: Optional[str] = None) -> Path:
    """``solve.png``: the solver's evaluations and bracket."""
    path = Path(folder) / "solve.png"
    with chart_context():
        solve_chart(result, path, name)
    return path


__all__ = [
    "meeting_boundary", "meeting_cells", "oat_rows", "oat_bars", "improve_bars", "planned_charts",
    "response_chart", "tornado_chart", "heatmap_chart", "morris_chart", "scatter_chart",
    "solve_chart", "write_sweep_charts", "write_improve_chart", "write_solve_chart",
]
