# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/json_answer.py
"""Answers as one JSON object (completion_format: json; copied only there)."""

import json

from . import schema


def render(values: dict) -> str:
    """The answer the model learns to write: the fields in the schema's order, a
    not-applicable value as the NA token."""
    return json.dumps(
        {
            name: schema.NA_TOKEN if values[name] is None else values[name]
            for name in schema.FIELD_NAMES
        },
        ensure_ascii=False,
    )


def read(body: str, readable, raw_pairs_key_value, raw_pairs_json) -> dict:
    """field -> raw values: the answer's JSON object, else key: value lines in it."""
    return raw_pairs_json(body) or raw_pairs_key_value(body)
