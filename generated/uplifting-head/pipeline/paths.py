# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/paths.py
"""A row's values at dotted paths: data.inputs.<name>.path, a label field's path and
data.labels_key may name keys of nested objects joined by dots (oracle.scores.hope).

A flat row (a CSV file's, or a file whose nested objects were flattened) may hold the
dotted name as a column of its own: such a column is read first, and the object at a
dotted path is gathered from the columns under it ("oracle.scores.hope", ...)."""

MISSING = object()


class PathError(ValueError):
    """A value on the way to a path is not an object; the message says which and what it is."""


def value_at(row: dict, path: str, default=None):
    """The value at ``path`` in ``row``; ``default`` where a key on the way is absent or
    null. Raises PathError where a value on the way is not an object."""
    value = _at(row, path.split("."), path, 0)
    return default if value is MISSING else value


def _at(node: dict, keys: list[str], path: str, depth: int):
    rest = ".".join(keys[depth:])
    if rest in node:
        return node[rest]
    head = keys[depth]
    if head in node and depth + 1 < len(keys):
        child = node[head]
        if child is None:
            return MISSING
        if not isinstance(child, dict):
            walked = ".".join(keys[: depth + 1])
            raise PathError(f"{path}: {walked} is {describe(child)}, not an object")
        return _at(child, keys, path, depth + 1)
    prefix = rest + "."
    flat = {
        key[len(prefix) :]: value
        for key, value in node.items()
        if isinstance(key, str) and key.startswith(prefix)
    }
    return flat or MISSING


def describe(value) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {short!r}"
    return f"{type(value).__name__} {value!r}"[:60]
