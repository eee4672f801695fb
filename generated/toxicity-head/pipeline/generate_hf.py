# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/generate_hf.py
"""Answers with transformers: the base model plus the adapter (or a merged model),
batched with left padding, greedy, the prompt built by the same chat-template call as
in training. (A server's answers: pipeline/inference.py; there the server applies its
model's chat template, which must be the training tokenizer's for the prompts to match.)
"""

from . import constrain, corpus, schema


def load_model(adapter, model_path: str | None = None):
    """(model, tokenizer): base + adapter, or the model at ``model_path`` alone."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(schema.TOKENIZER)
    model = AutoModelForCausalLM.from_pretrained(model_path or schema.MODEL)
    if adapter is not None and model_path is None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    import torch

    if torch.cuda.is_available():  # on the GPU; without one, on the CPU
        model.to("cuda")
    return model, tokenizer


def generate_batch(
    model,
    tokenizer,
    conversations: list[list[dict]],
    max_new_tokens: int,
    *,
    constrained: bool = False,
    logprobs: bool = False,
) -> list[dict]:
    """Greedy answers: [{"output", "finish", "tokens", "ids"}] in order; ``constrained``:
    each held to the label schema (pipeline/constrain.py); ``logprobs``: each also has
    "logprobs": [token text, log-probability] per token (after the constraint)."""
    import torch

    prompts = [
        tokenizer.apply_chat_template(c, add_generation_prompt=True, return_dict=False)
        for c in conversations
    ]
    eos = tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    width = max(len(p) for p in prompts)
    input_ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts], device=model.device)
    attention = torch.tensor(
        [[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=model.device
    )
    processors = []
    if constrained:
        vocab = model.get_output_embeddings().weight.shape[0]
        processors.append(constrain.HFProcessor(tokenizer, vocab, len(prompts), width))
    chosen = ChosenLogprobs() if logprobs else None
    if chosen:
        processors.append(chosen)  # last: what the constraint left, renormalised
    extra = {}
    if processors:
        from transformers import LogitsProcessorList

        extra["logits_processor"] = LogitsProcessorList(processors)
    with torch.no_grad():
        out = model.generate(
            input_ids=input_ids,
            attention_mask=attention,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=pad,
            eos_token_id=eos,
            **extra,
        )
    answers = []
    for index, row in enumerate(out[:, width:].tolist()):
        stop = row.index(eos) if eos in row else None
        ids = row if stop is None else row[:stop]
        answer = {
            "output": tokenizer.decode(ids, skip_special_tokens=True),
            "finish": "length" if stop is None else "stop",
            "tokens": len(ids) + (0 if stop is None else 1),
            "ids": ids,
        }
        if chosen:
            answer["logprobs"] = token_logprobs(tokenizer, ids, chosen.of(index))
        answers.append(answer)
    return answers


class ChosenLogprobs:
    """A logits processor that keeps, at every step, the log-probability of the token
    greedy decoding takes (the largest), one number per row: not the whole
    distribution, so memory does not grow with the vocabulary."""

    def __init__(self):
        self.steps = []

    def __call__(self, input_ids, scores):
        import torch

        self.steps.append(torch.log_softmax(scores.float(), dim=-1).max(dim=-1).values.cpu())
        return scores

    def of(self, row: int) -> list[float]:
        return [float(step[row]) for step in self.steps]


def token_logprobs(tokenizer, ids: list[int], values: list[float]) -> list[list]:
    """[token text, log-probability] per token: the texts are cut from the decoded
    answer at each token's end, so that they spell it exactly."""
    pieces, before = [], ""
    for k in range(1, len(ids) + 1):
        text = tokenizer.decode(ids[:k], skip_special_tokens=True)
        pieces.append(text[len(before) :] if text.startswith(before) else text)
        before = text
    return [[piece, value] for piece, value in zip(pieces, values, strict=False)]


def stream(items, opts):
    """(item, answer) for each item (a dict with "messages"), in order: ``opts`` (an
    inference.Options) names the adapter or merged model, the batch size, the answer's
    token budget, and whether answers are constrained or carry log-probabilities."""
    model, tokenizer = load_model(opts.adapter, opts.model)
    for batch in corpus.blocks(items, opts.batch_size):
        replies = generate_batch(
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
