# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/pipeline/predict.py
"""Step 5, predict: the accepted model continues many prompts, every row accounted for.

    python -m pipeline.predict [INPUT] [--column NAME] [--out DIR]
        [--adapter DIR | --base | --model DIR] [--samples N] [--max-new-tokens N]
        [--temperature T] [--seed N] [--checkpoint-every N] [--max-context N]
        [--engine local|server|vllm] [--server URL] [--concurrency N] [--api-key-env NAME]
        [--batch-size N] [--tensor-parallel N]

INPUT is JSONL or CSV with a column of prompts (--column, default "prompt"); the
row's other columns are kept. Without INPUT, the spec's style prompts are continued
(written first to work/predict/style-prompts.jsonl, the run's input file).

Each prompt is continued --samples times (default SAMPLES_PER_PROMPT), greedy at
temperature 0, else sampled with the seed plus the row's index: a resumed run gives
the same text as an uninterrupted one. Engines:
- local (default): the model and adapter eval uses (pipeline/textgen.py);
- server (default with --server): any OpenAI-compatible server's text completions
  (`vllm serve` with the adapter or the merged model, see `make serve`), --concurrency
  requests in flight, retries with backoff, the key from $OPENAI_API_KEY
  (--api-key-env), every answer kept in <out>/cache.sqlite so a rerun or a resumed
  run asks nothing twice (pipeline/llm.py). Sample k of row i is asked with the seed
  (seed + i) x samples + k; at temperature 0 one greedy answer stands for every sample;
- vllm: vLLM offline in this process (``vllm.LLM`` with prefix caching, the base model
  and the adapter through ``LoRARequest``, or --model for a merged one; tensor
  parallelism over --tensor-parallel GPUs): --batch-size rows per ``LLM.generate`` call,
  counted from the input's first row (a resumed run asks again the call its checkpoint
  fell in, so each call holds the rows of an uninterrupted run's), each row's samples
  drawn with the seed plus its index (``SamplingParams(n=samples, seed=...)``).

A row without a prompt (missing, empty, not text), or whose prompt
plus --max-new-tokens is longer than the context (--max-context, default the training
MAX_SEQ_LENGTH), goes to rejects.jsonl with its reason: nothing is cut, nothing is
dropped in silence.

Output in --out (default work/predict/<input name>/): predictions.jsonl and
predictions.csv (the row's own columns, then sample, output, finish and tokens: one
line per sample), rejects.jsonl, summary.json and summary.md (samples cut at
--max-new-tokens, and each style pattern's rate over the outputs against its target).
Lines are written in input order; every --checkpoint-every rows the files are fsynced
and checkpoint.json records how far they are good, so a killed run started again
goes on from there (pipeline/corpus.py).

Exit status: 0 PASS, 3 REVIEW, 4 FAIL (accept's codes, for the style targets),
2 bad input or arguments.
"""

import argparse
import json
import sys
from pathlib import Path

from . import accept, corpus, schema, style
from .corpus import CorpusError, cell, line

ROOT = Path(__file__).resolve().parent.parent
TAIL = ("sample", "output", "finish", "tokens")
ENGINES = ("local", "server", "vllm")


def new_counts() -> dict:
    return {
        **corpus.new_counts(),
        "samples": 0,
        "finish": {},
        "style": {p["name"]: {"matched": 0, "units": 0} for p in schema.PATTERNS},
    }


class Writer(corpus.Results):
    """The row's own columns, then the sample's number, text, finish and length."""

    def __init__(self, out: Path, input_columns: list[str], counts, sizes):
        (self.tail,) = corpus.new_columns(input_columns, TAIL)
        super().__init__(out, input_columns, counts or new_counts(), sizes)

    def header(self) -> list[str]:
        return [*self.input_columns, *self.tail.values()]

    def answer(self, item: dict, answer: dict) -> None:
        row, c = item["row"], self.counts
        for number, sample in enumerate(answer["samples"]):
            values = {"sample": number, **{k: sample[k] for k in TAIL[1:]}}
            record = {**row, **{self.tail[k]: v for k, v in values.items()}}
            self.files.csv_row(
                "predictions.csv",
                [cell(row.get(k)) for k in self.input_columns] + [cell(v) for v in values.values()],
            )
            self.files.write("predictions.jsonl", line(record))
            c["samples"] += 1
            c["finish"][sample["finish"]] = c["finish"].get(sample["finish"], 0) + 1
            for name, rate in style.rates([sample["output"]]).items():
                c["style"][name]["matched"] += rate["matched"]
                c["style"][name]["units"] += rate["units"]
        self.counted(answer)


