# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/multi_field/runtime/pipeline/task.py
"""What the multi_field kind adds to the shared steps: its summary metrics, why one of
them could not be computed, and its part of the eval report (see pipeline/metrics.py
and pipeline/evaluate.py, which call these by name).
"""

from . import bar_plots, confusion_plots
from .report import agree_count as agree_cell
from .report import agrees_yes as agrees
from .report import answers_line, field_table, pct
from .report import field_agreement as agreement

__all__ = [
    "figures",
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


def summary(golds: list[dict], parsed: list, fields: dict, n: int) -> dict:
    """Nothing beyond the per-field metrics every kind gets."""
    return {}


def extend(result: dict) -> None:
    """Nothing to add to a finished eval result."""


def why_none(name: str, result: dict) -> str | None:
    return None


def cell(name: str, value) -> str:
    return pct(value)


def data_warnings(splits: dict) -> list[str]:
    """Nothing in the written splits that acceptance cannot measure, for this kind."""
    return []


def figures(result: dict, scored: list[dict]) -> list[tuple]:
    """The report's figures: accuracy per field, and each field's confusion matrix."""
    accuracy = bar_plots.accuracy_bars(
        result, "accuracy per field", "min_field_accuracy", "mean_field_accuracy"
    )
    return bar_plots.bars(accuracy) + confusion_plots.confusions(result)
