"""make predict: the generated project's pipeline/predict.py over a corpus, against a
loopback OpenAI-compatible server (tests/fake_openai.py) and the tiny local model."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, build_into, load_generated
from tests.fake_openai import FakeOpenAI, user_text

POETRY = ROOT / "specs" / "poetry.yaml"
FILES = ("predictions.jsonl", "predictions.csv", "rejects.jsonl", "summary.json")


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_model):
    from distillgen.ir import Overrides

    out = tmp_path_factory.mktemp("predict") / "poetry"
    build_into(
        POETRY, out, Overrides(model_base=str(tiny_model), backend="peft", max_new_tokens=24)
    )
    return out


@pytest.fixture(scope="module")
def gold(project):
    """user prompt -> the completion its row's labels render to (what a perfect model says)."""
    mods = load_generated(project, ("schema", "labels", "prompts"))
    answers = {}
    rows = [json.loads(line) for line in (ROOT / "specs/data/poetry.jsonl").open()]
    for row in rows:
        inputs = {k: row[k] for k in ("title", "author", "year", "poem")}
        answers[mods["prompts"].user_prompt(inputs)] = mods["labels"].render_completion(
            row["labels"]
        )
    return answers, rows, mods["schema"].FIELD_NAMES


@pytest.fixture(scope="module")
def first_values(project):
    schema = load_generated(project, ("schema",))["schema"]
    return {f["name"]: f["values"][0] for f in schema.FIELDS if f["values"]}


def corpus(path: Path, rows: list[dict], extra: bool = True) -> Path:
    """The poems without their labels (a corpus to label), plus, with ``extra``, a
    malformed line, a row without its poem and a row far too long for the context."""
    lines = [json.dumps({k: r[k] for k in ("id", "title", "author", "year", "poem")}) for r in rows]
    if extra:
        lines.insert(3, '{"id": "broken", "title": ')
        lines.insert(7, json.dumps({"id": "no-poem", "title": "T", "author": "A", "year": 1900}))
        long = {"id": "long", "title": "L", "author": "A", "year": 1900, "poem": "word " * 5000}
        lines.insert(11, json.dumps(long))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_predict(project, args, env_extra=None, **kwargs):
    env = {**os.environ, "OPENAI_API_KEY": "test", "PYTHONPATH": ""}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "pipeline.predict", *map(str, args)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


def answer_with(gold_answers, drop=lambda text: False, na_to=None):
    def answer(body):
        text = user_text(body)
        completion = gold_answers[text]
        if na_to is not None:  # every N/A answered with a value: nothing missing
            completion = "\n".join(
                f"{line.split(': ')[0]}: {na_to[line.split(': ')[0]]}"
                if line.endswith(": N/A")
                else line
                for line in completion.splitlines()
            )
        if drop(text):  # the model forgot the first field
            completion = "\n".join(completion.splitlines()[1:])
        return completion

    return answer


def digest(out: Path) -> dict:
    return {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in FILES}


