"""Experiment tracking from the spec's one key: each backend's own keys, and one run that
holds the training curves, eval's metrics and the acceptance decision (all offline: an
MLflow file store, W&B's offline mode; TensorBoard's event files are read back in the
smoke tests, tests/test_smoke.py and tests/test_backends.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from distillgen.backends import mlx_config, peft_config

from .conftest import ROOT, build_into, load_generated

T = {
    "lora": {"rank": 8, "alpha": 16, "dropout": 0.0, "layers": "all"},
    "steps": 4,
    "epochs": None,
    "batch_size": 2,
    "grad_accumulation": 1,
    "learning_rate": 1e-3,
    "warmup_steps": 0,
    "lr_schedule": "constant",
    "eval_every": 2,
    "save_every": 2,
    "seed": 1,
    "grad_checkpoint": False,
    "quantize": "none",
    "early_stopping_patience": None,
}
MODEL = {"base": "m", "tokenizer": None, "max_seq_length": 64, "architecture": "decoder"}
TRACKERS = {
    to: {"to": to, "project": "toxic-proj", "run": "run-7"}
    for to in ("tensorboard", "wandb", "mlflow")
}
AXO_PYTHON = ROOT / ".venv-axolotl" / "bin" / "python"


@pytest.fixture(scope="module")
def axolotl_python():
    """Axolotl's environment (as tests/test_axolotl.py requires it); it also has wandb."""
    if not AXO_PYTHON.is_file():
        if os.environ.get("DISTILLGEN_SKIP_AXOLOTL") == "1":
            pytest.skip("DISTILLGEN_SKIP_AXOLOTL=1")
        pytest.fail("no Axolotl environment: run `make setup-axolotl`")
    return AXO_PYTHON


def _rows(rows) -> dict:
    return {r.backend_key: r.backend_value for r in rows if r.spec_key.startswith("tracking")}


def test_peft_report_to_and_run_name_are_training_arguments():
    from transformers import TrainingArguments

    config, _ = peft_config(T, MODEL)
    assert config["training"]["report_to"] == "none"
    for to, tracking in TRACKERS.items():
        config, rows = peft_config(T, MODEL, tracking=tracking)
        args = TrainingArguments(output_dir="/tmp/distillgen-args", **config["training"])
        assert (args.report_to, args.run_name) == ([to], "run-7")
        shown = _rows(rows)
        assert shown["training.report_to"] == to and shown["training.run_name"] == "run-7"
        project_env = {"tensorboard": None, "wandb": "$WANDB_PROJECT"}.get(
            to, "$MLFLOW_EXPERIMENT_NAME"
        )
        if project_env:
            assert shown[project_env] == "toxic-proj"
    assert _rows(peft_config(T, MODEL, tracking=TRACKERS["tensorboard"])[1])[
        "$TENSORBOARD_LOGGING_DIR"
    ] == ("work/tracking/tensorboard/run-7")


def test_mlx_reports_to_wandb_itself_and_to_the_others_through_the_train_step():
    from mlx_lm import lora

    known = set(lora.CONFIG_DEFAULTS) | {a.dest for a in lora.build_parser()._actions}
    config, rows = mlx_config(T, MODEL, "d", "a", tracking=TRACKERS["wandb"])
    assert (config["report_to"], config["project_name"]) == ("wandb", "toxic-proj")
    assert set(config) <= known
    for to in ("tensorboard", "mlflow"):
        config, rows = mlx_config(T, MODEL, "d", "a", tracking=TRACKERS[to])
        assert "report_to" not in config  # mlx-lm 0.32 has no such reporter
        assert any("pipeline/tracking.py" in r.note for r in rows if r.spec_key == "tracking.to")


def _project(tmp_path, to: str):
    """The toxicity spec with a tracker, built into tmp_path."""
    text = (ROOT / "specs" / "toxicity.yaml").read_text()
    text = text.replace("\nacceptance:", f"\ntracking:\n  to: {to}\n  project: tox\n\nacceptance:")
    spec = tmp_path / "toxicity.yaml"
    spec.write_text(text)
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "specs" / "data" / "toxicity.jsonl", tmp_path / "data")
    out = tmp_path / "project"
    build_into(spec, out)
    return out


def test_tracking_is_copied_only_when_the_spec_tracks(tmp_path):
    project = _project(tmp_path, "mlflow")
    assert (project / "pipeline" / "tracking.py").is_file()
    trackers = sorted(p.name for p in (project / "pipeline").glob("*_tracker.py"))
    assert trackers == ["mlflow_tracker.py"]  # the spec's tracker only
    assert "mlflow-skinny" in (project / "requirements.txt").read_text()
    assert not (ROOT / "generated" / "toxicity" / "pipeline" / "tracking.py").exists()
    schema = load_generated(ROOT / "generated" / "toxicity", ["schema"])["schema"]
    assert schema.TRACKING is None


