"""The GPU proof: a generated peft project trained and generating on CUDA, measured.

Run through bench/gpu.sh (it sets up the paths and the time limit):

    bash bench/gpu.sh --prepare   # here, on CPU: compile the project, tokenizer, data
    bash bench/gpu.sh             # on the GPU machine, in one go (reads .gpu-prep/)
    bash bench/gpu.sh --dry-run   # on CPU: every stage it can, with a tiny model

`prepare` (needs distillgen importable) builds a byte-level BPE tokenizer and
`specs/poetry.yaml` compiled with `--backend peft` (steps, model path and batch
overridden as `distillgen smoke` does), then synthesizes seed 000-shaped examples
(poems whose prompts are about 1,800 tokens with this tokenizer, all 21 label fields),
sized with the project's own prompt code. `run` needs no distillgen: it runs the
generated project's own steps. Stages, each timed, each written to $OUT/gpu.json and
$OUT/gpu.md as soon as it ends:

  peak      a large bf16 matrix product: the measured ceiling MFU is taken against
  model     a random-weight Llama of real shape (Llama 3 8B by default), built on the GPU
            in bf16 and saved with the tokenizer where the project's schema.MODEL points
  data      `python -m pipeline.data`
  train     `python -m pipeline.train --fresh` (LoRA; base weights bf16), tokens/s, MFU
  generate  the project's pipeline/generate_hf.py on 500 prompts; prompt and output
            tokens/s, the projected time for 116,674 poems
  predict   `python -m pipeline.predict` (local engine, the trained adapter) over 256 rows
            of the corpus without labels: every row through the step users run, its
            rows/s and the projected time for 116,674 poems
  qlora     the same spec compiled with training.quantize 4bit: its data step, then
            `python -m pipeline.train --fresh` with the base in 4-bit NF4 (bitsandbytes,
            carried as a wheel in .whl/), tokens/s and MFU counted as for train

A stage that would start after the time limit is skipped; a step still running at the
limit is stopped and what it logged is reported.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_000_CORPUS = 116_674
STAGES = ("peak", "model", "data", "train", "generate", "predict", "qlora")
NEEDS_CUDA = {
    "peak": "the bf16 peak is a GPU figure (the dry run times a small CPU matmul)",
    "model": "a Llama 3 8B-shaped model needs the GPU (the dry run builds a tiny one)",
    "train": "tokens/s and MFU are GPU figures (the dry run trains the tiny model on CPU)",
    "generate": "generation speed is a GPU figure (the dry run generates a few tokens on CPU)",
    "predict": "corpus speed is a GPU figure (the dry run predicts a few rows on CPU)",
    "qlora": "bitsandbytes 4-bit needs CUDA (the dry run builds the project and stops there)",
}
# Llama 3 shapes (hidden, intermediate, layers, heads, kv heads, tied embeddings).
SHAPES = {
    "8b": dict(hidden=4096, inter=14336, layers=32, heads=32, kv=8, tie=False, vocab=128256),
    "3b": dict(hidden=3072, inter=8192, layers=28, heads=24, kv=8, tie=True, vocab=128256),
    "1b": dict(hidden=2048, inter=8192, layers=16, heads=32, kv=8, tie=True, vocab=128256),
    "tiny": dict(hidden=64, inter=128, layers=2, heads=4, kv=2, tie=False, vocab=None),
}
FULL = dict(
    rows=600,
    steps=30,
    qlora_steps=12,
    batch=None,
    prompt_tokens=1800,
    gen_prompts=500,
    gen_batch=64,
    predict_rows=256,
    shape="8b",
)
DRY = dict(
    rows=24,
    steps=2,
    qlora_steps=2,
    batch=2,
    prompt_tokens=1800,
    gen_prompts=4,
    gen_batch=2,
    predict_rows=4,
    shape="tiny",
)
TRAIN_FIGURES = [
    "steps",
    "steps_timed",
    "batch_size",
    "micro_batches_per_step",
    "tokens_per_step",
    "step_s",
    "tokens_per_s",
    "model_tflop_per_step",
    "model_tflops",
    "mfu",
    "hfu",
    "activation_checkpointing",
    "trainable_params",
    "lora_layers",
    "flops_formula",
]
FIGURES = {
    "peak": ["matmul_size", "dtype", "tflops", "device"],
    "model": ["shape", "params", "layers", "hidden", "vocab", "dtype", "build_s", "save_s"],
    "data": ["examples", "train_examples", "prompt_tokens_mean", "answer_tokens_mean"],
    "train": TRAIN_FIGURES,
    "generate": [
        "prompts",
        "batch_size",
        "max_new_tokens",
        "prompt_tokens",
        "output_tokens",
        "seconds",
        "prompt_tokens_per_s",
        "output_tokens_per_s",
        "prompts_per_s",
        "projected_hours_116674",
        "adapter",
    ],
    "predict": [
        "rows",
        "answered",
        "rejected",
        "batch_size",
        "max_new_tokens",
        "completion_tokens",
        "seconds",
        "load_s",
        "rows_per_s",
        "output_tokens_per_s",
        "projected_hours_116674",
        "decision",
    ],
    "qlora": ["data_s", *TRAIN_FIGURES],
}
FLOPS_FORMULA = (
    "per step, T = real (unpadded) tokens, s_i = each sequence's length, d = heads x head_dim, "
    "L = layers, Lb = layers from the first one with a LoRA weight to the last: "
    "forward 2*N*T (N = every Linear weight, frozen and LoRA, lm_head included; the "
    "embedding lookup is no matmul) + attention 2*L*d*sum(s_i^2) (causal: QK^T and PV, half "
    "of the square each); backward: activation gradients 2*Nb*T (Nb = the Linear weights "
    "of layers Lb and the lm_head: the backward pass stops below the first trainable layer) "
    "+ weight gradients 2*N_lora*T (only the trainable LoRA weights) + attention "
    "4*Lb*d*sum(s_i^2). MFU = that over the step time over the measured bf16 peak; HFU adds "
    "the forward recomputed under activation checkpointing (2*N_ckpt*T + 2*Lb*d*sum(s_i^2))"
)


# ------------------------------------------------------------------ prepare


def _texts_for_tokenizer(spec: dict) -> list[str]:
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus

    rnd = random.Random(7)
    texts = [corpus.poem(rnd, 4000) for _ in range(20)]
    rows = (ROOT / "specs" / "data" / "poetry.jsonl").read_text(encoding="utf-8").splitlines()
    texts += [json.loads(r)["poem"] for r in rows]
    texts.append(spec["prompt"]["template"])
    for name, field in spec["labels"]["fields"].items():
        texts.append(f"{name}: " + " ".join(field["values"]))
    return texts


def build_tokenizer(out: Path, texts: list[str]) -> Path:
    """A byte-level BPE with the tiny model's special tokens and chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from distillgen.tiny import CHAT_TEMPLATE, SPECIAL_TOKENS

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=8192,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<s>",
        eos_token="<|end|>",
        unk_token="<unk>",
        pad_token="<pad>",
        chat_template=CHAT_TEMPLATE,
        padding_side="left",
    )
    tokenizer.save_pretrained(out)
    return out


