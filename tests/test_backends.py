"""One spec, two backends: the same training semantics, checked against the real libraries."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest
import yaml

from distillgen.ir import Overrides

from .conftest import ROOT, check_tracked_run, load_generated

POETRY_MLX = ROOT / "generated" / "poetry"
POETRY_PEFT = ROOT / "generated" / "poetry-peft"


def test_peft_config_is_accepted_by_transformers_and_peft():
    from peft import LoraConfig
    from transformers import TrainingArguments

    for project, task in (
        (POETRY_PEFT, "CAUSAL_LM"),
        (ROOT / "generated" / "uplifting-head", "SEQ_CLS"),
    ):
        config = yaml.safe_load((project / "configs" / "peft.yaml").read_text())
        training = dict(config["training"])
        training.pop("early_stopping_patience", None)  # read by pipeline/train.py
        TrainingArguments(output_dir="/tmp/distillgen-args", **training)  # unknown keys raise
        lora = dict(config["lora"])
        lora.pop("last_layers", None)  # pipeline/train.py turns it into layers_to_transform
        assert LoraConfig(**lora).task_type == task


def test_both_backends_train_the_same_way():
    mlx = yaml.safe_load((POETRY_MLX / "configs" / "mlx_lora.yaml").read_text())
    peft = yaml.safe_load((POETRY_PEFT / "configs" / "peft.yaml").read_text())
    lora, training = peft["lora"], peft["training"]
    assert mlx["lora_parameters"]["rank"] == lora["r"]
    assert mlx["lora_parameters"]["scale"] == lora["lora_alpha"] / lora["r"]
    assert mlx["lora_parameters"]["dropout"] == lora["lora_dropout"]
    assert mlx["num_layers"] == lora["last_layers"]
    assert mlx["learning_rate"] == training["learning_rate"]
    assert mlx["batch_size"] == training["per_device_train_batch_size"]
    assert mlx["grad_accumulation_steps"] == training["gradient_accumulation_steps"]
    # optimizer updates: mlx-lm counts micro-batches
    assert mlx["iters"] == training["max_steps"] * training["gradient_accumulation_steps"]
    assert mlx["lr_schedule"]["warmup"] == training["warmup_steps"]
    assert mlx["mask_prompt"] is True and training["load_best_model_at_end"] is True
    assert mlx["seed"] == training["seed"]


def test_generated_projects_share_data_parser_and_acceptance():
    for path in (
        "pipeline/parse.py",
        "pipeline/metrics.py",
        "pipeline/accept.py",
        "pipeline/prompts.py",
        "pipeline/labels.py",
        "pipeline/split.py",
    ):
        assert (POETRY_MLX / path).read_text() == (POETRY_PEFT / path).read_text(), path
    # The data step is one runtime file for every backend; mlx-lm's whole-batch guard is
    # chosen at run time from schema.BACKEND.
    for other in (POETRY_PEFT, ROOT / "generated" / "poetry-axolotl"):
        path = "pipeline/data.py"
        assert (other / path).read_text() == (POETRY_MLX / path).read_text()


@pytest.fixture(scope="module")
def peft_smoke(tmp_path_factory):
    keep = tmp_path_factory.mktemp("peft") / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "distillgen",
            "smoke",
            "specs/poetry.yaml",
            "--backend",
            "peft",
            "--keep",
            str(keep),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return proc, keep


@pytest.mark.slow
def test_peft_smoke_trains_resumes_merges_and_evaluates(peft_smoke):
    proc, keep = peft_smoke
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    for step in ("data", "train", "resume", "merge", "eval", "score", "accept", "tests"):
        assert f"smoke: {step:<6} ok" in out, out
    assert "resumed from checkpoint-2" in out
    assert "merged model answers as base + adapter" in out
    summary = json.loads(
        (keep / "project" / "work" / "adapters" / "training_summary.json").read_text()
    )
    assert summary["best_checkpoint"] is not None


@pytest.mark.slow
def test_peft_trainer_reports_to_tensorboard_and_eval_and_accept_follow(peft_smoke):
    """report_to: tensorboard and $TENSORBOARD_LOGGING_DIR (pipeline/tracking.py): the
    Trainer's own callback writes the curves into the run that eval and accept log to."""
    proc, keep = peft_smoke
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_tracked_run(keep / "project" / "work", {"train/loss", "eval/loss", "train/learning_rate"})


