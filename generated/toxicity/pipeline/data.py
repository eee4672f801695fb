# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/data.py
"""Step 1, data: read the source, check every row, render, split, audit, write.

    python -m pipeline.data [--source FILE] [--out DIR] [--workers N]

(--source only where the spec reads one file; data.sources mixes several: pipeline/mix.py.
A source is JSONL, CSV (pipeline/csv_rows.py), Parquet (pipeline/parquet_rows.py) or a
Hugging Face dataset (pipeline/hf_rows.py); the outputs are the same for the same rows.)

Rows that fail a check go to rejects.jsonl with their row number and reason;
the step fails when more than MAX_REJECT_SHARE of the rows are rejected. Every
rendered completion must parse back to exactly its labels (for schemas of
categorical fields only, each field's value lines were parsed back once, when
pipeline.parse loaded: see parse.reads_back; others are parsed row by row). Token
lengths are measured with the model's own tokenizer and chat template; an
example longer than MAX_SEQ_LENGTH stops the step by name (nothing is ever
truncated). Output: {train,valid,test}.jsonl in mlx-lm's chat format, the gold
labels beside them, rejects.jsonl and stats.json. Exit status: 0 written,
1 the data failed a check (nothing but rejects.jsonl written), 2 bad arguments.

Speed: --workers processes (default: one per core, at most 8) each take a
block of about CHUNK_BYTES of the source, read it themselves, check, render,
parse back and measure its rows (CHUNK_ROWS per tokenizer call) and spool the
accepted records to a file of their own. The main process keeps no per-row state
in memory: each row's keys, lengths and labels go to a ledger file, its id and
prompt keys to PARTS hash partitions, which the duplicate checks and the split
then read one at a time; then the spooled lines are copied to their splits, a task
at a time. Its memory does not grow with the corpus. The output is the same for
any number of workers, CHUNK_BYTES and PARTS.
"""

import argparse
import bisect
import gc
import hashlib
import heapq
import itertools
import json
import math
import multiprocessing
import os
import shutil
import sys
import time
import zlib
from collections import deque
from pathlib import Path

import numpy as np

try:
    import orjson

    def dumps(obj) -> bytes:
        return orjson.dumps(obj)

    loads = orjson.loads
except ImportError:  # the standard library writes the same JSON, only slower

    def dumps(obj) -> bytes:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    loads = json.loads


from . import schema
from .corpus import decode_line
from .labels import check_labels, format_value, render_completion
from .parse import PARSED, parse, reads_back
from .paths import PathError, describe, value_at
from .prompts import plain_text, training_messages
from .split import SPLITS, codes_at, cut_points, digest, held_out, ranks_of
from .task import data_warnings

# data.sources: several JSONL files mixed by weight (pipeline/mix.py); else one file.
SOURCES = getattr(schema, "SOURCES", None)
if SOURCES:
    from . import mix
FORMATS = {source["format"] for source in SOURCES} if SOURCES else {schema.SOURCE_FORMAT}
if "csv" in FORMATS:
    from .csv_rows import read_csv
if "parquet" in FORMATS:
    from .parquet_rows import read_parquet
if "hf" in FORMATS:
    from .hf_rows import read_hf
HUB = getattr(schema, "HUB", None)  # a hub dataset (data.hub) instead of a file
if getattr(schema, "BALANCE", None) == "oversample":
    from .oversample import Oversample
if schema.STRATIFY_KIND == "tier":
    from .tiers import tier_of
# Boolean, integer and number inputs: pipeline/input_values.py, only where there are such.
if {spec["type"] for spec in schema.INPUTS} - {"string", "text"}:
    from . import input_values

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "work" / "data"
CHUNK_BYTES = 4 << 20  # bytes of a JSONL source per worker task
CHUNK_ROWS = 256  # rows per tokenizer call (and per task for a CSV source)

# Categorical and boolean labels are counted per split; each row keeps them as indices.
CATEGORY_FIELDS = [f["name"] for f in schema.FIELDS if f["type"] in ("categorical", "boolean")]
CATEGORY_VALUES = {
    f["name"]: (list(f["values"]) if f["type"] == "categorical" else [False, True])
    + ([None] if f["allow_na"] else [])
    for f in schema.FIELDS
    if f["name"] in CATEGORY_FIELDS
}
CATEGORY_INDEX = {
    name: {value: i for i, value in enumerate(values)} for name, values in CATEGORY_VALUES.items()
}
# One byte per label when every index fits in one (the usual case).
LABEL_DTYPE = np.uint8 if all(len(v) <= 256 for v in CATEGORY_VALUES.values()) else np.int32
CATEGORY_NAMES = {
    name: [format_value(value) for value in values] for name, values in CATEGORY_VALUES.items()
}
# What the step keeps of an accepted row: in the ledger's file, never in memory.
ROW = np.dtype(
    [
        ("ordinal", "<i8"),  # its place among all the rows read (rejects included)
        ("line", "<i8"),  # its line (or CSV row) number
        ("origin", "u1"),  # its source's index
        ("stratum", "<i4"),  # its stratum's code
        ("id_key", "V16"),  # key_of(its id): the duplicate check and the split's rank
        ("prompt_key", "<u8"),  # the prompt's length and CRC-32: the duplicate check
        ("tokens", "<i4", (2,)),  # prompt tokens, total tokens
        ("labels", LABEL_DTYPE, (len(CATEGORY_FIELDS),)),  # index of each categorical label
        ("chat_len", "<u4"),  # the sizes of its spooled chat and gold lines
        ("gold_len", "<u4"),
    ]
    + ([("draw", "<u8")] if SOURCES else [])  # its lot for the mix (see pipeline/mix.py)
)


class DataError(Exception):
    """The data cannot be used as it is; the message says where and why."""


# ------------------------------------------------------------------ reading


def read_rows(source):
    """Yield (row number, raw JSONL line or row dict, problem or None) per record;
    for data.sources (``source``: name -> path) the number is "<source>:<line>"."""
    if SOURCES:
        yield from mix.read_rows(source, read_source)
    else:
        yield from read_source(source, schema.SOURCE_FORMAT)


def read_source(path, fmt: str):
    """(row number, raw JSONL line or row dict, problem or None) per record of one source
    in its format (``path``: the hub dict for data.hub)."""
    if fmt == "csv":
        return read_csv(path, DataError)
    if fmt == "parquet":
        return read_parquet(path, DataError, CHUNK_ROWS)
    if fmt == "hf":
        return read_hf(path, DataError, CHUNK_ROWS)
    return _read_jsonl(path)


