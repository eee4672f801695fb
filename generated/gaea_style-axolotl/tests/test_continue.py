# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/tests/test_continue.py
"""Predict (pipeline/predict.py, pipeline/corpus.py, pipeline/llm.py) continuing prompts
through a stand-in OpenAI-compatible server on the loopback interface: every row gets
its samples or its reason, in input order, its own columns kept; sampled requests carry
the row's own seeds and a greedy row is asked once; the same rows as CSV (a prompt with
a line break inside its quotes) give the same continuations; a server that fails for
good stops the run, and the run after it asks only what was left and writes the bytes
of a run that never stopped. The prompts are measured with conftest.py's stand-in
tokenizer."""

import csv
import json
import sys

import pytest

from pipeline import accept, predict, schema

from .jsonl import lines, write
from .stand_in_server import Server

N = 8
PROMPTS = [f"You walk into room {i}.\nThe door shuts." for i in range(N)]
OUTPUTS = ("predictions.jsonl", "predictions.csv", "rejects.jsonl", "summary.json")


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    stand_in = Server({p: f"You see what room {i} holds." for i, p in enumerate(PROMPTS)})
    yield stand_in
    stand_in.httpd.shutdown()
    stand_in.httpd.server_close()


def rows() -> list:
    """N rows with a prompt each and a column of their own, then a line that is not JSON
    and rows whose prompt is missing, not text, empty, and too long for the context."""
    good = [{"id": i, "prompt": p} for i, p in enumerate(PROMPTS)]
    bad = ["{not json", {"id": "a"}, {"id": "b", "prompt": 7}, {"id": "c", "prompt": "  "}]
    return good + bad + [{"id": "d", "prompt": "word " * 200}]


REASONS = [
    "invalid JSON",
    "no prompt: 'prompt' is missing or empty (--column)",
    "no prompt: 'prompt' is a int, not text",
    "no prompt: 'prompt' is empty",
    "too long: the prompt is 200 tokens",
]


def predict_main(source, out, server, tokenizer, *more: str) -> int:
    return predict.main(
        [
            str(source),
            "--out",
            str(out),
            "--server",
            server.url,
            "--tokenizer",
            tokenizer,
            "--max-context",
            "128",
            "--max-new-tokens",
            "16",
            "--checkpoint-every",
            "2",
            "--retries",
            "1",
            *more,
        ]
    )


def test_every_row_gets_its_samples_or_its_reason(tmp_path, server, tokenizer):
    source = tmp_path / "prompts.jsonl"
    write(source, rows())
    status = predict_main(source, tmp_path / "out", server, tokenizer, "--samples", "2")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert status == accept.EXIT[summary["decision"]]
    predictions = lines(tmp_path / "out" / "predictions.jsonl")
    assert [(p["id"], p["sample"]) for p in predictions] == [
        (i, k) for i in range(N) for k in (0, 1)
    ]
    temperature, seed = schema.TEMPERATURE, schema.STYLE_SEED
    for p in predictions:
        said = server.answers[p["prompt"]]
        if temperature == 0:  # one greedy answer stands for every sample
            assert p["output"] == said
        else:  # sample k of row i: seed (seed + i) x samples + k
            assert p["output"] == f"{said} [seed {(seed + p['id']) * 2 + p['sample']}]"
        assert (p["finish"], p["tokens"]) == ("stop", 4)
    assert set(server.sent.values()) == {1 if temperature == 0 else 2}
    rejects = lines(tmp_path / "out" / "rejects.jsonl")
    assert [r["row"] for r in rejects] == list(range(N + 1, N + 6))
    for reject, reason in zip(rejects, REASONS, strict=True):
        assert reject["reason"].startswith(reason), reject
    assert (summary["rows"], summary["answered"], summary["rejected"]) == (N + 5, N, 5)
    assert summary["samples"] == 2 * N and summary["finish"] == {"stop": 2 * N}
    assert set(summary["style"]) == {p["name"] for p in schema.PATTERNS}
    markdown = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert f"# Predict: {schema.PROJECT}: {summary['decision']}" in markdown
    assert "- too long: 1" in markdown  # the rejects by reason


def test_greedy_rows_are_asked_once_and_sampled_rows_each_time(tmp_path, server, tokenizer):
    source = tmp_path / "prompts.jsonl"
    write(source, rows()[:N])
    greedy = ["--samples", "3", "--temperature", "0"]
    assert predict_main(source, tmp_path / "greedy", server, tokenizer, *greedy) in (0, 3, 4)
    outputs = lines(tmp_path / "greedy" / "predictions.jsonl")
    assert [p["output"] for p in outputs] == [server.answers[p] for p in PROMPTS for _ in range(3)]
    assert set(server.sent.values()) == {1}
    server.sent.clear()
    sampled = ["--samples", "3", "--temperature", "0.7", "--seed", "5"]
    assert predict_main(source, tmp_path / "sampled", server, tokenizer, *sampled) in (0, 3, 4)
    outputs = lines(tmp_path / "sampled" / "predictions.jsonl")
    assert [p["output"] for p in outputs] == [
        f"{server.answers[p]} [seed {(5 + i) * 3 + k}]"
        for i, p in enumerate(PROMPTS)
        for k in range(3)
    ]
    assert set(server.sent.values()) == {3}