def test_concurrency_1_and_16_same_bytes_and_rejects(project, gold, tmp_path):
    answers, rows, fields = gold
    source = corpus(tmp_path / "corpus.jsonl", rows)
    with FakeOpenAI(answer_with(answers), latency=0.005) as server:
        one = run_predict(
            project,
            [source, "--server", server.url, "--concurrency", 1, "--out", tmp_path / "c1"],
        )
        many = run_predict(
            project,
            [source, "--server", server.url, "--concurrency", 16, "--out", tmp_path / "c16"],
            env_extra={"OPENAI_API_KEY": "x"},
        )
    assert one.returncode == many.returncode, (one.stderr, many.stderr)
    assert digest(tmp_path / "c1") == digest(tmp_path / "c16")
    summary = json.loads((tmp_path / "c1" / "summary.json").read_text())
    assert summary["rows"] == len(rows) + 3
    assert summary["answered"] == len(rows) and summary["rejected"] == 3
    rejects = [json.loads(x) for x in (tmp_path / "c1" / "rejects.jsonl").open()]
    assert [r["row"] for r in rejects] == [4, 8, 12]  # line numbers, in input order
    assert rejects[0]["reason"].startswith("invalid JSON")
    assert rejects[1]["reason"] == "poem: missing" and rejects[1]["input"]["id"] == "no-poem"
    assert rejects[2]["reason"].startswith("too long: the prompt is ")
    assert "context of 2048 tokens" in rejects[2]["reason"]
    assert summary["reject_reasons"] == {"invalid JSON": 1, "poem": 1, "too long": 1}
    # Every answer parsed: a field is missing where the row was rejected or its answer
    # is N/A (many poems have N/A fields: FAIL).
    assert summary["parse_status"] == {"parsed": len(rows)}
    for f in fields:
        na = sum(r["labels"][f] in (None, "N/A") for r in rows)
        assert summary["na"][f] == na and summary["missing"][f] == 0
        assert summary["missing_rate"][f] == round((3 + na) / (len(rows) + 3), 6)
    assert summary["decision"] == "FAIL" and one.returncode == 4
    # The CSV: the input's columns, then the fields in the schema's order, then status.
    with open(tmp_path / "c1" / "predictions.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["id", "title", "author", "year", "poem", *fields] + [
        "parse_status",
        "parse_problems",
        "finish",
    ]
    assert [r[0] for r in table[1:]] == [r["id"] for r in rows]
    first = rows[0]["labels"]
    assert table[1][5 : 5 + len(fields)] == [
        "N/A"
        if first[f] is None
        else str(first[f]).lower()
        if isinstance(first[f], bool)
        else str(first[f])
        for f in fields
    ]
    lines = [json.loads(x) for x in (tmp_path / "c1" / "predictions.jsonl").open()]
    assert list(lines[0])[:5] == ["id", "title", "author", "year", "poem"]
    assert list(lines[0])[5 : 5 + len(fields)] == fields
    assert (
        not list((tmp_path / "c1").glob("*.part"))
        and not (tmp_path / "c1" / "checkpoint.json").exists()
    )


def test_kill_9_and_resume_same_bytes(project, gold, tmp_path):
    answers, rows, _ = gold
    source = corpus(tmp_path / "corpus.jsonl", rows * 3)
    with FakeOpenAI(answer_with(answers), latency=0.02) as server:
        whole = run_predict(
            project,
            [source, "--server", server.url, "--out", tmp_path / "whole", "--concurrency", 4],
        )
        assert whole.returncode in (0, 3, 4), whole.stderr
        out = tmp_path / "killed"
        env = {**os.environ, "OPENAI_API_KEY": "test", "PYTHONPATH": ""}
        args = [source, "--server", server.url, "--out", out, "--concurrency", 4]
        args += ["--checkpoint-every", 7]
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.predict", *map(str, args)],
            cwd=project,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        state = out / "checkpoint.json"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if state.exists() and json.loads(state.read_text() or "{}").get("records", 0) >= 30:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        checkpoint = json.loads(state.read_text())
        assert 30 <= checkpoint["records"] < len(rows) * 3 + 3
        assert not (out / "predictions.jsonl").exists()  # no final file before the end
        asked_before = server.requests
        resumed = run_predict(project, args)
        assert resumed.returncode == whole.returncode, resumed.stderr
        assert "resuming after" in resumed.stdout
        # Answers received before the kill came from the cache, not the server again.
        assert server.requests - asked_before < len(rows) * 3 - checkpoint["records"] + 1
    assert digest(out) == digest(tmp_path / "whole")


@pytest.mark.parametrize(
    ("dropped", "decision", "code"), [(0, "PASS", 0), (2, "REVIEW", 3), (5, "FAIL", 4)]
)
def test_missing_rate_gate(project, gold, first_values, tmp_path, dropped, decision, code):
    answers, rows, fields = gold
    rows = rows[:20]
    source = corpus(tmp_path / "corpus.jsonl", rows, extra=False)
    forget = {answers_key for answers_key in list(answers)[:dropped]}
    answer = answer_with(answers, drop=lambda text: text in forget, na_to=first_values)
    with FakeOpenAI(answer) as server:
        done = run_predict(project, [source, "--server", server.url, "--out", tmp_path / "o"])
    assert done.returncode == code, done.stdout + done.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["decision"] == decision
    assert summary["missing_rate"][fields[0]] == dropped / 20
    assert summary["missing"][fields[0]] == dropped
    assert summary["parse_status"].get("partial", 0) == dropped
    assert f"| missing_rate.{fields[0]} |" in (tmp_path / "o" / "summary.md").read_text()


def test_labels_in_the_input_are_scored(project, gold, tmp_path):
    answers, rows, fields = gold
    source = tmp_path / "labelled.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows[:10]), encoding="utf-8")
    with FakeOpenAI(answer_with(answers)) as server:
        done = run_predict(project, [source, "--server", server.url, "--out", tmp_path / "o"])
    assert done.returncode == 4, done.stderr  # N/A answers count as missing
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["labelled_rows"] == 10
    assert summary["accuracy"] == dict.fromkeys(fields, 1.0)


