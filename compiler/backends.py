"""Training vocabulary -> each backend's own keys, in one place.

The spec says rank, alpha, dropout, layers, steps or epochs, batch size,
gradient accumulation, learning rate, warmup and schedule once. This module
translates them and returns the table (spec value -> backend key -> value) that
the generated README shows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    spec_key: str
    spec_value: str
    backend_key: str
    backend_value: str
    note: str = ""


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def mlx_config(t: dict, model: dict, data_dir: str, adapter_dir: str) -> tuple[dict, list[Row]]:
    """mlx-lm 0.32 `mlx_lm.lora -c` config (keys checked against mlx_lm/lora.py).

    ``t`` is the resolved training section. mlx-lm counts micro-batches as
    iterations, so iters, steps_per_eval and save_every are multiplied by the
    gradient accumulation; its schedules count optimizer updates.
    """
    accum = t["grad_accumulation"]
    lora = t["lora"]
    scale = lora["alpha"] / lora["rank"]
    num_layers = -1 if lora["layers"] == "all" else lora["layers"]
    cfg: dict = {
        "model": model["base"],
        "train": True,
        "data": data_dir,
        "fine_tune_type": "lora",
        "num_layers": num_layers,
        "lora_parameters": {"rank": lora["rank"], "scale": scale, "dropout": lora["dropout"]},
        "batch_size": t["batch_size"],
        "grad_accumulation_steps": accum,
    }
    rows = [
        Row("training.lora.rank", _fmt(lora["rank"]), "lora_parameters.rank", _fmt(lora["rank"])),
        Row(
            "training.lora.alpha",
            _fmt(lora["alpha"]),
            "lora_parameters.scale",
            _fmt(scale),
            "mlx-lm takes scale = alpha / rank (it has no alpha key)",
        ),
        Row(
            "training.lora.dropout",
            _fmt(lora["dropout"]),
            "lora_parameters.dropout",
            _fmt(lora["dropout"]),
        ),
        Row(
            "training.lora.layers",
            _fmt(lora["layers"]),
            "num_layers",
            _fmt(num_layers),
            "last N blocks; -1 is all (the key was lora_layers before mlx-lm 0.20)",
        ),
        Row("training.batch_size", _fmt(t["batch_size"]), "batch_size", _fmt(t["batch_size"])),
        Row("training.grad_accumulation", _fmt(accum), "grad_accumulation_steps", _fmt(accum)),
    ]
    if t["steps"] is not None:
        cfg["iters"] = t["steps"] * accum
        rows.append(
            Row(
                "training.steps",
                _fmt(t["steps"]),
                "iters",
                _fmt(cfg["iters"]),
                "mlx-lm iterations are micro-batches: steps x grad_accumulation",
            )
        )
    else:
        rows.append(
            Row(
                "training.epochs",
                _fmt(t["epochs"]),
                "iters",
                "from the train split size",
                "pipeline/train.py: ceil(epochs x ceil(n_train / (batch x accum))) x accum",
            )
        )
    cfg["learning_rate"] = t["learning_rate"]
    rows.append(
        Row(
            "training.learning_rate",
            _fmt(t["learning_rate"]),
            "learning_rate",
            _fmt(t["learning_rate"]),
        )
    )
    schedule = lr_schedule(t, t["steps"])
    if schedule is not None:
        cfg["lr_schedule"] = schedule
        rows.append(
            Row(
                "training.lr_schedule + warmup_steps",
                f"{t['lr_schedule']}, {t['warmup_steps']}",
                "lr_schedule",
                f"{schedule['name']}, warmup {schedule.get('warmup', 0)}",
                "counted in optimizer updates",
            )
        )
    cfg.update(
        {
            "val_batches": -1,
            "steps_per_report": min(10 * accum, max(accum, (t["steps"] or 10) * accum)),
            "steps_per_eval": t["eval_every"] * accum,
            "save_every": t["save_every"] * accum,
            "adapter_path": adapter_dir,
            "max_seq_length": model["max_seq_length"],
            "grad_checkpoint": t["grad_checkpoint"],
            "mask_prompt": True,
            "seed": t["seed"],
        }
    )
    rows += [
        Row(
            "training.eval_every",
            _fmt(t["eval_every"]),
            "steps_per_eval",
            _fmt(cfg["steps_per_eval"]),
            "in micro-batches",
        ),
        Row(
            "training.save_every",
            _fmt(t["save_every"]),
            "save_every",
            _fmt(cfg["save_every"]),
            "in micro-batches",
        ),
        Row(
            "model.max_seq_length",
            _fmt(model["max_seq_length"]),
            "max_seq_length",
            _fmt(model["max_seq_length"]),
            "the data step refuses longer examples; mlx-lm would cut them",
        ),
        Row("(always)", "loss on the completion only", "mask_prompt", "true"),
        Row("training.seed", _fmt(t["seed"]), "seed", _fmt(t["seed"])),
    ]
    return cfg, rows


def lr_schedule(t: dict, steps: int | None) -> dict | None:
    """mlx-lm `lr_schedule` for the spec's schedule; None means a constant rate."""
    lr = t["learning_rate"]
    warmup = t["warmup_steps"]
    kind = t["lr_schedule"]
    if kind == "constant" and warmup == 0:
        return None
    decay = None if steps is None else max(1, steps - warmup)
    if kind == "cosine":
        sched = {"name": "cosine_decay", "arguments": [lr, decay, 0.0]}
    elif kind == "linear":
        sched = {"name": "linear_schedule", "arguments": [lr, 0.0, decay]}
    else:
        sched = {"name": "linear_schedule", "arguments": [lr, lr, 1]}
    if warmup:
        sched["warmup"] = warmup
        sched["warmup_init"] = 0.0
    return sched