@pytest.mark.slow
def test_peft_masks_exactly_what_mlx_lm_masks(peft_smoke):
    """The same files through mlx-lm's dataset code and through the peft trainer's encoder."""
    proc, keep = peft_smoke
    assert proc.returncode == 0
    from mlx_lm.tuner.datasets import create_dataset
    from mlx_lm.utils import load_tokenizer
    from transformers import AutoTokenizer

    project = keep / "project"
    records = [
        json.loads(line)
        for line in (project / "work" / "data" / "train.jsonl").read_text().splitlines()
    ]
    mlx_data = create_dataset(
        records, load_tokenizer(keep / "model"), types.SimpleNamespace(mask_prompt=True)
    )
    examples = load_generated(project, ["examples"])["examples"]  # the peft trainer's encoder
    tokenizer = AutoTokenizer.from_pretrained(keep / "model")
    for record in records:
        tokens, offset = mlx_data.process(record)
        ours = examples.encode(tokenizer, record["messages"])
        assert ours["input_ids"] == tokens
        assert ours["labels"][:offset] == [-100] * offset
        assert ours["labels"][offset:] == tokens[offset:]
        assert tokens[-1] == tokenizer.eos_token_id


def test_axolotl_trains_the_same_way_as_the_others():
    mlx = yaml.safe_load((POETRY_MLX / "configs" / "mlx_lora.yaml").read_text())
    axo = yaml.safe_load(
        (ROOT / "generated" / "poetry-axolotl" / "configs" / "axolotl.yaml").read_text()
    )
    assert axo["lora_r"] == mlx["lora_parameters"]["rank"]
    assert axo["lora_alpha"] / axo["lora_r"] == mlx["lora_parameters"]["scale"]
    assert axo["lora_dropout"] == mlx["lora_parameters"]["dropout"]
    assert axo["learning_rate"] == mlx["learning_rate"]
    assert axo["micro_batch_size"] == mlx["batch_size"]
    assert axo["gradient_accumulation_steps"] == mlx["grad_accumulation_steps"]
    assert axo["max_steps"] * axo["gradient_accumulation_steps"] == mlx["iters"]
    assert axo["warmup_steps"] == mlx["lr_schedule"]["warmup"]
    assert axo["sequence_len"] == mlx["max_seq_length"]
    assert axo["excess_length_strategy"] == "raise"
    assert axo["datasets"][0]["roles_to_train"] == ["assistant"]
    assert axo["datasets"][0]["train_on_eos"] == "turn"
    assert axo["seed"] == mlx["seed"]


def test_eval_can_ask_an_openai_compatible_server(tmp_path):
    """`evaluate generate --server URL` against a local stand-in for vLLM (loopback only)."""
    import http.server
    import threading

    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, body))
            reply = {
                "choices": [
                    {"message": {"content": "sentiment: positive"}, "finish_reason": "stop"}
                ],
                "usage": {"completion_tokens": 3},
            }
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    from .conftest import FIXTURES, build_into

    project = tmp_path / "project"
    build_into(FIXTURES / "mini" / "mini.yaml", project)
    data = project / "work" / "data"
    data.mkdir(parents=True)
    messages = [{"role": "user", "content": "Review: fine"}, {"role": "assistant", "content": "x"}]
    (data / "valid.jsonl").write_text(json.dumps({"messages": messages}) + "\n")
    labels = {"sentiment": "positive", "topic": None, "stars": 3, "score": 0.5, "sarcastic": False}
    (data / "valid.gold.jsonl").write_text(json.dumps({"id": "a", "labels": labels}) + "\n")
    (data / "stats.json").write_text("{}\n")  # the stamp of a data run that finished
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.evaluate", "generate", "--server", url],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
    assert proc.returncode == 0, proc.stderr
    path, body = seen[0]
    assert path == "/v1/chat/completions"
    assert body["messages"] == messages[:-1]  # the prompt exactly as in training
    assert body["temperature"] == 0
    record = json.loads((project / "work" / "eval" / "predictions.jsonl").read_text())
    assert record == {"id": "a", "output": "sentiment: positive", "finish": "stop", "tokens": 3}


