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


def with_base_values(points, meta: dict):
    """``points`` with the base row's factor values filled in where they are missing.

    The base point sets no factor, so its factor columns may be empty. A chart or a table needs
    them (the base's place on a response curve, its cell in a heatmap): a relative factor's base
    is ×1; otherwise the factor's ``"base"`` in the metadata when given; otherwise, for a grid of
    two or more factors, the one combination of the levels that no other point has (the grid
    point equal to the base is not repeated: it *is* point 0). Else the value stays missing.
    In a one-at-a-time sweep the other points' empty factors are at the base too, and filled.
    """
    import itertools

    import pandas as pd

    columns = [c for c in factor_columns(meta) if c in points.columns]
    is_base = points["point"] == 0
    if not is_base.any() or not columns:
        return points
    base = points.loc[is_base].iloc[0]
    fill = {}
    for c in columns:
        f = factor_meta(meta, c)
        if pd.isna(base[c]):
            if f.get("relative"):
                fill[c] = 1.0
            elif f.get("base") is not None:
                fill[c] = f["base"]
    design = meta.get("design") or "grid"
    design = next(iter(design), "grid") if isinstance(design, dict) else design
    missing = [c for c in columns if pd.isna(base[c]) and c not in fill]
    if missing and design == "grid" and len(columns) >= 2:
        others = points.loc[~is_base, columns].dropna()
        levels = [sorted(others[c].unique()) for c in columns]
        seen = {tuple(row) for row in others.itertuples(index=False)}
        absent = [combo for combo in itertools.product(*levels) if combo not in seen]
        known = {c: (fill.get(c, base[c])) for c in columns}
        absent = [combo for combo in absent
                  if all(pd.isna(known[c]) or combo[k] == known[c] for k, c in enumerate(columns))]
        if len(absent) == 1:
            fill.update({c: absent[0][k] for k, c in enumerate(columns) if c in missing})
    if not fill:
        return points
    points = points.copy()
    for c, v in fill.items():
        # one at a time: every other point holds this factor at its base value too
        points.loc[is_base | (points[c].isna() if design == "one_at_a_time" else False), c] = v
    return points


def solve_view(result: dict) -> dict:
    """The solve result as charts and tables read it: ``key``, ``unit``, ``fail`` and ``meet``
    (the bracket's ends, None when not found), ``evaluations``, ``confidence``, ``target``
    (annual output or None) and ``replications``. Takes the documented dict (``bracket:
    [fail, meet]``) or ``solve.SolveResult`` as a dict (``fails``/``meets`` evaluations)."""
    fail = meet = None
    if result.get("bracket") is not None:
        fail, meet = (list(result["bracket"]) + [None, None])[:2]
    else:
        fail = (result.get("fails") or {}).get("value")
        meet = (result.get("meets") or {}).get("value")
    target = target_of(result)
    confidence = result.get("confidence")
    if confidence is None:
        confidence = target[1] if target else 0.9
    return {"key": result["key"], "unit": result.get("unit") or "", "fail": fail, "meet": meet,
            "evaluations": list(result.get("evaluations") or []), "confidence": float(confidence),
            "target": target[0] if target else None, "replications": result.get("replications")}
