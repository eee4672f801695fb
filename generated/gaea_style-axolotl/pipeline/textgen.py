# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/pipeline/textgen.py
"""The model on plain text: chunks encoded for training, held-out loss, samples.

Used by pipeline/train.py, pipeline/evaluate.py and pipeline/merge.py, so that a
chunk is encoded one way everywhere: the tokenizer's own special tokens (BOS when
it adds one), the text, then EOS, so the model learns where a chunk ends.
"""

import math

from . import schema


def encode(tokenizer, text: str) -> list[int]:
    ids = tokenizer(text)["input_ids"]
    eos = tokenizer.eos_token_id
    return ids if ids and ids[-1] == eos else ids + [eos]


def load_model(adapter, model_path: str | None = None):
    """(model, tokenizer): base + adapter, the base alone (adapter None), or ``model_path``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(schema.TOKENIZER)
    model = AutoModelForCausalLM.from_pretrained(model_path or schema.MODEL)
    if adapter is not None and model_path is None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    return model, tokenizer


def held_out_loss(model, tokenizer, texts: list[str]) -> dict:
    """Mean cross-entropy per predicted token over the texts (one chunk at a time), and
    its perplexity."""
    import torch

    total, count = 0.0, 0
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([encode(tokenizer, text)])
            out = model(input_ids=ids, labels=ids)
            n = ids.shape[1] - 1  # every token but the first is predicted
            total += out.loss.item() * n
            count += n
    loss = total / count if count else None
    return {
        "eval_loss": loss,
        "perplexity": math.exp(loss) if loss is not None else None,
        "tokens": count,
        "chunks": len(texts),
    }


def sample(
    model, tokenizer, prompts: list[str], max_new_tokens: int, temperature: float, seed: int
) -> list[dict]:
    """Continuations of each prompt ({"output", "finish", "tokens", "ids"}), in order:
    greedy when temperature is 0, else sampled with ``seed``."""
    import torch

    eos = tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    encoded = [tokenizer(p)["input_ids"] for p in prompts]
    width = max(len(e) for e in encoded)
    input_ids = torch.tensor([[pad] * (width - len(e)) + e for e in encoded])
    attention = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encoded])
    options = {"do_sample": False}
    if temperature > 0:
        torch.manual_seed(seed)
        options = {"do_sample": True, "temperature": temperature, "top_k": 0, "top_p": 1.0}
    with torch.no_grad():
        out = model.generate(
            input_ids=input_ids,
            attention_mask=attention,
            max_new_tokens=max_new_tokens,
            pad_token_id=pad,
            eos_token_id=eos,
            **options,
        )
    answers = []
    for row in out[:, width:].tolist():
        stop = row.index(eos) if eos in row else None
        ids = row if stop is None else row[:stop]
        answers.append(
            {
                "output": tokenizer.decode(ids, skip_special_tokens=True),
                "finish": "length" if stop is None else "stop",
                "tokens": len(ids),
                "ids": ids,
            }
        )
    return answers
