"""Safe YAML loading that remembers where every node came from.

The spec is composed into PyYAML nodes (never constructed with arbitrary tags),
then turned into plain Python values while recording the 1-based line and column
of every key and value, addressed by its path: ``("labels", "fields", "period")``.
Duplicate keys, non-string keys, unknown tags and alias bombs are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Problem

Path = tuple[Any, ...]

# Standard tags the safe resolver produces; anything else (``!!python/object``,
# custom ``!tags``) is refused.
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"

MAX_NODES = 100_000  # bounds alias expansion ("billion laughs")
MAX_SPEC_BYTES = 2_000_000


@dataclass
class Located:
    """A loaded document and the positions of its nodes."""

    data: Any
    value_pos: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_pos: dict[Path, tuple[int, int]] = field(default_factory=dict)
    # Where a block scalar's content starts (line of its first content line).
    block_start: dict[Path, int] = field(default_factory=dict)
    # Unquoted scalars that YAML did not read as text (``no`` -> False, ``1`` -> 1, ``~`` ->
    # None), as they are written: a message can say how to quote them.
    plain: dict[Path, str] = field(default_factory=dict)

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Best position for ``path``: the exact node, else its nearest ancestor."""
        path = tuple(path)
        while True:
            if key and path in self.key_pos:
                return self.key_pos[path]
            if path in self.value_pos:
                return self.value_pos[path]
            if path in self.key_pos:
                return self.key_pos[path]
            if not path:
                return (1, 1)
            path = path[:-1]
            key = False


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_NODES


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def load_yaml(text: str, filename: str) -> tuple[Located | None, list[Problem]]:
    """Parse ``text``; return the located document or the problems found."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SPEC_BYTES:
        return None, [Problem(filename, 1, 1, "", f"spec is larger than {MAX_SPEC_BYTES} bytes")]
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        msg = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        if exc.context_mark is not None and mark is not exc.context_mark:
            msg += f" (the construct started at line {exc.context_mark.line + 1})"
        problem = Problem(filename, line, col, "", f"invalid YAML: {msg}")
        return None, [_block_ended(text, problem)]
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        return None, [Problem(filename, 1, 1, "", f"invalid YAML: {exc}")]
    if len(nodes) != 1 or nodes[0] is None:
        count = "no document" if not nodes or nodes[0] is None else f"{len(nodes)} documents"
        return None, [
            Problem(filename, 1, 1, "", f"a spec is exactly one YAML document; found {count}")
        ]
    located = Located(data=None)
    problems: list[Problem] = []
    loader = yaml.SafeLoader("")
    budget = _Budget()
    try:
        located.data = _convert(nodes[0], (), located, problems, filename, loader, budget)
    except _TooBig as exc:
        return None, [Problem(filename, exc.line, exc.col, "", exc.message)]
    if problems:
        return None, [_block_ended(text, p) if p.message == _NOT_PLAIN_KEY else p for p in problems]
    return located, []


_NOT_PLAIN_KEY = "mapping keys must be plain strings"
# A line that reads as a spec key: a name, a colon, then a space or the line's end.
_KEY_LINE = re.compile(r"\s*(- )?[A-Za-z_][\w-]*\s*:(\s|$)")


def _block_ended(text: str, problem: Problem) -> Problem:
    """A line of a ``|`` block (a template) written less indented than the block ends the
    block, and YAML reads it as a spec key: say so, instead of a parser error about the
    lines after it. ``problem`` is returned as it is when it is not that."""
    lines = text.splitlines()
    for start, key in _block_scalars(text):
        content = next((i for i in range(start + 1, len(lines)) if lines[i].strip()), None)
        if content is None:
            continue
        indent = _indent(lines[content])
        last = content
        for i in range(content + 1, len(lines)):
            if not lines[i].strip():
                continue
            if _indent(lines[i]) < indent:
                after = lines[i]
                if (
                    after.lstrip().startswith("#")
                    or _KEY_LINE.match(after)
                    or not (i + 1 <= problem.line <= i + 3)
                ):
                    break
                return Problem(
                    problem.file,
                    i + 1,
                    _indent(after) + 1,
                    "",
                    f"the `|` block of {key!r} (from line {start + 1}) ended at line {last + 1}: "
                    f"line {i + 1} is indented less than the block's lines, so YAML reads it as a "
                    f"spec key; indent it as the lines above it",
                )
            last = i
    return problem


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_scalars(text: str) -> list[tuple[int, str]]:
    """(0-based line of the indicator, key) of each literal or folded block scalar that
    YAML reads before any error in ``text``."""
    found, key = [], None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.ScalarToken):
                if token.style in ("|", ">"):
                    found.append((token.start_mark.line, key or "?"))
                key = token.value if token.plain else None
    except yaml.YAMLError:
        pass
    return found


class _TooBig(Exception):
    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def _convert(node, path, located, problems, filename, loader, budget):
    budget.left -= 1
    if budget.left < 0:
        line, col = _pos(node.start_mark)
        raise _TooBig(
            line, col, f"spec expands to more than {MAX_NODES} nodes (nested aliases?); refused"
        )
    located.value_pos[path] = _pos(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP_TAG:
            return _bad_tag(node, path, problems, filename)
        result: dict[str, Any] = {}
        # Merge keys (<<) are flattened by flatten_mapping; keep them explicit instead.
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                line, col = _pos(key_node.start_mark)
                problems.append(
                    Problem(filename, line, col, _dotted(path), "merge keys (<<) are not allowed")
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                line, col = _pos(key_node.start_mark)
                problems.append(
                    Problem(
                        filename, line, col, _dotted(path), "mapping keys must be plain strings"
                    )
                )
                continue
            key = key_node.value
            child = path + (key,)
            if key in result:
                line, col = _pos(key_node.start_mark)
                first = located.key_pos[child]
                problems.append(
                    Problem(
                        filename,
                        line,
                        col,
                        _dotted(child),
                        f"duplicate key {key!r} (first defined at line {first[0]})",
                    )
                )
                continue
            located.key_pos[child] = _pos(key_node.start_mark)
            if isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">"):
                located.block_start[child] = value_node.start_mark.line + 2
            result[key] = _convert(value_node, child, located, problems, filename, loader, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            return _bad_tag(node, path, problems, filename)
        return [
            _convert(item, path + (i,), located, problems, filename, loader, budget)
            for i, item in enumerate(node.value)
        ]
    if node.tag not in _SCALAR_TAGS:
        return _bad_tag(node, path, problems, filename)
    if node.style is None and node.tag != "tag:yaml.org,2002:str":
        located.plain[path] = node.value
    return loader.construct_object(node, deep=True)


def _bad_tag(node, path, problems, filename):
    line, col = _pos(node.start_mark)
    tag = node.tag
    if tag.startswith("tag:yaml.org,2002:"):
        tag = "!!" + tag[len("tag:yaml.org,2002:") :]
    problems.append(
        Problem(
            filename, line, col, _dotted(path), f"YAML tag {tag!r} is not allowed (plain data only)"
        )
    )
    return None


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


dotted = _dotted
