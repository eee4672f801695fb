# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/parse.py
"""Reading a model's answer back into labels. Never raises.

Tolerant of spacing, case, markdown, code fences, bullets, extra prose and
either completion format. Each answer is classified as parsed (every field),
partial (some fields; ``problems`` says which and why) or unparseable.
"""

import gc
import json
import re
from dataclasses import dataclass, field

from . import schema
from .labels import ANSWER, EXACT, LabelError, coerce

# The fast path: where every field is categorical, written as key: value lines or as a
# bare label (pipeline/exact_answers.py, copied only there).
FAST = schema.COMPLETION_FORMAT != "json" and all(f["type"] == "categorical" for f in schema.FIELDS)
if FAST:
    from . import exact_answers

PARSED, PARTIAL, UNPARSEABLE = "parsed", "partial", "unparseable"

_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_LINE_RE = re.compile(
    r"^\s*(?:[-*+\u2022]\s+|\d+[.)]\s+)?[*_`]*\s*"  # a bullet or number, emphasis
    r"([A-Za-z][A-Za-z0-9 _\-]{0,80}?)\s*[*_`]*\s*[:=]\s?(.*)$"  # key, separator, value
)
_JSON_PAIR_RE = re.compile(
    r'"([^"\\]{1,80})"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)',
    re.IGNORECASE,
)
_EXACT_KEYS = {name: name for name in schema.FIELD_NAMES}


@dataclass
class Parsed:
    status: str
    values: dict = field(default_factory=dict)  # field -> value (None: not applicable)
    problems: dict = field(default_factory=dict)  # field -> why it was not read

    def as_json(self) -> dict:
        return {"status": self.status, "values": self.values, "problems": self.problems}


def _key_form(key: str) -> str:
    """A field name as the answer may spell it: case, spaces, - and _ ignored."""
    return re.sub(r"[\s_\-]+", " ", key.casefold()).strip()


_KEYS = {_key_form(name): name for name in schema.FIELD_NAMES}


def _field_key(raw_key: str):
    return _KEYS.get(_key_form(raw_key.strip().strip("*_`\"'")))


def _clean_scalar(text: str) -> str:
    text = text.strip()
    for _ in range(3):
        stripped = text.strip().strip("*_`").strip()
        if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'":
            stripped = stripped[1:-1].strip()
        if stripped.endswith((".", ",", ";")) and not stripped[:-1].endswith("."):
            stripped = stripped[:-1].rstrip()
        if stripped == text:
            break
        text = stripped
    return text


def _strip_fences(text: str) -> str:
    if "```" not in text and "~~~" not in text:
        return text
    # Split on \n only: a JSON string may hold other line separators (\x85, \u2028).
    return "\n".join(line for line in text.split("\n") if not _FENCE_RE.match(line))


def _raw_pairs_key_value(text: str) -> dict:
    """field -> list of raw values, in the order met."""
    found: dict = {}
    for line in text.splitlines():
        # Fast path: "field: value" exactly as the completions are written.
        key, sep, value = line.partition(": ")
        name = _EXACT_KEYS.get(key) if sep else None
        if name is not None:
            found.setdefault(name, []).append(value)
            continue
        m = _LINE_RE.match(line)
        if not m:
            continue
        name = _field_key(m.group(1))
        if name is not None:
            found.setdefault(name, []).append(m.group(2))
    return found


def _raw_pairs_json(text: str) -> dict:
    start = text.find("{")
    if start < 0:
        return {}
    obj = None
    end = text.rfind("}")
    if end > start:
        try:
            obj = json.loads(text[start : end + 1])
        except ValueError:
            obj = None
    if obj is None:
        try:
            obj, _ = json.JSONDecoder().raw_decode(text[start:])
        except ValueError:
            obj = None
    found: dict = {}
    if isinstance(obj, dict):
        for key, value in obj.items():
            name = _field_key(str(key))
            if name is not None:
                found.setdefault(name, []).append(value)
        return found
    # Truncated or broken JSON: salvage the complete "key": value pairs.
    for m in _JSON_PAIR_RE.finditer(text[start:]):
        name = _field_key(m.group(1))
        if name is None:
            continue
        literal = m.group(2)
        if literal.lower() in ("true", "false", "null"):
            literal = literal.lower()
        try:
            value = json.loads(literal)
        except ValueError:
            continue
        found.setdefault(name, []).append(value)
    return found


