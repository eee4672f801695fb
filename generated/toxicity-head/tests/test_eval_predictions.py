# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_eval_predictions.py
"""Reading a predictions file (pipeline/evaluate.py: the eval step's own answers, or a
server's with make eval PREDICTIONS=file): a line torn by an interrupted write is
dropped and cut off for the resume; any other line that is not a prediction stops the
step with every such line named (left out, it would count as a missing answer); an id
answered twice keeps its first answer."""

import json

import pytest

from pipeline.evaluate import read_predictions


def write(path, lines: list[str]) -> None:
    path.write_bytes("".join(lines).encode("utf-8"))


def test_a_torn_last_line_is_dropped_and_cut_off_for_the_resume(tmp_path):
    path = tmp_path / "predictions.jsonl"
    good = json.dumps({"id": "a", "output": "x"}) + "\n" + json.dumps({"id": 2, "output": ""})
    write(path, [good + "\n", "\n", '{"id": "c", "out'])
    assert set(read_predictions(path)) == {"a", "2"}
    assert path.read_text(encoding="utf-8").endswith('"out')  # read alone: left as it is
    assert set(read_predictions(path, repair=True)) == {"a", "2"}
    assert path.read_text(encoding="utf-8") == good + "\n\n"


def test_a_missing_file_holds_no_predictions(tmp_path):
    assert read_predictions(tmp_path / "none.jsonl") == {}


def test_every_line_that_is_not_a_prediction_is_named(tmp_path):
    path = tmp_path / "predictions.jsonl"
    bad = [
        "not json",
        "[1, 2]",
        json.dumps({"output": "x"}),
        json.dumps({"id": True, "output": "x"}),
        json.dumps({"id": 1.5, "output": "x"}),
        json.dumps({"id": "a", "output": None}),
        json.dumps({"id": "a", "output": {"label": "x"}}),
    ]
    write(path, [json.dumps({"id": "ok", "output": "x"}) + "\n"] + [b + "\n" for b in bad])
    with pytest.raises(SystemExit) as stopped:
        read_predictions(path)
    message = str(stopped.value)
    assert f"{len(bad)} line(s) are not a prediction object (id, output)" in message
    for number, why in [
        (2, "not JSON"),
        (3, "a JSON list, not an object"),
        (4, 'no "id"'),
        (5, '"id" must be a string or an integer, not True'),
        (6, '"id" must be a string or an integer, not 1.5'),
        (7, '"output" must be the answer text, not None'),
        (8, "\"output\" must be the answer text, not {'label': 'x'}"),
    ]:
        assert f"line {number}: {why}" in message


def test_more_than_twenty_bad_lines_are_counted_past_the_twentieth(tmp_path):
    path = tmp_path / "predictions.jsonl"
    write(path, ["[]\n"] * 25)
    with pytest.raises(SystemExit, match=r"line 20: .*\n  \.\.\. and 5 more$"):
        read_predictions(path)


def test_an_id_answered_twice_keeps_its_first_answer_and_is_listed(tmp_path):
    path = tmp_path / "predictions.jsonl"
    lines = [json.dumps({"id": i, "output": o}) + "\n" for i, o in [("a", "1"), ("a", "2")]]
    write(path, lines)
    duplicates = []
    found = read_predictions(path, duplicates=duplicates)
    assert found["a"]["output"] == "1" and duplicates == ["a"]
