# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/regression/runtime/pipeline/tiers.py
"""Tiers of a regression task (copied only where the spec declares labels.tiers)."""

from . import schema


def tier_of(scores: dict) -> str:
    """The tier of a set of scores: cut from their mean."""
    mean = sum(scores[d] for d in schema.DIMENSIONS) / len(schema.DIMENSIONS)
    for tier in schema.TIERS:
        if tier["below"] is None or mean < tier["below"]:
            return tier["name"]
    return schema.TIERS[-1]["name"]
