"""Run one of a generated project's steps with timing probes (bench/gpu.py's helper).

    cd <project> && python bench/gpu_probe.py train LOG [-- step args]
    cd <project> && python bench/gpu_probe.py generate LOG --prompts N --batch B --max-new-tokens M

`train` runs the project's own `pipeline.train` unchanged (runpy, as `python -m`), with
two observers added to transformers' Trainer: every micro-batch's sequence lengths
(attention mask) and a timestamp after every optimizer step (CUDA synchronized), one
JSON line per step in LOG, flushed as it goes, so a run stopped at its time limit still
tells its speed. The first line describes the model (weights by kind, the first layer
with a trainable weight) for the FLOPs count in bench/gpu.py.

`generate` loads the model through the project's `pipeline.generate_hf.load_model` (base
+ the trained adapter, as `make eval` does) and answers prompts with its
`generate_batch` (greedy, left padding), one JSON line per batch in LOG. The prompts are
the project's own training examples without their answers. It stops after the batch
that passes --deadline (a Unix time).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import runpy
import sys
import time
from pathlib import Path

LAYER = re.compile(r"\.layers\.(\d+)\.")


def _sync() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def model_stats(model) -> dict:
    """Weights of every Linear by kind, and the layers the backward pass runs through."""
    import torch

    frozen_by_layer: dict[int, int] = {}
    lora_by_layer: dict[int, int] = {}
    head = other = trainable = lora_total = 0
    first_trainable = None
    dtypes = set()
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        # in x out, not weight.numel(): a 4-bit weight (bitsandbytes) is stored packed.
        n = module.in_features * module.out_features
        n += module.out_features if module.bias is not None else 0
        match = LAYER.search("." + name + ".")
        is_lora = ".lora_" in "." + name
        if module.weight.requires_grad:
            trainable += n
        if not is_lora:
            quant = getattr(module.weight, "quant_type", None)  # bitsandbytes Params4bit
            dtypes.add(quant or str(module.weight.dtype).replace("torch.", ""))
        if match is None:
            if name.endswith("lm_head") or name.endswith("score"):
                head += n
            else:
                other += n
            continue
        layer = int(match.group(1))
        if is_lora:
            lora_by_layer[layer] = lora_by_layer.get(layer, 0) + n
            lora_total += n
        else:
            frozen_by_layer[layer] = frozen_by_layer.get(layer, 0) + n
        if module.weight.requires_grad and (first_trainable is None or layer < first_trainable):
            first_trainable = layer
    config = model.config
    heads = config.num_attention_heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    layers = config.num_hidden_layers
    first = layers if first_trainable is None else first_trainable
    return {
        "layers": layers,
        "first_trainable_layer": first_trainable,
        "attention_width": heads * head_dim,
        "linear_params": sum(frozen_by_layer.values()) + lora_total + head + other,
        "lora_params": lora_total,
        "trainable_params": trainable,
        "all_params": sum(p.numel() for p in model.parameters()),
        "head_params": head,
        "backward_linear_params": sum(v for k, v in frozen_by_layer.items() if k >= first)
        + sum(v for k, v in lora_by_layer.items() if k >= first)
        + head,
        "backward_layers": layers - first,
        "recompute_linear_params": sum(v for k, v in frozen_by_layer.items() if k >= first)
        + sum(v for k, v in lora_by_layer.items() if k >= first),
        "base_dtype": ",".join(sorted(dtypes)),
    }


def probe_train(log_path: Path, step_args: list[str]) -> int:
    import transformers

    log = open(log_path, "a", encoding="utf-8")  # open for the whole run
    pending: list[tuple] = []  # (lengths, padded width) of each micro-batch since the last step

    def write(record: dict) -> None:
        log.write(json.dumps(record) + "\n")
        log.flush()

    class Probe(transformers.TrainerCallback):
        def on_train_begin(self, args, state, control, model=None, **kwargs):
            stats = model_stats(model) if model is not None else {}
            checkpointing = bool(
                getattr(args, "activation_checkpointing", None)
                or getattr(args, "gradient_checkpointing", None)
            )
            device = str(next(model.parameters()).device) if model is not None else None
            _sync()
            write(
                {
                    "kind": "model",
                    "t": time.perf_counter(),
                    "activation_checkpointing": checkpointing,
                    "device": device,
                    **stats,
                }
            )

        def on_step_end(self, args, state, control, **kwargs):
            _sync()
            lengths = [n for batch in pending for n in batch[0]]
            widths = [batch[1] for batch in pending]
            pending.clear()
            write(
                {
                    "kind": "step",
                    "step": state.global_step,
                    "t": time.perf_counter(),
                    "lengths": lengths,
                    "widths": widths,
                }
            )

    trainer_init = transformers.Trainer.__init__
    training_step = transformers.Trainer.training_step

    def __init__(self, *args, **kwargs):
        trainer_init(self, *args, **kwargs)
        self.add_callback(Probe())

    def probed_step(self, model, inputs, *args, **kwargs):
        mask = inputs.get("attention_mask")
        if mask is not None:
            pending.append((mask.sum(dim=1).tolist(), int(mask.shape[1])))
        return training_step(self, model, inputs, *args, **kwargs)

    transformers.Trainer.__init__ = __init__
    transformers.Trainer.training_step = probed_step
    sys.argv = ["pipeline.train", *step_args]
    try:
        runpy.run_module("pipeline.train", run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return 0


def probe_generate(args) -> int:
    from pipeline import generate_hf, schema

    adapter = Path("work/adapters")
    use_adapter = (adapter / "adapter_config.json").is_file()
    conversations = []
    for split in ("train", "valid", "test"):
        path = Path("work/data") / f"{split}.jsonl"
        if path.is_file():
            with open(path, encoding="utf-8") as handle:
                conversations += [json.loads(line)["messages"][:-1] for line in handle]
    if not conversations:
        print("probe: no examples in work/data (run the data step first)", file=sys.stderr)
        return 1
    prompts = [conversations[i % len(conversations)] for i in range(args.prompts)]
    log = open(args.log, "a", encoding="utf-8")  # open for the whole run
    t0 = time.perf_counter()
    model, tokenizer = generate_hf.load_model(adapter if use_adapter else None)
    _sync()
    log.write(
        json.dumps(
            {
                "kind": "load",
                "seconds": time.perf_counter() - t0,
                "adapter": use_adapter,
                "device": str(model.device),
                "project_batch_size": getattr(schema, "EVAL_BATCH_SIZE", None),
            }
        )
        + "\n"
    )
    log.flush()
    for start in range(0, len(prompts), args.batch):
        batch = prompts[start : start + args.batch]
        lengths = [
            len(tokenizer.apply_chat_template(c, add_generation_prompt=True, return_dict=False))
            for c in batch
        ]
        _sync()
        t = time.perf_counter()
        answers = generate_hf.generate_batch(model, tokenizer, batch, args.max_new_tokens)
        _sync()
        seconds = time.perf_counter() - t
        record = {
            "kind": "batch",
            "prompts": len(batch),
            "prompt_tokens": sum(lengths),
            "padded_width": max(lengths),
            "output_tokens": sum(a["tokens"] for a in answers),
            "stopped_at_eos": sum(a["finish"] == "stop" for a in answers),
            "seconds": seconds,
        }
        log.write(json.dumps(record) + "\n")
        log.flush()
        if args.deadline and time.time() > args.deadline:
            print("probe: stopped at the time limit", file=sys.stderr)
            return 0
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, os.getcwd())  # the project's `pipeline` package, as `python -m` finds it
    if argv and argv[0] == "train":
        rest = argv[2:]
        if rest and rest[0] == "--":
            rest = rest[1:]
        return probe_train(Path(argv[1]), rest)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["generate"])
    parser.add_argument("log", type=Path)
    parser.add_argument("--prompts", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--max-new-tokens", type=int, required=True)
    parser.add_argument("--deadline", type=float, default=0.0)
    return probe_generate(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
