# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_accept.py
"""The acceptance rule on hand-made metrics."""

from pipeline import schema
from pipeline.accept import judge


def metrics_at(band: str) -> dict:
    """Metric values that sit exactly on each threshold's pass or review line."""
    values = {}
    for rule in schema.THRESHOLDS:
        if band == "pass":
            values[rule["metric"]] = rule["pass"]
        else:
            values[rule["metric"]] = rule["review"] if rule["review"] is not None else rule["pass"]
    return values


def worse(rule: dict, value: float) -> float:
    return value - 0.01 if rule["higher_is_better"] else value + 0.01


def test_pass_on_every_threshold():
    assert judge(metrics_at("pass"))["decision"] == "PASS"


def test_review_band():
    rules = [r for r in schema.THRESHOLDS if r["review"] is not None and r["review"] != r["pass"]]
    if not rules:
        return
    values = metrics_at("pass")
    values[rules[0]["metric"]] = rules[0]["review"]
    assert judge(values)["decision"] == "REVIEW"


def test_below_review_fails():
    rule = schema.THRESHOLDS[0]
    values = metrics_at("pass")
    floor = rule["review"] if rule["review"] is not None else rule["pass"]
    values[rule["metric"]] = worse(rule, floor)
    result = judge(values)
    assert result["decision"] == "FAIL"
    assert result["rules"][0]["decision"] == "FAIL"


def test_missing_metric_fails_with_reason():
    values = metrics_at("pass")
    del values[schema.THRESHOLDS[0]["metric"]]
    result = judge(values)
    assert result["decision"] == "FAIL"
    assert result["rules"][0]["reason"] == "not in the metrics"


def test_uncomputable_metric_fails_with_reason():
    values = metrics_at("pass")
    values[schema.THRESHOLDS[0]["metric"]] = None
    result = judge(values)
    assert result["decision"] == "FAIL"
    assert result["rules"][0]["reason"] == "could not be computed"
