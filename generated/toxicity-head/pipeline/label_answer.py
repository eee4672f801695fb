# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/label_answer.py
"""Answers that are one bare label (completion_format: label; copied only there)."""

import re
import unicodedata

from . import labels, schema


def render(values: dict) -> str:
    """The answer the model learns to write: the field's value alone."""
    return labels.format_value(values[schema.FIELD_NAMES[0]])


def exact_pattern():
    """The answer exactly as the completions are written (any case): the parser's fast
    path, where the field is categorical (pipeline/exact_answers.py)."""
    f = schema.FIELDS[0]
    options = list(f["values"]) + ([schema.NA_TOKEN] if f["allow_na"] else [])
    alternatives = "|".join(re.escape(v) for v in sorted(options, key=len, reverse=True))
    return re.compile(r"\A\s*(" + alternatives + r")\s*\Z", re.IGNORECASE)


def _words(text: str) -> str:
    """Case-folded NFKC words, one space between them (an accent stays on its letter)."""
    return re.sub(r"[^\w]+", " ", unicodedata.normalize("NFKC", text.casefold()))


def read(body: str, readable, raw_pairs_key_value, raw_pairs_json) -> dict:
    """A bare label answer: the field's value alone, or the one allowed value it names.
    (The parser's own readers are passed in: pipeline/parse.py imports this module.)"""
    name = schema.FIELD_NAMES[0]
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    if not lines:
        return {}
    for candidate in (body.strip(), lines[0]):
        if readable(name, candidate):
            return {name: [candidate]}
    found = raw_pairs_key_value(body) or raw_pairs_json(body)
    if found.get(name):
        return found
    # Prose around the answer, which stands on a line of its own ("Sure!\n4\nHope ...").
    alone = [line for line in lines if readable(name, line)]
    if len(alone) == 1:
        return {name: alone}
    # Prose that names exactly one allowed value ("This comment is toxic.").
    words = " " + _words(body) + " "
    named = [
        value
        for value in schema.FIELD_BY_NAME[name]["values"] or []
        if f" {_words(value).strip()} " in words
    ]
    if len(named) == 1:
        return {name: named}
    if len(named) > 1:
        return {name: [" / ".join(named)]}  # several classes named: reported as invalid
    return {}
