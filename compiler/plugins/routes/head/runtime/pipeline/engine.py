# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/routes/head/runtime/pipeline/engine.py
"""How eval and predict get their answers on the head route: the regression head's
scores, written as the generative route would answer them (pipeline/head.py).

The base model alone (make eval-base: no adapter, no merged model) has no trained
head, and an untrained one answers noise: it answers as the generative route's
causal LM instead, with the same prompt, and the same parser reads its JSON answer
(pipeline/generate_hf.py locally; a server or vLLM through pipeline/inference.py)."""

import json

from . import generate_hf, head, inference
from .inference import Options, batches


def stream(items, opts: Options):
    """(item, answer) for each item (a dict with "messages"), in order."""
    if opts.adapter is None and opts.model is None:
        if opts.engine != "local":
            yield from inference.remote(items, opts)
        else:
            yield from generate_hf.stream(items, opts)
        return
    if opts.engine != "local":
        raise SystemExit(
            "a regression head answers through transformers (--engine local), not through a "
            "chat server or vLLM's generation"
        )
    if opts.logprobs:
        raise SystemExit(
            "a regression head writes scores, not tokens: it has no per-field confidence "
            "from log-probabilities (leave out --confidence)"
        )
    if opts.constrained:
        raise SystemExit(
            "a regression head writes its scores itself, always inside the schema: there is "
            "nothing to constrain (leave --constrained off)"
        )
    model, tokenizer = head.load_model(opts.adapter)
    for batch in batches(items, opts.batch_size):
        yield from _batch(model, tokenizer, batch)


def _batch(model, tokenizer, batch):
    raws = head.predict(model, tokenizer, [item["messages"] for item in batch])
    for item, raw in zip(batch, raws, strict=True):
        # The scores as the generative route would answer them, so that one parser
        # and one set of metrics score both routes.
        yield item, {"output": json.dumps(head.from_unit(raw)), "finish": "stop", "raw": raw}
