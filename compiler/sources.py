"""The user's data as the compiler sees it: a source's format, and a sample of its rows
(for the compile-time checks of dotted paths, `distillgen smoke`'s sample and
`distillgen new --from`). The generated project reads the same formats with its own
runtime (pipeline/csv_rows.py, parquet_rows.py, hf_rows.py)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

FORMATS = ("jsonl", "csv", "parquet", "hf")
SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


class SourceError(Exception):
    """The data cannot be read as asked; the message says where and why."""


def is_saved_dataset(path: Path) -> bool:
    """A directory written by datasets' save_to_disk (a Dataset or a DatasetDict)."""
    return path.is_dir() and any(
        (path / name).is_file() for name in ("dataset_dict.json", "state.json")
    )


def format_of(path: Path, declared: str | None = None) -> str | None:
    """The source's format: the declared one, else from its extension (or a saved
    dataset's directory); None when it cannot be told."""
    if declared is not None:
        return declared
    if is_saved_dataset(path):
        return "hf"
    return SUFFIXES.get(path.suffix.lower())


def sample(path: Path, fmt: str, rows: int, *, hf_split: str = "train") -> list[tuple[str, dict]]:
    """(row name, row dict) for the first ``rows`` rows that read as objects, named as the
    data step names them in its rejects (a JSONL line number, a CSV line, "<file>:<row>")."""
    if fmt == "jsonl":
        return _jsonl(path, rows)
    if fmt == "csv":
        return _csv(path, rows)
    if fmt == "parquet":
        return _parquet(path, rows)
    if fmt == "hf":
        return _hf(path, rows, hf_split)
    raise SourceError(f"{path}: unknown format {fmt!r} (formats: {', '.join(FORMATS)})")


def _jsonl(path: Path, rows: int) -> list[tuple[str, dict]]:
    out = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if len(out) >= rows:
                break
            text = raw.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
            if not text:
                continue
            try:
                row = json.loads(text)
            except ValueError:
                continue
            if isinstance(row, dict):
                out.append((f"{path.name}:{number}", row))
    return out


def _csv(path: Path, rows: int) -> list[tuple[str, dict]]:
    out = []
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.DictReader(text)
        last = 1
        for record in reader:
            number, last = last + 1, reader.line_num
            if len(out) >= rows:
                break
            if None in record or None in record.values():
                continue
            out.append(
                (f"{path.name}:{number}", {k: (v if v != "" else None) for k, v in record.items()})
            )
    return out


def _parquet(path: Path, rows: int) -> list[tuple[str, dict]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(path) as handle:
            out = []
            for batch in handle.iter_batches(batch_size=min(rows, 1024)):
                for row in batch.to_pylist():
                    out.append((f"{path.name}:{len(out) + 1}", row))
                    if len(out) >= rows:
                        return out
            return out
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"{path}: not a readable Parquet file ({exc})") from None


def load_hf(path: Path, hf_split: str = "train"):
    """A saved dataset (the split of a DatasetDict), or SourceError."""
    import datasets

    try:
        loaded = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise SourceError(f"{path}: not a dataset written by save_to_disk ({exc})") from None
    if isinstance(loaded, datasets.DatasetDict):
        if hf_split not in loaded:
            raise SourceError(
                f"{path}: the saved dataset has no split {hf_split!r} (its splits: "
                f"{', '.join(map(repr, loaded))}); set data.hf_split to one of them"
            )
        loaded = loaded[hf_split]
    return loaded


def _hf(path: Path, rows: int, hf_split: str) -> list[tuple[str, dict]]:
    dataset = load_hf(path, hf_split)
    table = dataset.with_format("arrow")[: min(rows, len(dataset))]
    return [(f"{path.name}:{n}", row) for n, row in enumerate(table.to_pylist(), start=1)]
