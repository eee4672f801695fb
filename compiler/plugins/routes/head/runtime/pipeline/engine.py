# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/routes/head/runtime/pipeline/engine.py
"""How eval gets its answers on the head route: the regression head's scores, written
as the generative route would answer them (pipeline/head.py)."""

import json
from pathlib import Path

from . import head, schema


def answers(todo: list[dict], adapter: Path | None, server: str | None):
    """(example, answer record) for each example, as they are generated."""
    if server:
        raise SystemExit("eval: a regression head answers through transformers, not a chat server")
    model, tokenizer = head.load_model(adapter)
    for start in range(0, len(todo), schema.EVAL_BATCH_SIZE):
        batch = todo[start : start + schema.EVAL_BATCH_SIZE]
        for example, raw in zip(
            batch, head.predict(model, tokenizer, [e["messages"] for e in batch]), strict=True
        ):
            # The scores as the generative route would answer them, so that one
            # parser and one set of metrics score both routes.
            yield example, {"output": json.dumps(head.from_unit(raw)), "finish": "stop", "raw": raw}
