# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/distillation/runtime/pipeline/metrics.py
"""Pass rate of distilled answers, with formatting failures reported apart from wrong ones.

Every held-out example ends in exactly one outcome:

- pass: valid JSON of the answer schema that matches the reference (schema.MATCH_RULE:
  the whole answer, or the keys in schema.MATCH_KEYS);
- wrong: valid JSON of the schema that does not match it;
- schema_invalid: JSON that does not match the schema;
- truncated: cut off: generation stopped at max_new_tokens, or the text ends inside
  an unclosed string, object or array;
- unparseable: complete, but not JSON;
- missing: no answer for the example.

Strings compare exactly (ignoring case and outer spaces with schema.IGNORE_CASE); numbers
within schema.TOLERANCE (0: by value, 1 == 1.0); true/false never equal 1/0.
"""

from . import schema
from .parse import PARSED, SCHEMA_INVALID

OUTCOMES = ("pass", "wrong", "schema_invalid", "truncated", "unparseable", "missing")


def same(gold, value) -> bool:
    """Whether an answered value equals the reference's (recursively)."""
    if isinstance(gold, bool) or isinstance(value, bool):
        return isinstance(gold, bool) and isinstance(value, bool) and gold == value
    if isinstance(gold, int | float) and isinstance(value, int | float):
        return abs(gold - value) <= schema.TOLERANCE
    if isinstance(gold, str) and isinstance(value, str):
        if schema.IGNORE_CASE:
            return gold.strip().casefold() == value.strip().casefold()
        return gold == value
    if isinstance(gold, list) and isinstance(value, list):
        return len(gold) == len(value) and all(same(g, v) for g, v in zip(gold, value, strict=True))
    if isinstance(gold, dict) and isinstance(value, dict):
        return gold.keys() == value.keys() and all(same(gold[k], value[k]) for k in gold)
    return gold is None and value is None


def key_matches(gold: dict, answer: dict) -> dict:
    """key -> whether the answer's value equals the reference's (a key both lack matches)."""
    return {
        key: (key not in gold and key not in answer)
        or (key in gold and key in answer and same(gold[key], answer[key]))
        for key in schema.MATCH_KEYS
    }


def outcome(gold: dict, answer, finish) -> tuple[str, dict]:
    """(outcome, key matches) of one example; ``answer`` is None when it is missing."""
    if answer is None:
        return "missing", {}
    if answer.status == PARSED:
        matches = key_matches(gold, answer.values)
        ok = all(matches.values()) if schema.MATCH_RULE == "per_key" else same(gold, answer.values)
        return ("pass" if ok else "wrong"), matches
    if finish == "length" or answer.cut:
        return "truncated", {}
    return ("schema_invalid" if answer.status == SCHEMA_INVALID else "unparseable"), {}


def _share(count: int, total: int):
    return count / total if total else None


def compute(golds: list[dict], answers: list, *, finishes: list) -> dict:
    """Metrics for parallel lists; a finish of "missing" marks an example nobody answered."""
    n = len(golds)
    counts = dict.fromkeys(OUTCOMES, 0)
    per_key = {key: 0 for key in schema.MATCH_KEYS}
    for gold, answer, finish in zip(golds, answers, finishes, strict=True):
        result, matches = outcome(gold, None if finish == "missing" else answer, finish)
        counts[result] += 1
        for key, ok in matches.items():
            per_key[key] += ok
    valid = counts["pass"] + counts["wrong"]
    json_ok = valid + counts["schema_invalid"]
    formatting = counts["truncated"] + counts["unparseable"] + counts["schema_invalid"]
    summary = {
        "pass_rate": _share(counts["pass"], n),
        "pass_rate_when_valid": _share(counts["pass"], valid),
        "json_rate": _share(json_ok, n),
        "schema_rate": _share(valid, n),
        "wrong_rate": _share(counts["wrong"], n),
        "format_failure_rate": _share(formatting, n),
        "truncated_rate": _share(counts["truncated"], n),
        "unparseable_rate": _share(counts["unparseable"], n),
        "schema_invalid_rate": _share(counts["schema_invalid"], n),
        "mean_key_accuracy": _share(sum(per_key.values()), n * len(per_key)) if per_key else None,
    }
    for key, hits in per_key.items():
        summary[f"key_accuracy.{key}"] = _share(hits, n)
    return {
        "examples": n,
        "outcomes": counts,
        "answers": {
            "parsed": valid,
            "partial": counts["schema_invalid"],
            "unparseable": counts["unparseable"],
            "truncated": counts["truncated"],
            "missing": counts["missing"],
        },
        "fields": {
            key: {
                "accuracy": _share(hits, n),
                "parsed": valid,
                "accuracy_when_parsed": _share(hits, valid),
            }
            for key, hits in per_key.items()
        },
        "summary": summary,
    }


def score(golds: list[dict], answers: list, records: list, scored: list, **counts) -> dict:
    """The eval step's metrics: each scored record gets its outcome (``counts`` are
    recomputed here from the records' finish reasons)."""
    finishes = ["missing" if r is None else r.get("finish") for r in records]
    for record, gold, answer, finish in zip(scored, golds, answers, finishes, strict=True):
        record["outcome"] = outcome(gold, None if finish == "missing" else answer, finish)[0]
    return compute(golds, answers, finishes=finishes)
