# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/sandbox.py
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

    def render_bounded(self, template, context: dict, reset: bool = True) -> str:
        """Render, refusing output longer than MAX_RENDER_CHARS (checked as it streams).
        ``reset`` starts a new loop budget (one per prompt)."""
        if reset:
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


# Statements whose effect can reach past themselves: a template that has any of these
# is always rendered whole.
_STATEFUL = (
    "Assign",
    "AssignBlock",
    "Macro",
    "CallBlock",
    "Block",
    "Extends",
    "Include",
    "Import",
    "FromImport",
    "With",
    "Scope",
    "ScopedEvalContextModifier",
    "FilterBlock",
)


class PromptTemplate:
    """A template rendered in pieces: the top-level pieces that do not read the row's
    inputs are rendered once, the rest per row. For templates with assignments, macros,
    blocks or includes it renders the template whole. Either way the output is the
    same as rendering the whole template (the generated tests check it)."""

    def __init__(self, env: BoundedSandbox, source: str, inputs, constants: dict) -> None:
        from jinja2 import nodes

        self.env = env
        self.constants = constants
        self.whole = env.from_string(source)
        tree = env.parse(source)
        stateful = tuple(getattr(nodes, name) for name in _STATEFUL if hasattr(nodes, name))
        self.pieces = None
        if any(True for _ in tree.find_all(stateful)):
            return
        inputs = set(inputs)
        pieces: list = []
        for node in tree.body:
            children = node.nodes if isinstance(node, nodes.Output) else [node]
            for child in children:
                found = [child, *child.find_all(nodes.Name)]  # find_all skips the node itself
                names = {n.name for n in found if isinstance(n, nodes.Name)}
                if isinstance(child, nodes.Name) and child.name in inputs:
                    pieces.append((child.name,))  # a bare {{ input }}: str() of the value
                    continue
                if isinstance(child, nodes.Node) and not isinstance(child, nodes.Stmt):
                    child = nodes.Output([child])
                compiled = env.from_string(nodes.Template([child]))
                if names & inputs:
                    pieces.append(compiled)
                else:
                    text = env.render_bounded(compiled, dict(constants))
                    if pieces and type(pieces[-1]) is str:
                        pieces[-1] += text
                    else:
                        pieces.append(text)
        self.pieces = pieces

    def render(self, inputs: dict) -> str:
        context = {**inputs, **self.constants}
        if self.pieces is None:
            return self.env.render_bounded(self.whole, context)
        self.env.budget.left = MAX_LOOP_BUDGET
        out, size = [], 0
        for piece in self.pieces:
            kind = type(piece)
            if kind is str:
                text = piece
            elif kind is tuple:
                text = str(context[piece[0]])  # what jinja prints for a defined value
            else:
                text = self.env.render_bounded(piece, context, False)
            size += len(text)
            if size > MAX_RENDER_CHARS:
                raise SecurityError(f"template output is longer than {MAX_RENDER_CHARS} characters")
            out.append(text)
        return "".join(out)


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
