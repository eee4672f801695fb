# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/classification/runtime/pipeline/task.py
"""What the classification kind adds to the shared steps: its summary metrics, why one of
them could not be computed, and its part of the eval report (see pipeline/metrics.py
and pipeline/evaluate.py, which call these by name).
"""

import json
from pathlib import Path

from . import bar_plots, confusion_plots, plots, schema
from .report import agree_count as agree_cell
from .report import agrees_yes as agrees
from .report import answers_line, field_table, pct
from .report import field_agreement as agreement

__all__ = [
    "class_bars",
    "figures",
    "value_order",
    "agree_cell",
    "agreement",
    "agrees",
    "answers_line",
    "cell",
    "data_warnings",
    "extend",
    "field_table",
    "summary",
    "why_none",
]

ROOT = Path(__file__).resolve().parent.parent


def summary(golds: list[dict], parsed: list, fields: dict, n: int) -> dict:
    return classification_summary(fields[schema.LABEL_FIELD], n)


def classification_summary(entry: dict, n: int) -> dict:
    """accuracy, macro_f1, weighted_f1 and per-class precision and recall, for acceptance.

    An unreadable answer counts as a wrong class: it lowers the gold class's recall.
    """
    per_class = entry["per_class"]
    support = sum(c["support"] for c in per_class.values())
    summary = {
        "accuracy": entry["accuracy"],
        "macro_f1": entry["macro_f1"] if n else None,
        "weighted_f1": (
            sum(c["f1"] * c["support"] for c in per_class.values()) / support if support else None
        ),
    }
    for cls, name in schema.CLASS_METRIC_NAMES.items():
        scores = per_class.get(cls)
        summary[f"recall.{name}"] = scores["recall"] if scores and scores["support"] else None
        summary[f"precision.{name}"] = scores["precision"] if scores else None
    return summary


def extend(result: dict) -> None:
    """With a baseline: its macro-F1 beside the LLM's (None until it has run)."""
    if schema.BASELINE:
        _add_baseline(result)


def _add_baseline(result: dict) -> None:
    """The baseline's macro-F1 beside the LLM's (None when the baseline has not run)."""
    path = ROOT / "work" / "baseline" / "metrics.json"
    baseline = None
    if path.is_file():
        baseline = json.loads(path.read_text(encoding="utf-8"))["summary"].get("macro_f1")
    llm = result["summary"].get("macro_f1")
    result["summary"]["baseline_macro_f1"] = baseline
    result["summary"]["macro_f1_gain"] = None if baseline is None or llm is None else llm - baseline


def why_none(name: str, result: dict) -> str | None:
    family, _, part = name.partition(".")
    if family in ("recall", "precision"):
        cls = {metric: c for c, metric in schema.CLASS_METRIC_NAMES.items()}[part]
        gold = f"the {schema.EVAL_SPLIT} split has no {cls!r} example"
        return gold if family == "recall" else f"{gold} and no answer named it"
    baseline_missing = result["summary"].get("baseline_macro_f1") is None
    if baseline_missing and name in ("baseline_macro_f1", "macro_f1_gain"):
        return "the baseline has not run (python -m pipeline.baseline, part of make data)"
    return None


def cell(name: str, value) -> str:
    return pct(value)


def data_warnings(splits: dict) -> list[str]:
    """Acceptance thresholds on one class (recall.<class>, precision.<class>) that the
    eval split cannot meet: with no example of the class there, recall cannot be
    computed and any answer naming the class is wrong, so accept would FAIL them."""
    counts = splits[schema.EVAL_SPLIT]["labels"].get(schema.LABEL_FIELD, {})
    classes = {metric: cls for cls, metric in schema.CLASS_METRIC_NAMES.items()}
    warnings = []
    for rule in schema.THRESHOLDS:
        family, _, metric = rule["metric"].partition(".")
        if family in ("recall", "precision") and not counts.get(classes[metric]):
            warnings.append(
                f"acceptance threshold {rule['metric']}: the {schema.EVAL_SPLIT} split has no "
                f"{classes[metric]!r} example, so accept will FAIL it; add rows of that class "
                "or give the split a larger share"
            )
    return warnings


def figures(result: dict, scored: list[dict]) -> list[tuple]:
    """The report's figures: per-class F1, and the confusion matrix in class order."""
    return bar_plots.bars(class_bars(result)) + confusion_plots.confusions(
        result, order=value_order
    )


def value_order(name: str) -> list:
    """The class label's classes as the spec lists them; another field's values."""
    return list(schema.CLASSES) if name == schema.LABEL_FIELD else confusion_plots.value_order(name)


def class_bars(result: dict) -> dict:
    """Per-class F1 of the class label, with the macro-F1 acceptance lines."""
    per_class = result["fields"][schema.LABEL_FIELD]["per_class"]
    names = list(schema.CLASSES)  # a class with no example and no answer: F1 0, "n/a"
    return {
        "title": f"per-class F1 ({schema.LABEL_FIELD})",
        "ylabel": "F1",
        "names": names,
        "values": [per_class[c]["f1"] if c in per_class else 0.0 for c in names],
        "labels": [f"{per_class[c]['f1']:.0%}" if c in per_class else "n/a" for c in names],
        "rule": plots.threshold("macro_f1", "weighted_f1"),
    }
