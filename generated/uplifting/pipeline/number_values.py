# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/number_values.py
"""Integer and number label values (pipeline/labels.py's coerce, which also reads the
model's answers back). A project has this module only where its label schema has an
integer or number field."""

import math
import re

from . import labels

_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INT_RE = re.compile(r"^[+-]?\d+$")


def integer_label(field: dict, raw) -> int:
    """``raw`` (an int, a whole float or its text) as the field's integer, in its range."""
    name = field["name"]
    if isinstance(raw, bool):
        raise labels.LabelError(f"{name}: expected an integer, got a boolean")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str) and _INT_RE.match(raw.strip()):
        raw = int(raw.strip())
    if not isinstance(raw, int):
        raise labels.LabelError(f"{name}: expected an integer, got {labels.short(raw)}")
    return _in_range(field, raw)


def number_label(field: dict, raw) -> float:
    """``raw`` (a finite int, float or its text) as the field's number, in its range."""
    name = field["name"]
    if isinstance(raw, bool):
        raise labels.LabelError(f"{name}: expected a number, got a boolean")
    if isinstance(raw, str) and _NUMBER_RE.match(raw.strip()):
        raw = float(raw.strip())
    if not isinstance(raw, int | float) or not math.isfinite(raw):
        raise labels.LabelError(f"{name}: expected a finite number, got {labels.short(raw)}")
    return _in_range(field, float(raw))


def _in_range(field: dict, value):
    lo, hi = field["minimum"], field["maximum"]
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise labels.LabelError(f"{field['name']}: {value} is outside [{lo}, {hi}]")
    return value
