# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/backends/mlx/runtime/pipeline/train.py
"""Step 2, train: mlx-lm LoRA with the generated config.

    python -m pipeline.train [--dry-run]

Runs mlx-lm's own `lora` command (`python -m mlx_lm lora -c configs/mlx_lora.yaml`)
in this process, with two changes: its Adam clips the gradient norm at MAX_GRAD_NORM
before each update, as the peft and Axolotl projects' Trainer does (max_grad_norm;
mlx-lm has no setting for it, and without it a spec that teaches on peft could stay
at chance on mlx), and a training callback records every train and validation report
in work/train/history.jsonl (pipeline/mlx_history.py) and, when the spec tracks to
TensorBoard or MLflow, to the tracker (pipeline/tracker_reports.py; mlx-lm reports to
W&B itself). Running the mlx_lm command by hand
trains without the clipping. When the spec gives epochs instead of steps, the number
of iterations depends on the train split's size: it is computed here from the data
step's statistics and written, with the rest of the config unchanged, to
work/mlx_lora.resolved.yaml.
"""

import argparse
import json
import math
import os
import sys
import types
from pathlib import Path

import yaml

from . import history, mlx_history, schema, stamp

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "mlx_lora.yaml"
STATS = ROOT / "work" / "data" / "stats.json"
RESOLVED = ROOT / "work" / "mlx_lora.resolved.yaml"
MAX_GRAD_NORM = 1.0  # the Trainer's default max_grad_norm, as the peft project clips


def clipping(optim):
    """``mlx.optimizers`` with an Adam that clips the gradient norm at MAX_GRAD_NORM first."""

    class Adam(optim.Adam):
        def apply_gradients(self, gradients, parameters):
            gradients, _ = optim.clip_grad_norm(gradients, MAX_GRAD_NORM)
            return super().apply_gradients(gradients, parameters)

    return types.SimpleNamespace(**{**vars(optim), "Adam": Adam})


def optimizer_steps(n_train: int) -> int:
    """Optimizer updates: STEPS, or EPOCHS passes over the train split."""
    if schema.STEPS is not None:
        return schema.STEPS
    per_epoch = math.ceil(n_train / (schema.BATCH_SIZE * schema.GRAD_ACCUMULATION))
    return max(1, math.ceil(schema.EPOCHS * per_epoch))


def resolve_config() -> Path:
    """The config file to train with (the generated one when it is complete)."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    if "iters" in config:
        return CONFIG
    if not STATS.is_file():
        raise SystemExit("train: run the data step first (work/data/stats.json is missing)")
    n_train = json.loads(STATS.read_text(encoding="utf-8"))["splits"]["train"]["examples"]
    steps = optimizer_steps(n_train)
    config["iters"] = steps * schema.GRAD_ACCUMULATION
    schedule = config.get("lr_schedule")
    if schedule is not None:
        # cosine_decay(init, decay_steps, end) / linear_schedule(init, end, steps)
        position = 1 if schedule["name"] == "cosine_decay" else 2
        if schedule["arguments"][position] is None:
            schedule["arguments"][position] = max(1, steps - schedule.get("warmup", 0))
    RESOLVED.parent.mkdir(parents=True, exist_ok=True)
    RESOLVED.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    print(f"train: {n_train} train examples, {schema.EPOCHS} epochs -> {steps} optimizer steps")
    return RESOLVED


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the command only")
    args = parser.parse_args(argv)
    problem = stamp.unfinished("train")
    if problem:
        print(problem, file=sys.stderr)
        return 1
    config = resolve_config()
    command = [sys.executable, "-m", "mlx_lm", "lora", "-c", str(config.relative_to(ROOT))]
    print(
        "train:",
        " ".join(command),
        f"(in this process: Adam clipping the gradient norm at {MAX_GRAD_NORM}, "
        "recording work/train/history.jsonl)",
    )
    if args.dry_run:
        return 0
    if schema.TRACKING:
        from . import tracking

        tracking.begin()
    run_lora(config)
    return 0


def run_lora(config: Path) -> None:
    """What `mlx_lm lora -c CONFIG` does (mlx_lm.lora.main), with its optimizer clipping
    (see clipping) and the history callback wrapped around the reporting mlx-lm sets up
    itself (report_to)."""
    import mlx.optimizers as optim
    from mlx_lm import lora

    options = vars(lora.build_parser().parse_args(["-c", str(config)]))
    with open(config, encoding="utf-8") as handle:
        for key, value in yaml.load(handle, lora.yaml_loader).items():
            if options.get(key) is None:
                options[key] = value
    for key, value in lora.CONFIG_DEFAULTS.items():
        if options.get(key) is None:
            options[key] = value
    own = lora.get_reporting_callbacks
    tracked = []  # the tracker's callback, closed when training ends

    def reporting(*a, **kw):
        reports = own(*a, **kw)  # mlx-lm's own: W&B when the config reports to it
        if schema.TRACKING:
            from . import tracker_reports

            reports = tracker_reports.wrap(reports, tracked)
        return mlx_history.callback(history.HISTORY, reports)

    lora.get_reporting_callbacks = reporting
    own_optim = lora.optim
    lora.optim = clipping(optim)  # mlx_lm.lora builds its optimizer from this module
    here = os.getcwd()
    os.chdir(ROOT)  # the config's paths are relative to the project
    try:
        lora.run(types.SimpleNamespace(**options))
    finally:
        os.chdir(here)
        lora.get_reporting_callbacks = own
        lora.optim = own_optim
        for reports in tracked:
            reports.close()


if __name__ == "__main__":
    sys.exit(main())
