# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/json_grammar.py
"""The constraint of a JSON answer (completion_format json; copied only there): the
regex of the object with every field in order (pipeline/grammar.py's values), and its
JSON Schema (an OpenAI-compatible server's ``response_format``)."""

import json

from . import grammar, schema


def constraint() -> dict:
    """The JSON object with the keys in order (its regex) and its JSON Schema."""
    parts = [
        grammar.escape(json.dumps(f["name"], ensure_ascii=False))
        + ": "
        + grammar.value_regex(f, "json")
        for f in schema.FIELDS
    ]
    return {
        "regex": r"\{" + ", ".join(parts) + r"\}",
        "choice": None,
        "json_schema": json_schema(),
    }


def json_schema() -> dict:
    """The JSON Schema of a json answer: every field, in order, and nothing else."""
    properties = {}
    for f in schema.FIELDS:
        prop: dict = {}
        if f["type"] == "categorical":
            prop = {"enum": list(f["values"])}
        elif f["type"] == "string":
            prop = {"type": "string", "minLength": 1, "maxLength": grammar.string_cap()}
        elif f["type"] == "boolean":
            prop = {"type": "boolean"}
        else:
            prop = {"type": f["type"]}
            if f["minimum"] is not None:
                prop["minimum"] = f["minimum"]
            if f["maximum"] is not None:
                prop["maximum"] = f["maximum"]
        if f["allow_na"]:
            prop = {"anyOf": [prop, {"const": schema.NA_TOKEN}]}
        properties[f["name"]] = prop
    return {
        "type": "object",
        "properties": properties,
        "required": list(schema.FIELD_NAMES),
        "additionalProperties": False,
    }
