"""Axolotl: generated configs pass Axolotl's own validator, and `axolotl preprocess` on CPU
tokenizes and masks exactly as mlx-lm does (and as the peft trainer does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types

import pytest
import yaml

from distillgen.backends import axolotl_config
from distillgen.ir import Overrides

from .conftest import FIXTURES, ROOT, build_into

AXO_PYTHON = ROOT / ".venv-axolotl" / "bin" / "python"

VALIDATE = """
import json, sys, yaml
from axolotl.utils.dict import DictDefault
from axolotl.utils.config import validate_config
for path in sys.argv[1:]:
    config = yaml.safe_load(open(path))
    out = validate_config(DictDefault(config))
    dropped = sorted(k for k in config if out.get(k) is None)
    print(json.dumps({"dropped": dropped, "excess": out.get("excess_length_strategy"),
                      "roles": out["datasets"][0].get("roles_to_train"),
                      "eos": out["datasets"][0].get("train_on_eos"),
                      "sequence_len": out.get("sequence_len"),
                      "type": out["datasets"][0].get("type"),
                      "field": out["datasets"][0].get("field"),
                      "adapter": out.get("adapter"), "load_in_4bit": out.get("load_in_4bit"),
                      "tracking": {k: out.get(k) for k in config
                                   if k.startswith(("wandb_", "mlflow_", "use_"))}}))
