# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/boolean_values.py
"""Boolean label values (pipeline/labels.py's coerce, which also reads the model's
answers back). A project has this module only where its label schema has a boolean
field."""

from . import labels

TRUE_FORMS = frozenset({"true", "yes", "1"})
FALSE_FORMS = frozenset({"false", "no", "0"})


def boolean_label(field: dict, raw) -> bool:
    """``raw`` as a boolean label: a bool, or true/yes/1 and false/no/0 in any case."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().casefold()
    if text in TRUE_FORMS:
        return True
    if text in FALSE_FORMS:
        return False
    raise labels.LabelError(f"{field['name']}: expected true or false, got {labels.short(raw)}")
