# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/few_shot.py
"""The base model's examples (spec eval.base_shots): make eval-base shows it that many
train examples, as the user and assistant turns the tuned model was trained on, before
each held-out prompt. A project has this module only where its spec sets base_shots."""

import json
import random
from pathlib import Path

from . import schema


def example_turns(k: int, data: Path, seed: int = schema.SPLIT_SEED) -> tuple[list, list]:
    """(turns, ids): ``k`` distinct train examples drawn with ``seed``, as the user and
    assistant turns the tuned model was trained on (the same prompt template and answer
    format), for the base model to see before each held-out prompt (make eval-base)."""
    chats, golds = data / "train.jsonl", data / "train.gold.jsonl"
    if not chats.is_file() or not golds.is_file():
        raise SystemExit(f"eval: {chats} not found; run the data step first")
    records: dict = {}  # id -> turns; oversampled or weighted rows are repeated in train
    with open(chats, encoding="utf-8") as c, open(golds, encoding="utf-8") as g:
        for chat_line, gold_line in zip(c, g, strict=True):
            key = json.loads(gold_line)["id"]
            if key not in records:
                messages = json.loads(chat_line)["messages"]
                records[key] = [m for m in messages if m["role"] != "system"]
    if len(records) < k:
        raise SystemExit(
            f"eval: eval.base_shots is {k} but the train split has {len(records)} examples; "
            "lower base_shots in the spec"
        )
    ids = random.Random(seed).sample(sorted(records, key=str), k)
    return [turn for key in ids for turn in records[key]], ids


def with_shots(messages: list[dict], turns: list[dict]) -> list[dict]:
    """The prompt's system message, then the example turns, then the prompt itself."""
    system = [m for m in messages if m["role"] == "system"]
    return system + turns + [m for m in messages if m["role"] != "system"]
