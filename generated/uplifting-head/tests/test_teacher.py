# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_teacher.py
"""The teacher's label step (pipeline/teacher.py, pipeline/llm.py) on rows built from
this project's own schema, against a stand-in teacher on the loopback interface: each
row gets the teacher's labels where a gold row keeps them, or is quarantined with its
reason after its re-asks; labelling waits for a passed calibration; a budget stops the
run and the next one asks nothing twice; the Batch API round trip fills the same cache."""

import dataclasses
import json

import pytest

from pipeline import data, llm, schema, teacher
from pipeline.labels import format_value, render_completion

from .answers import example_labels
from .jsonl import lines, write
from .schema_rows import row
from .stand_in_server import Server

N = 8
GARBAGE = 5  # the row the teacher answers with no labels at all


def prompt(i: int) -> str:
    inputs, problems = data.check_inputs(row(i))
    assert not problems
    return teacher.messages(inputs)[-1]["content"]


def taught(i: int) -> dict:
    """The teacher's labels for row ``i`` (not its gold ones: they are overwritten)."""
    return example_labels(i + 1)


@pytest.fixture
def server(tmp_path, monkeypatch):
    answers = {prompt(i): render_completion(taught(i)) for i in range(N)}
    answers[prompt(GARBAGE)] = "I would rather not say."
    stand_in = Server(answers)
    monkeypatch.setenv("TEACHER_TEST_KEY", "test")
    monkeypatch.setattr(schema, "SOURCE_FORMAT", "jsonl")  # the rows are written as JSONL
    monkeypatch.setattr(teacher, "WORK", tmp_path / "teacher")
    settings = dataclasses.replace(
        teacher.SETTINGS,
        base_url=stand_in.url,
        api_key_env="TEACHER_TEST_KEY",
        concurrency=2,
        retries=1,
        price_input=1000.0,
        price_output=1000.0,
        budget=None,
    )
    monkeypatch.setattr(teacher, "SETTINGS", settings)
    monkeypatch.setitem(teacher.T, "reasks", 1)
    yield stand_in
    stand_in.httpd.shutdown()
    stand_in.httpd.server_close()


@pytest.fixture
def source(tmp_path):
    """N rows, a line that is not JSON and a row without its inputs after them."""
    path = tmp_path / "to_label.jsonl"
    write(path, [row(i) for i in range(N)] + ["{not json", {"unrelated": 1}])
    return path


def number(path, line: int):
    """How the teacher names line ``line`` of the file at ``path`` (with data.sources, a
    file to label is a source of its own: "<file stem>:<line>")."""
    return f"{path.stem}:{line}" if data.SOURCES else line


def label(source, out, *more: str) -> int:
    return teacher.main(["label", str(source), "--out", str(out), *more])


def test_each_row_gets_the_teachers_labels_or_its_reason(tmp_path, server, source):
    out = tmp_path / "labelled.jsonl"
    assert label(source, out, "--override") == 0
    labelled = lines(out)
    good = [i for i in range(N) if i != GARBAGE]
    assert len(labelled) == len(good)
    for i, written in zip(good, labelled, strict=True):
        # where the data step reads them (as the first source's rows, with data.sources)
        assert data.check_row(written, data.row_label(0, i + 1))[2] == taught(i)
    quarantined = lines(out.with_name("labelled.quarantine.jsonl"))
    assert [q["row"] for q in quarantined] == [
        number(source, n) for n in (GARBAGE + 1, N + 1, N + 2)
    ]
    assert quarantined[0]["reason"].startswith("unparseable")
    assert quarantined[0]["answer"] == "I would rather not say."
    assert quarantined[1]["reason"].startswith("unreadable row: invalid JSON")
    assert quarantined[2]["reason"].startswith("input: ")
    assert server.sent[prompt(GARBAGE)] == 2  # asked, then re-asked once (reasks)
    meta = json.loads(out.with_name("labelled.meta.json").read_text(encoding="utf-8"))
    assert (meta["rows"], meta["labelled"], meta["quarantined"]) == (N + 2, N - 1, 3)
    assert meta["calibration"]["override"] is True and meta["calibration"]["passed"] is False
    assert meta["teacher"]["prompt_hash"] == teacher.prompt_hash()
    # Run again: every answer comes from the cache.
    server.sent.clear()
    assert label(source, tmp_path / "again.jsonl", "--override") == 0
    assert not server.sent
    assert (tmp_path / "again.jsonl").read_bytes() == out.read_bytes()