def synthesize(project: Path, tokenizer_dir: Path, dest: Path, rows: int, target: int) -> dict:
    """Seed 000-shaped rows whose prompts are about ``target`` tokens (the project's own
    prompt code and the tokenizer's chat template), each fitting MAX_SEQ_LENGTH."""
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus
    from transformers import AutoTokenizer

    from distillgen.compile import project_imported

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    fields = corpus.label_schema()
    rnd = random.Random(0)
    prompt_lengths, answer_lengths = [], []
    with project_imported(project, ("schema", "prompts", "labels")) as mods:
        schema, prompts = mods["schema"], mods["prompts"]
        na = schema.NA_TOKEN

        def measure(row: dict, answer: bool = False) -> tuple[int, int]:
            """(prompt tokens, answer tokens or 0) as the train step counts them."""
            inputs = {k: row[k] for k in ("title", "author", "year", "poem")}
            text = "\n".join(f"{k}: {v}" for k, v in row["labels"].items())
            messages = prompts.training_messages(inputs, text)
            prompt = tokenizer.apply_chat_template(
                messages[:-1], add_generation_prompt=True, return_dict=False
            )
            if not answer:
                return len(prompt), 0
            full = tokenizer.apply_chat_template(messages, return_dict=False)
            return len(prompt), len(full) - len(prompt)

        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "w", encoding="utf-8") as out:
            for i in range(rows):
                row = {
                    "id": f"poem-{i:06d}",
                    "title": " ".join(rnd.choice(corpus.WORDS) for _ in range(3)).title(),
                    "author": f"Author {rnd.randint(1, 5000)}",
                    "year": rnd.randint(1550, 1928),
                    "poem": "",
                    "labels": {
                        name: (rnd.choice(f["values"]) if rnd.random() > 0.1 else na)
                        for name, f in fields.items()
                    },
                }
                lines: list[str] = []
                base, answer = measure(row, answer=True)
                budget = min(target, schema.MAX_SEQ_LENGTH - answer - 8)
                # Lines are added while they fit; about 1.2 tokens a word, checked exactly.
                while True:
                    n = rnd.randint(5, 11)
                    line = " ".join(rnd.choice(corpus.WORDS) for _ in range(n)).capitalize()
                    lines.append(line + rnd.choice([",", ";", ".", "", ":"]))
                    row["poem"] = "\n".join(lines)
                    estimate = base + int(1.3 * sum(len(x.split()) + 1 for x in lines))
                    if estimate < budget - 40:
                        continue
                    length, _ = measure(row)
                    if length > budget:
                        lines.pop()
                        row["poem"] = "\n".join(lines)
                        break
                    if length >= budget - 12:
                        break
                length, answer = measure(row, answer=True)
                prompt_lengths.append(length)
                answer_lengths.append(answer)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {
        "rows": rows,
        "prompt_tokens_mean": round(statistics.mean(prompt_lengths), 1),
        "prompt_tokens_max": max(prompt_lengths),
        "answer_tokens_mean": round(statistics.mean(answer_lengths), 1),
        "answer_tokens_max": max(answer_lengths),
    }


