# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_metrics.py
"""The eval step's metrics (pipeline/metrics.py) on this project's own schema: answers
equal to the gold labels score 1 on every field, answers not read score 0, a wrong
field costs that field only, and a field's confusion counts what was answered."""

import pytest

from pipeline import metrics, schema
from pipeline.labels import format_value
from pipeline.parse import PARSED, PARTIAL, UNPARSEABLE, Parsed

from .answers import example_labels, example_value

N = 10


def golds() -> list[dict]:
    return [example_labels(i) for i in range(N)]


def other_value(field: dict, value):
    """A valid value of ``field`` other than ``value``; None where it has one only."""
    return next((v for i in range(N) if (v := example_value(field, i)) != value), None)


def test_answers_equal_to_the_gold_labels_score_one():
    gold = golds()
    result = metrics.compute(gold, [Parsed(PARSED, dict(labels), {}) for labels in gold])
    assert result["examples"] == N
    assert result["answers"][PARSED] == N
    summary = result["summary"]
    assert summary["exact_match"] == summary["parse_rate"] == summary["min_field_accuracy"] == 1
    for name, entry in result["fields"].items():
        assert entry["accuracy"] == entry["accuracy_when_parsed"] == 1, name
        assert entry["parsed"] == N
        if "macro_f1" in entry:  # categorical and boolean fields
            assert entry["macro_f1"] == 1, name
            for label, row in entry["confusion"].items():
                assert set(row) == {label}, name  # every answer on the diagonal


def test_answers_not_read_score_zero_and_are_counted_as_such():
    gold = golds()
    unread = [Parsed(UNPARSEABLE, {}, {"*": "empty answer"}) for _ in gold]
    result = metrics.compute(gold, unread, truncated=2, missing=1)
    assert result["answers"] == {
        PARSED: 0,
        PARTIAL: 0,
        UNPARSEABLE: N,
        "truncated": 2,
        "missing": 1,
    }
    summary = result["summary"]
    assert summary["exact_match"] == summary["parse_rate"] == summary["mean_field_accuracy"] == 0
    for name, entry in result["fields"].items():
        assert entry["accuracy"] == 0 and entry["parsed"] == 0, name
        assert entry["accuracy_when_parsed"] is None, name
        if "confusion" in entry:
            assert entry["macro_f1"] == 0, name
            assert sum(sum(row.values()) for row in entry["confusion"].values()) == N
            assert all(set(row) == {"<unparsed>"} for row in entry["confusion"].values())


@pytest.mark.parametrize("field", schema.FIELDS, ids=schema.FIELD_NAMES)
def test_a_wrong_field_costs_that_field_only(field):
    gold = golds()
    name = field["name"]
    answers = []
    for labels in gold:
        other = other_value(field, labels[name])
        if other is None:
            pytest.skip(f"{name} has one value only")
        answers.append(Parsed(PARSED, {**labels, name: other}, {}))
    result = metrics.compute(gold, answers)
    assert result["fields"][name]["accuracy"] == 0
    assert result["summary"]["exact_match"] == 0
    for other_name, entry in result["fields"].items():
        if other_name != name:
            assert entry["accuracy"] == 1, other_name
    entry = result["fields"][name]
    if "confusion" in entry:
        said = {
            (format_value(labels[name]), format_value(answer.values[name]))
            for labels, answer in zip(gold, answers, strict=True)
        }
        cells = {(g, p) for g, row in entry["confusion"].items() for p in row}
        assert cells == said
        assert entry["macro_f1"] == 0


def test_free_text_is_compared_without_case_or_spacing():
    strings = [f for f in schema.FIELDS if f["type"] == "string"]
    if not strings:
        pytest.skip("no free-text field")
    gold = golds()
    answers = []
    for labels in gold:
        answered = dict(labels)
        for field in strings:
            value = labels[field["name"]]
            if value is not None:
                answered[field["name"]] = "  " + value.upper().replace(" ", "   ") + " "
        answers.append(Parsed(PARSED, answered, {}))
    result = metrics.compute(gold, answers)
    for field in strings:
        assert result["fields"][field["name"]]["accuracy"] == 1


def test_answers_and_golds_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="2 gold examples but 1 answers"):
        metrics.compute(golds()[:2], [Parsed(PARSED, example_labels(0), {})])