def test_a_cut_answer_and_a_failing_request_write_nothing_until_asked_again(
    tmp_path, server, source, capsys
):
    out = tmp_path / "labelled.jsonl"
    server.cut, server.down = {prompt(1)}, {prompt(2)}
    assert label(source, out, "--override") == 1
    assert f"teacher: failed: row {number(source, 3)}: " in capsys.readouterr().err
    assert not out.exists()
    server.down = set()
    assert label(source, out, "--override") == 0
    quarantined = lines(out.with_name("labelled.quarantine.jsonl"))
    assert quarantined[0]["row"] == number(source, 2)
    assert quarantined[0]["reason"].startswith("truncated: the answer stopped at max_tokens")
    assert server.sent[prompt(1)] == 2  # a cut answer is asked again (reasks)


def test_label_without_a_file_or_with_an_unreadable_calibration_is_refused(
    tmp_path, server, capsys
):
    assert teacher.main(["label", ""]) == 2
    assert "give the file to label" in capsys.readouterr().err
    (teacher.WORK).mkdir(parents=True)
    (teacher.WORK / "calibration.json").write_text("{torn", encoding="utf-8")
    assert "is unreadable" in teacher.calibration_problem()
    assert not server.sent


def test_labelling_waits_for_a_passed_calibration(tmp_path, server, source):
    out = tmp_path / "labelled.jsonl"
    assert label(source, out) == 2
    assert not out.exists() and not server.sent
    calibration = teacher.WORK / "calibration.json"
    calibration.parent.mkdir(parents=True)
    calibration.write_text(json.dumps({"prompt_hash": "another", "decision": "PASS"}))
    assert "for another teacher prompt" in teacher.calibration_problem()
    record = {"prompt_hash": teacher.prompt_hash(), "decision": "REVIEW"}
    calibration.write_text(json.dumps(record))
    assert "calibration decided REVIEW" in teacher.calibration_problem()
    calibration.write_text(json.dumps({**record, "decision": "PASS"}))
    assert teacher.calibration_problem() is None
    assert label(source, out) == 0 and out.exists()


def test_a_budget_stops_the_run_and_the_next_asks_nothing_twice(tmp_path, server, source):
    out = tmp_path / "labelled.jsonl"
    body = llm.body_of(teacher.messages(data.check_inputs(row(0))[0]), teacher.SETTINGS)
    # A request is let go while what was spent plus its worst case fits: the stand-in's
    # answers cost 10 + 4 tokens each, so this budget lets a few go, one at a time.
    budget = llm.worst_cost(body, teacher.SETTINGS) + 3.5 * llm.cost_of(10, 4, teacher.SETTINGS)
    assert label(source, out, "--override", "--budget", str(budget)) == 1
    assert not out.exists()  # written whole or not at all
    asked = dict(server.sent)
    assert 0 < len(asked) < N
    assert label(source, out, "--override") == 0
    assert all(server.sent[p] == (2 if p == prompt(GARBAGE) else 1) for p in server.sent)
    assert len(lines(out)) == N - 1


