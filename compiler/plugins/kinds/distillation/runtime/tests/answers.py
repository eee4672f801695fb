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


TRIES = 25  # draws tried, from the i-th on, for one valid answer


def example_labels(i: int) -> dict:
    """A valid answer for the answer schema, different for each ``i`` where the schema
    allows: the first of draws i, i + 1, ... that the schema accepts (a draw may miss a
    keyword this does not read, or a float's rounding), else the test is skipped, saying
    why."""
    problems = ["no draw"]
    for k in range(i, i + TRIES):
        try:
            answer = example_answer(ROOT, k)
        except (RecursionError, ValueError) as exc:
            pytest.skip(f"no answer can be drawn from the answer schema here: {exc}")
        problems = schema_problems(answer)
        if not problems:
            return answer
    pytest.skip(f"no answer can be drawn from the answer schema here: {problems[0]}")


def resolved(node: dict) -> dict:
    """A copy of ``node`` with its local $ref followed (#/$defs/...; the keywords beside
    it apply too), its allOf merged in."""
    node = dict(node)
    for _ in range(32):
        ref = node.get("$ref")
        if not (isinstance(ref, str) and ref.startswith("#")):
            break
        target = ROOT
        for part in ref.lstrip("#").strip("/").split("/"):
            if part:
                target = target[part.replace("~1", "/").replace("~0", "~")]
        node = merged(target, {k: v for k, v in node.items() if k != "$ref"})
    else:
        raise ValueError("a cycle of $ref")
    for part in node.pop("allOf", []):
        node = merged(resolved(part), node)
    return node


def merged(base: dict, more: dict) -> dict:
    """Two subschemas that both apply: ``more``'s keywords over ``base``'s, their
    properties and required lists joined."""
    out = {**base, **more}
    if "properties" in base or "properties" in more:
        out["properties"] = {**base.get("properties", {}), **more.get("properties", {})}
    if "required" in base or "required" in more:
        out["required"] = [*base.get("required", []), *more.get("required", [])]
    return out


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
        if depth >= DEEP:  # deep down, one that does not refer further, where there is one
            options = [o for o in options if "$ref" not in str(o)] or options
        return example_answer(merged(rest, resolved(options[i % len(options)])), i, depth)
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
    """A value inside the bounds (the tighter of minimum and exclusiveMinimum, and of
    maximum and exclusiveMaximum), a multiple of multipleOf where given."""
    lows = [(node.get("minimum"), False), (node.get("exclusiveMinimum"), True)]
    highs = [(node.get("maximum"), False), (node.get("exclusiveMaximum"), True)]
    lo, lo_open = max(((v, o) for v, o in lows if v is not None), default=(None, False))
    hi, hi_open = min(((v, o) for v, o in highs if v is not None), default=(None, False))
    lo = lo if lo is not None else (hi - 9 if hi is not None else 0)
    hi = hi if hi is not None else lo + 9
    multiple = node.get("multipleOf")
    if kind == "integer" or multiple:
        step = multiple or 1
        first = math.floor(lo / step) + 1 if lo_open else math.ceil(lo / step)
        last = math.ceil(hi / step) - 1 if hi_open else math.floor(hi / step)
        k = first + i % max(1, last - first + 1)  # (none in range: the schema check says)
        value = k * step
        return int(value) if kind == "integer" and float(value).is_integer() else value
    # five points across the range, its open ends left out
    fraction = [1, 2, 3, 4, 5][i % 5] / 6 if lo_open or hi_open else (i % 5) / 4
    return float(lo + (hi - lo) * fraction)


def string(node: dict, i: int) -> str:
    text = FORMATS[node["format"]](i) if node.get("format") in FORMATS else f"text {i}"
    text = text.ljust(node.get("minLength", 0), "x")
    return text[: node["maxLength"]] if "maxLength" in node else text
