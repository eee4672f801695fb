# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/engine.py
"""How eval and predict get their answers (one code path for both): transformers +
peft, batched with left padding (pipeline/generate_hf.py), or the server and vllm
engines of pipeline/inference.py."""

from pathlib import Path

from . import generate_hf, inference, schema
from .inference import Options


def stream(items, opts: Options):
    """(item, answer) for each item (a dict with "messages"), in order."""
    if opts.engine != "local":
        yield from inference.remote(items, opts)
        return
    model, tokenizer = generate_hf.load_model(opts.adapter, opts.model)
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= opts.batch_size:
            yield from _local_batch(model, tokenizer, batch, opts)
            batch = []
    if batch:
        yield from _local_batch(model, tokenizer, batch, opts)


def _local_batch(model, tokenizer, batch, opts: Options):
    replies = generate_hf.generate_batch(
        model, tokenizer, [item["messages"] for item in batch], opts.max_new_tokens
    )
    for item, answer in zip(batch, replies, strict=True):
        answer.pop("ids")
        yield item, answer


def answers(todo: list[dict], adapter: Path | None, server: str | None):
    """(example, answer record) for each held-out example (eval's defaults)."""
    opts = Options(
        engine="server" if server else "local",
        adapter=adapter,
        server=server,
        batch_size=schema.EVAL_BATCH_SIZE,
    )
    return stream(todo, opts)
