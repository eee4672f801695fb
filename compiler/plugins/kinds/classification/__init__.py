"""The classification kind: one label from a fixed set of classes, often imbalanced
(seed 002)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from distillgen import spec as S
from distillgen.plugins import Kind, Task, register_kind
from distillgen.spec import (
    Identifier,
    LabelField,
    OneLine,
    SpecBase,
    Strict,
    Text,
)

from . import infer

ROOT = Path(__file__).resolve().parent


class BaselineSection(Strict):
    enabled: bool = Field(True, description="Train the classical baseline after the data step.")
    ngram_max: int = Field(3, ge=1, le=5, description="TF-IDF word n-grams 1..ngram_max.")


class ClassificationLabels(Strict):
    field: Identifier = Field("label", description="Column holding the class.")
    classes: list[OneLine] = Field(min_length=2, max_length=1000)
    description: Text | None = None
    balance: Literal["none", "oversample"] = Field(
        "none",
        description=(
            "oversample: repeat minority-class examples in the train split up to the "
            "largest class (the baseline uses balanced class weights either way)."
        ),
    )
    baseline: BaselineSection = BaselineSection()
    route: Literal["generative", "head"] = Field(
        "generative",
        description=(
            "generative: the LLM answers the class as text; head: a sequence-classification "
            "head (transformers, single-label, one output per class, cross-entropy) on a "
            "decoder's last prompt token or an encoder's [CLS] (model.architecture; backend "
            "peft), its class written as the generative route's answer. `distillgen build "
            "--route` picks the other route from the same spec."
        ),
    )
    class_weights: Literal["none", "balanced"] = Field(
        "none",
        description=(
            "head route: balanced weighs each class's cross-entropy by n / (classes x its "
            "train examples), computed from the train split (scikit-learn's 'balanced'); an "
            "alternative to balance: oversample, not both."
        ),
    )


class ClassificationSpec(SpecBase):
    """One label from a fixed set of classes, often imbalanced (seed 002)."""

    kind: Literal["classification"]
    labels: ClassificationLabels


CLASSIFICATION_METRICS: dict[str, tuple[bool, str]] = {
    "accuracy": (True, "share of examples with the right class"),
    "macro_f1": (True, "mean F1 over classes (minority classes count as much as the majority)"),
    "weighted_f1": (True, "F1 averaged with class support as weights"),
    "parse_rate": (True, "share of answers naming exactly one class"),
    "recall": (True, "recall of one class: recall.<class>"),
    "precision": (True, "precision of one class: precision.<class>"),
    "baseline_macro_f1": (True, "macro-F1 of the TF-IDF + logistic regression baseline"),
    "macro_f1_gain": (True, "LLM macro-F1 minus the baseline's"),
    "gain_over_base": (
        True,
        "gain over the base model alone (make eval-base): macro_f1, tuned minus base",
    ),
}


def label_fields(spec) -> dict[str, LabelField]:
    labels = spec.labels
    return {
        labels.field: LabelField(
            type="categorical",
            values=list(labels.classes),
            description=labels.description,
            allow_na=False,
        )
    }


def _classes(c) -> dict[str, str]:
    """Metric name -> class (the first class of a name)."""
    classes: dict[str, str] = {}
    for cls, metric in S.class_metric_names(list(c.spec.labels.classes)).items():
        classes.setdefault(metric, cls)
    return classes


def check(c) -> None:
    """The classes; a baseline threshold with the baseline off; one metric name per class."""
    from distillgen.checks import normalize_value

    labels = c.spec.labels
    c.check_values(("labels", "classes"), labels.classes, None)
    if labels.baseline.enabled is False and any(
        t.metric.startswith("baseline") or t.metric == "macro_f1_gain"
        for t in c.spec.acceptance.thresholds
    ):
        c.add(
            ("labels", "baseline", "enabled"), "acceptance uses the baseline, which is switched off"
        )
    if labels.class_weights != "none":
        if labels.route != "head":
            c.add(
                ("labels", "class_weights"),
                "class weights weigh the head's cross-entropy: set labels.route: head, "
                "or balance: oversample for the generative route",
            )
        elif labels.balance == "oversample":
            c.add(
                ("labels", "class_weights"),
                "class weights and balance: oversample both correct for imbalance; "
                "choose one (balance: none with class weights)",
            )
    classes: dict[str, str] = {}
    for i, (cls, metric) in enumerate(S.class_metric_names(list(labels.classes)).items()):
        first = classes.get(metric)
        if first is not None and normalize_value(first) != normalize_value(cls):
            c.add(
                ("labels", "classes", i),
                f"classes {first!r} and {cls!r} have one metric name, "
                f"{metric!r} (recall.{metric}); rename one of them",
            )
        classes.setdefault(metric, cls)


def check_threshold(c, base: tuple, name: str, arg: str) -> None:
    """recall.<class> and precision.<class> name a class (as metric names spell it)."""
    classes = _classes(c)
    if arg and arg not in classes:
        close = difflib.get_close_matches(arg, list(classes), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        c.add(
            base + ("metric",),
            f"{arg!r} is not a class{hint} (classes as metric names: {', '.join(classes)})",
        )


@dataclass(frozen=True, kw_only=True)
class ClassificationTask(Task):
    field: str  # the class column
    classes: list[str]
    metric_names: dict[str, str]  # class -> its name in metric names (recall.<name>)
    balance: str  # "none" or "oversample"
    ngram_max: int  # the baseline's TF-IDF n-grams
    class_weights: str  # the head route's: "none" or "balanced"

    @property
    def oversample(self) -> bool:
        return self.balance == "oversample"


def task(spec, overrides) -> ClassificationTask:
    labels = spec.labels
    return ClassificationTask(
        field=labels.field,
        classes=list(labels.classes),
        metric_names=S.class_metric_names(list(labels.classes)),
        balance=labels.balance,
        baseline=labels.baseline.enabled,
        ngram_max=labels.baseline.ngram_max,
        route=overrides.route or labels.route,
        class_weights=labels.class_weights,
    )


def head_config(project) -> dict:
    weights = project.task.class_weights
    return {
        "model": "AutoModelForSequenceClassification, problem_type "
        f"single_label_classification, one output per class ({len(project.task.classes)}), "
        "cross-entropy",
        "rows": [
            (
                "labels.class_weights",
                weights,
                "loss",
                "cross-entropy weighted per class" if weights == "balanced" else "cross-entropy",
                "weight of a class = train examples / (classes x its train examples), "
                "counted from the train split when training starts (pipeline/head_task.py)"
                if weights == "balanced"
                else "every example counts the same (balance: oversample repeats them instead)",
            ),
            (
                "labels.classes",
                ", ".join(project.task.classes),
                "labels",
                "the class's index",
                "the class of the largest logit is written as the "
                f"{project.prompt['completion_format']} answer",
            ),
        ],
    }


KIND = register_kind(
    Kind(
        infer=infer,
        readme="project/kinds/classification/readme.md.j2",
        name="classification",
        figures=(
            "F1 per class as bars, with the PASS and REVIEW lines of the macro-F1 threshold "
            "(`bars.png`), and the confusion matrix of the classes (`confusion-<field>.png`: "
            "the share of each gold class's row, with counts, unreadable answers included)"
        ),
        spec=ClassificationSpec,
        metrics=CLASSIFICATION_METRICS,
        metric_args={"recall": "class", "precision": "class"},
        arg_word="class",
        completion_format="label",
        label_fields=label_fields,
        task=task,
        check=check,
        check_threshold=check_threshold,
        label_path=lambda name, index=None: ("labels", "field"),
        routes=("generative", "head"),
        route=lambda spec: spec.labels.route,
        root=ROOT,
        uses=frozenset({"pipeline/bar_plots.py", "pipeline/confusion_plots.py"}),
        schema_block="project/kinds/classification/schema.py.j2",
        select_metric="macro_f1",
        unselectable=frozenset(
            {"parse_rate", "gain_over_base", "baseline_macro_f1", "macro_f1_gain"}
        ),
        head_readme="project/kinds/classification/head.md.j2",
        head_config=head_config,
    )
)
