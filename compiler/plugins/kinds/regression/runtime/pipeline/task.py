# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/regression/runtime/pipeline/task.py
"""What the regression kind adds to the shared steps: its summary metrics, why one of
them could not be computed, and its part of the eval report (see pipeline/metrics.py
and pipeline/evaluate.py, which call these by name).
"""

from . import schema, score_plots
from .report import answers_line, pct

if schema.TIERS:
    from . import tiers

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
    return regression_summary(golds, parsed)


def regression_summary(golds: list[dict], parsed: list) -> dict:
    """MAE and RMSE over every score that was read (in range), overall and per dimension,
    and the tier accuracy. A score that could not be read is a parse failure: it is
    reported by parse_rate and counted wrong in tier_accuracy, never guessed."""
    import math

    summary: dict = {}
    errors_all: list = []
    for dim in schema.DIMENSIONS:
        errors = [
            abs(answer.values[dim] - gold[dim])
            for gold, answer in zip(golds, parsed, strict=True)
            if dim in answer.values
        ]
        errors_all += errors
        summary[f"mae_dim.{dim}"] = sum(errors) / len(errors) if errors else None
        summary[f"rmse_dim.{dim}"] = (
            math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else None
        )
    summary["mae"] = sum(errors_all) / len(errors_all) if errors_all else None
    summary["rmse"] = (
        math.sqrt(sum(e * e for e in errors_all) / len(errors_all)) if errors_all else None
    )
    if schema.TIERS:
        right = sum(
            1
            for gold, answer in zip(golds, parsed, strict=True)
            if len(answer.values) == len(schema.DIMENSIONS)
            and tiers.tier_of(answer.values) == tiers.tier_of(gold)
        )
        summary["tier_accuracy"] = right / len(golds) if golds else None
    return summary


def extend(result: dict) -> None:
    """Nothing to add to a finished eval result."""


def why_none(name: str, result: dict) -> str | None:
    family, _, part = name.partition(".")
    if family in ("mae", "rmse", "mae_dim", "rmse_dim"):
        return "no answer had a readable score" + (f" for {part}" if part else "")
    return None


def points(value) -> str:
    """An error in score points (MAE, RMSE), not a share."""
    return "n/a" if value is None else f"{value:.3f}"


def cell(name: str, value) -> str:
    return points(value) if name in ("mae", "rmse") else pct(value)


def field_table(result: dict) -> list[str]:
    """Per dimension: MAE, RMSE and how many scores were read."""
    summary = result["summary"]
    lines = ["| dimension | MAE | RMSE | scores read |", "| --- | --- | --- | --- |"]
    for name, entry in result["fields"].items():
        lines.append(
            f"| {name} | {points(summary[f'mae_dim.{name}'])} | "
            f"{points(summary[f'rmse_dim.{name}'])} | {entry['parsed']} |"
        )
    return lines


def data_warnings(splits: dict) -> list[str]:
    """Nothing in the written splits that acceptance cannot measure, for this kind."""
    return []


def agreement(gold: dict, values: dict) -> dict:
    """The review sheet's marks: each dimension's absolute error, or "unread"."""
    return {
        key: "unread" if key not in values else f"{abs(values[key] - gold[key]):g}"
        for key in schema.FIELD_NAMES
    }


def agrees(mark: str) -> bool:
    return mark == "0"


def agree_cell(marks: list[str]) -> str:
    numbers = [float(m) for m in marks if m != "unread"]
    return f"mean error {sum(numbers) / len(numbers):.2f}" if numbers else "mean error n/a"


def figures(result: dict, scored: list[dict]) -> list[tuple]:
    """The report's figure: predicted against gold, per dimension."""
    title = "predicted against gold, per dimension"
    return [("scores.png", title, score_plots.draw_scores, score_plots.score_data(scored))]
