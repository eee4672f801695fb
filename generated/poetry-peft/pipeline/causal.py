# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/causal.py
"""Causal-LM examples for the peft train step: right padding whose labels never count
in the loss, the answer's end checked, and the base model loaded (in 4-bit NF4 through
pipeline/quantized.py where the spec asks for QLoRA)."""

from . import schema

if getattr(schema, "QUANTIZE", None) == "4bit":
    from .quantized import load_quantized


class PadLabels:
    """Pads on the right; padding never counts in the loss."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, batch: list[dict]) -> dict:
        import torch

        width = max(len(item["input_ids"]) for item in batch)
        ids, labels, mask = [], [], []
        for item in batch:
            pad = width - len(item["input_ids"])
            ids.append(item["input_ids"] + [self.pad_id] * pad)
            labels.append(item["labels"] + [-100] * pad)
            mask.append([1] * len(item["input_ids"]) + [0] * pad)
        return {
            "input_ids": torch.tensor(ids),
            "labels": torch.tensor(labels),
            "attention_mask": torch.tensor(mask),
        }


def check_ends(train_set: list[dict], tokenizer) -> None:
    """Every example ends with the end-of-turn (or end-of-text) token: the model
    learns to stop."""
    eos = tokenizer.eos_token_id
    for item in train_set:
        if item["input_ids"][-1] != eos and eos not in item["labels"][-3:]:
            raise SystemExit("train: an answer does not end with the end-of-turn token")


def load_causal_lm(config: dict):
    if getattr(schema, "QUANTIZE", None) == "4bit":
        return load_quantized(config)
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(schema.MODEL)
