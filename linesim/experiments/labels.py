"""Labels of sweep factors and values, shared by the sweep charts and the terminal tables.

Stage: core ─► **labels** ─► charts (figures) and report (tables). Pure string formatting from the
sweep metadata dict (``{"name", "column", "unit", "relative"}`` per factor): no matplotlib, no rich,
so the tables do not load matplotlib and the charts and tables always say the same thing.

* durations are in seconds and carry " s"; relative factors read "×0.9" of the base;
* numbers have thousands separators; whole numbers no decimals (servers, places, shifts).
"""

from __future__ import annotations

import math
from typing import Any, Optional

from ..units import plural


def number(value: Any, digits: int = 4) -> str:
    """``value`` for a person: "—" for missing, thousands separators, no decimals on whole
    numbers or on large ones, else ``digits`` significant digits."""
    if value is None:
        return "—"
    if isinstance(value, (bool, str)):
        return str(value)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "—"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == round(v) or abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.{digits}g}"


def signed(value: Any) -> str:
    """A difference with its sign and thousands separators: "+12,300", "−450", "0", "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    v = float(value)
    text = f"{abs(v):,.0f}"
    return text if text == "0" else ("+" if v > 0 else "−") + text


def factor_meta(meta: dict, column: str) -> dict:
    """The factor of ``meta`` whose column (or name) is ``column``."""
    for f in meta.get("factors", ()):
        if f.get("column", f.get("name")) == column or f.get("name") == column:
            return f
    raise KeyError(f"no factor {column!r} in the sweep (factors: "
                   f"{', '.join(f.get('column', f.get('name', '?')) for f in meta.get('factors', ()))})")


def factor_columns(meta: dict) -> list[str]:
    """The factor columns of points.csv, in the sweep's order."""
    return [f.get("column", f["name"]) for f in meta.get("factors", ())]


def axis_label(factor: dict) -> str:
    """"set cycle (s)", "foam cycle (× base)", "servers"."""
    if factor.get("relative"):
        return f"{factor['name']} (× base)"
    return f"{factor['name']} ({factor['unit']})" if factor.get("unit") else factor["name"]


def level_text(value: Any, factor: dict) -> str:
    """One level of a factor: "42 s", "×0.9", "3"."""
    if factor.get("relative"):
        return f"×{number(value)}"
    text = number(value)
    return f"{text} {factor['unit']}" if factor.get("unit") and text != "—" else text


def output_label(meta: dict) -> str:
    """"sets per year" (Latin units pluralised, Chinese ones as written)."""
    return f"{plural(meta.get('unit') or 'unit')} per year"


def target_of(meta_or_result: dict) -> Optional[tuple[float, float]]:
    """(annual output, confidence) of the sweep's target, or None."""
    t = meta_or_result.get("target")
    if not t:
        return None
    if isinstance(t, dict):
        if t.get("annual_output") is None:
            return None
        return float(t["annual_output"]), float(t.get("confidence", meta_or_result.get("confidence", 0.9)))
    return float(t), float(meta_or_result.get("confidence", 0.9))


def percent(p: Any) -> str:
    """A probability as "93%", "99.5%" (one decimal at most, none when it is 0: "—" when missing)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "—"
    text = f"{100 * float(p):.1f}"
    return f"{text[:-2] if text.endswith('.0') else text}%"