def test_csv_rows_give_the_continuations_of_the_same_rows_as_jsonl(tmp_path, server, tokenizer):
    with open(tmp_path / "prompts.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "prompt"])
        writer.writerows([i, p] for i, p in enumerate(PROMPTS))
    write(tmp_path / "prompts.jsonl", [{"id": str(i), "prompt": p} for i, p in enumerate(PROMPTS)])
    for name in ("prompts.csv", "prompts.jsonl"):
        assert predict_main(tmp_path / name, tmp_path / name[-5:], server, tokenizer) in (0, 3, 4)
    by_csv = lines(tmp_path / "s.csv" / "predictions.jsonl")
    by_jsonl = lines(tmp_path / "jsonl" / "predictions.jsonl")
    assert by_csv == by_jsonl
    assert [
        p["prompt"] for p in by_csv[:: schema.SAMPLES_PER_PROMPT]
    ] == PROMPTS  # line breaks kept


def test_a_server_down_stops_the_run_and_the_next_asks_only_what_was_left(
    tmp_path, server, tokenizer, capsys
):
    source = tmp_path / "prompts.jsonl"
    write(source, rows())
    assert predict_main(source, tmp_path / "whole", server, tokenizer) in (0, 3, 4)
    server.sent.clear()
    server.flaky, server.down = True, {PROMPTS[5]}
    assert predict_main(source, tmp_path / "out", server, tokenizer) == 2
    assert "What was answered is kept" in capsys.readouterr().err
    assert not (tmp_path / "out" / "summary.json").exists()
    asked = set(server.sent) - server.down
    server.flaky, server.down = False, set()
    server.sent.clear()
    assert predict_main(source, tmp_path / "out", server, tokenizer) in (0, 3, 4)
    assert not asked & set(server.sent)  # nothing asked twice
    assert PROMPTS[5] in server.sent
    for name in OUTPUTS:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    server.sent.clear()  # a finished run is not asked again
    assert predict_main(source, tmp_path / "out", server, tokenizer) in (0, 3, 4)
    assert not server.sent


def test_without_input_the_specs_style_prompts_are_continued(
    tmp_path, server, tokenizer, monkeypatch
):
    monkeypatch.setattr(predict, "ROOT", tmp_path)
    for prompt in schema.PROMPTS:
        server.answers[prompt] = "You rest."
    assert predict.main(["--server", server.url, "--tokenizer", tokenizer]) in (0, 3, 4)
    written = lines(tmp_path / "work" / "predict" / "style-prompts.jsonl")
    assert written == [{"prompt": p} for p in schema.PROMPTS]
    out = lines(tmp_path / "work" / "predict" / "style-prompts" / "predictions.jsonl")
    assert len(out) == len(schema.PROMPTS) * schema.SAMPLES_PER_PROMPT


@pytest.mark.parametrize(
    ("more", "says"),
    [
        (["--engine", "server"], "needs the server's URL"),
        (["--server", "http://127.0.0.1:9", "--temperature", "-1"], "--temperature must be"),
        (["--samples", "0"], "must be positive"),
        (["--base", "--engine", "vllm"], "the vllm engine needs vLLM"),
        ([], "no adapter in"),
    ],
)
def test_bad_arguments_are_refused_saying_why(tmp_path, monkeypatch, capsys, tokenizer, more, says):
    monkeypatch.setitem(sys.modules, "vllm", None)  # as where vLLM is not installed
    source = tmp_path / "prompts.jsonl"
    write(source, rows()[:2])
    argv = [str(source), "--out", str(tmp_path / "out"), "--tokenizer", tokenizer]
    assert predict.main([*argv, "--adapter", str(tmp_path / "none"), *more]) == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "out" / "predictions.jsonl").exists()
    assert predict.main([str(tmp_path / "missing.jsonl"), "--base"]) == 2
    assert "input file not found" in capsys.readouterr().err


def test_the_vllm_engine_asks_for_the_adapters_rank_and_each_rows_seed(tmp_path):
    (tmp_path / "adapter_config.json").write_text(json.dumps({"r": 64}), encoding="utf-8")
    args = predict.argparse.Namespace(
        model=None,
        tokenizer="tok",
        tensor_parallel=2,
        max_context=512,
        seed=3,
        adapter=tmp_path,
        temperature=0.9,
        samples=4,
        max_new_tokens=20,
    )
    engine, lora = predict.vllm_args(args)
    assert engine["model"] == schema.MODEL and engine["max_lora_rank"] == 64
    assert engine["enable_lora"] and lora == ("adapter", 1, str(tmp_path))
    assert predict.vllm_sampling(args, 7) == {
        "n": 4,
        "temperature": 0.9,
        "max_tokens": 20,
        "seed": 10,
    }
    args.temperature, args.adapter = 0.0, None
    assert predict.vllm_args(args)[1] is None
    assert predict.vllm_sampling(args, 7) == {"n": 1, "temperature": 0.0, "max_tokens": 20}
