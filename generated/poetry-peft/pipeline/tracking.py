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
  to W&B itself and to TensorBoard and MLflow through training_callback().
- log_eval() (make eval: the eval in work/eval/ that accept judges, not eval-base's or
  the constrained / unconstrained runs beside it) and log_accept() (make accept): into
  the same run, at the last training step: "<split>/<metric>" for every metric that is
  a number, and "accept/decision" (0 PASS, 1 REVIEW, 2 FAIL; W&B's summary and an MLflow
  tag also hold the word).

Where the tracker writes: TensorBoard under work/tracking/tensorboard/<run> (`tensorboard
--logdir work/tracking/tensorboard`); W&B where its settings say (WANDB_MODE=offline:
work/tracking/wandb); MLflow to $MLFLOW_TRACKING_URI.
"""

import json
import os
import secrets
import time
from pathlib import Path

from . import history, schema

ROOT = Path(__file__).resolve().parent.parent
DIR = ROOT / "work" / "tracking"
RUN = DIR / "run.json"
TENSORBOARD = DIR / "tensorboard"  # one folder per run name
DECISION_CODES = {"PASS": 0, "REVIEW": 1, "FAIL": 2}


def _settings() -> dict:
    if not schema.TRACKING:
        raise SystemExit("tracking: the spec declares no tracker (tracking.to: none)")
    return schema.TRACKING


def read_run() -> dict | None:
    """The run the last training opened (work/tracking/run.json), if it is this tracker's."""
    if not RUN.is_file():
        return None
    try:
        run = json.loads(RUN.read_text(encoding="utf-8"))
    except ValueError:
        return None
    settings = _settings()
    same = {k: run.get(k) for k in ("to", "project", "run")} == {
        k: settings[k] for k in ("to", "project", "run")
    }
    return run if same else None


