# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/distillation/runtime/pipeline/parse.py
"""Reading a model's answer as the JSON object the schema declares. Never raises.

Strict on purpose: the answer must be one JSON object (inside one ```json fence where
the spec allows it: schema.ALLOW_CODE_FENCE)
and nothing else, because whatever consumes the model's answers will parse it the
same way. Each answer is one of:

- parsed: valid JSON that matches the answer schema (then compared with the reference);
- schema_invalid: valid JSON that does not match the schema;
- unparseable: not JSON. ``cut`` tells whether the text stops inside an unclosed
  string, object or array: a truncated answer, reported apart from a malformed one.
"""

import re
from dataclasses import dataclass, field

from . import schema
from .labels import loads_strict, schema_problems

PARSED, SCHEMA_INVALID, UNPARSEABLE = "parsed", "schema_invalid", "unparseable"
PARTIAL = SCHEMA_INVALID  # the name the shared eval code uses for "read, but not whole"
_FENCE_RE = re.compile(r"^```(?:json)?[ \t]*\n(.*)\n```$", re.DOTALL)


@dataclass
class Parsed:
    status: str
    values: dict = field(default_factory=dict)  # the answer object when it is JSON
    problems: dict = field(default_factory=dict)  # "*" -> why it is not a valid answer
    cut: bool = False  # the text ends inside an unclosed string, object or array

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "values": self.values,
            "problems": self.problems,
            "cut": self.cut,
        }


def unclosed(text: str) -> bool:
    """Whether JSON text stops inside a string, object or array (it was cut off)."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return in_string or depth > 0


def parse(text) -> Parsed:
    """Parse one answer. Never raises: anything unreadable is reported, not thrown."""
    if not isinstance(text, str) or not text.strip():
        return Parsed(UNPARSEABLE, problems={"*": "empty answer"})
    body = text.strip()
    if schema.ALLOW_CODE_FENCE:
        fenced = _FENCE_RE.match(body)
        if fenced:
            body = fenced.group(1).strip()
    try:
        value = loads_strict(body)
    except (ValueError, RecursionError) as exc:
        cut = body.startswith(("{", "[")) and unclosed(body)
        return Parsed(UNPARSEABLE, problems={"*": f"not JSON: {exc}"[:300]}, cut=cut)
    if not isinstance(value, dict):
        return Parsed(
            SCHEMA_INVALID, problems={"*": f"a JSON {type(value).__name__}, not an object"}
        )
    problems = schema_problems(value)
    if problems:
        return Parsed(SCHEMA_INVALID, values=value, problems={"*": "; ".join(problems)})
    return Parsed(PARSED, values=value)


def parse_all(texts) -> list[Parsed]:
    return [parse(text) for text in texts]


def reads_back(values: dict) -> bool:
    """Never known without parsing: the data step parses every completion back."""
    return False
