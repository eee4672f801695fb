# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/backends/mlx/runtime/pipeline/engine.py
"""How eval and predict get their answers (one code path for both): mlx-lm with the
adapter, in batches of ``batch_size`` prompts (mlx_lm.generate.batch_generate, where the
installed mlx-lm has it; one prompt at a time with stream_generate where it does not,
where each token's log-probability is asked for, or where the answers are constrained to
the label schema: llguidance's mask as an mlx-lm logits processor, pipeline/constrain.py),
or the server and vllm engines of pipeline/inference.py."""

from . import constrain, inference, schema
from .inference import Options


def stream(items, opts: Options):
    """(item, answer) for each item (a dict with "messages"), in order."""
    if opts.engine != "local":
        yield from inference.remote(items, opts)
        return
    from mlx_lm import load

    try:
        from mlx_lm.generate import batch_generate
    except ImportError:  # mlx-lm before batched generation
        batch_generate = None
    adapter = str(opts.adapter) if opts.adapter and not opts.model else None
    model, tokenizer = load(opts.model or schema.MODEL, adapter_path=adapter)
    # stream_generate gives each token's log-probabilities and takes a logits processor
    if opts.logprobs or opts.constrained:
        batch_generate = None
    size = opts.batch_size if batch_generate is not None else 1
    for batch in inference.batches(items, size):
        yield from _batch(model, tokenizer, batch, opts, batch_generate)


def _batch(model, tokenizer, batch, opts: Options, batch_generate):
    # The same call mlx-lm makes when it masks the prompt in training.
    prompts = [
        tokenizer.apply_chat_template(
            item["messages"], add_generation_prompt=True, return_dict=False
        )
        for item in batch
    ]
    if batch_generate is None:
        from mlx_lm import stream_generate

        for item, prompt in zip(batch, prompts, strict=True):
            text, finish, n_tokens, logprobs = "", None, 0, []
            extra = {}
            if opts.constrained:
                extra["logits_processors"] = [Constrained(tokenizer, len(prompt))]
            for response in stream_generate(
                model, tokenizer, prompt, max_tokens=opts.max_new_tokens, **extra
            ):
                text += response.text
                finish = response.finish_reason
                n_tokens = response.generation_tokens
                if opts.logprobs:
                    logprobs.append([response.text, response.logprobs[response.token].item()])
            answer = {"output": text, "finish": finish, "tokens": n_tokens}
            if opts.logprobs:
                answer["logprobs"] = logprobs
            yield item, answer
        return
    result = batch_generate(
        model, tokenizer, prompts, max_tokens=opts.max_new_tokens, return_token_ids=True
    )
    for item, ids in zip(batch, result.token_ids, strict=True):
        # batch_generate leaves the stop token out: a full budget means cut off.
        cut = len(ids) >= opts.max_new_tokens
        text = detokenize(tokenizer, ids)
        yield item, {"output": text, "finish": "length" if cut else "stop", "tokens": len(ids)}


def detokenize(tokenizer, ids) -> str:
    """The answer's text as mlx-lm's server and stream_generate give it: through the
    tokenizer's streaming detokenizer, which (for byte-level BPE and SentencePiece
    tokenizers) drops the first token's leading space. batch_generate's own texts
    (tokenizer.decode) keep it, so an answer starting with a space would differ by that
    byte from what `mlx_lm.server` serves (make parity)."""
    detokenizer = tokenizer.detokenizer
    detokenizer.reset()
    for token in ids:
        detokenizer.add_token(token)
    detokenizer.finalize()
    return detokenizer.text


class Constrained:
    """An mlx-lm logits processor holding one answer to the label schema: mlx-lm calls it
    before each token with the prompt and the tokens taken so far, and the tokens
    llguidance does not allow next get -inf (the last one taken is consumed first)."""

    def __init__(self, tokenizer, prompt_length: int):
        self.hf_tokenizer = tokenizer._tokenizer  # mlx-lm's wrapper around the HF tokenizer
        self.prompt_length = prompt_length
        self.matchers = None  # made at the first call, when the vocabulary's width is known

    def __call__(self, tokens, logits):
        import mlx.core as mx
        import numpy as np

        width = logits.shape[-1]
        if self.matchers is None:
            self.matchers = constrain.Matchers(self.hf_tokenizer, width, 1)
        elif tokens.size > self.prompt_length:
            self.matchers.consume(0, int(tokens[-1].item()))
        allowed = self.matchers.allowed(0)
        if allowed.shape[0] < width:  # rows of the embedding no token uses
            allowed = np.pad(allowed, (0, width - allowed.shape[0]))
        return mx.where(mx.array(allowed[:width]), logits, float("-inf"))
