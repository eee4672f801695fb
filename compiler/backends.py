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


class _Table:
    """A backend config and its README table, built together so they cannot disagree."""

    def __init__(self) -> None:
        self.config: dict = {}
        self.rows: list[Row] = []

    def put(self, spec_key: str, spec_value, key: str, value, note: str = "", *, shown=None):
        """Set ``key`` (dotted: nested) to ``value`` and record the row."""
        node = self.config
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
        if spec_key:
            self.rows.append(
                Row(spec_key, _fmt(spec_value), key, _fmt(value if shown is None else shown), note)
            )

    def note(self, spec_key: str, spec_value, key: str, shown: str, note: str = "") -> None:
        """A row for a value the config does not hold literally."""
        self.rows.append(Row(spec_key, _fmt(spec_value), key, shown, note))


def mlx_config(
    t: dict, model: dict, data_dir: str, adapter_dir: str, tracking: dict | None = None
) -> tuple[dict, list[Row]]:
    """mlx-lm 0.32 `mlx_lm.lora -c` config (keys checked against mlx_lm/lora.py).

    ``t`` is the resolved training section. mlx-lm counts micro-batches as
    iterations, so iters, steps_per_eval and save_every are multiplied by the
    gradient accumulation; its schedules count optimizer updates. ``tracking``: the
    resolved tracker (None: none).
    """
    accum = t["grad_accumulation"]
    lora = t["lora"]
    tb = _Table()
    tb.put("model.base", model["base"], "model", model["base"])
    tb.put("", None, "train", True)
    tb.put("", None, "data", data_dir)
    tb.put("", None, "fine_tune_type", "lora")
    layers = -1 if lora["layers"] == "all" else lora["layers"]
    tb.put(
        "training.lora.layers",
        lora["layers"],
        "num_layers",
        layers,
        "last N blocks; -1 is all (the key was lora_layers before mlx-lm 0.20)",
    )
    tb.put("training.lora.rank", lora["rank"], "lora_parameters.rank", lora["rank"])
    tb.put(
        "training.lora.alpha",
        lora["alpha"],
        "lora_parameters.scale",
        lora["alpha"] / lora["rank"],
        "mlx-lm takes scale = alpha / rank (it has no alpha key)",
    )
    tb.put("training.lora.dropout", lora["dropout"], "lora_parameters.dropout", lora["dropout"])
    tb.put("training.batch_size", t["batch_size"], "batch_size", t["batch_size"])
    tb.put("training.grad_accumulation", accum, "grad_accumulation_steps", accum)
    if t["steps"] is not None:
        tb.put(
            "training.steps",
            t["steps"],
            "iters",
            t["steps"] * accum,
            "mlx-lm iterations are micro-batches: steps x grad_accumulation",
        )
    else:
        tb.note(
            "training.epochs",
            t["epochs"],
            "iters",
            "from the train split size",
            "pipeline/train.py: ceil(epochs x ceil(n_train / (batch x accum))) x accum",
        )
    tb.put("training.learning_rate", t["learning_rate"], "learning_rate", t["learning_rate"])
    tb.put("", None, "optimizer", "adam")
    tb.put(
        "(always)",
        "Adam, bias-corrected (as peft's AdamW, weight decay 0)",
        "optimizer_config.adam.bias_correction",
        True,
        "mlx's Adam defaults to no bias correction: its updates are 3.2-6.5x the learning "
        "rate over the first 100, still 1.3x at 1000",
    )
    schedule = lr_schedule(t, t["steps"])
    if schedule is not None:
        tb.put(
            "training.lr_schedule + warmup_steps",
            f"{t['lr_schedule']}, {t['warmup_steps']}",
            "lr_schedule",
            schedule,
            "counted in optimizer updates"
            + (
                "; mlx-lm holds the peak one update longer than transformers, so its decay "
                "runs one update later"
                if schedule.get("warmup") and t["lr_schedule"] != "constant"
                else ""
            ),
            shown=f"{schedule['name']}, warmup {schedule.get('warmup', 0)}",
        )
    tb.put("", None, "val_batches", -1)
    tb.put("", None, "steps_per_report", min(10, t["steps"] or 10) * accum)
    tb.put(
        "training.eval_every",
        t["eval_every"],
        "steps_per_eval",
        t["eval_every"] * accum,
        "in micro-batches",
    )
    tb.put(
        "training.save_every",
        t["save_every"],
        "save_every",
        t["save_every"] * accum,
        "in micro-batches",
    )
    tb.put("", None, "adapter_path", adapter_dir)
    tb.put(
        "model.max_seq_length",
        model["max_seq_length"],
        "max_seq_length",
        model["max_seq_length"],
        "the data step refuses longer examples; mlx-lm would cut them",
    )
    tb.put(
        "training.grad_checkpoint", t["grad_checkpoint"], "grad_checkpoint", t["grad_checkpoint"]
    )
    tb.put(
        "(always)",
        "loss on the completion only",
        "mask_prompt",
        True,
        "mlx-lm 0.32's loss also counts one padding position after EOS (target id 0), so "
        "its reported losses are not peft's",
    )
    tb.note(
        "(always)",
        "gradient norm clipped at 1.0",
        "(no key)",
        "pipeline/train.py",
        "mlx-lm cannot clip: pipeline/train.py runs its lora command with an Adam that clips, "
        "as peft's Trainer does (max_grad_norm 1.0)",
    )
    tb.put("training.seed", t["seed"], "seed", t["seed"])
    if tracking is not None:
        _mlx_tracking(tb, tracking)
    return tb.config, tb.rows


