# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_predict_server.py
"""Predict through an OpenAI-compatible server (pipeline/inference.py, pipeline/llm.py)
on rows built from this project's own schema, against a flaky stand-in server on the
loopback interface: errors it answers with are asked again and the answers are right;
when it fails for good the run stops saying so, and the run after it asks only what was
not answered before (the answers are kept in the run's SQLite cache). Constrained
requests carry the answer's constraint, and the tokens' log-probabilities give each
field its confidence. On the head route this is the base model answering alone (make
eval-base): a trained head answers through transformers."""

import math

import pytest

from pipeline import constrain, grammar, inference, predict, prompts, schema
from pipeline.data import check_inputs
from pipeline.inference import Options
from pipeline.labels import render_completion

from .answers import example_labels
from .jsonl import lines, write
from .schema_rows import row
from .stand_in_server import Server
from .test_predict import expected, label_columns

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


def run(source, out, server, tok, **more):
    opts = Options(
        engine="server",
        server=server.url,
        concurrency=4,
        retries=2,
        cache=out / "cache.sqlite",
        **more,
    )
    return predict.run(source, out, opts, every=2, context=4096, tokenizer=tok)


def predictions(out) -> list[dict]:
    return lines(out / "predictions.jsonl")


def test_a_flaky_server_is_asked_again_and_its_answers_are_right(tmp_path, server, tok):
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


def test_a_server_down_stops_the_run_and_the_next_asks_only_what_was_left(tmp_path, server, tok):
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


def test_constrained_requests_carry_the_constraint_and_log_probabilities_give_confidences(
    tmp_path, server, tok
):
    source = tmp_path / "corpus.jsonl"
    write(source, [row(i) for i in range(N)])
    run(
        source,
        tmp_path / "out",
        server,
        tok,
        constrained=True,
        constrain_with="vllm",
        logprobs=True,
    )
    assert len(server.bodies) == N
    for body in server.bodies:
        assert body["structured_outputs"] == constrain.vllm_params()
        assert body["logprobs"] is True
    columns = label_columns(source)
    # a value of k tokens at -0.1 each: exp(-0.1 k)
    possible = {round(math.exp(-0.1 * k), 6) for k in range(1, 200)}
    answers = predictions(tmp_path / "out")
    assert len(answers) == N
    for i, prediction in enumerate(answers):
        for name, value in expected(i).items():
            assert prediction[columns[name]] == value
            assert prediction[f"{name}_confidence"] in possible, (name, prediction)


def test_response_format_constrains_json_answers_only():
    opts = Options(engine="server", server="http://127.0.0.1:9/v1", constrained=True)
    if schema.COMPLETION_FORMAT != "json":
        with pytest.raises(constrain.ConstraintError, match="needs a JSON answer"):
            inference.server_settings(opts)
        return
    extra = inference.server_settings(opts).extra_body
    assert extra["response_format"]["json_schema"]["schema"] == grammar.constraint()["json_schema"]
