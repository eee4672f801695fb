# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/corpus.py
"""A corpus read record by record, and result files that survive a kill (make predict).

Reading: JSONL or CSV by the file's suffix; every record is yielded with its number
(the line in a JSONL file, the line its record starts on in a CSV file, the header
being line 1) and either the row or the reason it cannot be read, so that the caller
accounts for every record.

Writing: each output file is written as ``<name>.part`` in input order; ``sync``
fsyncs them and returns how many bytes of each are good, which the caller records in
its checkpoint (``Checkpoint``); a run started again truncates them to those sizes and
goes on; ``finish`` renames them to their final names when the run is complete.
"""

import csv
import io
import json
import os
import time
from collections import deque
from pathlib import Path

try:
    import orjson

    _loads_line = orjson.loads  # a line's UTF-8 bytes, checked by orjson
except ImportError:  # the standard library reads the same JSON, only slower

    def _loads_line(raw: bytes):
        return json.loads(raw.decode("utf-8"))


class CorpusError(Exception):
    """The input or the output directory cannot be used; the message says what to do."""


# ----------------------------------------------------------------- reading


def decode_line(raw: bytes):
    """(row dict, None) or (None, problem) for one JSONL line."""
    try:
        row = _loads_line(raw)
    except ValueError:  # say which is wrong, the UTF-8 or the JSON
        if raw.startswith(b"\xef\xbb\xbf"):  # a byte-order mark, as some editors write
            return decode_line(raw[3:])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, f"invalid UTF-8 at byte {exc.start}"
        try:
            row = json.loads(text)
        except ValueError as exc:
            return None, f"invalid JSON: {exc}"
    if not isinstance(row, dict):
        return None, f"a row must be a JSON object, not {type(row).__name__}"
    return row, None


def input_kind(path: Path) -> str:
    if path.suffix.lower() in (".parquet", ".arrow") or path.is_dir():
        raise CorpusError(
            f"{path}: predict reads a JSONL or CSV corpus, not Parquet or a saved dataset; "
            "write it as JSONL first (pandas: read_parquet(...).to_json(OUT, orient='records', "
            "lines=True); datasets: load_from_disk(...).to_json(OUT))"
        )
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


def scan(path: Path) -> tuple[list[str], int]:
    """(the input's columns in first-seen order, its number of records): the CSV
    header, or every key of every JSONL object (so the CSV has a column for each)."""
    if input_kind(path) == "csv":
        with _csv_text(path) as text:
            reader = csv.reader(text)
            header = next(reader, None)
            if not header:
                raise CorpusError(f"{path}: no header line")
            repeated = sorted({c for c in header if header.count(c) > 1})
            if repeated:
                raise CorpusError(f"{path}: columns repeated in the header: {repeated}")
            total = sum(1 for _ in reader)
        return header, total
    columns: dict = {}
    total = 0
    for _, row, _ in records(path):
        total += 1
        if row is not None:
            columns.update(dict.fromkeys(row))
    return list(columns), total


def _csv_text(path: Path):
    # utf-8-sig: a byte-order mark is not part of the first column's name; bytes that
    # are not UTF-8 reject their row (surrogateescape), not the file.
    return io.TextIOWrapper(
        open(path, "rb"), encoding="utf-8-sig", errors="surrogateescape", newline=""
    )


def records(path: Path):
    """(row number, row dict or None, problem or None) per record, in file order."""
    if input_kind(path) == "csv":
        with _csv_text(path) as text:
            reader = csv.DictReader(text)
            last = 1  # the header's line; a record starts on the line after the last one
            for record in reader:
                number, last = last + 1, reader.line_num
                if None in record:
                    yield number, None, "row has more values than the header has columns"
                elif any(isinstance(v, str) and bad_utf8(v) for v in record.values()):
                    yield number, None, "invalid UTF-8"
                else:
                    yield (
                        number,
                        {k: (None if v in (None, "") else v) for k, v in record.items()},
                        None,
                    )
        return
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue  # a blank line is not a record
            row, problem = decode_line(raw.rstrip(b"\r\n"))
            yield number, row, problem


def bad_utf8(text: str) -> bool:
    """Whether ``text`` holds bytes that were not UTF-8 (read with surrogateescape)."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


# ----------------------------------------------------------------- writing


def cell(value) -> str:
    """A CSV cell: text as it is, None empty, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def new_columns(input_columns: list[str], *groups: list[str]) -> list[dict]:
    """For each group of names, name -> its output column: a name the input already has
    gets the prefix predicted_ (the input's own column is kept as it is)."""
    taken = set(input_columns)

    def free(name: str) -> str:
        while name in taken:
            name = "predicted_" + name
        taken.add(name)
        return name

    return [{name: free(name) for name in group} for group in groups]


