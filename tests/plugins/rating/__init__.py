"""A kind defined outside distillgen: one integer rating on a declared scale, answered
as the number alone. Registered by tests/test_plugins.py only (proof that a kind is a
plugin: nothing in compiler/ names it)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from distillgen.plugins import Kind, Task
from distillgen.spec import Identifier, LabelField, SpecBase, Strict


class RatingLabels(Strict):
    field: Identifier = Field("stars", description="Column holding the rating.")
    minimum: int = 1
    maximum: int = 5


class RatingSpec(SpecBase):
    """One integer rating on a declared scale."""

    kind: Literal["rating"]
    labels: RatingLabels


METRICS = {
    "mean_field_accuracy": (True, "share of examples rated exactly"),
    "parse_rate": (True, "share of answers read as a rating"),
    "within_one": (True, "share of examples rated at most one point off"),
}


def label_fields(spec) -> dict[str, LabelField]:
    labels = spec.labels
    return {
        labels.field: LabelField(
            type="integer", minimum=labels.minimum, maximum=labels.maximum, allow_na=False
        )
    }


def check(c) -> None:
    if c.spec.labels.minimum >= c.spec.labels.maximum:
        c.add(("labels", "maximum"), "maximum must be greater than minimum")


def check_threshold(c, base: tuple, name: str, arg: str) -> None:
    """No metric of this kind takes an argument."""


KIND = Kind(
    name="rating",
    spec=RatingSpec,
    metrics=METRICS,
    metric_args={},
    arg_word="argument",
    completion_format="label",
    label_fields=label_fields,
    task=lambda spec, overrides: Task(),
    readme="project/kinds/labelled.md.j2",
    check=check,
    check_threshold=check_threshold,
    label_path=lambda name, index=None: ("labels", "field"),
    root=Path(__file__).resolve().parent,
)
