# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/tensorboard_tracker.py
"""TensorBoard as the spec's tracker (pipeline/tracking.py): the run is the folder
work/tracking/tensorboard/<run>, which the Trainer's own reporting writes to
(TENSORBOARD_LOGGING_DIR) and eval and accept add their scalars to."""

import time
from pathlib import Path

TENSORBOARD = Path(__file__).resolve().parent.parent / "work" / "tracking" / "tensorboard"


def environment(run: dict) -> dict:
    """The variables the trainers' own reporting reads for this run."""
    return {"TENSORBOARD_LOGGING_DIR": str(TENSORBOARD / run["run"])}


def new_id(settings: dict) -> None:
    return None  # the directory is the run


class Writer:
    """Scalars into the run's event file (log), and the file closed (close)."""

    def __init__(self, run: dict):
        try:
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError:
            raise SystemExit(
                "tracking: the spec logs to TensorBoard: pip install tensorboard (requirements.txt)"
            ) from None
        (TENSORBOARD / run["run"]).mkdir(parents=True, exist_ok=True)
        self.handle = EventFileWriter(str(TENSORBOARD / run["run"]))

    def log(self, values: dict, step: int) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2

        summary = summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=k, simple_value=v) for k, v in values.items()]
        )
        self.handle.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary))

    def note(self, key: str, text: str) -> None:
        """TensorBoard keeps the number log() wrote; a word has no place there."""

    def close(self) -> None:
        self.handle.close()
