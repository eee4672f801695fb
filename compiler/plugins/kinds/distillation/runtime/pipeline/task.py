# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/distillation/runtime/pipeline/task.py
"""What the distillation kind adds to the shared steps: its summary metrics, why one of
them could not be computed, and its part of the eval report (see pipeline/metrics.py
and pipeline/evaluate.py, which call these by name).
"""

from . import bar_plots, outcome_plots, schema
from .report import agree_count as agree_cell
from .report import agrees_yes as agrees
from .report import field_agreement, field_table, pct, same

__all__ = [
    "figures",
    "agree_cell",
    "agreement",
    "agrees",
    "answers_line",
    "cell",
    "data_warnings",
    "field_table",
    "why_none",
]


def why_none(name: str, result: dict) -> str | None:
    if name == "pass_rate_when_valid":
        return "no answer was valid JSON of the answer schema"
    return None


def cell(name: str, value) -> str:
    return pct(value)


def answers_line(result: dict) -> str:
    """Each answer's outcome; formatting failures apart from wrong answers."""
    outcomes = ", ".join(
        f"{count} {name.replace('_', ' ')}" for name, count in result["outcomes"].items()
    )
    return (
        f"Outcomes (each answer has one): {outcomes}. Truncated, unparseable and "
        "schema-invalid answers are formatting failures, reported apart from wrong answers."
    )


def data_warnings(splits: dict) -> list[str]:
    """Nothing in the written splits that acceptance cannot measure, for this kind."""
    return []


def agreement(gold: dict, values: dict) -> dict:
    """The review sheet's marks: the whole answer, or each of eval.match_keys."""
    if not schema.MATCH_KEYS:
        return {"answer": "yes" if values and same(gold, values) else "no" if values else "unread"}
    return field_agreement(gold, values, schema.MATCH_KEYS)


def figures(result: dict, scored: list[dict]) -> list[tuple]:
    """The report's figures: the outcome shares, and accuracy per key."""
    outcomes = (
        "outcomes.png",
        "outcome shares",
        outcome_plots.draw_outcomes,
        outcome_plots.outcome_data(result),
    )
    accuracy = bar_plots.accuracy_bars(result, "accuracy per key", "mean_key_accuracy")
    return [outcomes, *bar_plots.bars(accuracy)]
