# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/oversample.py
"""labels.balance: oversample (copied only into projects whose spec asks for it)."""

import numpy as np

from . import schema


class Oversample:
    """How many times each row is written: train rows of smaller classes are repeated
    until every class has as many train rows as the largest (exactly, in file order);
    valid and test rows are written once. ``sizes``: train rows per class (the first
    label's index); rows are then given a task at a time, in source order."""

    def __init__(self, sizes: np.ndarray) -> None:
        self.sizes = np.asarray(sizes, dtype=np.int64)
        target = int(self.sizes.max(initial=0))
        self.base = np.where(self.sizes > 0, target // np.maximum(self.sizes, 1), 0)
        self.extra = np.where(self.sizes > 0, target % np.maximum(self.sizes, 1), 0)
        self.seen = np.zeros(len(self.sizes), dtype=np.int64)  # train rows of each class so far

    def copies(self, codes: np.ndarray, labels: np.ndarray) -> np.ndarray:
        copies = np.ones(len(codes), dtype=np.int64)
        train = np.flatnonzero(codes == 0)
        classes = labels[train, 0].astype(np.int64)
        order = np.argsort(classes, kind="stable")
        counts = np.bincount(classes, minlength=len(self.sizes))
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        position = np.empty(len(train), dtype=np.int64)
        position[order] = np.arange(len(train)) - starts[classes[order]] + self.seen[classes[order]]
        copies[train] = self.base[classes] + (position < self.extra[classes])
        self.seen += counts
        return copies


def oversample(codes: np.ndarray, labels: np.ndarray) -> list[int]:
    """Oversample's copies for all the rows at once."""
    sizes = np.bincount(labels[codes == 0, 0], minlength=len(schema.CLASSES))
    return Oversample(sizes).copies(codes, labels).tolist()
