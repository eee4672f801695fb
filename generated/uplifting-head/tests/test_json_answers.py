# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_json_answers.py
"""Answers written as one JSON object (completion_format: json; copied only there):
values that are not single values, and JSON cut short or broken."""

import json

from pipeline import schema
from pipeline.labels import render_completion
from pipeline.parse import PARSED, PARTIAL, parse

from .answers import example_labels


def test_a_list_or_object_where_a_value_belongs_is_not_read():
    labels = example_labels(0)
    name = schema.FIELD_NAMES[0]
    for wrong in ([labels[name]], {"value": labels[name]}):
        back = parse(json.dumps({**labels, name: wrong}))
        assert name not in back.values
        assert back.values == {n: v for n, v in labels.items() if n != name}
        assert back.status == (PARTIAL if len(labels) > 1 else "unparseable")
        assert back.problems[name] == f"{name}: expected a single value, got {type(wrong).__name__}"


def test_broken_json_gives_up_only_the_pairs_it_lost():
    labels = example_labels(3)
    completion = render_completion(labels)
    # Cut after the last pair's colon, then broken: the pairs before it still read.
    broken = completion[: completion.rfind(":") + 1] + " {{"
    back = parse("The answer: " + broken)
    last = schema.FIELD_NAMES[-1]
    assert last not in back.values
    assert back.values == {n: v for n, v in labels.items() if n != last}
    assert back.problems[last] == "missing"


def test_json_after_prose_and_before_a_remark_is_read():
    labels = example_labels(2)
    back = parse("Sure, here it is: " + render_completion(labels) + "\nLet me know {if} needed.")
    assert back.status == PARSED
    assert back.values == labels