@pytest.mark.parametrize(
    ("backend", "route", "expected"),
    [
        (
            "mlx",
            None,
            "training.quantize: mlx-lm trains QLoRA on a model that is already quantized",
        ),
        ("peft", "head", "training.quantize: a head route trains in full precision"),
        ("peft", None, None),
        ("axolotl", None, None),
    ],
)
def test_qlora_is_refused_where_it_cannot_be_built(tmp_path, backend, route, expected):
    from distillgen.compile import compile_spec
    from distillgen.errors import SpecError

    source = ROOT / "specs" / ("uplifting.yaml" if route else "poetry.yaml")
    text = source.read_text()
    text = text.replace("  backend: mlx\n", "  backend: peft\n")
    text = text.replace("  backend: peft\n", f"  backend: {backend}\n  quantize: 4bit\n")
    if route:
        text = text.replace("labels:\n", f"labels:\n  route: {route}\n", 1)
    spec = source.parent / f"_tmp_qlora_{backend}_{route}.yaml"
    spec.write_text(text)
    try:
        if expected is not None:
            with pytest.raises(SpecError) as info:
                compile_spec(spec, tmp_path / "out")
            assert expected in str(info.value)
            return
        files = compile_spec(spec, tmp_path / "out")[2]
        config = files["configs/axolotl.yaml" if backend == "axolotl" else "configs/peft.yaml"]
        assert "load_in_4bit: true" in config
        # --backend mlx at build time is refused as the spec key would be.
        with pytest.raises(SpecError, match="--route/--backend: training.quantize 4bit: mlx-lm"):
            compile_spec(spec, tmp_path / "out", Overrides(backend="mlx"))
    finally:
        spec.unlink()


def test_generated_yaml_has_no_anchors_or_aliases():
    """A list used twice (roles_to_train in datasets and test_datasets) was written as
    &id001 / *id001: valid YAML, but hard to review and refused by our own spec loader."""
    from distillgen.render import yaml_block

    shared = ["assistant"]
    assert "&" not in yaml_block({"a": {"roles": shared}, "b": {"roles": shared}})
    configs = sorted((ROOT / "generated").rglob("*.yaml"))
    assert len(configs) >= 9  # every backend config of the golden projects
    for path in configs:
        events = list(yaml.parse(path.read_text(encoding="utf-8")))
        assert not [e for e in events if isinstance(e, yaml.AliasEvent)], path
        assert not [e for e in events if getattr(e, "anchor", None)], path


def test_peft_lora_on_the_last_layers_only(tiny_model):
    """training.lora.layers N with target_modules all-linear: peft refuses a layer range
    with the string 'all-linear', so the train step names the blocks' Linear modules."""
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM

    train = load_generated(POETRY_PEFT, ["train"])["train"]
    config = yaml.safe_load((POETRY_PEFT / "configs" / "peft.yaml").read_text())
    assert config["lora"]["target_modules"] == "all-linear" and config["lora"]["last_layers"]
    config["lora"]["last_layers"] = 1  # the tiny model has 2 blocks
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    peft_model = get_peft_model(model, train.lora_config(config, model))
    lora_layers = {
        name.split(".layers.")[1].split(".")[0]
        for name, param in peft_model.named_parameters()
        if "lora_" in name and param.requires_grad
    }
    assert lora_layers == {"1"}
    targets = peft_model.peft_config["default"].target_modules
    assert targets == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
