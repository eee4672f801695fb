"""User prompt templates: sandboxed, strict, bounded.

The generated project renders prompts with the same settings (see
templates/common/pipeline/prompts.py.j2); tests check that both agree.
"""

from __future__ import annotations

import operator

from jinja2 import StrictUndefined, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_RENDER_CHARS = 1_000_000
MAX_SEQUENCE_PRODUCT = 100_000


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox that also refuses huge `*` / `**` results."""

    intercepted_binops = frozenset({"*", "**"})

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


def make_env() -> BoundedSandbox:
    return BoundedSandbox(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def undeclared_names(env: BoundedSandbox, source: str) -> set[str]:
    return set(meta.find_undeclared_variables(env.parse(source)))


def answer_format(fields: list[dict], completion_format: str) -> str:
    """The answer skeleton shown to the model (``{{ answer_format }}``)."""
    if completion_format == "json":
        inner = ", ".join(f'"{f["name"]}": ...' for f in fields)
        return "{" + inner + "}"
    return "\n".join(f"{f['name']}: [value]" for f in fields)


def schema_context(fields: list[dict], na_token: str | None, completion_format: str) -> dict:
    groups: list[dict] = []
    for f in fields:
        if f["group"] is not None and (not groups or groups[-1]["name"] != f["group"]):
            existing = next((g for g in groups if g["name"] == f["group"]), None)
            if existing is None:
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
