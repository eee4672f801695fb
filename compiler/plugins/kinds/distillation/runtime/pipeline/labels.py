# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/distillation/runtime/pipeline/labels.py
"""Reference answers: read from the source, checked against the answer schema, written.

A reference answer is a JSON object (or the text of one) in the OUTPUT_FIELD
column. It must match ANSWER_SCHEMA (JSON Schema, draft 2020-12): a row whose
reference does not is rejected by the data step with the schema's own message,
so the model never learns an answer the eval would fail. The completion is the
object as compact JSON, keys in the reference's order.
"""

import json
import math

from jsonschema import Draft202012Validator

from . import schema

VALIDATOR = Draft202012Validator(schema.ANSWER_SCHEMA)
MAX_SCHEMA_PROBLEMS = 3


class LabelError(ValueError):
    """A value that cannot be a reference answer."""


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def loads_strict(text: str):
    """json.loads without NaN and Infinity, which JSON does not have."""
    return json.loads(text, parse_constant=_no_constant)


def _where(error) -> str:
    return "$" + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
    )


def schema_problems(value) -> list[str]:
    """Why ``value`` does not match the answer schema ([] when it does), at most a few."""
    errors = sorted(VALIDATOR.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{_where(e)}: {e.message}"[:300] for e in errors[:MAX_SCHEMA_PROBLEMS]]


def _finite(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def gold_source(row: dict) -> dict | None:
    """The row itself where it has a reference answer (predict scores those), else None."""
    return row if row.get(schema.OUTPUT_FIELD) is not None else None


def with_labels(row: dict, answer: dict) -> dict:
    """``row`` with ``answer`` as its reference answer (a teacher's)."""
    return {**row, schema.OUTPUT_FIELD: answer}


def check_labels(row: dict) -> tuple[dict, list[str]]:
    """(reference answer, problems) from one source row."""
    name = schema.OUTPUT_FIELD
    raw = row.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}, [f"{name}: missing reference answer"]
    if isinstance(raw, str):
        try:
            raw = loads_strict(raw)
        except ValueError as exc:
            return {}, [f"{name}: not valid JSON ({exc})"[:300]]
    if not _finite(raw):
        return {}, [f"{name}: NaN or infinite number"]
    problems = schema_problems(raw)
    if problems:
        return {}, [f"{name}: does not match the answer schema: {p}" for p in problems]
    return raw, []


def render_completion(answer: dict) -> str:
    return json.dumps(answer, ensure_ascii=False)


def format_value(value) -> str:
    """How a value is shown in reports."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
