"""Spec file -> validated model, or every problem with its location."""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from . import spec as S
from .errors import Problem, SpecError
from .yamlpos import Located, dotted, load_yaml


@dataclass(frozen=True)
class LoadedSpec:
    spec: S.SpecBase
    path: Path  # the spec file
    display: str  # how the spec file is named in messages
    text: str
    located: Located


def read_spec(path: str | Path, display: str | None = None) -> LoadedSpec:
    """Read, parse, validate and check a spec; raise SpecError with all problems."""
    path = Path(path)
    display = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError([Problem(display, 0, 0, "", f"cannot read spec: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError([Problem(display, line, 1, "", "spec is not valid UTF-8")]) from None
    return parse_spec(text, path, display)


def parse_spec(text: str, path: Path, display: str) -> LoadedSpec:
    located, problems = load_yaml(text, display)
    if located is None:
        raise SpecError(problems)
    if not isinstance(located.data, dict):
        raise SpecError([Problem(display, 1, 1, "", "a spec is a mapping of sections")])
    try:
        spec = S.spec_adapter().validate_python(located.data)
    except ValidationError as exc:
        raise SpecError(_problems_from_validation(exc, located, display)) from None
    loaded = LoadedSpec(spec=spec, path=path, display=display, text=text, located=located)
    from .checks import check_spec  # local import: checks imports this module's types

    problems = check_spec(loaded)
    if problems:
        raise SpecError(problems)
    return loaded


def problem_at(loaded_or_located, display: str, path: tuple, message: str, *, key=False) -> Problem:
    located = getattr(loaded_or_located, "located", loaded_or_located)
    line, col = located.position(path, key=key)
    return Problem(display, line, col, dotted(path), message)


# ----------------------------------------------------------- pydantic -> problems


def _problems_from_validation(exc: ValidationError, located: Located, display: str):
    problems = []
    multi_kind = len(S.spec_kinds()) > 1
    errors = exc.errors(include_url=False)
    # A missing key whose name an unknown sibling key nearly spells is one mistake
    # (a typo), reported once at the typo.
    typo_targets = set()
    value_lists: set[tuple] = set()  # lists of values with a YAML 1.1 non-text item
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = tuple(err["loc"][1:] if multi_kind else err["loc"])
            allowed = _allowed_keys(loc[:-1], located.data)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
            if close:
                typo_targets.add(loc[:-1] + (close[0],))
    for err in errors:
        loc = list(err["loc"])
        if multi_kind and loc and loc[0] in S.kind_names():
            loc = loc[1:]
        is_key = False
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            is_key = True
        path = tuple(loc)
        etype = err["type"]
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if etype == "string_type" and path in located.plain:
            message = _yaml_scalar_message(located.plain[path], err.get("input"))
            if _is_value_list(path[:-1]):
                value_lists.add(path[:-1])
        elif etype == "extra_forbidden":
            is_key = True
            allowed = _allowed_keys(path[:-1], located.data)
            message = f"unknown key {path[-1]!r}"
            home = _home_of(str(path[-1]), path[:-1], located.data)
            close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
            if home is not None:
                message = _belongs(path[-1], home, path[:-1])
            elif close:
                message += f"; did you mean {close[0]!r}?"
            elif allowed:
                message += f"; expected one of: {', '.join(sorted(allowed))}"
        elif etype in ("model_type", "dict_type", "model_attributes_type"):
            message = f"expected a mapping of keys, got {_described(err.get('input'))}"
            home = None
            if path and str(path[-1]) not in _allowed_keys(path[:-1], located.data):
                home = _home_of(str(path[-1]), path[:-1], located.data)
            if home is not None:
                is_key = True
                message = _belongs(path[-1], home, path[:-1])
        elif etype == "missing":
            if path in typo_targets:
                continue
            message = f"missing required key {path[-1]!r}"
            line, col = located.position(path[:-1])
            problems.append(Problem(display, line, col, dotted(path), message))
            continue
        elif etype == "literal_error" and "input" in err:
            expected = err.get("ctx", {}).get("expected", "")
            options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
            close = difflib.get_close_matches(str(err["input"]), options, n=1, cutoff=0.6)
            message = f"{err['input']!r} is not allowed; expected {expected}"
            if close and len(options) > 1:
                message += f"; did you mean {close[0]!r}?"
        elif etype == "union_tag_invalid":
            tag = str(err.get("ctx", {}).get("tag", ""))
            path = ("kind",)
            message = f"unknown task kind {tag!r}; expected one of: {', '.join(S.kind_names())}"
            close = difflib.get_close_matches(tag, list(S.kind_names()), n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]!r}?"
        elif etype == "union_tag_not_found":
            path = ("kind",)
            message = f"missing required key 'kind' (one of: {', '.join(S.kind_names())})"
        message = re.sub(r" or instance of \w+", "", message)  # never a Python class name
        problems.append(problem_at(located, display, path, message, key=is_key))
    # The duplicates the quoting would make are reported now, not in a second round.
    from .checks import duplicate_values

    for list_path in sorted(value_lists, key=str):
        values = _get(located.data, list_path)
        texts = [located.plain.get(list_path + (i,), v) for i, v in enumerate(values)]
        for i, message in duplicate_values(texts):
            problems.append(problem_at(located, display, list_path + (i,), message))
    return problems


def _yaml_scalar_message(text: str, value) -> str:
    """An unquoted word YAML 1.1 reads as a boolean, null or number where text is wanted."""
    if text == "":
        return "a value is required here (an empty value is null in YAML)"
    if isinstance(value, bool):
        read = f"the boolean {str(value).lower()}"
        why = "unquoted yes, no, on, off, true and false are booleans in YAML"
    elif value is None:
        read = "null (no value)"
        why = "unquoted ~ and null mean no value in YAML"
    else:
        read = f"the number {value!r}"
        why = "unquoted numbers are numbers in YAML"
    return f"YAML read {text} as {read}, not as text ({why}); quote it: '{text}'"


def _is_value_list(path: tuple) -> bool:
    return bool(path) and (path[-1] == "values" or path == ("labels", "classes"))


def _get(data, path: tuple):
    for part in path:
        data = data[part]
    return data


def _described(value) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    return "a list" if isinstance(value, list) else "a value"


def _home_of(key: str, parent: tuple, data) -> tuple | None:
    """Where a key that is not allowed under ``parent`` is: the nearest section above it,
    a section below it, or each entry of a section of named entries (labels.fields.<name>)."""
    for n in range(len(parent) - 1, -1, -1):
        if key in _allowed_keys(parent[:n], data):
            return parent[:n]
    for child in _allowed_keys(parent, data):
        if key in _allowed_keys(parent + (child,), data):
            return parent + (child,)
    if key in _allowed_keys(parent + ("<name>",), data):
        return parent + ("<name>",)
    return None


def _belongs(key, home: tuple, parent: tuple) -> str:
    if home == parent + ("<name>",):
        return (
            f"{key!r} is a key of each entry ({dotted(home + (key,))}), not an entry of "
            f"{dotted(parent)}; indent it under the entry it belongs to"
        )
    where = f"under {dotted(home)}" if home else "at the top level (not indented)"
    return f"{key!r} belongs {where}, not under {dotted(parent)}; check its indentation"


def _unwrap(tp):
    """Strip Annotated/Optional to the underlying types."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return out
    return [tp]


def _allowed_keys(path: tuple, data) -> list[str]:
    """Keys the model at ``path`` accepts (for 'did you mean')."""
    kind_map = {k.model_fields["kind"].annotation.__args__[0]: k for k in S.spec_kinds()}
    model = S.spec_kinds()[0]
    if isinstance(data, dict) and data.get("kind") in kind_map:
        model = kind_map[data["kind"]]
    candidates = [model]
    for part in path:
        nxt = []
        for cand in candidates:
            if isinstance(cand, type) and issubclass(cand, BaseModel) and isinstance(part, str):
                fld = cand.model_fields.get(part)
                if fld is None:
                    fld = next(
                        (f for f in cand.model_fields.values() if f.alias == part),
                        None,
                    )
                if fld is not None:
                    nxt.extend(_unwrap(fld.annotation))
            else:
                origin = typing.get_origin(cand)
                if origin is dict:
                    nxt.extend(_unwrap(typing.get_args(cand)[1]))
                elif origin is list and isinstance(part, int):
                    nxt.extend(_unwrap(typing.get_args(cand)[0]))
        candidates = nxt
    keys: list[str] = []
    for cand in candidates:
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            keys.extend(f.alias or name for name, f in cand.model_fields.items())
    return keys
