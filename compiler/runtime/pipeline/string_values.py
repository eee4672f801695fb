# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/string_values.py
"""String label values (pipeline/labels.py's coerce, which also reads the model's answers
back). A project has this module only where its label schema has a string field."""

from . import labels, schema


def string_label(field: dict, raw, strict: bool) -> str:
    """``raw`` as a string label, stripped. ``strict`` (the data's labels) refuses text
    over several lines in key_value completions, which could not be read back."""
    name = field["name"]
    if not isinstance(raw, str):
        raise labels.LabelError(f"{name}: expected text, got {type(raw).__name__}")
    value = raw.strip()
    if strict and schema.COMPLETION_FORMAT == "key_value" and len(value.splitlines()) > 1:
        # Any line boundary (\n, \r, \x85, \u2028, ...) would split the answer line.
        raise labels.LabelError(f"{name}: multi-line text cannot be written as a key: value line")
    return value


def same_text(gold, answered) -> bool:
    """Whether an answered free text is the gold one (the metrics' comparison): without
    case or spacing; not-applicable matches only not-applicable."""
    if isinstance(gold, str) and isinstance(answered, str):
        return " ".join(gold.casefold().split()) == " ".join(answered.casefold().split())
    return gold == answered and type(gold) is type(answered)