def test_the_batch_round_trip_fills_the_cache(tmp_path, server, source):
    out = tmp_path / "labelled.jsonl"
    assert label(source, out, "--override", "--batch") == 0
    requests = lines(teacher.WORK / "batch_input.jsonl")
    assert len(requests) == N and not server.sent
    output = []
    for k, request in enumerate(requests):
        content = request["body"]["messages"][-1]["content"]
        if k == 0:  # a request the provider failed
            output.append({"custom_id": request["custom_id"], "error": {"message": "quota"}})
            continue
        completion = {
            "choices": [{"message": {"content": server.answers[content]}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3},
        }
        response = {"status_code": 200, "body": completion}
        output.append({"custom_id": request["custom_id"], "response": response})
    results = tmp_path / "batch_output.jsonl"
    write(results, output + ["not a batch line"])
    # One request failed: its row has no answer yet, and nothing is written.
    assert label(source, out, "--override", "--batch-output", str(results)) == 1
    assert not out.exists() and not server.sent
    assert label(source, out, "--override") == 0
    asked_again = {p for p in server.sent if p != prompt(GARBAGE)}
    assert asked_again == {requests[0]["body"]["messages"][-1]["content"]}
    assert len(lines(out)) == N - 1


@pytest.fixture
def candidates(tmp_path, monkeypatch):
    """16 gold rows in two strata (none not-applicable in the first field), and a
    calibration of 3 rows from each, with one expectation on the first field."""
    field = schema.FIELDS[0]
    chosen = [i for i in range(20) if i % 5 != 4]
    path = tmp_path / "candidates.jsonl"
    write(path, [{**row(i), "stratum": "ab"[k % 2]} for k, i in enumerate(chosen)])
    allowed = sorted({format_value(example_labels(i)[field["name"]]) for i in chosen})
    rule = {"stratum": "a", "fields": [field["name"]], "one_of": allowed, "of": "each"}
    rule.update({"at_least": None, "at_most": None, "pass": 0.9, "review": 0.5})
    monkeypatch.setitem(teacher.CAL, "candidates", str(path))
    monkeypatch.setitem(teacher.CAL, "stratum_field", "stratum")
    monkeypatch.setitem(teacher.CAL, "strata", {"a": 3, "b": 3})
    monkeypatch.setitem(teacher.CAL, "gold", True)
    monkeypatch.setitem(teacher.CAL, "expectations", [rule])
    return chosen


def calibrate(*more: str) -> int:
    return teacher.main(["calibrate", *more])


def test_a_teacher_that_answers_as_the_gold_passes_calibration(server, candidates, source):
    for i in candidates:
        server.answers[prompt(i)] = render_completion(example_labels(i))
    assert calibrate() == 0
    record = json.loads((teacher.WORK / "calibration.json").read_text(encoding="utf-8"))
    assert record["decision"] == "PASS" and record["prompt_hash"] == teacher.prompt_hash()
    assert len(record["rows"]) == 6 and record["usable_rate"] == 1 and record["worst"] == []
    assert "None: every answer matches." in (teacher.WORK / "report.md").read_text()
    assert teacher.calibration_problem() is None
    # The validation draw: other rows of the same strata.
    assert calibrate("--validate") == 0
    validation = json.loads((teacher.WORK / "validation.json").read_text(encoding="utf-8"))
    assert not set(validation["rows"]) & set(record["rows"])
    assert label(source, source.with_name("labelled.jsonl")) == 0  # no --override needed


def test_a_teacher_that_answers_otherwise_fails_and_labelling_is_refused(
    tmp_path, server, candidates, source
):
    for i in candidates:
        server.answers[prompt(i)] = render_completion(taught(i))
    assert calibrate() in (3, 4)  # REVIEW or FAIL
    record = json.loads((teacher.WORK / "calibration.json").read_text(encoding="utf-8"))
    assert record["decision"] != "PASS"
    assert record["worst"] and all(w["badness"] > 0 for w in record["worst"])
    report = (teacher.WORK / "report.md").read_text(encoding="utf-8")
    assert f"# Teacher calibration: {record['decision']}" in report
    assert f"### 1. row {record['worst'][0]['id']}" in report
    assert "share of rows where a: each of" in report  # the expectation, described
    assert label(source, tmp_path / "labelled.jsonl") == 2
    assert not (tmp_path / "labelled.jsonl").exists()


def test_a_stratum_too_small_for_the_sample_is_refused(server, candidates, monkeypatch):
    monkeypatch.setitem(teacher.CAL, "strata", {"a": 3, "b": 30})
    assert calibrate() == 2
    assert not server.sent
