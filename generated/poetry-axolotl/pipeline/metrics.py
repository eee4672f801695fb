# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/metrics.py
"""Metrics over parsed answers: per-field accuracy, exact match, parse rate, F1.

An answer that could not be read for a field counts as wrong for that field
(accuracy), and is reported apart (parse rates, accuracy_when_parsed), so that
formatting failures are never mistaken for wrong answers or hidden by them.
"""

import operator

from . import schema, task
from .labels import TYPES
from .parse import PARSED, PARTIAL, UNPARSEABLE

# The modules of the field types this project's schema has (a project has only those):
# free text compared without case or spacing, and a class field's confusion and F1.
if "string" in TYPES:
    from . import string_values
if TYPES & {"categorical", "boolean"}:
    from . import class_metrics

_UNREAD_VALUE = object()  # a field the parser could not read


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
                got is not _UNREAD_VALUE and string_values.same_text(gold, got)
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
            entry.update(class_metrics.scores(gold_col, got_col, _UNREAD_VALUE))
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
