# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/engine.py
"""How eval gets its answers: transformers + peft, batched with left padding (see
pipeline/generate_hf.py), or an OpenAI-compatible server (--server URL)."""

from pathlib import Path

from . import generate_hf, schema


def answers(todo: list[dict], adapter: Path | None, server: str | None):
    """(example, answer record) for each example, as they are generated."""
    if server:
        for example in todo:
            yield (
                example,
                generate_hf.ask_server(
                    server, schema.MODEL, example["messages"], schema.MAX_NEW_TOKENS
                ),
            )
        return
    model, tokenizer = generate_hf.load_model(adapter)
    for start in range(0, len(todo), schema.EVAL_BATCH_SIZE):
        batch = todo[start : start + schema.EVAL_BATCH_SIZE]
        replies = generate_hf.generate_batch(
            model, tokenizer, [e["messages"] for e in batch], schema.MAX_NEW_TOKENS
        )
        for example, answer in zip(batch, replies, strict=True):
            answer.pop("ids")
            yield example, answer
