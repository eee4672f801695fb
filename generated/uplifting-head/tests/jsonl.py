# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/jsonl.py
"""JSONL files for the tests: rows written (a line that is not JSON, as it is) and read."""

import json


def write(path, rows: list) -> None:
    """Rows (a dict, or a line as it is) as JSONL."""
    with open(path, "w", encoding="utf-8") as handle:
        for r in rows:
            handle.write((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n")


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
