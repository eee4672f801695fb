# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/labels.py
"""Label values: checking a data row's labels, and the completion they are written as.

A label value is a str (categorical or string), int, float or bool; None means
"does not apply" and is written as the not-applicable token. The completion is written
by the module of the spec's completion format (pipeline/key_value_answer.py,
json_answer.py or label_answer.py: a project has only its own). Categorical values are
read here; string, boolean, integer and number values in string_values.py,
boolean_values.py and number_values.py, which a project has only where its label schema
has such a field (inputs of those types are read by input_values.py).
"""

import copy
import re
import unicodedata

from . import schema
from .paths import MISSING, PathError, value_at

if schema.COMPLETION_FORMAT == "label":
    from . import label_answer as ANSWER
elif schema.COMPLETION_FORMAT == "json":
    from . import json_answer as ANSWER
else:
    from . import key_value_answer as ANSWER
# The values of the other field types, in modules a project has only where its schema
# declares such a field: the schema's types are known here, so each branch of coerce
# below is one the project's answers can take.
TYPES = frozenset(f["type"] for f in schema.FIELDS)
if "string" in TYPES:
    from . import string_values
if "boolean" in TYPES:
    from . import boolean_values
if TYPES & {"integer", "number"}:
    from . import number_values

# Answers that mean "does not apply" (compared case-insensitively).
NA_FORMS = frozenset({"n/a", "na", "none", "null", "-", ""}) | (
    frozenset({schema.NA_TOKEN.casefold()}) if schema.NA_TOKEN is not None else frozenset()
)


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
    if ftype == "categorical" and type(raw) is str and raw in EXACT[name]:
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
            raise LabelError(f"{name}: {short(raw)} is not an allowed value")
        return value
    if ftype == "string":
        return string_values.string_label(field, raw, strict)
    if ftype == "boolean":
        return boolean_values.boolean_label(field, raw)
    if ftype == "integer":
        return number_values.integer_label(field, raw)
    if ftype == "number":
        return number_values.number_label(field, raw)
    raise LabelError(f"{name}: unknown field type {ftype!r}")


def short(raw) -> str:
    """``raw`` as shown in a message: its repr, cut at 60 characters."""
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


def with_labels(row: dict, values: dict) -> dict:
    """A copy of ``row`` with ``values`` where check_labels reads them (each field at its
    path, under the labels_key object where the spec has one): a teacher's labels."""
    out = copy.deepcopy(row)
    target = {} if schema.LABELS_KEY else out
    for field in schema.FIELDS:
        _set_at(target, field["path"] or field["name"], values[field["name"]])
    if schema.LABELS_KEY:
        _set_at(out, schema.LABELS_KEY, target)
    return out


def _set_at(row: dict, path: str, value) -> None:
    """Write ``value`` at ``path`` in ``row``, making the objects on the way (a value on
    the way that is not an object is replaced by one)."""
    *parents, last = path.split(".")
    node = row
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[last] = value


render_completion = ANSWER.render  # the answer a row's labels are written as


def format_value(value) -> str:
    if value is None:
        return schema.NA_TOKEN
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