def lr_schedule(t: dict, steps: int | None) -> dict | None:
    """mlx-lm `lr_schedule` for the spec's schedule; None means a constant rate."""
    lr = t["learning_rate"]
    warmup = t["warmup_steps"]
    schedule = t["lr_schedule"]
    if schedule == "constant" and warmup == 0:
        return None
    decay = None if steps is None else max(1, steps - warmup)
    if schedule == "cosine":
        sched = {"name": "cosine_decay", "arguments": [lr, decay, 0.0]}
    elif schedule == "linear":
        sched = {"name": "linear_schedule", "arguments": [lr, 0.0, decay]}
    else:
        sched = {"name": "linear_schedule", "arguments": [lr, lr, 1]}
    if warmup:
        sched["warmup"] = warmup
        sched["warmup_init"] = 0.0
    return sched


def _hf_scheduler(t: dict) -> str:
    """transformers' scheduler name for the spec's schedule (warmup is set apart)."""
    if t["lr_schedule"] == "constant":
        return "constant_with_warmup" if t["warmup_steps"] else "constant"
    return t["lr_schedule"]  # cosine, linear


def _keep_best(tb: _Table, t: dict, prefix: str, *, strategies: bool) -> None:
    """The checkpoint policy of the Trainer-based backends (peft, Axolotl): evaluate every
    eval_every steps, save at each evaluation, keep the best (lowest eval loss), and stop
    early after early_stopping_patience evaluations without improvement."""
    if strategies:
        tb.put("", None, f"{prefix}eval_strategy", "steps")
    tb.put("training.eval_every", t["eval_every"], f"{prefix}eval_steps", t["eval_every"])
    if strategies:
        tb.put("", None, f"{prefix}save_strategy", "steps")
    tb.put(
        "training.save_every",
        t["save_every"],
        f"{prefix}save_steps",
        t["eval_every"],
        "a checkpoint at every evaluation, so the best one can be kept",
    )
    tb.put("", None, f"{prefix}save_total_limit", 2)
    tb.put("(always)", "keep the best checkpoint", f"{prefix}load_best_model_at_end", True)
    select = t.get("select")
    if select is None:
        tb.put("", None, f"{prefix}metric_for_best_model", "eval_loss")
        tb.put("", None, f"{prefix}greater_is_better", False)
    else:
        sample = select["sample"]
        tb.put(
            "training.select_by",
            "metric",
            f"{prefix}metric_for_best_model",
            select["metric"],
            "the first acceptance threshold's metric that the answers decide (else the "
            "kind's headline metric), by the project's own parser and metrics on the valid "
            + (
                "split's predictions at every evaluation (the head's forward pass gives them)"
                if sample is None
                else f"split's first {sample} prompts, answered greedily at every evaluation "
                "(training.select_sample)"
            ),
        )
        tb.put("", None, f"{prefix}greater_is_better", select["greater_is_better"])
    patience = t.get("early_stopping_patience")
    if patience is not None:
        tb.put(
            "training.early_stopping_patience",
            patience,
            f"{prefix}early_stopping_patience",
            patience,
            "EarlyStoppingCallback, in evaluations",
        )


