# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/grammar.py
"""The answer's constraint for constrained decoding, derived from the label schema.

One source of truth: the fields, values, ranges and not-applicable token of
pipeline/schema.py, which also write the completions (pipeline/labels.py) and read
the answers back (pipeline/parse.py). ``constraint()`` gives

- ``regex``: the answer exactly as the completions are written: key_value lines of
  every field in order, the bare class (completion_format label), or the JSON object
  with the keys in order (json). Categorical fields allow their values, booleans
  true/false, integers and numbers their range (numbers written with a decimal point
  and at most number_grammar.FRACTION_DIGITS digits after it), strings one line of at most
  ``string_cap()`` characters that the parser does not read as not-applicable; the
  not-applicable token where the field allows it. It uses only what Python's ``re``,
  Rust's ``regex`` (llguidance) and vLLM's regex backends share.
- ``choice``: the allowed answers, for completion_format label (vLLM's choice).
- ``json_schema``: for json answers, the JSON Schema of the object (an OpenAI-
  compatible server's ``response_format``).

Every answer the regex allows reads back as parsed with every value inside the
schema (tests/test_constrained.py checks it on generated samples).

The regexes of the field types and the JSON answer's parts are in modules a project
has only where its schema uses them: pipeline/number_grammar.py (integer and number
fields), string_grammar.py (string fields), json_grammar.py (completion_format json).
"""

import json

from . import schema
from .labels import TYPES, format_value

_META = set("\\.+*?()|[]{}^$#&-~")
if TYPES & {"integer", "number"}:
    from . import number_grammar
if "string" in TYPES:
    from . import string_grammar
if schema.COMPLETION_FORMAT == "json":
    from . import json_grammar


def constraint() -> dict:
    """{"regex", "choice", "json_schema"} for this project's answers (None: not used)."""
    fmt = schema.COMPLETION_FORMAT
    if fmt == "label":
        field = schema.FIELDS[0]
        choice = None
        if field["type"] == "categorical":
            choice = list(field["values"]) + ([format_value(None)] if field["allow_na"] else [])
        return {"regex": value_regex(field, "text"), "choice": choice, "json_schema": None}
    if fmt == "json":
        return json_grammar.constraint()
    lines = [escape(f["name"]) + ": " + value_regex(f, "text") for f in schema.FIELDS]
    return {"regex": "\n".join(lines), "choice": None, "json_schema": None}


def string_cap() -> int:
    """Characters a string value may have: string fields share half the answer's token
    budget (a character is at least one token's worth only rarely), so that an answer
    that rambles on in a string still ends within max_new_tokens."""
    strings = sum(f["type"] == "string" for f in schema.FIELDS)
    return max(8, schema.MAX_NEW_TOKENS // (2 * max(1, strings)))


# ---------------------------------------------------------------------- values


def escape(text: str) -> str:
    """``text`` as a regex literal, escaping only what every regex dialect agrees on."""
    return "".join("\\" + c if c in _META else c for c in text)


def alt(parts) -> str:
    """One regex for any of ``parts`` (None: left out)."""
    parts = [p for p in parts if p is not None]
    if len(parts) == 1:
        return parts[0]
    return "(?:" + "|".join(parts) + ")"


def value_regex(field: dict, how: str) -> str:
    """The regex of one field's value, written as in a key_value line or a label
    (``how`` "text") or as a JSON value ("json")."""
    ftype = field["type"]
    if ftype == "categorical":
        literal = (lambda v: json.dumps(v, ensure_ascii=False)) if how == "json" else str
        options = [escape(literal(v)) for v in field["values"]]
    elif ftype == "boolean":
        options = ["true", "false"]
    elif ftype == "integer":
        options = [number_grammar.integer_regex(field["minimum"], field["maximum"])]
    elif ftype == "number":
        options = [number_grammar.number_regex(field["minimum"], field["maximum"])]
    else:
        options = [string_grammar.string_regex(how)]
    if field["allow_na"]:
        na = json.dumps(schema.NA_TOKEN, ensure_ascii=False) if how == "json" else None
        options.append(escape(na if na is not None else format_value(None)))
    # Longest first: a regex engine that takes the first alternative that matches
    # (Python's) still reads "N/A" whole rather than "N".
    return alt(sorted(options, key=len, reverse=True) if ftype == "categorical" else options)
