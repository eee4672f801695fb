"""Every backend teaches (issue 16): a task only the input decides, learned through each
generated project's real steps on a tiny local model on CPU.

The class of each synthetic review is decided by one keyword in it ('great' or 'awful', ...)
among random filler words, so a model that does not read the input stays at chance (0.5).
The same spec is built for mlx and peft (classification, the answer generated), as a
regression spec for the head route, and as a classification head on a tiny BERT encoder
(class weights, the checkpoint chosen by valid macro-F1); each project runs data, train,
eval (generate + score) and accept as its Makefile does, and must PASS with accuracy (tier
accuracy for the regression head, macro-F1 for the encoder) at least 0.9. The
answer-token loss (class token and end-of-turn, nothing else) is measured apart from the
tools on the test split, before and after training, each backend with its own framework;
it must fall by at least LOSS_DROP nats to at most LOSS_AFTER.

The tiny model's output layer is drawn with std 0.3 (compiler/tiny.py, output_std): with
the default 0.02 no logit can move more than ~1.3 from the others under LoRA, and the
answer can never become confident. The side-by-side record of the effective training on
each backend (optimizer updates, examples per update, the learning rate at every update
from each tool's own schedule code, trainable parameters, logged losses) is printed in the
terminal summary and written to learnability.txt in the test's tmp directory.
"""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import LEARNABILITY_RECORD

pytestmark = pytest.mark.slow

ROWS = 300
LOSS_AFTER = 0.1  # nats per answer token: a coin flip between two classes alone is ~0.35
LOSS_DROP = 3.0  # nats per answer token, from the untrained model
KEYWORDS = {"positive": ["great", "loved", "superb"], "negative": ["awful", "hated", "boring"]}
FILLER = (
    "the a this that film book meal room staff service plot ending price place story day visit show"
).split()
TRAINING = """
training:
  backend: {backend}
  lora: {{rank: 16, alpha: 32, dropout: 0.0, layers: all}}
  steps: 60
  batch_size: 4
  grad_accumulation: 2
  learning_rate: 3.0e-3
  warmup_steps: 6
  lr_schedule: cosine
  eval_every: 20
  save_every: 20
  seed: 0
"""
CLASSIFY = """version: 1
name: keyword
kind: classification
data:
  source: keyword.jsonl
  id_field: id
  inputs:
    review: {type: text, max_chars: 400}
labels:
  field: label
  classes: [positive, negative]
  baseline: {enabled: false}
prompt:
  template: |
    Review: {{ review }}
    Answer with the class only.
split: {train: 0.8, valid: 0.1, test: 0.1, seed: 0, stratify_by: label}
model: {base: model, max_seq_length: 128, chat_template: true}
eval: {max_new_tokens: 4}
acceptance:
  thresholds:
    - {metric: accuracy, pass: 0.9}
    - {metric: parse_rate, pass: 0.9}
"""
SCORE = """version: 1
name: keyword_score
kind: regression
data:
  source: keyword.jsonl
  id_field: id
  labels_key: scores
  inputs:
    review: {type: text, max_chars: 400}
labels:
  minimum: 0
  maximum: 10
  dimensions: [quality]
  route: head
  tiers:
    score: mean
    boundaries:
      - {name: low, below: 5.0}
      - {name: high}
prompt:
  template: |
    Review: {{ review }}
    Rate its quality from 0 to 10. Answer with JSON only: {{ answer_format }}
split: {train: 0.8, valid: 0.1, test: 0.1, seed: 0, stratify_by: tier}
model: {base: model, max_seq_length: 128, chat_template: true}
eval: {max_new_tokens: 16}
acceptance:
  thresholds:
    - {metric: tier_accuracy, pass: 0.9}
    - {metric: mae, pass: 1.5}
"""


# The classification head on a tiny BERT encoder (no chat template; LoRA on query, key,
# value and dense; the classifier in full), class weights from the train split, and the
# checkpoint chosen by macro-F1 on the valid split.
ENCODER_HEAD = (
    CLASSIFY.replace(
        "  baseline: {enabled: false}\n",
        "  baseline: {enabled: false}\n  route: head\n  class_weights: balanced\n",
    )
    .replace(
        "model: {base: model, max_seq_length: 128, chat_template: true}",
        "model: {base: model, max_seq_length: 128, chat_template: false, architecture: encoder}",
    )
    .replace("    - {metric: accuracy, pass: 0.9}", "    - {metric: macro_f1, pass: 0.9}")
)


