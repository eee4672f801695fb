# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/backends/mlx/runtime/pipeline/engine.py
"""How eval gets its answers: mlx-lm with the adapter, one prompt at a time, or an
OpenAI-compatible server (--server URL, see pipeline/generate_hf.py)."""

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
    from mlx_lm import load, stream_generate

    model, tokenizer = load(schema.MODEL, adapter_path=str(adapter) if adapter else None)
    for example in todo:
        # The same call mlx-lm makes when it masks the prompt in training.
        prompt = tokenizer.apply_chat_template(
            example["messages"], add_generation_prompt=True, return_dict=False
        )
        text, finish, n_tokens = "", None, 0
        for response in stream_generate(model, tokenizer, prompt, max_tokens=schema.MAX_NEW_TOKENS):
            text += response.text
            finish = response.finish_reason
            n_tokens = response.generation_tokens
        yield example, {"output": text, "finish": finish, "tokens": n_tokens}