def default_sources():
    """What the step reads unless told otherwise: the spec's file, or its sources (or the
    hub dataset)."""
    if SOURCES:
        return {source["name"]: ROOT / source["path"] for source in SOURCES}
    return HUB if HUB is not None else ROOT / schema.SOURCE


def source_name(source) -> str:
    """How a single Parquet or HF source names its rows ("<name>:<row>")."""
    return HUB["id"] if isinstance(source, dict) else Path(source).name


def iter_rows(source):
    """Yield (row number, row dict or None, problem or None) per record, decoded."""
    for number, payload, problem in read_rows(source):
        if problem is None and isinstance(payload, bytes | bytearray):
            payload, problem = decode_line(payload)
        yield number, payload, problem


def _read_jsonl(path: Path):
    """Raw lines, block by block (as the workers read them): they are decoded where
    they are checked."""
    for block in _blocks(path, count=True):
        yield from Block(block)


# ----------------------------------------------------------------- checking


def _check_input(spec: dict, raw):
    name, ftype = spec["name"], spec["type"]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if spec["required"]:
            return None, f"{name}: {'empty text' if isinstance(raw, str) else 'missing'}"
        return None, None
    if ftype in ("string", "text"):
        if not isinstance(raw, str):
            return None, f"{name}: expected text, got {type(raw).__name__}"
        if spec["max_chars"] is not None and len(raw) > spec["max_chars"]:
            return None, f"{name}: {len(raw)} characters, more than {spec['max_chars']}"
        return raw, None
    if ftype == "boolean":
        return input_values.boolean_input(spec, raw)
    return input_values.number_input(spec, raw)


def check_inputs(row: dict) -> tuple[dict, list[str]]:
    """The row's input fields, each checked against its declaration, and the problems
    (the data step's, predict's and the teacher's check of a row's inputs). An input
    with a path is read there (pipeline/paths.py)."""
    inputs, problems = {}, []
    for spec in schema.INPUTS:
        if spec["path"] is None:
            raw = row.get(spec["name"])
        else:
            try:
                raw = value_at(row, spec["path"])
            except PathError as exc:
                inputs[spec["name"]] = None
                problems.append(f"{spec['name']}: {exc}")
                continue
        value, problem = _check_input(spec, raw)
        inputs[spec["name"]] = value
        if problem:
            problems.append(problem)
    return inputs, problems


def check_row(row: dict, number=None):
    """(row id, inputs, labels, problems) for one source row (number: its row number, or
    "<source>:<line>" for data.sources, whose column renames are applied first)."""
    problems = []
    if SOURCES:
        row = mix.renamed(row, number)
    if schema.ID_FIELD is None:
        row_id = str(number)  # rows are numbered: the spec declares no id column
    else:
        raw_id = row.get(schema.ID_FIELD)
        if (
            isinstance(raw_id, bool)
            or not isinstance(raw_id, str | int)
            or str(raw_id).strip() == ""
        ):
            problems.append(f"{schema.ID_FIELD}: missing or not a string/integer id")
            row_id = None
        else:
            row_id = mix.row_id(number, raw_id) if SOURCES else str(raw_id)
    inputs, input_problems = check_inputs(row)
    problems.extend(input_problems)
    try:
        source = value_at(row, schema.LABELS_KEY) if schema.LABELS_KEY else row
    except PathError as exc:
        labels, label_problems = {}, [str(exc)]
    else:
        labels, label_problems = _labels_of(source)
    problems.extend(label_problems)
    if SOURCES:
        problems = mix.as_named(problems, number)  # a renamed column as the user's file names it
    return row_id, inputs, labels, problems


def _labels_of(source) -> tuple[dict, list[str]]:
    """(labels, problems) of the labels object ``source`` (the row, or its labels_key)."""
    if source is None:
        return {}, [f"{schema.LABELS_KEY}: missing or not an object of labels"]
    if not isinstance(source, dict):
        return {}, [f"{schema.LABELS_KEY}: {describe(source)}, not an object of labels"]
    return check_labels(source)


def stratum_of(inputs: dict, labels: dict) -> str:
    if schema.STRATIFY_BY is None:
        return ""
    if schema.STRATIFY_KIND == "tier":
        return tier_of(labels)
    value = (labels if schema.STRATIFY_KIND == "label" else inputs).get(schema.STRATIFY_BY)
    return json.dumps(value)


# --------------------------------------------------------------- token audit


