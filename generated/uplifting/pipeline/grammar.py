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
  and at most FRACTION_DIGITS digits after it), strings one line of at most
  ``string_cap()`` characters that the parser does not read as not-applicable; the
  not-applicable token where the field allows it. It uses only what Python's ``re``,
  Rust's ``regex`` (llguidance) and vLLM's regex backends share.
- ``choice``: the allowed answers, for completion_format label (vLLM's choice).
- ``json_schema``: for json answers, the JSON Schema of the object (an OpenAI-
  compatible server's ``response_format``).

Every answer the regex allows reads back as parsed with every value inside the
schema (tests/test_grammar.py checks it on generated samples).
"""

import json
import math
import re
from decimal import Decimal

from . import schema
from .labels import NA_FORMS, format_value

# Digits after a number's decimal point (more where a bound has more). Digits are
# written [0-9]: \d would allow any Unicode digit, in Python's re and in Rust's regex.
FRACTION_DIGITS = 3
UNBOUNDED = 10**9 - 1  # a number field without a bound: at most 9 digits before the point
_META = set("\\.+*?()|[]{}^$#&-~")


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
        parts = [
            escape(json.dumps(f["name"], ensure_ascii=False)) + ": " + value_regex(f, "json")
            for f in schema.FIELDS
        ]
        return {
            "regex": r"\{" + ", ".join(parts) + r"\}",
            "choice": None,
            "json_schema": json_schema(),
        }
    lines = [escape(f["name"]) + ": " + value_regex(f, "text") for f in schema.FIELDS]
    return {"regex": "\n".join(lines), "choice": None, "json_schema": None}


def json_schema() -> dict:
    """The JSON Schema of a json answer: every field, in order, and nothing else."""
    properties = {}
    for f in schema.FIELDS:
        prop: dict = {}
        if f["type"] == "categorical":
            prop = {"enum": list(f["values"])}
        elif f["type"] == "string":
            prop = {"type": "string", "minLength": 1, "maxLength": string_cap()}
        elif f["type"] == "boolean":
            prop = {"type": "boolean"}
        else:
            prop = {"type": f["type"]}
            if f["minimum"] is not None:
                prop["minimum"] = f["minimum"]
            if f["maximum"] is not None:
                prop["maximum"] = f["maximum"]
        if f["allow_na"]:
            prop = {"anyOf": [prop, {"const": schema.NA_TOKEN}]}
        properties[f["name"]] = prop
    return {
        "type": "object",
        "properties": properties,
        "required": list(schema.FIELD_NAMES),
        "additionalProperties": False,
    }


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


def _alt(parts) -> str:
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
        options = [integer_regex(field["minimum"], field["maximum"])]
    elif ftype == "number":
        options = [number_regex(field["minimum"], field["maximum"])]
    else:
        options = [string_regex(how)]
    if field["allow_na"]:
        na = json.dumps(schema.NA_TOKEN, ensure_ascii=False) if how == "json" else None
        options.append(escape(na if na is not None else format_value(None)))
    # Longest first: a regex engine that takes the first alternative that matches
    # (Python's) still reads "N/A" whole rather than "N".
    return _alt(sorted(options, key=len, reverse=True) if ftype == "categorical" else options)


# Characters a string value may hold: none that ends a line for str.splitlines (the
# key_value parser splits on them), no other control character; in JSON, no quote or
# backslash either (they would need escapes). A value starts and ends with a non-space.
_TEXT_EXCLUDED = (
    "\\x00-\\x1f\\x7f\x85\u2028\u2029"  # line ends and control characters
    "\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"  # spaces other than " " (left out)
)
_JSON_EXCLUDED = _TEXT_EXCLUDED + '"\\\\'
_SPACES = " "


def string_regex(how: str) -> str:
    """One line of 1..string_cap() characters, without spaces around it (the parser
    strips them), that is not a not-applicable form ("n/a", "none", ...: the parser
    reads those as not-applicable, and a string field then fails)."""
    body = _string_body(_JSON_EXCLUDED if how == "json" else _TEXT_EXCLUDED, string_cap())
    return '"' + body + '"' if how == "json" else body


def _string_body(excluded: str, cap: int) -> str:
    """Strings of 1..cap characters (none of ``excluded``), first and last not a space,
    whose case-folded text is not one of NA_FORMS. Built on the trie of the forms: at
    each node the string ends (where no form ends), leaves the trie with a character
    no form continues with, or follows a form one more character."""
    trie: dict = {}
    for form in sorted(f for f in NA_FORMS if f):
        node = trie
        for ch in form:
            node = node.setdefault(ch, {})
        node[""] = {}  # a form ends here
    char = "[^" + excluded + "]"
    solid = "[^" + excluded + _SPACES + "]"

    def rest_after(used: int, space: bool) -> str | None:
        """What may follow once the string has left the trie with ``used`` characters,
        the last a space or not: more characters, ending in a non-space."""
        room = cap - used
        if room <= 0:
            return None if space else ""
        more = (char + "{0," + str(room - 1) + "}" if room > 1 else "") + solid
        return more if space else "(?:" + more + ")?"

    def walk(node: dict, depth: int, last_space: bool) -> str | None:
        options = []
        if depth and "" not in node and not last_space:
            options.append("")
        if depth < cap:
            nexts = [ch for ch in node if ch]
            spelled = {ch: _spellings(ch) for ch in nexts}
            taken = "".join(_class_char(c) for ch in nexts for c in spelled[ch])
            options.append("[^" + excluded + _SPACES + taken + "]" + rest_after(depth + 1, False))
            spaces = [c for c in _SPACES if not any(c in spelled[ch] for ch in nexts)]
            after_space = rest_after(depth + 1, True)
            if depth and spaces and after_space is not None:
                options.append("[" + "".join(spaces) + "]" + after_space)
            for ch in nexts:
                if (depth == 0 and ch in _SPACES) or re.fullmatch(char, ch) is None:
                    continue
                rest = walk(node[ch], depth + 1, ch in _SPACES)
                if rest is None:
                    continue
                forms = spelled[ch]
                head = (
                    escape(ch) if len(forms) == 1 else "[" + "".join(map(_class_char, forms)) + "]"
                )
                options.append(head + rest)
        real = [o for o in options if o]
        if not real:
            return "" if options else None
        body = real[0] if len(real) == 1 else "(?:" + "|".join(real) + ")"
        return "(?:" + body + ")?" if "" in options else body

    return walk(trie, 0, False)


def _spellings(ch: str) -> list[str]:
    """The characters that case-fold to ``ch`` (for "n": "N" and "n")."""
    found = {ch, ch.upper(), ch.lower(), *_FOLDS.get(ch, "")}
    return sorted(c for c in found if len(c) == 1 and c.casefold() == ch)


# Characters beyond the plain upper/lower pair that case-fold to an ASCII letter.
_FOLDS = {"k": "\u212a", "s": "\u017f"}


def _class_char(ch: str) -> str:
    """A character inside [...], escaped where it would mean something there."""
    return "\\" + ch if ch in "\\]^-[&~" else ch


# --------------------------------------------------------------------- numbers


def integer_regex(minimum, maximum) -> str:
    """Integers in [minimum, maximum] (either may be None), written without leading zeros."""
    lo = -UNBOUNDED if minimum is None else math.ceil(minimum)
    hi = UNBOUNDED if maximum is None else math.floor(maximum)
    parts = []
    if hi >= 0:
        parts.append(_int_range(max(lo, 0), hi))
    if lo < 0:
        parts.append("-" + _int_range(max(-hi, 1), -lo))
    return _alt(parts)


def _int_range(lo: int, hi: int) -> str:
    """Non-negative integers lo..hi as decimal digits (no leading zeros)."""
    parts = []
    for n in range(len(str(lo)), len(str(hi)) + 1):
        a = max(lo, 10 ** (n - 1) if n > 1 else 0)
        b = min(hi, 10**n - 1)
        if a <= b:
            parts.append(_same_length(str(a), str(b)))
    return _alt(parts)


def _digits(a: str, b: str) -> str:
    return a if a == b else f"[{a}-{b}]"


def _any_digits(n: int) -> str:
    return "[0-9]" if n == 1 else "[0-9]{" + str(n) + "}"


def _same_length(a: str, b: str) -> str:
    """Digit strings s of len(a) == len(b) with a <= s <= b."""
    if a == b:
        return a
    if len(a) == 1:
        return _digits(a, b)
    if a[0] == b[0]:
        return a[0] + _same_length(a[1:], b[1:])
    rest = len(a) - 1
    if a[1:] == "0" * rest and b[1:] == "9" * rest:
        return _digits(a[0], b[0]) + _any_digits(rest)
    parts = [a[0] + _same_length(a[1:], "9" * rest)]
    if int(b[0]) - int(a[0]) > 1:
        parts.append(_digits(str(int(a[0]) + 1), str(int(b[0]) - 1)) + _any_digits(rest))
    parts.append(b[0] + _same_length("0" * rest, b[1:]))
    return _alt(parts)


def number_regex(minimum, maximum) -> str:
    """Decimal numbers in [minimum, maximum], written I.F (as completions write floats):
    an integer part without leading zeros and 1..FRACTION_DIGITS fraction digits (more
    where a bound has more). A missing bound: at most 9 digits before the point."""
    lo = None if minimum is None else Decimal(repr(float(minimum)))
    hi = None if maximum is None else Decimal(repr(float(maximum)))
    digits = max([FRACTION_DIGITS] + [_places(v) for v in (lo, hi) if v is not None])
    top = (UNBOUNDED, "9" * digits)  # the largest magnitude written
    parts = []
    if hi is None or hi >= 0:
        low = (0, "0" * digits) if lo is None or lo <= 0 else _split(lo, digits)
        parts.append(_decimal_range(low, top if hi is None else _split(hi, digits)))
    if lo is None or lo < 0:
        low = (0, "0" * digits) if hi is None or hi >= 0 else _split(-hi, digits)
        parts.append("-" + _decimal_range(low, top if lo is None else _split(-lo, digits)))
    return _alt(parts)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _split(value: Decimal, digits: int) -> tuple[int, str]:
    """(integer part, fraction digits padded to ``digits``) of a non-negative value."""
    whole, _, fraction = format(value, "f").partition(".")
    return int(whole), (fraction + "0" * digits)[:digits]


def _decimal_range(low: tuple[int, str], high: tuple[int, str]) -> str:
    """Non-negative I.F from ``low`` to ``high`` ((integer part, fraction digits)), F of
    1..len(fraction) digits."""
    (i_lo, f_lo), (i_hi, f_hi) = low, high
    digits = len(f_lo)
    if i_lo == i_hi:
        return str(i_lo) + r"\." + _fraction_between(f_lo, f_hi)
    # Integer parts whose every fraction is inside, then the two ends.
    first = i_lo if f_lo == "0" * digits else i_lo + 1
    last = i_hi if f_hi == "9" * digits else i_hi - 1
    parts = []
    if first > i_lo:
        parts.append(str(i_lo) + r"\." + _fraction_between(f_lo, "9" * digits))
    if first <= last:
        parts.append(_int_range(first, last) + r"\.[0-9]{1," + str(digits) + "}")
    if last < i_hi:
        parts.append(str(i_hi) + r"\." + _fraction_between("0" * digits, f_hi))
    return _alt(parts)


def _fraction_between(a: str, b: str) -> str:
    """Fraction digit strings f of 1..len(a) digits with 0.a <= 0.f <= 0.b (a, b of
    equal length, a <= b)."""
    return _between(a, b, nonempty=True)


def _between(a: str, b: str, *, nonempty: bool) -> str | None:
    """Digit strings f of (0 or 1)..len(a) digits, 0.a <= 0.f <= 0.b, as a regex;
    None when there is none."""
    n = len(a)
    zero_ok = set(a) <= {"0"}  # the empty string is 0.0
    if n == 0:
        return None if nonempty or not zero_ok else ""
    if a == "0" * n and b == "9" * n:
        return "[0-9]{" + ("1" if nonempty else "0") + "," + str(n) + "}"
    parts = []
    if a[0] == b[0]:
        rest = _between(a[1:], b[1:], nonempty=False)
        if rest is not None:
            parts.append(a[0] + rest)
    else:
        rest = _between(a[1:], "9" * (n - 1), nonempty=False)
        if rest is not None:
            parts.append(a[0] + rest)
        if int(b[0]) - int(a[0]) > 1:
            parts.append(
                _digits(str(int(a[0]) + 1), str(int(b[0]) - 1)) + "[0-9]{0," + str(n - 1) + "}"
            )
        rest = _between("0" * (n - 1), b[1:], nonempty=False)
        if rest is not None:
            parts.append(b[0] + rest)
    if not parts:
        return None
    body = _alt(parts)
    return "(?:" + body + ")?" if zero_ok and not nonempty else body
