# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/routes/head/runtime/pipeline/examples.py
"""Examples for the peft train step: a regression head.

- The base model with a sequence-classification head: problem_type regression,
  one output per dimension (len(schema.DIMENSIONS)), mean squared error. Scores are scaled to 0..1
  from the declared range for training (pipeline/head.py); the head is new and
  trained in full (peft modules_to_save), the body through LoRA.
- Input: the prompt exactly as the generative route builds it (the chat template
  with its generation prompt); the head reads the last token's hidden state.
"""

import json
from pathlib import Path

from . import head, schema

DATA = Path(__file__).resolve().parent.parent / "work" / "data"


def load_split(tokenizer, split: str) -> list[dict]:
    """Prompt token ids and scaled scores of one split (chat and gold files line by line)."""
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
                {"input_ids": ids, "labels": head.to_unit(json.loads(gold_line)["labels"])}
            )
    return items


class Collator:
    """Pads on the right; the head reads the last token that is not padding."""

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
            "labels": torch.tensor([item["labels"] for item in batch], dtype=torch.float32),
            "attention_mask": torch.tensor(mask),
        }


def check(train_set: list[dict], tokenizer) -> None:
    """Nothing to check: the head reads the prompt's last token; there is no answer."""


def load_model(config: dict, tokenizer):
    return head.load_base(tokenizer)
