"""The classification head route (issue 20) and checkpoint choice by the task metric.

In-process and cheap: spec checks, the head's answers and class weights, the token
audit without a chat template, the Trainer keeping the checkpoint of the best metric
(a scripted metric history on a toy model) and the generative route's sample metric
on the tiny causal model. The training run itself is in tests/test_learnability.py.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, build_into, load_generated

TOXICITY = (ROOT / "specs" / "toxicity.yaml").read_text()
HEAD = ROOT / "generated" / "toxicity-head"


def spec_in(tmp_path: Path, text: str) -> Path:
    """A variant of a spec beside a copy of its data."""
    (tmp_path / "data").mkdir(exist_ok=True)
    shutil.copy(ROOT / "specs" / "data" / "toxicity.jsonl", tmp_path / "data")
    path = tmp_path / "x.yaml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> dict[str, str]:
    """field path -> message of every problem the spec has."""
    from distillgen.compile import compile_spec
    from distillgen.errors import SpecError

    with pytest.raises(SpecError) as caught:
        compile_spec(spec_in(tmp_path, text))
    return {p.path: p.message for p in caught.value.problems}


def head_spec(labels: str = "", model: str = "", training: str = "") -> str:
    text = TOXICITY.replace("  balance: oversample\n", "  route: head\n" + labels)
    text = text.replace("  chat_template: true\n", "  chat_template: true\n" + model)
    text = text.replace("  backend: mlx\n", "  backend: peft\n" + training)
    return text


# ------------------------------------------------------------------ spec checks


def test_class_weights_need_the_head_and_exclude_oversampling(tmp_path):
    found = problems(
        tmp_path, TOXICITY.replace("  balance:", "  class_weights: balanced\n  balance:")
    )
    assert "labels.route: head" in found["labels.class_weights"]
    text = head_spec("  class_weights: balanced\n  balance: oversample\n")
    assert "choose one" in problems(tmp_path, text)["labels.class_weights"]


def test_an_encoder_needs_the_head_route_and_no_chat_template(tmp_path):
    encoder = TOXICITY.replace(
        "  chat_template: true\n", "  chat_template: true\n  architecture: encoder\n"
    )
    assert "cannot generate answers" in problems(tmp_path, encoder)["model.architecture"]
    found = problems(tmp_path, head_spec(model="  architecture: encoder\n"))
    assert "set chat_template: false" in found["model.chat_template"]
    # no chat template stays refused on the generative route (the prompt is masked by it)
    plain = TOXICITY.replace("chat_template: true", "chat_template: false")
    assert "prompt masking" in problems(tmp_path, plain)["model.chat_template"]


def test_select_by_metric_on_the_generative_route_needs_a_backend_that_can(tmp_path):
    text = TOXICITY.replace("  backend: mlx\n", "  backend: mlx\n  select_by: metric\n")
    assert "eval loss only" in problems(tmp_path, text)["training.select_by"]


def test_an_encoder_head_spec_compiles_to_lora_on_bert_modules(tmp_path):
    from distillgen.compile import compile_spec

    text = head_spec(
        "  class_weights: balanced\n  balance: none\n", "  architecture: encoder\n"
    ).replace("chat_template: true", "chat_template: false")
    _, _, files = compile_spec(spec_in(tmp_path, text), tmp_path / "out")
    config = files["configs/peft.yaml"]
    assert "target_modules:\n  - query\n  - key\n  - value\n  - dense\n" in config
    assert "task_type: SEQ_CLS" in config and "metric_for_best_model: macro_f1" in config
    schema = files["pipeline/schema.py"]
    assert 'CLASS_WEIGHTS = "balanced"' in schema and "CHAT_TEMPLATE = False" in schema
    readme = files["README.md"]
    assert (
        "| `model.architecture` | encoder | `lora.target_modules` | query, key, value, dense |"
        in readme
    )
    assert (
        "| `labels.class_weights` | balanced | `loss` | cross-entropy weighted per class |"
        in readme
    )


def test_route_head_on_an_mlx_spec_builds_for_the_backend_that_trains_it(tmp_path):
    from distillgen.compile import compile_spec
    from distillgen.ir import Overrides

    _, out, files = compile_spec(ROOT / "specs" / "toxicity.yaml", None, Overrides(route="head"))
    assert out.name == "toxicity-head"
    assert "configs/peft.yaml" in files and "pipeline/head_task.py" in files
    gen = ROOT / "generated" / "toxicity"
    for name in ("data.py", "parse.py", "metrics.py", "labels.py", "accept.py", "task.py"):
        assert files[f"pipeline/{name}"] == (gen / "pipeline" / name).read_text(), name


@pytest.mark.parametrize(
    ("thresholds", "metric", "greater"),
    [
        ("    - {metric: macro_f1, pass: 0.7}\n", "macro_f1", True),
        # parse_rate and the baseline's metrics do not judge the answers: skipped
        (
            "    - {metric: parse_rate, pass: 0.9}\n    - {metric: macro_f1_gain, pass: 0.0}\n"
            "    - {metric: recall.severe, pass: 0.8}\n",
            "recall.severe",
            True,
        ),
        ("    - {metric: parse_rate, pass: 0.9}\n", "macro_f1", True),  # the kind's own
    ],
)
def test_the_selection_metric_is_the_first_threshold_that_answers_decide(
    tmp_path, thresholds, metric, greater
):
    from distillgen.compile import compile_spec

    text = head_spec()
    start = text.index("  thresholds:\n") + len("  thresholds:\n")
    _, _, files = compile_spec(spec_in(tmp_path, text[:start] + thresholds), tmp_path / "o")
    config = files["configs/peft.yaml"]
    assert f"metric_for_best_model: {metric}\n" in config
    assert f"greater_is_better: {'true' if greater else 'false'}\n" in config
    assert f"SELECT_METRIC = {metric!r}".replace("'", '"') in files["pipeline/schema.py"]


def test_regression_selects_by_lower_mae():
    config = (ROOT / "generated" / "uplifting-head" / "configs" / "peft.yaml").read_text()
    assert "metric_for_best_model: mae\n  greater_is_better: false\n" in config


# ------------------------------------------------------------------ the head


def test_the_head_answers_the_class_of_the_largest_logit_as_the_generative_route(tmp_path):
    mods = load_generated(HEAD, ["schema", "head_task", "parse"])
    head_task, parse = mods["head_task"], mods["parse"]
    assert head_task.answer([0.1, 2.0, -1.0, 0.5]) == "mild"
    assert parse.parse(head_task.answer([0.0, 0.0, 0.0, 3.0])).values == {"label": "severe"}
    assert head_task.target({"label": "toxic"}) == 2
    assert head_task.class_weights([{"labels": 0}]) is None  # class_weights: none
    assert head_task.loss_function([{"labels": 0}]) is None


def test_balanced_class_weights_and_the_weighted_loss(tmp_path):
    import numpy as np
    import torch
    from sklearn.utils.class_weight import compute_class_weight

    text = head_spec("  class_weights: balanced\n  balance: none\n")
    build_into(spec_in(tmp_path, text), tmp_path / "p")
    head_task = load_generated(tmp_path / "p", ["schema", "head_task"])["head_task"]
    labels = [0] * 6 + [1] * 3 + [2] * 2 + [3]
    train = [{"labels": y} for y in labels]
    expected = compute_class_weight("balanced", classes=np.arange(4), y=np.array(labels))
    assert head_task.class_weights(train) == pytest.approx(list(expected))
    assert head_task.class_weights([{"labels": 0}, {"labels": 1}])[2:] == [1.0, 1.0]
    loss = head_task.loss_function(train)
    torch.manual_seed(0)
    logits, y = torch.randn(12, 4), torch.tensor(labels)
    per_example = torch.nn.functional.cross_entropy(logits, y, reduction="none")
    weighted = per_example * torch.tensor(expected, dtype=torch.float32)[y]
    # over one batch: the mean of the weighted losses
    assert loss({"logits": logits}, y).item() == pytest.approx(weighted.mean().item(), rel=1e-5)
    # two accumulated micro-batches sum to the same (the Trainer passes their item count)
    halves = [
        loss({"logits": logits[s]}, y[s], num_items_in_batch=torch.tensor(12))
        for s in (slice(0, 5), slice(5, 12))
    ]
    assert sum(h.item() for h in halves) == pytest.approx(weighted.mean().item(), rel=1e-5)


def test_the_data_step_measures_an_encoder_prompt_as_the_head_reads_it(tmp_path):
    from distillgen.compile import project_imported
    from distillgen.tiny import build_tiny_encoder

    text = head_spec(model="  architecture: encoder\n").replace(
        "chat_template: true", "chat_template: false"
    )
    build_into(spec_in(tmp_path, text), tmp_path / "p")
    model = build_tiny_encoder(tmp_path / "enc", ["a rude comment here", "you moderate"] * 20)
    conversations = [
        [
            {"role": "system", "content": "You moderate."},
            {"role": "user", "content": "a rude comment"},
            {"role": "assistant", "content": "mild"},
        ]
    ]
    with project_imported(tmp_path / "p", ("data", "head", "schema")) as mods:
        audit = mods["data"].TokenAudit(str(model))
        ids = mods["head"].prompt_ids(audit.tokenizer, conversations[0][:-1])
        [(n_prompt, total)] = audit.lengths(conversations)
    tokenizer = audit.tokenizer
    assert ids == tokenizer("You moderate.\n\na rude comment")["input_ids"]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    assert n_prompt == len(ids)
    assert total == n_prompt + len(tokenizer("mild", add_special_tokens=False)["input_ids"])


# ------------------------------------------------------ the checkpoint kept


def test_the_trainer_keeps_the_checkpoint_with_the_best_metric_not_the_lowest_loss(tmp_path):
    """The head route's config (metric_for_best_model macro_f1, greater is better, the
    best loaded at the end) with a scripted metric history: the loss falls at every
    evaluation, macro-F1 peaks at the second, and the second's weights are the ones left."""
    import torch
    import yaml
    from transformers import Trainer, TrainingArguments

    training = yaml.safe_load((HEAD / "configs" / "peft.yaml").read_text())["training"]
    training.update(max_steps=80, per_device_train_batch_size=4, per_device_eval_batch_size=4)
    training.pop("num_train_epochs")
    assert (training["eval_steps"], training["save_steps"]) == (20, 20)

    class Toy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Linear(1, 1)

        def forward(self, x, labels=None):
            out = self.w(x)
            return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}

    history = iter([0.30, 0.90, 0.50, 0.40])
    data = [{"x": torch.tensor([float(i)]), "labels": torch.tensor([2.0 * i])} for i in range(8)]
    weights = {}

    def compute_metrics(prediction):
        return {"macro_f1": next(history)}

    from transformers import TrainerCallback

    class Snapshot(TrainerCallback):  # the weights at each evaluation
        def on_evaluate(self, args, state, control, model=None, **kwargs):
            weights[state.global_step] = model.w.weight.detach().clone()

    torch.manual_seed(0)
    model = Toy()
    trainer = Trainer(
        model=model,
        args=TrainingArguments(output_dir=str(tmp_path / "ckpt"), **training),
        train_dataset=data,
        eval_dataset=data,
        compute_metrics=compute_metrics,
        callbacks=[Snapshot()],
    )
    trainer.train()
    evals = [h for h in trainer.state.log_history if "eval_loss" in h]
    losses = [h["eval_loss"] for h in evals]
    assert losses == sorted(losses, reverse=True)  # the lowest loss is the last
    assert [h["eval_macro_f1"] for h in evals] == [0.30, 0.90, 0.50, 0.40]
    assert trainer.state.best_model_checkpoint.endswith("checkpoint-40")
    assert trainer.state.best_metric == 0.90
    assert torch.equal(model.w.weight, weights[40]) and not torch.equal(model.w.weight, weights[80])


