# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/history.py
"""Training curves: work/train/history.jsonl, one JSON line per report of the trainer.

Each line has "step" (the optimizer step, or mlx-lm's iteration) and whichever of
"train_loss", "val_loss", "learning_rate" and "tokens_per_second" that report gave.
The train step writes it: mlx-lm's training callback appends each report (the mlx
project's pipeline/train.py), the peft and Axolotl projects' train step converts the
transformers Trainer's log history (pipeline/trainer_history.py) when training ends.
diagnose() reads the curves for the report:
a validation loss rising while the training loss falls (overfitting), and a training
loss that never falls.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "work" / "train" / "history.jsonl"
KEYS = ("train_loss", "val_loss", "learning_rate", "tokens_per_second")


def _number(value):
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return float(value)


def row(step, **values) -> dict:
    """One history line: the step and the known values that are numbers."""
    out = {"step": int(step)}
    for key in KEYS:
        number = _number(values.get(key))
        if number is not None:
            out[key] = number
    return out


def append(record: dict, path: Path = HISTORY) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")


def read(path: Path | None = None) -> list[dict]:
    """The recorded rows ([] when training has not recorded any); a torn line is skipped."""
    path = path or HISTORY
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "step" in record:
            rows.append(row(record["step"], **{k: record.get(k) for k in KEYS}))
    return rows


def series(rows: list[dict], key: str) -> list[tuple[int, float]]:
    """(step, value) for one key, in step order (a repeated step keeps its last value)."""
    found = {r["step"]: r[key] for r in rows if key in r}
    return sorted(found.items())


def diagnose(rows: list[dict], tolerance: float = 0.02) -> list[str]:
    """What the curves show that needs a look, in words ([] when nothing does).

    - "never falls": with at least 3 training reports, no later one is below the first
      by more than ``tolerance`` (relative).
    - "overfitting": with at least 3 validation reports, the last is above the lowest by
      more than ``tolerance`` while the training loss at the end is below the training
      loss reported at (or before) the lowest validation loss.
    """
    flags = []
    train = series(rows, "train_loss")
    val = series(rows, "val_loss")
    if len(train) >= 3:
        first = train[0][1]
        if min(v for _, v in train[1:]) >= first * (1 - tolerance):
            flags.append(
                f"training loss never falls: {first:.4f} at step {train[0][0]}, "
                f"lowest later {min(v for _, v in train[1:]):.4f}"
            )
    if len(val) >= 3 and train:
        best_step, best = min(val, key=lambda sv: (sv[1], sv[0]))
        last_step, last = val[-1]
        before = [v for s, v in train if s <= best_step]
        if before and last > best * (1 + tolerance) and train[-1][1] < before[-1]:
            flags.append(
                f"overfitting: validation loss rose from {best:.4f} (step {best_step}) to "
                f"{last:.4f} (step {last_step}) while training loss fell from "
                f"{before[-1]:.4f} to {train[-1][1]:.4f}"
            )
    return flags
