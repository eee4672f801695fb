# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/examples.py
"""Examples for the peft train step: chat answers.

- Loss on the answer only: the prompt's tokens (measured exactly as at eval, with
  the chat template's generation prompt) are labelled -100.
- Every answer ends with the chat template's end-of-turn token, so the model
  learns to stop; the script checks it on every example.
"""

import json
from pathlib import Path

from . import schema
from .causal import PadLabels as Collator
from .causal import check_ends as check
from .causal import load_causal_lm

__all__ = ["Collator", "check", "load_model", "load_split", "loss_function", "selection"]

DATA = Path(__file__).resolve().parent.parent / "work" / "data"


def encode(tokenizer, messages: list[dict]) -> dict:
    """Token ids and labels of one example: -100 over the prompt, the answer learned."""
    prompt = tokenizer.apply_chat_template(
        messages[:-1], add_generation_prompt=True, return_dict=False
    )
    full = tokenizer.apply_chat_template(messages, return_dict=False)
    if full[: len(prompt)] != prompt:
        raise SystemExit("train: the chat template does not extend the prompt; cannot mask it")
    if len(full) > schema.MAX_SEQ_LENGTH:
        raise SystemExit(f"train: an example has {len(full)} tokens > {schema.MAX_SEQ_LENGTH}")
    if len(full) == len(prompt):
        raise SystemExit("train: an example has no answer tokens")
    labels = [-100] * len(prompt) + full[len(prompt) :]
    return {"input_ids": full, "labels": labels}


def load_split(tokenizer, split: str) -> list[dict]:
    path = DATA / f"{split}.jsonl"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as handle:
        return [encode(tokenizer, json.loads(line)["messages"]) for line in handle]


def load_model(config: dict, tokenizer):
    return load_causal_lm(config)


def loss_function(train_set: list[dict]):
    """None: the causal LM's own loss, over the answer tokens."""
    return None


def selection(config: dict, tokenizer):
    """(compute_metrics, callbacks) that put the task metric into each evaluation: the
    answers to a sample of the valid split, generated at each evaluation."""
    from . import select

    select.check(config)
    return None, [select.SampleCallback(tokenizer)]
