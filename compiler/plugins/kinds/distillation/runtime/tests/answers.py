# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/distillation/runtime/tests/answers.py
"""Valid answers drawn from this project's own answer schema, for the tests: every
property present, each value from its own subschema's domain (its const or enum, its
type, its range and lengths, its items), different for each draw. An answer schema
this cannot draw from (a string pattern, say) skips the test that asks, saying why."""

import math

import pytest

from pipeline import schema
from pipeline.labels import schema_problems

ROOT = schema.ANSWER_SCHEMA
FORMATS = {  # a string format's value (formats are annotations unless checked)
    "date": lambda i: f"2024-01-{1 + i % 28:02d}",
    "date-time": lambda i: f"2024-01-{1 + i % 28:02d}T12:00:00Z",
    "time": lambda i: f"12:{i % 60:02d}:00Z",
    "email": lambda i: f"user{i}@example.com",
    "uri": lambda i: f"https://example.com/{i}",
    "uuid": lambda i: f"00000000-0000-4000-8000-{i:012d}",
}


def example_labels(i: int) -> dict:
    """A valid answer for the answer schema, different for each ``i``."""
    answer = example_answer(ROOT, i)
    problems = schema_problems(answer)
    if problems:
        pytest.skip(f"no answer can be drawn from the answer schema here: {problems[0]}")
    return answer


def resolved(node: dict) -> dict:
    """A copy of ``node`` with its local $ref followed (#/$defs/...), its allOf merged in."""
    node = dict(node)
    while isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        target = ROOT
        for part in node["$ref"].lstrip("#").strip("/").split("/"):
            if part:
                target = target[part.replace("~1", "/").replace("~0", "~")]
        node = {**{k: v for k, v in node.items() if k != "$ref"}, **target}
    for part in node.pop("allOf", []):
        part = resolved(part)
        node = {
            **part,
            **node,
            "properties": {**part.get("properties", {}), **node.get("properties", {})},
        }
        node["required"] = [*part.get("required", []), *node.get("required", [])]
    return node


DEEP = 4  # below this depth, only what the schema requires (a schema may refer to itself)


def example_answer(node, i: int, depth: int = 0):
    """A value for the subschema ``node``."""
    if node is True or not isinstance(node, dict):
        return f"text {i}"
    node = resolved(node)
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][i % len(node["enum"])]
    options = node.get("anyOf") or node.get("oneOf")
    if options:  # one of them, in turn (the whole answer is checked against the schema)
        rest = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
        return example_answer({**rest, **resolved(options[i % len(options)])}, i, depth)
    kind = node.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"] or ["null"]
        kind = kinds[i % len(kinds)]
    if kind is None:
        kind = "object" if "properties" in node else "array" if "items" in node else "string"
    if kind == "object":
        properties = node.get("properties", {})
        if depth >= DEEP:
            properties = {k: v for k, v in properties.items() if k in node.get("required", [])}
        return {
            name: example_answer(sub, i + k, depth + 1)
            for k, (name, sub) in enumerate(properties.items())
        }
    if kind == "array":
        least = node.get("minItems", 0)
        size = least if depth >= DEEP else max(least, min(2, node.get("maxItems", 2)))
        prefix = node.get("prefixItems", [])
        return [
            example_answer(
                prefix[k] if k < len(prefix) else node.get("items", {}), i + k, depth + 1
            )
            for k in range(max(size, len(prefix)))
        ]
    if kind == "boolean":
        return i % 2 == 0
    if kind == "null":
        return None
    if kind in ("integer", "number"):
        return number(node, kind, i)
    return string(node, i)


def number(node: dict, kind: str, i: int):
    lo, hi = node.get("minimum"), node.get("maximum")
    step = 1 if kind == "integer" else 0.5
    if node.get("exclusiveMinimum") is not None:
        lo = node["exclusiveMinimum"] + step
    if node.get("exclusiveMaximum") is not None:
        hi = node["exclusiveMaximum"] - step
    lo = lo if lo is not None else (hi - 9 if hi is not None else 0)
    hi = hi if hi is not None else lo + 9
    if kind == "integer":
        lo, hi = math.ceil(lo), math.floor(hi)
        value = lo + i % (hi - lo + 1)
    else:
        value = float(min(hi, max(lo, lo + (hi - lo) * (i % 5) / 4)))
    multiple = node.get("multipleOf")
    if multiple:
        value = math.ceil(lo / multiple) * multiple + multiple * (i % 3)
        value = value if value <= hi else math.ceil(lo / multiple) * multiple
    return value


def string(node: dict, i: int) -> str:
    text = FORMATS[node["format"]](i) if node.get("format") in FORMATS else f"text {i}"
    text = text.ljust(node.get("minLength", 0), "x")
    return text[: node["maxLength"]] if "maxLength" in node else text