def keyword_rows() -> list[dict]:
    rng = random.Random(16)
    rows = []
    for i in range(ROWS):
        label = "positive" if i % 2 == 0 else "negative"
        words = [rng.choice(FILLER) for _ in range(rng.randint(6, 10))]
        words.insert(rng.randrange(len(words) + 1), rng.choice(KEYWORDS[label]))
        score = 9 if label == "positive" else 1
        rows.append(
            {
                "id": f"r{i:03d}",
                "review": " ".join(words),
                "label": label,
                "scores": {"quality": score},
            }
        )
    return rows


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    from distillgen.tiny import build_tiny_model

    root = tmp_path_factory.mktemp("learnability")
    rows = keyword_rows()
    (root / "keyword.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    texts = [json.dumps(r) for r in rows] + [CLASSIFY, SCORE]
    model = build_tiny_model(root / "model", texts, output_std=0.3)
    return root, model


@pytest.fixture(scope="module")
def encoder(task):
    """A tiny BERT encoder and WordPiece tokenizer, learned from the same rows."""
    from distillgen.tiny import build_tiny_encoder

    root, _ = task
    texts = [json.dumps(r) for r in keyword_rows()] + [ENCODER_HEAD]
    return root, build_tiny_encoder(root / "encoder", texts, init_std=0.1, dropout=0.0)


def build(task, name: str, spec_text: str, backend: str) -> Path:
    from distillgen.compile import build_project
    from distillgen.ir import Overrides

    root, model = task
    spec = root / f"{name}.yaml"
    spec.write_text(spec_text.rstrip("\n") + "\n" + TRAINING.format(backend=backend))
    project = root / name
    build_project(spec, project, Overrides(model_base=str(model)))
    return project


def run_steps(project: Path) -> dict:
    """The Makefile's data, train, eval and accept recipes; the train log and timings."""
    from distillgen.smoke import _step_env

    steps = {
        "data": ["pipeline.data"],
        "train": ["pipeline.train"],
        "generate": ["pipeline.evaluate", "generate"],
        "score": ["pipeline.evaluate", "score"],
        "accept": ["pipeline.accept"],
    }
    out = {"seconds": {}}
    for name, args in steps.items():
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", *args],
            cwd=project,
            env=_step_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        out["seconds"][name] = time.perf_counter() - t0
        log = proc.stdout + proc.stderr
        if name == "accept":
            out["accept_code"] = proc.returncode
        else:
            assert proc.returncode == 0, f"{name} failed:\n{log[-4000:]}"
        if name == "train":
            out["train_log"] = re.sub(r"\x1b\[[0-9;]*m", "", log)
    out["metrics"] = json.loads((project / "work/eval/metrics.json").read_text())["summary"]
    out["decision"] = json.loads((project / "work/accept/accept.json").read_text())["decision"]
    return out


def answer_examples(project: Path, tokenizer) -> list[tuple[list[int], int]]:
    """(tokens, prompt length) of each test example: the answer tokens follow the prompt."""
    examples = []
    for line in (project / "work/data/test.jsonl").read_text().splitlines():
        messages = json.loads(line)["messages"]
        full = tokenizer.apply_chat_template(messages, return_dict=False)
        prompt = tokenizer.apply_chat_template(
            messages[:-1], add_generation_prompt=True, return_dict=False
        )
        assert full[: len(prompt)] == prompt and len(full) > len(prompt)
        examples.append((list(full), len(prompt)))
    return examples


def mlx_answer_loss(project: Path, model_dir: Path, adapter: Path | None) -> float:
    import mlx.core as mx
    import mlx.nn as nn
    from mlx_lm.utils import load

    model, tokenizer = load(str(model_dir), adapter_path=None if adapter is None else str(adapter))
    total, count = 0.0, 0
    for tokens, n_prompt in answer_examples(project, tokenizer):
        logits = model(mx.array([tokens[:-1]]))[0, n_prompt - 1 :]
        ce = nn.losses.cross_entropy(logits, mx.array(tokens[n_prompt:]), reduction="sum")
        total += ce.item()
        count += len(tokens) - n_prompt
    return total / count


def peft_answer_loss(project: Path, model_dir: Path, adapter: Path | None) -> float:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for tokens, n_prompt in answer_examples(project, tokenizer):
            logits = model(torch.tensor([tokens[:-1]])).logits[0, n_prompt - 1 :]
            target = torch.tensor(tokens[n_prompt:])
            total += torch.nn.functional.cross_entropy(logits, target, reduction="sum").item()
            count += len(tokens) - n_prompt
    return total / count


def adapter_parameters(path: Path) -> int:
    from safetensors import safe_open

    with safe_open(str(path), "np") as handle:
        return sum(math.prod(handle.get_slice(k).get_shape()) for k in handle.keys())


def mlx_training(project: Path, log: str) -> dict:
    """What mlx-lm ran: from the config it read, its own schedule code and its log."""
    import mlx.core as mx
    from mlx_lm.tuner.utils import build_schedule

    config = yaml.safe_load((project / "configs/mlx_lora.yaml").read_text())
    train_py = (project / "pipeline/train.py").read_text()
    accum = config["grad_accumulation_steps"]
    updates = config["iters"] // accum
    schedule = build_schedule(config["lr_schedule"])
    train = [
        (int(it) // accum, float(loss))
        for it, loss in re.findall(r"^\s*(\d+)\s+(\d+\.\d+)\s", log, flags=re.M)
    ]
    valid = [
        (int(it) // accum, float(loss))
        for it, loss in re.findall(r"^\s*(\d+)\s+val\s+(\d+\.\d+)", log, flags=re.M)
    ]
    assert train and train[-1][0] == updates, log[-2000:]
    return {
        "updates": updates,
        "examples_per_update": config["batch_size"] * accum,
        "lr": [schedule(mx.array(step)).item() for step in range(updates)],
        "optimizer": f"{config['optimizer']} {config['optimizer_config']['adam']}, "
        + re.search(r"^MAX_GRAD_NORM = .*?(?=  #|$)", train_py, flags=re.M).group(0).lower()
        + " (pipeline/train.py)",
        "trainable": adapter_parameters(project / "work/adapters/adapters.safetensors"),
        "train_loss": train,
        "valid_loss": valid,
    }


def peft_training(project: Path) -> dict:
    """What the Trainer ran: its config, transformers' schedule code and its log history."""
    import torch
    from transformers import TrainingArguments, get_scheduler

    training = yaml.safe_load((project / "configs/peft.yaml").read_text())["training"]
    summary = json.loads((project / "work/adapters/training_summary.json").read_text())
    updates = summary["global_step"]
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([param], lr=training["learning_rate"])
    scheduler = get_scheduler(
        training["lr_scheduler_type"],
        optimizer,
        num_warmup_steps=training["warmup_steps"],
        num_training_steps=training["max_steps"],
    )
    lrs = []
    for _ in range(updates):
        lrs.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    last = max(
        (project / "work/checkpoints").glob("checkpoint-*"),
        key=lambda p: int(p.name.split("-")[-1]),
    )
    history = json.loads((last / "trainer_state.json").read_text())["log_history"]
    args = TrainingArguments(output_dir=str(project / "work" / "unused"))
    return {
        "updates": updates,
        "examples_per_update": training["per_device_train_batch_size"]
        * training["gradient_accumulation_steps"],
        "lr": lrs,
        "optimizer": f"{args.optim.value}, weight_decay {args.weight_decay}, "
        f"max_grad_norm {args.max_grad_norm}",
        "trainable": adapter_parameters(project / "work/adapters/adapter_model.safetensors"),
        "train_loss": [(h["step"], h["loss"]) for h in history if "loss" in h],
        "valid_loss": [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h],
    }


def record(name: str, run: dict, training: dict, before: float | None, after: float | None):
    lines = [
        f"== {name}: {run['decision']}, "
        + ", ".join(
            f"{k} {run['metrics'][k]:.3f}"
            for k in ("accuracy", "macro_f1", "tier_accuracy", "mae")
            if k in run["metrics"]
        ),
        f"   optimizer updates {training['updates']}, examples per update "
        f"{training['examples_per_update']}, optimizer {training['optimizer']}",
        f"   trainable parameters {training['trainable']:,}",
        "   lr per update: " + " ".join(f"{lr:.2e}" for lr in training["lr"]),
        "   train loss (update, loss): "
        + " ".join(f"{s}:{v:.4f}" for s, v in training["train_loss"]),
        "   valid loss (update, loss): "
        + " ".join(f"{s}:{v:.4f}" for s, v in training["valid_loss"]),
    ]
    if before is not None:
        lines.append(f"   answer-token loss on test: {before:.3f} untrained -> {after:.4f} trained")
    lines.append("   seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in run["seconds"].items()))
    text = "\n".join(lines)
    LEARNABILITY_RECORD.append(text)
    return text


def check(run: dict, text: str, metric: str = "accuracy") -> None:
    assert run["metrics"][metric] >= 0.9, text
    assert run["accept_code"] == 0 and run["decision"] == "PASS", text


@pytest.mark.parametrize("backend", ["mlx", "peft"])
def test_classification_learns_the_keyword(task, backend):
    root, model = task
    project = build(task, f"keyword-{backend}", CLASSIFY, backend)
    run = run_steps(project)
    adapters = project / "work/adapters"
    if backend == "mlx":
        training = mlx_training(project, run["train_log"])
        loss = mlx_answer_loss
    else:
        training = peft_training(project)
        loss = peft_answer_loss
    before, after = loss(project, model, None), loss(project, model, adapters)
    text = record(f"classification on {backend}", run, training, before, after)
    (root / "learnability.txt").open("a").write(text + "\n")
    check(run, text)
    assert after <= LOSS_AFTER and before - after >= LOSS_DROP, text
    # rank 16 on q, k, v, o, gate, up, down of both blocks (hidden 64, kv 32, mlp 128)
    assert training["trainable"] == 2 * 16 * (4 * 64 + 2 * (64 + 32) + 3 * (64 + 128)), text
    assert training["updates"] == 60 and training["examples_per_update"] == 8, text


def test_regression_head_learns_the_keyword(task):
    root, _ = task
    project = build(task, "keyword-head", SCORE, "peft")
    run = run_steps(project)
    training = peft_training(project)
    text = record("regression head on peft", run, training, None, None)
    (root / "learnability.txt").open("a").write(text + "\n")
    check(run, text, "tier_accuracy")
    first, last = training["train_loss"][0][1], training["valid_loss"][-1][1]
    # MSE on scores scaled to 0..1: the keyword's scores are 0.1 and 0.9 (variance 0.16)
    assert last <= 0.01 and last <= first / 4, text


def test_classification_head_on_an_encoder_learns_the_keyword(encoder):
    """The classification head route on a tiny BERT: PASS at macro-F1 >= 0.9, and the
    checkpoint loaded at the end is the one with the best valid macro-F1."""
    root, _ = encoder
    project = build(encoder, "keyword-encoder", ENCODER_HEAD, "peft")
    run = run_steps(project)
    training = peft_training(project)
    text = record("classification head on a BERT encoder (peft)", run, training, None, None)
    (root / "learnability.txt").open("a").write(text + "\n")
    check(run, text, "macro_f1")
    assert run["metrics"]["parse_rate"] == 1.0, text  # a head always answers a class
    config = yaml.safe_load((project / "configs/peft.yaml").read_text())
    assert config["lora"]["target_modules"] == ["query", "key", "value", "dense"]
    # The best checkpoint by macro-F1, not by loss, is the one kept and saved.
    summary = json.loads((project / "work/adapters/training_summary.json").read_text())
    assert summary["best_by"] == "macro_f1", summary
    last = max(
        (project / "work/checkpoints").glob("checkpoint-*"),
        key=lambda p: int(p.name.split("-")[-1]),
    )
    evals = [
        h
        for h in json.loads((last / "trainer_state.json").read_text())["log_history"]
        if "eval_macro_f1" in h
    ]
    assert evals, text
    best = max(evals, key=lambda h: h["eval_macro_f1"])  # the first of the best, as Trainer
    assert summary["best_metric"] == best["eval_macro_f1"], (summary, evals)
    assert summary["best_checkpoint"].endswith(f"checkpoint-{best['step']}"), (summary, evals)