def begin(resume: bool = False) -> dict:
    """Before training: a new run (or, when training resumes, the last one), recorded in
    work/tracking/run.json and exported in the environment."""
    settings = _settings()
    run = read_run() if resume else None
    if run is None:
        run = {**settings, "id": _new_id(settings)}
        DIR.mkdir(parents=True, exist_ok=True)
        RUN.write_text(json.dumps(run, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.environ.update(environment(run))
    print(f"tracking: {run['to']} run {run['run']!r}" + (f" (id {run['id']})" if run["id"] else ""))
    return run


def current() -> dict:
    """The run to log to: the last training's, else a new one (answers scored from a
    predictions file, with no training here)."""
    return read_run() or begin()


def environment(run: dict) -> dict:
    """The variables the trainers' own reporting reads for this run."""
    if run["to"] == "tensorboard":
        return {"TENSORBOARD_LOGGING_DIR": str(TENSORBOARD / run["run"])}
    if run["to"] == "wandb":
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
    return {"MLFLOW_EXPERIMENT_NAME": run["project"], "MLFLOW_RUN_ID": run["id"]}


def _new_id(settings: dict) -> str | None:
    if settings["to"] == "wandb":
        return secrets.token_hex(4)  # W&B run ids: lowercase letters and digits
    if settings["to"] == "mlflow":
        mlflow = _mlflow()
        mlflow.set_experiment(settings["project"])
        with mlflow.start_run(run_name=settings["run"]) as opened:
            return opened.info.run_id
    return None  # TensorBoard: the directory is the run


def _mlflow():
    try:
        import mlflow
    except ImportError:
        raise SystemExit(
            "tracking: the spec logs to MLflow: pip install mlflow-skinny (requirements.txt)"
        ) from None
    return mlflow


class Writer:
    """Scalars into the run (log), and the run closed (close)."""

    def __init__(self, run: dict):
        self.run = run
        to = run["to"]
        if to == "tensorboard":
            try:
                from tensorboard.summary.writer.event_file_writer import EventFileWriter
            except ImportError:
                raise SystemExit(
                    "tracking: the spec logs to TensorBoard: pip install tensorboard "
                    "(requirements.txt)"
                ) from None
            (TENSORBOARD / run["run"]).mkdir(parents=True, exist_ok=True)
            self.handle = EventFileWriter(str(TENSORBOARD / run["run"]))
        elif to == "wandb":
            try:
                import wandb
            except ImportError:
                raise SystemExit(
                    "tracking: the spec logs to W&B: pip install wandb (requirements.txt)"
                ) from None
            self.handle = wandb.init(
                project=run["project"], name=run["run"], id=run["id"], resume="allow"
            )
        else:
            mlflow = _mlflow()
            mlflow.set_experiment(run["project"])
            self.handle = mlflow.start_run(run_id=run["id"])

    def log(self, values: dict, step: int) -> None:
        values = {k: float(v) for k, v in values.items() if _number(v)}
        if not values:
            return
        to = self.run["to"]
        if to == "tensorboard":
            from tensorboard.compat.proto import event_pb2, summary_pb2

            summary = summary_pb2.Summary(
                value=[summary_pb2.Summary.Value(tag=k, simple_value=v) for k, v in values.items()]
            )
            self.handle.add_event(
                event_pb2.Event(wall_time=time.time(), step=step, summary=summary)
            )
        elif to == "wandb":
            # A resumed W&B run only takes steps after its last one: the metrics go to
            # the summary (the run's table) and to the next step.
            self.handle.log(values)
            self.handle.summary.update(values)
        else:
            _mlflow().log_metrics(values, step=step)

    def note(self, key: str, text: str) -> None:
        """A word for the run (the decision): W&B's summary, an MLflow tag; TensorBoard
        keeps the number log() wrote."""
        if self.run["to"] == "wandb":
            self.handle.summary[key] = text
        elif self.run["to"] == "mlflow":
            _mlflow().set_tag(key, text)

    def close(self) -> None:
        if self.run["to"] == "tensorboard":
            self.handle.close()
        elif self.run["to"] == "wandb":
            self.handle.finish()
        else:
            _mlflow().end_run()


def _number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value == value


def last_step() -> int:
    """The last training step in work/train/history.jsonl (0 without one)."""
    rows = history.read()
    return max((r["step"] for r in rows), default=0)


def log_eval(result: dict) -> None:
    """Eval's metrics into the run: "<split>/<metric>" for each number."""
    writer = Writer(current())
    try:
        split = result.get("split", schema.EVAL_SPLIT)
        writer.log({f"{split}/{k}": v for k, v in result["summary"].items()}, last_step())
    finally:
        writer.close()


def log_accept(judged: dict) -> None:
    """The acceptance decision into the run: accept/decision (0 PASS, 1 REVIEW, 2 FAIL)."""
    writer = Writer(current())
    try:
        writer.log({"accept/decision": DECISION_CODES[judged["decision"]]}, last_step())
        writer.note("accept/decision_word", judged["decision"])
    finally:
        writer.close()


def training_callback(wrapped=None):
    """An mlx-lm training callback that sends each train and validation report to
    TensorBoard or MLflow (mlx-lm reports to W&B itself), then to ``wrapped``; close()
    it when training ends."""
    writer = Writer(current())

    class Reports:
        def on_train_loss_report(self, info: dict):
            writer.log(
                {
                    "train/loss": _value(info.get("train_loss")),
                    "train/learning_rate": _value(info.get("learning_rate")),
                    "train/tokens_per_second": _value(info.get("tokens_per_second")),
                },
                int(info["iteration"]),
            )
            if wrapped is not None:
                wrapped.on_train_loss_report(info)

        def on_val_loss_report(self, info: dict):
            writer.log({"eval/loss": _value(info.get("val_loss"))}, int(info["iteration"]))
            if wrapped is not None:
                wrapped.on_val_loss_report(info)

        def close(self):
            writer.close()

    return Reports()


def rename_wandb_run() -> None:
    """mlx-lm names its W&B run after the adapter folder: give it the spec's run name."""
    import wandb

    if wandb.run is not None:
        wandb.run.name = _settings()["run"]


def _value(value):
    """An mlx scalar (or a plain number) as a float; None stays None."""
    if value is None:
        return None
    return float(value.item() if hasattr(value, "item") else value)
