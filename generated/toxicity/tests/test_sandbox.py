# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_sandbox.py
"""The sandbox the prompt template renders in (pipeline/sandbox.py): a template cannot
reach past its inputs or loop, multiply or write without bound, and one rendered in
pieces writes what the whole template writes."""

import pytest
from jinja2.sandbox import SecurityError

from pipeline import sandbox

INPUTS = {"text": "a review", "n": 3}


def render(source: str, inputs: dict = INPUTS) -> str:
    """``source`` rendered as a prompt template is, checked against the whole render."""
    env = sandbox.make_env()
    template = sandbox.PromptTemplate(env, source, list(inputs), {"label": "L"})
    text = template.render(inputs)
    assert text == env.render_bounded(template.whole, {**inputs, "label": "L"})
    return text


@pytest.mark.parametrize(
    "source, why",
    [
        ("{{ range(10**7) | length }}", "range"),
        ("{% for i in range(99999) %}{% for j in range(99) %}{% endfor %}{% endfor %}", "loops"),
        ("{{ 'x' * 10**6 }}", "too large"),
        ("{{ [1] * 200000 }}", "too large"),
        ("{{ 2 ** 1000 }}", "exponent"),
        ("{% for i in range(9999) %}{{ 'x' * 99999 }}{% endfor %}", "longer than"),
        ("{{ text }}{% for i in range(9999) %}{{ 'y' * 9999 }}{% endfor %}", "longer than"),
        ("{{ text.__class__.__mro__ }}", "unsafe"),
    ],
)
def test_work_without_bound_and_escapes_are_refused(source, why):
    env = sandbox.make_env()
    with pytest.raises(SecurityError, match=why):
        template = sandbox.PromptTemplate(env, source, list(INPUTS), {})
        template.render(INPUTS)


def test_an_undefined_name_is_an_error_not_an_empty_string():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError, match="missing"):
        render("{{ text }} {{ missing }}")


@pytest.mark.parametrize(
    "source",
    [
        "Review: {{ text }} ({{ n }})\n{{ label }} {{ 2 * 3 }} {{ 'ab' * 2 }} {{ 2 ** 5 }}",
        "{% set shout = text | upper %}{{ shout }} {{ label }}",
        "{% macro say(x) %}<{{ x }}>{% endmacro %}{{ say(text) }}{{ say(label) }}",
        "{% for i in range(n) %}{{ i }}{% endfor %} {{ text if n > 2 else label }}",
    ],
)
def test_pieces_render_as_the_whole_template(source):
    assert render(source)


def test_the_answer_skeleton_names_every_field_in_both_formats():
    fields = [{"name": "mood", "group": None}, {"name": "score", "group": "g"}]
    assert sandbox.answer_format(fields, "json") == '{"mood": ..., "score": ...}'
    assert sandbox.answer_format(fields, "key_value") == "mood: [value]\nscore: [value]"
    context = sandbox.schema_context(fields, "N/A", "key_value")
    assert context["groups"] == [{"name": "g", "fields": [fields[1]]}]
    assert context["field_names"] == ["mood", "score"] and context["n_fields"] == 2
