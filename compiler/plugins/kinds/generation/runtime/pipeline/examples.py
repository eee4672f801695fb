# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/pipeline/examples.py
"""Examples for the peft train step: whole text chunks (completion style).

- Each chunk is one example, encoded by pipeline/textgen.py (BOS when the tokenizer
  adds one, the text, EOS); the loss covers every token, so the model learns the
  text itself, and where a chunk ends. Nothing is cut: a chunk longer than
  MAX_SEQ_LENGTH stops the script.
"""

import json
from pathlib import Path

from . import schema, textgen
from .causal import PadLabels as Collator
from .causal import check_ends as check
from .causal import load_causal_lm

__all__ = ["Collator", "check", "load_model", "load_split", "loss_function"]

DATA = Path(__file__).resolve().parent.parent / "work" / "data"


def load_split(tokenizer, split: str) -> list[dict]:
    """Token ids of each chunk of one split; the loss covers them all."""
    path = DATA / f"{split}.jsonl"
    if not path.is_file():
        return []
    items = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            ids = textgen.encode(tokenizer, record["text"])
            if len(ids) > schema.MAX_SEQ_LENGTH:
                raise SystemExit(
                    f"train: {record['id']} has {len(ids)} tokens > {schema.MAX_SEQ_LENGTH}"
                )
            items.append({"input_ids": ids, "labels": list(ids)})
    return items


def load_model(config: dict, tokenizer):
    return load_causal_lm(config)


def loss_function(train_set: list[dict]):
    """None: the causal LM's own loss, over every token of the chunk."""
    return None
