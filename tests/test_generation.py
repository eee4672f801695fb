"""Generation / style (seed 003): chunk directory, token bounds, split by chunk,
completion-style training, perplexity and style patterns."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from distillgen.checks import regex_problem
from distillgen.ir import Overrides

from .conftest import ROOT, build_into, load_generated

SPEC = ROOT / "specs" / "gaea_style.yaml"
MODULES = ["schema", "split", "style", "textgen", "data"]


@pytest.fixture(scope="module")
def gen():
    return load_generated(ROOT / "generated" / "gaea_style", MODULES)


def test_second_person_rate_counts_paragraphs_with_the_words(gen):
    texts = [
        "You open the door.\n\nThe hall is empty.\n\nYour hands shake.",
        "She waits. Nobody comes.",
    ]
    rates = gen["style"].rates(texts)
    assert rates["second_person"] == {"rate": 2 / 4, "matched": 2, "units": 4, "unit": "paragraph"}
    # "youth" and "bayou" are not "you": whole words only
    assert gen["style"].rates(["The youth by the bayou."])["second_person"]["rate"] == 0.0


def test_italics_rate_counts_samples_with_an_italic_span(gen):
    rates = gen["style"].rates(["*Not yet,* you think.", "No italics here.", "a * b * c"])
    assert rates["italics"]["matched"] == 2 and rates["italics"]["units"] == 3


# Each backtracks catastrophically in Python's re on some text (measured: (?:a|b|ab)+c
# on "ab" * 24 takes 4 s; (a?a)+b and (?:\d|\u0663\u0663)+x grow 6-7x for 4 more
# characters; (.*a){12} is a polynomial of degree 12).
EXPONENTIAL = {
    r"(\w+\s?)+$": "quantifier",
    r"(a*)*b": "quantifier",
    r"((a+))+b": "quantifier",
    r"(x+x+)+y": "quantifier",
    r"(a{1,3})+b": "quantifier",
    r"(a?a)+b": "quantifier",
    r"([a-z]+\d?)+!": "quantifier",
    r"(\s*,\s*)*x": "quantifier",
    r"(.*a){12}": "quantifier",
    r"(?:(?:a+)+)?b": "quantifier",
    r"(a|aa)*b": "alternatives",
    r"(?:a|b|ab)+c": "alternatives",
    r"(?:x|x?y)+z": "alternatives",
    r"(a|)*b": "alternatives",
    r"(?i)(?:Ab|ac)+d": "alternatives",
    r"(?:\d|\u0663\u0663)+x": "alternatives",  # \d matches ARABIC-INDIC DIGIT THREE
}
# Each choice inside a loop is decided by the next character, or committed (atomic,
# possessive, lookaround); single characters ((\w|\d)) are a character class to re.
LINEAR = [
    r"\*[^*\n]{2,200}\*",
    r"(a|b)*c",
    r"(\w|\d)+$",
    r"(?:ab)+",
    r"(\s*,\s*)",
    r"(a+b)*c",
    r"(\w+,)*x",
    r"(?:\d{3})+",
    r"(a|b|cd)+",
    r"(ab?)*b",
    r"(?>\w+\s?)+$",
    r"(?:\w++\s?)+$",
    r"(?:(?=a)\w+\s)+",
    r"\b(?:you|your|yours)\b",
    r"^(?:[A-Z][a-z]+ )+$",
    r"\d+(?:\.\d+)?",
]


@pytest.mark.parametrize("pattern", sorted(EXPONENTIAL))
def test_patterns_that_can_backtrack_exponentially_are_refused(pattern):
    problem = regex_problem(pattern)
    assert problem is not None and "exponential time" in problem
    assert EXPONENTIAL[pattern] in problem


@pytest.mark.parametrize("pattern", LINEAR)
def test_patterns_whose_loops_cannot_backtrack_are_accepted(pattern):
    assert regex_problem(pattern) is None


def test_broken_regexes_are_refused():
    assert "not a valid regular expression" in regex_problem("(unclosed")


def test_chunks_encode_with_eos_last(gen, tiny_model):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model))
    ids = gen["textgen"].encode(tokenizer, "You wake before the sentinels do.")
    assert ids[-1] == tokenizer.eos_token_id and ids.count(tokenizer.eos_token_id) == 1


def make_project(tmp_path, tiny_model, files: dict[str, bytes], *, share=None):
    spec_dir = tmp_path / "spec"
    chunks = spec_dir / "data" / "gaea_chunks"
    chunks.mkdir(parents=True)
    for name, data in files.items():
        (chunks / name).write_bytes(data)
    text = (
        SPEC.read_text()
        .replace("min_tokens: 40", "min_tokens: 5")
        .replace("max_tokens: 4000", "max_tokens: 200")
    )
    if share is not None:
        text = text.replace(
            "  max_tokens: 200\n", f"  max_tokens: 200\n  max_reject_share: {share}\n"
        )
    (spec_dir / "g.yaml").write_text(text)
    out = tmp_path / "project"
    build_into(spec_dir / "g.yaml", out, Overrides(model_base=str(tiny_model)))
    return load_generated(out, MODULES), out


def test_chunks_outside_the_bounds_are_rejected_by_file_name(tmp_path, tiny_model):
    good = {
        f"chunk_{i:02d}.txt": f"You walk to gate {i}. The wall is high.\n".encode() * 3
        for i in range(12)
    }
    bad = {
        "chunk_90.txt": b"Short.",
        "chunk_91.txt": ("You walk on. " * 300).encode(),
        "chunk_92.txt": b"caf\xe9 au lait, you say, and you mean it.",
        "chunk_93.txt": good["chunk_00.txt"],
        "notes.md": b"not a chunk: the pattern leaves it out",
    }
    mods, out = make_project(tmp_path, tiny_model, {**good, **bad})
    data = mods["data"]
    with pytest.raises(
        data.DataError, match=r"4 of 16 chunks rejected \(25%\), more than the allowed 0%;"
    ):
        data.build(out / "../spec/data/gaea_chunks", out / "work" / "data", str(tiny_model))
    rejects = [
        json.loads(x) for x in (out / "work" / "data" / "rejects.jsonl").read_text().splitlines()
    ]
    reasons = {r["file"]: r["reason"] for r in rejects}
    assert reasons["chunk_90.txt"].endswith("fewer than min_tokens=5")
    assert reasons["chunk_91.txt"].endswith("more than max_tokens=200")
    assert reasons["chunk_92.txt"].startswith("invalid UTF-8")
    assert reasons["chunk_93.txt"] == "same text as chunk_00.txt"
    assert not (out / "work" / "data" / "train.jsonl").exists()  # nothing partial

    mods, out = make_project(tmp_path / "ok", tiny_model, {**good, **bad}, share=0.3)
    stats = mods["data"].build(
        out / "../spec/data/gaea_chunks", out / "work" / "data", str(tiny_model)
    )
    assert stats["accepted"] == 12 and stats["rejected"] == 4
    written = {
        name: [json.loads(x)["id"] for x in (out / "work" / "data" / f"{name}.jsonl").open()]
        for name in ("train", "valid", "test")
        if (out / "work" / "data" / f"{name}.jsonl").exists()
    }
    ids = [i for names in written.values() for i in names]
    assert sorted(ids) == sorted(good)  # every accepted chunk once, whole, in one split
    assert sum(c["tokens"] for c in stats["chunks"]) == sum(
        s["tokens"] for s in stats["splits"].values()
    )
    text = (out / "work" / "data" / "train.jsonl").open().readline()
    assert json.loads(text)["text"] in {v.decode() for v in good.values()}


@pytest.mark.slow
def test_generation_smoke(tmp_path):
    keep = tmp_path / "g"
    proc = subprocess.run(
        [sys.executable, "-m", "distillgen", "smoke", str(SPEC), "--keep", str(keep)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    steps = ("data", "train", "resume", "merge", "eval", "score", "accept", "export", "predict")
    steps += ("tests",)
    for step in steps:
        assert f"smoke: {step:<6} ok" in proc.stdout, proc.stdout
    # The spec trains QLoRA (bitsandbytes, CUDA); without a GPU the smoke says what it did.
    assert "training.quantize 4bit needs CUDA (none here): the smoke trains unquantized" in (
        proc.stdout
    )
    work = keep / "project" / "work"
    assert "quantization" not in yaml.safe_load(
        (keep / "project" / "configs" / "peft.yaml").read_text()
    )
    metrics = json.loads((work / "eval" / "metrics.json").read_text())
    assert metrics["samples"] == 8  # 4 prompts x 2 samples
    assert metrics["summary"]["perplexity"] == pytest.approx(
        2.718281828 ** metrics["summary"]["eval_loss"], rel=1e-6
    )
    assert set(metrics["style"]) == {"second_person", "italics"}
    accept = json.loads((work / "accept" / "accept.json").read_text())
    assert {r["metric"] for r in accept["rules"]} >= {"style.second_person", "perplexity"}
    # The export's card tells of chunks of text and samples (it crashed on them once).
    card = (work / "export" / "README.md").read_text()
    assert "## Metrics (test split, 8 samples)" in card
    assert "text files read, 14 chunks accepted, 0 rejected" in card
    assert "| split | chunks | tokens (mean / max) |" in card
    assert "make parity" not in card and "Label distributions" not in card
    assert "work/eval-base/report.md (make eval-base)" in card  # its baseline: not compared here
    shutil.rmtree(keep)


def test_generation_is_refused_for_mlx_and_built_for_axolotl():
    from distillgen.compile import compile_spec
    from distillgen.errors import SpecError

    with pytest.raises(SpecError, match="--backend mlx: generation projects are built"):
        compile_spec(SPEC, None, Overrides(backend="mlx"))
    _, out, files = compile_spec(SPEC, None, Overrides(backend="axolotl"))
    assert out.name == "gaea_style-axolotl"
    assert "configs/axolotl.yaml" in files and "configs/peft.yaml" not in files
    assert "axolotl preprocess" in files["pipeline/train.py"]
    # The eval, merge, style and data modules are the peft project's, byte for byte.
    _, _, peft = compile_spec(SPEC, None, Overrides(backend="peft"))
    for path in ("data", "evaluate", "merge", "style", "textgen", "split", "accept"):
        assert files[f"pipeline/{path}.py"] == peft[f"pipeline/{path}.py"], path


REGEX_PIECES = [*"ab.,()|*+?[]^$-", r"\d", r"\w", r"\s", r"\u0663", "(?:", "(?>", "(?=", "(?!"]
REGEX_PIECES += ["(?<=a)", "(?i)", "(?i:", "*+", "++", "(?P<n>", "(?P=n)", "(?(1)", "{2,3}", "{2}"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(REGEX_PIECES), max_size=14).map("".join))
def test_any_pattern_that_compiles_gets_an_answer_not_a_crash(pattern):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "possible nested set"
            re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        return
    problem = regex_problem(pattern)
    assert problem is None or "exponential time" in problem


def test_qlora_config_and_a_clear_refusal_without_cuda(tmp_path, tiny_model):
    """training.quantize 4bit: BitsAndBytesConfig takes the config's keys as they are, and the
    train step on a machine without CUDA stops with what to do, before loading anything."""
    from transformers import BitsAndBytesConfig

    config = yaml.safe_load(
        (ROOT / "generated" / "gaea_style" / "configs" / "peft.yaml").read_text()
    )
    bnb = BitsAndBytesConfig(**config["quantization"])
    assert bnb.load_in_4bit and bnb.bnb_4bit_quant_type == "nf4"
    assert bnb.bnb_4bit_use_double_quant and str(bnb.bnb_4bit_compute_dtype) == "torch.bfloat16"
    out = tmp_path / "project"
    build_into(SPEC, out, Overrides(model_base=str(tiny_model)))
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    for step in ("data", "train"):
        proc = subprocess.run(
            [sys.executable, "-m", f"pipeline.{step}"],
            cwd=out,
            env=env,
            capture_output=True,
            text=True,
        )
    assert proc.returncode == 1
    assert "training.quantize 4bit (QLoRA) needs a CUDA GPU and bitsandbytes" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "work" / "checkpoints").exists()


def test_a_tokenizer_that_cannot_load_is_a_clear_data_error(tmp_path, tiny_model):
    mods, out = make_project(tmp_path, tiny_model, {"chunk_00.txt": b"You walk on."})
    with pytest.raises(mods["data"].DataError, match=r"^cannot load the tokenizer '.*no-such'"):
        mods["data"].build(
            out / "../spec/data/gaea_chunks", out / "work" / "data", str(tmp_path / "no-such")
        )


def test_predict_continues_prompts_keeps_columns_rejects_and_resumes(tmp_path, tiny_model):
    """make predict for a generation spec: a CSV of prompts (quoted newlines, extra
    columns) continued N times each in input order; rows without a prompt or too long
    for the context in rejects with reasons; a run killed with SIGKILL and started
    again writes the same bytes as an uninterrupted one (sampling is seeded per row)."""
    import csv as csv_module
    import signal
    import time

    project = tmp_path / "g"
    build_into(SPEC, project, Overrides(model_base=str(tiny_model)))
    rows = [
        {"id": f"p{i}", "prompt": f"You walk to the gate number {i}.", "note": "x"}
        for i in range(10)
    ]
    rows[2]["prompt"] = 'Rain falls.\nYou wait under the arch,\n"quiet", for a while.'
    rows[4]["prompt"] = ""
    rows[7]["prompt"] = "word " * 3000
    path = tmp_path / "prompts.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv_module.DictWriter(handle, ["id", "prompt", "note"])
        writer.writeheader()
        writer.writerows(rows)
    env = {**os.environ, "PYTHONPATH": ""}
    args = ["--base", "--samples", "2", "--max-new-tokens", "40", "--max-context", "512"]

    def predict(out, every="1", **kwargs):
        command = [sys.executable, "-m", "pipeline.predict", str(path), "--out", str(out)]
        return subprocess.Popen(
            [*command, *args, "--checkpoint-every", every],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            **kwargs,
        )

    whole = predict(tmp_path / "whole", every="100")
    out, _ = whole.communicate(timeout=300)
    assert whole.returncode in (0, 3, 4), out
    done = tmp_path / "whole"
    lines = [json.loads(x) for x in (done / "predictions.jsonl").read_text().splitlines()]
    kept = [r for r in rows if r["id"] not in ("p4", "p7")]
    assert [(x["id"], x["sample"]) for x in lines] == [(r["id"], j) for r in kept for j in (0, 1)]
    assert all(x["note"] == "x" and x["finish"] in ("stop", "length") for x in lines)
    assert lines[4]["prompt"] == rows[2]["prompt"]  # the quoted newlines, as written
    with open(done / "predictions.csv", encoding="utf-8", newline="") as handle:
        table = list(csv_module.reader(handle))
    assert table[0] == ["id", "prompt", "note", "sample", "output", "finish", "tokens"]
    assert len(table) == 1 + 16
    rejects = [json.loads(x) for x in (done / "rejects.jsonl").read_text().splitlines()]
    # CSV records are numbered by the line they start on (row 2's prompt spans three lines).
    assert [(r["row"], r["reason"].split(":")[0]) for r in rejects] == [
        (8, "no prompt"),
        (11, "too long"),
    ]
    assert "passes the context of 512 tokens" in rejects[1]["reason"]
    summary = json.loads((done / "summary.json").read_text())
    assert (summary["rows"], summary["answered"], summary["rejected"]) == (10, 8, 2)
    assert summary["samples"] == 16
    assert {g["metric"] for g in summary["gate"]} == {"style.second_person", "style.italics"}

    # Killed after some checkpoints, then started again: the same bytes.
    killed = tmp_path / "killed"
    proc = predict(killed)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        state = killed / "checkpoint.json"
        if state.is_file() and json.loads(state.read_text())["records"] >= 3:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (killed / "summary.json").exists()
    again = predict(killed)
    out, _ = again.communicate(timeout=300)
    assert again.returncode == whole.returncode, out
    assert "resuming after" in out
    for name in ("predictions.jsonl", "predictions.csv", "rejects.jsonl", "summary.json"):
        assert (killed / name).read_bytes() == (done / name).read_bytes(), name
    assert not (killed / "checkpoint.json").exists()


def test_predict_on_a_server_asks_each_sample_once_in_order_and_resumes(tmp_path, tiny_model):
    """make predict SERVER=...: text completions (/v1/completions) from an OpenAI-compatible
    server, one request per sample with its own seed, answers in input order whatever the
    concurrency, faults retried, every answer cached (a rerun asks nothing), a run killed
    mid-way resumes without asking any sample twice; greedy asks once per row."""
    import signal
    import sqlite3
    import time

    from .fake_openai import FakeOpenAI

    project = tmp_path / "g"
    build_into(SPEC, project, Overrides(model_base=str(tiny_model)))
    rows = [{"id": f"p{i}", "prompt": f"You walk to gate {i}."} for i in range(12)]
    rows[3]["prompt"] = " "
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    def answer(body):
        time.sleep(0.002 * (hash(body["prompt"]) % 5))  # answers arrive out of order
        return f"{body['prompt']} *You* see seed {body.get('seed')}."

    env = {**os.environ, "PYTHONPATH": "", "OPENAI_API_KEY": "k"}

    def predict(server, out, *extra, wait=True):
        command = [sys.executable, "-m", "pipeline.predict", str(path), "--out", str(out)]
        proc = subprocess.Popen(
            [*command, "--server", server.url, "--samples", "2", *extra],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if not wait:
            return proc
        out_text, _ = proc.communicate(timeout=300)
        assert proc.returncode in (0, 3, 4), out_text
        return out_text

    files = ("predictions.jsonl", "predictions.csv", "rejects.jsonl", "summary.json")
    with FakeOpenAI(answer, rate_limits=2, errors=2) as server:
        predict(server, tmp_path / "c16", "--concurrency", "16")
        assert server.paths == {"/v1/completions": 11 * 2 + 4}  # 4 faults, asked again
        assert sum(server.answered.values()) == 22
        predict(server, tmp_path / "c16", "--concurrency", "16")  # a rerun: all cached
        assert sum(server.answered.values()) == 22
    with FakeOpenAI(answer) as server:
        predict(server, tmp_path / "c1", "--concurrency", "1")
    for name in files:
        assert (tmp_path / "c1" / name).read_bytes() == (tmp_path / "c16" / name).read_bytes()
    lines = [json.loads(x) for x in (tmp_path / "c1" / "predictions.jsonl").open()]
    kept = [r for r in rows if r["id"] != "p3"]
    assert [(x["id"], x["sample"]) for x in lines] == [(r["id"], k) for r in kept for k in (0, 1)]
    # Sample k of row i: seed (STYLE_SEED + i) x 2 + k, so the two samples differ.
    style_seed = load_generated(project, ["schema"])["schema"].STYLE_SEED
    assert lines[0]["output"].endswith(f"seed {style_seed * 2}.")
    assert lines[1]["output"].endswith(f"seed {style_seed * 2 + 1}.")
    assert lines[-1]["output"].endswith(f"seed {(style_seed + 11) * 2 + 1}.")
    summary = json.loads((tmp_path / "c1" / "summary.json").read_text())
    assert (summary["rows"], summary["answered"], summary["rejected"], summary["samples"]) == (
        12,
        11,
        1,
        22,
    )

    # Killed while the server holds its answers, then started again: nothing asked twice,
    # the same bytes as the uninterrupted run.
    # At most 4 in flight, so requests keep arriving after the 9th answer and are held
    # (with 64 in flight all 22 could arrive before any answer, and none be held).
    with FakeOpenAI(answer, hold_after=9) as server:
        proc = predict(
            server, tmp_path / "killed", "--checkpoint-every", "1", "--concurrency", "4", wait=False
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.faults["hold"] == 0:
            time.sleep(0.02)
        # Killed once every answer the server delivered is stored (one delivered and not
        # yet stored would be lost with the process, and asked again: that is no resume
        # bug, and a loaded machine makes it likely).
        while time.monotonic() < deadline:
            with sqlite3.connect(tmp_path / "killed" / "cache.sqlite") as con:
                stored = con.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            if stored == server.total_answered:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        server.release()
    assert proc.returncode == -signal.SIGKILL and 9 <= len(server.answered) < 22
    with FakeOpenAI(answer) as again:
        predict(again, tmp_path / "killed", "--checkpoint-every", "1")
        asked_again = set(again.answered)
    assert not asked_again & set(server.answered), "a sample was paid for twice"
    assert len(asked_again) + len(server.answered) == 22
    for name in files:
        assert (tmp_path / "killed" / name).read_bytes() == (tmp_path / "c1" / name).read_bytes()

    # Greedy: one request per row stands for both samples.
    with FakeOpenAI(answer) as server:
        predict(server, tmp_path / "greedy", "--temperature", "0")
        assert server.requests == 11
    lines = [json.loads(x) for x in (tmp_path / "greedy" / "predictions.jsonl").open()]
    assert len(lines) == 22 and lines[0]["output"] == lines[1]["output"]
    assert lines[0]["output"].endswith("seed None.")  # no seed is sent when greedy


FAKE_VLLM = '''
"""A stand-in for vLLM (which needs CUDA): records what it is asked in $FAKE_VLLM_LOG,
answers each prompt n times with text naming its seed, and fails the call numbered
$FAKE_VLLM_FAIL_AT (a crash mid-run)."""
import json
import os
import types


def _log(record):
    with open(os.environ["FAKE_VLLM_LOG"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\\n")


class SamplingParams:
    def __init__(self, **kwargs):
        self.kwargs = kwargs


class LLM:
    calls = 0

    def __init__(self, **kwargs):
        _log({"llm": kwargs})

    def generate(self, prompts, params, lora_request=None, use_tqdm=True):
        LLM.calls += 1
        if str(LLM.calls) == os.environ.get("FAKE_VLLM_FAIL_AT"):
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        lora = None if lora_request is None else list(lora_request.args)
        _log({"generate": [p.kwargs for p in params], "lora": lora, "use_tqdm": use_tqdm})
        results = []
        for prompt, p in zip(prompts, params):
            outputs = [
                types.SimpleNamespace(
                    text=f" *You* see seed {p.kwargs.get('seed')} sample {k}.",
                    finish_reason="stop",
                    token_ids=[1] * (k + 2),
                )
                for k in range(p.kwargs["n"])
            ]
            results.append(types.SimpleNamespace(prompt=prompt, outputs=outputs))
        return results
'''


def test_predict_with_vllm_offline_seeds_each_row_batches_and_resumes(tmp_path, tiny_model):
    """make predict ENGINE=vllm: vLLM offline (a stand-in here: vLLM needs CUDA) with the
    base model and the adapter as a LoRARequest, the adapter's rank, prefix caching and
    tensor parallelism; --batch-size rows per generate call, each row's samples seeded with
    STYLE_SEED + its index, in input order; a crash mid-run resumes to the same bytes;
    greedy asks one sample a row; without vLLM a clear error."""
    project = tmp_path / "g"
    build_into(SPEC, project, Overrides(model_base=str(tiny_model)))
    fake = tmp_path / "fake"
    (fake / "vllm" / "lora").mkdir(parents=True)
    (fake / "vllm" / "__init__.py").write_text(FAKE_VLLM, encoding="utf-8")
    (fake / "vllm" / "lora" / "__init__.py").write_text("", encoding="utf-8")
    (fake / "vllm" / "lora" / "request.py").write_text(
        "class LoRARequest:\n    def __init__(self, *args):\n        self.args = args\n",
        encoding="utf-8",
    )
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"r": 64}', encoding="utf-8")
    rows = [{"id": f"p{i}", "prompt": f"You walk to gate {i}."} for i in range(11)]
    rows[3]["prompt"] = ""
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    log = tmp_path / "vllm.jsonl"

    def predict(out, *extra, fail_at=None, pythonpath=str(fake)):
        env = {**os.environ, "PYTHONPATH": pythonpath, "FAKE_VLLM_LOG": str(log)}
        env["FAKE_VLLM_FAIL_AT"] = str(fail_at or "")
        command = [sys.executable, "-m", "pipeline.predict", str(path), "--out", str(out)]
        command += ["--engine", "vllm", "--adapter", str(adapter), "--samples", "2"]
        command += ["--batch-size", "4", "--checkpoint-every", "1", *extra]
        return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)

    done = predict(tmp_path / "whole", "--tensor-parallel", "2", "--temperature", "0.7")
    assert done.returncode in (0, 3, 4), done.stderr
    records = [json.loads(x) for x in log.read_text().splitlines()]
    schema = load_generated(project, ["schema"])["schema"]
    assert records[0]["llm"] == {
        "model": str(tiny_model),
        "tokenizer": schema.TOKENIZER,
        "enable_prefix_caching": True,
        "tensor_parallel_size": 2,
        "max_model_len": schema.MAX_SEQ_LENGTH,
        "seed": schema.STYLE_SEED,
        "enable_lora": True,
        "max_lora_rank": 64,
    }
    calls = [r for r in records if "generate" in r]
    # 10 rows with a prompt, a call per block of 4 input rows (row 3 has no prompt)
    assert [len(c["generate"]) for c in calls] == [3, 4, 3]
    kept = [i for i in range(11) if i != 3]
    seeds = [p["seed"] for c in calls for p in c["generate"]]
    assert seeds == [schema.STYLE_SEED + i for i in kept]  # the row's index, not its place
    assert all(p["n"] == 2 and p["temperature"] == 0.7 for c in calls for p in c["generate"])
    assert all(c["lora"] == ["adapter", 1, str(adapter)] and not c["use_tqdm"] for c in calls)
    lines = [json.loads(x) for x in (tmp_path / "whole" / "predictions.jsonl").open()]
    assert [(x["id"], x["sample"]) for x in lines] == [(f"p{i}", k) for i in kept for k in (0, 1)]
    assert lines[0]["output"] == f" *You* see seed {schema.STYLE_SEED} sample 0."
    assert lines[-1]["output"] == f" *You* see seed {schema.STYLE_SEED + 10} sample 1."
    summary = json.loads((tmp_path / "whole" / "summary.json").read_text())
    assert (summary["rows"], summary["answered"], summary["rejected"], summary["samples"]) == (
        11,
        10,
        1,
        20,
    )

    # The second call fails (a GPU fault): the first batch is kept, and the rerun writes
    # the same bytes as the uninterrupted run.
    log.unlink()
    crashed = predict(
        tmp_path / "crash", "--tensor-parallel", "2", "--temperature", "0.7", fail_at=2
    )
    assert crashed.returncode != 0 and "illegal memory access" in crashed.stderr
    assert not (tmp_path / "crash" / "summary.json").exists()
    again = predict(tmp_path / "crash", "--tensor-parallel", "2", "--temperature", "0.7")
    assert again.returncode == done.returncode, again.stderr
    assert "resuming after" in again.stdout + again.stderr
    resumed = [json.loads(x) for x in log.read_text().splitlines() if '"generate"' in x]
    # The checkpoint fell inside the first call's block (rows 0-3; row 3's reject is
    # written after the next answer): the rerun asks that call again, then goes on.
    firsts = [c["generate"][0]["seed"] - schema.STYLE_SEED for c in resumed]
    assert firsts == [0, 0, 4, 8]
    for name in ("predictions.jsonl", "predictions.csv", "rejects.jsonl", "summary.json"):
        assert (tmp_path / "crash" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()

    # Greedy: one sample a row stands for both, and no seed is sent.
    log.unlink()
    greedy = predict(tmp_path / "greedy", "--temperature", "0")
    assert greedy.returncode in (0, 3, 4), greedy.stderr
    params = [p for r in map(json.loads, log.open()) if "generate" in r for p in r["generate"]]
    assert all(
        p == {"n": 1, "temperature": 0.0, "max_tokens": schema.MAX_NEW_TOKENS} for p in params
    )
    lines = [json.loads(x) for x in (tmp_path / "greedy" / "predictions.jsonl").open()]
    assert len(lines) == 20 and lines[0]["output"] == lines[1]["output"]

    # Without vLLM: what to do, and nothing written.
    missing = predict(tmp_path / "none", pythonpath="")
    assert missing.returncode == 2
    assert "the vllm engine needs vLLM" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "none" / "predictions.jsonl").exists()


def test_predict_on_ray_writes_what_one_machine_writes(tmp_path, tiny_model):
    """make predict RAY=1 on a generation project: pipeline/predict_ray.py on a local Ray
    cluster (2 workers, windows of 5 rows, batches of 2) against the loopback server's
    text completions gives the files of the single-machine run, each sample asked with
    the same seed (seed + the row's index in the input), rejects in place; and the
    local engine on Ray continues the prompts as the local engine in one process."""
    pytest.importorskip("ray")
    from .fake_openai import FakeOpenAI

    project = tmp_path / "g"
    build_into(SPEC, project, Overrides(model_base=str(tiny_model)))
    rows = [{"id": f"p{i}", "prompt": f"You walk to gate {i}."} for i in range(11)]
    rows[3]["prompt"] = " "
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": "", "OPENAI_API_KEY": "k", "RAY_USAGE_STATS_ENABLED": "0"}
    files = ("predictions.jsonl", "predictions.csv", "rejects.jsonl", "summary.json")

    def predict(module, out, *extra):
        done = subprocess.run(
            [sys.executable, "-m", module, str(path), "--out", str(out), "--samples", "2", *extra],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode in (0, 3, 4), done.stdout[-2000:] + done.stderr[-3000:]

    ray = ["--ray-window", "5", "--ray-batch", "2", "--ray-workers", "2"]
    with FakeOpenAI(lambda body: f"{body['prompt']} *You* see seed {body.get('seed')}.") as server:
        predict("pipeline.predict", tmp_path / "one", "--server", server.url)
        predict("pipeline.predict_ray", tmp_path / "ray", "--server", server.url, *ray)
        assert sum(server.answered.values()) == 2 * 10 * 2  # each run asked each sample once
    seeds = [json.loads(x)["output"] for x in (tmp_path / "ray" / "predictions.jsonl").open()]
    assert seeds[-1].endswith(f"seed {(schema_seed(project) + 10) * 2 + 1}.")
    for name in files:
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    # A Ray worker of the local engine (called here without Ray: a cluster start is the
    # slow part) continues a batch as the local engine does in one process.
    local = ["--engine", "local", "--base", "--max-new-tokens", "8", "--temperature", "0"]
    predict("pipeline.predict", tmp_path / "one-local", *local)
    from distillgen.compile import project_imported

    options = {"adapter": None, "model": None, "samples": 2, "max_new_tokens": 8}
    options |= {"temperature": 0.0, "seed": schema_seed(project), "engine": "local"}
    batch = {"index": [0, 1], "seq": [9, 10], "prompt": [rows[9]["prompt"], rows[10]["prompt"]]}
    with project_imported(project, ("predict_ray",)) as mods:
        worker = mods["predict_ray"].Continuer({**options, "input": None, "out": None})
        answers = [json.loads(a) for a in worker(batch)["answer"]]
    written = [json.loads(x) for x in (tmp_path / "one-local" / "predictions.jsonl").open()]
    assert [a["samples"][0]["output"] for a in answers] == [w["output"] for w in written[-4::2]]


def schema_seed(project) -> int:
    return load_generated(project, ("schema",))["schema"].STYLE_SEED
