"""Stand-in for ``points.point_scenario`` (helper S's module) used by ``improve`` and ``solve``
until it lands: switch the two imports ``from ._point_local import ...`` to ``from .points import
...``; the signature and the meaning of a relative value are the same as in the design.

``point_scenario(base, overrides)`` works on ``base.resolved()`` (every default written out,
seconds everywhere), sets each dotted key with ``loader.set_dotted`` and validates the result with
``Scenario.model_validate``. A relative value multiplies the base value at the key: a number →
number × k; a distribution mapping → the distribution scaled by k (every time field scales, a cv
stays: mean × k, variance × k²); cycle times by product → each scaled.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable

from pydantic import ValidationError

from ..loader import set_dotted
from ..scenario import Scenario

_TIME_FIELDS = ("mean", "value", "sd", "min", "max", "mode", "low", "high")


class PointError(ValueError):
    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def get_dotted(data: Any, dotted: str) -> Any:
    """The value at a dotted path (list items by index or ``name``), KeyError if absent."""
    node = data
    for part in dotted.split("."):
        if isinstance(node, list):
            match = None
            if part.isdigit() and int(part) < len(node):
                match = int(part)
            else:
                for j, item in enumerate(node):
                    if isinstance(item, dict) and item.get("name") == part:
                        match = j
            if match is None:
                raise KeyError(f"{dotted}: no item {part!r}")
            node = node[match]
        elif isinstance(node, dict):
            if part not in node:
                raise KeyError(f"{dotted}: no key {part!r}")
            node = node[part]
        else:
            raise KeyError(f"{dotted}: {part!r} is below a value, not a mapping or list")
    return node


def scaled(value: Any, k: float) -> Any:
    """``value`` × k: a number, a distribution mapping (its time fields), or by-product times."""
    if isinstance(value, bool):
        raise TypeError("a yes/no value cannot be scaled")
    if isinstance(value, (int, float)):
        return value * k
    if isinstance(value, dict) and "by_product" in value:
        return {**value, "by_product": {p: scaled(v, k) for p, v in value["by_product"].items()}}
    if isinstance(value, dict) and "dist" in value:
        out = dict(value)
        for f in _TIME_FIELDS:
            if isinstance(out.get(f), (int, float)) and not isinstance(out.get(f), bool):
                out[f] = out[f] * k
        if isinstance(out.get("values"), list):
            out["values"] = [v * k for v in out["values"]]
        return out
    raise TypeError(f"cannot scale {value!r}")


def point_scenario(base: Scenario, overrides: Iterable[tuple[str, Any, bool]]) -> Scenario:
    """``base`` with each (dotted key, value, relative) set; PointError(key, why) if refused."""
    data = copy.deepcopy(base.resolved())
    last = ""
    for key, value, relative in overrides:
        last = key
        try:
            if relative:
                value = scaled(get_dotted(data, key), float(value))
            set_dotted(data, key, value)
        except (KeyError, TypeError) as exc:
            raise PointError(key, str(exc.args[0] if exc.args else exc)) from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PointError(last, f"refused by the scenario ({where}: {first['msg']})") from None
