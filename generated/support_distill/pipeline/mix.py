# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/mix.py
"""data.sources: several sources (JSONL, CSV, Parquet or HF datasets) mixed into one
dataset by weight (copied only into projects whose spec declares sources). Rows are
named "<source>:<line>" (or "<source>:<row>") and their ids "<source>:<id>"; each
source's columns are renamed before the checks."""

import hashlib

import numpy as np

from . import schema
from .split import SPLITS

# Source name -> its column renames.
RENAMES = {source["name"]: source["rename"] for source in schema.SOURCES}


# Source name -> its format.
FORMATS = {source["name"]: source["format"] for source in schema.SOURCES}


def read_rows(sources: dict, read):
    """Yield ("<source>:<line>", raw JSONL line or row dict, problem) per record, one source
    after another (``read(path, format)``: one source's records)."""
    for name, path in sources.items():
        for number, raw, problem in read(path, FORMATS.get(name, "jsonl")):
            yield f"{name}:{number}", raw, problem


def renamed(row: dict, number: str) -> dict:
    """The row with its source's column renames applied."""
    renames = RENAMES[str(number).partition(":")[0]]
    if not renames:
        return row
    return {renames.get(key, key): value for key, value in row.items()}


def as_named(problems: list[str], number: str) -> list[str]:
    """Problems with a renamed column named as the source's file names it:
    "reference_answer (read as output): ..."."""
    renames = RENAMES[str(number).partition(":")[0]]
    named = []
    for problem in problems:
        column, colon, rest = problem.partition(":")
        old = next((old for old, new in renames.items() if new == column), None)
        named.append(problem if old is None else f"{old} (read as {column}){colon}{rest}")
    return named


def row_id(number: str, raw_id) -> str:
    """An id unique across sources: "<source>:<id>"."""
    return f"{str(number).partition(':')[0]}:{raw_id}"


def draw(row_id: str) -> int:
    """A row's lot for the fractional part of its source's weight (see copies)."""
    return int.from_bytes(hashlib.blake2b(row_id.encode("utf-8"), digest_size=8).digest(), "big")


def copies(codes: np.ndarray, draws: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """How many times each row is written for its source's weight: train rows get the
    weight's whole part, plus one more for the share of rows its fraction says (chosen by
    the row's draw, a hash of its id, so the choice does not depend on order); valid and
    test rows are written once."""
    copies = []
    for code, lot, origin in zip(codes.tolist(), draws.tolist(), origins.tolist(), strict=True):
        if code != 0:
            copies.append(1)
            continue
        whole, fraction = divmod(schema.SOURCES[origin]["weight"], 1)
        copies.append(int(whole) + (lot / 2**64 < fraction))
    return np.array(copies, dtype=np.int64)


class SourceCounts:
    """Per source: accepted rows by split, train rows written, and share of the train mix."""

    def __init__(self) -> None:
        self.table = {
            source["name"]: {
                "weight": source["weight"],
                "rows": {n: 0 for n in SPLITS},
                "train_written": 0,
            }
            for source in schema.SOURCES
        }

    def add(self, codes: np.ndarray, origins: np.ndarray, copies: np.ndarray) -> None:
        for code, origin, n in zip(codes.tolist(), origins.tolist(), copies.tolist(), strict=True):
            if code < 0:
                continue
            entry = self.table[schema.SOURCES[origin]["name"]]
            entry["rows"][SPLITS[code]] += 1
            if code == 0:
                entry["train_written"] += n

    def as_json(self) -> dict:
        total = sum(entry["train_written"] for entry in self.table.values())
        for entry in self.table.values():
            entry["share_of_train"] = round(entry["train_written"] / total, 4) if total else None
        return self.table
