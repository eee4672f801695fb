"""Constrained decoding (issue 20): the answer's constraint derived from the label schema
(pipeline/grammar.py), local generation held to it with llguidance, and what vLLM and
a server are sent (pipeline/constrain.py)."""

from __future__ import annotations

import json
import math
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, ROOT, build_into, load_generated
from tests.fake_openai import FakeOpenAI

MODULES = (
    "schema",
    "labels",
    "parse",
    "grammar",
    "constrain",
    "llm",
    "inference",
    "engine",
    "compare",
)


def _build(spec: Path, out: Path, tiny=None, **overrides) -> dict:
    """The project's modules, with the grammar parts its schema has (number_grammar,
    string_grammar, json_grammar)."""
    from distillgen.ir import Overrides

    model = {"model_base": str(tiny)} if tiny is not None else {}
    build_into(spec, out, Overrides(backend="peft", **model, **overrides))
    parts = ("number_grammar", "string_grammar", "json_grammar")
    return load_generated(
        out, MODULES + tuple(p for p in parts if (out / "pipeline" / f"{p}.py").is_file())
    )


def _mini_json(tmp: Path) -> Path:
    """The mini fixture (every label type) answered as JSON."""
    shutil.copytree(FIXTURES / "mini", tmp / "mini_json")
    spec = tmp / "mini_json" / "mini.yaml"
    text = spec.read_text(encoding="utf-8").replace(
        "completion_format: key_value", "completion_format: json"
    )
    spec.write_text(text, encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def projects(tmp_path_factory, tiny_model):
    """key_value (mini: categorical, string, integer range, number, boolean, N/A),
    json (the same fields), label (toxicity), and a JSON Schema (support_distill)."""
    tmp = tmp_path_factory.mktemp("constrained")
    return {
        "key_value": _build(FIXTURES / "mini" / "mini.yaml", tmp / "kv", tiny_model),
        "json": _build(_mini_json(tmp), tmp / "json", tiny_model),
        "label": _build(ROOT / "specs" / "toxicity.yaml", tmp / "label", tiny_model),
        "json_schema": _build(
            ROOT / "specs" / "support_distill.yaml", tmp / "distill", tiny_model, max_new_tokens=200
        ),
    }


# ------------------------------------------------------------------ the regex


@pytest.mark.parametrize("fmt", ["key_value", "json", "label"])
def test_every_answer_the_regex_allows_parses_inside_the_schema(projects, fmt):
    """Strings drawn from the constraint's regex read back as parsed, with every value
    one the label schema allows (the data step's own label check)."""
    mods = projects[fmt]
    regex = mods["grammar"].constraint()["regex"]

    @settings(
        max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(st.from_regex(re.compile(regex), fullmatch=True))
    def check(text):
        parsed = mods["parse"].parse(text)
        assert parsed.status == "parsed", (text, parsed.problems)
        _, problems = mods["labels"].check_labels(
            {k: (v if v is not None else mods["schema"].NA_TOKEN) for k, v in parsed.values.items()}
        )
        assert problems == [], (text, problems)

    check()


def test_the_regex_allows_the_completions_the_data_step_writes(projects):
    """Completions of valid labels (with numbers written I.F, as floats are) match."""
    mods = projects["key_value"]
    regex = re.compile(mods["grammar"].constraint()["regex"])
    labels = {"sentiment": "neutral", "topic": "battery life", "stars": 5, "score": 0.25}
    for sarcastic in (True, False, None):
        text = mods["labels"].render_completion({**labels, "sarcastic": sarcastic})
        assert regex.fullmatch(text), text
    for word in ("none", "null", "-", "NA", "n/a"):  # read as N/A: only "N/A" is written
        text = mods["labels"].render_completion({**labels, "topic": word, "sarcastic": True})
        assert not regex.fullmatch(text), text
    assert mods["grammar"].constraint()["choice"] is None
    assert projects["label"]["grammar"].constraint()["choice"] == [
        "safe",
        "mild",
        "toxic",
        "severe",
    ]


bounds = st.one_of(st.none(), st.integers(-3000, 3000).map(lambda n: Decimal(n) / 100))


@settings(max_examples=200, deadline=None, database=None)
@given(lo=bounds, hi=bounds, data=st.data())
def test_number_ranges(projects, lo, hi, data):
    """number_regex / integer_regex: exactly the decimals (I.F, 1..3 fraction digits) and
    integers inside [lo, hi]."""
    grammar = projects["key_value"]["number_grammar"]
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    number = re.compile(grammar.number_regex(lo and float(lo), hi and float(hi)))
    text = data.draw(st.from_regex(number, fullmatch=True))
    value = Decimal(text)
    assert (lo is None or value >= lo) and (hi is None or value <= hi), (lo, hi, text)
    low = lo if lo is not None else Decimal(-(10**6))
    high = hi if hi is not None else Decimal(10**6)
    inside = data.draw(st.decimals(low, high, places=3, allow_nan=False))
    written = f"{inside:.{data.draw(st.integers(1, 3))}f}"
    if Decimal(written) == inside and written not in ("-0.0", "-0.00", "-0.000"):
        assert number.fullmatch(written), (lo, hi, written)
    first, last = math.ceil(low), math.floor(high)
    if first > last:
        return  # no integer inside
    integer = re.compile(grammar.integer_regex(lo and float(lo), hi and float(hi)))
    n = int(data.draw(st.from_regex(integer, fullmatch=True)))
    assert (lo is None or n >= lo) and (hi is None or n <= hi), (lo, hi, n)
    assert integer.fullmatch(str(data.draw(st.integers(first, last)))), (lo, hi)


# --------------------------------------------------------- local generation


def _items(mods, n: int = 4) -> list[dict]:
    inputs = {"text": "a review", "source_name": None, "instruction": "x", "input": None}
    return [
        {"messages": [{"role": "user", "content": f"Prompt {i}: {inputs['text']} {i * 7}"}]}
        for i in range(n)
    ]


@pytest.mark.parametrize("fmt", ["key_value", "json", "label", "json_schema"])
def test_untrained_model_constrained_parses_every_answer(projects, tiny_model, fmt):
    """An untrained tiny model writes noise; held to the schema, every answer parses and
    every value is inside the schema (parse rate 1.0)."""
    mods = projects[fmt]
    opts = mods["inference"].Options(model=str(tiny_model), batch_size=4, constrained=True)
    answers = [a for _, a in mods["engine"].stream(_items(mods), opts)]
    assert len(answers) == 4
    for answer in answers:
        parsed = mods["parse"].parse(answer["output"])
        assert answer["finish"] == "stop", answer
        assert parsed.status == "parsed", (answer["output"], parsed.problems)
        if fmt == "json_schema":
            assert mods["labels"].schema_problems(json.loads(answer["output"])) == []
        else:
            values = {
                k: (v if v is not None else mods["schema"].NA_TOKEN)
                for k, v in parsed.values.items()
            }
            assert mods["labels"].check_labels(values)[1] == [], answer["output"]
    # Unconstrained, the same model's noise does not parse: the constraint did the work.
    plain = mods["inference"].Options(model=str(tiny_model), batch_size=4, max_new_tokens=40)
    loose = [a for _, a in mods["engine"].stream(_items(mods), plain)]
    assert sum(mods["parse"].parse(a["output"]).status == "parsed" for a in loose) < 4


def test_unconstrained_output_is_unchanged(projects, tiny_model):
    """With the option off, answers are byte for byte model.generate's greedy ones with
    no logits processor (what generation was before the option existed)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    mods = projects["key_value"]
    items = _items(mods, 3)
    opts = mods["inference"].Options(model=str(tiny_model), batch_size=3, max_new_tokens=24)
    got = [a["output"] for _, a in mods["engine"].stream(items, opts)]
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model))
    model = AutoModelForCausalLM.from_pretrained(str(tiny_model)).eval()
    prompts = [
        tokenizer.apply_chat_template(i["messages"], add_generation_prompt=True, return_dict=False)
        for i in items
    ]
    width = max(map(len, prompts))
    pad = tokenizer.pad_token_id
    ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    with torch.no_grad():
        out = model.generate(
            input_ids=ids,
            attention_mask=mask,
            max_new_tokens=24,
            do_sample=False,
            pad_token_id=pad,
            eos_token_id=tokenizer.eos_token_id,
        )
    want = []
    for row in out[:, width:].tolist():
        eos = tokenizer.eos_token_id
        want.append(
            tokenizer.decode(row[: row.index(eos)] if eos in row else row, skip_special_tokens=True)
        )
    assert got == want


def test_the_report_shows_both_decodings_side_by_side(projects):
    """work/eval scored unconstrained and work/eval-constrained constrained: each report
    shows both parse rates; with only one run, no such table."""
    compare = projects["key_value"]["compare"]
    work = compare.ROOT / "work"
    loose = {"model": "tuned", "constrained": False, "summary": {"parse_rate": 0.5}}
    tight = {"model": "tuned", "constrained": True, "summary": {"parse_rate": 1.0}}
    assert compare.decoding(tight, work / "eval-constrained") is None
    (work / "eval").mkdir(parents=True)
    (work / "eval" / "metrics.json").write_text(json.dumps(loose), encoding="utf-8")
    side = compare.decoding(tight, work / "eval-constrained")
    assert side["unconstrained"]["parse_rate"] == 0.5
    assert side["constrained"]["parse_rate"] == 1.0
    lines = compare.decoding_markdown(side, lambda name, value: f"{value:.1%}")
    assert "| parse_rate | 50.0% | 100.0% |" in lines
    (work / "eval-constrained").mkdir()
    (work / "eval-constrained" / "metrics.json").write_text(json.dumps(tight), encoding="utf-8")
    assert compare.decoding(loose, work / "eval")["constrained"]["parse_rate"] == 1.0
    assert compare.decoding(tight, work / "eval") is None  # the same decoding


# ------------------------------------------------------------- vLLM, servers


def test_vllm_gets_structured_outputs(projects):
    inference = projects["key_value"]["inference"]
    _, sampling, _ = inference.vllm_args(inference.Options(engine="vllm"))
    assert "structured_outputs" not in sampling
    _, sampling, _ = inference.vllm_args(inference.Options(engine="vllm", constrained=True))
    assert sampling["structured_outputs"] == {
        "regex": projects["key_value"]["grammar"].constraint()["regex"]
    }
    inference = projects["label"]["inference"]
    _, sampling, _ = inference.vllm_args(inference.Options(engine="vllm", constrained=True))
    assert sampling["structured_outputs"] == {"choice": ["safe", "mild", "toxic", "severe"]}
    inference = projects["json_schema"]["inference"]
    _, sampling, _ = inference.vllm_args(inference.Options(engine="vllm", constrained=True))
    assert sampling["structured_outputs"] == {
        "json": projects["json_schema"]["schema"].ANSWER_SCHEMA
    }


def _serve(mods, monkeypatch, **opts) -> list[dict]:
    bodies: list[dict] = []

    def answer(body):
        bodies.append(body)
        return "intent: refund"

    from distillgen.compile import project_imported

    monkeypatch.setenv("OPENAI_API_KEY", "k")
    project = Path(mods["schema"].__file__).parents[1]
    with FakeOpenAI(answer) as server, project_imported(project, ("engine", "inference")) as m:
        options = m["inference"].Options(engine="server", server=server.url, **opts)
        list(m["engine"].stream(_items(mods, 2), options))
    return bodies


def test_a_server_gets_response_format_for_json_answers(projects, monkeypatch):
    mods = projects["json"]
    bodies = _serve(mods, monkeypatch, constrained=True)
    assert len(bodies) == 2
    fmt = bodies[0]["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"] == mods["json_grammar"].json_schema()
    assert list(fmt["json_schema"]["schema"]["properties"]) == mods["schema"].FIELD_NAMES
    assert "response_format" not in _serve(mods, monkeypatch)[0]  # off: the same request


def test_a_vllm_server_gets_structured_outputs_and_response_format_refuses_text(
    projects, monkeypatch
):
    mods = projects["label"]
    bodies = _serve(mods, monkeypatch, constrained=True, constrain_with="vllm")
    assert bodies[0]["structured_outputs"] == {"choice": ["safe", "mild", "toxic", "severe"]}
    with pytest.raises(SystemExit, match="constrains only JSON"):
        _serve(mods, monkeypatch, constrained=True)


# ------------------------------------------------------------------- the spec


def _with(spec: Path, section: str, line: str) -> Path:
    """``spec`` with ``line`` added to its top-level ``section`` (made when missing)."""
    text = spec.read_text(encoding="utf-8")
    head = f"\n{section}:\n"
    text = text.replace(head, head + f"  {line}\n") if head in text else text + head + f"  {line}\n"
    spec.write_text(text, encoding="utf-8")
    return spec


def test_spec_keys_and_what_cannot_be_constrained(tmp_path):
    from distillgen.compile import compile_spec
    from distillgen.errors import SpecError

    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    _, _, files = compile_spec(_with(specs / "poetry.yaml", "eval", "constrained: true"))
    assert "EVAL_CONSTRAINED = True" in files["pipeline/schema.py"]
    assert "PREDICT_CONSTRAINED = False" in files["pipeline/schema.py"]
    _, _, files = compile_spec(_with(specs / "uplifting.yaml", "teacher", "constrained: true"))
    assert '"constrained": True' in files["pipeline/schema.py"]  # JSON: response_format
    _with(specs / "uplifting.yaml", "prompt", "completion_format: key_value")
    with pytest.raises(SpecError, match="response_format constrains JSON answers only"):
        compile_spec(specs / "uplifting.yaml")
    _with(specs / "uplifting.yaml", "teacher", "constrain_with: vllm")
    compile_spec(specs / "uplifting.yaml")
    with pytest.raises(SpecError, match="free text"):
        compile_spec(_with(specs / "gaea_style.yaml", "eval", "constrained: true"))


@pytest.mark.parametrize("fmt", ["key_value", "label"])
def test_mlx_local_engine_constrained_parses_every_answer(tmp_path, tiny_model, fmt):
    """The mlx backend's local engine holds answers to the schema too (llguidance's mask
    as an mlx-lm logits processor): the untrained tiny model's answers all parse."""
    pytest.importorskip("mlx_lm")
    from distillgen.ir import Overrides

    spec = FIXTURES / "mini" / "mini.yaml" if fmt == "key_value" else ROOT / "specs/toxicity.yaml"
    build_into(spec, tmp_path / "mlx", Overrides(backend="mlx", model_base=str(tiny_model)))
    mods = load_generated(tmp_path / "mlx", MODULES)
    assert "llguidance" in (tmp_path / "mlx" / "requirements.txt").read_text()
    opts = mods["inference"].Options(model=str(tiny_model), constrained=True)
    answers = [a for _, a in mods["engine"].stream(_items(mods, 3), opts)]
    assert len(answers) == 3
    for answer in answers:
        parsed = mods["parse"].parse(answer["output"])
        assert answer["finish"] == "stop" and parsed.status == "parsed", answer
        values = {
            k: (v if v is not None else mods["schema"].NA_TOKEN) for k, v in parsed.values.items()
        }
        assert mods["labels"].check_labels(values)[1] == [], answer["output"]
    # with confidence asked too, each token's log-probability is after the mask
    opts = mods["inference"].Options(model=str(tiny_model), constrained=True, logprobs=True)
    (answer,) = [a for _, a in mods["engine"].stream(_items(mods, 1), opts)]
    assert mods["parse"].parse(answer["output"]).status == "parsed"
    assert all(lp <= 0.0 for _, lp in answer["logprobs"])


def test_mlx_local_engine_batches_constrained_answers_as_one_at_a_time(
    tmp_path, tiny_model, monkeypatch
):
    """Constrained answers (and their log-probabilities) come in batches too, each answer
    with its own grammar state: a batch of 4 gives the answers of 4 batches of 1, and an
    unconstrained answer is the text, finish and log-probabilities mlx-lm's own
    stream_generate gives for the same prompt (but for what the detokenizer holds back
    at a stop, which mlx-lm's server drops and stream_generate keeps)."""
    pytest.importorskip("mlx_lm")
    from mlx_lm import load, stream_generate

    from distillgen.ir import Overrides

    build_into(
        FIXTURES / "mini" / "mini.yaml",
        tmp_path / "mlx",
        Overrides(backend="mlx", model_base=str(tiny_model)),
    )
    mods = load_generated(tmp_path / "mlx", MODULES)
    options = mods["inference"].Options
    items = _items(mods, 4)
    import importlib

    generate = importlib.import_module("mlx_lm.generate")  # (mlx_lm.generate: a function)
    inserted = []

    class Counting(generate.BatchGenerator):
        def insert(self, prompts, *args, **kwargs):
            inserted.append(len(prompts))
            return super().insert(prompts, *args, **kwargs)

    monkeypatch.setattr(generate, "BatchGenerator", Counting)
    for constrained in (True, False):
        answers = {}
        for size in (1, 4):
            opts = options(
                model=str(tiny_model), constrained=constrained, logprobs=True, batch_size=size
            )
            inserted.clear()
            answers[size] = [a for _, a in mods["engine"].stream(items, opts)]
            assert inserted == [size] * (4 // size)  # batched, constrained or not
        assert answers[4] == answers[1]
        for answer in answers[4]:
            pieces = answer["logprobs"]
            assert "".join(text for text, _ in pieces) == answer["output"]
            assert answer["tokens"] == len(pieces) - (answer["finish"] == "stop")
        if constrained:
            assert all(mods["parse"].parse(a["output"]).status == "parsed" for a in answers[4])
    model, tokenizer = load(str(tiny_model))
    prompt = tokenizer.apply_chat_template(
        items[0]["messages"], add_generation_prompt=True, return_dict=False
    )
    max_tokens = mods["schema"].MAX_NEW_TOKENS
    responses = list(stream_generate(model, tokenizer, prompt, max_tokens=max_tokens))
    kept = [r.text if r.finish_reason != "stop" else "" for r in responses]
    expected = [[text, r.logprobs[r.token].item()] for text, r in zip(kept, responses, strict=True)]
    first = answers[1][0]
    assert first["output"] == "".join(kept)
    assert first["finish"] == responses[-1].finish_reason
    assert [t for t, _ in first["logprobs"]] == [t for t, _ in expected]
    got = [lp for _, lp in first["logprobs"]]
    assert got == pytest.approx([lp for _, lp in expected], abs=1e-4)


def test_mlx_answer_at_a_stop_drops_what_the_detokenizer_holds_back(tmp_path, tiny_model):
    """At a stop, mlx-lm's server drops the bytes of an unfinished character (and a lone
    trailing space) that its streaming detokenizer still holds; eval writes the answer as
    the server does, or parity fails on a served answer that is the same tokens (found by
    a label-format spec's smoke). At max_new_tokens both write them."""
    pytest.importorskip("mlx_lm")
    from mlx_lm import load

    from distillgen.ir import Overrides

    build_into(
        FIXTURES / "mini" / "mini.yaml",
        tmp_path / "mlx",
        Overrides(backend="mlx", model_base=str(tiny_model)),
    )
    engine = load_generated(tmp_path / "mlx", MODULES)["engine"]
    _, tokenizer = load(str(tiny_model))
    vocab = tokenizer._tokenizer.get_vocab()
    # "a", then the first byte of a three-byte character (as byte-level BPE writes it)
    tokens = [vocab["a"], vocab["\u00e2"]]
    eos = tokenizer.eos_token_ids
    stop = next(iter(eos)) if isinstance(eos, (set, list)) else eos
    stopped = engine.answer(tokenizer, [(t, -0.5) for t in [*tokens, stop]], "stop", True)
    assert stopped["output"] == "a" and stopped["tokens"] == 2
    assert stopped["logprobs"] == [["a", -0.5], ["", -0.5], ["", -0.5]]
    cut = engine.answer(tokenizer, [(t, -0.5) for t in tokens], "length", True)
    assert cut["output"] == "a\ufffd"
    assert "".join(text for text, _ in cut["logprobs"]) == cut["output"]


def test_eval_and_predict_constrained_through_their_commands(tmp_path, tiny_model):
    """The option end to end, as `make eval-constrained`, `make eval` and `make predict
    CONSTRAINED=1` run it: the untrained tiny model's held-out answers all parse when
    constrained and not otherwise, the report shows the two parse rates side by side,
    and predict's summary counts every row parsed."""
    import os
    import subprocess
    import sys

    from distillgen.ir import Overrides

    project = tmp_path / "mini"
    build_into(
        FIXTURES / "mini" / "mini.yaml",
        project,
        Overrides(backend="peft", model_base=str(tiny_model), max_new_tokens=40),
    )

    def run(*args):
        done = subprocess.run(
            [sys.executable, "-m", *args],
            cwd=project,
            env={**os.environ, "PYTHONPATH": ""},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    model = ["--model", str(tiny_model)]
    run("pipeline.data")
    tight = "work/eval-constrained"
    out = run("pipeline.evaluate", "generate", "--constrained", *model, "--out", f"{tight}/p.jsonl")
    assert "constrained decoding, the answers held to" in out
    run("pipeline.evaluate", "score", "--predictions", f"{tight}/p.jsonl", "--out", tight)
    run("pipeline.evaluate", "generate", *model)
    report = run("pipeline.evaluate", "score")
    loose = json.loads((project / "work/eval/metrics.json").read_text(encoding="utf-8"))
    held = json.loads((project / tight / "metrics.json").read_text(encoding="utf-8"))
    assert held["constrained"] is True and loose["constrained"] is False
    assert held["summary"]["parse_rate"] == 1.0 > loose["summary"]["parse_rate"]
    assert "## Constrained and unconstrained decoding" in report
    side = report.split("## Constrained and unconstrained decoding")[1]
    row = next(line for line in side.splitlines() if line.startswith("| parse_rate |"))
    name, unconstrained, constrained = (cell.strip() for cell in row.strip("|").split("|"))
    assert constrained == "100.0%" != unconstrained
    corpus = tmp_path / "corpus.jsonl"
    rows = [{"text": f"Review number {i}: it broke after {i} days."} for i in range(5)]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for flag, where in (("--constrained", "tight"), ("--unconstrained", "loose")):
        args = [str(corpus), "--engine", "local", *model, flag, "--out", str(tmp_path / where)]
        subprocess.run(
            [sys.executable, "-m", "pipeline.predict", *args],
            cwd=project,
            env={**os.environ, "PYTHONPATH": ""},
            capture_output=True,
            timeout=600,
        )
    summary = json.loads((tmp_path / "tight" / "summary.json").read_text(encoding="utf-8"))
    assert summary["constrained"] is True and summary["parse_status"] == {"parsed": 5}
    summary = json.loads((tmp_path / "loose" / "summary.json").read_text(encoding="utf-8"))
    assert summary["parse_status"].get("parsed", 0) < 5
