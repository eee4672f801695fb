# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/labels.py
"""Label values: checking a data row's labels, and the completion they are written as.

A label value is a str (categorical or string), int, float or bool; None means
"does not apply" and is written as the not-applicable token. The completion is written
by the module of the spec's completion format (pipeline/key_value_answer.py,
json_answer.py or label_answer.py: a project has only its own).
"""

import math
import re
import unicodedata

from . import schema
from .paths import MISSING, PathError, value_at

if schema.COMPLETION_FORMAT == "label":
    from . import label_answer as _answer
elif schema.COMPLETION_FORMAT == "json":
    from . import json_answer as _answer
else:
    from . import key_value_answer as _answer

# Answers that mean "does not apply" (compared case-insensitively).
NA_FORMS = frozenset({"n/a", "na", "none", "null", "-", ""}) | (
    frozenset({schema.NA_TOKEN.casefold()}) if schema.NA_TOKEN is not None else frozenset()
)
TRUE_FORMS = frozenset({"true", "yes", "1"})
FALSE_FORMS = frozenset({"false", "no", "0"})
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INT_RE = re.compile(r"^[+-]?\d+$")


def normalize(value: str) -> str:
    """Categorical matching ignores case, spaces, - and _, and how the text is encoded in
    Unicode (NFKC: a decomposed "é" or a full-width "ａ" is the same letter)."""
    return re.sub(r"[\s_\-]+", " ", unicodedata.normalize("NFKC", value.strip().casefold()))


CATEGORIES = {
    f["name"]: {normalize(v): v for v in f["values"]}
    for f in schema.FIELDS
    if f["type"] == "categorical"
}
# Exact spellings, checked first (the common case) before normalising.
EXACT = {f["name"]: frozenset(f["values"]) for f in schema.FIELDS if f["type"] == "categorical"}


class LabelError(ValueError):
    """A label value that does not fit the schema."""


def coerce(field: dict, raw, *, strict: bool = False):
    """Turn ``raw`` into the field's value; raise LabelError saying why it cannot.

    ``strict`` (used for the data) refuses multi-line strings in key_value
    completions, which could not be read back.
    """
    name, ftype = field["name"], field["type"]
    if ftype == "categorical" and raw in EXACT[name]:
        return raw
    if raw is None or (isinstance(raw, str) and raw.strip().casefold() in NA_FORMS):
        if field["allow_na"]:
            return None
        raise LabelError(f"{name}: a value is required (not-applicable is not allowed)")
    if ftype == "categorical":
        if not isinstance(raw, str):
            raise LabelError(f"{name}: expected one of the allowed values, got {raw!r}")
        value = CATEGORIES[name].get(normalize(raw))
        if value is None:
            raise LabelError(f"{name}: {_short(raw)} is not an allowed value")
        return value
    if ftype == "string":
        if not isinstance(raw, str):
            raise LabelError(f"{name}: expected text, got {type(raw).__name__}")
        value = raw.strip()
        if strict and schema.COMPLETION_FORMAT == "key_value" and len(value.splitlines()) > 1:
            # Any line boundary (\n, \r, \x85, \u2028, ...) would split the answer line.
            raise LabelError(f"{name}: multi-line text cannot be written as a key: value line")
        return value
    if ftype == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().casefold()
        if text in TRUE_FORMS:
            return True
        if text in FALSE_FORMS:
            return False
        raise LabelError(f"{name}: expected true or false, got {_short(raw)}")
    if ftype == "integer":
        if isinstance(raw, bool):
            raise LabelError(f"{name}: expected an integer, got a boolean")
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, str) and _INT_RE.match(raw.strip()):
            raw = int(raw.strip())
        if not isinstance(raw, int):
            raise LabelError(f"{name}: expected an integer, got {_short(raw)}")
        return _in_range(field, raw)
    if ftype == "number":
        if isinstance(raw, bool):
            raise LabelError(f"{name}: expected a number, got a boolean")
        if isinstance(raw, str) and _NUMBER_RE.match(raw.strip()):
            raw = float(raw.strip())
        if not isinstance(raw, int | float) or not math.isfinite(raw):
            raise LabelError(f"{name}: expected a finite number, got {_short(raw)}")
        return _in_range(field, float(raw))
    raise LabelError(f"{name}: unknown field type {ftype!r}")


def _in_range(field: dict, value):
    lo, hi = field["minimum"], field["maximum"]
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise LabelError(f"{field['name']}: {value} is outside [{lo}, {hi}]")
    return value


def _short(raw) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


# Per field: the field, its name, and its exact spellings (none for other types).
_CHECKS = [(f, f["name"], EXACT.get(f["name"], frozenset())) for f in schema.FIELDS]


def gold_source(row: dict) -> dict | None:
    """What check_labels reads in a corpus row (its labels_key object, or the row), or
    None where the row has no label at all (predict scores the rows that have them)."""
    try:
        source = value_at(row, schema.LABELS_KEY) if schema.LABELS_KEY else row
        present = isinstance(source, dict) and any(
            value_at(source, f["path"] or f["name"], MISSING) is not MISSING for f in schema.FIELDS
        )
    except PathError:
        return None
    return source if present else None


def check_labels(source: dict) -> tuple[dict, list[str]]:
    """The labels of one data row, and the problems found (empty when valid). A field
    with a path is read there (pipeline/paths.py)."""
    values, problems = {}, []
    for field, name, exact in _CHECKS:
        if field["path"] is None:
            raw = source.get(name, MISSING)
        else:
            try:
                raw = value_at(source, field["path"], MISSING)
            except PathError as exc:
                problems.append(f"{name}: {exc}")
                continue
        if type(raw) is str and raw in exact:  # the common case, without a call
            values[name] = raw
        elif raw is MISSING:
            where = "" if field["path"] is None else f" (at {field['path']})"
            problems.append(f"{name}: missing label{where}")
        else:
            try:
                values[name] = coerce(field, raw, strict=True)
            except LabelError as exc:
                problems.append(str(exc))
    return values, problems


render_completion = _answer.render  # the answer a row's labels are written as


def format_value(value) -> str:
    if value is None:
        return schema.NA_TOKEN
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
