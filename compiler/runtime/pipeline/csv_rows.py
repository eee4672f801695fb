# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/csv_rows.py
"""Reading a CSV source (copied only into projects whose spec reads CSV).

Records are read with the csv module (quoted cells may hold newlines); the text is
decoded as UTF-8 with a byte-order mark allowed, and bytes that are not UTF-8 reject
their row instead of the whole file.
"""

import csv
import io
from pathlib import Path

from . import schema
from .corpus import bad_utf8


def read_csv(path: Path, error: type[Exception], *, with_labels: bool = True):
    """Yield (row number, row dict or None, problem or None) per CSV record; a header
    that misses or repeats a needed column raises ``error`` before any row (label
    columns are not needed ``with_labels=False``: a file for the teacher to label)."""
    with open(path, "rb") as raw:
        # utf-8-sig: a byte-order mark (as spreadsheet exports write) is not part of the
        # first column's name.
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.DictReader(text)
        problems = csv_header_problems(reader.fieldnames or [], with_labels)
        if problems:
            raise error(f"{path}: " + "; ".join(problems))
        last = 1
        for record in reader:
            number, last = last + 1, reader.line_num
            if None in record:
                yield number, None, "row has more values than the header has columns"
                continue
            if None in record.values():  # csv gives None for the columns a short record lacks
                given = sum(v is not None for v in record.values())
                yield (
                    number,
                    None,
                    f"row has {given} values but the header has {len(record)} columns "
                    "(a cell with a line break must be in double quotes)",
                )
                continue
            if any(isinstance(v, str) and bad_utf8(v) for v in record.values()):
                yield number, None, "invalid UTF-8"
                continue
            yield number, {k: (None if v in (None, "") else v) for k, v in record.items()}, None


def csv_header_problems(header: list, with_labels: bool = True) -> list[str]:
    """A CSV header must name every column the schema needs, once: a misspelt column
    is one clear error here, not the same reject on every row (and csv.DictReader keeps
    only the last of two equal column names)."""
    if not header:
        return ["no header line"]
    problems = [
        f"column {name!r} appears {header.count(name)} times in the header"
        for name in sorted(set(header))
        if header.count(name) > 1
    ]
    if not with_labels:
        labels = []
    elif hasattr(schema, "OUTPUT_FIELD"):  # a reference answer in a column of its own
        labels = [schema.OUTPUT_FIELD]
    else:
        under = schema.LABELS_KEY + "." if schema.LABELS_KEY else ""
        labels = [under + (f["path"] or f["name"]) for f in schema.FIELDS]
    needed = [schema.ID_FIELD] if schema.ID_FIELD else []
    needed += [spec["path"] or spec["name"] for spec in schema.INPUTS if spec["required"]]
    # A nested value is a column of its own in a CSV file: "oracle.scores.hope".
    missing = [name for name in needed + labels if name not in header]
    if missing:
        problems.append(
            f"the header has no column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))} "
            f"(its columns: {', '.join(map(repr, header))})"
        )
    return problems
