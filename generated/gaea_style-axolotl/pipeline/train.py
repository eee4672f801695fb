# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/backends/axolotl/runtime/pipeline/train.py
"""Step 2, train: Axolotl, on the data step's files (CUDA).

    python -m pipeline.train [--preprocess-only] [--gpus N] [--merge-lora]

Runs `axolotl preprocess` (for chat records: the chat template, everything but the
assistant turns masked; for text chunks: the tokenizer's BOS, the text and EOS, loss
on every token, as pipeline/textgen.py encodes it; an over-long example raises) and
then `axolotl train`,
through `accelerate launch` when --gpus is more than 1, and with --merge-lora
`axolotl merge-lora` afterwards (into work/adapters/merged). The adapter and
checkpoints go to work/adapters; `make merge` merges and also checks that the
merged model answers (or continues the style prompts) exactly as base + adapter. When the spec
adapts only the last N blocks, the block indices depend on the model, so they are
written with the rest of the config to work/axolotl.resolved.yaml. After training, the
Trainer's log history (trainer_state.json in work/adapters or its newest checkpoint)
goes to work/train/history.jsonl (pipeline/trainer_history.py), which the eval report plots.
Experiment tracking (the spec's tracking): the config's use_tensorboard / wandb_* /
mlflow_* keys, and the run's directory or id in the environment (pipeline/tracking.py),
so that eval and accept log to the same run.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from . import schema, stamp, trainer_history

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "axolotl.yaml"
RESOLVED = ROOT / "work" / "axolotl.resolved.yaml"
LAST_LAYERS = schema.LORA_LAST_LAYERS  # None: every block


def resolve_config() -> Path:
    if LAST_LAYERS is None:
        return CONFIG
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    model_config = Path(schema.MODEL) / "config.json"
    if model_config.is_file():
        depth = json.loads(model_config.read_text(encoding="utf-8"))["num_hidden_layers"]
    else:
        from transformers import AutoConfig

        depth = AutoConfig.from_pretrained(schema.MODEL).num_hidden_layers
    config["peft_layers_to_transform"] = list(range(max(0, depth - LAST_LAYERS), depth))
    RESOLVED.parent.mkdir(parents=True, exist_ok=True)
    RESOLVED.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return RESOLVED


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preprocess-only", action="store_true")
    parser.add_argument("--gpus", type=int, default=1, help="GPUs for accelerate launch")
    parser.add_argument("--merge-lora", action="store_true", help="then run axolotl merge-lora")
    args = parser.parse_args(argv)
    problem = stamp.unfinished("train")
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if shutil.which("axolotl") is None:
        print(
            "train: the axolotl command is not on PATH; install requirements.txt "
            "(Axolotl 0.19 on Python 3.11; training needs CUDA)",
            file=sys.stderr,
        )
        return 1
    config = str(resolve_config().relative_to(ROOT))
    if schema.TRACKING and not args.preprocess_only:
        from . import tracking

        tracking.begin()  # the run's directory or id, for the trainer's callbacks
    env = dict(os.environ, AXOLOTL_DO_NOT_TRACK="1")
    steps = [["axolotl", "preprocess", config]]
    if not args.preprocess_only:
        if args.gpus > 1:
            steps.append(
                [
                    "accelerate",
                    "launch",
                    "--num_processes",
                    str(args.gpus),
                    "-m",
                    "axolotl.cli.train",
                    config,
                ]
            )
        else:
            steps.append(["axolotl", "train", config])
        if args.merge_lora:
            steps.append(["axolotl", "merge-lora", config])
    for command in steps:
        print("train:", " ".join(command))
        code = subprocess.call(command, cwd=ROOT, env=env)
        if code != 0:
            return code
    if not args.preprocess_only:
        record_history()
    return 0


def record_history() -> None:
    state = trainer_history.newest_trainer_state(ROOT / "work" / "adapters")
    if state is None:
        print("train: no trainer_state.json in work/adapters: no training curves recorded")
        return
    path = trainer_history.write(trainer_history.from_trainer_state(state))
    print(f"train: training curves from {state.relative_to(ROOT)} in {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
