# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/schema_rows.py
"""Source rows built from this project's own schema, for the tests of the steps that
read them (the data step, predict, the teacher): every input and every label in its
place, as a source file of the spec holds them."""

from pipeline import schema
from pipeline.labels import with_labels

from .answers import example_labels


def example_input(spec: dict, i: int):
    """A valid value for the input ``spec``, different for each ``i``."""
    return {
        "string": f"value {i}",
        "text": f"line one {i}\nline two",
        "integer": 1900 + i,
        "number": 0.5 + i,
        "boolean": i % 2 == 0,
    }[spec["type"]]


def put(row: dict, path: str, value) -> None:
    """``value`` at the dotted ``path`` of ``row`` (the objects on the way made)."""
    *parents, last = path.split(".")
    for key in parents:
        row = row.setdefault(key, {})
    row[last] = value


def good_row(i: int = 0) -> dict:
    """A valid source row for the schema: its id, every input at its path, and the
    labels example_labels(i) where the spec's rows keep them."""
    row = {} if schema.ID_FIELD is None else {schema.ID_FIELD: f"row-{i}"}
    for k, spec in enumerate(schema.INPUTS):
        put(row, spec["path"] or spec["name"], example_input(spec, k))
    return with_labels(row, example_labels(i))


def row(i: int) -> dict:
    """A valid row, its id and its inputs its own (no two rows share a prompt)."""
    built = good_row(i)
    for k, spec in enumerate(schema.INPUTS):
        if spec["type"] in ("string", "text"):
            put(built, spec["path"] or spec["name"], example_input(spec, 1000 * i + k))
    return built