def line(record: dict) -> bytes:
    """One JSONL line (bytes that were not UTF-8 in the input are written back as they were)."""
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "surrogateescape")


class PartFiles:
    """Output files written as ``<name>.part`` in order; ``sizes`` (from a checkpoint):
    resume, truncating each to its good bytes; None: start empty."""

    def __init__(self, out: Path, names: tuple, sizes: dict | None):
        self.out = out
        self.handles = {}
        for name in names:
            part = out / (name + ".part")
            final = out / name
            if sizes is not None and not part.exists() and final.exists():
                os.replace(final, part)  # finishing was interrupted: take it back
            handle = open(part, "a+b" if sizes is not None else "w+b")
            handle.truncate(sizes[name] if sizes is not None else 0)
            handle.seek(0, os.SEEK_END)
            self.handles[name] = handle
        self.csv_buffer = io.StringIO()
        self.csv = csv.writer(self.csv_buffer, lineterminator="\n")

    def write(self, name: str, data: bytes) -> None:
        self.handles[name].write(data)

    def csv_row(self, name: str, values: list) -> None:
        self.csv.writerow(values)
        self.write(name, self.csv_buffer.getvalue().encode("utf-8", "surrogateescape"))
        self.csv_buffer.seek(0)
        self.csv_buffer.truncate()

    def sync(self) -> dict:
        """Flush and fsync every file: {file: bytes that are good}."""
        sizes = {}
        for name, handle in self.handles.items():
            handle.flush()
            os.fsync(handle.fileno())
            sizes[name] = handle.tell()
        return sizes

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()

    def finish(self) -> None:
        """The run is complete: each ``.part`` file takes its final name."""
        for name in self.handles:
            part = self.out / (name + ".part")
            if part.exists():
                os.replace(part, self.out / name)


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class Checkpoint:
    """checkpoint.json in ``out``: the run's settings (``identity``), how many input
    records are done, the good bytes of each output file and the running counts.

    ``state`` is the unfinished run's record, or None for a new run; an unfinished run
    with other settings is refused (finishing it with these would mix two runs)."""

    NAME = "checkpoint.json"

    def __init__(self, out: Path, identity: dict):
        self.path = out / self.NAME
        self.identity = identity
        self.state = None
        if self.path.exists():
            self.state = json.loads(self.path.read_text(encoding="utf-8"))
            then = self.state["run"]
            different = {k: (then.get(k), v) for k, v in identity.items() if then.get(k) != v}
            if different:
                raise CorpusError(
                    f"{out} holds an unfinished run with other settings ("
                    + ", ".join(f"{k}: {a!r} then, {b!r} now" for k, (a, b) in different.items())
                    + "); run it again as it was to finish it, or choose another --out"
                )

    def save(self, done: int, sizes: dict, counts: dict) -> None:
        record = {"run": self.identity, "records": done, "bytes": sizes, "counts": counts}
        atomic_write(self.path, json.dumps(record, sort_keys=True) + "\n")

    def remove(self) -> None:
        self.path.unlink()


def blocks(items, size: int):
    """``items`` in lists, in order, as they come: a list holds the items whose "seq"
    (else their position) falls in one block of ``size``, so that the same rows make a
    list whichever row a run starts from (a resumed run asks again the block it stopped
    in: ``align`` in run)."""
    block: list = []
    number = None
    for index, item in enumerate(items):
        here = item.get("seq", index) // size
        if block and here != number:
            yield block
            block = []
        number = here
        block.append(item)
        if len(block) >= size:  # a whole block: nothing more can join it
            yield block
            block = []
    if block:
        yield block


# --------------------------------------------------------------------- a run


def new_counts() -> dict:
    """The counts every corpus run keeps (a kind of run adds its own)."""
    return {"rows": 0, "answered": 0, "rejected": 0, "reject_reasons": {}, "completion_tokens": 0}


