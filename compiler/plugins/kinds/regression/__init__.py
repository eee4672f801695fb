"""The regression kind: several numeric scores on a declared range, with tiers cut from
them (seed 001); answered as JSON, or by a regression head (route head)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from distillgen.plugins import Kind, Task, register_kind
from distillgen.spec import (
    Identifier,
    LabelField,
    SpecBase,
    Strict,
)

from . import infer

ROOT = Path(__file__).resolve().parent


class Tier(Strict):
    name: Identifier
    below: float | None = Field(
        None, description="Upper bound (exclusive); none for the last tier."
    )


class TierSection(Strict):
    score: Literal["mean"] = Field("mean", description="What the tiers are cut from.")
    boundaries: list[Tier] = Field(min_length=2, max_length=20)


class RegressionLabels(Strict):
    minimum: float
    maximum: float
    dimensions: list[Identifier] = Field(min_length=1, max_length=1000)
    tiers: TierSection | None = None
    route: Literal["generative", "head"] = Field(
        "generative",
        description=(
            "generative: the LLM answers the scores as JSON; head: a regression head "
            "(transformers sequence classification, problem_type regression, one output per "
            "dimension, MSE loss; backend peft). `distillgen build --route` picks the other "
            "route from the same spec."
        ),
    )


class RegressionSpec(SpecBase):
    """Several numeric scores on a declared range, with tiers cut from them (seed 001)."""

    kind: Literal["regression"]
    labels: RegressionLabels


REGRESSION_METRICS: dict[str, tuple[bool, str]] = {
    "mae": (False, "mean absolute error over every dimension of every answer read"),
    "rmse": (False, "root mean squared error over the same"),
    "mae_dim": (False, "MAE of one dimension: mae_dim.<dimension>"),
    "tier_accuracy": (True, "share of examples whose tier (from the answered scores) is right"),
    "parse_rate": (True, "share of answers with every score read and in range"),
    "gain_over_base": (
        True,
        "gain over the base model alone (make eval-base): mae, base minus tuned",
    ),
}


def label_fields(spec) -> dict[str, LabelField]:
    labels = spec.labels
    return {
        name: LabelField(
            type="number", minimum=labels.minimum, maximum=labels.maximum, allow_na=False
        )
        for name in labels.dimensions
    }


def check(c) -> None:
    """The range, the dimensions once each, and tiers that rise within the range."""
    labels = c.spec.labels
    if labels.minimum >= labels.maximum:
        c.add(("labels", "maximum"), "maximum must be greater than minimum")
    seen: set = set()
    for i, name in enumerate(labels.dimensions):
        if name in seen:
            c.add(("labels", "dimensions", i), f"dimension {name!r} is listed twice")
        seen.add(name)
    if labels.tiers is None:
        return
    tiers = labels.tiers.boundaries
    names: set = set()
    last = labels.minimum
    for i, tier in enumerate(tiers):
        path = ("labels", "tiers", "boundaries", i)
        if tier.name in names:
            c.add(path + ("name",), f"tier {tier.name!r} is listed twice")
        names.add(tier.name)
        if i == len(tiers) - 1:
            if tier.below is not None:
                c.add(path + ("below",), "the last tier takes everything above: no 'below'")
        elif tier.below is None:
            c.add(path, "every tier but the last needs 'below'")
        elif not (last < tier.below <= labels.maximum):
            c.add(
                path + ("below",),
                f"tier bounds must rise within {labels.minimum:g}..{labels.maximum:g}",
            )
        else:
            last = tier.below


def check_threshold(c, base: tuple, name: str, arg: str) -> None:
    """tier_accuracy needs tiers; mae_dim.<dimension> names a dimension."""
    if name == "tier_accuracy" and c.spec.labels.tiers is None:
        c.add(base + ("metric",), "tier_accuracy needs labels.tiers")
    elif arg and arg not in c.fields:
        c.add(base + ("metric",), c.unknown_field(arg))


@dataclass(frozen=True, kw_only=True)
class RegressionTask(Task):
    dimensions: list[str]
    minimum: float
    maximum: float


def task(spec, overrides) -> RegressionTask:
    labels = spec.labels
    return RegressionTask(
        dimensions=list(labels.dimensions),
        minimum=labels.minimum,
        maximum=labels.maximum,
        tiers=None
        if labels.tiers is None
        else [{"name": t.name, "below": t.below} for t in labels.tiers.boundaries],
        route=overrides.route or labels.route,
    )


def head_config(project) -> dict:
    return {
        "model": "AutoModelForSequenceClassification, problem_type regression, one output per "
        "dimension, MSE loss",
        "rows": [
            (
                "labels.minimum/maximum",
                "score range",
                "labels",
                "scores scaled to 0..1",
                "predictions are scaled back and clipped to the range",
            )
        ],
    }


def _dimension_path(name: str, index: int | None = None) -> tuple:
    return ("labels", "dimensions") if index is None else ("labels", "dimensions", index)


KIND = register_kind(
    Kind(
        infer=infer,
        readme="project/kinds/labelled.md.j2",
        name="regression",
        figures=(
            "predicted against gold scores, one panel per dimension, with the diagonal and "
            "the tier boundaries (`scores.png`)"
        ),
        spec=RegressionSpec,
        metrics=REGRESSION_METRICS,
        metric_args={"mae_dim": "dimension"},
        arg_word="dimension",
        completion_format="json",
        label_fields=label_fields,
        task=task,
        check=check,
        check_threshold=check_threshold,
        label_path=_dimension_path,
        routes=("generative", "head"),
        point_metrics=frozenset({"mae", "rmse", "mae_dim", "gain_over_base"}),
        route=lambda spec: spec.labels.route,
        tiered=lambda spec: spec.labels.tiers is not None,
        root=ROOT,
        schema_block="project/kinds/regression/schema.py.j2",
        select_metric="mae",
        head_readme="project/kinds/regression/head.md.j2",
        head_config=head_config,
    )
)