def peft_config(
    t: dict,
    model: dict,
    *,
    head: dict | None = None,
    text: bool = False,
    tracking: dict | None = None,
) -> tuple[dict, list[Row]]:
    """transformers + peft: LoraConfig and TrainingArguments keys (transformers 5, peft 0.21).

    Trainer counts optimizer updates as steps, so steps, eval_every and save_every
    keep their meaning. peft scales LoRA by alpha / r as mlx-lm's scale does.
    ``head``: the head route (sequence classification) instead of a causal LM answering
    text: the kind's ``head_config`` ({"model": what the model and its loss are, "rows":
    the kind's own README rows}). ``text``: completion-style training on whole text chunks.
    """
    lora = t["lora"]
    tb = _Table()
    if head is not None:
        tb.put(
            "labels.route",
            "head",
            "lora.task_type",
            "SEQ_CLS",
            f"{head['model']}; the new head is trained in full (peft modules_to_save)",
        )
    else:
        tb.put("", None, "lora.task_type", "CAUSAL_LM")
    tb.put("training.lora.rank", lora["rank"], "lora.r", lora["rank"])
    tb.put(
        "training.lora.alpha",
        lora["alpha"],
        "lora.lora_alpha",
        lora["alpha"],
        "peft scales updates by lora_alpha / r (= mlx-lm's scale)",
    )
    tb.put("training.lora.dropout", lora["dropout"], "lora.lora_dropout", lora["dropout"])
    if model["architecture"] == "encoder":
        tb.put(
            "model.architecture",
            "encoder",
            "lora.target_modules",
            ["query", "key", "value", "dense"],
            "LoRA, not full fine-tuning, so that train, merge and eval are the decoder's: "
            "BERT-family module names (BERT, RoBERTa, ELECTRA): self-attention query, key "
            "and value, and every dense layer (attention output, feed-forward, pooler); the "
            "classifier is trained in full",
            shown="query, key, value, dense",
        )
    else:
        tb.put("", None, "lora.target_modules", "all-linear")
    if lora["layers"] != "all":
        tb.put(
            "training.lora.layers",
            lora["layers"],
            "lora.last_layers",
            lora["layers"],
            "pipeline/train.py turns it into layers_to_transform (the last N blocks)",
        )
    elif model["architecture"] != "encoder":
        tb.note("training.lora.layers", "all", "lora.target_modules", "all-linear")
    if t["quantize"] == "4bit":
        tb.put(
            "training.quantize",
            "4bit",
            "quantization.load_in_4bit",
            True,
            "QLoRA: transformers BitsAndBytesConfig (bitsandbytes, CUDA); the adapter trains "
            "in 16-bit; eval and merge load the base unquantized",
        )
        tb.put("", None, "quantization.bnb_4bit_quant_type", "nf4")
        tb.put("", None, "quantization.bnb_4bit_use_double_quant", True)
        tb.put("", None, "quantization.bnb_4bit_compute_dtype", "bfloat16")
    tb.put(
        "training.batch_size",
        t["batch_size"],
        "training.per_device_train_batch_size",
        t["batch_size"],
    )
    tb.put("", None, "training.per_device_eval_batch_size", t["batch_size"])
    tb.put(
        "training.grad_accumulation",
        t["grad_accumulation"],
        "training.gradient_accumulation_steps",
        t["grad_accumulation"],
    )
    if t["steps"] is not None:
        tb.put(
            "training.steps",
            t["steps"],
            "training.max_steps",
            t["steps"],
            "optimizer updates, as in the spec",
        )
    else:
        tb.put("training.epochs", t["epochs"], "training.num_train_epochs", t["epochs"])
    tb.put(
        "training.learning_rate", t["learning_rate"], "training.learning_rate", t["learning_rate"]
    )
    scheduler = _hf_scheduler(t)
    tb.put("training.lr_schedule", t["lr_schedule"], "training.lr_scheduler_type", scheduler)
    tb.put(
        "training.warmup_steps",
        t["warmup_steps"],
        "training.warmup_steps",
        t["warmup_steps"],
        "counted in optimizer updates",
    )
    _keep_best(tb, t, "training.", strategies=True)
    tb.put("", None, "training.logging_steps", min(10, t["steps"] or 10))
    tb.put(
        "training.grad_checkpoint",
        t["grad_checkpoint"],
        "training.activation_checkpointing",
        t["grad_checkpoint"],
        "gradient_checkpointing before transformers 5",
    )
    tb.put("training.seed", t["seed"], "training.seed", t["seed"])
    tb.put("", None, "training.data_seed", t["seed"])
    _peft_tracking(tb, tracking)
    tb.put("", None, "training.remove_unused_columns", False)
    tb.note(
        "model.max_seq_length",
        model["max_seq_length"],
        "(data step and train.py)",
        str(model["max_seq_length"]),
        "longer examples stop the data step; nothing is cut",
    )
    if text:
        tb.note("(always)", "loss on every token of the chunk", "labels", "= input_ids, EOS last")
    elif head is not None:
        if not model["chat_template"]:
            tb.note(
                "model.chat_template",
                False,
                "input_ids",
                "the messages' text, with the tokenizer's special tokens",
                "system and user contents joined by a blank line ([CLS] ... [SEP] for BERT)",
            )
        for row in head["rows"]:
            tb.note(*row)
    else:
        tb.note("(always)", "loss on the completion only", "labels", "-100 over the prompt")
    return tb.config, tb.rows


