# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/routes/head/runtime/pipeline/examples.py
"""Examples for the peft train step: a sequence-classification head.

- The base model with a new head (pipeline/head.py): one output per label name of the
  kind (pipeline/head_task.py: a regression's dimensions, scores scaled to 0..1, MSE; a
  classification's classes, cross-entropy, optionally weighted per class). The head is
  trained in full (peft modules_to_save), the body through LoRA.
- Input: the prompt exactly as the generative route builds it (the chat template
  with its generation prompt), or its plain text for an encoder.
"""

import json
from pathlib import Path

from . import head, head_task, schema

DATA = Path(__file__).resolve().parent.parent / "work" / "data"


def load_split(tokenizer, split: str) -> list[dict]:
    """Prompt token ids and targets of one split (chat and gold files line by line)."""
    chats, golds = DATA / f"{split}.jsonl", DATA / f"{split}.gold.jsonl"
    if not chats.is_file():
        return []
    items = []
    with open(chats, encoding="utf-8") as c, open(golds, encoding="utf-8") as g:
        for chat_line, gold_line in zip(c, g, strict=True):
            ids = head.prompt_ids(tokenizer, json.loads(chat_line)["messages"][:-1])
            if len(ids) > schema.MAX_SEQ_LENGTH:
                raise SystemExit(f"train: a prompt has {len(ids)} tokens > {schema.MAX_SEQ_LENGTH}")
            items.append(
                {"input_ids": ids, "labels": head_task.target(json.loads(gold_line)["labels"])}
            )
    return items


class Collator:
    """Pads on the right (a decoder's head reads the last token that is not padding, an
    encoder's the first)."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, batch: list[dict]) -> dict:
        import torch

        width = max(len(item["input_ids"]) for item in batch)
        ids = [
            item["input_ids"] + [self.pad_id] * (width - len(item["input_ids"])) for item in batch
        ]
        mask = [
            [1] * len(item["input_ids"]) + [0] * (width - len(item["input_ids"])) for item in batch
        ]
        return {
            "input_ids": torch.tensor(ids),
            "labels": torch.tensor(
                [item["labels"] for item in batch], dtype=getattr(torch, head_task.LABEL_DTYPE)
            ),
            "attention_mask": torch.tensor(mask),
        }


def check(train_set: list[dict], tokenizer) -> None:
    """Nothing to check: the head reads the prompt; there is no answer."""


def load_model(config: dict, tokenizer):
    return head.load_base(tokenizer)


def loss_function(train_set: list[dict]):
    """The Trainer's compute_loss_func (None: the model's own loss)."""
    return head_task.loss_function(train_set)


def selection(config: dict, tokenizer):
    """(compute_metrics, callbacks) that put the task metric into each evaluation: the
    head's outputs on the whole valid split, read as answers."""
    from . import select

    select.check(config)
    golds = [gold for _, gold in select.valid_examples()]
    return select.compute_metrics(golds, head_task.answer), []
