"""What the rating kind adds to the shared steps (tests/plugins/rating)."""

from . import schema
from .report import answers_line, field_table, pct

__all__ = [
    "answers_line",
    "cell",
    "data_warnings",
    "extend",
    "field_table",
    "summary",
    "why_none",
]


def summary(golds: list[dict], parsed: list, fields: dict, n: int) -> dict:
    """within_one: the share of examples rated at most one point off (unread: off)."""
    name = schema.FIELD_NAMES[0]
    close = sum(
        1
        for gold, answer in zip(golds, parsed, strict=True)
        if name in answer.values and abs(answer.values[name] - gold[name]) <= 1
    )
    return {"within_one": close / n if n else None}


def extend(result: dict) -> None:
    """Nothing to add to a finished eval result."""


def why_none(name: str, result: dict) -> str | None:
    return None


def cell(name: str, value) -> str:
    return pct(value)


def data_warnings(splits: dict) -> list[str]:
    return []
