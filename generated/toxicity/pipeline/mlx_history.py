# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/backends/mlx/runtime/pipeline/mlx_history.py
"""mlx-lm's training reports as training curves: a callback that appends each train and
validation report to work/train/history.jsonl in pipeline/history.py's rows."""

from pathlib import Path

from . import history


def callback(path: Path = history.HISTORY, wrapped=None):
    """An mlx-lm TrainingCallback that writes each report to ``path`` (started afresh)
    and passes it on to ``wrapped`` (mlx-lm's own reporting, when configured)."""
    from mlx_lm.tuner.callbacks import TrainingCallback

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")

    class History(TrainingCallback):
        def on_train_loss_report(self, info: dict):
            history.append(
                history.row(
                    info["iteration"],
                    train_loss=as_float(info.get("train_loss")),
                    learning_rate=as_float(info.get("learning_rate")),
                    tokens_per_second=as_float(info.get("tokens_per_second")),
                ),
                path,
            )
            if wrapped is not None:
                wrapped.on_train_loss_report(info)

        def on_val_loss_report(self, info: dict):
            history.append(
                history.row(info["iteration"], val_loss=as_float(info.get("val_loss"))), path
            )
            if wrapped is not None:
                wrapped.on_val_loss_report(info)

    return History()


def as_float(value):
    """An mlx scalar (or a plain number) as a float; None stays None."""
    if value is None:
        return None
    return float(value.item() if hasattr(value, "item") else value)
