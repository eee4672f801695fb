"""The jinja2 sandbox for user prompt templates.

This file is copied verbatim into every generated project as pipeline/sandbox.py,
so the compiler's checks and the project render prompts with the same code. It
must import nothing but the standard library and jinja2.

The environment is immutable (no attribute escapes, no mutation of the context),
undefined names are errors, and work is bounded: `range` is capped per call and
across a render, `*` and `**` on large operands are refused, and rendering
stops once the output passes MAX_RENDER_CHARS.
"""

import operator
from itertools import islice

from jinja2 import StrictUndefined
from jinja2.sandbox import MAX_RANGE, ImmutableSandboxedEnvironment, SecurityError

MAX_RENDER_CHARS = 1_000_000
MAX_SEQUENCE_PRODUCT = 100_000
MAX_LOOP_BUDGET = 1_000_000  # range() items per render, all loops together


class _Budget:
    left = MAX_LOOP_BUDGET


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox with bounded loops, products and output."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options):
        super().__init__(**options)
        self.budget = _Budget()
        self.globals["range"] = self._range

    def _range(self, *args):
        items = range(*args)
        if len(items) > MAX_RANGE:
            raise SecurityError(f"range of {len(items)} items is too large")
        self.budget.left -= len(items)
        if self.budget.left < 0:
            raise SecurityError("template loops too much")
        return items

    def call_binop(self, context, operator_name, left, right):
        if operator_name == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    if len(seq) * times > MAX_SEQUENCE_PRODUCT:
                        raise SecurityError("template output would be too large")
            return operator.mul(left, right)
        if operator_name == "**":
            if isinstance(right, int) and abs(right) > 100:
                raise SecurityError("exponent too large in template")
            return operator.pow(left, right)
        return super().call_binop(context, operator_name, left, right)

    def render_bounded(self, template, context: dict) -> str:
        """Render, refusing output longer than MAX_RENDER_CHARS (checked as it streams)."""
        self.budget.left = MAX_LOOP_BUDGET
        stream = template.generate(context)
        parts, size = [], 0
        while True:
            batch = "".join(islice(stream, 64))  # checked every 64 pieces of output
            if not batch:
                return "".join(parts)
            size += len(batch)
            if size > MAX_RENDER_CHARS:
                raise SecurityError(f"template output is longer than {MAX_RENDER_CHARS} characters")
            parts.append(batch)


def make_env() -> BoundedSandbox:
    return BoundedSandbox(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def answer_format(fields: list[dict], completion_format: str) -> str:
    """The answer skeleton shown to the model (``answer_format`` in the template)."""
    if completion_format == "json":
        inner = ", ".join(f'"{f["name"]}": ...' for f in fields)
        return "{" + inner + "}"
    return "\n".join(f"{f['name']}: [value]" for f in fields)


def schema_context(fields: list[dict], na_token, completion_format: str) -> dict:
    """What a template gets from the label schema, besides the row's inputs."""
    groups: list[dict] = []
    for f in fields:
        if f["group"] is not None and all(g["name"] != f["group"] for g in groups):
            groups.append({"name": f["group"], "fields": []})
    for g in groups:
        g["fields"] = [f for f in fields if f["group"] == g["name"]]
    return {
        "fields": fields,
        "field_names": [f["name"] for f in fields],
        "groups": groups,
        "n_fields": len(fields),
        "na_token": na_token,
        "answer_format": answer_format(fields, completion_format),
    }
