# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_predict.py
"""Predict over a corpus (pipeline/predict.py, pipeline/corpus.py) on rows built from
this project's own schema, with a stand-in engine that answers each row with labels of
its own: every row gets its answer or its reason, in input order; the same rows as CSV
(a text with a line break inside its quotes) give the same answers; a run stopped
part-way resumes to the bytes of one that ran through, asking only what was left; a
finished run is not asked again, and an unfinished one is not finished with other
settings."""

import csv
import json

import pytest

from pipeline import corpus, predict, schema
from pipeline.corpus import CorpusError
from pipeline.data import check_inputs
from pipeline.inference import Options
from pipeline.labels import render_completion

from .answers import example_labels
from .jsonl import lines, write
from .schema_rows import row

N = 12
OUTPUTS = ("predictions.jsonl", "predictions.csv", "rejects.jsonl", "summary.json")


class Stopped(Exception):
    """The stand-in engine stopped (a killed run)."""


def engine(asked: list, stop_after: int | None = None):
    """Answers each row with example_labels(its place in the input), recording which
    places were asked; raises Stopped after ``stop_after`` answers."""

    def stream(items, opts):
        for item in items:
            if stop_after is not None and len(asked) >= stop_after:
                raise Stopped
            asked.append(item["seq"])
            output = render_completion(example_labels(item["seq"]))
            yield item, {"output": output, "finish": "stop", "tokens": 3}

    return stream


def corpus_rows() -> list:
    """N rows (inputs and labels), with a line that is not JSON and a row without its
    inputs among them."""
    rows = [row(i) for i in range(N)]
    rows[3] = "{not json"
    rows[7] = {"unrelated": "column"}
    return rows


BAD = (3, 7)  # the places of the rows that cannot be asked


def run(source, out, stream, tok, *, batch_size=4):
    opts = Options(engine="local", batch_size=batch_size)
    return predict.run(source, out, opts, every=2, context=4096, tokenizer=tok, stream=stream)


def outputs(out) -> dict:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def answered(prediction: dict, columns: dict) -> dict:
    """The labels a prediction holds (``columns``: field -> its column)."""
    return {name: prediction[column] for name, column in columns.items()}


def expected(seq: int) -> dict:
    """The labels of row ``seq``'s prediction, as the prediction writes them."""
    labels = example_labels(seq)
    return {name: predict.NA if value is None else value for name, value in labels.items()}


def label_columns(source) -> dict:
    """field -> the column its answer is written in (the row's own columns keep their
    names: a field's column is renamed where the row has a column of that name)."""
    writer_columns = corpus.new_columns(
        corpus.scan(source)[0], schema.FIELD_NAMES, [], [*predict.TAIL, "answer"]
    )
    return writer_columns[0]


def test_every_row_gets_its_answer_or_its_reason(tmp_path, tok):
    source = tmp_path / "corpus.jsonl"
    write(source, corpus_rows())
    asked = []
    summary = run(source, tmp_path / "out", engine(asked), tok)
    assert asked == [i for i in range(N) if i not in BAD]
    predictions = lines(tmp_path / "out" / OUTPUTS[0])
    assert len(predictions) == len(asked)
    columns = label_columns(source)
    for seq, prediction in zip(asked, predictions, strict=True):
        source_row = row(seq)
        assert {key: prediction[key] for key in source_row} == source_row  # its own columns
        assert answered(prediction, columns) == expected(seq)
        assert prediction["parse_status"] == "parsed"
    rejects = lines(tmp_path / "out" / "rejects.jsonl")
    assert [r["row"] for r in rejects] == [seq + 1 for seq in BAD]
    assert rejects[0]["reason"].startswith("invalid JSON")
    assert rejects[1]["reason"] == "; ".join(check_inputs(corpus_rows()[7])[1])
    assert summary == json.loads((tmp_path / "out" / "summary.json").read_text())
    assert not (tmp_path / "out" / "checkpoint.json").exists()


def test_csv_rows_give_the_answers_of_the_same_rows_as_jsonl(tmp_path, tok):
    if any(spec["path"] for spec in schema.INPUTS):
        pytest.skip("inputs read at paths inside a row: a CSV has flat columns")
    rows = [row(i) for i in range(N)]
    names = [spec["name"] for spec in schema.INPUTS]
    with open(tmp_path / "corpus.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for r in rows:
            writer.writerow([json.dumps(r[n]) if isinstance(r[n], bool) else r[n] for n in names])
    write(tmp_path / "corpus.jsonl", [{n: r[n] for n in names} for r in rows])
    run(tmp_path / "corpus.csv", tmp_path / "csv", engine([]), tok)
    run(tmp_path / "corpus.jsonl", tmp_path / "jsonl", engine([]), tok)
    by_csv = lines(tmp_path / "csv" / OUTPUTS[0])
    by_jsonl = lines(tmp_path / "jsonl" / OUTPUTS[0])
    assert len(by_csv) == len(by_jsonl) == N
    columns = label_columns(tmp_path / "corpus.jsonl")
    assert columns == label_columns(tmp_path / "corpus.csv")
    for i, (a, b) in enumerate(zip(by_csv, by_jsonl, strict=True)):
        assert answered(a, columns) == answered(b, columns) == expected(i)
    texts = [spec["name"] for spec in schema.INPUTS if spec["type"] == "text"]
    for name in texts:  # a line break inside a quoted CSV cell is kept
        assert [p[name] for p in by_csv] == [r[name] for r in rows]


def test_a_stopped_run_resumes_to_the_bytes_of_one_that_ran_through(tmp_path, tok):
    source = tmp_path / "corpus.jsonl"
    write(source, corpus_rows())
    run(source, tmp_path / "whole", engine([]), tok)
    with pytest.raises(Stopped):
        run(source, tmp_path / "resumed", engine([], stop_after=5), tok)
    state = json.loads((tmp_path / "resumed" / "checkpoint.json").read_text())
    done = state["records"]
    assert 0 < done < N
    asked = []
    run(source, tmp_path / "resumed", engine(asked), tok)
    # The block of 4 it stopped in is asked again from its first row (the same batches).
    assert asked == [seq for seq in range(done - done % 4, N) if seq not in BAD]
    assert outputs(tmp_path / "resumed") == outputs(tmp_path / "whole")
    again = []
    run(source, tmp_path / "resumed", engine(again), tok)
    assert again == []  # a finished run is not asked again
    assert outputs(tmp_path / "resumed") == outputs(tmp_path / "whole")


def test_an_unfinished_run_is_not_finished_with_other_settings(tmp_path, tok):
    source = tmp_path / "corpus.jsonl"
    write(source, corpus_rows())
    with pytest.raises(Stopped):
        run(source, tmp_path / "out", engine([], stop_after=5), tok)
    with pytest.raises(CorpusError, match="batch_size: 4 then, 8 now"):
        run(source, tmp_path / "out", engine([]), tok, batch_size=8)
