# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/exact_answers.py
"""The parser's fast path (pipeline/parse.py), for schemas whose fields are all
categorical, written as key: value lines or as a bare label (copied only there): an
answer that holds the completion exactly (any case) is read with one regex, and the data
step does not parse back a completion each of whose lines is known to read back."""

from . import schema
from .labels import ANSWER, render_completion

# The answer's lines exactly as the completions are written (the format's own pattern).
PATTERN = ANSWER.exact_pattern()
# Per field in answer order: the declared spellings (and the not-applicable token), and
# their case-folded forms -> value.
_SPELLINGS = [
    {
        **({schema.NA_TOKEN.casefold(): None} if f["allow_na"] else {}),
        **{v.casefold(): v for v in f["values"]},
        **({schema.NA_TOKEN: None} if f["allow_na"] else {}),
        **{v: v for v in f["values"]},
    }
    for f in schema.FIELDS
]


def read(text: str, raw_pairs_key_value):
    """The values when the answer holds the completion's lines exactly (any case, maybe
    inside fences or prose with no other field lines), else None for the full parser
    (``raw_pairs_key_value``: the parser's reader of field lines)."""
    m = PATTERN.search(text)
    if m is None:
        return None
    if (m.start() or m.end() != len(text)) and raw_pairs_key_value(
        text[: m.start()] + "\n" + text[m.end() :]
    ):
        return None  # field lines outside the block: let the full parser judge repeats
    values = {}
    for name, spellings, raw in zip(schema.FIELD_NAMES, _SPELLINGS, m.groups(), strict=True):
        values[name] = spellings[raw] if raw in spellings else spellings[raw.casefold()]
    return values


def lines_that_read_back(parse, parsed: str) -> list:
    """Per field: (name, the values whose line ``parse`` reads back); ``parsed``: the
    status of an answer read whole."""
    options = {
        f["name"]: list(f["values"]) + ([None] if f["allow_na"] else []) for f in schema.FIELDS
    }
    base = {name: values[0] for name, values in options.items()}
    table = []
    for name, values in options.items():
        good = set()
        for value in values:
            labels = {**base, name: value}
            back = parse(render_completion(labels))
            if back.status == parsed and back.values == labels:
                good.add(value)
        table.append((name, frozenset(good)))
    return table
