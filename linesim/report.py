"""Report: the terminal summary of a run, built from the summary dict only (no SimPy).

Stage: estimate (summary) ─► **report** ─► cli prints it. Also the capacity arithmetic shown
before simulating, so a target out of a line's reach is obvious at once.

Every user string (names, unit, verdict, paths) reaches rich as ``Text`` built by ``plain`` — never
as a markup string, so ``[sets]`` stays ``[sets]`` and ``seat [/]`` cannot break the report — and
``clean`` shows control and invisible characters as escapes (``\\x1b``), so no input can drive
the terminal.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Optional

from rich import box
from rich.cells import cell_len
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .capacity import CapacityCheck
from .experiments.core import BASE
from .experiments.labels import (axis_label, factor_columns, factor_meta, level_text, number,
                                 percent, signed, solve_view, target_of, with_base_values)
from .states import STATE_NAMES
from .units import plural, probability_text, span_text


def clean(text: object) -> str:
    """``text`` with every control, format or line-separator character (ESC, a newline, a
    right-to-left override...) shown as an escape (``\\x1b``), so a user string cannot move the
    cursor, recolour the terminal or break a one-line message."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or unicodedata.category(ch) == "Zs" else
                   ch.encode("unicode_escape").decode("ascii") for ch in text)


def plain(text: object, style: str = "") -> Text:
    """A user string for rich: never read as markup (``[sets]`` stays ``[sets]``), cleaned."""
    return Text(clean(text), style=style)


