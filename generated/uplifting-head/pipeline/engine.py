# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/routes/head/runtime/pipeline/engine.py
"""How eval and predict get their answers on the head route: the head's outputs,
written as the generative route would answer them (pipeline/head_task.py).

The base model alone (make eval-base: no adapter, no merged model) has no trained
head, and an untrained one answers noise: it answers as the generative route's
causal LM instead, with the same prompt, and the same parser reads its answer
(pipeline/generate_hf.py locally; a server or vLLM through pipeline/inference.py)."""

from . import generate_hf, head, head_task, inference, schema
from .corpus import blocks
from .inference import Options


def stream(items, opts: Options):
    """(item, answer) for each item (a dict with "messages"), in order."""
    if opts.adapter is None and opts.model is None:
        if not schema.CHAT_TEMPLATE:
            raise SystemExit(
                "the base model alone answers generatively, through its chat template, and "
                "this model is used without one (an encoder): it has no base run; compare "
                "with the classical baseline instead"
            )
        if opts.engine != "local":
            yield from inference.remote(items, opts)
        else:
            yield from generate_hf.stream(items, opts)
        return
    if opts.engine != "local":
        raise SystemExit(
            "a head answers through transformers (--engine local), not through a "
            "chat server or vLLM's generation"
        )
    if opts.logprobs:
        raise SystemExit(
            "a head writes its outputs, not tokens: it has no per-field confidence "
            "from log-probabilities (leave out --confidence)"
        )
    if opts.constrained:
        raise SystemExit(
            "a head writes its answer itself, always inside the schema: there is "
            "nothing to constrain (leave --constrained off)"
        )
    model, tokenizer = head.load_model(opts.adapter)
    for batch in blocks(items, opts.batch_size):
        yield from _batch(model, tokenizer, batch)


def _batch(model, tokenizer, batch):
    raws = head.predict(model, tokenizer, [item["messages"] for item in batch])
    for item, raw in zip(batch, raws, strict=True):
        # The head's outputs as the generative route would answer them, so that one
        # parser and one set of metrics score both routes.
        yield item, {"output": head_task.answer(raw), "finish": "stop", "raw": raw}
