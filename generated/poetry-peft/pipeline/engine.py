# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/engine.py
"""How eval and predict get their answers (one code path for both): transformers +
peft, batched with left padding (pipeline/generate_hf.py; constrained to the label
schema with llguidance when asked, pipeline/constrain.py), or the server and vllm
engines of pipeline/inference.py."""

from . import generate_hf, inference
from .inference import Options


def stream(items, opts: Options):
    """(item, answer) for each item (a dict with "messages"), in order."""
    if opts.engine != "local":
        yield from inference.remote(items, opts)
        return
    model, tokenizer = generate_hf.load_model(opts.adapter, opts.model)
    for batch in inference.batches(items, opts.batch_size):
        yield from _local_batch(model, tokenizer, batch, opts)


def _local_batch(model, tokenizer, batch, opts: Options):
    replies = generate_hf.generate_batch(
        model,
        tokenizer,
        [item["messages"] for item in batch],
        opts.max_new_tokens,
        constrained=opts.constrained,
        logprobs=opts.logprobs,
    )
    for item, answer in zip(batch, replies, strict=True):
        answer.pop("ids")
        yield item, answer
