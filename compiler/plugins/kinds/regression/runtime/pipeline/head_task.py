# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/regression/runtime/pipeline/head_task.py
"""What a regression head learns and answers (route head; pipeline/head.py).

problem_type regression, one output per dimension, mean squared error (the model's own
loss). Scores are learned on a 0..1 scale (from the declared range) and scaled back,
clipped to the range, when predicted; the answer is the JSON the generative route gives.
"""

import json

from . import schema

LOW, HIGH = schema.SCORE_RANGE
LABEL_NAMES = schema.DIMENSIONS  # one output each
PROBLEM_TYPE = "regression"
LABEL_DTYPE = "float32"


def to_unit(labels: dict) -> list[float]:
    return [(float(labels[name]) - LOW) / (HIGH - LOW) for name in schema.DIMENSIONS]


def from_unit(values) -> dict:
    return {
        name: round(min(HIGH, max(LOW, LOW + float(value) * (HIGH - LOW))), 3)
        for name, value in zip(schema.DIMENSIONS, values, strict=True)
    }


def target(labels: dict) -> list[float]:
    """What the head learns for one example's gold labels."""
    return to_unit(labels)


def answer(raw) -> str:
    """The head's outputs for one prompt as the generative route's answer."""
    return json.dumps(from_unit(raw))


def loss_function(train_set: list[dict]):
    """None: the model's own mean squared error."""
    return None