def load_tokenizer(name: str):
    """The model's own tokenizer, or a DataError that says what to do."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError) as exc:
        raise DataError(
            f"cannot load the tokenizer {name!r}: {exc}\n"
            "The data step measures every example with the model's own tokenizer: for a gated "
            "model, log in first (huggingface-cli login); "
            "or pass a local copy with --tokenizer DIR."
        ) from None


class TokenAudit:
    """Token lengths exactly as the trainer will see them (chat template included)."""

    def __init__(self, name: str) -> None:
        self.tokenizer = load_tokenizer(name)
        if schema.CHAT_TEMPLATE and not getattr(self.tokenizer, "chat_template", None):
            raise DataError(
                f"the tokenizer of {name!r} has no chat template (an encoder's: set "
                "model.chat_template: false and labels.route: head)"
            )
        self.backend = getattr(self.tokenizer, "backend_tokenizer", None)

    def lengths(self, conversations: list[list[dict]]) -> list[tuple[int, int]]:
        """(prompt tokens, total tokens) per conversation.

        The total is the length of the whole chat-templated example, as the trainer
        tokenizes it. The prompt is everything before the answer's text; its token
        count is read off the same encoding's offsets (one encode per example).
        Without a chat template (a head route), the prompt is its plain text with the
        tokenizer's special tokens, as the head reads it, and the answer's tokens are
        added to it.
        """
        tok = self.tokenizer
        if not schema.CHAT_TEMPLATE:
            prompts = tok([plain_text(c[:-1]) for c in conversations])["input_ids"]
            answers = tok([c[-1]["content"] for c in conversations], add_special_tokens=False)
            return [
                (len(p), len(p) + len(a))
                for p, a in zip(prompts, answers["input_ids"], strict=True)
            ]
        full = tok.apply_chat_template(conversations, tokenize=False)
        if self.backend is None:  # a tokenizer without offsets: encode the prompts too
            prompts = tok.apply_chat_template(
                [c[:-1] for c in conversations], tokenize=False, add_generation_prompt=True
            )
            ids = tok(full + prompts, add_special_tokens=False)["input_ids"]
            n = len(conversations)
            return [(len(ids[n + i]), len(ids[i])) for i in range(n)]
        encodings = self.backend.encode_batch(full, add_special_tokens=False)
        result = []
        for conversation, text, encoding in zip(conversations, full, encodings, strict=True):
            answer = conversation[-1]["content"]
            cut = text.rfind(answer) if answer else -1
            if cut < 0:  # the template rewrote the answer: measure the prompt itself
                prompt = tok.apply_chat_template(
                    conversation[:-1], tokenize=False, add_generation_prompt=True
                )
                n_prompt = len(self.backend.encode(prompt, add_special_tokens=False).ids)
            else:
                n_prompt = bisect.bisect_left([start for start, _ in encoding.offsets], cut)
            result.append((n_prompt, len(encoding.ids)))
        return result


# ----------------------------------------------------------------- one task

_AUDIT: TokenAudit | None = None  # set in each worker (and in the main process)


def _set_audit(audit: TokenAudit | None) -> None:
    global _AUDIT
    _AUDIT = audit


# A single Parquet or HF source's name (set by build): its rows are "<name>:<row>".
_NAMED: str | None = None


def row_label(origin: int, line: int):
    """How a row is named in messages: its line (or CSV row) number; "<source>:<line>"
    for data.sources; "<file>:<row>" for a Parquet or HF source."""
    if SOURCES:
        return f"{SOURCES[origin]['name']}:{line}"
    return line if _NAMED is None else f"{_NAMED}:{line}"


def key_of(row_id: str) -> bytes:
    """16 bytes that stand for a row id in the duplicate checks (and give its rank)."""
    return digest(schema.SPLIT_SEED, row_id)


def process_record(number, payload, problem):
    """Check, render and parse back one record.

    Returns ("reject", id, reasons) or ("ok", id, prompt key, stratum, chat line,
    gold line, labels, messages).
    """
    if problem is not None:
        return ("reject", None, [problem])
    row = payload
    if isinstance(payload, bytes | bytearray):
        row, problem = decode_line(payload)
        if problem is not None:
            return ("reject", None, [problem])
    row_id, inputs, labels, problems = check_row(row, number)
    if problems:
        return ("reject", row_id, problems)
    try:
        completion = render_completion(labels)
        messages = training_messages(inputs, completion)
    except Exception as exc:  # noqa: BLE001 - the template's failure is this row's
        return ("reject", row_id, [f"prompt template failed: {exc}"])
    if not reads_back(labels):  # (categorical schemas: each value's line was parsed back once)
        back = parse(completion)
        if back.status != PARSED or back.values != labels:
            return (
                "reject",
                row_id,
                [f"completion does not parse back to its labels: {back.problems}"],
            )
    try:
        prompt = dumps(messages[:-1])
        # {"messages": [*prompt, answer]}, without encoding the (long) prompt twice
        chat = b'{"messages":' + prompt[:-1] + b"," + dumps(messages[-1]) + b"]}\n"
        gold = dumps({"id": row_id, "labels": labels}) + b"\n"
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        return ("reject", row_id, [f"text cannot be written as UTF-8 JSON: {exc}"])
    # A fast key for the duplicate check (its rare equal keys are compared in full).
    prompt_key = len(prompt) << 32 | zlib.crc32(prompt)
    return ("ok", row_id, prompt_key, stratum_of(inputs, labels), chat, gold, labels, messages)


class Block:
    """The lines of a JSONL block (path, start, end, lines before start): iterate for
    the (line number, raw line, None) of its lines, blank lines left out; then
    ``lines`` is how many lines it had. Line numbers go on from the lines before the
    block; when those are not known (None), from 0, and the main process adds them.

    The block is read into a buffer that is used again for the next block (a new
    one each time would cost a page fault per 4 KB); each line is copied out of it
    as it is needed, while the buffer is still in the cache.
    """

    def __init__(self, block) -> None:
        path, start, end, lines_before = block
        self.size, self.first, self.lines = end - start, lines_before or 0, 0
        self.buffer = _BUFFERS.pop() if _BUFFERS else bytearray()
        if len(self.buffer) < self.size:
            self.buffer = bytearray(self.size)
        with open(path, "rb", buffering=0) as handle, memoryview(self.buffer) as view:
            handle.seek(start)
            got = 0
            while got < self.size:
                read = handle.readinto(view[got : self.size])
                if not read:
                    raise DataError(f"{path} changed while it was being read")
                got += read

    def __iter__(self):
        buffer, size, line = self.buffer, self.size, self.first
        try:
            at = 0
            while at < size:
                stop = buffer.find(b"\n", at, size)
                stop = size if stop < 0 else stop
                line += 1
                raw = buffer[at:stop]
                if raw and not raw.isspace():
                    yield line, raw, None
                at = stop + 1
            self.lines = line - self.first
        finally:
            _BUFFERS.append(buffer)  # free for the next block


_BUFFERS: list[bytearray] = []  # read buffers free for the next block (one per reader)


def process_task(task) -> dict:
    """Process one task's records and spool the accepted ones to the task's file.

    ``task`` is (spool file, source position, records): a JSONL block (path, start,
    end, lines before start), which the worker reads itself, or a list of records
    the main process read. The chat and gold lines go to the spool file (all chat
    lines, then all gold lines); the rest is returned to the main process: the
    block's line count, the rejects (position, line, id, reasons, id key), the
    token-length problems (row, id, prompt tokens, total tokens), the accepted rows'
    strata and, per accepted row, a ROW for the ledger. When the lines before a block
    are not known (None: the spec has an id column, so no id depends on them), its
    line numbers count from 0 and the main process adds them.
    """
    spool, origin, records = task
    if not isinstance(records, list):
        records = Block(records)
    rejects, positions, lines, ids, prompt_keys, strata = [], [], [], [], [], []
    chat_len, golds, labels, conversations = [], [], [], []
    count = 0
    # chat lines as they come, gold lines last
    with open(spool, "wb", buffering=1 << 20) as spooled:
        for count, (line, payload, problem) in enumerate(records, start=1):
            number = row_label(origin, line)
            result = process_record(number, payload, problem)
            if result[0] == "reject":
                _, row_id, reasons = result
                key = None if row_id is None else key_of(row_id)
                rejects.append((count - 1, line, row_id, reasons, key))
                continue
            _, row_id, prompt_key, stratum, chat, gold, values, messages = result
            positions.append(count - 1)
            lines.append(line)
            ids.append(row_id)
            prompt_keys.append(prompt_key)
            strata.append(stratum)
            spooled.write(chat)
            chat_len.append(len(chat))
            golds.append(gold)
            labels.append([index[values[name]] for name, index in CATEGORY_INDEX.items()])
            if _AUDIT is not None:
                conversations.append(messages)
        spooled.writelines(golds)
    tokens = np.zeros((len(ids), 2), dtype=np.int32)
    too_long = []
    if _AUDIT is not None:
        for first in range(0, len(ids), CHUNK_ROWS):
            measured = _AUDIT.lengths(conversations[first : first + CHUNK_ROWS])
            tokens[first : first + len(measured)] = measured
        for k in np.flatnonzero(
            (tokens[:, 1] > schema.MAX_SEQ_LENGTH) | (tokens[:, 1] <= tokens[:, 0])
        ):
            too_long.append((int(k), ids[k], *tokens[k].tolist()))
    rows = np.zeros(len(ids), dtype=ROW)  # origin, stratum and the ordinal's base: main's
    rows["ordinal"] = positions
    rows["line"] = lines
    rows["id_key"] = np.frombuffer(b"".join(map(key_of, ids)), dtype="V16")
    rows["prompt_key"] = prompt_keys
    if SOURCES:
        rows["draw"] = [mix.draw(row_id) for row_id in ids]
    rows["tokens"] = tokens
    rows["labels"] = np.array(labels, dtype=LABEL_DTYPE).reshape(len(ids), len(CATEGORY_FIELDS))
    rows["chat_len"] = chat_len  # (a record over 4 GB stops the step)
    rows["gold_len"] = [len(gold) for gold in golds]
    return {
        "records": count,
        "lines": 0 if isinstance(records, list) else records.lines,
        "rejects": rejects,
        "too_long": too_long,
        "rows": rows,
        "strata": strata,
    }


def _blocks(path: Path, count: bool = False):
    """(path, start, end, lines before start) per block of about CHUNK_BYTES that ends
    just after a newline (or at the end of the file). The main process reads only a
    little before each block's end, to find its last newline; the workers read the
    blocks. The lines before a block are None, unless ``count``: then the main
    process reads the blocks too (in one reused buffer), to count their lines."""
    size = os.path.getsize(path)
    buffer = bytearray(CHUNK_BYTES if count else 0)
    with open(path, "rb", buffering=0) as handle:
        start = lines = 0
        while start < size:
            end = _block_end(handle, start, size)
            yield path, start, end, (lines if count else None)
            if count:
                for at in range(start, end, CHUNK_BYTES):
                    handle.seek(at)
                    got = handle.readinto(buffer)
                    lines += int(
                        np.count_nonzero(np.frombuffer(buffer, np.uint8, min(got, end - at)) == 10)
                    )
            start = end


def _block_end(handle, start: int, size: int) -> int:
    """The end of the block that begins at ``start``: just after the last newline
    before start + CHUNK_BYTES (looked for backwards, 64 KB at a time), the end of the
    file, or for a line longer than a block, just after its newline."""
    limit = start + CHUNK_BYTES
    if limit >= size:
        return size
    at = limit
    while at > start:
        low = max(start, at - (1 << 16))
        handle.seek(low)
        newline = handle.read(at - low).rfind(b"\n")
        if newline >= 0:
            return low + newline + 1
        at = low
    handle.seek(limit)
    return _line_end(handle)


def _line_end(handle) -> int:
    """The offset just after the next newline from the handle's position (or the end)."""
    while True:
        at = handle.tell()
        block = handle.read(CHUNK_BYTES)
        if not block:
            return at
        newline = block.find(b"\n")
        if newline >= 0:
            return at + newline + 1


