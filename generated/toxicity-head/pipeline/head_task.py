# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/classification/runtime/pipeline/head_task.py
"""What a classification head learns and answers (route head; pipeline/head.py).

Single-label classification: one output per class, cross-entropy on the class's index.
With CLASS_WEIGHTS "balanced" each class's examples weigh n / (classes x n_class),
counted on the train split (scikit-learn's "balanced"; over the train split the weights
average 1). The answer is the class of the largest output, written as the generative
route writes it (pipeline/labels.py), so one parser and one set of metrics score both.
"""

from collections import Counter

from . import schema
from .labels import render_completion

LABEL_NAMES = schema.CLASSES  # one output each
PROBLEM_TYPE = "single_label_classification"
LABEL_DTYPE = "int64"


def target(labels: dict) -> int:
    """What the head learns for one example's gold labels: its class's index."""
    return schema.CLASSES.index(labels[schema.LABEL_FIELD])


def answer(raw) -> str:
    """The head's outputs (one logit per class) as the generative route's answer."""
    best = max(range(len(raw)), key=raw.__getitem__)
    return render_completion({schema.LABEL_FIELD: schema.CLASSES[best]})


def class_weights(train_set: list[dict]) -> list[float] | None:
    """Per class (in CLASSES order): n / (classes x its train examples); None without
    CLASS_WEIGHTS. A class with no train example is never a target: its weight is 1."""
    if schema.CLASS_WEIGHTS != "balanced":
        return None
    counts = Counter(item["labels"] for item in train_set)
    n, k = len(train_set), len(schema.CLASSES)
    return [n / (k * counts[i]) if counts[i] else 1.0 for i in range(k)]


def loss_function(train_set: list[dict]):
    """The Trainer's compute_loss_func: cross-entropy weighted per class (None: the
    model's own, unweighted). Each example's loss is multiplied by its class's weight
    and the sum divided by the examples of the whole optimizer update, as the Trainer
    counts them across gradient accumulation (num_items_in_batch)."""
    weights = class_weights(train_set)
    if weights is None:
        return None
    import torch

    table = torch.tensor(weights, dtype=torch.float32)

    def weighted_cross_entropy(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"].float()
        losses = torch.nn.functional.cross_entropy(
            logits, labels.to(logits.device), weight=table.to(logits.device), reduction="sum"
        )
        count = labels.numel() if num_items_in_batch is None else num_items_in_batch
        return losses / count

    return weighted_cross_entropy
