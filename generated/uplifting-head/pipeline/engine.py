# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/routes/head/runtime/pipeline/engine.py
"""How eval and predict get their answers on the head route: the regression head's
scores, written as the generative route would answer them (pipeline/head.py)."""

import json
from pathlib import Path

from . import head, schema
from .inference import Options


def stream(items, opts: Options):
    """(item, answer) for each item (a dict with "messages"), in order."""
    if opts.engine != "local":
        raise SystemExit(
            "a regression head answers through transformers (--engine local), not through a "
            "chat server or vLLM's generation"
        )
    model, tokenizer = head.load_model(opts.adapter)
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= opts.batch_size:
            yield from _batch(model, tokenizer, batch)
            batch = []
    if batch:
        yield from _batch(model, tokenizer, batch)


def _batch(model, tokenizer, batch):
    raws = head.predict(model, tokenizer, [item["messages"] for item in batch])
    for item, raw in zip(batch, raws, strict=True):
        # The scores as the generative route would answer them, so that one parser
        # and one set of metrics score both routes.
        yield item, {"output": json.dumps(head.from_unit(raw)), "finish": "stop", "raw": raw}


def answers(todo: list[dict], adapter: Path | None, server: str | None):
    """(example, answer record) for each held-out example (eval's defaults)."""
    if server:
        raise SystemExit("eval: a regression head answers through transformers, not a chat server")
    return stream(todo, Options(adapter=adapter, batch_size=schema.EVAL_BATCH_SIZE))
