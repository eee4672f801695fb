# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/parquet_rows.py
"""Reading a Parquet source (copied only into projects whose spec reads Parquet).

The file is read a record batch at a time (pyarrow), so memory does not grow with it.
Each row comes as a JSONL line would give it: a struct column is an object (read with
dotted paths), a list column a list, a null None. Rows are numbered from 1 in the file;
the data step names them "<file>:<row>" in its rejects.
"""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def read_parquet(path: Path, error: type[Exception], batch_rows: int = 256):
    """Yield (row number, row dict, None) per row; a file that is not Parquet (or breaks
    while it is read) raises ``error`` saying so."""
    try:
        handle = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise error(f"{path}: not a readable Parquet file ({exc})") from None
    number = 0
    with handle:
        batches = handle.iter_batches(batch_size=batch_rows)
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError) as exc:
                raise error(f"{path}: unreadable after row {number} ({exc})") from None
            if batch is None:
                return
            for row in batch.to_pylist():
                number += 1
                yield number, row, None
