# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/predict.py
"""Step 5, predict: the accepted model over a whole corpus, every row accounted for.

    python -m pipeline.predict INPUT [--out DIR] [--engine local|server|vllm]
        [--server URL] [--model NAME_OR_DIR] [--adapter DIR] [--concurrency N]
        [--batch-size N] [--checkpoint-every N] [--max-context N] [--tokenizer DIR]
        [--confidence]

INPUT is JSONL or CSV (by its suffix) with the spec's input fields; other columns are
kept, and labels, where a row has them, are scored too. Each row is checked as the
data step checks its inputs and rendered with the training prompt byte for byte; a
row that fails a check, or whose prompt plus max_new_tokens is longer than the
context (--max-context, default the training MAX_SEQ_LENGTH, measured with the
model's tokenizer and chat template), goes to rejects.jsonl with its reason: nothing
is cut and nothing is dropped in silence.

Engines (pipeline/engine.py, eval's too): local (transformers in batches with left
padding, or mlx-lm, or a head route's head), server (an OpenAI-compatible server,
--concurrency requests in flight, retries, the key from $OPENAI_API_KEY), vllm
(vLLM offline). Output in --out (default work/predict/<input name>/):
predictions.jsonl and predictions.csv (the row's own columns, then one column per
label field in the schema's order, then parse_status, parse_problems and finish;
the JSONL also has the raw answer; with --confidence, a <field>_confidence column per
field after the fields: the probability the model gave its value's tokens, see
pipeline/confidence.py), rejects.jsonl, summary.json and summary.md (the
missing rate per field: unparseable, not answered, N/A or rejected, judged against
the spec's predict thresholds).

Resume: lines are written in input order as answers come, and every
--checkpoint-every rows the files are fsynced and checkpoint.json records how far
they are good. A killed run started again truncates to the checkpoint and goes on
(a server's answers are cached in cache.sqlite, so they are not asked again; the
local and vllm engines answer again the batch the checkpoint fell in, so that each
batch holds the same rows as in an uninterrupted run); the final files are the same
bytes as an uninterrupted run's whatever the concurrency, and appear (renamed from
.part files) only when the run is complete. The batch size is part of the result:
in floating point a batch's padding can change a greedy answer where two tokens'
scores are within rounding of each other (1 row of 1,024 on the tiny random test
model, between batches of 1 and 16), so a resumed run keeps its --batch-size.

Exit status: 0 PASS, 3 REVIEW, 4 FAIL (accept's codes, for the missing-rate gate),
1 the engine failed (run again to resume), 2 bad input or arguments.
"""

import argparse
import sys
from pathlib import Path

from . import accept, confidence, constrain, corpus, engine, schema
from .corpus import CorpusError, cell, line, records
from .data import DataError, check_inputs, load_tokenizer
from .inference import ENGINES, Options
from .labels import check_labels, gold_source
from .parse import parse
from .prompts import ADD_SPECIAL_TOKENS, model_texts, prompt_messages

ROOT = Path(__file__).resolve().parent.parent
TOKEN_CHUNK = 256  # rows per tokenizer call
BYTE_MARGIN = 8  # tokens a template may add beyond one per byte (prefix markers)
NA = getattr(schema, "NA_TOKEN", None) or "N/A"
TAIL = ("parse_status", "parse_problems", "finish")


# ----------------------------------------------------------------- reading