def _n(x: float | None, digits: int = 0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def capacity_panel(name: str, unit: str, cap: CapacityCheck) -> Panel:
    """The capacity arithmetic; every user string (names, unit) is plain text, not markup."""
    lines = [
        f"Scheduled time: {cap.scheduled_hours_per_year:,.0f} h a year.",
        f"Ceiling: {cap.ceiling_per_h:,.2f} {unit}/h at {cap.limiting_station}"
        + (f" (tied with {', '.join(cap.tied_with)})" if cap.tied_with else "") + " → "
        f"{cap.ceiling_per_year:,.0f} a year under this calendar, "
        f"{cap.ceiling_24_7_per_year:,.0f} even 24/7/365.",
    ]
    if cap.target_annual_output:
        verdict = "within" if cap.target_within_ceiling else "ABOVE"
        lines.append(
            f"Target {cap.target_annual_output:,.0f} needs an effective cycle of "
            f"{cap.required_cycle_s:.1f} s on these hours; it is {verdict} the ceiling."
        )
    return Panel(Text("\n".join(clean(line) for line in lines)),
                 title=plain(f"{name}: capacity arithmetic (before simulating)"),
                 border_style="cyan")


# A run of this many replications or more prints a preview once its first batch has finished.
PREVIEW_MIN_REPLICATIONS = 6


def _about(x: float) -> str:
    """A figure rounded to 3 significant digits: a preview must not look precise."""
    if x == 0 or not math.isfinite(x):
        return _n(x)
    digits = 2 - int(math.floor(math.log10(abs(x))))
    return _n(round(x, digits) if digits < 0 else x, max(0, min(digits, 2)))


def preview_text(annual: list[float], total: int, unit: str, horizon_s: float) -> str:
    """The labelled first answer from the first replications of a run (``annual``: their annual
    outputs, in the order they finished): a rounded mean and its wide interval."""
    from .estimate import t_interval  # (estimate loads the model's result types)

    iv = t_interval(annual)
    short = horizon_s < 365 * 86400 - 1e-6
    notes = [f"annualised from {span_text(horizon_s)}"] if short else []
    if iv["ci95"]:
        notes.append(f"95% CI {_about(iv['ci95'][0])}–{_about(iv['ci95'][1])}, wide")
    notes.append("the full run continues")
    return clean(f"Preview from {len(annual)} of {total} replications: about "
                 f"{_about(iv['mean'])} {plural(unit)} a year ({'; '.join(notes)})")


def summary_renderable(summary: dict) -> Group:
    met = summary["target"]["met"] if summary.get("target") else None
    style = "green" if met else ("red" if met is False else "white")
    verdict = Panel(plain(summary["verdict"]), title="verdict", border_style=style)

    unit = summary["unit"]
    key = Table(show_header=True, header_style="bold", box=None)
    key.add_column("measure")
    key.add_column("mean", justify="right")
    key.add_column("95% CI", justify="right")
    annual, tph = summary["annual_output"], summary["throughput_per_hour"]

    def ci(iv: dict, digits: int) -> str:
        return f"{_n(iv['ci95'][0], digits)} – {_n(iv['ci95'][1], digits)}" if iv["ci95"] else "—"

    key.add_row(plain(f"annual output ({plural(unit)})"), _n(annual["mean"]), ci(annual, 0))
    key.add_row(plain(f"throughput ({plural(unit)} per scheduled h)"), _n(tph["mean"], 2), ci(tph, 2))
    for variant, per_year in (summary.get("annual_output_by_product") or {}).items():
        key.add_row(plain(f"  of which {variant}"), _n(per_year), "")
    if summary.get("target"):
        t = summary["target"]
        key.add_row("P(one year ≥ target)", probability_text(t["probability"]),
                    f"{t['replications_reaching']}/{summary['replications']} reps reached")
    lost = summary.get("lost") or {}
    if lost.get("per_year"):  # arrivals turned away by a full queue (when_full: lose)
        share = lost.get("share_of_arrivals")
        key.add_row("lost arrivals a year", _n(lost["per_year"]),
                    f"{share:.1%} of arrivals" if share is not None else "")
        for source, row in (lost.get("by_source") or {}).items():  # each arrival source
            key.add_row(plain(f"  at {source}"), _n(row["per_year"]),
                        f"{row['loss_share']:.1%} of its arrivals")
    key.add_row("bottleneck (active-period)", plain(summary["bottleneck"] or "—"), "")
    key.add_row("WIP (mean)", _n(summary["wip_mean"], 1), "")
    lead = summary["lead_time_s"]["mean"]
    key.add_row("lead time (mean)", f"{lead / 60:,.1f} min" if lead is not None else "—", "")

    st = Table(title="station states (share of calendar time after warm-up)", header_style="bold")
    st.add_column("station")
    for state in STATE_NAMES:
        st.add_column(state.replace("_", "-"), justify="right")
    st.add_column("bottleneck", justify="right")
    for row in summary["stations"]:
        st.add_row(plain(row["name"]), *(f"{row[s]:.3f}" for s in STATE_NAMES),
                   f"{row['bottleneck_share']:.2f}")
    parts = [verdict, key, st]
    waits = [(row, w) for row in summary["stations"] for w in row.get("starved_for", ())]
    if waits:
        wt = Table(title="assembly stations starved, by the input the kit lacked "
                         "(time lacking two inputs counts for both)", header_style="bold")
        wt.add_column("station")
        wt.add_column("waiting for", no_wrap=True)
        for col in ("h/yr", "of sched.", "episodes/yr", "mean episode", "out of seq./yr"):
            wt.add_column(col, justify="right")
        for row, w in waits:
            mean = w["mean_s"]
            seq = (row.get("out_of_sequence_per_year") or {}).get(w["input"])
            wt.add_row(plain(row["name"]), plain(w["input"]), _n(w["hours_per_year"], 1),
                       f"{w['share_of_scheduled']:.2%}", _n(w["episodes_per_year"]),
                       f"{mean / 60:,.1f} min" if mean is not None else "—", _n(seq))
        parts.append(wt)
    if summary.get("engine"):
        parts.append(plain(engine_line(summary)))
    return Group(*parts)


def engine_line(record: dict) -> str:
    """'Engine: fast (compiled)' / 'Engine: simpy (fast engine not used: ...)' from a summary
    or manifest holding ``engine`` and ``engine_note``."""
    note = record.get("engine_note")
    return f"Engine: {record['engine']}" + (f" ({note})" if note else "")


# -- sweeps, improve, solve (issue 8): tables from points.csv, the ranking and the solve result --
def _na(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _pm(mean, low, high, sign: bool = False) -> str:
    """"519,000 ± 2,076": a mean and the half-width of its (symmetric t-) interval."""
    text = signed(mean) if sign else _n(None if _na(mean) else mean)
    return text if _na(low) or _na(high) else f"{text} ± {(high - low) / 2:,.0f}"


def sweep_points_table(points, meta: dict, top: int = 10) -> Table:
    """The best ``top`` points of a sweep by mean annual output (ties: lower point first), with
    the 95% interval, P(target), the paired difference to the base and its interval, and the
    factor values; the base is added at the end when it is not among them (the reference of
    every difference)."""
    target = target_of(meta)
    columns = factor_columns(meta)
    points = with_base_values(points, meta)
    ranked = points.assign(_missing=points["annual_mean"].isna()).sort_values(
        ["_missing", "annual_mean", "point"], ascending=[True, False, True], kind="stable")
    shown = ranked.head(top)
    base = ranked[ranked["point"] == BASE]
    extra = base if not base.empty and BASE not in set(shown["point"]) else base.iloc[0:0]
    unit = plural(meta.get("unit") or "unit")
    headers = ["#", "point"] + [axis_label(factor_meta(meta, c)) for c in columns]
    headers += ["annual output ± 95% CI"] + ([f"P(≥ {target[0]:,.0f})"] if target else [])
    headers += ["Δ vs base ± 95% CI", "reps"]

    def cells(rank: str, row) -> list:
        is_base = row["point"] == BASE
        out = [rank, "base" if is_base else f"{int(row['point'])}"]
        out += [plain(level_text(row[c], factor_meta(meta, c))) for c in columns]
        out.append(_pm(row["annual_mean"], row["annual_ci_low"], row["annual_ci_high"]))
        if target:
            p = row["p_target"]
            out.append(Text(percent(p), style="green" if not _na(p) and p >= target[1] - 1e-12
                            else ""))
        if is_base:
            out.append("(reference)")
        else:
            lo, hi = row["delta_annual_ci_low"], row["delta_annual_ci_high"]
            style = "" if _na(lo) or _na(hi) or lo <= 0 <= hi else ("green" if lo > 0 else "red")
            out.append(Text(_pm(row["delta_annual_mean"], lo, hi, sign=True), style=style))
        out.append(_n(None if _na(row["replications"]) else row["replications"]))
        return out

    rows = [cells(str(k + 1), row) for k, (_, row) in enumerate(shown.iterrows())]
    base_rank = str(int((ranked["point"].to_numpy() == BASE).argmax()) + 1)
    rows += [cells(base_rank, row) for _, row in extra.iterrows()]
    unit = plural(meta.get("unit") or "unit")
    table = _table(f"{meta.get('name', 'sweep')}: best {len(shown)} of {len(points)} points by "
                   f"mean annual output ({unit} a year)",
                   "Δ: paired difference to the base point under common random numbers "
                   "(t-interval over the replications both have); ± half-width of the 95% interval",
                   headers, rows, left=())
    if not extra.empty:  # the base below a line, dimmed: shown as the reference, not as a rank
        table.rows[len(shown) - 1].end_section = True
        table.rows[-1].style = "dim"
    return table


def _table(title: str, caption: str, headers: list[str], rows: list[list], left=(1,)) -> Table:
    """A table whose values never wrap (each column at least as wide as its widest value;
    headers wrap instead), numbers right-aligned, columns in ``left`` left-aligned."""
    table = Table(title=plain(title), caption=plain(caption), header_style="bold",
                  box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for k, header in enumerate(headers):
        width = max([cell_len(cell.plain if isinstance(cell, Text) else str(cell)) for cell in
                     (r[k] for r in rows)] + [1])
        table.add_column(plain(header), justify="left" if k in left else "right",
                         min_width=width, max_width=max(width, 11), overflow="fold")
    for r in rows:
        table.add_row(*r)
    return table


def improve_table(ranking, meta: dict, top: Optional[int] = None) -> Table:
    """The improve ranking in the order given (``improve.rank`` ranks): rank, candidate, the
    paired gain ± the half-width of its 95% interval, the capacity arithmetic's predicted gain and
    P(target) with the change. Gains whose interval excludes 0 are green (losses red); the others
    are not distinguishable from no change at these replications."""
    target = target_of(meta)
    rows = ranking if top is None else ranking.head(top)
    unit = plural(meta.get("unit") or "unit")
    shown = f"best {len(rows)} of {len(ranking)}" if len(rows) < len(ranking) else f"{len(ranking)}"
    headers = ["#", "candidate", "gain a year ± 95% CI", "arithmetic"]
    headers += [f"P(≥ {target[0]:,.0f}) after"] if target else []
    out = []
    for k, (_, row) in enumerate(rows.iterrows()):
        lo, hi, mean = row["delta_annual_ci_low"], row["delta_annual_ci_high"], row["delta_annual_mean"]
        style = "" if _na(lo) or _na(hi) else "green" if lo > 0 else "red" if hi < 0 else "dim"
        cells = [str(k + 1), plain(row["label"]), Text(_pm(mean, lo, hi, sign=True), style=style),
                 signed(row.get("predicted_gain"))]
        if target:
            cells.append(percent(row.get("p_target")))
        out.append(cells)
    return _table(f"{meta.get('name', 'improve')}: what buys the most ({shown} candidates, paired "
                  f"gain in {unit} a year)",
                  "gain: paired difference to the scenario as it is, under common random numbers, "
                  "± the half-width of its 95% t-interval (green: the interval excludes 0); "
                  "arithmetic: the capacity ceiling's gain", headers, out)


def _evaluation_at(evaluations: list[dict], value) -> Optional[dict]:
    if value is None:
        return None
    found = [e for e in evaluations if e.get("value") is not None
             and math.isclose(float(e["value"]), float(value), rel_tol=1e-12, abs_tol=1e-12)]
    return found[-1] if found else None


def solve_renderable(result: dict, name: Optional[str] = None) -> Group:
    """The solver's answer: the bracket (the last value that fails, the first that meets) with
    P ± its standard error at both ends, the replications spent, and every evaluation in the
    order it was run."""
    view = solve_view(result)
    target = (view["target"], view["confidence"]) if view["target"] is not None else None
    confidence = view["confidence"]
    factor = {"name": view["key"], "unit": view["unit"], "relative": False}
    evaluations = view["evaluations"]
    fail, meet = view["fail"], view["meet"]
    digits = None  # where the two ends of a bracket would read the same, enough decimals
    if (fail is not None and meet is not None and not result.get("integer")
            and level_text(fail, factor) == level_text(meet, factor)):
        width = abs(float(meet) - float(fail))
        digits = max(0, 1 - math.floor(math.log10(width))) if width > 0 else 6

    def level(value) -> str:
        if digits is None:
            return level_text(value, factor)
        return f"{float(value):.{digits}f}" + (f" {factor['unit']}" if factor["unit"] else "")

    def end(value, what: str) -> str:
        if value is None:
            return f"none found ({what})"
        e = _evaluation_at(evaluations, value)
        p = "" if e is None else (f": P = {percent(e.get('p'))}"
                                  + (f" (SE {percent(e.get('p_se'))})" if not _na(e.get("p_se")) else "")
                                  + (f", {e['n']} reps" if e.get("n") is not None else ""))
        return f"{level(value)}{p}"

    key = Table(show_header=False, box=None)
    key.add_column("what", style="bold")
    key.add_column("value")
    key.add_row("parameter", plain(result["key"]))
    goal = (f"P(annual output ≥ {target[0]:,.0f}) ≥ {percent(confidence)}" if target
            else f"P(target) ≥ {percent(confidence)}")
    key.add_row("goal", goal)
    key.add_row("fails at", plain(end(fail, "every value tried meets")))
    key.add_row("meets at", plain(end(meet, "no value tried meets")))
    if fail is not None and meet is not None and result.get("integer"):
        key.add_row("answer", plain(f"{level_text(meet, factor)} (the "
                                    f"{'smallest' if float(meet) > float(fail) else 'largest'} "
                                    "value that meets)"))
    elif fail is not None and meet is not None:
        key.add_row("answer", plain(f"between {level(fail)} and {level(meet)} (width "
                                    f"{level(abs(float(meet) - float(fail)))})"))
    key.add_row("cost", f"{len(evaluations)} evaluations, "
                        f"{_n(result.get('replications'))} replications")
    rows = []
    for k, e in enumerate(evaluations):
        p = e.get("p")
        ok = not _na(p) and p >= confidence - 1e-12
        rows.append([str(k + 1), plain(number(e.get("value"))),
                     Text(percent(p), style="green" if ok else "red"),
                     "—" if _na(e.get("p_se")) else percent(1.96 * e["p_se"]),
                     _n(e.get("n")), _n(e.get("annual_mean"))])
    value = f"value ({factor['unit']})" if factor["unit"] else "value"
    ev = _table("evaluations (in the order run)", "P(target): probability that one year reaches the "
                "target (t predictive, as in a run's verdict); ± 1.96·SE: its approximate 95% interval",
                ["#", value, "P(target)", "± 1.96·SE", "reps", "annual mean"], rows, left=())
    met = meet is not None
    panel = Panel(key, title=plain(f"{name + ': ' if name else ''}solve {result['key']}"),
                  border_style="green" if met else "red", expand=False)
    return Group(panel, ev)
