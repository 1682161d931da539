"""Report: the terminal summary of a run, built from the summary dict only (no SimPy).

Stage: estimate (summary) ─► **report** ─► cli prints it. Also the capacity arithmetic shown
before simulating, so a target out of a line's reach is obvious at once.

Every user string (names, unit, verdict, paths) reaches rich as ``Text`` built by ``plain`` — never
as a markup string, so ``[sets]`` stays ``[sets]`` and ``seat [/]`` cannot break the report — and
``clean`` shows control and invisible characters as escapes (``\\x1b``), so no input can drive
the terminal.
"""

from __future__ import annotations

import unicodedata

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .capacity import CapacityCheck
from .states import STATE_NAMES
from .units import plural


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
        key.add_row("P(one year ≥ target)", f"{t['probability']:.3f}",
                    f"{t['replications_reaching']}/{summary['replications']} reps reached")
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
    return Group(*parts)
