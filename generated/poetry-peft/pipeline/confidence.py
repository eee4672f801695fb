# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/confidence.py
"""Per-field confidence from an answer's token log-probabilities (make predict --confidence).

A field's confidence is the probability the model gave the tokens of its value, given
everything before them: the exponential of the sum of their log-probabilities (1.0:
certain; a value of three tokens at 0.9 each is 0.729). The value is found in the
answer text by the completion format: the line "name: value" (key_value), the member
"name": value (json), or the whole answer (label). A token counts when its text
overlaps the value. None where the value is not in the answer, or where the engine's
tokens do not spell the answer (they cannot be placed in it).

``logprobs`` is the engine's list of [token text, log-probability], one per generated
token in order (pipeline/generate_hf.py and pipeline/inference.py's server engine
return it when asked).
"""

import json
import math
import re

from . import schema

_JSON_VALUE = re.compile(r'"(?:[^"\\]|\\.)*"|[^,}\]\s]+')


def value_span(output: str, name: str) -> tuple[int, int] | None:
    """(start, end) of field ``name``'s value in the answer text, or None."""
    if schema.COMPLETION_FORMAT == "label":
        stripped = output.strip()
        if not stripped:
            return None
        start = output.index(stripped)
        return start, start + len(stripped)
    if schema.COMPLETION_FORMAT == "json":
        key = re.search(rf"{re.escape(json.dumps(name, ensure_ascii=False))}\s*:\s*", output)
        if key is None:
            return None
        value = _JSON_VALUE.match(output, key.end())
        return None if value is None else value.span()
    line = re.search(rf"(?im)^[ \t]*{re.escape(name)}[ \t]*:[ \t]*(\S(?:.*\S)?)[ \t]*$", output)
    return None if line is None else line.span(1)


def fields(output: str, logprobs: list | None, names: list[str] | None = None) -> dict:
    """Field name -> confidence (rounded to 6 digits) or None, for every field."""
    names = schema.FIELD_NAMES if names is None else names
    found = dict.fromkeys(names)
    if not logprobs or "".join(piece for piece, _ in logprobs) != output:
        return found
    starts, position = [], 0
    for piece, _ in logprobs:
        starts.append(position)
        position += len(piece)
    for name in names:
        span = value_span(output, name)
        if span is None:
            continue
        total = sum(
            lp
            for start, (piece, lp) in zip(starts, logprobs, strict=True)
            if start < span[1] and start + len(piece) > span[0]
        )
        found[name] = round(math.exp(total), 6)
    return found
