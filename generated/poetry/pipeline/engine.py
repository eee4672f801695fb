# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/backends/mlx/runtime/pipeline/engine.py
"""How eval and predict get their answers (one code path for both): mlx-lm with the
adapter, ``batch_size`` prompts at a time through mlx-lm's BatchGenerator (as
mlx_lm.generate.batch_generate), each with its own logits processor where the answers are
constrained to the label schema (llguidance's mask, pipeline/constrain.py) and each
token's log-probability where confidence is asked for; or the server and vllm engines
of pipeline/inference.py."""

from . import constrain, corpus, inference, schema
from .inference import Options


def stream(items, opts: Options):
    """(item, answer) for each item (a dict with "messages"), in order."""
    if opts.engine != "local":
        yield from inference.remote(items, opts)
        return
    from mlx_lm import load

    adapter = str(opts.adapter) if opts.adapter and not opts.model else None
    model, tokenizer = load(opts.model or schema.MODEL, adapter_path=adapter)
    for batch in corpus.blocks(items, opts.batch_size):
        yield from _batch(model, tokenizer, batch, opts)


def _batch(model, tokenizer, batch, opts: Options):
    from mlx_lm.generate import BatchGenerator

    # The same call mlx-lm makes when it masks the prompt in training.
    prompts = [
        tokenizer.apply_chat_template(
            item["messages"], add_generation_prompt=True, return_dict=False
        )
        for item in batch
    ]
    processors = None
    if opts.constrained:  # one per answer: each holds its own place in the grammar
        processors = [[Constrained(tokenizer)] for _ in prompts]
    generator = BatchGenerator(
        model,
        max_tokens=opts.max_new_tokens,
        stop_tokens=[[t] for t in tokenizer.eos_token_ids],
        completion_batch_size=len(prompts),
        prefill_batch_size=len(prompts),
    )
    try:
        uids = generator.insert(prompts, logits_processors=processors)
        steps = {uid: [] for uid in uids}  # (token, its log-probability or None)
        finish = {}
        while responses := generator.next_generated():
            for r in responses:
                logprob = r.logprobs[r.token].item() if opts.logprobs else None
                steps[r.uid].append((r.token, logprob))
                if r.finish_reason is not None:
                    finish[r.uid] = r.finish_reason
    finally:
        generator.close()
    for item, uid in zip(batch, uids, strict=True):
        yield item, answer(tokenizer, steps[uid], finish[uid], opts.logprobs)


def answer(tokenizer, steps: list, finish: str, logprobs: bool) -> dict:
    """An answer from its generated tokens (the stop token last when it stopped) as
    mlx-lm's server gives it, which parity compares with: the text through the
    tokenizer's streaming detokenizer, which (for byte-level BPE and SentencePiece
    tokenizers) drops the first token's leading space, where tokenizer.decode
    (batch_generate's texts) keeps it. At a stop the server drops what the detokenizer
    still holds back (the bytes of an unfinished character, a lone trailing space; mlx-lm's
    stream_generate keeps them); at max_new_tokens it writes them. With ``logprobs``,
    each token's text and log-probability (the stop token's text empty)."""
    ids = steps[:-1] if finish == "stop" else steps
    detokenizer = tokenizer.detokenizer
    detokenizer.reset()
    pieces = []
    for token, logprob in ids:
        detokenizer.add_token(token)
        pieces.append([detokenizer.last_segment, logprob])
    if finish == "stop":
        pieces.append(["", steps[-1][1]])
    else:
        detokenizer.finalize()
        if pieces:
            pieces[-1][0] += detokenizer.last_segment
    reply = {"output": detokenizer.text, "finish": finish, "tokens": len(ids)}
    if logprobs:
        reply["logprobs"] = pieces
    return reply


class Constrained:
    """An mlx-lm logits processor holding one answer to the label schema: mlx-lm calls it
    before each token with the tokens so far, and the tokens llguidance does not allow
    next get -inf (from the second call on, the token taken last is consumed first)."""

    def __init__(self, tokenizer):
        self.hf_tokenizer = tokenizer._tokenizer  # mlx-lm's wrapper around the HF tokenizer
        self.matchers = None  # made at the first call, when the vocabulary's width is known

    def __call__(self, tokens, logits):
        import mlx.core as mx
        import numpy as np

        width = logits.shape[-1]
        if self.matchers is None:
            self.matchers = constrain.Matchers(self.hf_tokenizer, width, 1)
        else:
            self.matchers.consume(0, int(tokens[-1].item()))
        allowed = self.matchers.allowed(0)
        if allowed.shape[0] < width:  # rows of the embedding no token uses
            allowed = np.pad(allowed, (0, width - allowed.shape[0]))
        return mx.where(mx.array(allowed[:width]), logits, float("-inf"))