def _tasks(source, spool_dir: Path):
    """(spool file, source position, records) per JSONL block of about CHUNK_BYTES (per
    CHUNK_ROWS rows of a CSV, Parquet or HF source)."""
    spools = (spool_dir / f"{index:06d}" for index in itertools.count())
    paths = list(source.values()) if SOURCES else [source]
    for origin, path in enumerate(paths):
        fmt = SOURCES[origin]["format"] if SOURCES else schema.SOURCE_FORMAT
        if fmt != "jsonl":
            for chunk in _chunks(read_source(path, fmt), CHUNK_ROWS):
                yield next(spools), origin, chunk
            continue
        for block in _blocks(Path(path), count=schema.ID_FIELD is None):
            yield next(spools), origin, block


def _chunks(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _processed(tasks, audit: TokenAudit | None, workers: int):
    """(task, result) in source order; at most 2 x workers tasks in flight."""
    _set_audit(audit)
    if workers <= 1:
        for task in tasks:
            yield task, process_task(task)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    # The objects the workers inherit are left out of their garbage collections, which
    # would otherwise walk (and copy, page by page) the whole inherited heap.
    gc.freeze()
    try:
        with context.Pool(workers, initializer=_set_audit, initargs=(audit,)) as pool:
            in_flight: deque = deque()
            for task in tasks:
                in_flight.append((task, pool.apply_async(process_task, (task,))))
                if len(in_flight) >= 2 * workers:
                    task, result = in_flight.popleft()
                    yield task, result.get()
            while in_flight:
                task, result = in_flight.popleft()
                yield task, result.get()
            # Let the workers exit on their own (leaving the block terminates them):
            # whatever runs at a worker's exit (a profiler's or coverage's report) runs.
            pool.close()
            pool.join()
    finally:
        gc.unfreeze()


# ---------------------------------------------------------- the main process

PARTS = 64  # hash partitions of the ids and of the prompts; one is loaded at a time
# An id partition's entry: an accepted row (row >= 0; with its stratum), or a rejected
# row that has an id (row = -1 - its ordinal). Partition: from the top bits of the rank,
# so the partitions, read in order, give the ranks in order.
ID_ENTRY = np.dtype([("key", "V16"), ("row", "<i8"), ("stratum", "<i4")])
PROMPT_ENTRY = np.dtype([("key", "<u8"), ("row", "<i8")])  # partition: low bits of the CRC


class Ledger:
    """What the main process keeps while the workers run, in files under the spool
    directory rather than in memory: a ROW per accepted row, in source order
    (``rows``); the ids and the prompt keys, hash-partitioned (``ids-PP``,
    ``prompts-PP``); the reject records (``rejects``). In memory: per task a tuple,
    per stratum a code and a count, and the token-length problems."""

    def __init__(self, spool_dir: Path) -> None:
        self.dir = spool_dir
        self.tasks: list[tuple[Path, int, int]] = []  # spool file, first row, rows
        self.firsts: list[int] = []  # per task: its first row (for bisect)
        self.strata: dict[str, int] = {}  # stratum -> its code
        self.sizes = np.zeros(0, dtype=np.int64)  # accepted rows per stratum code
        self.too_long: list[tuple[int, str]] = []  # (row, message)
        self.records = self.rows = self.rejects = 0
        self.lines: dict[int, int] = {}  # per source: the lines of its blocks so far
        self.parts = [
            open(self.part(table, p), "wb") for table in ("ids", "prompts") for p in range(PARTS)
        ]
        self.reject_file = open(spool_dir / "rejects", "wb")
        self.row_file = open(spool_dir / "rows", "wb")

    def part(self, table: str, p: int) -> Path:
        return self.dir / f"{table}-{p:02d}"

    def add(self, task: tuple, result: dict) -> None:
        """Take in one task's result (tasks come in source order)."""
        spool, origin, records = task
        # A block's line numbers count from 0 when the lines before it were not known.
        offset = (
            self.lines.get(origin, 0) if not isinstance(records, list) and records[3] is None else 0
        )
        self.lines[origin] = self.lines.get(origin, 0) + result["lines"]
        rejected = []
        for position, line, row_id, reasons, key in result["rejects"]:
            ordinal = self.records + position
            record = {"row": row_label(origin, line + offset), "id": row_id, "reasons": reasons}
            self.reject_file.write(dumps([ordinal, record]) + b"\n")
            if key is not None:
                rejected.append((key, -1 - ordinal, -1))
        self.rejects += len(result["rejects"])
        rows = result["rows"]
        n = len(rows)
        rows["ordinal"] += self.records
        rows["line"] += offset
        rows["origin"] = origin
        rows["stratum"] = [
            self.strata.setdefault(stratum, len(self.strata)) for stratum in result["strata"]
        ]
        self.row_file.write(rows.tobytes())
        index = np.arange(self.rows, self.rows + n, dtype=np.int64)
        ids = np.concatenate([np.array(rejected, dtype=ID_ENTRY), np.empty(n, dtype=ID_ENTRY)])
        ids["key"][len(rejected) :] = rows["id_key"]
        ids["row"][len(rejected) :] = index
        ids["stratum"][len(rejected) :] = rows["stratum"]
        # The rank's top 32 bits scaled to PARTS: partitions in rank order.
        parts = (ranks_of(ids["key"]) >> np.uint64(32)) * np.uint64(PARTS) >> np.uint64(32)
        self._spread(0, parts, ids)
        prompts = np.empty(n, dtype=PROMPT_ENTRY)
        prompts["key"], prompts["row"] = rows["prompt_key"], index
        self._spread(PARTS, prompts["key"] % np.uint64(PARTS), prompts)
        counts = np.bincount(rows["stratum"], minlength=len(self.strata))
        self.sizes = np.pad(self.sizes, (0, len(counts) - len(self.sizes))) + counts
        for k, row_id, n_prompt, n_total in result["too_long"]:
            message = (
                f"row {row_label(origin, int(rows['line'][k]))} (id {row_id!r}): {n_total} tokens"
            )
            self.too_long.append(
                (self.rows + k, message + ("" if n_total > n_prompt else ", no completion tokens"))
            )
        self.tasks.append((spool, self.rows, n))
        self.firsts.append(self.rows)
        self.records += result["records"]
        self.rows += n

    def _spread(self, first: int, parts: np.ndarray, entries: np.ndarray) -> None:
        """Append each entry to its partition's file."""
        order = np.argsort(parts, kind="stable")
        bounds = np.searchsorted(parts[order], np.arange(PARTS + 1)).tolist()
        for p in range(PARTS):
            if bounds[p] < bounds[p + 1]:
                self.parts[first + p].write(entries[order[bounds[p] : bounds[p + 1]]].tobytes())

    def close(self) -> None:
        for file in (*self.parts, self.reject_file, self.row_file):
            file.close()

    def entries(self, table: str, p: int) -> np.ndarray:
        return np.fromfile(self.part(table, p), dtype=ID_ENTRY if table == "ids" else PROMPT_ENTRY)

    def task_rows(self, task: int) -> np.ndarray:
        """The ROWs of a task's accepted rows."""
        _, first, n = self.tasks[task]
        return np.fromfile(self.dir / "rows", dtype=ROW, count=n, offset=first * ROW.itemsize)

    def take(self, indices: np.ndarray) -> np.ndarray:
        """The ROWs of the accepted rows ``indices`` (sorted), reading only their tasks' files."""
        tasks = np.searchsorted(np.array(self.firsts, dtype=np.int64), indices, side="right") - 1
        parts = []
        for task in np.unique(tasks).tolist():
            first = self.tasks[task][1]
            parts.append(self.task_rows(task)[indices[tasks == task] - first])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=ROW)

    def spooled(self, index: int, gold: bool):
        """The chat (or gold) record of accepted row ``index``, read back from its spool."""
        task = bisect.bisect_right(self.firsts, index) - 1
        spool, first, _ = self.tasks[task]
        rows = self.task_rows(task)
        k = index - first
        offset = int(rows["chat_len"][:k].sum(dtype=np.int64))
        size = int(rows["chat_len"][k])
        if gold:
            offset = int(
                rows["chat_len"].sum(dtype=np.int64) + rows["gold_len"][:k].sum(dtype=np.int64)
            )
            size = int(rows["gold_len"][k])
        with open(spool, "rb") as handle:
            handle.seek(offset)
            return loads(handle.read(size))

    def reject_records(self):
        """(ordinal, record) per row rejected by a worker, in source order."""
        with open(self.dir / "rejects", "rb") as handle:
            for line in handle:
                ordinal, record = loads(line)
                yield ordinal, record


