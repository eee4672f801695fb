# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/history.py
"""Training curves: work/train/history.jsonl, one JSON line per report of the trainer.

Each line has "step" (the optimizer step, or mlx-lm's iteration) and whichever of
"train_loss", "val_loss", "learning_rate" and "tokens_per_second" that report gave.
The train step writes it from mlx-lm's training callback (mlx_callback), the
transformers Trainer's log history (from_log_history: peft) or Axolotl's
trainer_state.json (from_trainer_state). diagnose() reads the curves for the report:
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


def mlx_callback(path: Path = HISTORY, wrapped=None):
    """An mlx-lm TrainingCallback that writes each report to ``path`` (started afresh)
    and passes it on to ``wrapped`` (mlx-lm's own reporting, when configured)."""
    from mlx_lm.tuner.callbacks import TrainingCallback

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")

    class History(TrainingCallback):
        def on_train_loss_report(self, info: dict):
            append(
                row(
                    info["iteration"],
                    train_loss=_float(info.get("train_loss")),
                    learning_rate=_float(info.get("learning_rate")),
                    tokens_per_second=_float(info.get("tokens_per_second")),
                ),
                path,
            )
            if wrapped is not None:
                wrapped.on_train_loss_report(info)

        def on_val_loss_report(self, info: dict):
            append(row(info["iteration"], val_loss=_float(info.get("val_loss"))), path)
            if wrapped is not None:
                wrapped.on_val_loss_report(info)

    return History()


def _float(value):
    """An mlx scalar (or a plain number) as a float."""
    if value is None:
        return None
    return float(value.item() if hasattr(value, "item") else value)


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
