# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_data_step.py
"""The data step (pipeline/data.py) on rows built from this project's own schema: clean
rows all become examples, the same bytes with one worker or two; each bad row is
rejected with its reason, and refused while the spec allows no rejects; a row too long
for the context, an empty source and a missing one stop the step, and it writes nothing.

The rows are measured with the stand-in tokenizer of conftest.py: the step's code path
is the one the model's tokenizer takes. Where the spec mixes data.sources, the rows are
the first source's (its renames applied as to its own file)."""

import pytest

from pipeline import data, schema
from pipeline.data import DataError, check_row
from pipeline.labels import render_completion, with_labels

from .answers import example_labels
from .jsonl import lines, write
from .schema_rows import put, row

N = 40


@pytest.fixture(autouse=True)
def jsonl_source(monkeypatch):
    """The rows are written as JSONL whatever the spec's own source format is (the
    checks after reading are the same)."""
    monkeypatch.setattr(schema, "SOURCE_FORMAT", "jsonl")
    if data.SOURCES:
        monkeypatch.setitem(data.SOURCES[0], "format", "jsonl")
        monkeypatch.setitem(data.mix.FORMATS, data.SOURCES[0]["name"], "jsonl")


def source_of(path):
    """What data.build reads: the file, or for data.sources the first source's name and
    the file."""
    return {data.SOURCES[0]["name"]: path} if data.SOURCES else path


def build(path, out, tokenizer, workers=1) -> dict:
    return data.build(source_of(path), out, tokenizer, workers)


def written(out) -> dict:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_clean_rows_become_examples_alike_with_one_worker_or_two(tmp_path, tokenizer):
    source = tmp_path / "rows.jsonl"
    write(source, [row(i) for i in range(N)])
    stats = build(source, tmp_path / "one", tokenizer)
    assert stats["rows"] == stats["accepted"] == N and stats["rejected"] == 0
    splits = stats["splits"]
    assert sum(split["examples"] for split in splits.values()) == N
    answers = set()
    for name, split in splits.items():
        path = tmp_path / "one" / f"{name}.jsonl"
        examples = lines(path) if split["examples"] else []
        # a balanced train split (oversample) or a source's weight (data.sources) writes
        # some examples more than once
        copies = split.get("written_after_mixing", split["examples"])
        assert len(examples) == split.get("written_after_oversampling", copies)
        answers |= {example["messages"][-1]["content"] for example in examples}
    assert answers == {render_completion(example_labels(i)) for i in range(N)}
    assert (tmp_path / "one" / "rejects.jsonl").read_text(encoding="utf-8") == ""
    build(source, tmp_path / "two", tokenizer, 2)
    assert written(tmp_path / "two") == written(tmp_path / "one")


@pytest.mark.parametrize("block", [64, 700])
def test_any_block_size_gives_the_same_bytes(tmp_path, tokenizer, monkeypatch, block):
    """Blocks smaller than a row (a row's line then ends its block) or holding a few rows,
    tokenized a few rows at a time, one worker or two: the bytes of one big block."""
    source = tmp_path / "rows.jsonl"
    write(source, [row(i) for i in range(N)])
    build(source, tmp_path / "whole", tokenizer)
    monkeypatch.setattr(data, "CHUNK_BYTES", block)
    monkeypatch.setattr(data, "CHUNK_ROWS", 3)
    for workers in (1, 2):
        stats = build(source, tmp_path / f"{workers}", tokenizer, workers)
        assert stats["rows"] == N
        assert written(tmp_path / f"{workers}") == written(tmp_path / "whole")


def bad_rows() -> list:
    """(line, the reason's start) for rows the data step must reject, in source order
    after N clean rows."""
    field = schema.FIELDS[0]["name"]
    wrong_label = with_labels(row(N + 1), {**example_labels(N + 1), field: ["not", "a", "value"]})
    # the row checks' own reason (each is tested on its own in test_rows.py)
    wrong = check_row(wrong_label, data.row_label(0, N + 3))[3]
    assert wrong and any(field in reason for reason in wrong), wrong
    same_prompt = row(N + 2)  # under another id, where rows have ids
    if schema.ID_FIELD is not None:
        same_prompt[schema.ID_FIELD] = "another-id"
    same_id = row(N + 3)
    if schema.ID_FIELD is not None:
        same_id[schema.ID_FIELD] = row(0)[schema.ID_FIELD]
    return [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "a row must be a JSON object, not list"),
        (wrong_label, wrong[0]),
        (row(N + 2), None),  # a clean row, then the same prompt again
        (same_prompt, "same prompt text (first at row"),
        (same_id, "duplicate id (first at row 1)" if schema.ID_FIELD is not None else None),
    ]


def test_each_bad_row_is_rejected_with_its_reason(tmp_path, tokenizer, monkeypatch):
    monkeypatch.setattr(schema, "MAX_REJECT_SHARE", 1.0)
    bad = bad_rows()
    source = tmp_path / "rows.jsonl"
    write(source, [row(i) for i in range(N)] + [r for r, _ in bad])
    stats = build(source, tmp_path / "out", tokenizer)
    rejects = lines(tmp_path / "out" / "rejects.jsonl")
    expected = [(N + 1 + k, why) for k, (_, why) in enumerate(bad) if why is not None]
    assert [r["row"] for r in rejects] == [data.row_label(0, n) for n, _ in expected]
    for record, (_, why) in zip(rejects, expected, strict=True):
        assert any(reason.startswith(why) for reason in record["reasons"]), record
    assert stats["rows"] == N + len(bad)
    assert stats["rejected"] == len(expected)
    assert stats["accepted"] == N + len(bad) - len(expected)


def test_a_reject_is_refused_where_the_spec_allows_none(tmp_path, tokenizer, monkeypatch):
    monkeypatch.setattr(schema, "MAX_REJECT_SHARE", 0.0)
    source = tmp_path / "rows.jsonl"
    write(source, [row(i) for i in range(N)] + ["{not json"])
    with pytest.raises(DataError, match=f"1 of {N + 1} rows rejected"):
        build(source, tmp_path / "out", tokenizer)
    assert not (tmp_path / "out" / "stats.json").exists()
    assert lines(tmp_path / "out" / "rejects.jsonl")[0]["row"] == data.row_label(0, N + 1)


def test_a_row_too_long_for_the_context_stops_the_step(tmp_path, tokenizer):
    texts = [s for s in schema.INPUTS if s["type"] in ("string", "text") and not s["max_chars"]]
    if not texts:
        pytest.skip("every text input has max_chars: no row can be too long")
    long_row = row(N)
    put(long_row, texts[0]["path"] or texts[0]["name"], "word " * (2 * schema.MAX_SEQ_LENGTH))
    source = tmp_path / "rows.jsonl"
    write(source, [row(i) for i in range(N)] + [long_row])
    with pytest.raises(DataError, match=f"max_seq_length={schema.MAX_SEQ_LENGTH}") as caught:
        build(source, tmp_path / "out", tokenizer)
    assert f"row {data.row_label(0, N + 1)}" in str(caught.value)
    assert not (tmp_path / "out" / "stats.json").exists()
    assert not list((tmp_path / "out").glob("*.jsonl.tmp"))


def test_an_empty_or_missing_source_stops_the_step(tmp_path, tokenizer):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="has no rows"):
        build(empty, tmp_path / "out", tokenizer)
    with pytest.raises(DataError, match="file not found: .*missing.jsonl"):
        build(tmp_path / "missing.jsonl", tmp_path / "out", tokenizer)
    assert not (tmp_path / "out" / "stats.json").exists()
