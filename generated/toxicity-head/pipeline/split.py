# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/split.py
"""Reproducible, optionally stratified train/valid/test split.

A row's place in the shuffle is its rank, the first 8 bytes of the SHA-256 of
(seed, id): it does not depend on the order of the source file, the machine or
PYTHONHASHSEED (two ids with the same rank, a 1 in 2**64 event per pair, keep
their file order). Each stratum is shared out by largest remainder so that the
totals match the ratios.
"""

import hashlib
import math

import numpy as np

SPLITS = ("train", "valid", "test")


def digest(seed: int, row_id: str) -> bytes:
    """16 bytes of the SHA-256 of (seed, id); the first 8 are the row's rank."""
    return hashlib.sha256(f"{seed}\x00{row_id}".encode("utf-8", "surrogatepass")).digest()[:16]


def ranks_of(digests: np.ndarray) -> np.ndarray:
    """The ranks of an array of 16-byte digests."""
    return np.frombuffer(digests.tobytes(), dtype=">u8")[::2].astype(np.uint64)


def assign(keys: list[tuple[str, str]], ratios: dict, seed: int) -> list[str]:
    """Split names for ``keys`` = [(row id, stratum), ...], in the same order."""
    names = sorted({stratum for _, stratum in keys})
    code = {name: i for i, name in enumerate(names)}
    digests = np.frombuffer(b"".join(digest(seed, row_id) for row_id, _ in keys), dtype="V16")
    ranks = ranks_of(digests)
    strata = np.array([code[stratum] for _, stratum in keys], dtype=np.int64)
    return [SPLITS[i] for i in assign_codes(ranks, strata, names, ratios).tolist()]


def assign_codes(
    ranks: np.ndarray, strata: np.ndarray, names: list[str], ratios: dict
) -> np.ndarray:
    """Split index per row (0 train, 1 valid, 2 test) from each row's rank and
    stratum (an index into ``names``, the strata's names, which break ties)."""
    rows = np.arange(len(ranks), dtype=np.int64)
    sizes = np.bincount(strata, minlength=len(names)).tolist()
    cuts = cut_points([(ranks, rows, strata)], *held_out(sizes, names, ratios))
    return codes_at(ranks, rows, strata, cuts)


def held_out(sizes: list[int], names: list[str], ratios: dict) -> tuple[np.ndarray, np.ndarray]:
    """(test rows, test + valid rows) per stratum, from the strata's sizes: the floor
    of each quota, then the rest of the total goes to the strata with the largest
    fractional parts (ties by name)."""
    total = sum(sizes)
    present = sorted((i for i, size in enumerate(sizes) if size), key=names.__getitem__)
    counts = {i: {"valid": 0, "test": 0} for i in present}
    for split in ("test", "valid"):
        target = math.floor(total * ratios[split] + 0.5)
        quotas = {i: sizes[i] * ratios[split] for i in present}
        for i in present:
            counts[i][split] = min(math.floor(quotas[i]), sizes[i] - counts[i]["test"])
        left = target - sum(counts[i][split] for i in present)
        order = sorted(present, key=lambda i: (-(quotas[i] - math.floor(quotas[i])), names[i]))
        for i in order:
            if left <= 0:
                break
            room = sizes[i] - counts[i]["test"] - counts[i]["valid"]
            if room > 1 or (room == 1 and ratios["train"] == 0):
                counts[i][split] += 1
                left -= 1
    n_test = np.zeros(len(names), dtype=np.int64)
    n_held = np.zeros(len(names), dtype=np.int64)
    for i in present:
        n_test[i] = counts[i]["test"]
        n_held[i] = counts[i]["test"] + counts[i]["valid"]
    return n_test, n_held


# (rank, row) past every real row: a stratum whose rows are all test (or held out).
_END = (np.iinfo(np.uint64).max, np.iinfo(np.int64).max)


def cut_points(parts, n_test: np.ndarray, n_held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each stratum's test and valid rows end, as (ranks, rows), each of shape
    (strata, 2): the (rank, row) of the stratum's first valid row and of its first
    train row in the order of (rank, row).

    ``parts`` gives (ranks, rows, strata) arrays a part at a time, every rank of a part
    below every rank of the parts after it (the data step reads its rows one hash
    partition at a time); ``rows`` are the rows' positions, which break equal ranks.
    """
    cut_ranks = np.full((len(n_test), 2), _END[0], dtype=np.uint64)
    cut_rows = np.full((len(n_test), 2), _END[1], dtype=np.int64)
    seen = np.zeros(len(n_test), dtype=np.int64)
    for ranks, rows, strata in parts:
        order = np.lexsort((rows, ranks, strata))
        grouped = strata[order]
        counts = np.bincount(grouped, minlength=len(n_test))
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        position = np.arange(len(order), dtype=np.int64) - starts[grouped] + seen[grouped]
        for column, limit in enumerate((n_test, n_held)):
            at = np.flatnonzero(position == limit[grouped])
            cut_ranks[grouped[at], column] = ranks[order[at]]
            cut_rows[grouped[at], column] = rows[order[at]]
        seen += counts
    return cut_ranks, cut_rows


def codes_at(ranks: np.ndarray, rows: np.ndarray, strata: np.ndarray, cuts) -> np.ndarray:
    """Split index per row (0 train, 1 valid, 2 test) from the cut points."""
    cut_ranks, cut_rows = cuts

    def before(column: int) -> np.ndarray:
        rank, row = cut_ranks[strata, column], cut_rows[strata, column]
        return (ranks < rank) | ((ranks == rank) & (rows < row))

    return np.where(before(0), 2, np.where(before(1), 1, 0)).astype(np.int8)
