# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/answers.py
"""Valid labels drawn from this project's own label schema, for the tests: every value
from its own field's domain (its values, its range, true/false, N/A where allowed)."""

import math

from pipeline import schema


def example_labels(i: int) -> dict:
    """A valid label dict for the schema, different for each ``i``."""
    return {field["name"]: example_value(field, i) for field in schema.FIELDS}


def example_value(field: dict, i: int):
    if field["allow_na"] and i % 5 == 4:
        return None
    if field["type"] == "categorical":
        return field["values"][i % len(field["values"])]
    if field["type"] == "boolean":
        return i % 2 == 0
    if field["type"] in ("integer", "number"):
        lo, hi = field["minimum"], field["maximum"]
        lo = lo if lo is not None else (hi - 9 if hi is not None else 0)
        hi = hi if hi is not None else lo + 9
        if field["type"] == "integer":
            lo, hi = math.ceil(lo), math.floor(hi)
            return lo + i % (hi - lo + 1)
        return float(min(hi, max(lo, lo + (hi - lo) * (i % 5) / 4)))
    return f"text {i}"
