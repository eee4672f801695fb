# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/select.py
"""Which checkpoint is kept: the best task metric on the valid split
(training.select_by: metric; the head route's default).

The Trainer keeps the checkpoint with the best `metric_for_best_model`
(configs/peft.yaml, the same metric as SELECT_METRIC) and loads it at the end; early
stopping counts evaluations without a better value of it. The metric is computed as
eval computes it: the answers parsed by this project's parser and scored by its metrics.

- Head route (SELECT_SAMPLE None): `compute_metrics`, from the head's outputs on every
  valid example, which the evaluation's forward pass gives at no extra cost.
- Generative route: `SampleCallback`, which answers the first SELECT_SAMPLE valid prompts
  greedily (max_new_tokens as eval) at each evaluation and adds the metric to that
  evaluation's metrics before the Trainer compares checkpoints.
"""

import json
from itertools import islice
from pathlib import Path

from transformers import TrainerCallback

from . import metrics, schema
from .parse import parse_all

DATA = Path(__file__).resolve().parent.parent / "work" / "data"
KEY = f"eval_{schema.SELECT_METRIC}"


def valid_examples(limit: int | None = None) -> list[tuple[list[dict], dict]]:
    """(prompt messages, gold labels) of the valid split's first ``limit`` examples."""
    with open(DATA / "valid.jsonl", encoding="utf-8") as c:
        with open(DATA / "valid.gold.jsonl", encoding="utf-8") as g:
            return [
                (json.loads(chat)["messages"][:-1], json.loads(gold)["labels"])
                for chat, gold in islice(zip(c, g, strict=True), limit)
            ]


def value(golds: list[dict], outputs: list[str], finishes: list[str]) -> float:
    """SELECT_METRIC of these answers, as eval computes it."""
    records = [{"finish": finish} for finish in finishes]
    result = metrics.score(golds, parse_all(outputs), records, [{} for _ in golds])
    found = result["summary"].get(schema.SELECT_METRIC)
    if found is None:
        raise SystemExit(
            f"train: {schema.SELECT_METRIC} cannot be computed on the valid split's "
            f"{len(golds)} examples (a class without an example?), so no checkpoint can be "
            "chosen by it: set training.select_by: loss, or put another metric first in "
            "acceptance.thresholds"
        )
    return found


def check(config: dict) -> None:
    """The config and the schema name the same metric (both come from the spec)."""
    if config["training"].get("metric_for_best_model") != schema.SELECT_METRIC:
        raise SystemExit(
            f"train: configs/peft.yaml selects by "
            f"{config['training'].get('metric_for_best_model')!r} but pipeline/schema.py by "
            f"{schema.SELECT_METRIC!r}: rebuild the project"
        )


def compute_metrics(golds: list[dict], answer):
    """The head route's Trainer compute_metrics: ``answer`` turns one example's outputs
    into the generative route's answer (pipeline/head_task.py)."""

    def compute(prediction) -> dict:
        outputs = [answer(row) for row in prediction.predictions.tolist()]
        if len(outputs) != len(golds):
            raise SystemExit(f"train: {len(outputs)} predictions for {len(golds)} valid examples")
        return {schema.SELECT_METRIC: value(golds, outputs, ["stop"] * len(outputs))}

    return compute


class SampleCallback(TrainerCallback):
    """The generative route: the metric on SELECT_SAMPLE valid answers, at each evaluation."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self.examples = valid_examples(schema.SELECT_SAMPLE)

    def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
        from .generate_hf import generate_batch

        was_training = model.training
        model.eval()
        outputs, finishes = [], []
        for start in range(0, len(self.examples), schema.EVAL_BATCH_SIZE):
            batch = [m for m, _ in self.examples[start : start + schema.EVAL_BATCH_SIZE]]
            for answer in generate_batch(model, self.tokenizer, batch, schema.MAX_NEW_TOKENS):
                outputs.append(answer["output"])
                finishes.append(answer["finish"])
        if was_training:
            model.train()
        found = value([g for _, g in self.examples], outputs, finishes)
        metrics[KEY] = found
        if state.log_history and "eval_loss" in state.log_history[-1]:
            state.log_history[-1][KEY] = found  # the evaluation's log entry
        print(f"train: {schema.SELECT_METRIC} {found:.4f} on {len(outputs)} valid answers")
        return control
