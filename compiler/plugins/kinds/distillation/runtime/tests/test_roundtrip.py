# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/distillation/runtime/tests/test_roundtrip.py
"""Every reference answer round-trips; answers are classified strictly and never raise."""

import json
from pathlib import Path

import pytest

from pipeline import metrics, schema
from pipeline.data import check_row, default_sources, iter_rows
from pipeline.labels import check_labels, render_completion
from pipeline.parse import PARSED, SCHEMA_INVALID, UNPARSEABLE, parse

from .answers import example_labels

ROOT = Path(__file__).resolve().parent.parent


def references() -> list[dict]:
    found = []
    for number, row, problem in iter_rows(default_sources()):
        if problem:
            continue
        _, _, labels, problems = check_row(row, number)
        if not problems:
            found.append(labels)
    return found


def test_every_reference_answer_round_trips():
    sources = default_sources()  # name -> path for data.sources, else the one source
    paths = sources.values() if isinstance(sources, dict) else [sources]
    if not all(Path(path).exists() for path in paths):
        pytest.skip("source data not found")
    answers = references()
    assert answers
    for answer in answers:
        back = parse(render_completion(answer))
        assert back.status == PARSED, back.problems
        assert back.values == answer
        assert metrics.outcome(answer, back, "stop")[0] == "pass"


@pytest.mark.parametrize("i", range(10))
def test_answers_drawn_from_the_schema_round_trip(i):
    answer = example_labels(i)
    assert check_labels({schema.OUTPUT_FIELD: answer}) == (answer, [])
    back = parse(render_completion(answer))
    assert back.status == PARSED, back.problems
    assert back.values == answer
    assert metrics.outcome(answer, back, "stop")[0] == "pass"


def test_a_reference_that_breaks_the_schema_is_rejected_with_the_reason():
    _, problems = check_labels({schema.OUTPUT_FIELD: {"not_a_declared_key": 1}})
    assert problems and problems[0].startswith(
        f"{schema.OUTPUT_FIELD}: does not match the answer schema"
    )
    _, problems = check_labels({schema.OUTPUT_FIELD: '{"broken": '})
    assert problems and "not valid JSON" in problems[0]
    _, problems = check_labels({schema.OUTPUT_FIELD: '{"x": NaN}'})
    assert problems


@pytest.mark.parametrize(
    "garbage",
    ["", "   ", "I cannot answer that.", "```", "\x00\x01", "[1, 2", "{'single': 'quotes'}"],
)
def test_garbage_is_unparseable_not_an_exception(garbage):
    assert parse(garbage).status == UNPARSEABLE


def test_a_cut_off_answer_is_truncated_not_wrong():
    answer = example_labels(0)
    text = render_completion(answer)
    cut = parse(text[: len(text) // 2])
    assert cut.status == UNPARSEABLE and cut.cut
    assert metrics.outcome(answer, cut, "stop")[0] == "truncated"
    assert metrics.outcome(answer, parse("not json at all"), "length")[0] == "truncated"
    assert metrics.outcome(answer, parse("not json at all"), "stop")[0] == "unparseable"


def test_json_that_breaks_the_schema_is_schema_invalid():
    assert parse("[]").status == SCHEMA_INVALID
    assert parse(json.dumps({"not_a_declared_key": 1})).status in (SCHEMA_INVALID, PARSED)


def test_prose_around_the_answer_is_a_formatting_failure():
    answer = example_labels(0)
    back = parse("Sure! Here it is: " + render_completion(answer))
    assert back.status == UNPARSEABLE and not back.cut