class Results:
    """predictions.jsonl, predictions.csv and rejects.jsonl of a run, in input order,
    and the counts behind its summary. A kind of run says what a row's answer adds
    (``header`` and ``answer``); a rejected row is written the same way by every run."""

    FILES = ("predictions.jsonl", "predictions.csv", "rejects.jsonl")

    def __init__(self, out: Path, input_columns: list[str], counts: dict, sizes: dict | None):
        self.input_columns = input_columns
        self.counts = counts
        self.files = PartFiles(out, self.FILES, sizes)
        if sizes is None:
            self.files.csv_row("predictions.csv", self.header())

    def header(self) -> list[str]:
        raise NotImplementedError

    def answer(self, item: dict, answer: dict) -> None:
        raise NotImplementedError

    def counted(self, answer: dict) -> None:
        c = self.counts
        c["rows"] += 1
        c["answered"] += 1
        c["completion_tokens"] += int(answer.get("tokens") or 0)

    def reject(self, item: dict) -> None:
        row = item["row"]
        record = {"row": item["number"], "reason": item["problem"]}
        if row is not None:
            record["input"] = row
        self.files.write("rejects.jsonl", line(record))
        c = self.counts
        c["rows"] += 1
        c["rejected"] += 1
        kind = item["problem"].split(":")[0]
        c["reject_reasons"][kind] = c["reject_reasons"].get(kind, 0) + 1


def run(
    input_path: Path,
    out: Path,
    identity: dict,
    *,
    results,
    prepare,
    stream,
    every,
    summarize,
    align: int = 1,
):
    """Answer every record of ``input_path`` into ``out``, resumably; the summary.

    ``results(columns, counts, sizes)``: the Results (counts None: a new run's);
    ``prepare(skip)``: items in input order from record ``skip`` on, each a dict with
    "seq" (its index), "number", "row" and "problem" (None: to be asked);
    ``stream(items)``: (item, answer) for the items to be asked, in their order;
    ``summarize(counts)``: (summary dict, summary markdown); ``align``: the engine
    answers records in blocks of this many (``blocks``), so a resumed run asks
    again the block it stopped in, from its first record, and writes only the records
    after the checkpoint: the engine sees the same batches as an uninterrupted run."""
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = Checkpoint(out, identity)
    state = checkpoint.state
    if state is None and (out / "summary.json").exists():
        print(f"predict: {out} holds a finished run (summary.json); delete it to run again")
        return json.loads((out / "summary.json").read_text(encoding="utf-8"))
    columns, total = scan(input_path)
    skip = state["records"] if state else 0
    writer = results(columns, state["counts"] if state else None, state["bytes"] if state else None)
    counts = writer.counts
    if state:
        print(f"predict: resuming after {skip} of {total} rows ({checkpoint.path.name})")
    else:
        checkpoint.save(0, writer.files.sync(), counts)
    rejects: deque = deque()

    def asks():
        for item in prepare(skip - skip % align):
            if item["problem"] is None:
                yield item
            elif item["seq"] >= skip:
                rejects.append(item)

    bar = progress(total, skip)
    started, tokens_before, since = time.perf_counter(), counts["completion_tokens"], 0
    done = skip
    try:
        for item, answer in stream(asks()):
            if item["seq"] < skip:  # written before the checkpoint: asked for its batch
                continue
            while rejects and rejects[0]["seq"] < item["seq"]:
                writer.reject(rejects.popleft())
            writer.answer(item, answer)
            moved = item["seq"] + 1 - done
            done = item["seq"] + 1
            since += moved
            bar.update(moved)
            if since >= every:
                checkpoint.save(done, writer.files.sync(), counts)
                since = 0
                rate = (counts["completion_tokens"] - tokens_before) / (
                    time.perf_counter() - started
                )
                bar.set_postfix_str(f"{rate:.0f} tokens/s", refresh=False)
        while rejects:
            writer.reject(rejects.popleft())
        bar.update(total - done)
        done = total
        checkpoint.save(done, writer.files.sync(), counts)
    finally:
        bar.close()
        writer.files.close()
    elapsed = time.perf_counter() - started
    ran = done - skip
    print(
        f"predict: {ran} rows in {elapsed:.1f}s ({ran / max(elapsed, 1e-9):.1f} rows/s, "
        f"{(counts['completion_tokens'] - tokens_before) / max(elapsed, 1e-9):.0f} tokens/s)"
    )
    result, markdown = summarize(counts)
    writer.files.finish()
    atomic_write(out / "summary.json", json.dumps(result, indent=2, sort_keys=True) + "\n")
    atomic_write(out / "summary.md", markdown)
    checkpoint.remove()
    return result


def progress(total: int, initial: int, desc: str = "predict"):
    """A progress bar with rows/s and ETA (tqdm; off when the output is not a terminal)."""
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="row", desc=desc, disable=None, smoothing=0.05)
