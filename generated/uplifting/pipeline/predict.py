# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/predict.py
"""Step 5, predict: the accepted model over a whole corpus, every row accounted for.

    python -m pipeline.predict INPUT [--out DIR] [--engine local|server|vllm]
        [--server URL] [--model NAME_OR_DIR] [--adapter DIR] [--concurrency N]
        [--batch-size N] [--checkpoint-every N] [--max-context N] [--tokenizer DIR]

INPUT is JSONL or CSV (by its suffix) with the spec's input fields; other columns are
kept, and labels, where a row has them, are scored too. Each row is checked as the
data step checks its inputs and rendered with the training prompt byte for byte; a
row that fails a check, or whose prompt plus max_new_tokens is longer than the
context (--max-context, default the training MAX_SEQ_LENGTH, measured with the
model's tokenizer and chat template), goes to rejects.jsonl with its reason: nothing
is cut and nothing is dropped in silence.

Engines (pipeline/engine.py, eval's too): local (transformers in batches with left
padding, or mlx-lm, or the regression head), server (an OpenAI-compatible server,
--concurrency requests in flight, retries, the key from $OPENAI_API_KEY), vllm
(vLLM offline). Output in --out (default work/predict/<input name>/):
predictions.jsonl and predictions.csv (the row's own columns, then one column per
label field in the schema's order, then parse_status, parse_problems and finish;
the JSONL also has the raw answer), rejects.jsonl, summary.json and summary.md (the
missing rate per field: unparseable, not answered, N/A or rejected, judged against
the spec's predict thresholds).

Resume: lines are written in input order as answers come, and every
--checkpoint-every rows the files are fsynced and checkpoint.json records how far
they are good. A killed run started again truncates to the checkpoint and goes on
(a server's answers are cached in cache.sqlite, so they are not asked again); the
final files are the same bytes as an uninterrupted run's, whatever the concurrency
or batch size, and appear (renamed from .part files) only when the run is complete.

Exit status: 0 PASS, 3 REVIEW, 4 FAIL (accept's codes, for the missing-rate gate),
1 the engine failed (run again to resume), 2 bad input or arguments.
"""

import argparse
import csv
import io
import json
import os
import sys
import time
from collections import deque
from pathlib import Path

from . import accept, engine, schema
from .data import DataError, check_inputs, decode_line, load_tokenizer
from .inference import ENGINES, Options
from .labels import check_labels
from .parse import parse
from .paths import MISSING, PathError, value_at
from .prompts import prompt_messages

ROOT = Path(__file__).resolve().parent.parent
FILES = ("predictions.jsonl", "predictions.csv", "rejects.jsonl")
STATE = "checkpoint.json"
TOKEN_CHUNK = 256  # rows per tokenizer call
BYTE_MARGIN = 8  # tokens a template may add beyond one per byte (prefix markers)
NA = getattr(schema, "NA_TOKEN", None) or "N/A"
TAIL = ("parse_status", "parse_problems", "finish")


class PredictError(Exception):
    """The input or the output directory cannot be used; the message says what to do."""


# ----------------------------------------------------------------- reading


