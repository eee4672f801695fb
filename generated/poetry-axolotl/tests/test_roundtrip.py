# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_roundtrip.py
"""The parser reads back every completion this project writes, and never raises."""

import json
from pathlib import Path

import pytest

from pipeline import data, schema
from pipeline.data import check_row, iter_rows
from pipeline.labels import format_value, render_completion
from pipeline.parse import PARSED, PARTIAL, UNPARSEABLE, parse

from .answers import example_labels
from .schema_rows import example_input

ROOT = Path(__file__).resolve().parent.parent


def test_prompt_pieces_render_as_the_whole_template():
    from pipeline import prompts

    inputs = {field["name"]: example_input(field, i) for i, field in enumerate(schema.INPUTS)}
    for template in (prompts._TEMPLATE, prompts._SYSTEM):
        if template is None:
            continue
        whole = template.env.render_bounded(template.whole, {**inputs, **template.constants})
        assert template.render(inputs) == whole


def test_every_source_row_round_trips():
    if data.HUB is not None:
        pytest.skip(f"a hub dataset ({data.HUB['id']}): make data reads it")
    source = data.default_sources()  # the spec's file, or its sources by name
    missing = [p for p in (source.values() if data.SOURCES else [source]) if not p.exists()]
    if missing:
        pytest.skip(f"source data not found: {', '.join(map(str, missing))}")
    checked = 0
    for number, row, problem in iter_rows(source):
        if problem:
            continue
        _, _, labels, problems = check_row(row, number)
        if problems:
            continue
        back = parse(render_completion(labels))
        assert back.status == PARSED, (number, back.problems)
        assert back.values == labels, number
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("i", range(10))
def test_schema_values_round_trip(i):
    labels = example_labels(i)
    back = parse(render_completion(labels))
    assert back.status == PARSED, back.problems
    assert back.values == labels


def test_every_allowed_value_round_trips():
    for field in schema.FIELDS:
        for value in field["values"] or []:
            labels = {**example_labels(0), field["name"]: value}
            assert parse(render_completion(labels)).values[field["name"]] == value


def test_tolerates_formatting_noise():
    labels = example_labels(1)
    completion = render_completion(labels)
    if schema.COMPLETION_FORMAT == "json":
        noisy = "Here you go:\n```json\n" + completion + "\n```"
    else:
        noisy = (
            "Sure! Here is my answer.\n```\n"
            + completion.upper().replace(":", " :")
            + "\n```\nHope this helps."
        )
        # Keys, categories, booleans and N/A are read whatever their case; free text is
        # the model's own words, so it comes back as the noise wrote it.
        labels = {
            name: value.upper()
            if schema.FIELD_BY_NAME[name]["type"] == "string" and value is not None
            else value
            for name, value in labels.items()
        }
    back = parse(noisy)
    assert back.values == labels


@pytest.mark.parametrize(
    "garbage",
    ["", "   ", "I cannot classify this poem.", "{", "```", "\x00\x01\x02", '{"a": [1, 2'],
)
def test_garbage_is_unparseable_not_an_exception(garbage):
    assert parse(garbage).status == UNPARSEABLE


def test_truncated_answer_is_partial():
    labels = example_labels(2)
    completion = render_completion(labels)
    back = parse(completion[: len(completion) // 2])
    assert back.status in (PARTIAL, UNPARSEABLE)
    assert all(labels[name] == value for name, value in back.values.items())
    assert back.problems


def noisy_forms(field: dict, value) -> list[str]:
    """The ways a model dresses a value that the parser reads as the value itself:
    quoted, in markdown emphasis, with a full stop, with a note in parentheses, and a
    number as a fraction of the field's own maximum."""
    text = format_value(value)
    forms = [f'"{text}"', f"**{text}**.", f"`{text}`;", f"{text} (as I read it)"]
    if field["type"] in ("integer", "number") and field["maximum"] is not None:
        forms.append(f"{text}/{format_value(field['maximum'])}")
    return forms


def dressable(field: dict, value) -> bool:
    """Values the dressing cannot change the meaning of: not free text (the model's own
    words, read as written), not not-applicable, no quotes, brackets or emphasis of their
    own, no stop at their end."""
    text = format_value(value) if value is not None else ""
    return (
        field["type"] != "string"
        and value is not None
        and not any(c in text for c in "\"'()`*_")
        and not text.endswith((".", ",", ";"))
    )


@pytest.mark.parametrize("form", range(5))
def test_dressed_values_read_as_the_values(form):
    checked = 0
    for i in range(6):
        labels = example_labels(i)
        raws = {name: format_value(value) for name, value in labels.items()}
        dressed = set()
        for field in schema.FIELDS:
            value = labels[field["name"]]
            forms = noisy_forms(field, value) if dressable(field, value) else []
            if form < len(forms):
                raws[field["name"]] = forms[form]
                dressed.add(field["name"])
        if not dressed:
            continue
        back = parse(render_completion(raws))  # the values as the text given
        assert back.status == PARSED, (raws, back.problems)
        assert back.values == labels, raws
        checked += 1
    if not checked:
        pytest.skip("no field's values take this dressing (free text, or quotes of their own)")


def test_an_answer_that_is_not_text_is_unparseable():
    for answer in (None, 7, ["a"], {"a": 1}):
        back = parse(answer)
        assert back.status == UNPARSEABLE
        assert back.problems == {"*": f"answer is {type(answer).__name__}, not text"}


def test_an_empty_value_is_not_read_as_not_applicable():
    labels = example_labels(0)
    name = schema.FIELD_NAMES[0]
    raws = {**{n: format_value(v) for n, v in labels.items()}, name: ""}
    back = parse(render_completion(raws))
    assert name not in back.values
    assert back.status in (PARTIAL, UNPARSEABLE)
    assert back.problems.get(name) or back.problems == {"*": "empty answer"}


def key_value_layout(values: dict) -> str:
    return "\n".join(f"{name}: {format_value(value)}" for name, value in values.items())


def json_layout(values: dict) -> str:
    return json.dumps({n: schema.NA_TOKEN if v is None else v for n, v in values.items()})


@pytest.mark.parametrize("layout", [key_value_layout, json_layout])
@pytest.mark.parametrize("i", range(3))
def test_an_answer_in_either_layout_is_read(layout, i):
    """Whatever the completions' format, a model that answers as key: value lines or as
    one JSON object is read."""
    labels = example_labels(i)
    back = parse("Answer:\n" + layout(labels))
    assert back.status == PARSED, back.problems
    assert back.values == labels


def test_a_json_answer_cut_short_keeps_its_complete_pairs():
    labels = example_labels(4)
    names = list(labels)
    text = json_layout(labels)
    cut = text[: text.rfind(json.dumps(names[-1]))] + json.dumps(names[-1]) + ": "
    back = parse(cut)
    assert back.values == {n: v for n, v in labels.items() if n != names[-1]}
    assert back.problems[names[-1]] == "missing"
