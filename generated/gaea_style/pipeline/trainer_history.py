# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/trainer_history.py
"""The transformers Trainer's log history as training curves (peft and Axolotl projects).

The peft train step converts ``trainer.state.log_history`` when training ends; the
Axolotl one reads the trainer_state.json Axolotl's Trainer saves with its checkpoints.
Either writes work/train/history.jsonl in pipeline/history.py's rows.
"""

import json
from pathlib import Path

from .history import HISTORY, row


def from_log_history(log_history: list[dict]) -> list[dict]:
    """Rows from a transformers Trainer's state.log_history (peft, Axolotl): a "loss"
    entry is a training report, an "eval_loss" entry a validation one; the closing
    summary (train_runtime) is left out."""
    rows = []
    for entry in log_history:
        if "step" not in entry or "train_runtime" in entry:
            continue
        if "loss" in entry:
            rows.append(
                row(
                    entry["step"],
                    train_loss=entry["loss"],
                    learning_rate=entry.get("learning_rate"),
                    tokens_per_second=entry.get("tokens_per_second"),
                )
            )
        if "eval_loss" in entry:
            rows.append(row(entry["step"], val_loss=entry["eval_loss"]))
    return [r for r in rows if len(r) > 1]


def from_trainer_state(path: Path) -> list[dict]:
    """Rows from a trainer_state.json (what Axolotl's Trainer saves with its checkpoints)."""
    return from_log_history(json.loads(Path(path).read_text(encoding="utf-8"))["log_history"])


def newest_trainer_state(output_dir: Path) -> Path | None:
    """output_dir/trainer_state.json, else the one in the newest checkpoint-N."""
    direct = Path(output_dir) / "trainer_state.json"
    if direct.is_file():
        return direct
    found = sorted(
        (
            p
            for p in Path(output_dir).glob("checkpoint-*/trainer_state.json")
            if p.parent.name.split("-")[-1].isdigit()
        ),
        key=lambda p: int(p.parent.name.split("-")[-1]),
    )
    return found[-1] if found else None


def write(rows: list[dict], path: Path | None = None) -> Path:
    path = path or HISTORY
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for r in rows:
            handle.write(json.dumps(r, sort_keys=True) + "\n")
    return path