def input_kind(path: Path) -> str:
    if path.suffix.lower() in (".parquet", ".arrow") or path.is_dir():
        raise PredictError(
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
                raise PredictError(f"{path}: no header line")
            repeated = sorted({c for c in header if header.count(c) > 1})
            if repeated:
                raise PredictError(f"{path}: columns repeated in the header: {repeated}")
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
            for number, record in enumerate(reader, start=2):
                if None in record:
                    yield number, None, "row has more values than the header has columns"
                elif any(isinstance(v, str) and _bad_utf8(v) for v in record.values()):
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


def _bad_utf8(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def gold_of(row: dict) -> dict | None:
    """The row's labels where it has valid ones (scored in the summary), else None."""
    if schema.KIND == "distillation":
        present = row.get(schema.OUTPUT_FIELD) is not None
        source = row
    else:
        try:
            source = value_at(row, schema.LABELS_KEY) if schema.LABELS_KEY else row
            present = isinstance(source, dict) and any(
                value_at(source, f["path"] or f["name"], MISSING) is not MISSING
                for f in schema.FIELDS
            )
        except PathError:
            return None
    if not present:
        return None
    labels, problems = check_labels(source)
    return None if problems else labels


class Prepared:
    """Rows checked, rendered and measured, in input order (``skip`` records left out)."""

    def __init__(self, path: Path, skip: int, tokenizer, context: int, max_new: int):
        self.path, self.skip = path, skip
        self.tokenizer, self.context, self.max_new = tokenizer, context, max_new
        self.backend = getattr(tokenizer, "backend_tokenizer", None)
        self.fit_by_bytes = 0  # prompts short enough in bytes not to need encoding

    def __iter__(self):
        chunk = []
        for seq, (number, row, problem) in enumerate(records(self.path)):
            if seq < self.skip:
                continue
            item = {"seq": seq, "number": number, "row": row, "problem": problem}
            if problem is None:
                inputs, problems = check_inputs(row)
                if problems:
                    item["problem"] = "; ".join(problems)
                else:
                    try:
                        item["messages"] = prompt_messages(inputs)
                    except Exception as exc:  # the sandbox's limits, a template error
                        item["problem"] = f"prompt: {type(exc).__name__}: {exc}"[:300]
                    item["gold"] = gold_of(row)
            chunk.append(item)
            if len(chunk) >= TOKEN_CHUNK:
                yield from self._measured(chunk)
                chunk = []
        yield from self._measured(chunk)

    def _measured(self, chunk: list[dict]):
        todo = [item for item in chunk if item["problem"] is None]
        if todo:
            texts = self.tokenizer.apply_chat_template(
                [item["messages"] for item in todo], tokenize=False, add_generation_prompt=True
            )
            # A token covers at least one byte of the text (byte-level BPE; SentencePiece
            # pieces are whole characters, plus at most a prefix marker): a prompt whose
            # bytes fit with room to spare fits, and only the others are encoded.
            room = self.context - self.max_new - BYTE_MARGIN
            sure = [len(t.encode("utf-8")) <= room for t in texts]
            self.fit_by_bytes += sum(sure)
            todo = [item for item, ok in zip(todo, sure, strict=True) if not ok]
            texts = [text for text, ok in zip(texts, sure, strict=True) if not ok]
        if todo:
            if self.backend is not None:
                lengths = [
                    len(e.ids) for e in self.backend.encode_batch(texts, add_special_tokens=False)
                ]
            else:
                lengths = [
                    len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]
                ]
            for item, n in zip(todo, lengths, strict=True):
                if n + self.max_new > self.context:
                    item["problem"] = (
                        f"too long: the prompt is {n} tokens, and with max_new_tokens "
                        f"{self.max_new} it passes the context of {self.context} tokens "
                        f"(--max-context)"
                    )
        yield from chunk


# ----------------------------------------------------------------- writing


def columns_of(input_columns: list[str]) -> tuple[dict, dict]:
    """(field -> its column, tail name -> its column): a name the input already has
    gets the prefix predicted_ (the input's own column is kept as it is)."""
    taken = set(input_columns)

    def free(name: str) -> str:
        while name in taken:
            name = "predicted_" + name
        taken.add(name)
        return name

    return {f: free(f) for f in schema.FIELD_NAMES}, {t: free(t) for t in (*TAIL, "answer")}


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def new_counts() -> dict:
    return {
        "rows": 0,
        "answered": 0,
        "rejected": 0,
        "reject_reasons": {},
        "status": {},
        "finish": {},
        "missing": dict.fromkeys(schema.FIELD_NAMES, 0),
        "na": dict.fromkeys(schema.FIELD_NAMES, 0),
        "completion_tokens": 0,
        "gold_rows": 0,
        "correct": dict.fromkeys(schema.FIELD_NAMES, 0),
    }


class Writer:
    """The three .part files, in input order, and the counts behind the summary."""

    def __init__(self, out: Path, input_columns: list[str], counts: dict, sizes: dict | None):
        self.out = out
        self.input_columns = input_columns
        self.fields, self.tail = columns_of(input_columns)
        self.counts = counts
        self.handles = {}
        for name in FILES:
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
        if sizes is None:
            header = [*input_columns, *self.fields.values(), *(self.tail[t] for t in TAIL)]
            self._csv_row(header)

    def _csv_row(self, values: list) -> None:
        self.csv.writerow(values)
        self.handles["predictions.csv"].write(
            self.csv_buffer.getvalue().encode("utf-8", "surrogateescape")
        )
        self.csv_buffer.seek(0)
        self.csv_buffer.truncate()

    def answer(self, item: dict, answer: dict) -> None:
        row, output = item["row"], answer.get("output")
        parsed = parse(output)
        record = dict(row)
        c = self.counts
        for name, column in self.fields.items():
            value = parsed.values.get(name)
            if name not in parsed.values:
                c["missing"][name] += 1
            elif value is None:
                c["na"][name] += 1
                value = NA
            record[column] = value
        record[self.tail["parse_status"]] = parsed.status
        record[self.tail["parse_problems"]] = parsed.problems
        record[self.tail["finish"]] = answer.get("finish")
        self._csv_row(
            [cell(row.get(k)) for k in self.input_columns]
            + [cell(record[k]) for k in self.fields.values()]
            + [cell(record[self.tail[t]]) for t in TAIL]
        )
        record[self.tail["answer"]] = output
        self.handles["predictions.jsonl"].write(_line(record))
        c["rows"] += 1
        c["answered"] += 1
        c["status"][parsed.status] = c["status"].get(parsed.status, 0) + 1
        finish = str(answer.get("finish"))
        c["finish"][finish] = c["finish"].get(finish, 0) + 1
        c["completion_tokens"] += int(answer.get("tokens") or 0)
        gold = item.get("gold")
        if gold is not None:
            c["gold_rows"] += 1
            for name in schema.FIELD_NAMES:
                if name in parsed.values and parsed.values[name] == gold.get(name):
                    c["correct"][name] += 1

    def reject(self, item: dict) -> None:
        row = item["row"]
        record = {"row": item["number"], "reason": item["problem"]}
        if row is not None:
            record["input"] = row
        self.handles["rejects.jsonl"].write(_line(record))
        c = self.counts
        c["rows"] += 1
        c["rejected"] += 1
        kind = item["problem"].split(":")[0]
        c["reject_reasons"][kind] = c["reject_reasons"].get(kind, 0) + 1

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


def _line(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "surrogateescape")


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


# ----------------------------------------------------------------- summary


def summary(counts: dict, input_path: str, thresholds: dict = None) -> dict:
    thresholds = thresholds or schema.PREDICT_MISSING_RATE
    rows = counts["rows"]
    rates = {}
    for name in schema.FIELD_NAMES:
        # Missing: no value read, N/A, or the row was rejected (it has no answer).
        lost = counts["missing"][name] + counts["na"][name] + counts["rejected"]
        rates[f"missing_rate.{name}"] = round(lost / rows, 6) if rows else None
    rules = [
        {
            "metric": metric,
            "pass": thresholds["pass"],
            "review": thresholds["review"],
            "higher_is_better": False,
        }
        for metric in rates
    ]
    reasons = {metric: "no rows were read" for metric, value in rates.items() if value is None}
    gate = accept.judge(rates, rules, reasons)
    accuracy = {}
    if counts["gold_rows"]:
        accuracy = {
            name: round(counts["correct"][name] / counts["gold_rows"], 6)
            for name in schema.FIELD_NAMES
        }
    return {
        "input": input_path,
        "rows": rows,
        "answered": counts["answered"],
        "rejected": counts["rejected"],
        "reject_reasons": dict(sorted(counts["reject_reasons"].items())),
        "parse_status": dict(sorted(counts["status"].items())),
        "finish": dict(sorted(counts["finish"].items())),
        "completion_tokens": counts["completion_tokens"],
        "missing": counts["missing"],
        "na": counts["na"],
        "missing_rate": {m.split(".", 1)[1]: v for m, v in rates.items()},
        "labelled_rows": counts["gold_rows"],
        "accuracy": accuracy,
        "decision": gate["decision"],
        "gate": gate["rules"],
    }


def summary_md(result: dict) -> str:
    lines = [
        f"# Predict: {schema.PROJECT}: {result['decision']}",
        "",
        f"{result['rows']} rows read from {result['input']}: {result['answered']} answered, "
        f"{result['rejected']} rejected (rejects.jsonl).",
        "",
        "Parse status: "
        + (", ".join(f"{k} {v}" for k, v in result["parse_status"].items()) or "none"),
        "",
    ]
    if result["reject_reasons"]:
        lines += ["Rejected rows by reason:", ""]
        lines += [f"- {k}: {v}" for k, v in result["reject_reasons"].items()] + [""]
    lines += [
        "Missing rate per field (no value read, N/A, or the row rejected):",
        "",
        accept.table({"rules": result["gate"]}),
        "",
    ]
    if result["accuracy"]:
        lines += [f"Rows with labels: {result['labelled_rows']}; exact-match rate per field:", ""]
        lines += ["| field | rate |", "| --- | --- |"]
        lines += [f"| {k} | {v:.4f} |" for k, v in result["accuracy"].items()] + [""]
    return "\n".join(lines)


# -------------------------------------------------------------------- run


def run(
    input_path: Path,
    out: Path,
    opts: Options,
    *,
    every: int,
    context: int,
    tokenizer,
    stream=None,
) -> dict:
    """Predict every row of ``input_path`` into ``out``; the summary. ``stream``: the
    engine (default pipeline/engine.py's; pipeline/predict_ray.py passes Ray's)."""
    stream = stream or engine.stream
    out.mkdir(parents=True, exist_ok=True)
    state_path = out / STATE
    size = input_path.stat().st_size
    identity = {
        "input": str(input_path.resolve()),
        "input_bytes": size,
        "engine": opts.engine,
        "model": opts.model,
        "adapter": None if opts.adapter is None else str(opts.adapter),
        "max_new_tokens": opts.max_new_tokens,
        "context": context,
    }
    state = None
    if state_path.exists():
        state = json.loads(state_path.read_text(encoding="utf-8"))
        different = {
            k: (state["run"].get(k), v) for k, v in identity.items() if state["run"].get(k) != v
        }
        if different:
            raise PredictError(
                f"{out} holds an unfinished run with other settings "
                f"({', '.join(f'{k}: {a!r} then, {b!r} now' for k, (a, b) in different.items())}); "
                "run it again as it was to finish it, or choose another --out"
            )
    elif (out / "summary.json").exists():
        print(f"predict: {out} holds a finished run (summary.json); delete it to run again")
        return json.loads((out / "summary.json").read_text(encoding="utf-8"))
    columns, total = scan(input_path)
    skip = state["records"] if state else 0
    counts = state["counts"] if state else new_counts()
    writer = Writer(out, columns, counts, state["bytes"] if state else None)
    if state:
        print(f"predict: resuming after {skip} of {total} rows (checkpoint.json)")

    def checkpoint(done: int) -> None:
        sizes = writer.sync()
        record = {"run": identity, "records": done, "bytes": sizes, "counts": counts}
        atomic_write(state_path, json.dumps(record, sort_keys=True) + "\n")

    if not state:
        checkpoint(0)
    prepared = Prepared(input_path, skip, tokenizer, context, opts.max_new_tokens)
    rejects: deque = deque()

    def asks():
        for item in prepared:
            if item["problem"] is None:
                yield item
            else:
                rejects.append(item)

    bar = _bar(total, skip)
    started, tokens_before, since = time.perf_counter(), counts["completion_tokens"], 0
    done = skip
    try:
        for item, answer in stream(asks(), opts):
            while rejects and rejects[0]["seq"] < item["seq"]:
                writer.reject(rejects.popleft())
            writer.answer(item, answer)
            moved = item["seq"] + 1 - done
            done = item["seq"] + 1
            since += moved
            bar.update(moved)
            if since >= every:
                checkpoint(done)
                since = 0
                rate = (counts["completion_tokens"] - tokens_before) / (
                    time.perf_counter() - started
                )
                bar.set_postfix_str(f"{rate:.0f} tokens/s", refresh=False)
        while rejects:
            writer.reject(rejects.popleft())
        bar.update(total - done)
        done = total
        checkpoint(done)
    finally:
        bar.close()
        writer.close()
    elapsed = time.perf_counter() - started
    ran = done - skip
    print(
        f"predict: {ran} rows in {elapsed:.1f}s ({ran / max(elapsed, 1e-9):.1f} rows/s, "
        f"{(counts['completion_tokens'] - tokens_before) / max(elapsed, 1e-9):.0f} tokens/s)"
    )
    result = summary(counts, str(input_path))
    for name in FILES:
        part = out / (name + ".part")
        if part.exists():
            os.replace(part, out / name)
    atomic_write(out / "summary.json", json.dumps(result, indent=2, sort_keys=True) + "\n")
    atomic_write(out / "summary.md", summary_md(result))
    state_path.unlink()
    return result


def _bar(total: int, initial: int):
    from tqdm import tqdm

    return tqdm(
        total=total, initial=initial, unit="row", desc="predict", disable=None, smoothing=0.05
    )


def main(argv=None, stream=None, description: str | None = None) -> int:
    parser = argparse.ArgumentParser(description=description or __doc__.splitlines()[0])
    parser.add_argument("input", type=Path, help="JSONL or CSV rows with the spec's inputs")
    parser.add_argument("--out", type=Path, default=None, help="default work/predict/<input name>")
    parser.add_argument(
        "--engine", choices=ENGINES, default=None, help="default: server with --server, else local"
    )
    parser.add_argument("--server", default=None, help="an OpenAI-compatible server's URL")
    parser.add_argument(
        "--model", default=None, help="a merged model (local, vllm) or the served model's name"
    )
    parser.add_argument("--adapter", type=Path, default=ROOT / "work" / "adapters")
    parser.add_argument("--concurrency", type=int, default=64, help="server: requests in flight")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="local: prompts per batch; vllm: per call"
    )
    parser.add_argument("--checkpoint-every", type=int, default=schema.PREDICT_CHECKPOINT_EVERY)
    parser.add_argument("--max-context", type=int, default=schema.MAX_SEQ_LENGTH)
    parser.add_argument(
        "--tokenizer", default=schema.TOKENIZER, help="the model's tokenizer (a local copy)"
    )
    parser.add_argument("--api-key-env", default="OPENAI_API_KEY")
    parser.add_argument("--retries", type=int, default=5, help="server: retries per request")
    parser.add_argument("--tensor-parallel", type=int, default=1, help="vllm: GPUs per engine")
    args = parser.parse_args(argv)
    engine_kind = args.engine or ("server" if args.server else "local")
    if min(args.concurrency, args.checkpoint_every, args.max_context, args.batch_size or 1) < 1:
        print(
            "predict: --concurrency, --batch-size, --checkpoint-every and --max-context "
            "must be positive",
            file=sys.stderr,
        )
        return 2
    if not args.input.is_file():
        print(f"predict: input file not found: {args.input}", file=sys.stderr)
        return 2
    adapter = args.adapter
    if engine_kind != "server" and args.model is None and not adapter.exists():
        print(
            f"predict: no adapter at {adapter}: train first (make train), or give --adapter DIR, "
            "or --model DIR for a merged model",
            file=sys.stderr,
        )
        return 2
    opts = Options(
        engine=engine_kind,
        adapter=None if engine_kind == "server" else adapter,
        model=args.model,
        server=args.server,
        concurrency=args.concurrency,
        batch_size=args.batch_size or (256 if engine_kind == "vllm" else schema.EVAL_BATCH_SIZE),
        cache=None,
        api_key_env=args.api_key_env,
        retries=args.retries,
        tensor_parallel=args.tensor_parallel,
    )
    out = args.out or ROOT / "work" / "predict" / args.input.stem
    if engine_kind == "server":  # answers kept on disk: a rerun or a resume asks nothing twice
        opts = Options(**{**opts.__dict__, "cache": out / "cache.sqlite"})
    try:
        tokenizer = load_tokenizer(args.tokenizer)
        result = run(
            args.input,
            out,
            opts,
            every=args.checkpoint_every,
            context=args.max_context,
            tokenizer=tokenizer,
            stream=stream,
        )
    except (PredictError, DataError) as exc:
        print(f"predict: {exc}", file=sys.stderr)
        return 2
    print(summary_md(result), end="")
    return accept.EXIT[result["decision"]]


if __name__ == "__main__":
    sys.exit(main())