def _repeated(keys: np.ndarray) -> np.ndarray:
    """Which entries of an array of 64-bit keys share their key with another entry."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]
    shared = np.zeros(len(keys), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    result = np.empty(len(keys), dtype=bool)
    result[order] = shared
    return result


class Duplicates:
    """Repeated ids and prompt texts, found one hash partition at a time.

    In source order, a row is rejected when an earlier kept row has its id, or else
    its prompt text; a row rejected for other reasons is also told when an earlier
    kept row has its id. Only rows whose keys occur more than once are looked at one
    by one (after a sort of each partition); prompts with the same (fast, 64-bit) key
    are compared by their SHA-256, read back from the spool.

    ``dropped``: the accepted rows rejected as duplicates (sorted); ``rejects``:
    (ordinal, record) for them; ``notes``: ordinal -> the reason added to the record
    of a row rejected for other reasons; ``strata``: the dropped rows' strata.
    """

    def __init__(self, ledger: Ledger) -> None:
        rows, rejected = [], []
        for p in range(PARTS):
            ids = ledger.entries("ids", p)
            ids = ids[_repeated(ranks_of(ids["key"]))]  # (equal ids are checked in full below)
            rows.append(ids["row"][ids["row"] >= 0])
            rejected.append(ids[ids["row"] < 0])
            prompts = ledger.entries("prompts", p)
            rows.append(prompts["row"][_repeated(prompts["key"])])
        involved = np.unique(np.concatenate(rows))
        info = ledger.take(involved)
        rejected = np.concatenate(rejected)
        events = [
            (-1 - int(row), -1, key.tobytes())
            for row, key in zip(rejected["row"], rejected["key"], strict=True)
        ]
        events += [(int(ordinal), k, b"") for k, ordinal in enumerate(info["ordinal"].tolist())]
        self.rejects: list[tuple[int, dict]] = []
        self.notes: dict[int, str] = {}
        dropped = []
        first_id: dict[bytes, object] = {}  # id key -> row label
        first_prompt: dict[int, list] = {}  # prompt key -> [(row, row label), ...]
        prompts: dict[int, bytes] = {}  # row -> SHA-256 of its prompt, read back

        def prompt_of(index: int) -> bytes:
            if index not in prompts:
                messages = ledger.spooled(index, gold=False)["messages"]
                prompts[index] = hashlib.sha256(dumps(messages[:-1])).digest()
            return prompts[index]

        for ordinal, k, key in sorted(events):
            if k < 0:  # a row rejected for other reasons
                if key in first_id:
                    self.notes[ordinal] = f"duplicate id (first at row {first_id[key]})"
                continue
            index = int(involved[k])
            label = row_label(int(info["origin"][k]), int(info["line"][k]))
            id_key = info["id_key"][k].tobytes()
            prompt_key = int(info["prompt_key"][k])
            if id_key in first_id:
                reason = f"duplicate id (first at row {first_id[id_key]})"
            else:
                same = [
                    other
                    for other_index, other in first_prompt.get(prompt_key, ())
                    if prompt_of(other_index) == prompt_of(index)
                ]
                if not same:
                    first_id[id_key] = label
                    first_prompt.setdefault(prompt_key, []).append((index, label))
                    continue
                reason = f"same prompt text (first at row {same[0]})"
            dropped.append(k)
            record = {
                "row": label,
                "id": ledger.spooled(index, gold=True)["id"],
                "reasons": [reason],
            }
            self.rejects.append((ordinal, record))
        self.dropped = involved[dropped]
        self.strata = info["stratum"][dropped]

    def kept(self, first: int, n: int) -> np.ndarray:
        """Which of the accepted rows first .. first + n - 1 are kept."""
        return ~np.isin(np.arange(first, first + n, dtype=np.int64), self.dropped)


# -------------------------------------------------------------------- the step


def build(source, out: Path, tokenizer: str | None, workers: int = 1) -> dict:
    """Run the whole data step; return the statistics. Raises DataError.

    ``source``: the file (for data.sources: source name -> JSONL path).
    ``tokenizer=None`` skips the token audit; only the benchmarks do that, to time
    the audit apart. The command line always audits.
    """
    global _NAMED
    for name, path in source.items() if SOURCES else [(None, source)]:
        if isinstance(path, dict):  # a hub dataset: found when it is loaded
            continue
        if not (Path(path).is_dir() if _format_of(name) == "hf" else Path(path).is_file()):
            where = f"source {name!r}: " if SOURCES else "source "
            what = "dataset directory" if _format_of(name) == "hf" else "file"
            raise DataError(f"{where}{what} not found: {path}")
    _NAMED = None
    if not SOURCES and schema.SOURCE_FORMAT in ("parquet", "hf"):
        _NAMED = source_name(source)
    if workers > 1:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # the workers are the parallelism
    audit = TokenAudit(tokenizer) if tokenizer is not None else None  # before anything is written
    out.mkdir(parents=True, exist_ok=True)
    # The stamp goes first and comes back last: a run that fails leaves none, and the
    # steps after this one refuse the splits (pipeline/stamp.py).
    (out / "stats.json").unlink(missing_ok=True)
    spool_dir = out / ".spool"
    shutil.rmtree(spool_dir, ignore_errors=True)
    spool_dir.mkdir()
    try:
        return _build(source, out, spool_dir, tokenizer, audit, workers)
    finally:
        shutil.rmtree(spool_dir, ignore_errors=True)


def _format_of(name) -> str:
    """The format of source ``name`` (None: the spec's one source)."""
    if not SOURCES:
        return schema.SOURCE_FORMAT
    return next(entry["format"] for entry in SOURCES if entry["name"] == name)


def _build(
    source,
    out: Path,
    spool_dir: Path,
    tokenizer: str | None,
    audit: TokenAudit | None,
    workers: int,
) -> dict:
    ledger = Ledger(spool_dir)
    try:
        for task, result in _processed(_tasks(source, spool_dir), audit, workers):
            ledger.add(task, result)
    finally:
        ledger.close()
    duplicates = Duplicates(ledger)
    n_rows = ledger.records
    n_rejects, kinds = _write_rejects(out / "rejects.jsonl", ledger, duplicates)
    if n_rejects:
        print(f"data: {n_rejects} row(s) rejected, written to {out / 'rejects.jsonl'}:")
        for reason, count in sorted(kinds.items(), key=lambda item: (-item[1], item[0])):
            print(f"  {count:>6}  {reason}")
    problems = []
    if n_rows == 0:
        if SOURCES:
            named = ", ".join(map(str, source.values()))
        else:
            named = f"hub dataset {source['id']!r}" if isinstance(source, dict) else source
        problems.append(f"{named} has no rows")
    elif n_rejects / n_rows > schema.MAX_REJECT_SHARE:
        problems.append(
            f"{n_rejects} of {n_rows} rows rejected ({n_rejects / n_rows * 100:.3g}%), more than "
            f"the allowed {schema.MAX_REJECT_SHARE * 100:.3g}%; reasons in {out / 'rejects.jsonl'}"
        )
    dropped = set(duplicates.dropped.tolist())
    too_long = [message for index, message in ledger.too_long if index not in dropped]
    if too_long:
        problems.append(
            f"{len(too_long)} example(s) do not fit max_seq_length={schema.MAX_SEQ_LENGTH} "
            "(nothing is truncated; shorten them or raise model.max_seq_length):\n  "
            + "\n  ".join(too_long)
        )
    sizes = ledger.sizes - np.bincount(duplicates.strata, minlength=len(ledger.sizes))
    n_test, n_held = held_out(sizes.tolist(), list(ledger.strata), schema.SPLIT_RATIOS)
    if schema.BACKEND == "mlx":
        problems += _mlx_split_problems(sizes, n_held, n_test)
    if problems:
        raise DataError("\n".join(problems))

    cuts = cut_points(_rank_parts(ledger, duplicates), n_test, n_held)
    stats = _write_splits(out, ledger, duplicates, cuts)
    stats.update(
        {
            "source": {name: str(path) for name, path in source.items()}
            if SOURCES
            else (f"hub:{source['id']}" if isinstance(source, dict) else str(source)),
            "rows": n_rows,
            "accepted": ledger.rows - len(duplicates.dropped),
            "rejected": n_rejects,
            "tokenizer": tokenizer,
            "max_seq_length": schema.MAX_SEQ_LENGTH,
        }
    )
    stats["warnings"] = data_warnings(stats["splits"])  # what accept cannot measure
    _atomic_text(out / "stats.json", json.dumps(stats, indent=2, sort_keys=True) + "\n")
    return stats


def _mlx_split_problems(sizes, n_held, n_test) -> list[str]:
    """mlx-lm trains and evaluates whole batches: each split needs at least one."""
    problems = []
    counts = {
        "train": int(sizes.sum() - n_held.sum()),
        "valid": int(n_held.sum() - n_test.sum()),
        "test": int(n_test.sum()),
    }
    if counts["train"] < schema.BATCH_SIZE:
        problems.append(
            f"the train split has {counts['train']} examples, "
            f"fewer than batch_size={schema.BATCH_SIZE}"
        )
    for name in ("valid", "test"):
        if schema.SPLIT_RATIOS[name] > 0 and counts[name] < schema.BATCH_SIZE:
            problems.append(
                f"the {name} split has {counts[name]} examples, fewer than batch_size="
                f"{schema.BATCH_SIZE} (mlx-lm evaluates whole batches)"
            )
    return problems


def _rank_parts(ledger: Ledger, duplicates: Duplicates):
    """(ranks, rows, strata) of the kept rows, an id partition at a time: in rank order."""
    for p in range(PARTS):
        ids = ledger.entries("ids", p)
        ids = ids[ids["row"] >= 0]
        ids = ids[~np.isin(ids["row"], duplicates.dropped)]
        yield ranks_of(ids["key"]), ids["row"], ids["stratum"]


def _write_rejects(path: Path, ledger: Ledger, duplicates: Duplicates) -> tuple[int, dict]:
    """Write every reject record in source order (the workers' and the duplicates');
    return how many there are and how many rows each kind of problem rejected."""
    kinds: dict[str, int] = {}
    count = 0
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        merged = heapq.merge(
            ledger.reject_records(), duplicates.rejects, key=lambda reject: reject[0]
        )
        for ordinal, record in merged:
            if ordinal in duplicates.notes:
                record["reasons"].append(duplicates.notes[ordinal])
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            _count_kinds(kinds, record["reasons"])
            count += 1
    os.replace(tmp, path)
    return count, kinds


def _count_kinds(kinds: dict, reasons: list[str]) -> None:
    """Count each reason under its kind ("field: problem", values left out)."""
    for reason in reasons:
        kind = reason.split(" (")[0]
        kind = kind if len(kind) <= 60 else kind[:57] + "..."
        if "'" in kind:
            kind = kind.split("'")[0].rstrip() + " ..."
        kinds[kind] = kinds.get(kind, 0) + 1


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _copy(source: int, offset: int, target: int, target_offset: int, size: int) -> None:
    """Copy ``size`` bytes of file ``source`` from ``offset`` to file ``target`` at
    ``target_offset``: in the kernel (os.copy_file_range) where the system has it,
    else through a buffer."""
    global _COPY_IN_KERNEL
    while size > 0:
        done = 0
        if _COPY_IN_KERNEL:
            try:
                done = os.copy_file_range(source, target, size, offset, target_offset)
            except OSError:  # not between these files (some file systems): use a buffer
                _COPY_IN_KERNEL = False
        if not _COPY_IN_KERNEL:
            done = os.pwrite(target, os.pread(source, min(size, 1 << 24), offset), target_offset)
        if done <= 0:
            raise OSError(f"could not copy {size} bytes of a spool file")
        offset, target_offset, size = offset + done, target_offset + done, size - done


_COPY_IN_KERNEL = hasattr(os, "copy_file_range")


def _copy_task(spool: Path, chat_len, gold_len, codes, copies, files: list[int], at: list[int]):
    """Append one task's kept rows from its spool file to the split files (``at``: the
    files' ends, moved on), copying runs of rows bound for the same file at once."""
    n = len(chat_len)
    chat_at = np.concatenate(([0], np.cumsum(chat_len, dtype=np.int64))).tolist()
    gold_at = (chat_at[-1] + np.concatenate(([0], np.cumsum(gold_len, dtype=np.int64)))).tolist()
    codes, copies = codes.tolist(), copies.tolist()
    source = os.open(spool, os.O_RDONLY)
    try:
        k = 0
        while k < n:
            code, times, end = codes[k], copies[k], k + 1
            while end < n and times == 1 and codes[end] == code and copies[end] == 1:
                end += 1
            if code >= 0:
                for _ in range(times):
                    for file, starts in ((2 * code, chat_at), (2 * code + 1, gold_at)):
                        size = starts[end] - starts[k]
                        _copy(source, starts[k], files[file], at[file], size)
                        at[file] += size
            k = end
    finally:
        os.close(source)
    spool.unlink()


def _write_splits(out: Path, ledger: Ledger, duplicates: Duplicates, cuts) -> dict:
    """Copy each kept row's chat and gold lines from the spool files to its split's files
    (in the kernel, with os.copy_file_range, where the system has it), a task at a time,
    counting the statistics as they go."""
    targets = [out / f"{name}{suffix}" for name in SPLITS for suffix in (".jsonl", ".gold.jsonl")]
    tmp_paths = [target.with_name(target.name + ".tmp") for target in targets]
    balance = _balance(ledger, duplicates, cuts)
    counts = SplitCounts()
    by_source = mix.SourceCounts() if SOURCES else None
    files = [os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) for tmp in tmp_paths]
    at = [0] * len(files)
    try:
        for task, codes, rows in _coded(ledger, duplicates, cuts):
            copies = np.ones(len(codes), dtype=np.int64)  # every row once, unless:
            if balance is not None:
                copies *= balance.copies(codes, rows["labels"])
            if SOURCES:
                copies *= mix.copies(codes, rows["draw"], rows["origin"])
            _copy_task(
                ledger.tasks[task][0], rows["chat_len"], rows["gold_len"], codes, copies, files, at
            )
            counts.add(codes, rows, copies)
            if by_source is not None:
                by_source.add(codes, rows["origin"], copies)
    except BaseException:
        for tmp in tmp_paths:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        for file in files:
            os.close(file)
    stats = {"splits": counts.as_json()}
    for tmp, target in zip(tmp_paths, targets, strict=True):
        if stats["splits"][target.name.split(".")[0]]["examples"]:
            os.replace(tmp, target)
        else:
            tmp.unlink()
            target.unlink(missing_ok=True)
    if balance is not None:
        stats["splits"]["train"]["written_after_oversampling"] = counts.written
    if by_source is not None:
        stats["splits"]["train"]["written_after_mixing"] = counts.written
        stats["sources"] = by_source.as_json()
    return stats