def test_server_errors_are_retried_or_stop_clearly(project, gold, first_values, tmp_path):
    answers, rows, _ = gold
    source = corpus(tmp_path / "corpus.jsonl", rows[:12], extra=False)
    answer = answer_with(answers, na_to=first_values)
    with FakeOpenAI(answer, rate_limits=3, errors=2) as server:
        done = run_predict(project, [source, "--server", server.url, "--out", tmp_path / "o"])
        assert done.returncode == 0, done.stderr  # 429s and 500s retried
        assert server.faults["rate_limits"] == 3 and server.faults["errors"] == 2
    with FakeOpenAI(answer, errors=1000) as server:
        args = [source, "--server", server.url, "--out", tmp_path / "bad", "--retries", 1]
        done = run_predict(project, args)
    assert done.returncode == 1
    assert "the server at" in done.stderr and "run the same command again" in done.stderr
    assert not (tmp_path / "bad" / "predictions.jsonl").exists()


def test_csv_input_keeps_its_columns(project, gold, tmp_path):
    answers, rows, fields = gold
    source = tmp_path / "corpus.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["extra", "poem", "title", "author", "year", "id"])
        for r in rows[:5]:
            writer.writerow(["x", r["poem"], r["title"], r["author"], r["year"], r["id"]])
        writer.writerow(["x", "a poem", "T", "A", "not a year", "bad-year"])
    with FakeOpenAI(answer_with(answers)) as server:
        done = run_predict(project, [source, "--server", server.url, "--out", tmp_path / "o"])
    assert done.returncode in (3, 4), done.stderr  # 1 of 6 rows rejected: 17% missing
    with open(tmp_path / "o" / "predictions.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0][:6] == ["extra", "poem", "title", "author", "year", "id"]
    assert table[0][6 : 6 + len(fields)] == fields
    assert len(table) == 6
    reject = json.loads((tmp_path / "o" / "rejects.jsonl").read_text())
    # A record is numbered by the line it starts on, as the data step numbers CSV rows
    # (the poems' quoted newlines make it line 72, not record 7).
    text = source.read_text(encoding="utf-8")
    line = text.count("\n", 0, text.index("x,a poem,T,A")) + 1
    assert line > 7
    assert reject["row"] == line and reject["reason"].startswith("year: expected an integer")


def test_local_engine_batched_equals_one_at_a_time(project, gold, tmp_path, tiny_model):
    _, rows, _ = gold
    source = corpus(tmp_path / "corpus.jsonl", rows[:6])
    outs = []
    for size in (1, 4):
        out = tmp_path / f"b{size}"
        done = run_predict(
            project,
            [
                source,
                "--engine",
                "local",
                "--model",
                tiny_model,
                "--batch-size",
                size,
                "--out",
                out,
            ],
        )
        assert done.returncode == 4, done.stderr  # a random model answers nothing readable
        outs.append(digest(out))
    assert outs[0] == outs[1]
    summary = json.loads((tmp_path / "b1" / "summary.json").read_text())
    assert summary["answered"] == 6 and summary["rejected"] == 3


def test_engine_batches_are_blocks_of_the_rows_sequence(project):
    blocks = load_generated(project, ("corpus",))["corpus"].blocks
    items = [{"seq": s} for s in (0, 1, 3, 4, 5, 8, 9, 10, 11, 12)]
    got = [[i["seq"] for i in b] for b in blocks(iter(items), 4)]
    assert got == [[0, 1, 3], [4, 5], [8, 9, 10, 11], [12]]
    assert [len(b) for b in blocks(({"x": i} for i in range(10)), 4)] == [4, 4, 2]


def test_a_resumed_local_run_re_forms_the_batch_it_stopped_in(project, gold, tmp_path):
    """The local engines answer in batches, and a batch's padding can change a greedy
    answer: a run killed after a checkpoint inside a batch must, when resumed, give the
    engine the same batches as an uninterrupted run. The stand-in engine's answer
    names the first row of its batch, so any other batch shows in the files."""
    mods = load_generated(project, ("predict", "inference", "corpus", "data"))
    predict, inference = mods["predict"], mods["inference"]
    _, rows, _ = gold
    source = corpus(tmp_path / "corpus.jsonl", rows[:20])
    schema = load_generated(project, ("schema",))["schema"]
    tokenizer = mods["data"].load_tokenizer(schema.TOKENIZER)
    opts = inference.Options(engine="local", batch_size=4)
    firsts: list[int] = []

    def engine(crash_after=None):
        def stream(items, opts):
            given = 0
            for batch in mods["corpus"].blocks(items, opts.batch_size):
                firsts.append(batch[0]["seq"])
                for item in batch:
                    if crash_after is not None and given == crash_after:
                        raise RuntimeError("killed")
                    given += 1
                    answer = f"asked in the batch from row {batch[0]['seq']}"
                    yield item, {"output": answer, "finish": "stop", "tokens": 1}

        return stream

    def run(out, stream, opts=opts):
        return predict.run(
            source, out, opts, every=3, context=2048, tokenizer=tokenizer, stream=stream
        )

    run(tmp_path / "whole", engine())
    with pytest.raises(RuntimeError, match="killed"):
        run(tmp_path / "resumed", engine(crash_after=9))
    state = json.loads((tmp_path / "resumed" / "checkpoint.json").read_text())
    assert state["records"] % 4 != 0  # the checkpoint fell inside a batch
    firsts.clear()
    run(tmp_path / "resumed", engine())
    assert firsts[0] == state["records"] - state["records"] % 4
    assert digest(tmp_path / "resumed") == digest(tmp_path / "whole")
    # Another batch size would give other batches: the unfinished run is refused.
    with pytest.raises(RuntimeError, match="killed"):
        run(tmp_path / "other", engine(crash_after=5))
    with pytest.raises(predict.CorpusError, match="batch_size: 4 then, 8 now"):
        run(tmp_path / "other", engine(), inference.Options(engine="local", batch_size=8))


def test_vllm_engine_arguments(project, tmp_path, monkeypatch):
    """vLLM needs CUDA: its path is checked by what it builds, with a fake vllm module."""
    import types

    calls = {}

    class LLM:
        def __init__(self, **kwargs):
            calls["llm"] = kwargs

        def chat(self, conversations, params, **kwargs):
            calls.setdefault("chat", []).append((len(conversations), params, kwargs))
            logprob = types.SimpleNamespace
            out = types.SimpleNamespace(
                text="period: modern",
                finish_reason="stop",
                token_ids=[1, 2],
                logprobs=[  # the chosen token and the top 1, as vLLM gives them
                    {1: logprob(decoded_token="period: ", logprob=-1.0)},
                    {2: logprob(decoded_token="modern", logprob=-0.5), 3: logprob()},
                ],
            )
            return [types.SimpleNamespace(outputs=[out]) for _ in conversations]

    class SamplingParams:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    class LoRARequest:
        def __init__(self, *args):
            self.args = args

    vllm = types.ModuleType("vllm")
    vllm.LLM, vllm.SamplingParams = LLM, SamplingParams
    lora = types.ModuleType("vllm.lora.request")
    lora.LoRARequest = LoRARequest
    for name, module in {
        "vllm": vllm,
        "vllm.lora": types.ModuleType("vllm.lora"),
        "vllm.lora.request": lora,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    mods = load_generated(project, ("schema", "inference"))
    inference = mods["inference"]
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"r": 64}')
    opts = inference.Options(engine="vllm", adapter=adapter, batch_size=2, tensor_parallel=4)
    items = [{"messages": [{"role": "user", "content": str(i)}]} for i in range(5)]
    got = list(inference.remote(iter(items), opts))
    assert [item for item, _ in got] == items
    assert got[0][1] == {"output": "period: modern", "finish": "stop", "tokens": 2}
    schema = mods["schema"]
    assert calls["llm"] == {
        "model": schema.MODEL,
        "tokenizer": schema.TOKENIZER,
        "enable_prefix_caching": True,
        "tensor_parallel_size": 4,
        "max_model_len": schema.MAX_SEQ_LENGTH,
        "seed": 0,
        "enable_lora": True,
        "max_lora_rank": 64,
    }
    assert [n for n, _, _ in calls["chat"]] == [2, 2, 1]
    _, params, kwargs = calls["chat"][0]
    assert params.kwargs == {"temperature": 0.0, "max_tokens": schema.MAX_NEW_TOKENS}
    assert kwargs["lora_request"].args == ("adapter", 1, str(adapter))
    assert kwargs["add_generation_prompt"] is True
    # A merged model: no LoRA at all.
    calls.clear()
    merged = inference.Options(engine="vllm", adapter=adapter, model="/m/merged")
    list(inference.remote(iter(items), merged))
    assert "enable_lora" not in calls["llm"] and calls["llm"]["model"] == "/m/merged"
    assert calls["chat"][0][2]["lora_request"] is None
    # --confidence: the chosen token's log-probability and text, per token.
    calls.clear()
    sure = inference.Options(engine="vllm", model="/m/merged", logprobs=True)
    got = list(inference.remote(iter(items[:1]), sure))
    assert calls["chat"][0][1].kwargs["logprobs"] == 1
    assert got[0][1]["logprobs"] == [["period: ", -1.0], ["modern", -0.5]]


def test_ray_pipeline_writes_what_the_single_machine_writes(project, gold, tmp_path):
    """pipeline/predict_ray.py on a local Ray cluster, against the loopback server."""
    pytest.importorskip("ray")
    answers, rows, _ = gold
    source = corpus(tmp_path / "corpus.jsonl", rows[:20])
    with FakeOpenAI(answer_with(answers), latency=0.005) as server:
        single = run_predict(project, [source, "--server", server.url, "--out", tmp_path / "one"])
        env = {
            **os.environ,
            "OPENAI_API_KEY": "test",
            "PYTHONPATH": "",
            "RAY_USAGE_STATS_ENABLED": "0",
        }
        args = [source, "--server", server.url, "--out", tmp_path / "ray", "--concurrency", 8]
        args += ["--ray-window", 9, "--ray-batch", 4, "--ray-workers", 2]
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.predict_ray", *map(str, args)],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == single.returncode, done.stdout[-2000:] + done.stderr[-3000:]
    assert digest(tmp_path / "ray") == digest(tmp_path / "one")


def test_make_predict_ray_1_runs_the_ray_pipeline(project):
    def dry(*args):
        done = subprocess.run(
            ["make", "-n", "predict", "INPUT=c.jsonl", *args], cwd=project, capture_output=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.decode()

    ray = dry("RAY=1", "RAY_ADDRESS=ray://head:10001")
    assert '-m pipeline.predict_ray "c.jsonl"' in ray and '--ray-address "ray://head:10001"' in ray
    plain = dry()
    assert '-m pipeline.predict "c.jsonl"' in plain and "ray" not in plain


def test_confidence_per_field_from_the_servers_logprobs(project, gold, tmp_path):
    """--confidence: each field's column holds the probability the server gave its
    value's tokens, and nothing else (the key and the line break do not count); a field
    the answer lacks has none; the other columns are those of a run without it."""
    answers, rows, fields = gold
    chance = {name: round(0.5 + 0.4 * i / len(fields), 6) for i, name in enumerate(fields)}

    def tokens(content):
        out = []
        for text in content.splitlines(keepends=True):
            key, value = text.rstrip("\n").split(": ", 1)
            out += [(key + ": ", -3.0), (value, math.log(chance[key]))]
            out += [("\n", -2.0)] if text.endswith("\n") else []
        return out

    first = rows[1]["poem"]
    source = corpus(tmp_path / "corpus.jsonl", rows[:4], extra=False)
    drop = answer_with(answers, drop=lambda text: first in text)
    with FakeOpenAI(drop, tokens=tokens) as server:
        plain = run_predict(project, [source, "--server", server.url, "--out", tmp_path / "p"])
        sure = run_predict(
            project, [source, "--server", server.url, "--out", tmp_path / "c", "--confidence"]
        )
    assert plain.returncode == sure.returncode, sure.stderr
    with_conf = [json.loads(x) for x in (tmp_path / "c" / "predictions.jsonl").open()]
    without = [json.loads(x) for x in (tmp_path / "p" / "predictions.jsonl").open()]
    for a, b in zip(with_conf, without, strict=True):
        assert {k: a[k] for k in b} == b
        assert set(a) - set(b) == {f"{name}_confidence" for name in fields}
    assert [with_conf[0][f"{n}_confidence"] for n in fields] == [chance[n] for n in fields]
    assert with_conf[1][f"{fields[0]}_confidence"] is None  # the dropped first field
    assert with_conf[1][f"{fields[1]}_confidence"] == chance[fields[1]]
    with open(tmp_path / "c" / "predictions.csv", newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    start = header.index(fields[-1]) + 1
    assert header[start : start + len(fields)] == [f"{n}_confidence" for n in fields]


def test_local_engine_logprobs_are_the_models_own(project, tiny_model):
    """generate_batch(logprobs=True): each token's log-probability is the one the model
    gives it in a teacher-forced pass over prompt + answer, and the token texts spell
    the answer; the answers themselves are those of a call without logprobs."""
    import torch

    mods = load_generated(project, ("schema", "generate_hf", "confidence"))
    generate_hf = mods["generate_hf"]
    model, tokenizer = generate_hf.load_model(None, str(tiny_model))
    conversations = [
        [{"role": "user", "content": "Title: Rain\nPoem: the rain falls"}],
        [{"role": "user", "content": "Title: A much longer title here\nPoem: and a longer poem"}],
    ]
    plain = generate_hf.generate_batch(model, tokenizer, conversations, 12)
    scored = generate_hf.generate_batch(model, tokenizer, conversations, 12, logprobs=True)
    for a, b, messages in zip(plain, scored, conversations, strict=True):
        assert {k: b[k] for k in a} == a
        assert "".join(piece for piece, _ in b["logprobs"]) == b["output"]
        prompt = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_dict=False
        )
        ids = torch.tensor([prompt + b["ids"]])
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0].float()
        forced = torch.log_softmax(logits, dim=-1)
        expected = [float(forced[len(prompt) - 1 + k, token]) for k, token in enumerate(b["ids"])]
        assert [lp for _, lp in b["logprobs"]] == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("golden", "output", "tokens", "expected"),
    [
        # key_value: the value on its line; the key, the line break and others do not count
        (
            "poetry",
            "period: Romantic\nregister: N/A",
            [
                ("period: ", -3),
                ("Rom", -0.1),
                ("antic", -0.2),
                ("\n", -5),
                ("register: ", -1),
                ("N/A", -0.3),
            ],
            {"period": 0.740818, "register": 0.740818, "literary_movement": None},
        ),
        # json: the member's value, a number or a quoted string
        (
            "uplifting",
            '{"agency": 7, "progress": 10}',
            [
                ('{"agency": ', -2),
                ("7", -0.5),
                (', "progress": ', -2),
                ("1", -0.1),
                ("0", -0.1),
                ("}", -4),
            ],
            {"agency": 0.606531, "progress": 0.818731},
        ),
        # label: the whole answer is its one field's value (spaces around it aside)
        (
            "toxicity",
            " toxic\n",
            [(" ", -1), ("tox", -0.2), ("ic", -0.1), ("\n", -3)],
            {"label": 0.740818},
        ),
        # tokens that do not spell the answer cannot be placed in it: no confidence
        ("toxicity", "toxic", [("tox", -0.2)], {"label": None}),
    ],
)
def test_field_confidence_spans_in_every_completion_format(golden, output, tokens, expected):
    conf = load_generated(ROOT / "generated" / golden, ("schema", "confidence"))["confidence"]
    found = conf.fields(output, [list(t) for t in tokens])
    assert {k: found[k] for k in expected} == expected
    assert set(found) == set(conf.schema.FIELD_NAMES)


