# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_predict_server.py
"""Predict through an OpenAI-compatible server (pipeline/inference.py, pipeline/llm.py)
on rows built from this project's own schema, against a flaky stand-in server on the
loopback interface: errors it answers with are asked again and the answers are right;
when it fails for good the run stops saying so, and the run after it asks only what was
not answered before (the answers are kept in the run's SQLite cache)."""

import pytest

from pipeline import predict, prompts
from pipeline.data import check_inputs
from pipeline.inference import Options
from pipeline.labels import render_completion

from .stand_in_server import Server
from .test_data_step import lines, row, tokenizer, write  # noqa: F401 - tokenizer: a fixture
from .test_predict import expected, label_columns, tok  # noqa: F401 - tok: a fixture
from .test_roundtrip import example_labels

N = 10


def user_prompt(i: int) -> str:
    inputs, problems = check_inputs(row(i))
    assert not problems
    return prompts.prompt_messages(inputs)[-1]["content"]


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    stand_in = Server({user_prompt(i): render_completion(example_labels(i)) for i in range(N)})
    yield stand_in
    stand_in.httpd.shutdown()
    stand_in.httpd.server_close()


def run(source, out, server, tok):  # noqa: F811 - tok: the fixture imported above
    opts = Options(
        engine="server", server=server.url, concurrency=4, retries=2, cache=out / "cache.sqlite"
    )
    return predict.run(source, out, opts, every=2, context=4096, tokenizer=tok)


def predictions(out) -> list[dict]:
    return lines(out / "predictions.jsonl")


def test_a_flaky_server_is_asked_again_and_its_answers_are_right(tmp_path, server, tok):  # noqa: F811
    source = tmp_path / "corpus.jsonl"
    write(source, [row(i) for i in range(N)])
    server.flaky = True
    run(source, tmp_path / "out", server, tok)
    columns = label_columns(source)
    answers = predictions(tmp_path / "out")
    assert [{n: p[c] for n, c in columns.items()} for p in answers] == [
        expected(i) for i in range(N)
    ]
    assert set(server.sent.values()) == {3}  # a 500, a body that is no answer, the answer


def test_a_server_down_stops_the_run_and_the_next_asks_only_what_was_left(
    tmp_path,
    server,
    tok,  # noqa: F811
):
    source = tmp_path / "corpus.jsonl"
    write(source, [row(i) for i in range(N)])
    server.down = {user_prompt(6)}
    with pytest.raises(SystemExit, match="What was answered is kept"):
        run(source, tmp_path / "out", server, tok)
    assert server.sent[user_prompt(6)] == 3  # asked, then retried twice
    answered_before = {p for p, n in server.sent.items() if p not in server.down}
    server.down = set()
    server.sent.clear()
    run(source, tmp_path / "out", server, tok)
    assert not answered_before & set(server.sent)  # nothing asked twice
    assert server.sent[user_prompt(6)] == 1
    assert len(predictions(tmp_path / "out")) == N