def test_the_generative_route_scores_a_sample_of_generated_valid_answers(tmp_path, tiny_model):
    """select_by: metric on the generative route: at each evaluation the first
    select_sample valid prompts are answered greedily and scored as eval scores them."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerControl, TrainerState

    from distillgen.compile import project_imported

    text = TOXICITY.replace("  backend: mlx\n", "  backend: peft\n  select_by: metric\n")
    text = text.replace("  save_every: 20\n", "  save_every: 20\n  select_sample: 3\n")
    files = build_into(spec_in(tmp_path, text), tmp_path / "p")
    assert "metric_for_best_model: macro_f1" in files["configs/peft.yaml"]
    data = tmp_path / "p" / "work" / "data"
    data.mkdir(parents=True)
    rows = [("you are kind", "safe"), ("you are dumb", "toxic"), ("hello", "safe"), ("x", "mild")]
    with open(data / "valid.jsonl", "w") as chats, open(data / "valid.gold.jsonl", "w") as golds:
        for i, (comment, label) in enumerate(rows):
            messages = [
                {"role": "user", "content": f"Comment: {comment}"},
                {"role": "assistant", "content": label},
            ]
            chats.write(json.dumps({"messages": messages}) + "\n")
            golds.write(json.dumps({"id": str(i), "labels": {"label": label}}) + "\n")
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    model.train()
    state = TrainerState()
    state.log_history = [{"eval_loss": 1.0, "step": 20}]
    metrics = {"eval_loss": 1.0}
    with project_imported(tmp_path / "p", ("select", "generate_hf", "metrics", "parse")) as mods:
        callback = mods["select"].SampleCallback(tokenizer)
        assert len(callback.examples) == 3  # select_sample
        callback.on_evaluate(None, state, TrainerControl(), metrics=metrics, model=model)
        answers = mods["generate_hf"].generate_batch(
            model, tokenizer, [m for m, _ in callback.examples], 8
        )
        expected = mods["metrics"].compute(
            [g for _, g in callback.examples],
            mods["parse"].parse_all([a["output"] for a in answers]),
        )["summary"]["macro_f1"]
    assert model.training  # left as it was found
    assert metrics["eval_macro_f1"] == expected == state.log_history[-1]["eval_macro_f1"]
    assert torch.is_grad_enabled()


def test_an_encoder_spec_smokes_without_a_base_run(tmp_path):
    """An encoder has no chat template to answer with: make eval-base refuses it, and
    the smoke leaves the base run out (and its comparison) instead of failing on it."""
    import subprocess
    import sys

    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "specs" / "data" / "toxicity.jsonl", tmp_path / "data")
    spec = tmp_path / "toxicity_bert.yaml"
    text = head_spec(model="  architecture: encoder\n").replace(
        "  chat_template: true\n", "  chat_template: false\n"
    )
    spec.write_text(text.replace("name: toxicity\n", "name: toxicity_bert\n"))
    keep = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "distillgen", "smoke", str(spec), "--keep", str(keep)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "an encoder has no base run" in done.stdout
    assert "smoke: base   " not in done.stdout and "smoke: base-score" not in done.stdout
    for step in ("train", "resume", "merge", "eval", "score", "predict", "tests"):
        assert f"smoke: {step:<6} ok" in done.stdout, done.stdout

    # make export FORCE=1 (the untrained head FAILs accept): one sequence-classification
    # model, which answers the smoke's predict corpus as base + adapter + head did.
    project = keep / "project"

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", *map(str, args)],
            cwd=project,
            env={**os.environ, "PYTHONPATH": "", "HF_HUB_OFFLINE": "1"},
            capture_output=True,
            text=True,
            timeout=600,
        )

    exported = run("pipeline.export", "--force")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    export = project / "work" / "export"
    config = json.loads((export / "config.json").read_text())
    assert config["architectures"][0].endswith("ForSequenceClassification")
    assert len(config["id2label"]) == 4 and (export / "adapter" / "adapter_config.json").is_file()
    card = (export / "README.md").read_text()
    assert "Exported without acceptance" in card and "macro_f1" in card
    (tuned,) = (project / "work" / "predict").iterdir()
    corpus = keep / "data" / "predict-sample.jsonl"
    again = run(
        "pipeline.predict", corpus, "--model", export, "--batch-size", 4, "--out", tmp_path / "x"
    )
    assert again.returncode in (0, 3, 4), again.stdout + again.stderr
    for name in ("predictions.jsonl", "predictions.csv", "rejects.jsonl"):
        assert (tmp_path / "x" / name).read_bytes() == (tuned / name).read_bytes(), name


def test_a_generative_run_selecting_by_metric_keeps_its_best_checkpoint(tmp_path, tiny_model):
    """training.select_by: metric on the generative route, through the project's own
    data and train steps: every evaluation also answers select_sample valid prompts
    greedily and scores them, and the kept checkpoint is the one with the best of that
    metric (the train summary's best_by), not the one with the lowest loss."""
    import os
    import subprocess
    import sys

    from distillgen.ir import Overrides

    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "specs" / "data" / "toxicity.jsonl", tmp_path / "data")
    text = TOXICITY.replace("  backend: mlx\n", "  backend: peft\n  select_by: metric\n")
    spec = tmp_path / "toxicity.yaml"
    spec.write_text(text.replace("  save_every: 20\n", "  save_every: 20\n  select_sample: 3\n"))
    project = tmp_path / "project"
    overrides = Overrides(
        model_base=str(tiny_model), steps=4, eval_every=2, save_every=2, batch_size=2
    )
    build_into(spec, project, overrides)
    for step in ("pipeline.data", "pipeline.train"):
        done = subprocess.run(
            [sys.executable, "-m", step],
            cwd=project,
            env={**os.environ, "PYTHONPATH": ""},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    work = project / "work"
    summary = json.loads((work / "adapters" / "training_summary.json").read_text())
    assert summary["best_by"] == "macro_f1"
    state = json.loads((work / "checkpoints" / "checkpoint-4" / "trainer_state.json").read_text())
    scored = [e for e in state["log_history"] if "eval_macro_f1" in e]
    assert [e["step"] for e in scored] == [2, 4]  # every evaluation
    best = max(scored, key=lambda e: e["eval_macro_f1"])  # the first of a tie is kept
    assert summary["best_metric"] == best["eval_macro_f1"]
    assert summary["best_checkpoint"].endswith(f"checkpoint-{best['step']}")
