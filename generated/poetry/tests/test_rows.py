# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_rows.py
"""The row checks on this project's own schema (pipeline/data.py's check_row, the one
check of the data step, predict and the teacher): a row built from the schema passes,
and each kind of bad row is rejected with a reason that names the field and says why."""

import copy

import pytest

from pipeline import data, schema
from pipeline.data import check_row, row_label
from pipeline.labels import coerce

from .answers import example_labels
from .schema_rows import example_input, good_row, put

NUMBER = row_label(0, 1)  # the first source's first line


def problems_of(row: dict) -> list[str]:
    return check_row(row, NUMBER)[3]


def said(*reasons: str) -> list[str]:
    """The reasons as the row checks give them: a column that data.sources renames is
    named as the source's file names it."""
    if data.SOURCES:
        return data.mix.as_named(list(reasons), NUMBER)
    return list(reasons)


def without(row: dict, path: str) -> dict:
    """A copy of ``row`` without the value at ``path``."""
    row = copy.deepcopy(row)
    *parents, last = path.split(".")
    node = row
    for key in parents:
        node = node[key]
    del node[last]
    return row


def label_path(field: dict) -> str:
    path = field["path"] or field["name"]
    return f"{schema.LABELS_KEY}.{path}" if schema.LABELS_KEY else path


@pytest.mark.parametrize("i", range(5))
def test_a_row_built_from_the_schema_passes(i):
    row_id, inputs, labels, problems = check_row(good_row(i), NUMBER)
    assert problems == []
    assert labels == example_labels(i)
    assert inputs == {s["name"]: example_input(s, k) for k, s in enumerate(schema.INPUTS)}
    assert row_id is not None


WRONG_INPUT = {  # a value of another type, and what the check says about it
    "string": (12345, "expected text, got int"),
    "text": (["a", "list"], "expected text, got list"),
    "integer": ("nineteen", "expected an integer, got 'nineteen'"),
    "number": ("half", "expected a number, got 'half'"),
    "boolean": ("maybe", "expected true or false, got 'maybe'"),
}


@pytest.mark.parametrize("k", range(len(schema.INPUTS)))
def test_each_input_of_another_type_is_named_in_the_reason(k):
    spec = schema.INPUTS[k]
    value, reason = WRONG_INPUT[spec["type"]]
    row = good_row()
    put(row, spec["path"] or spec["name"], value)
    assert problems_of(row) == said(f"{spec['name']}: {reason}")
    put(row, spec["path"] or spec["name"], None)
    assert problems_of(row) == (said(f"{spec['name']}: missing") if spec["required"] else [])
    if spec["type"] in ("string", "text") and spec["max_chars"] is not None:
        put(row, spec["path"] or spec["name"], "x" * (spec["max_chars"] + 1))
        too_long = f"{spec['max_chars'] + 1} characters, more than {spec['max_chars']}"
        assert problems_of(row) == said(f"{spec['name']}: {too_long}")


def wrong_labels(field: dict) -> list:
    """Values the field refuses: another type, outside its values or range, a list or an
    object where one value belongs."""
    return [*wrong_scalars(field), ["a list"], {"an": "object"}]


def wrong_scalars(field: dict) -> list:
    ftype = field["type"]
    if ftype == "categorical":
        return ["not-one-of-the-values", 7]
    if ftype == "boolean":
        return ["maybe", 2]
    if ftype == "string":
        return [42] + (["two\nlines"] if schema.COMPLETION_FORMAT == "key_value" else [])
    wrong = ["many", True, float("nan")] + (["1.5", 1.5] if ftype == "integer" else [])
    if field["maximum"] is not None:
        wrong.append(field["maximum"] + 1)
    if field["minimum"] is not None:
        wrong.append(field["minimum"] - 1)
    return wrong


@pytest.mark.parametrize("k", range(len(schema.FIELDS)))
def test_each_bad_label_is_named_in_the_reason(k):
    field = schema.FIELDS[k]
    name = field["name"]
    row = without(good_row(), label_path(field))
    where = "" if field["path"] is None else f" (at {field['path']})"
    assert problems_of(row) == said(f"{name}: missing label{where}")
    prefix = said(f"{name}: ")[0]
    for value in wrong_labels(field):
        row = good_row()
        put(row, label_path(field), value)
        problems = problems_of(row)
        assert len(problems) == 1 and problems[0].startswith(prefix), (value, problems)
    row = good_row()
    put(row, label_path(field), "N/A")
    problems = problems_of(row)
    if field["allow_na"]:
        assert problems == [] and check_row(row, NUMBER)[2][name] is None
    else:
        assert problems == said(f"{name}: a value is required (not-applicable is not allowed)")


@pytest.mark.parametrize("k", range(len(schema.FIELDS)))
def test_each_label_is_read_in_its_forgiving_spellings(k):
    """What a model (or a hand-written file) may write for a valid value reads as it."""
    field = schema.FIELDS[k]
    value = example_labels(0)[field["name"]]
    if value is None:
        value = example_labels(1)[field["name"]]
    ftype = field["type"]
    spellings = {
        "categorical": lambda v: [f"  {v.upper()} ", v.replace(" ", "_")],
        "boolean": lambda v: [str(v).upper(), "yes" if v else "no", 1 if v else 0],
        "integer": lambda v: [str(v), f" {v} ", float(v)],
        "number": lambda v: [str(v), f" {v!r} ", int(v) if float(v).is_integer() else v],
        "string": lambda v: [f"  {v}  "],
    }[ftype](value)
    for spelled in spellings:
        assert coerce(field, spelled) == value, spelled


def test_a_row_without_its_id_or_its_labels_is_rejected():
    if schema.ID_FIELD is not None:  # (else rows are numbered)
        for bad in (None, "", True, [1]):
            problems = problems_of({**good_row(), schema.ID_FIELD: bad})
            assert problems == said(f"{schema.ID_FIELD}: missing or not a string/integer id"), bad
    if schema.LABELS_KEY:  # (else the labels are the row's own columns)
        for bad, says in ((None, "missing or not an object"), ("text", "the text 'text'")):
            row = good_row()
            put(row, schema.LABELS_KEY, bad)
            problems = problems_of(row)
            assert len(problems) == 1 and says in problems[0], problems
    row = good_row()
    for field in schema.FIELDS:
        row = without(row, label_path(field))
    assert problems_of(row) == said(
        *(
            f"{f['name']}: missing label" + ("" if f["path"] is None else f" (at {f['path']})")
            for f in schema.FIELDS
        )
    )