def _balance(ledger: Ledger, duplicates: Duplicates, cuts):
    """labels.balance oversample: train rows per class, counted first (a class's share of
    copies depends on its size); None when the spec does not oversample."""
    if getattr(schema, "BALANCE", None) != "oversample":
        return None
    sizes = np.zeros(len(CATEGORY_VALUES[CATEGORY_FIELDS[0]]), dtype=np.int64)
    for _, codes, rows in _coded(ledger, duplicates, cuts):
        sizes += np.bincount(rows["labels"][codes == 0, 0], minlength=len(sizes))
    return Oversample(sizes)


def _coded(ledger: Ledger, duplicates: Duplicates, cuts):
    """(task, split code per row (-1: dropped), its ROWs) per task, in source order."""
    for task, (_, first, n) in enumerate(ledger.tasks):
        rows = ledger.task_rows(task)
        index = np.arange(first, first + n, dtype=np.int64)
        codes = codes_at(ranks_of(rows["id_key"]), index, rows["stratum"], cuts)
        codes[~duplicates.kept(first, n)] = -1
        yield task, codes, rows


class SplitCounts:
    """Per split: examples, histograms of token lengths, label counts; and the train
    examples written (repeats included). Their size does not grow with the rows."""

    def __init__(self) -> None:
        self.examples = [0] * len(SPLITS)
        self.tokens = [[np.zeros(0, dtype=np.int64) for _ in range(3)] for _ in SPLITS]
        self.labels = [
            [np.zeros(len(CATEGORY_VALUES[name]), dtype=np.int64) for name in CATEGORY_FIELDS]
            for _ in SPLITS
        ]
        self.written = 0

    def add(self, codes: np.ndarray, rows: np.ndarray, copies: np.ndarray) -> None:
        self.written += int(copies[codes == 0].sum())
        for code in range(len(SPLITS)):
            chosen = rows[codes == code]
            self.examples[code] += len(chosen)
            total, prompt = chosen["tokens"][:, 1], chosen["tokens"][:, 0]
            for k, values in enumerate((total, prompt, total - prompt)):
                self.tokens[code][k] = _add_counts(self.tokens[code][k], np.bincount(values))
            for k, counts in enumerate(self.labels[code]):
                counts += np.bincount(chosen["labels"][:, k], minlength=len(counts))

    def as_json(self) -> dict:
        splits = {}
        for code, name in enumerate(SPLITS):
            table = {}
            for field, counts in zip(CATEGORY_FIELDS, self.labels[code], strict=True):
                values = {
                    CATEGORY_NAMES[field][i]: count
                    for i, count in enumerate(counts.tolist())
                    if count
                }
                if values:
                    table[field] = dict(sorted(values.items()))
            total, prompt, completion = self.tokens[code]
            splits[name] = {
                "examples": self.examples[code],
                "tokens": _summary(total),
                "prompt_tokens": _summary(prompt),
                "completion_tokens": _summary(completion),
                "labels": dict(sorted(table.items())),
            }
        return splits


