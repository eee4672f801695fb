"""Where the GPU time goes in generation and LoRA training (bench/gpu.sh's follow-up).

    python bench/gpu_diag.py --out DIAG.json [--shape 8b] [--batch 64] [--prompt 1800]
    python bench/gpu_diag.py --out DIAG.json --dry-run      # CPU, tiny model: proves it

bench/gpu.sh measures the generated project end to end; this splits the two slow parts
into their pieces on the same random-weight Llama (built on the GPU, never saved), so a
fix can be chosen from figures rather than guessed:

  prefill   one forward pass over the batch's prompts (left-padded, as generate_hf
            pads them), logits for the last position only: TFLOP/s against the peak
  generate  model.generate as pipeline/generate_hf.py calls it (greedy, dynamic cache,
            min_new_tokens = max_new_tokens so every row decodes every step); the decode
            step's time is (generate - prefill) / new tokens; then the same with no padding,
            and with a static cache
  profile   torch.profiler over a short generate: the operators with the most GPU time
  train     one LoRA step (peft, r 16 on every Linear of the last half of the layers, as
            the poetry spec asks) on 4 rows of the prompt length, AdamW included, with
            activation checkpointing on and off: seconds per step and MFU, the FLOPs
            counted as bench/gpu.py counts them

Each part is written to the JSON file as soon as it ends; a part that fails (out of
memory, say) is reported and the next one runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import traceback
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import gpu  # noqa: E402  (bench/gpu.py: the shapes and the FLOPs formula)
import gpu_probe  # noqa: E402  (bench/gpu_probe.py: weights by kind)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--shape", default=None, choices=sorted(gpu.SHAPES))
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--prompt", type=int, default=None, help="prompt tokens per row")
    parser.add_argument("--new", type=int, default=None, help="new tokens per row")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    import torch

    cuda = torch.cuda.is_available()
    if not cuda and not args.dry_run:
        print("gpu_diag: no CUDA device here; use --dry-run on a CPU machine", file=sys.stderr)
        return 2
    shape_name = args.shape or ("tiny" if args.dry_run else "8b")
    batch = args.batch or (2 if args.dry_run else 64)
    prompt = args.prompt or (64 if args.dry_run else 1800)
    new = args.new or (4 if args.dry_run else 32)
    device = "cuda" if cuda else "cpu"
    dtype = torch.bfloat16 if cuda else torch.float32
    result = {"device": torch.cuda.get_device_name(0) if cuda else "cpu", "parts": {}}
    result["settings"] = dict(shape=shape_name, batch=batch, prompt=prompt, new=new)
    result["versions"] = gpu.environment()

    def write() -> None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    def part(name: str, fn) -> None:
        print(f"diag: {name} ...", flush=True)
        t0 = time.perf_counter()
        try:
            figures = fn()
            status = "ok"
        except Exception as exc:  # reported; the next part still runs
            traceback.print_exc()
            figures, status = {"error": f"{type(exc).__name__}: {exc}"[:500]}, "failed"
        if cuda:
            torch.cuda.empty_cache()
        result["parts"][name] = {"status": status, "seconds": time.perf_counter() - t0, **figures}
        print(f"diag: {name} {status}: {json.dumps(figures)[:1500]}", flush=True)
        write()

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    def clock(fn, repeat: int = 2) -> float:
        """The median time of ``repeat`` runs after one warm-up."""
        fn()
        times = []
        for _ in range(repeat):
            sync()
            t = time.perf_counter()
            fn()
            sync()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    from transformers import LlamaConfig, LlamaForCausalLM

    shape = gpu.SHAPES[shape_name]
    vocab = shape["vocab"] or 512
    config = LlamaConfig(
        vocab_size=vocab,
        hidden_size=shape["hidden"],
        intermediate_size=shape["inter"],
        num_hidden_layers=shape["layers"],
        num_attention_heads=shape["heads"],
        num_key_value_heads=shape["kv"],
        max_position_embeddings=8192,
        rope_theta=500000.0,
        tie_word_embeddings=shape["tie"],
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
        dtype=dtype,
    )
    torch.manual_seed(0)
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(default)
    model.eval()
    result["attn_implementation"] = getattr(model.config, "_attn_implementation", None)
    stats = gpu_probe.model_stats(model)
    peak = None
    if cuda:
        a = torch.randn(8192, 8192, device=device, dtype=dtype)
        seconds = clock(lambda: a @ a, repeat=10)
        peak = 2 * 8192**3 / seconds / 1e12
        del a
    result["peak_tflops"] = peak
    write()

    # Left padding as generate_hf makes it: rows 0..20 tokens shorter than the widest.
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(3, vocab, (batch, prompt), generator=g)
    short = torch.randint(0, 21, (batch,), generator=g)
    short[0] = 0
    mask = torch.ones(batch, prompt, dtype=torch.long)
    for row, n in enumerate(short.tolist()):
        ids[row, :n] = 0
        mask[row, :n] = 0
    ids, mask = ids.to(device), mask.to(device)
    lengths = mask.sum(dim=1).tolist()
    d, layers = stats["attention_width"], stats["layers"]
    prefill_flops = 2 * stats["linear_params"] * sum(lengths) + 2 * layers * d * sum(
        n * n for n in lengths
    )

    def prefill():
        with torch.no_grad():
            model(input_ids=ids, attention_mask=mask, use_cache=True, logits_to_keep=1)

    times = {}

    def part_prefill():
        seconds = clock(prefill)
        times["prefill"] = seconds
        tflops = prefill_flops / seconds / 1e12
        return {
            "prompt_tokens": sum(lengths),
            "seconds": seconds,
            "tokens_per_s": sum(lengths) / seconds,
            "tflops": tflops,
            "fraction_of_peak": tflops / peak if peak else None,
        }

    def generate(input_ids, attention_mask, **extra):
        with torch.no_grad():
            return model.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                max_new_tokens=new,
                min_new_tokens=new,
                do_sample=False,
                pad_token_id=0,
                eos_token_id=2,
                **extra,
            )

    def decode_figures(seconds: float, prefill_s: float) -> dict:
        step = (seconds - prefill_s) / new
        # The physical floor of one decode step: every weight and the whole KV cache read.
        kv = 2 * layers * shape["kv"] * (d // shape["heads"]) * batch * (prompt + new / 2)
        # (bf16 bytes over the H200's 4.8 TB/s; no floor is given on a CPU).
        floor = (stats["all_params"] + kv) * 2 / 4.8e12 if cuda else None
        return {
            "seconds": seconds,
            "decode_step_ms": step * 1000,
            "decode_tokens_per_s": batch / step,
            "memory_floor_step_ms": floor * 1000 if floor else None,
            "times_the_floor": step / floor if floor else None,
        }

    def part_generate():
        seconds = clock(lambda: generate(ids, mask), repeat=1)
        return decode_figures(seconds, times["prefill"])

    def part_generate_unpadded():
        full = torch.ones_like(mask)
        seconds = clock(lambda: generate(ids.clamp(min=3), full), repeat=1)
        return decode_figures(seconds, times["prefill"])

    def part_generate_static():
        seconds = clock(lambda: generate(ids, mask, cache_implementation="static"), repeat=1)
        return decode_figures(seconds, times["prefill"])

    def part_profile():
        from torch.profiler import ProfilerActivity, profile

        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
        generate(ids[:, -64:], mask[:, -64:])  # warm
        with profile(activities=activities) as prof:
            generate(ids, mask)
            sync()
        key = "self_device_time_total" if cuda else "self_cpu_time_total"
        events = sorted(prof.key_averages(), key=lambda e: getattr(e, key), reverse=True)
        total = sum(getattr(e, key) for e in events) or 1
        top = [
            {
                "op": e.key[:80],
                "calls": e.count,
                "ms": round(getattr(e, key) / 1000, 2),
                "share": round(getattr(e, key) / total, 4),
            }
            for e in events[:15]
        ]
        cpu_total = sum(e.self_cpu_time_total for e in events) / 1000
        return {"top": top, "device_ms_total": total / 1000, "cpu_ms_total": cpu_total}

    def part_train(checkpointing: bool):
        def run():
            from peft import LoraConfig, get_peft_model

            lora = LoraConfig(
                task_type="CAUSAL_LM",
                r=16,
                lora_alpha=32,
                lora_dropout=0.05,
                # Every Linear of a layer ("all-linear" takes no layer list).
                target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]
                + ["gate_proj", "up_proj", "down_proj"],
                layers_to_transform=list(range(layers // 2, layers)),
            )
            model.train()
            peft_model = get_peft_model(model, lora)
            if checkpointing:
                peft_model.gradient_checkpointing_enable(
                    gradient_checkpointing_kwargs={"use_reentrant": False}
                )
                peft_model.enable_input_require_grads()
            rows = 4
            x = ids[:rows, :].clamp(min=3)
            m = torch.ones_like(x)
            params = [p for p in peft_model.parameters() if p.requires_grad]
            optim = torch.optim.AdamW(params, lr=2e-4)

            def step():
                out = peft_model(input_ids=x, attention_mask=m, labels=x)
                out.loss.backward()
                optim.step()
                optim.zero_grad(set_to_none=True)

            try:
                seconds = clock(step, repeat=3)
                memory = torch.cuda.max_memory_allocated() / 2**30 if cuda else None
                train_stats = gpu_probe.model_stats(peft_model)
                train_stats["activation_checkpointing"] = checkpointing
                model_flops, recompute = gpu.train_flops(train_stats, [prompt] * rows)
                tflops = model_flops / seconds / 1e12
                return {
                    "tokens": rows * prompt,
                    "step_s": seconds,
                    "tokens_per_s": rows * prompt / seconds,
                    "model_tflops": tflops,
                    "mfu": tflops / peak if peak else None,
                    "hfu": (model_flops + recompute) / seconds / 1e12 / peak if peak else None,
                    "max_memory_gib": memory,
                }
            finally:
                if checkpointing:
                    peft_model.gradient_checkpointing_disable()
                peft_model.unload()  # the base model back, without LoRA layers
                model.eval()
                if cuda:
                    torch.cuda.reset_peak_memory_stats()

        return run

    part("prefill", part_prefill)
    if "prefill" in times:
        part("generate", part_generate)
        part("generate_unpadded", part_generate_unpadded)
        part("generate_static_cache", part_generate_static)
    part("profile", part_profile)
    part("train_checkpointing", part_train(True))
    part("train_no_checkpointing", part_train(False))
    write()
    print(f"diag: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
