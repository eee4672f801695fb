# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/classification/runtime/pipeline/class_checks.py
"""Classification checks the data step runs on the split it wrote."""

from . import schema


def unmeasurable_thresholds(splits: dict) -> list[str]:
    """Acceptance thresholds on a class's recall that the eval split cannot measure:
    with no example of the class there, accept would FAIL them as not computed."""
    counts = splits[schema.EVAL_SPLIT]["labels"].get(schema.LABEL_FIELD, {})
    classes = {metric: cls for cls, metric in schema.CLASS_METRIC_NAMES.items()}
    warnings = []
    for rule in schema.THRESHOLDS:
        family, _, metric = rule["metric"].partition(".")
        if family == "recall" and not counts.get(classes[metric]):
            warnings.append(
                f"acceptance threshold {rule['metric']}: the {schema.EVAL_SPLIT} split has no "
                f"{classes[metric]!r} example, so accept will FAIL it; add rows of that class "
                "or give the split a larger share"
            )
    return warnings