def axolotl_config(
    t: dict, model: dict, eval_split: str, *, text: bool = False, tracking: dict | None = None
) -> tuple[dict, list[Row]]:
    """Axolotl (0.19) config for `axolotl preprocess|train config.yml`.

    Axolotl drops unknown keys silently, so every key here is checked against its
    own validator (tests/test_axolotl.py). The data step's chat records are used as
    they are: the chat template applied by the tokenizer, loss on assistant turns
    only, EOS trained at the end of each turn, and examples longer than
    sequence_len raise instead of being dropped (the data step refused them first).
    ``text``: completion-style training on whole text chunks (``{"text": ...}``
    records, Axolotl's ``completion`` type): the tokenizer's BOS, the text and EOS,
    loss on every token, as the peft trainer encodes them (pipeline/textgen.py).
    """
    lora = t["lora"]
    if text:
        dataset = {
            "path": "work/data/train.jsonl",
            "ds_type": "json",
            "split": "train",
            "type": "completion",
            "field": "text",
        }
    else:
        dataset = {
            "path": "work/data/train.jsonl",
            "ds_type": "json",
            "split": "train",
            "type": "chat_template",
            "field_messages": "messages",
            "roles_to_train": ["assistant"],
            "train_on_eos": "turn",
        }
    tb = _Table()
    tb.put("model.base", model["base"], "base_model", model["base"])
    if model["tokenizer"]:
        tb.put("model.tokenizer", model["tokenizer"], "tokenizer_config", model["tokenizer"])
    if not text:
        tb.put(
            "model.chat_template",
            True,
            "chat_template",
            "tokenizer_default",
            "the tokenizer's own template, as at eval",
        )
    tb.put("", None, "datasets", [dataset])
    tb.put("", None, "test_datasets", [{**dataset, "path": "work/data/valid.jsonl"}])
    if text:
        tb.note(
            "(always)",
            "loss on every token of the chunk",
            "datasets[].type",
            "completion",
            "the tokenizer's BOS, the text, then EOS, as pipeline/textgen.py encodes it",
        )
    else:
        tb.note(
            "(always)", "loss on the completion only", "datasets[].roles_to_train", "[assistant]"
        )
        tb.note("(always)", "EOS learned", "datasets[].train_on_eos", "turn")
    tb.put("", None, "dataset_prepared_path", "work/axolotl_prepared")
    tb.put("", None, "output_dir", "work/adapters")
    if t["quantize"] == "4bit":
        tb.put(
            "training.quantize",
            "4bit",
            "adapter",
            "qlora",
            "with load_in_4bit: the base in 4-bit NF4 (bitsandbytes); eval and merge load it "
            "unquantized",
        )
        tb.put("", None, "load_in_4bit", True)
    else:
        tb.put("", None, "adapter", "lora")
    tb.put("training.lora.rank", lora["rank"], "lora_r", lora["rank"])
    tb.put(
        "training.lora.alpha",
        lora["alpha"],
        "lora_alpha",
        lora["alpha"],
        "peft scaling alpha / r (= mlx-lm's scale)",
    )
    tb.put("training.lora.dropout", lora["dropout"], "lora_dropout", lora["dropout"])
    tb.put("", None, "lora_target_linear", True)
    if lora["layers"] != "all":
        tb.note(
            "training.lora.layers",
            lora["layers"],
            "peft_layers_to_transform",
            "the last N blocks",
            "set by scripts/train_axolotl.sh from the model's depth",
        )
    tb.put("model.max_seq_length", model["max_seq_length"], "sequence_len", model["max_seq_length"])
    tb.put(
        "(always)",
        "never truncate",
        "excess_length_strategy",
        "raise",
        "Axolotl's default, drop, would lose examples quietly"
        + ("; the data step refuses chunks over max_tokens first" if text else ""),
    )
    tb.put("", None, "sample_packing", False)
    tb.put("", None, "eval_sample_packing", False)
    tb.put("training.batch_size", t["batch_size"], "micro_batch_size", t["batch_size"])
    tb.put(
        "training.grad_accumulation",
        t["grad_accumulation"],
        "gradient_accumulation_steps",
        t["grad_accumulation"],
    )
    if t["steps"] is not None:
        tb.put("training.steps", t["steps"], "max_steps", t["steps"], "optimizer updates")
    else:
        tb.put("training.epochs", t["epochs"], "num_epochs", t["epochs"])
    tb.put("training.learning_rate", t["learning_rate"], "learning_rate", t["learning_rate"])
    scheduler = _hf_scheduler(t)
    tb.put("training.lr_schedule", t["lr_schedule"], "lr_scheduler", scheduler)
    tb.put("training.warmup_steps", t["warmup_steps"], "warmup_steps", t["warmup_steps"])
    _keep_best(tb, t, "", strategies=False)
    tb.put(
        "training.grad_checkpoint",
        t["grad_checkpoint"],
        "gradient_checkpointing",
        t["grad_checkpoint"],
    )
    tb.put("", None, "bf16", "auto")
    tb.put("training.seed", t["seed"], "seed", t["seed"])
    if tracking is not None:
        _axolotl_tracking(tb, tracking)
    del eval_split  # the valid split is Axolotl's eval set, as for the other backends
    return tb.config, tb.rows