def _add_counts(counts: np.ndarray, more: np.ndarray) -> np.ndarray:
    """Two histograms (counts per value) added; the longer's length."""
    if len(more) > len(counts):
        counts, more = more.astype(np.int64), counts
    counts[: len(more)] += more
    return counts


def _summary(counts: np.ndarray) -> dict:
    """min, mean, 95th percentile (nearest rank) and max of values given by their histogram."""
    n = int(counts.sum())
    if not n:
        return {"min": None, "mean": None, "p95": None, "max": None}
    present = np.flatnonzero(counts)
    cumulative = np.cumsum(counts)
    p95 = int(np.searchsorted(cumulative, max(1, math.ceil(0.95 * n))))
    return {
        "min": int(present[0]),
        "mean": round(int((counts * np.arange(len(counts))).sum()) / n, 1),
        "p95": p95,
        "max": int(present[-1]),
    }


def print_stats(stats: dict) -> None:
    print(
        f"rows {stats['rows']}: {stats['accepted']} accepted, {stats['rejected']} rejected "
        f"(tokenizer {stats['tokenizer']}, max_seq_length {stats['max_seq_length']})"
    )
    print(f"{'split':<6} {'examples':>8} {'tokens min':>10} {'mean':>8} {'p95':>6} {'max':>6}")
    for name, entry in stats["splits"].items():
        t = entry["tokens"]
        cells = ["-" if t[k] is None else str(t[k]) for k in ("min", "mean", "p95", "max")]
        print(
            f"{name:<6} {entry['examples']:>8} "
            f"{cells[0]:>10} {cells[1]:>8} {cells[2]:>6} {cells[3]:>6}"
        )
    for field in schema.FIELDS:
        if field["type"] not in ("categorical", "boolean"):
            continue
        parts = []
        for name, entry in stats["splits"].items():
            counts = entry["labels"].get(field["name"])
            if counts:
                parts.append(f"{name} " + ", ".join(f"{k}={v}" for k, v in counts.items()))
        print(f"  {field['name']}: " + " | ".join(parts))
    for name, entry in stats.get("sources", {}).items():
        rows = ", ".join(f"{split} {count}" for split, count in entry["rows"].items())
        print(
            f"  source {name} (weight {entry['weight']:g}): {rows}; {entry['train_written']} train "
            f"examples written, {entry['share_of_train']:.1%} of the train mix"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    if not SOURCES and HUB is None:
        parser.add_argument("--source", type=Path, default=ROOT / schema.SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--tokenizer", default=schema.TOKENIZER)
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="processes that check and measure rows (default: one per core, at most 8)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        source = default_sources() if SOURCES or HUB is not None else args.source
        stats = build(source, args.out, args.tokenizer, args.workers)
    except DataError as exc:
        print(f"data: FAILED\n{exc}", file=sys.stderr)
        return 1
    print_stats(stats)
    for warning in stats.get("warnings", []):
        print(f"data: WARNING: {warning}", file=sys.stderr)
    print(f"data: wrote {args.out} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
