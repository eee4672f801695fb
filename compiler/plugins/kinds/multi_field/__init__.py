"""The multi_field kind: several labelled fields answered as text by an LLM (seed 000)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from distillgen.plugins import Kind, Task, register_kind
from distillgen.spec import (
    Identifier,
    LabelField,
    OneLine,
    SpecBase,
    Strict,
)

from . import infer

ROOT = Path(__file__).resolve().parent


class MultiFieldLabels(Strict):
    na_token: OneLine | None = Field(
        "N/A", description="What the model answers when a field does not apply."
    )
    fields: dict[Identifier, LabelField] = Field(min_length=1)


class MultiFieldSpec(SpecBase):
    """Several labelled fields answered as text by an LLM (seed 000)."""

    kind: Literal["multi_field"]
    labels: MultiFieldLabels


MULTI_FIELD_METRICS: dict[str, tuple[bool, str]] = {
    "mean_field_accuracy": (True, "mean over fields of the share of examples answered correctly"),
    "min_field_accuracy": (True, "accuracy of the weakest field"),
    "exact_match": (True, "share of examples with every field correct"),
    "parse_rate": (True, "share of answers parsed completely"),
    "field_accuracy": (True, "accuracy of one field: field_accuracy.<field>"),
    "macro_f1": (True, "macro-F1 of one categorical field: macro_f1.<field>"),
    "gain_over_base": (
        True,
        "gain over the base model alone (make eval-base): mean_field_accuracy, tuned minus base",
    ),
}


def check(c) -> None:
    """Groups all or none; each field's values, bounds and not-applicable answer."""
    labels = c.spec.labels
    na = labels.na_token
    grouped = [name for name, f in labels.fields.items() if f.group is not None]
    if grouped and len(grouped) != len(labels.fields):
        for name, f in labels.fields.items():
            if f.group is None:
                c.add(
                    ("labels", "fields", name),
                    "either every label field has a group or none has; this one has none",
                    key=True,
                )
    for name, f in labels.fields.items():
        base = ("labels", "fields", name)
        if f.type == "categorical":
            if not f.values:
                c.add(base, "a categorical field needs 'values'", key=True)
                continue
            c.check_values(base + ("values",), f.values, na)
        elif f.values is not None:
            c.add(base + ("values",), f"'values' only applies to categorical fields, not {f.type}")
        if f.type not in ("integer", "number"):
            for bound in ("minimum", "maximum"):
                if getattr(f, bound) is not None:
                    c.add(base + (bound,), f"{bound!r} only applies to integer and number fields")
        elif f.minimum is not None and f.maximum is not None and f.minimum >= f.maximum:
            c.add(base + ("maximum",), "maximum must be greater than minimum")
        if f.allow_na and na is None and "allow_na" in f.model_fields_set:
            c.add(base + ("allow_na",), "allow_na: true needs labels.na_token")


def check_threshold(c, base: tuple, name: str, arg: str) -> None:
    """field_accuracy.<field> and macro_f1.<field> name a declared (categorical) field."""
    if not arg:
        return
    if arg not in c.fields:
        c.add(base + ("metric",), c.unknown_field(arg))
    elif name == "macro_f1" and c.fields[arg].type != "categorical":
        c.add(
            base + ("metric",),
            f"macro_f1 needs a categorical field; {arg!r} is {c.fields[arg].type}",
        )


def task(spec, overrides) -> Task:
    """Nothing beyond the label fields every kind has."""
    return Task()


KIND = register_kind(
    Kind(
        infer=infer,
        readme="project/kinds/labelled.md.j2",
        name="multi_field",
        figures=(
            "accuracy per field as bars, with the PASS and REVIEW lines of the thresholds "
            "that judge them (`bars.png`), and a confusion matrix per categorical field "
            "(`confusion-<field>.png`: the share of each gold value's row, with counts, N/A "
            "and unreadable answers included)"
        ),
        spec=MultiFieldSpec,
        metrics=MULTI_FIELD_METRICS,
        metric_args={"field_accuracy": "field", "macro_f1": "field"},
        arg_word="field",
        completion_format="key_value",
        label_fields=lambda spec: dict(spec.labels.fields),
        na_token=lambda spec: spec.labels.na_token,
        task=task,
        check=check,
        check_threshold=check_threshold,
        labels_are_keys=True,
        root=ROOT,
        uses=frozenset({"pipeline/bar_plots.py", "pipeline/confusion_plots.py"}),
        select_metric="mean_field_accuracy",
    )
)
