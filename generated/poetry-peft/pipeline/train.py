# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/backends/peft/runtime/pipeline/train.py
"""Step 2, train: LoRA with transformers + peft, on the data step's files.

    python -m pipeline.train [--fresh]

- What an example is (its token ids, which of them the loss covers), how a batch is
  padded and which model is loaded: pipeline/examples.py (chat answers, text chunks
  or a sequence-classification head, by the spec's kind and route).
- Evaluation on the valid split every `eval_steps`; early stopping after
  `early_stopping_patience` evaluations without improvement (when set).
- Checkpoints in work/checkpoints: a rerun resumes from the newest one (after an
  interruption) unless --fresh; the best one (lowest eval loss, or the best task metric
  when the config's metric_for_best_model names one: pipeline/select.py) is loaded at
  the end and saved to work/adapters.
- The Trainer's log history (train and eval loss, learning rate per logging step) goes
  to work/train/history.jsonl (pipeline/trainer_history.py), which the eval report plots.
- Experiment tracking (the spec's tracking): report_to and run_name in the config; the
  run's project, directory and id in the environment (pipeline/tracking.py), so that
  eval and accept log to the same run.
Settings: configs/peft.yaml (how each follows from the spec: README.md).
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

import yaml

from . import examples, schema, stamp, trainer_history

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "peft.yaml"
DATA = ROOT / "work" / "data"
CHECKPOINTS = ROOT / "work" / "checkpoints"
ADAPTERS = ROOT / "work" / "adapters"


def newest_checkpoint() -> Path | None:
    found = sorted(
        (p for p in CHECKPOINTS.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()),
        key=lambda p: int(p.name.split("-")[-1]),
    )
    return found[-1] if found else None


def lora_config(config: dict, model):
    import torch
    from peft import LoraConfig

    lora = dict(config["lora"])
    last = lora.pop("last_layers", None)
    if last is not None:
        n_layers = model.config.num_hidden_layers
        lora["layers_to_transform"] = list(range(max(0, n_layers - last), n_layers))
        if lora.get("target_modules") == "all-linear":
            # peft takes a layer range only with module names: every Linear of the blocks
            lora["target_modules"] = sorted(
                {
                    name.rsplit(".", 1)[-1]
                    for name, module in model.named_modules()
                    if isinstance(module, torch.nn.Linear) and ".layers." in name
                }
            )
    return LoraConfig(**lora)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="ignore existing checkpoints")
    args = parser.parse_args(argv)
    problem = stamp.unfinished("train")
    if problem:
        print(problem, file=sys.stderr)
        return 1
    import torch
    from peft import get_peft_model
    from transformers import AutoTokenizer, EarlyStoppingCallback, Trainer, TrainingArguments

    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    torch.manual_seed(config["training"]["seed"])
    tokenizer = AutoTokenizer.from_pretrained(schema.TOKENIZER)
    eos = tokenizer.eos_token_id
    train_set = examples.load_split(tokenizer, "train")
    valid_set = examples.load_split(tokenizer, "valid")
    examples.check(train_set, tokenizer)
    model = examples.load_model(config, tokenizer)
    model = get_peft_model(model, lora_config(config, model))
    model.print_trainable_parameters()
    training = dict(config["training"])
    patience = training.pop("early_stopping_patience", None)
    if not valid_set:
        for key in ("eval_strategy", "load_best_model_at_end", "metric_for_best_model"):
            training.pop(key, None)
        patience = None
    if "activation_checkpointing" not in TrainingArguments.__dataclass_fields__:
        # transformers 5 before activation_checkpointing (5.17, say) calls it gradient_checkpointing
        training["gradient_checkpointing"] = training.pop("activation_checkpointing", False)
    if args.fresh and CHECKPOINTS.exists():
        shutil.rmtree(CHECKPOINTS)
    resume = newest_checkpoint()
    if schema.TRACKING:
        from . import tracking

        tracking.begin(resume=resume is not None)  # before the Trainer's callbacks read it
    arguments = TrainingArguments(output_dir=str(CHECKPOINTS), **training)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    compute_metrics, callbacks = None, []
    if valid_set and training.get("metric_for_best_model", "eval_loss") != "eval_loss":
        compute_metrics, callbacks = examples.selection(config, tokenizer)
    if patience:  # after the selection's callback: it counts evaluations of that metric
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=patience))
    trainer = Trainer(
        model=model,
        args=arguments,
        train_dataset=train_set,
        eval_dataset=valid_set or None,
        data_collator=examples.Collator(pad),
        compute_loss_func=examples.loss_function(train_set),
        compute_metrics=compute_metrics,
        callbacks=callbacks,
    )
    if resume is not None:
        print(f"train: resuming from {resume.relative_to(ROOT)}")
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    trainer_history.write(trainer_history.from_log_history(trainer.state.log_history))
    trainer.save_model(str(ADAPTERS))
    tokenizer.save_pretrained(str(ADAPTERS))
    summary = {
        "global_step": result.global_step,
        "training_loss": result.training_loss,
        "best_checkpoint": trainer.state.best_model_checkpoint,
        "best_by": training.get("metric_for_best_model"),
        "best_metric": trainer.state.best_metric,
        "resumed_from": None if resume is None else resume.name,
    }
    (ADAPTERS / "training_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"train: saved the adapter to {ADAPTERS.relative_to(ROOT)}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