LLGUIDANCE = "llguidance>=1.9  # constrained decoding, local engine (pipeline/constrain.py)"


def constrained_requirements(project) -> list[str]:
    """llguidance, where the project generates labelled answers locally (transformers or
    mlx-lm)."""
    from .plugins import kind

    generates = kind(project.kind).labelled and project.task.route != "head"
    return [LLGUIDANCE] if generates else []


# ------------------------------------------------------------------- tracking
# tracking.to -> the package the project's requirements.txt adds, and the tracker's name.
TRACKER_PACKAGES = {
    "tensorboard": "tensorboard>=2.16  # tracking: TensorBoard event files",
    "wandb": "wandb>=0.19  # tracking: Weights & Biases",
    "mlflow": "mlflow-skinny>=2.16  # tracking: MLflow",
}
TRACKER_NAMES = {"tensorboard": "TensorBoard", "wandb": "W&B", "mlflow": "MLflow"}
# How a project's README says to look at the run.
TRACKER_HOWTO = {
    "tensorboard": "`tensorboard --logdir work/tracking/tensorboard` shows it (one folder per "
    "run name; a rerun of training adds its events to the same folder)",
    "wandb": "log in with `wandb login` first, or set `WANDB_MODE=offline` to keep the run "
    "in `work/tracking/wandb/` and `wandb sync` it later; each training is a new run (a "
    "resumed one continues its run)",
    "mlflow": "the store is `$MLFLOW_TRACKING_URI` (a server, or e.g. `sqlite:///mlflow.db`); "
    "each training is a new run (a resumed one continues its run)",
}
TENSORBOARD_DIR = "work/tracking/tensorboard"  # pipeline/tensorboard_tracker.py: + the run
_SAME_RUN = "set by pipeline/tracking.py before training; eval and accept log to the same run"


