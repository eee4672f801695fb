# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/tracking.py
"""Experiment tracking (the spec's ``tracking``): one run of one tracker holds the
training curves, then eval's metrics and the acceptance decision.

- begin() (the train step, before the trainer starts): the run's identity, written to
  work/tracking/run.json and exported as the environment the trainer's own reporting
  reads: TENSORBOARD_LOGGING_DIR (work/tracking/tensorboard/<run>); WANDB_PROJECT,
  WANDB_NAME, WANDB_RUN_ID (a new id per training, the same one when training resumes)
  and WANDB_RESUME=allow; MLFLOW_EXPERIMENT_NAME and MLFLOW_RUN_ID (the run it opens).
  The peft and Axolotl projects' Trainer reports through its callbacks; mlx-lm reports
  to W&B itself and to TensorBoard and MLflow through the mlx project's callback
  (pipeline/tracker_reports.py).
- log_eval() (make eval: the eval in work/eval/ that accept judges, not eval-base's or
  the constrained / unconstrained runs beside it) and log_accept() (make accept): into
  the same run, at the last training step: "<split>/<metric>" for every metric that is
  a number, and "accept/decision" (0 PASS, 1 REVIEW, 2 FAIL; W&B's summary and an MLflow
  tag also hold the word).

Where the tracker writes: TensorBoard under work/tracking/tensorboard/<run> (`tensorboard
--logdir work/tracking/tensorboard`); W&B where its settings say (WANDB_MODE=offline:
work/tracking/wandb); MLflow to $MLFLOW_TRACKING_URI. What is the tracker's own (its
environment, its run id, writing to it) is in the one of tensorboard_tracker.py,
wandb_tracker.py and mlflow_tracker.py that the project has: the spec's.
"""

import json
import os
from pathlib import Path

from . import history, schema

if schema.TRACKING["to"] == "tensorboard":
    from . import tensorboard_tracker as tracker
elif schema.TRACKING["to"] == "wandb":
    from . import wandb_tracker as tracker
else:
    from . import mlflow_tracker as tracker

ROOT = Path(__file__).resolve().parent.parent
DIR = ROOT / "work" / "tracking"
RUN = DIR / "run.json"
DECISION_CODES = {"PASS": 0, "REVIEW": 1, "FAIL": 2}
KEYS = ("to", "project", "run")  # a run is this spec's when these are the spec's


def read_run() -> dict | None:
    """The run the last training opened (work/tracking/run.json), if it is this tracker's."""
    if not RUN.is_file():
        return None
    try:
        run = json.loads(RUN.read_text(encoding="utf-8"))
    except ValueError:
        return None
    same = {k: run.get(k) for k in KEYS} == {k: schema.TRACKING[k] for k in KEYS}
    return run if same else None


def begin(resume: bool = False) -> dict:
    """Before training: a new run (or, when training resumes, the last one), recorded in
    work/tracking/run.json and exported in the environment."""
    run = read_run() if resume else None
    if run is None:
        run = {**schema.TRACKING, "id": tracker.new_id(schema.TRACKING)}
        DIR.mkdir(parents=True, exist_ok=True)
        RUN.write_text(json.dumps(run, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.environ.update(tracker.environment(run))
    print(f"tracking: {run['to']} run {run['run']!r}" + (f" (id {run['id']})" if run["id"] else ""))
    return run


def current() -> dict:
    """The run to log to: the last training's, else a new one (answers scored from a
    predictions file, with no training here)."""
    return read_run() or begin()


def log(writer, values: dict, step: int) -> None:
    """The values that are numbers into the run at ``step`` (nothing when none is)."""
    values = {k: float(v) for k, v in values.items() if _number(v)}
    if values:
        writer.log(values, step)


def _number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value == value


def last_step() -> int:
    """The last training step in work/train/history.jsonl (0 without one)."""
    rows = history.read()
    return max((r["step"] for r in rows), default=0)


def log_eval(result: dict) -> None:
    """Eval's metrics into the run: "<split>/<metric>" for each number."""
    writer = tracker.Writer(current())
    try:
        split = result.get("split", schema.EVAL_SPLIT)
        log(writer, {f"{split}/{k}": v for k, v in result["summary"].items()}, last_step())
    finally:
        writer.close()


def log_accept(judged: dict) -> None:
    """The acceptance decision into the run: accept/decision (0 PASS, 1 REVIEW, 2 FAIL)."""
    writer = tracker.Writer(current())
    try:
        log(writer, {"accept/decision": DECISION_CODES[judged["decision"]]}, last_step())
        writer.note("accept/decision_word", judged["decision"])
    finally:
        writer.close()
