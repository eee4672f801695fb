# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/class_metrics.py
"""A class field's scores (categorical and boolean fields; pipeline/metrics.py): the
confusion of gold and answered values, per-class precision, recall and F1, and
macro-F1. A project has this module only where its label schema has such a field."""

from collections import Counter

from .labels import format_value

UNREAD = "<unparsed>"  # the confusion's column for answers the parser could not read


def label(value, unread) -> str:
    """How a value is named in the confusion (``unread``: the parser read nothing)."""
    return UNREAD if value is unread else format_value(value)


def scores(gold_col: list, got_col: list, unread) -> dict:
    """macro_f1, per_class and confusion for one field's gold and answered values."""
    confusion: dict = {}
    for (gold, got), count in Counter(zip(gold_col, got_col, strict=True)).items():
        row = confusion.setdefault(label(gold, unread), {})
        answered = label(got, unread)
        row[answered] = row.get(answered, 0) + count
    confusion = {g: dict(sorted(r.items())) for g, r in sorted(confusion.items())}
    macro, per_class = f1_table(confusion)
    return {"macro_f1": macro, "per_class": per_class, "confusion": confusion}


def f1_table(confusion: dict) -> tuple[float | None, dict]:
    """Macro-F1 and per-class scores from {gold: {predicted: count}}."""
    predicted_totals: dict = {}
    for row in confusion.values():
        for pred, count in row.items():
            predicted_totals[pred] = predicted_totals.get(pred, 0) + count
    classes = sorted(set(confusion) | (set(predicted_totals) - {UNREAD}))
    per_class, f1s = {}, []
    for c in classes:
        row = confusion.get(c, {})
        tp = row.get(c, 0)
        support = sum(row.values())
        fp = predicted_totals.get(c, 0) - tp
        fn = support - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {
            "precision": round(precision, 6),
            "recall": round(recall, 6),
            "f1": round(f1, 6),
            "support": support,
        }
        f1s.append(f1)
    return (sum(f1s) / len(f1s) if f1s else None), per_class
