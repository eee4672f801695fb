# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/backends/mlx/runtime/pipeline/tracker_reports.py
"""mlx-lm's training reports to the spec's tracker (an mlx project has this module only
where its spec tracks). mlx-lm reports to W&B itself (report_to: wandb in its config):
its run gets the spec's run name here. TensorBoard and MLflow, which mlx-lm has no
reporter for, get each train and validation report through a callback."""

from . import schema, tracking
from .mlx_history import as_float


def wrap(reports, opened: list):
    """mlx-lm's own reporting callback ``reports`` with the tracker's; a callback that
    must be closed when training ends is added to ``opened``."""
    if schema.TRACKING["to"] == "wandb":
        import wandb  # mlx-lm names its W&B run after the adapter folder

        if wandb.run is not None:
            wandb.run.name = schema.TRACKING["run"]
        return reports
    callback = Reports(tracking.tracker.Writer(tracking.current()), reports)
    opened.append(callback)
    return callback


class Reports:
    """Each train and validation report into the run (at mlx-lm's iteration), then on
    to ``wrapped``; close() when training ends."""

    def __init__(self, writer, wrapped=None):
        self.writer, self.wrapped = writer, wrapped

    def on_train_loss_report(self, info: dict):
        values = {
            "train/loss": as_float(info.get("train_loss")),
            "train/learning_rate": as_float(info.get("learning_rate")),
            "train/tokens_per_second": as_float(info.get("tokens_per_second")),
        }
        tracking.log(self.writer, values, int(info["iteration"]))
        if self.wrapped is not None:
            self.wrapped.on_train_loss_report(info)

    def on_val_loss_report(self, info: dict):
        values = {"eval/loss": as_float(info.get("val_loss"))}
        tracking.log(self.writer, values, int(info["iteration"]))
        if self.wrapped is not None:
            self.wrapped.on_val_loss_report(info)

    def close(self):
        self.writer.close()
