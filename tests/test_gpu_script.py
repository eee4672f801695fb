"""bench/gpu.sh, the one-shot GPU proof, proven on CPU with --dry-run (tiny model)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT

STAGES = ["peak", "model", "data", "train", "generate", "predict", "qlora"]
TRAIN = [
    "steps",
    "steps_timed",
    "batch_size",
    "micro_batches_per_step",
    "tokens_per_step",
    "step_s",
    "tokens_per_s",
    "model_tflop_per_step",
    "model_tflops",
    "mfu",
    "hfu",
    "activation_checkpointing",
    "trainable_params",
    "lora_layers",
    "flops_formula",
]
FIGURES = {
    "peak": ["matmul_size", "dtype", "tflops", "device"],
    "model": ["shape", "params", "layers", "hidden", "vocab", "dtype", "build_s", "save_s"],
    "data": ["examples", "train_examples", "prompt_tokens_mean", "answer_tokens_mean"],
    "train": TRAIN,
    "generate": [
        "prompts",
        "batch_size",
        "max_new_tokens",
        "prompt_tokens",
        "output_tokens",
        "seconds",
        "prompt_tokens_per_s",
        "output_tokens_per_s",
        "prompts_per_s",
        "projected_hours_116674",
        "adapter",
    ],
    "predict": [
        "rows",
        "answered",
        "rejected",
        "batch_size",
        "max_new_tokens",
        "completion_tokens",
        "seconds",
        "load_s",
        "rows_per_s",
        "output_tokens_per_s",
        "projected_hours_116674",
        "decision",
    ],
    "qlora": ["data_s", *TRAIN],
}


def _gpu_sh(out, *args, timeout=300):
    env = dict(os.environ, OUT=str(out), PYTHON=sys.executable)
    return subprocess.run(
        ["bash", str(ROOT / "bench" / "gpu.sh"), "--dry-run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_gpu", ROOT / "bench" / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dry_run_runs_every_stage_through_the_generated_project(tmp_path):
    proc = _gpu_sh(tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((tmp_path / "gpu.json").read_text())
    assert result["dry_run"] is True and result["complete"] is True
    assert "DRY RUN" in result["note"] and result["stopped"] is None
    assert list(result["stages"]) == STAGES
    for name in STAGES[:-1]:
        stage = result["stages"][name]
        assert stage["status"] == "ok", (name, stage)
        assert list(stage["figures"]) == FIGURES[name]
        missing = [k for k, v in stage["figures"].items() if v is None]
        assert not missing, (name, missing)
        assert stage["seconds"] is not None
    # the stages that need CUDA say so, and the console says which they are
    assert {n for n in STAGES if result["stages"][n]["needs_cuda"]} == {
        "peak",
        "model",
        "train",
        "generate",
        "predict",
        "qlora",
    }
    # QLoRA (bitsandbytes) cannot run on a CPU: the dry run says so and is complete without it
    qlora = result["stages"]["qlora"]
    assert qlora["status"] == "needs cuda" and "CUDA" in qlora["note"]
    assert "Stages that need CUDA" in proc.stdout
    train = result["stages"]["train"]["figures"]
    # the generated project's own train step, LoRA on the spec's layers, the spec's checkpointing
    assert train["steps"] == 2 and train["trainable_params"] > 0
    assert train["activation_checkpointing"] is True
    assert 0 < train["mfu"] <= train["hfu"]
    # seed 000-shaped: about 1,800-token prompts, 21-field answers
    data = result["stages"]["data"]["figures"]
    assert 1700 <= data["prompt_tokens_mean"] <= 1800 and data["examples"] == 24
    generate = result["stages"]["generate"]["figures"]
    assert generate["prompts"] == 4 and generate["adapter"] is True
    assert generate["output_tokens"] > 0 and generate["prompt_tokens"] > 4 * 1700
    # the project's own predict step over corpus rows without labels, every row answered;
    # the random model's answers do not parse, so the missing-rate gate fails them
    predict = result["stages"]["predict"]["figures"]
    assert predict["rows"] == 4 and predict["answered"] == 4 and predict["rejected"] == 0
    assert predict["decision"] == "FAIL" and predict["completion_tokens"] > 0
    assert predict["max_new_tokens"] == 400 and predict["rows_per_s"] > 0
    md = (tmp_path / "gpu.md").read_text()
    assert md.startswith("**DRY RUN") and "| train | ok |" in md and "FLOPs counted" in md
    assert (tmp_path / "train-steps.jsonl").is_file() and (tmp_path / "train.log").is_file()


def test_stops_cleanly_at_the_time_limit(tmp_path):
    proc = _gpu_sh(tmp_path, "--limit", "1")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((tmp_path / "gpu.json").read_text())
    assert result["complete"] is False and "time limit" in result["stopped"]
    assert {s["status"] for s in result["stages"].values()} == {"skipped"}
    assert "skipped" in (tmp_path / "gpu.md").read_text()


def test_gpu_run_refuses_without_a_prepared_folder(tmp_path):
    gpu = _bench_module()
    with pytest.raises(SystemExit):
        gpu.main(["run", "--prep", str(tmp_path / "none")])  # no --work/--out
    code = gpu.main(
        ["run", "--prep", str(tmp_path / "none"), "--work", str(tmp_path), "--out", str(tmp_path)]
    )
    assert code == 2 and not (tmp_path / "gpu.json").exists()


def test_train_flops_count_frozen_and_trainable_weights_apart():
    gpu = _bench_module()
    model = {
        "attention_width": 8,
        "layers": 4,
        "backward_layers": 2,
        "linear_params": 1000,  # all Linear weights, LoRA included
        "backward_linear_params": 600,  # layers 2..3 and the lm_head
        "lora_params": 50,
        "recompute_linear_params": 400,
        "activation_checkpointing": True,
    }
    lengths = [10, 20]  # 30 tokens, sum of squares 500
    model_flops, recompute = gpu.train_flops(model, lengths)
    forward = 2 * 1000 * 30 + 2 * 4 * 8 * 500
    backward = 2 * 600 * 30 + 2 * 50 * 30 + 4 * 2 * 8 * 500
    assert model_flops == forward + backward
    assert recompute == 2 * 400 * 30 + 2 * 2 * 8 * 500
    assert gpu.train_flops({**model, "activation_checkpointing": False}, lengths)[1] == 0


def test_the_qlora_twin_is_the_same_spec_with_a_4bit_base(tmp_path):
    gpu = _bench_module()
    assert gpu.prepare(tmp_path / "prep", dry=True) == 0
    twin = (tmp_path / "prep" / "project-qlora" / "pipeline" / "schema.py").read_text()
    plain = (tmp_path / "prep" / "project" / "pipeline" / "schema.py").read_text()
    assert 'QUANTIZE = "4bit"' in twin and "QUANTIZE =" not in plain
    assert (tmp_path / "prep" / "project-qlora" / "pipeline" / "quantized.py").is_file()
    assert not (tmp_path / "prep" / "project" / "pipeline" / "quantized.py").exists()


def test_slim_wheel_keeps_the_listed_libraries_and_a_matching_record(tmp_path):
    import zipfile

    gpu = _bench_module()
    wheel = tmp_path / "bitsandbytes-0-py3-none-any.whl"
    names = ["libbitsandbytes_cpu.so", "libbitsandbytes_cuda118.so", "libbitsandbytes_cuda130.so"]
    record = "".join(f"bitsandbytes/{n},sha256=x,1\n" for n in [*names, "__init__.py"])
    with zipfile.ZipFile(wheel, "w") as out:
        for name in [*names, "__init__.py"]:
            out.writestr(f"bitsandbytes/{name}", b"x")
        out.writestr("bitsandbytes-0.dist-info/RECORD", record)
    keep = ("libbitsandbytes_cpu.so", "libbitsandbytes_cuda130.so")
    assert gpu.slim_wheel(wheel, keep) == 1
    with zipfile.ZipFile(wheel) as result:
        files = sorted(result.namelist())
        kept_record = result.read("bitsandbytes-0.dist-info/RECORD").decode()
    assert "bitsandbytes/libbitsandbytes_cuda118.so" not in files
    assert (
        "bitsandbytes/libbitsandbytes_cuda130.so" in files and "bitsandbytes/__init__.py" in files
    )
    assert "cuda118" not in kept_record and kept_record.count("\n") == 3


def test_gpu_diag_dry_run_splits_generation_and_training(tmp_path):
    out = tmp_path / "diag.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gpu_diag.py"), "--out", str(out), "--dry-run"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    parts = json.loads(out.read_text())["parts"]
    assert list(parts) == [
        "prefill",
        "generate",
        "generate_unpadded",
        "generate_static_cache",
        "profile",
        "train_checkpointing",
        "train_no_checkpointing",
    ]
    assert all(p["status"] == "ok" for p in parts.values()), parts
    assert parts["generate"]["decode_step_ms"] > 0 and parts["profile"]["top"]
    # checkpointing recomputes the forward: the same step, more work
    assert parts["train_checkpointing"]["hfu"] is None  # no peak on a CPU
    assert parts["train_no_checkpointing"]["tokens"] == parts["train_checkpointing"]["tokens"]