def test_mlflow_one_run_holds_the_training_eval_and_the_decision(tmp_path, tiny_model, monkeypatch):
    """tracking.begin opens the run; a Trainer reporting to MLflow (as the peft train step
    runs it) logs into it through $MLFLOW_RUN_ID; eval's metrics and accept's decision
    follow into the same run."""
    import mlflow
    import torch
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

    project = _project(tmp_path, "mlflow")
    store = tmp_path / "mlruns"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.as_uri())
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3: a file store on request
    for name in ("MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID"):  # begin() sets them: restored
        monkeypatch.setenv(name, "")
    tracking = load_generated(project, ["schema", "tracking"])["tracking"]
    run = tracking.begin()
    assert os.environ["MLFLOW_RUN_ID"] == run["id"]
    assert json.loads((project / "work" / "tracking" / "run.json").read_text()) == run

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    # the project's own translation: its run name is the spec's name, as begin() named the run
    config, _ = peft_config(
        T, MODEL, tracking={"to": "mlflow", "project": "tox", "run": "toxicity"}
    )
    training = {
        k: v
        for k, v in config["training"].items()
        if k.startswith(("report_to", "run_name", "max_steps", "logging", "learning_rate"))
    }
    ids = torch.arange(12).reshape(1, 12) % 50 + 3
    data = [{"input_ids": ids[0], "labels": ids[0]}] * 4
    trainer = Trainer(
        model=model,
        args=TrainingArguments(
            output_dir=str(tmp_path / "ckpt"),
            per_device_train_batch_size=2,
            save_strategy="no",
            use_cpu=True,
            **training,
        ),
        train_dataset=data,
    )
    trainer.train()
    mlflow.end_run()

    tracking.log_eval({"split": "test", "summary": {"macro_f1": 0.5, "recall.safe": None}})
    tracking.log_accept({"decision": "REVIEW"})
    client = mlflow.tracking.MlflowClient()
    [experiment] = [e for e in client.search_experiments() if e.name == "tox"]
    [found] = client.search_runs([experiment.experiment_id])  # one run, not three
    assert found.info.run_id == run["id"] and found.info.run_name == "toxicity"
    metrics = found.data.metrics
    assert "loss" in metrics or "train_loss" in metrics  # the Trainer's
    assert metrics["test/macro_f1"] == 0.5 and "test/recall.safe" not in metrics
    assert metrics["accept/decision"] == 1.0
    assert found.data.tags["accept/decision_word"] == "REVIEW"


# Reads W&B's offline run files (a LevelDB-style log of protobuf records: 32 KiB blocks,
# each record with a 7-byte header, split across blocks as FIRST / MIDDLE / LAST).
READ_WANDB = """
import glob, json, struct, sys
from wandb.proto import wandb_internal_pb2 as pb

def records(path):
    raw = open(path, "rb").read()
    assert raw[:4] == b":W&B"
    pos, part = 7, b""
    while pos + 7 <= len(raw):
        if 32768 - pos % 32768 < 7:
            pos += 32768 - pos % 32768
            continue
        _, length, kind = struct.unpack("<IHB", raw[pos : pos + 7])
        part += raw[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # FULL, LAST
            yield part
            part = b""

for folder in sorted(glob.glob(sys.argv[1] + "/offline-run-*")):
    run = {"summary": {}}
    for data in records(glob.glob(folder + "/*.wandb")[0]):
        record = pb.Record()
        record.ParseFromString(data)
        if record.WhichOneof("record_type") == "run":
            run.update(id=record.run.run_id, name=record.run.display_name,
                       project=record.run.project)
        if record.WhichOneof("record_type") == "summary":
            for item in record.summary.update:
                run["summary"][item.key] = json.loads(item.value_json)
    print(json.dumps(run))
"""


def test_wandb_offline_eval_and_accept_log_to_the_training_run(tmp_path, axolotl_python):
    """W&B is not in the test environment (its wheel is large); Axolotl's has it."""
    project = _project(tmp_path, "wandb")
    script = (
        "import json\n"
        "from pipeline import tracking\n"
        "run = tracking.begin()\n"
        "tracking.log_eval({'split': 'test', 'summary': {'macro_f1': 0.25, 'accuracy': None}})\n"
        "tracking.log_accept({'decision': 'FAIL'})\n"
        "print(json.dumps(run))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "PYTHONPATH"))} | {
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
    }
    proc = subprocess.run(
        [str(axolotl_python), "-c", script],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    run = json.loads(proc.stdout.strip().splitlines()[-1])
    assert run["id"] and json.loads((project / "work/tracking/run.json").read_text()) == run
    read = subprocess.run(
        [str(axolotl_python), "-c", READ_WANDB, str(project / "work" / "tracking" / "wandb")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert read.returncode == 0, read.stderr[-3000:]
    eval_run, accept_run = [json.loads(line) for line in read.stdout.splitlines()]
    for found in (eval_run, accept_run):  # one run: the id, name and project begin() chose
        assert (found["id"], found["name"], found["project"]) == (run["id"], "toxicity", "tox")
    assert eval_run["summary"]["test/macro_f1"] == 0.25
    assert "test/accuracy" not in eval_run["summary"]
    assert accept_run["summary"]["accept/decision"] == 2
    assert accept_run["summary"]["accept/decision_word"] == "FAIL"