def prepare(prep: Path, dry: bool) -> int:
    import yaml

    from distillgen.compile import build_project
    from distillgen.ir import Overrides

    plan = DRY if dry else FULL
    started = time.perf_counter()
    if prep.exists():
        shutil.rmtree(prep)
    prep.mkdir(parents=True)
    spec_path = ROOT / "specs" / "poetry.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    tokenizer_dir = build_tokenizer(prep / "tokenizer", _texts_for_tokenizer(spec))
    source = prep / "data" / "poems.jsonl"
    source.parent.mkdir(parents=True)
    source.write_text("", encoding="utf-8")
    overrides = Overrides(
        source=source.resolve(),
        model_base="../model",  # relative to the project: prep/model, made by the run
        steps=plan["steps"],
        batch_size=plan["batch"],  # None: the spec's (4)
        eval_every=plan["steps"],
        save_every=plan["steps"],
        backend="peft",
        max_new_tokens=None,
    )
    project = prep / "project"
    _, files, _ = build_project(spec_path, project, overrides)
    # The same spec with the base model in 4-bit NF4 (QLoRA), for the qlora stage.
    qlora = dataclasses.replace(
        overrides,
        quantize="4bit",
        steps=plan["qlora_steps"],
        eval_every=plan["qlora_steps"],
        save_every=plan["qlora_steps"],
    )
    build_project(spec_path, prep / "project-qlora", qlora)
    stats = synthesize(project, tokenizer_dir, source, plan["rows"], plan["prompt_tokens"])
    manifest = {
        "dry_run": dry,
        "spec": "specs/poetry.yaml",
        "backend": "peft",
        "plan": plan,
        "data": stats,
        "files": len(files),
        "commit": _git_commit(),
    }
    (prep / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(
        f"gpu: prepared {prep} in {time.perf_counter() - started:.1f}s: peft project "
        f"({len(files)} files, {plan['steps']} steps; a QLoRA twin, {plan['qlora_steps']} "
        f"steps), {stats['rows']} examples, prompts "
        f"{stats['prompt_tokens_mean']:.0f} tokens on average, answers "
        f"{stats['answer_tokens_mean']:.0f}"
    )
    return 0


BNB_VERSION = "0.50.2"
# bitsandbytes ships one library per CUDA version (43 MB in all); the GPU machine's torch is
# built for CUDA 13, so only those and the CPU one travel (the carry limit is 64 MiB).
BNB_KEEP = ("libbitsandbytes_cpu.so", "libbitsandbytes_cuda130.so", "libbitsandbytes_cuda132.so")


def _dropped(path: str, keep: tuple[str, ...]) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.startswith("libbitsandbytes_") and name not in keep


def slim_wheel(wheel: Path, keep: tuple[str, ...]) -> int:
    """Rewrite ``wheel`` without the bitsandbytes libraries not in ``keep``, its RECORD
    with them left out too (pip installs it as any wheel); the number left out."""
    slim = wheel.with_suffix(".slim")
    removed = 0
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if _dropped(item.filename, keep):
                removed += 1
                continue
            data = source.read(item)
            if item.filename.endswith(".dist-info/RECORD"):
                lines = data.decode("utf-8").splitlines(keepends=True)
                data = "".join(x for x in lines if not _dropped(x.split(",")[0], keep)).encode()
            out.writestr(item, data)
    slim.replace(wheel)
    return removed


def prepare_wheels(prep: Path, dest: Path) -> int:
    """The wheels the GPU machine lacks: the transformers the project pins (the machine's
    own is older) and bitsandbytes for QLoRA, slimmed to the CUDA 13 libraries."""
    pins = (prep / "project" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    transformers_pin = next(line.split()[0] for line in pins if line.startswith("transformers=="))
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.whl"):
        old.unlink()
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    command += ["--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp"]
    command += ["--platform", "manylinux_2_24_x86_64", "-d", str(dest)]
    proc = subprocess.run([*command, transformers_pin, f"bitsandbytes=={BNB_VERSION}"])
    if proc.returncode != 0:
        return proc.returncode
    removed = slim_wheel(next(dest.glob("bitsandbytes-*.whl")), BNB_KEEP)
    sizes = {w.name: round(w.stat().st_size / 2**20, 1) for w in sorted(dest.glob("*.whl"))}
    print(f"gpu: wheels in {dest} (MiB): {sizes}; {removed} bitsandbytes libraries left out")
    return 0


def _git_commit() -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None


# ---------------------------------------------------------------------- run


class Bench:
    """The figures so far, rewritten to $OUT after every stage."""

    def __init__(self, out: Path, dry: bool, limit: float, prep: Path, work: Path) -> None:
        self.out, self.dry, self.limit = out, dry, limit
        self.prep, self.work = prep, work
        self.started = time.perf_counter()
        self.deadline = time.time() + limit
        self.result = {
            "dry_run": dry,
            "note": (
                "DRY RUN on CPU with a tiny model: these figures prove the script, they are "
                "not GPU figures"
                if dry
                else None
            ),
            "complete": False,
            "stopped": None,
            "limit_s": limit,
            "elapsed_s": 0.0,
            "environment": environment(),
            "prepared": json.loads((prep / "manifest.json").read_text(encoding="utf-8")),
            "stages": {
                name: {
                    "status": "not run",
                    "seconds": None,
                    "needs_cuda": NEEDS_CUDA.get(name),
                    "figures": dict.fromkeys(FIGURES[name]),
                    "note": None,
                }
                for name in STAGES
            },
        }

    def left(self) -> float:
        return self.deadline - time.time()

    def stage(self, name: str, fn, min_left: float) -> None:
        entry = self.result["stages"][name]
        if self.left() < min_left:
            entry["status"] = "skipped"
            entry["note"] = f"{self.left():.0f}s left of the limit; the stage needs {min_left:.0f}s"
            self.result["stopped"] = f"time limit before the {name} stage"
            print(f"gpu: {name:<8} skipped: {entry['note']}", flush=True)
            self.write()
            return
        print(f"gpu: {name:<8} ...", flush=True)
        t0 = time.perf_counter()
        try:
            status, figures, note = fn()
        except Exception as exc:  # a stage's failure is reported; the next stages still run
            import traceback

            traceback.print_exc()
            status, figures, note = "failed", {}, f"{type(exc).__name__}: {exc}"
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        entry["status"] = status
        entry["figures"].update(figures)
        entry["note"] = note
        if status == "stopped":
            self.result["stopped"] = f"time limit during the {name} stage"
        shown = ", ".join(f"{k} {_fmt(v)}" for k, v in figures.items() if k != "flops_formula")
        print(f"gpu: {name:<8} {status:<7} {entry['seconds']:7.1f}s  {shown}", flush=True)
        if note:
            print(f"gpu: {'':<8} note: {note}", flush=True)
        self.write()

    def write(self) -> None:
        self.result["elapsed_s"] = round(time.perf_counter() - self.started, 1)
        self.out.mkdir(parents=True, exist_ok=True)
        tmp = self.out / "gpu.json.tmp"
        tmp.write_text(json.dumps(self.result, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.out / "gpu.json")
        (self.out / "gpu.md").write_text(markdown(self.result), encoding="utf-8")

    # ---------------------------------------------------------- the steps

    def step(
        self, name: str, command: list[str], timeout: float, project: str = "project"
    ) -> tuple[int | None, Path]:
        """A step of the project in work/<project>, in its own process group; the exit
        code, None when stopped at the limit."""
        log = self.out / f"{name}.log"
        env = dict(os.environ)
        env.update(TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        env["PYTHONHASHSEED"] = "0"
        env["PYTHONUNBUFFERED"] = "1"
        with open(log, "w", encoding="utf-8") as handle:
            proc = subprocess.Popen(
                command,
                cwd=self.work / project,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                return proc.wait(timeout=max(1.0, timeout)), log
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                return None, log


def environment() -> dict:
    env = {"python": platform.python_version(), "cpus": os.cpu_count()}
    for name in ("torch", "transformers", "peft", "accelerate", "tokenizers"):
        try:
            module = __import__(name)
            env[name] = getattr(module, "__version__", "?")
        except ImportError:
            env[name] = None
    import torch

    env["cuda"] = torch.version.cuda
    env["device"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return env


def _fmt(value) -> str:
    if isinstance(value, float):
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-2):
            return f"{value:.3g}"
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "-" if value is None else str(value)


def markdown(result: dict) -> str:
    env = result["environment"]
    lines = []
    if result["dry_run"]:
        lines += [f"**{result['note']}.**", ""]
    lines += [
        f"Device: {env['device']} (CUDA {env['cuda']}); torch {env['torch']}, transformers "
        f"{env['transformers']}, peft {env['peft']}; Python {env['python']}. Total "
        f"{result['elapsed_s']:.0f} s of a {result['limit_s']:.0f} s limit"
        + (f"; stopped: {result['stopped']}" if result["stopped"] else "")
        + ".",
        "",
        "| stage | status | seconds | figures |",
        "| --- | --- | --- | --- |",
    ]
    for name, entry in result["stages"].items():
        shown = "; ".join(
            f"{k} {_fmt(v)}"
            for k, v in entry["figures"].items()
            if k != "flops_formula" and v is not None
        )
        seconds = "-" if entry["seconds"] is None else f"{entry['seconds']:.1f}"
        lines.append(f"| {name} | {entry['status']} | {seconds} | {shown or '-'} |")
    lines.append("")
    for name, entry in result["stages"].items():
        if entry["note"]:
            lines.append(f"- {name}: {entry['note']}")
    lines += ["", f"FLOPs counted: {FLOPS_FORMULA}.", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------- stages


def stage_peak(bench: Bench):
    import torch

    cuda = torch.cuda.is_available()
    n = 8192 if cuda else 512
    device = "cuda" if cuda else "cpu"
    dtype = torch.bfloat16 if cuda else torch.float32
    g = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(n, n, device=device, dtype=dtype, generator=g)
    b = torch.randn(n, n, device=device, dtype=dtype, generator=g)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(20 if cuda else 3):
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            a @ b
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1000)
        else:
            t = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - t)
    tflops = 2 * n**3 / statistics.median(times) / 1e12
    bench.peak_tflops = tflops
    figures = {"matmul_size": n, "dtype": str(dtype).replace("torch.", ""), "tflops": tflops}
    figures["device"] = device
    note = "median of 20 timed products on random data, CUDA events" if cuda else None
    return "ok", figures, note


def stage_model(bench: Bench, shape_name: str):
    """A random Llama of the shape, built where it will run, saved with the tokenizer."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    shape = SHAPES[shape_name]
    cuda = torch.cuda.is_available()
    tokenizer = AutoTokenizer.from_pretrained(str(bench.prep / "tokenizer"))
    vocab = shape["vocab"] or len(tokenizer)
    dtype = torch.bfloat16 if cuda else torch.float32
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
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        dtype=dtype,
    )
    # The model directory is cached outside the (replaceable) work folder on a rerun.
    cache = Path(os.environ.get("DG_GPU_CACHE", bench.work / "cache")) / f"llama-{shape_name}"
    link = bench.work / "model"
    marker = cache / "built.json"
    key = {"shape": shape, "vocab": vocab, "tokenizer": _tokenizer_hash(bench.prep)}
    figures = {
        "shape": f"llama3-{shape_name}" if shape_name != "tiny" else "tiny (2 layers, 64 wide)",
        "layers": shape["layers"],
        "hidden": shape["hidden"],
        "vocab": vocab,
        "dtype": str(dtype).replace("torch.", ""),
    }
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")).get("key") == key:
        built = json.loads(marker.read_text(encoding="utf-8"))
        figures.update(params=built["params"], build_s=None, save_s=None)
        note = f"reused {cache} from an earlier run (same shape and tokenizer)"
    else:
        if cache.exists():
            shutil.rmtree(cache)
        t0 = time.perf_counter()
        torch.manual_seed(0)
        default = torch.get_default_dtype()
        torch.set_default_dtype(dtype)
        try:
            with torch.device("cuda" if cuda else "cpu"):
                model = LlamaForCausalLM(config)
        finally:
            torch.set_default_dtype(default)
        model.generation_config.pad_token_id = tokenizer.pad_token_id
        if cuda:
            torch.cuda.synchronize()
        build_s = time.perf_counter() - t0
        params = sum(p.numel() for p in model.parameters())
        t0 = time.perf_counter()
        model.save_pretrained(cache, safe_serialization=True)
        tokenizer.save_pretrained(cache)
        save_s = time.perf_counter() - t0
        del model
        if cuda:
            torch.cuda.empty_cache()
        marker.write_text(json.dumps({"key": key, "params": params}), encoding="utf-8")
        figures.update(params=params, build_s=build_s, save_s=save_s)
        note = None
    if link.is_symlink() or link.exists():
        link.unlink() if link.is_symlink() else shutil.rmtree(link)
    link.symlink_to(cache.resolve(), target_is_directory=True)
    return "ok", figures, note


def _tokenizer_hash(prep: Path) -> str:
    import hashlib

    return hashlib.sha256((prep / "tokenizer" / "tokenizer.json").read_bytes()).hexdigest()[:16]


def stage_data(bench: Bench):
    code, log = bench.step("data", [sys.executable, "-m", "pipeline.data"], bench.left())
    if code is None:
        return "stopped", {}, f"stopped at the time limit (log: {log.name})"
    stats_path = bench.work / "project" / "work" / "data" / "stats.json"
    if code != 0 or not stats_path.is_file():
        return "failed", {}, f"exit {code}: {_tail(log)}"
    stats = json.loads(stats_path.read_text(encoding="utf-8"))
    prepared = bench.result["prepared"]["data"]
    figures = {
        "examples": stats["accepted"],
        "train_examples": stats["splits"]["train"]["examples"],
        "prompt_tokens_mean": prepared["prompt_tokens_mean"],
        "answer_tokens_mean": prepared["answer_tokens_mean"],
    }
    return "ok", figures, None


def _tail(log: Path, lines: int = 6) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(text[-lines:])


def train_flops(model: dict, lengths: list[int]) -> tuple[float, float]:
    """(model FLOPs, recomputed FLOPs) of one step over sequences of these lengths."""
    tokens = sum(lengths)
    squares = sum(s * s for s in lengths)
    d, layers, back = model["attention_width"], model["layers"], model["backward_layers"]
    forward = 2 * model["linear_params"] * tokens + 2 * layers * d * squares
    backward = (
        2 * model["backward_linear_params"] * tokens
        + 2 * model["lora_params"] * tokens
        + 4 * back * d * squares
    )
    recompute = 0.0
    if model["activation_checkpointing"]:
        recompute = 2 * model["recompute_linear_params"] * tokens + 2 * back * d * squares
    return float(forward + backward), float(recompute)


def stage_train(bench: Bench, reserve: float):
    """The project's train step; ``reserve``: seconds kept for the stages after it."""
    return _train(bench, "train", "project", bench.left() - 5 - reserve)


def _train(bench: Bench, name: str, project: str, budget: float):
    log_path = bench.out / f"{name}-steps.jsonl"
    log_path.unlink(missing_ok=True)
    probe = str(ROOT / "bench" / "gpu_probe.py")
    command = [sys.executable, probe, "train", str(log_path), "--", "--fresh"]
    code, log = bench.step(name, command, budget, project)
    records = []
    if log_path.is_file():
        records = [json.loads(line) for line in log_path.read_text().splitlines() if line]
    model = next((r for r in records if r["kind"] == "model"), None)
    steps = [r for r in records if r["kind"] == "step"]
    status = "ok" if code == 0 else ("stopped" if code is None else "failed")
    note = None if code == 0 else f"exit {code}: {_tail(log)}"
    if model is None or len(steps) < 2:
        return ("failed" if status == "ok" else status), {}, note or "no steps were logged"
    # Steady state: the first steps (CUDA set-up, allocator warm-up) are left out.
    warm = min(3, len(steps) // 3)
    timed = steps[warm + 1 :]
    seconds = steps[-1]["t"] - steps[warm]["t"]
    tokens = sum(sum(s["lengths"]) for s in timed)
    flops = [train_flops(model, s["lengths"]) for s in timed]
    model_flops = sum(f[0] for f in flops)
    hardware_flops = model_flops + sum(f[1] for f in flops)
    peak = getattr(bench, "peak_tflops", None)
    achieved = model_flops / seconds / 1e12
    lora_layers = model["backward_layers"] if model["first_trainable_layer"] is not None else 0
    figures = {
        "steps": len(steps),
        "steps_timed": len(timed),
        "batch_size": round(statistics.mean(len(s["lengths"]) for s in timed), 2),
        "micro_batches_per_step": round(statistics.mean(len(s["widths"]) for s in timed), 2),
        "tokens_per_step": round(tokens / len(timed), 1),
        "step_s": seconds / len(timed),
        "tokens_per_s": tokens / seconds,
        "model_tflop_per_step": model_flops / len(timed) / 1e12,
        "model_tflops": achieved,
        "mfu": achieved / peak if peak else None,
        "hfu": hardware_flops / seconds / 1e12 / peak if peak else None,
        "activation_checkpointing": model["activation_checkpointing"],
        "trainable_params": model["trainable_params"],
        "lora_layers": f"{lora_layers} of {model['layers']}",
        "flops_formula": FLOPS_FORMULA,
    }
    if status == "ok":
        note = (
            f"base weights {model['base_dtype']} on {model['device']}; steady state over steps "
            f"{warm + 2}..{len(steps)}; rows padded on the right to the longest of their "
            "micro-batch (tokens count only real ones)"
        )
    return status, figures, note


def stage_qlora(bench: Bench):
    """The QLoRA twin of the project: its own data step, then its train step."""
    import torch

    if not torch.cuda.is_available():
        return "needs cuda", {}, NEEDS_CUDA["qlora"] + "; the project was compiled and copied"
    try:
        import bitsandbytes
    except ImportError as exc:
        return "skipped", {}, f"bitsandbytes is not importable here ({exc}): carry .whl/"
    t0 = time.perf_counter()
    code, log = bench.step(
        "qlora-data", [sys.executable, "-m", "pipeline.data"], 60, "project-qlora"
    )
    data_s = time.perf_counter() - t0
    if code != 0:
        return (
            ("stopped" if code is None else "failed"),
            {},
            f"data step: exit {code}: {_tail(log)}",
        )
    status, figures, note = _train(bench, "qlora", "project-qlora", bench.left() - 5)
    figures = {"data_s": data_s, **figures}
    version = f"bitsandbytes {bitsandbytes.__version__}"
    return status, figures, f"{version}; {note}" if note else version


def stage_generate(bench: Bench, prompts: int, batch: int, max_new_tokens: int, reserve: float):
    """Batched generation through the project's own code; ``reserve``: seconds kept for
    the stages after it (the probe stops after the batch that passes its deadline)."""
    budget = bench.left() - 5 - reserve
    log_path = bench.out / "generate-batches.jsonl"
    log_path.unlink(missing_ok=True)
    probe = str(ROOT / "bench" / "gpu_probe.py")
    command = [
        sys.executable,
        probe,
        "generate",
        str(log_path),
        "--prompts",
        str(prompts),
        "--batch",
        str(batch),
        "--max-new-tokens",
        str(max_new_tokens),
        "--deadline",
        str(time.time() + budget - 30),
    ]
    code, log = bench.step("generate", command, budget)
    records = []
    if log_path.is_file():
        records = [json.loads(line) for line in log_path.read_text().splitlines() if line]
    load = next((r for r in records if r["kind"] == "load"), None)
    batches = [r for r in records if r["kind"] == "batch"]
    status = "ok" if code == 0 else ("stopped" if code is None else "failed")
    note = None if code == 0 else f"exit {code}: {_tail(log)}"
    if load:
        bench.load_s = load["seconds"]
    if not batches:
        return ("failed" if status == "ok" else status), {}, note or "no batch finished"
    done = sum(b["prompts"] for b in batches)
    if status == "ok" and done < prompts:
        status = "stopped"
    seconds = sum(b["seconds"] for b in batches)
    prompt_tokens = sum(b["prompt_tokens"] for b in batches)
    output_tokens = sum(b["output_tokens"] for b in batches)
    rate = done / seconds
    figures = {
        "prompts": done,
        "batch_size": batch,
        "max_new_tokens": max_new_tokens,
        "prompt_tokens": prompt_tokens,
        "output_tokens": output_tokens,
        "seconds": seconds,
        "prompt_tokens_per_s": prompt_tokens / seconds,
        "output_tokens_per_s": output_tokens / seconds,
        "prompts_per_s": rate,
        "projected_hours_116674": SEED_000_CORPUS / rate / 3600,
        "adapter": bool(load and load["adapter"]),
    }
    eos = sum(b["stopped_at_eos"] for b in batches)
    extra = (
        f"on {load['device'] if load else '?'}, model load {load['seconds']:.1f}s (not in the "
        f"rates); greedy, left padding; max_new_tokens = the mean answer length of the data "
        f"(random weights rarely stop, {eos} of {done} stopped at EOS); the project's own "
        f"eval batches {load and load['project_batch_size']} prompts"
    )
    return status, figures, extra if note is None else f"{note}; {extra}"


def stage_predict(bench: Bench, rows: int, batch: int, reserve: float):
    """`python -m pipeline.predict` over the first ``rows`` rows without their labels, as
    a user runs it on a corpus (local engine, the trained adapter)."""
    corpus_path = bench.work / "corpus.jsonl"
    with open(bench.work / "data" / "poems.jsonl", encoding="utf-8") as source:
        lines = [json.loads(line) for line in itertools.islice(source, rows)]
    with open(corpus_path, "w", encoding="utf-8") as handle:
        for row in lines:
            row.pop("labels", None)
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    out = bench.work / "predict"
    shutil.rmtree(out, ignore_errors=True)
    # Context: the prompts are about 1,800 tokens and the project's max_new_tokens is
    # added to them; the random Llama takes 8,192 positions.
    command = [sys.executable, "-m", "pipeline.predict", str(corpus_path), "--engine", "local"]
    command += ["--out", str(out), "--batch-size", str(batch), "--max-context", "8192"]
    t0 = time.perf_counter()
    code, log = bench.step("predict", command, bench.left() - 5 - reserve)
    seconds = time.perf_counter() - t0
    summary_path = out / "summary.json"
    if code is None:
        return "stopped", {}, f"stopped at the time limit (log: {log.name})"
    # 0, 3 and 4 are the missing-rate gate's PASS, REVIEW and FAIL: the run itself ended.
    if code not in (0, 3, 4) or not summary_path.is_file():
        return "failed", {}, f"exit {code}: {_tail(log)}"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    schema_text = (bench.work / "project" / "pipeline" / "schema.py").read_text(encoding="utf-8")
    max_new = next(
        (int(x.split("=")[1]) for x in schema_text.splitlines() if x.startswith("MAX_NEW_TOKENS")),
        None,
    )
    load_s = getattr(bench, "load_s", 0.0)
    answering = max(seconds - load_s, 1e-9)
    rate = summary["rows"] / answering
    figures = {
        "rows": summary["rows"],
        "answered": summary["answered"],
        "rejected": summary["rejected"],
        "batch_size": batch,
        "max_new_tokens": max_new,
        "completion_tokens": summary["completion_tokens"],
        "seconds": seconds,
        "load_s": load_s,
        "rows_per_s": rate,
        "output_tokens_per_s": summary["completion_tokens"] / answering,
        "projected_hours_116674": SEED_000_CORPUS / rate / 3600 if rate else None,
        "decision": summary["decision"],
    }
    note = (
        f"the whole step's wall time less the generate stage's model load; greedy to the "
        f"project's max_new_tokens (finish: {summary['finish']}); the random model's answers "
        f"do not parse ({summary['parse_status']}), so the missing-rate gate says "
        f"{summary['decision']}, as it should"
    )
    return "ok", figures, note


def run(args) -> int:
    import torch

    prep = args.prep.resolve()
    if not (prep / "manifest.json").is_file():
        print(
            f"gpu: {prep} is not prepared (no manifest.json): run `bash bench/gpu.sh --prepare` "
            "on the development machine first and carry .gpu-prep",
            file=sys.stderr,
        )
        return 2
    manifest = json.loads((prep / "manifest.json").read_text(encoding="utf-8"))
    dry = args.dry_run
    if manifest["dry_run"] != dry:
        print(
            f"gpu: {prep} was prepared for {'a dry run' if manifest['dry_run'] else 'the GPU'}; "
            "prepare again",
            file=sys.stderr,
        )
        return 2
    cuda = torch.cuda.is_available()
    if not dry and not cuda:
        print("gpu: no CUDA device here; use --dry-run on a CPU machine", file=sys.stderr)
        return 2
    plan = manifest["plan"]
    shape = args.shape or plan["shape"]
    # A fresh copy of the prepared project each run: a rerun never resumes the last one.
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    for name in ("project", "project-qlora", "data", "tokenizer"):
        if (work / name).exists():
            shutil.rmtree(work / name)
        shutil.copytree(prep / name, work / name)
    bench = Bench(args.out.resolve(), dry, args.limit, prep, work)
    bench.write()
    if dry:
        print("gpu: DRY RUN (CPU, tiny model). Stages that need CUDA for their real figures:")
        for name, why in NEEDS_CUDA.items():
            print(f"gpu:   {name}: {why}")
    answer_tokens = round(manifest["data"]["answer_tokens_mean"])
    max_new = args.max_new_tokens or (answer_tokens if not dry else 8)
    bench.stage("peak", lambda: stage_peak(bench), 10)
    bench.stage("model", lambda: stage_model(bench, shape), 30)
    if bench.result["stages"]["model"]["status"] != "ok":
        for name in ("data", "train", "generate", "predict", "qlora"):
            bench.result["stages"][name]["status"] = "skipped"
            bench.result["stages"][name]["note"] = "no model"
    else:
        # Seconds kept for the stages after each (a GPU run's limit is shared; on CPU
        # the dry run is short and nothing is kept).
        keep = {"generate": 90, "predict": 100, "qlora": 140} if cuda else {}
        bench.stage("data", lambda: stage_data(bench), 20)
        if bench.result["stages"]["data"]["status"] == "ok":
            after_train = sum(keep.values())
            bench.stage("train", lambda: stage_train(bench, after_train), 60 if cuda else 5)
            after_generate = after_train - keep.get("generate", 0)
            bench.stage(
                "generate",
                lambda: stage_generate(
                    bench, plan["gen_prompts"], plan["gen_batch"], max_new, after_generate
                ),
                45 if cuda else 5,
            )
            bench.stage(
                "predict",
                lambda: stage_predict(
                    bench, plan["predict_rows"], plan["gen_batch"], keep.get("qlora", 0)
                ),
                45 if cuda else 5,
            )
        bench.stage("qlora", lambda: stage_qlora(bench), 60 if cuda else 1)
    stages = bench.result["stages"].values()
    # A dry run is complete when every stage ran that can run without CUDA.
    bench.result["complete"] = all(
        s["status"] == "ok" or (dry and s["status"] == "needs cuda") for s in stages
    )
    bench.write()
    print(f"gpu: wrote {bench.out / 'gpu.json'} and gpu.md")
    print(markdown(bench.result))
    return 0 if bench.result["complete"] else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["prepare", "run", "wheels"])
    parser.add_argument("--prep", type=Path, required=True, help="the prepared folder")
    parser.add_argument("--dest", type=Path, help="wheels: where the wheels go")
    parser.add_argument("--work", type=Path, help="run: where the project runs (a fresh copy)")
    parser.add_argument("--out", type=Path, help="run: where gpu.json and gpu.md go")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--limit", type=float, default=450.0, help="run: seconds in all")
    parser.add_argument("--shape", choices=sorted(SHAPES), help="run: the model's shape")
    parser.add_argument("--max-new-tokens", type=int, help="run: default the mean answer")
    args = parser.parse_args(argv)
    if args.command == "wheels":
        if args.dest is None:
            parser.error("wheels needs --dest")
        return prepare_wheels(args.prep.resolve(), args.dest.resolve())
    if args.command == "prepare":
        return prepare(args.prep.resolve(), args.dry_run)
    if args.work is None or args.out is None:
        parser.error("run needs --work and --out")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
