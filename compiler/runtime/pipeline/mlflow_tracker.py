# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/mlflow_tracker.py
"""MLflow as the spec's tracker (pipeline/tracking.py): the run it opens before training
(its id in MLFLOW_RUN_ID), at $MLFLOW_TRACKING_URI."""


def _mlflow():
    try:
        import mlflow
    except ImportError:
        raise SystemExit(
            "tracking: the spec logs to MLflow: pip install mlflow-skinny (requirements.txt)"
        ) from None
    return mlflow


def environment(run: dict) -> dict:
    """The variables the trainers' own reporting reads for this run."""
    return {"MLFLOW_EXPERIMENT_NAME": run["project"], "MLFLOW_RUN_ID": run["id"]}


def new_id(settings: dict) -> str:
    mlflow = _mlflow()
    mlflow.set_experiment(settings["project"])
    with mlflow.start_run(run_name=settings["run"]) as opened:
        return opened.info.run_id


class Writer:
    """Scalars into the run (log), a tag (note), the run ended (close)."""

    def __init__(self, run: dict):
        mlflow = _mlflow()
        mlflow.set_experiment(run["project"])
        self.handle = mlflow.start_run(run_id=run["id"])

    def log(self, values: dict, step: int) -> None:
        _mlflow().log_metrics(values, step=step)

    def note(self, key: str, text: str) -> None:
        _mlflow().set_tag(key, text)

    def close(self) -> None:
        _mlflow().end_run()
