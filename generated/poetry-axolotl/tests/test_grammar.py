# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_grammar.py
"""The constraint for constrained decoding (pipeline/grammar.py) on this project's own
schema: every completion this project writes is allowed by it, and a value outside a
field's values or range is not."""

import math
import re

import pytest

from pipeline import grammar, schema
from pipeline.labels import render_completion

from .answers import example_labels
from .test_rows import wrong_scalars

CONSTRAINT = grammar.constraint()
REGEX = re.compile(CONSTRAINT["regex"])


@pytest.mark.parametrize("i", range(12))
def test_every_completion_is_allowed(i):
    completion = render_completion(example_labels(i))
    assert REGEX.fullmatch(completion), completion
    if CONSTRAINT["choice"] is not None:  # a bare class: one of the choices
        assert completion in CONSTRAINT["choice"]


def test_the_json_schema_names_every_field_in_order_where_there_is_one():
    json_schema = CONSTRAINT["json_schema"]
    assert json_schema is None or (
        list(json_schema["properties"]) == json_schema["required"] == schema.FIELD_NAMES
    )


@pytest.mark.parametrize("field", schema.FIELDS, ids=schema.FIELD_NAMES)
def test_a_value_outside_the_field_is_not_allowed(field):
    too_long = "x" * (grammar.string_cap() + 1)  # free text is capped to end in time
    for wrong in [too_long] if field["type"] == "string" else wrong_scalars(field):
        if isinstance(wrong, float) and math.isnan(wrong):
            continue  # not a value a completion can be written with
        completion = render_completion({**example_labels(0), field["name"]: wrong})
        assert not REGEX.fullmatch(completion), (wrong, completion)
