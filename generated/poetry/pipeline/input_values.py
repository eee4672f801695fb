# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/input_values.py
"""Boolean, integer and number inputs, as the row checks of pipeline/data.py read them
(text inputs are read there). A project has this module only where its spec declares an
input of one of these types."""

import math


def boolean_input(spec: dict, raw) -> tuple:
    """(value, None) for a boolean input (a bool, or the text true or false), or (None,
    the problem)."""
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, str) and raw.strip().casefold() in ("true", "false"):
        return raw.strip().casefold() == "true", None
    return None, f"{spec['name']}: expected true or false, got {raw!r}"[:200]


def number_input(spec: dict, raw) -> tuple:
    """(value, None) for an integer or number input, or (None, the problem)."""
    name, ftype = spec["name"], spec["type"]
    if isinstance(raw, bool):
        return None, f"{name}: expected a {ftype}, got a boolean"
    try:
        value = int(raw) if ftype == "integer" and not isinstance(raw, float) else float(raw)
    except (TypeError, ValueError):
        expected = "an integer" if ftype == "integer" else "a number"
        return None, f"{name}: expected {expected}, got {raw!r}"[:200]
    if ftype == "integer" and isinstance(raw, float) and not raw.is_integer():
        return None, f"{name}: expected an integer, got {raw!r}"
    if isinstance(value, float) and not math.isfinite(value):
        return None, f"{name}: expected a finite number"
    return (int(value) if ftype == "integer" else value), None