"""


@pytest.fixture(scope="module")
def axolotl_python():
    if not AXO_PYTHON.is_file():
        if os.environ.get("DISTILLGEN_SKIP_AXOLOTL") == "1":
            pytest.skip("DISTILLGEN_SKIP_AXOLOTL=1")
        pytest.fail(
            "no Axolotl environment: run `make setup-axolotl` (or set DISTILLGEN_SKIP_AXOLOTL=1)"
        )
    return AXO_PYTHON


def validate(python, config_path):
    return validate_all(python, [config_path])[0]


def validate_all(python, config_paths) -> list[dict]:
    """Each config through Axolotl's validate_config, in one process (its import is slow)."""
    proc = subprocess.run(
        [str(python), "-c", VALIDATE, *map(str, config_paths)],
        capture_output=True,
        text=True,
        env=dict(os.environ, AXOLOTL_DO_NOT_TRACK="1"),
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()[-len(config_paths) :]
    return [json.loads(line) for line in lines]


def test_golden_axolotl_config_validates(axolotl_python):
    result = validate(
        axolotl_python, ROOT / "generated" / "poetry-axolotl" / "configs" / "axolotl.yaml"
    )
    assert result == {
        "dropped": [],
        "excess": "raise",
        "roles": ["assistant"],
        "eos": "turn",
        "sequence_len": 2048,
        "type": "chat_template",
        "field": None,
        "adapter": "lora",
        "load_in_4bit": False,
        "tracking": {"use_tensorboard": True},  # specs/poetry.yaml tracks to TensorBoard
    }


def test_golden_generation_axolotl_config_validates(axolotl_python):
    result = validate(
        axolotl_python, ROOT / "generated" / "gaea_style-axolotl" / "configs" / "axolotl.yaml"
    )
    assert result["dropped"] == [] and result["excess"] == "raise"
    assert (result["type"], result["field"], result["sequence_len"]) == ("completion", "text", 4096)
    assert (result["adapter"], result["load_in_4bit"]) == ("qlora", True)  # the spec's QLoRA


def test_every_spec_validates_for_axolotl(axolotl_python, tmp_path):
    """Each example spec (and epochs, patience, schedules) built for Axolotl, and the
    poetry config with each tracker's keys (W&B, MLflow; TensorBoard is in the golden)."""
    specs = sorted((ROOT / "specs").glob("*.yaml"))
    paths = []
    for spec in specs:
        out = tmp_path / spec.stem
        build_into(spec, out, Overrides(backend="axolotl"))
        paths.append(out / "configs" / "axolotl.yaml")
    trackers = {}
    golden = yaml.safe_load((ROOT / "generated/poetry-axolotl/configs/axolotl.yaml").read_text())
    training, model = golden_training(), {"base": "m", "tokenizer": None, "max_seq_length": 64}
    for to in ("wandb", "mlflow"):
        tracking = {"to": to, "project": "poetry-x", "run": "run-7"}
        keys = {
            k: v
            for k, v in axolotl_config(training, model, "valid", tracking=tracking)[0].items()
            if k.startswith(("wandb_", "mlflow_", "use_"))
        }
        trackers[to] = keys
        path = tmp_path / f"tracking-{to}.yaml"
        path.write_text(yaml.safe_dump({**golden, **keys}))
        paths.append(path)
    results = validate_all(axolotl_python, paths)
    for spec, result in zip(specs, results, strict=False):
        assert result["dropped"] == [], (spec.name, result)
        assert result["excess"] == "raise"
        generation = "kind: generation" in spec.read_text()
        assert result["type"] == ("completion" if generation else "chat_template"), spec.name
    assert trackers["wandb"] == {"wandb_project": "poetry-x", "wandb_name": "run-7"}
    assert trackers["mlflow"] == {"mlflow_experiment_name": "poetry-x", "mlflow_run_name": "run-7"}
    for to, result in zip(("wandb", "mlflow"), results[len(specs) :], strict=True):
        assert result["dropped"] == []
        assert {k: v for k, v in result["tracking"].items() if v is not None} == {
            **trackers[to],
            "use_tensorboard": True,  # the golden's own tracker, kept
        }


def golden_training() -> dict:
    """A resolved training section (the poetry spec's)."""
    from distillgen.ir import resolve
    from distillgen.load import read_spec

    return resolve(
        read_spec(ROOT / "specs" / "poetry.yaml"), ROOT / "generated" / "poetry"
    ).training


def preprocessed(spec, tiny_model, tmp_path):
    """The spec built for Axolotl on the tiny model, its data step run, then `axolotl
    preprocess` (through the project's own train step)."""
    project = tmp_path / "project"
    build_into(spec, project, Overrides(backend="axolotl", model_base=str(tiny_model)))
    subprocess.run(
        [sys.executable, "-m", "pipeline.data"], cwd=project, check=True, capture_output=True
    )
    env = dict(
        os.environ, AXOLOTL_DO_NOT_TRACK="1", PATH=f"{AXO_PYTHON.parent}:{os.environ['PATH']}"
    )
    proc = subprocess.run(
        [str(AXO_PYTHON), "-m", "pipeline.train", "--preprocess-only"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return project


@pytest.mark.slow
def test_axolotl_preprocess_masks_like_mlx_lm(axolotl_python, tiny_model, tmp_path):
    from datasets import load_from_disk
    from mlx_lm.tuner.datasets import create_dataset
    from mlx_lm.utils import load_tokenizer

    project = preprocessed(FIXTURES / "mini" / "mini.yaml", tiny_model, tmp_path)
    tokenizer = load_tokenizer(tiny_model)
    prepared = [
        load_from_disk(str(info.parent))
        for info in (project / "work" / "axolotl_prepared").glob("*/dataset_info.json")
    ]
    for split in ("train", "valid"):
        records = [
            json.loads(line)
            for line in (project / "work" / "data" / f"{split}.jsonl").read_text().splitlines()
        ]
        mlx = create_dataset(records, tokenizer, types.SimpleNamespace(mask_prompt=True))
        expected = {}
        for record in records:
            tokens, offset = mlx.process(record)
            expected[tuple(tokens)] = offset
        rows = next(p for p in prepared if len(p) == len(records))
        for row in rows:  # Axolotl shuffles: match by content
            offset = expected[tuple(row["input_ids"])]
            assert row["labels"][:offset] == [-100] * offset
            assert row["labels"][offset:] == row["input_ids"][offset:]
            assert row["labels"][-1] == tokenizer.eos_token_id
    config = yaml.safe_load((project / "configs" / "axolotl.yaml").read_text())
    assert config["excess_length_strategy"] == "raise"


@pytest.mark.slow
def test_axolotl_preprocess_encodes_chunks_as_the_peft_trainer_does(
    axolotl_python, tiny_model, tmp_path
):
    """Generation: each prepared row is pipeline/textgen.py's encoding of one chunk (BOS,
    text, EOS), loss on every token, none split or dropped."""
    from datasets import load_from_disk
    from transformers import AutoTokenizer

    from .conftest import load_generated

    project = preprocessed(ROOT / "specs" / "gaea_style.yaml", tiny_model, tmp_path)
    encode = load_generated(project, ["schema", "textgen"])["textgen"].encode
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model))
    expected = sorted(
        encode(tokenizer, json.loads(line)["text"])
        for split in ("train", "valid")
        for line in (project / "work" / "data" / f"{split}.jsonl").read_text().splitlines()
    )
    rows = [
        row
        for info in (project / "work" / "axolotl_prepared").glob("*/dataset_info.json")
        for row in load_from_disk(str(info.parent))
    ]
    assert len(expected) >= 10
    assert sorted(row["input_ids"] for row in rows) == expected
    for row in rows:
        assert row["labels"] == row["input_ids"]
        assert row["input_ids"][-1] == tokenizer.eos_token_id


def _smoke(spec: str, path: str):
    env = dict(os.environ, PATH=path, AXOLOTL_DO_NOT_TRACK="1")
    return subprocess.run(
        [sys.executable, "-m", "distillgen", "smoke", spec, "--backend", "axolotl"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_smoke_without_axolotl_installed_says_so():
    """No `axolotl` command: the smoke stops before its first step with what to install,
    not a traceback."""
    path = os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"])
    proc = _smoke("specs/gaea_style.yaml", path)
    assert proc.returncode == 1
    assert "runs the axolotl command, which is not on PATH" in proc.stdout
    assert "install axolotl==0.19.0 in an environment of its own" in proc.stdout
    assert proc.stdout.rstrip().endswith("smoke: FAILED before the first step")
    assert "smoke: prep" not in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["specs/gaea_style.yaml", "specs/poetry.yaml"])
def test_smoke_runs_axolotl_preprocess_and_says_what_needs_cuda(axolotl_python, spec):
    from distillgen.smoke import _cuda_available

    if _cuda_available():
        pytest.skip("a GPU is here: the smoke trains with Axolotl")
    path = os.pathsep.join([str(AXO_PYTHON.parent), os.environ["PATH"]])
    proc = _smoke(spec, path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (
        "smoke: prep   ok" in proc.stdout and "axolotl preprocess wrote 2 datasets" in proc.stdout
    )
    assert "smoke: tests  ok" in proc.stdout
    assert "axolotl train needs CUDA (none here): train, eval and accept not run" in proc.stdout
    assert "smoke: passed" in proc.stdout
