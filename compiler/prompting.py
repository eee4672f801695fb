"""User prompt templates at compile time: the same sandbox the generated project uses."""

from __future__ import annotations

from jinja2 import meta

from .runtime.pipeline.sandbox import (  # noqa: F401 - re-exported for the checks and tests
    MAX_RENDER_CHARS,
    BoundedSandbox,
    answer_format,
    make_env,
    schema_context,
)


def undeclared_names(tree) -> set[str]:
    """Names a parsed template reads from its context (``range`` is a sandbox global)."""
    return set(meta.find_undeclared_variables(tree)) - {"range"}
