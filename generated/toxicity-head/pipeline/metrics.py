# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/metrics.py
"""Metrics over parsed answers: per-field accuracy, exact match, parse rate, F1.

An answer that could not be read for a field counts as wrong for that field
(accuracy), and is reported apart (parse rates, accuracy_when_parsed), so that
formatting failures are never mistaken for wrong answers or hidden by them.
"""

import operator
from collections import Counter

from . import schema, task
from .parse import PARSED, PARTIAL, UNPARSEABLE

UNREAD = "<unparsed>"


_UNREAD_VALUE = object()  # a field the parser could not read


def _label(value) -> str:
    if value is _UNREAD_VALUE:
        return UNREAD
    if type(value) is str:
        return value
    if value is None:
        return schema.NA_TOKEN
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _same(field: dict, gold, pred) -> bool:
    if field["type"] == "string" and isinstance(gold, str) and isinstance(pred, str):
        return " ".join(gold.casefold().split()) == " ".join(pred.casefold().split())
    return gold == pred and type(gold) is type(pred)


def _f1_table(confusion: dict) -> tuple[float | None, dict]:
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


def compute(golds: list[dict], parsed: list, truncated: int = 0, missing: int = 0) -> dict:
    """Metrics for gold label dicts and their Parsed answers (same order)."""
    n = len(golds)
    statuses = [p.status for p in parsed]
    if len(parsed) != n:
        raise ValueError(f"{n} gold examples but {len(parsed)} answers")
    answers = [p.values for p in parsed]
    fields = {}
    all_correct = [True] * n
    for field in schema.FIELDS:
        name = field["name"]
        gold_col = [g[name] for g in golds]
        got_col = [a.get(name, _UNREAD_VALUE) for a in answers]
        if field["type"] == "string":
            ok = [
                got is not _UNREAD_VALUE and _same(field, gold, got)
                for gold, got in zip(gold_col, got_col, strict=True)
            ]
        else:
            # Parsed values have the field's own type (labels.coerce), so == is exact.
            ok = list(map(operator.eq, gold_col, got_col))
        read = n - got_col.count(_UNREAD_VALUE)
        correct = sum(ok)
        all_correct = list(map(operator.and_, all_correct, ok))
        entry = {
            "accuracy": correct / n if n else None,
            "parsed": read,
            "accuracy_when_parsed": correct / read if read else None,
        }
        if field["type"] in ("categorical", "boolean"):
            confusion: dict = {}
            for (gold, got), count in Counter(zip(gold_col, got_col, strict=True)).items():
                row = confusion.setdefault(_label(gold), {})
                row[_label(got)] = row.get(_label(got), 0) + count
            confusion = {g: dict(sorted(r.items())) for g, r in sorted(confusion.items())}
            macro, per_class = _f1_table(confusion)
            entry["macro_f1"] = macro
            entry["per_class"] = per_class
            entry["confusion"] = confusion
        fields[name] = entry
    accuracies = [f["accuracy"] for f in fields.values()]
    summary = {
        "mean_field_accuracy": sum(accuracies) / len(accuracies) if n else None,
        "min_field_accuracy": min(accuracies) if n else None,
        "exact_match": sum(all_correct) / n if n else None,
        "parse_rate": statuses.count(PARSED) / n if n else None,
    }
    for name, entry in fields.items():
        summary[f"field_accuracy.{name}"] = entry["accuracy"]
        if "macro_f1" in entry:
            summary[f"macro_f1.{name}"] = entry["macro_f1"]
    summary.update(task.summary(golds, parsed, fields, n))  # what this kind adds
    return {
        "examples": n,
        "answers": {
            PARSED: statuses.count(PARSED),
            PARTIAL: statuses.count(PARTIAL),
            UNPARSEABLE: statuses.count(UNPARSEABLE),
            "truncated": truncated,
            "missing": missing,
        },
        "summary": summary,
        "fields": fields,
    }


def score(golds: list[dict], answers: list, records: list, scored: list, **counts) -> dict:
    """The eval step's metrics (``counts``: truncated, missing), with what the kind adds
    to a finished result (a classification baseline's scores, for one)."""
    result = compute(golds, answers, **counts)
    task.extend(result)
    return result