def _run_id_row(tb: _Table, tracking: dict) -> None:
    """The environment that ties training, eval and accept to one run."""
    if tracking["to"] == "tensorboard":
        tb.note(
            "tracking.to",
            "tensorboard",
            "$TENSORBOARD_LOGGING_DIR",
            f"{TENSORBOARD_DIR}/{tracking['run']}",
            "set by pipeline/tracking.py before training; eval and accept add their scalars "
            "to the same directory",
        )
    elif tracking["to"] == "wandb":
        tb.note("(always)", "one run", "$WANDB_RUN_ID", "a new id per training", _SAME_RUN)
    else:
        tb.note(
            "(always)",
            "one run",
            "$MLFLOW_RUN_ID",
            "the run opened for the training",
            _SAME_RUN + "; the store is $MLFLOW_TRACKING_URI's",
        )


def _peft_tracking(tb: _Table, tracking: dict | None) -> None:
    """TrainingArguments report_to / run_name; the project goes by environment."""
    if tracking is None:
        tb.put("", None, "training.report_to", "none")
        return
    to = tracking["to"]
    tb.put(
        "tracking.to",
        to,
        "training.report_to",
        to,
        f"the Trainer's {TRACKER_NAMES[to]} callback logs the losses and learning rate",
    )
    tb.put("tracking.run", tracking["run"], "training.run_name", tracking["run"])
    if to == "wandb":
        tb.note("tracking.project", tracking["project"], "$WANDB_PROJECT", tracking["project"])
    elif to == "mlflow":
        tb.note(
            "tracking.project",
            tracking["project"],
            "$MLFLOW_EXPERIMENT_NAME",
            tracking["project"],
        )
    _run_id_row(tb, tracking)


def _axolotl_tracking(tb: _Table, tracking: dict) -> None:
    """Axolotl 0.19's use_tensorboard, wandb_* and mlflow_* keys."""
    to = tracking["to"]
    if to == "tensorboard":
        tb.put("tracking.to", to, "use_tensorboard", True)
    elif to == "wandb":
        tb.put(
            "tracking.project", tracking["project"], "wandb_project", tracking["project"], "W&B on"
        )
        tb.put("tracking.run", tracking["run"], "wandb_name", tracking["run"])
    else:
        tb.put(
            "tracking.project",
            tracking["project"],
            "mlflow_experiment_name",
            tracking["project"],
            "MLflow on",
        )
        tb.put("tracking.run", tracking["run"], "mlflow_run_name", tracking["run"])
    _run_id_row(tb, tracking)


def _mlx_tracking(tb: _Table, tracking: dict) -> None:
    """mlx-lm 0.32 reports to W&B itself (report_to, project_name); TensorBoard and
    MLflow get its reports from the train step's callback (pipeline/tracking.py)."""
    to = tracking["to"]
    if to == "wandb":
        tb.put("tracking.to", to, "report_to", to)
        tb.put("tracking.project", tracking["project"], "project_name", tracking["project"])
        tb.note(
            "tracking.run",
            tracking["run"],
            "(no key)",
            "pipeline/train.py",
            "mlx-lm names the run after adapter_path's folder; pipeline/train.py renames it",
        )
        _run_id_row(tb, tracking)
        return
    where = f"{TENSORBOARD_DIR}/{tracking['run']}" if to == "tensorboard" else "pipeline/train.py"
    tb.note(
        "tracking.to",
        to,
        "(no key)",
        where,
        f"mlx-lm 0.32 reports to wandb and swanlab only: the train step's callback sends "
        f"each train and validation report to {TRACKER_NAMES[to]} (pipeline/tracking.py); "
        "eval and accept log to the same run",
    )
    if to == "mlflow":
        tb.note(
            "tracking.project", tracking["project"], "$MLFLOW_EXPERIMENT_NAME", tracking["project"]
        )
        tb.note("tracking.run", tracking["run"], "(the run's name)", tracking["run"])
        _run_id_row(tb, tracking)
