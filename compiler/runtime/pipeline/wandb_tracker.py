# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/wandb_tracker.py
"""Weights & Biases as the spec's tracker (pipeline/tracking.py): a run id of its own per
training (the same one when training resumes), where W&B's settings say
(WANDB_MODE=offline: work/tracking/wandb)."""

import os
import secrets
from pathlib import Path

DIR = Path(__file__).resolve().parent.parent / "work" / "tracking"


def environment(run: dict) -> dict:
    """The variables the trainers' own reporting reads for this run."""
    env = {
        "WANDB_PROJECT": run["project"],
        "WANDB_NAME": run["run"],
        "WANDB_RUN_ID": run["id"],
        "WANDB_RESUME": "allow",
    }
    if not os.environ.get("WANDB_DIR"):
        DIR.mkdir(parents=True, exist_ok=True)
        env["WANDB_DIR"] = str(DIR)
    return env


def new_id(settings: dict) -> str:
    return secrets.token_hex(4)  # W&B run ids: lowercase letters and digits


class Writer:
    """Scalars into the run (log), a word into its summary (note), the run finished (close)."""

    def __init__(self, run: dict):
        try:
            import wandb
        except ImportError:
            raise SystemExit(
                "tracking: the spec logs to W&B: pip install wandb (requirements.txt)"
            ) from None
        self.handle = wandb.init(
            project=run["project"], name=run["run"], id=run["id"], resume="allow"
        )

    def log(self, values: dict, step: int) -> None:
        # A resumed W&B run only takes steps after its last one: the metrics go to the
        # summary (the run's table) and to the next step.
        self.handle.log(values)
        self.handle.summary.update(values)

    def note(self, key: str, text: str) -> None:
        self.handle.summary[key] = text

    def close(self) -> None:
        self.handle.finish()
