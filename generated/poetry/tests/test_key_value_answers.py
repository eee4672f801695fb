# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_key_value_answers.py
"""Answers written as ``name: value`` lines (completion_format: key_value; copied only
there): what the parser does with a field the answer gives twice."""

from pipeline import schema
from pipeline.labels import format_value, render_completion
from pipeline.parse import PARSED, PARTIAL, parse

from .answers import example_labels, example_value


def test_a_field_repeated_with_another_value_keeps_the_first_and_says_so():
    first = example_labels(0)
    checked = 0
    for field in schema.FIELDS:
        name = field["name"]
        other = next(
            (v for i in range(1, 10) if (v := example_value(field, i)) != first[name]), None
        )
        if other is None:  # a field with one value
            continue
        back = parse(render_completion(first) + f"\n{name}: {format_value(other)}")
        assert back.status == PARTIAL, name
        assert back.values[name] == first[name]
        assert back.problems == {name: "repeated with different values; the first was kept"}
        checked += 1
    assert checked


def test_a_field_repeated_with_the_same_value_is_read_once():
    labels = example_labels(1)
    back = parse(render_completion(labels) + "\n\n" + render_completion(labels))
    assert back.status == PARSED
    assert back.values == labels