def prepared(path: Path, skip: int, column: str, tokenizer, context: int, max_new: int):
    """Items in input order from record ``skip`` on: a prompt, or the reason there is none."""
    for seq, (number, row, problem) in enumerate(corpus.records(path)):
        if seq < skip:
            continue
        item = {"seq": seq, "number": number, "row": row, "problem": problem}
        if problem is None:
            prompt = row.get(column)
            if prompt is None:
                item["problem"] = f"no prompt: {column!r} is missing or empty (--column)"
            elif not isinstance(prompt, str):
                item["problem"] = f"no prompt: {column!r} is a {type(prompt).__name__}, not text"
            elif not prompt.strip():
                item["problem"] = f"no prompt: {column!r} is empty"
            else:
                n = len(tokenizer(prompt)["input_ids"])
                if n + max_new > context:
                    item["problem"] = (
                        f"too long: the prompt is {n} tokens, and with max_new_tokens "
                        f"{max_new} it passes the context of {context} tokens (--max-context)"
                    )
                item["prompt"] = prompt
        yield item


def summary(counts: dict, input_path: str) -> dict:
    rates = {
        f"style.{name}": (round(s["matched"] / s["units"], 6) if s["units"] else None)
        for name, s in counts["style"].items()
    }
    rules = [
        {
            "metric": f"style.{p['name']}",
            "pass": p["target"],
            "review": p["review"],
            "higher_is_better": True,
        }
        for p in schema.PATTERNS
    ]
    reasons = {m: "no unit of text was generated" for m, v in rates.items() if v is None}
    gate = accept.judge(rates, rules, reasons)
    return {
        "input": input_path,
        "rows": counts["rows"],
        "answered": counts["answered"],
        "rejected": counts["rejected"],
        "reject_reasons": dict(sorted(counts["reject_reasons"].items())),
        "samples": counts["samples"],
        "finish": dict(sorted(counts["finish"].items())),
        "completion_tokens": counts["completion_tokens"],
        "style": counts["style"],
        "decision": gate["decision"],
        "gate": gate["rules"],
    }


def summary_md(result: dict) -> str:
    cut = result["finish"].get("length", 0)
    lines = [
        f"# Predict: {schema.PROJECT}: {result['decision']}",
        "",
        f"{result['rows']} rows read from {result['input']}: {result['answered']} continued "
        f"({result['samples']} samples, {cut} stopped at max_new_tokens), "
        f"{result['rejected']} rejected (rejects.jsonl).",
        "",
    ]
    if result["reject_reasons"]:
        lines += ["Rejected rows by reason:", ""]
        lines += [f"- {k}: {v}" for k, v in result["reject_reasons"].items()] + [""]
    lines += ["Style patterns over the samples, against their targets:", ""]
    lines += [accept.table({"rules": result["gate"]}), ""]
    return "\n".join(lines)