def gold_of(row: dict) -> dict | None:
    """The row's labels where it has valid ones (scored in the summary), else None."""
    source = gold_source(row)
    if source is None:
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
            texts = model_texts(self.tokenizer, [item["messages"] for item in todo])
            # A token covers at least one byte of the text (byte-level BPE; SentencePiece
            # pieces are whole characters, plus at most a prefix marker): a prompt whose
            # bytes fit with room to spare fits, and only the others are encoded.
            room = self.context - self.max_new - BYTE_MARGIN
            sure = [len(t.encode("utf-8")) <= room for t in texts]
            self.fit_by_bytes += sum(sure)
            todo = [item for item, ok in zip(todo, sure, strict=True) if not ok]
            texts = [text for text, ok in zip(texts, sure, strict=True) if not ok]
        if todo:
            special = ADD_SPECIAL_TOKENS
            if self.backend is not None:
                lengths = [
                    len(e.ids) for e in self.backend.encode_batch(texts, add_special_tokens=special)
                ]
            else:
                lengths = [
                    len(ids)
                    for ids in self.tokenizer(texts, add_special_tokens=special)["input_ids"]
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


def new_counts() -> dict:
    return {
        **corpus.new_counts(),
        "status": {},
        "finish": {},
        "missing": dict.fromkeys(schema.FIELD_NAMES, 0),
        "na": dict.fromkeys(schema.FIELD_NAMES, 0),
        "gold_rows": 0,
        "correct": dict.fromkeys(schema.FIELD_NAMES, 0),
    }


class Writer(corpus.Results):
    """The row's own columns, then one column per label field, then (``confidence``)
    one per field with its confidence, then the parse status."""

    def __init__(self, out: Path, input_columns: list[str], counts, sizes, confidence=False):
        self.fields, self.confidence, self.tail = corpus.new_columns(
            input_columns,
            schema.FIELD_NAMES,
            [f"{name}_confidence" for name in schema.FIELD_NAMES] if confidence else [],
            [*TAIL, "answer"],
        )
        super().__init__(out, input_columns, counts or new_counts(), sizes)

    def header(self) -> list[str]:
        return [
            *self.input_columns,
            *self.fields.values(),
            *self.confidence.values(),
            *(self.tail[t] for t in TAIL),
        ]

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
        if self.confidence:
            found = confidence.fields(output, answer.get("logprobs"))
            for name, column in zip(schema.FIELD_NAMES, self.confidence.values(), strict=True):
                record[column] = found[name] if name in parsed.values else None
        record[self.tail["parse_status"]] = parsed.status
        record[self.tail["parse_problems"]] = parsed.problems
        record[self.tail["finish"]] = answer.get("finish")
        self.files.csv_row(
            "predictions.csv",
            [cell(row.get(k)) for k in self.input_columns]
            + [cell(record[k]) for k in self.fields.values()]
            + [cell(record[k]) for k in self.confidence.values()]
            + [cell(record[self.tail[t]]) for t in TAIL],
        )
        record[self.tail["answer"]] = output
        self.files.write("predictions.jsonl", line(record))
        self.counted(answer)
        c["status"][parsed.status] = c["status"].get(parsed.status, 0) + 1
        finish = str(answer.get("finish"))
        c["finish"][finish] = c["finish"].get(finish, 0) + 1
        gold = item.get("gold")
        if gold is not None:
            c["gold_rows"] += 1
            for name in schema.FIELD_NAMES:
                if name in parsed.values and parsed.values[name] == gold.get(name):
                    c["correct"][name] += 1


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
    # The engines that batch answer in blocks of rows, and the block size is part of
    # the result (a server answers each row alone).
    batch = None if opts.engine == "server" else opts.batch_size
    identity = {
        "input": str(input_path.resolve()),
        "input_bytes": input_path.stat().st_size,
        "engine": opts.engine,
        "model": opts.model,
        "adapter": None if opts.adapter is None else str(opts.adapter),
        "max_new_tokens": opts.max_new_tokens,
        "context": context,
        "confidence": opts.logprobs,
        "constrained": opts.constrained,
        "batch_size": batch,
    }

    def summarize(counts: dict) -> tuple[dict, str]:
        result = summary(counts, str(input_path))
        result["constrained"] = opts.constrained  # answers held to the label schema
        return result, summary_md(result)

    return corpus.run(
        input_path,
        out,
        identity,
        results=lambda columns, counts, sizes: Writer(out, columns, counts, sizes, opts.logprobs),
        prepare=lambda skip: Prepared(input_path, skip, tokenizer, context, opts.max_new_tokens),
        stream=lambda items: stream(items, opts),
        every=every,
        summarize=summarize,
        align=batch or 1,
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
    parser.add_argument(
        "--confidence",
        action="store_true",
        help="a <field>_confidence column per field, from the tokens' log-probabilities",
    )
    constrain.add_options(parser, schema.PREDICT_CONSTRAINED)
    args = parser.parse_args(argv)
    engine_name = args.engine or ("server" if args.server else "local")
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
    if engine_name != "server" and args.model is None and not adapter.exists():
        print(
            f"predict: no adapter at {adapter}: train first (make train), or give --adapter DIR, "
            "or --model DIR for a merged model",
            file=sys.stderr,
        )
        return 2
    opts = Options(
        engine=engine_name,
        adapter=None if engine_name == "server" else adapter,
        model=args.model,
        server=args.server,
        concurrency=args.concurrency,
        batch_size=args.batch_size or (256 if engine_name == "vllm" else schema.EVAL_BATCH_SIZE),
        cache=None,
        api_key_env=args.api_key_env,
        retries=args.retries,
        tensor_parallel=args.tensor_parallel,
        logprobs=args.confidence,
        constrained=args.constrained,
        constrain_with=args.constrain_with,
    )
    out = args.out or ROOT / "work" / "predict" / args.input.stem
    if engine_name == "server":  # answers kept on disk: a rerun or a resume asks nothing twice
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
    except (CorpusError, DataError) as exc:
        print(f"predict: {exc}", file=sys.stderr)
        return 2
    print(summary_md(result), end="")
    return accept.EXIT[result["decision"]]


if __name__ == "__main__":
    sys.exit(main())