def _coerce(name: str, raw):
    exact = EXACT.get(name)
    if exact is not None and type(raw) is str and raw in exact:  # spelled as declared
        return raw
    spec = schema.FIELD_BY_NAME[name]
    if isinstance(raw, list | dict):
        raise LabelError(f"{name}: expected a single value, got {type(raw).__name__}")
    if not isinstance(raw, str):
        return coerce(spec, raw)
    if not raw.strip():
        # In an answer, an empty value is more often a cut-off than a deliberate
        # "does not apply": only an explicit not-applicable token counts as one.
        raise LabelError(f"{name}: empty value")
    try:
        return coerce(spec, raw.strip())
    except LabelError:
        if spec["type"] == "string":
            raise
    # Quotes, markdown emphasis and a trailing full stop around a value.
    cleaned = _clean_scalar(raw)
    try:
        return coerce(spec, cleaned)
    except LabelError:
        for candidate in _readings(spec, cleaned):
            try:
                return coerce(spec, candidate)
            except LabelError:
                pass
        raise


_NOTE_RE = re.compile(r"(.*?\S)\s*\([^()\n]*\)")
_SCALE_RE = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)")


def _readings(spec: dict, text: str):
    """Other readings of a value that does not read as written: without one note in
    parentheses after it ("positive (mostly)", "7 (strong)"), and a number out of the
    field's own maximum ("7/10" on a 0..10 scale; "7/5" there is not read)."""
    m = _NOTE_RE.fullmatch(text)
    if m is not None:
        text = m.group(1)
        yield text
    if spec["type"] in ("integer", "number"):
        m = _SCALE_RE.fullmatch(text)
        if m is not None and spec["maximum"] is not None and float(m.group(2)) == spec["maximum"]:
            yield m.group(1)


def parse(text) -> Parsed:
    """Parse one answer. Never raises: anything unreadable is reported, not thrown."""
    try:
        return _parse(text)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop an eval run
        return Parsed(UNPARSEABLE, {}, {"*": f"parser error: {type(exc).__name__}: {exc}"})


def parse_all(texts) -> list:
    """parse() over many answers, with the cyclic garbage collector paused (the parser
    makes no reference cycles, and a collection per few hundred answers would double
    the time on large eval sets)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return [parse(text) for text in texts]
    finally:
        if enabled:
            gc.enable()


def _parse(text) -> Parsed:
    if not isinstance(text, str):
        return Parsed(UNPARSEABLE, {}, {"*": f"answer is {type(text).__name__}, not text"})
    if FAST:
        values = exact_answers.read(text.lstrip("\ufeff"), _raw_pairs_key_value)
        if values is not None:
            return Parsed(PARSED, values, {})
    return _parse_full(text)


def _parse_full(text: str) -> Parsed:
    """The general parser (the fast path above must always agree with it)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    body = _strip_fences(text)
    found = ANSWER.read(body, _readable, _raw_pairs_key_value, _raw_pairs_json)
    return _classify(text, found)


def _readable(name: str, raw) -> bool:
    """Whether a raw value reads as a value of the field."""
    try:
        _coerce(name, raw)
    except LabelError:
        return False
    return True


def _classify(text: str, found: dict) -> Parsed:
    """Coerce the raw values found and classify the answer."""
    values, problems = {}, {}
    for name in schema.FIELD_NAMES:
        raws = found.get(name)
        if not raws:
            problems[name] = "missing"
            continue
        try:
            values[name] = _coerce(name, raws[0])
        except LabelError as exc:
            problems[name] = str(exc)
            continue
        if len(raws) > 1:
            others = []
            for raw in raws[1:]:
                try:
                    others.append(_coerce(name, raw))
                except LabelError:
                    others.append(raw)
            if any(o != values[name] for o in others):
                problems[name] = "repeated with different values; the first was kept"
    if not values:
        status = UNPARSEABLE
        if not text.strip():
            problems = {"*": "empty answer"}
    elif len(values) == len(schema.FIELD_NAMES) and not problems:
        status = PARSED
    else:
        status = PARTIAL
    return Parsed(status, values, problems)


def reads_back(values: dict) -> bool:
    """True when parse(render_completion(values)) is known to give ``values`` without
    parsing it; False means: parse it to know.

    Known only on the fast path (categorical fields written as key: value lines or as a
    bare label): such a completion is one line per field, in order, and the fast path
    reads it line by line, so it reads back exactly when each of its lines does. That
    was checked once per field and value (not-applicable included) when this module
    loaded.
    """
    for name, good in _READ_BACK:
        if values.get(name, _ABSENT) not in good:
            return False
    return bool(_READ_BACK)


_ABSENT = object()
_READ_BACK = exact_answers.lines_that_read_back(parse, PARSED) if FAST else []