def row_answer(samples: list[dict], wanted: int) -> dict:
    """A row's answer from its samples; one greedy sample stands for all ``wanted``."""
    samples = samples * (wanted // len(samples))
    return {"samples": samples, "tokens": sum(a["tokens"] for a in samples)}


def local_stream(args, model, tokenizer):
    """The local engine: each prompt's samples in one batch (pipeline/textgen.py)."""
    from . import textgen

    def stream(items):
        for item in items:
            answers = textgen.sample(
                model,
                tokenizer,
                [item["prompt"]] * args.samples,
                args.max_new_tokens,
                args.temperature,
                args.seed + item["seq"],
            )
            for answer in answers:
                answer.pop("ids")
            yield item, row_answer(answers, args.samples)

    return stream


def server_settings(args):
    from . import llm

    return llm.Settings(
        base_url=llm.base_url(args.server),
        model=args.model or schema.MODEL,
        api_key_env=llm.key_env_or_none(args.api_key_env),
        temperature=args.temperature,
        max_tokens=args.max_new_tokens,
        concurrency=args.concurrency,
        timeout=args.timeout,
        retries=args.retries,
    )


def server_stream(args, cache: Path):
    """The server engine: one text-completion request per sample (one per row when
    greedy), ``--concurrency`` in flight, answers in input order."""
    from . import llm

    settings = server_settings(args)
    greedy = args.temperature == 0
    asked = 1 if greedy else args.samples

    def requests(items):
        for item in items:
            for k in range(asked):
                yield item, k

    def body_of(request):
        item, k = request
        seed = None if greedy else (args.seed + item["seq"]) * args.samples + k
        return llm.text_body_of(item["prompt"], settings, seed)

    def stream(items):
        samples = []
        try:
            for (item, k), answer in llm.in_order(requests(items), body_of, settings, cache):
                sample = {
                    "output": answer.content,
                    "finish": answer.finish_reason,
                    "tokens": answer.completion_tokens,
                }
                samples.append(sample)
                if k == asked - 1:
                    yield item, row_answer(samples, args.samples)
                    samples = []
        except llm.LLMError as exc:
            raise CorpusError(
                f"the server at {settings.base_url} failed: {exc}\n"
                "What was answered is kept; run the same command again to resume."
            ) from None

    return stream


def vllm_args(args) -> tuple[dict, tuple | None]:
    """(LLM kwargs, LoRARequest args or None): what the vllm engine builds, apart so that
    it can be checked without vLLM."""
    engine = {
        "model": args.model or schema.MODEL,
        "tokenizer": args.tokenizer,
        "enable_prefix_caching": True,  # the samples of a prompt share it whole
        "tensor_parallel_size": args.tensor_parallel,
        "max_model_len": args.max_context,
        "seed": args.seed,
    }
    if args.adapter is None:
        return engine, None
    engine["enable_lora"] = True
    rank = json.loads((args.adapter / "adapter_config.json").read_text(encoding="utf-8"))["r"]
    engine["max_lora_rank"] = rank  # vLLM's default (16) refuses larger ranks
    return engine, ("adapter", 1, str(args.adapter))


def vllm_sampling(args, seq: int) -> dict:
    """SamplingParams kwargs for row ``seq``: greedy once (the answer stands for every
    sample), else the row's samples with its own seed."""
    if args.temperature == 0:
        return {"n": 1, "temperature": 0.0, "max_tokens": args.max_new_tokens}
    return {
        "n": args.samples,
        "temperature": args.temperature,
        "max_tokens": args.max_new_tokens,
        "seed": args.seed + seq,
    }


def vllm_stream(args):
    """The vllm engine: --batch-size rows per ``LLM.generate`` call, in input order."""
    try:
        from vllm import LLM, SamplingParams
        from vllm.lora.request import LoRARequest
    except ImportError:
        raise CorpusError(
            "the vllm engine needs vLLM (pip install vllm, on a machine with a CUDA GPU); "
            "or serve the model with `vllm serve` and use --server URL"
        ) from None
    engine, lora = vllm_args(args)
    llm = LLM(**engine)
    request = LoRARequest(*lora) if lora else None

    def stream(items):
        for batch in corpus.blocks(items, args.batch_size):
            params = [SamplingParams(**vllm_sampling(args, i["seq"])) for i in batch]
            prompts = [i["prompt"] for i in batch]
            results = llm.generate(prompts, params, lora_request=request, use_tqdm=False)
            for item, result in zip(batch, results, strict=True):
                samples = [
                    {"output": o.text, "finish": o.finish_reason, "tokens": len(o.token_ids)}
                    for o in result.outputs
                ]
                yield item, row_answer(samples, args.samples)

    return stream


def run(input_path: Path, out: Path, args, stream, tokenizer) -> dict:
    batch = args.batch_size if args.engine == "vllm" else None  # rows per vLLM call
    identity = {
        "input": str(input_path.resolve()),
        "input_bytes": input_path.stat().st_size,
        "column": args.column,
        "model": args.model,
        "adapter": None if args.adapter is None else str(args.adapter),
        "samples": args.samples,
        "max_new_tokens": args.max_new_tokens,
        "temperature": args.temperature,
        "seed": args.seed,
        "context": args.max_context,
        "engine": args.engine,  # not the server's address: it may move between runs
        "batch_size": batch,
    }

    def summarize(counts: dict) -> tuple[dict, str]:
        result = summary(counts, str(input_path))
        return result, summary_md(result)

    return corpus.run(
        input_path,
        out,
        identity,
        results=lambda columns, counts, sizes: Writer(out, columns, counts, sizes),
        prepare=lambda skip: prepared(
            input_path, skip, args.column, tokenizer, args.max_context, args.max_new_tokens
        ),
        stream=stream,
        every=args.checkpoint_every,
        summarize=summarize,
        align=batch or 1,
    )


def style_prompts(path: Path) -> Path:
    """The spec's style prompts as a JSONL input file (rewritten only when it differs)."""
    text = "".join(json.dumps({"prompt": p}, ensure_ascii=False) + "\n" for p in schema.PROMPTS)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        corpus.atomic_write(path, text)
    return path


def main(argv=None, remote=None, description=None) -> int:
    """The command line; ``remote(args)``: the stream that answers the rows instead of
    this process's engine (pipeline/predict_ray.py passes Ray's)."""
    parser = argparse.ArgumentParser(description=description or __doc__.splitlines()[0])
    parser.add_argument(
        "input", type=Path, nargs="?", help="JSONL or CSV rows with a prompt column"
    )
    parser.add_argument("--column", default="prompt", help="the column holding the prompts")
    parser.add_argument("--out", type=Path, default=None, help="default work/predict/<input name>")
    parser.add_argument("--adapter", type=Path, default=ROOT / "work" / "adapters")
    parser.add_argument("--base", action="store_true", help="the base model alone")
    parser.add_argument("--model", default=None, help="a merged model directory")
    parser.add_argument("--samples", type=int, default=schema.SAMPLES_PER_PROMPT)
    parser.add_argument("--max-new-tokens", type=int, default=schema.MAX_NEW_TOKENS)
    parser.add_argument("--temperature", type=float, default=schema.TEMPERATURE)
    parser.add_argument("--seed", type=int, default=schema.STYLE_SEED)
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--max-context", type=int, default=schema.MAX_SEQ_LENGTH)
    parser.add_argument(
        "--engine", choices=ENGINES, default=None, help="default: server with --server, else local"
    )
    parser.add_argument("--server", default=None, help="an OpenAI-compatible server's URL")
    parser.add_argument("--concurrency", type=int, default=64, help="server: requests in flight")
    parser.add_argument("--api-key-env", default="OPENAI_API_KEY")
    parser.add_argument("--timeout", type=float, default=600.0, help="server: seconds a request")
    parser.add_argument("--retries", type=int, default=5, help="server: retries per request")
    parser.add_argument(
        "--tokenizer",
        default=schema.TOKENIZER,
        help="server, vllm: the model's tokenizer (a local copy)",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="vllm: rows per call")
    parser.add_argument("--tensor-parallel", type=int, default=1, help="vllm: GPUs per engine")
    args = parser.parse_args(argv)
    args.engine = args.engine or ("server" if args.server else "local")
    numbers = (args.samples, args.max_new_tokens, args.checkpoint_every, args.max_context)
    numbers += (args.concurrency, args.batch_size, args.tensor_parallel)
    if min(*numbers, args.retries + 1) < 1:
        print(
            "predict: --samples, --max-new-tokens, --checkpoint-every, --max-context, "
            "--concurrency, --batch-size and --tensor-parallel must be positive, and "
            "--retries 0 or more",
            file=sys.stderr,
        )
        return 2
    if args.engine == "server" and not args.server:
        print("predict: the server engine needs the server's URL: --server URL", file=sys.stderr)
        return 2
    if args.temperature < 0:
        print("predict: --temperature must be 0 (greedy) or more", file=sys.stderr)
        return 2
    if args.input is None:
        args.input = style_prompts(ROOT / "work" / "predict" / "style-prompts.jsonl")
    elif not args.input.is_file():
        print(f"predict: input file not found: {args.input}", file=sys.stderr)
        return 2
    if args.base or args.model is not None or args.engine == "server":
        args.adapter = None  # a server answers with the model it serves (--model: its name)
    elif not (args.adapter / "adapter_config.json").is_file():
        print(
            f"predict: no adapter in {args.adapter}: train first (make train), or give "
            "--adapter DIR, --model DIR for a merged model, or --base",
            file=sys.stderr,
        )
        return 2
    out = args.out or ROOT / "work" / "predict" / args.input.stem
    try:
        if args.engine == "local" and remote is None:
            from . import textgen

            model, tokenizer = textgen.load_model(args.adapter, args.model)
            stream = local_stream(args, model, tokenizer)
        else:
            from transformers import AutoTokenizer

            # The prompts are measured against the context with the model's own tokenizer.
            tokenizer = AutoTokenizer.from_pretrained(args.tokenizer)
            if remote is not None:
                stream = remote(args)
            elif args.engine == "server":
                stream = server_stream(args, out / "cache.sqlite")
            else:
                stream = vllm_stream(args)
        result = run(args.input, out, args, stream, tokenizer)
    except CorpusError as exc:
        print(f"predict: {exc}", file=sys.stderr)
        return 2
    print(summary_md(result), end="")
    return accept.EXIT[result["decision"]]


if __name__ == "__main__":
    sys.exit(main())
