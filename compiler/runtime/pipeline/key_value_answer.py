# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/key_value_answer.py
"""Answers as one ``name: value`` line per field (completion_format: key_value; copied
only there)."""

import re

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


def exact_pattern():
    """One regex for the answer lines written as the completions are (any case): the
    parser's fast path, where every field is categorical (pipeline/exact_answers.py)."""
    lines = []
    for f in schema.FIELDS:
        options = list(f["values"]) + ([schema.NA_TOKEN] if f["allow_na"] else [])
        alternatives = "|".join(re.escape(v) for v in sorted(options, key=len, reverse=True))
        lines.append(re.escape(f["name"]) + ": (" + alternatives + ") *")
    return re.compile("^" + "\n".join(lines) + "$", re.IGNORECASE | re.MULTILINE)


def read(body: str, readable, raw_pairs_key_value, raw_pairs_json) -> dict:
    """field -> raw values: the answer's key: value lines, else a JSON object in it."""
    return raw_pairs_key_value(body) or raw_pairs_json(body)