def test_a_failed_request_lets_the_requests_in_flight_finish_into_the_cache(tmp_path, monkeypatch):
    """When a request fails for good, the requests already out are let finish and their
    answers kept: each was paid for, and the next run does not ask it again (the engine
    cancelled them once, and their answers were asked again)."""
    llm = load_generated(ROOT / "generated" / "poetry", ("schema", "llm"))["llm"]
    monkeypatch.setenv("STAND_IN_KEY", "test")

    def answer(body):
        text = user_text(body)
        if text == "fail":
            raise RuntimeError("dropped")  # the connection closes unanswered
        time.sleep(1.0)  # still out when the failure comes
        return f"answer to {text}"

    with FakeOpenAI(answer) as server:
        settings = llm.Settings(
            base_url=server.url, model="m", api_key_env="STAND_IN_KEY", concurrency=3, retries=0
        )

        def body_of(text):
            return llm.body_of([{"role": "user", "content": text}], settings)

        with pytest.raises(llm.LLMError):
            list(llm.in_order(["fail", "slow a", "slow b"], body_of, settings, tmp_path / "c.db"))
        cache = llm.Cache(tmp_path / "c.db")
        kept = [cache.get(llm.key_of(body_of(text))) for text in ("slow a", "slow b")]
        cache.close()
    assert [a.content for a in kept] == ["answer to slow a", "answer to slow b"]
