# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/pipeline/style.py
"""Style measures: the share of sentences, paragraphs or samples a pattern matches.

A "words" pattern matches any of its words or phrases as whole words, ignoring
case; a "regex" pattern is the spec's regular expression. Sentences end at . ! ?
(or …) followed by space, or at a blank line; paragraphs are separated by blank
lines. The same function measures the generated samples and, for comparison, the
held-out chunks the author wrote.
"""

import re

from . import schema

_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*\s+|\n\s*\n")
_PARAGRAPH_END = re.compile(r"\n\s*\n")


def compile_pattern(pattern: dict) -> re.Pattern:
    if pattern["regex"] is not None:
        return re.compile(pattern["regex"])
    words = sorted(pattern["words"], key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


COMPILED = {p["name"]: compile_pattern(p) for p in schema.PATTERNS}


def units(text: str, unit: str) -> list[str]:
    if unit == "sample":
        parts = [text]
    elif unit == "paragraph":
        parts = _PARAGRAPH_END.split(text)
    else:
        parts = _SENTENCE_END.split(text)
    return [part.strip() for part in parts if part and part.strip()]


def rates(texts: list[str]) -> dict:
    """pattern name -> {"rate", "matched", "units"} over all the texts."""
    result = {}
    for pattern in schema.PATTERNS:
        regex = COMPILED[pattern["name"]]
        pieces = [piece for text in texts for piece in units(text, pattern["unit"])]
        matched = sum(1 for piece in pieces if regex.search(piece))
        result[pattern["name"]] = {
            "rate": matched / len(pieces) if pieces else None,
            "matched": matched,
            "units": len(pieces),
            "unit": pattern["unit"],
        }
    return result
