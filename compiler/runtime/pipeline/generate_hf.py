# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/generate_hf.py
"""Answers with transformers: the base model plus the adapter (or a merged model),
batched with left padding, greedy, the prompt built by the same chat-template call as
in training. (A server's answers: pipeline/inference.py; there the server applies its
model's chat template, which must be the training tokenizer's for the prompts to match.)
"""

from . import inference, schema


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
    model, tokenizer, conversations: list[list[dict]], max_new_tokens: int
) -> list[dict]:
    """Greedy answers: [{"output", "finish", "tokens", "ids"}] in order."""
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
    with torch.no_grad():
        out = model.generate(
            input_ids=input_ids,
            attention_mask=attention,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=pad,
            eos_token_id=eos,
        )
    answers = []
    for row in out[:, width:].tolist():
        stop = row.index(eos) if eos in row else None
        ids = row if stop is None else row[:stop]
        answers.append(
            {
                "output": tokenizer.decode(ids, skip_special_tokens=True),
                "finish": "length" if stop is None else "stop",
                "tokens": len(ids) + (0 if stop is None else 1),
                "ids": ids,
            }
        )
    return answers


def stream(items, opts):
    """(item, answer) for each item (a dict with "messages"), in order: ``opts`` (an
    inference.Options) names the adapter or merged model, the batch size and the
    answer's token budget."""
    model, tokenizer = load_model(opts.adapter, opts.model)
    for batch in inference.batches(items, opts.batch_size):
        replies = generate_batch(
            model, tokenizer, [item["messages"] for item in batch], opts.max_new_tokens
        )
        for item, answer in zip(batch, replies, strict=True):
            answer.pop("ids")
            yield item, answer
