# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/key_value_answer.py
"""Answers as one ``name: value`` line per field (completion_format: key_value; copied
only there)."""

from . import labels, schema

_PREFIXES = [f"{name}: " for name in schema.FIELD_NAMES]


def render(values: dict) -> str:
    """The answer the model learns to write: the fields in the schema's order."""
    return "\n".join(
        [
            prefix + (value if type(value) is str else labels.format_value(value))
            for prefix, value in zip(
                _PREFIXES, map(values.__getitem__, schema.FIELD_NAMES), strict=True
            )
        ]
    )
