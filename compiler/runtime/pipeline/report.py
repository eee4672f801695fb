# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/report.py
"""Pieces of the eval report (pipeline/evaluate.py) that most kinds share; a kind's
pipeline/task.py uses them or writes its own."""

from . import schema


def pct(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def answers_line(result: dict) -> str:
    """How the answers read: parsed, partial, unparseable, missing, truncated."""
    answers = result["answers"]
    return (
        f"Answers: {answers['parsed']} parsed, {answers['partial']} partial, "
        f"{answers['unparseable']} unparseable, {answers['missing']} missing; "
        f"{answers['truncated']} stopped at max_new_tokens={schema.MAX_NEW_TOKENS}."
    )


def field_table(result: dict) -> list[str]:
    """Per field: accuracy, how many were read, accuracy when read, macro-F1."""
    lines = [
        "| field | accuracy | read | accuracy when read | macro-F1 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, entry in result["fields"].items():
        lines.append(
            f"| {name} | {pct(entry['accuracy'])} | {entry['parsed']} | "
            f"{pct(entry['accuracy_when_parsed'])} | {pct(entry.get('macro_f1'))} |"
        )
    return lines


def id_notes(result: dict) -> list[str]:
    """Ids answered twice, and answers for ids the split does not have."""
    lines = []
    if result["duplicate_ids"]:
        ids = ", ".join(result["duplicate_ids"][:20])
        lines += ["", f"Ids answered more than once (first answer scored): {ids}"]
    if result["unknown_ids"]:
        ids = ", ".join(result["unknown_ids"][:20])
        lines += ["", f"Predictions for unknown ids (ignored): {ids}"]
    return lines


# ------------------------------------------------- the review sheet's marks (review.py)


def same(gold, value) -> bool:
    """Gold and answer agree: strings up to case and spacing, booleans by identity."""
    if isinstance(gold, str) and isinstance(value, str):
        return " ".join(gold.casefold().split()) == " ".join(value.casefold().split())
    if isinstance(gold, bool) or isinstance(value, bool):
        return gold is value
    return gold == value


def field_agreement(gold: dict, values: dict, keys=None) -> dict:
    """key -> "yes", "no" or "unread", over ``keys`` (default every label field)."""
    return {
        key: "unread" if key not in values else "yes" if same(gold.get(key), values[key]) else "no"
        for key in (schema.FIELD_NAMES if keys is None else keys)
    }


def agrees_yes(mark: str) -> bool:
    return mark == "yes"


def agree_count(marks: list[str]) -> str:
    return f"{sum(m == 'yes' for m in marks)}/{len(marks)}"
