"""`distillgen smoke`: run a spec's generated project end to end on a tiny model.

Builds a tiny random model and tokenizer locally, compiles the spec into a
scratch directory with the sample of the data and that model, and runs every
step of the generated project (data, train, eval, accept) plus its own tests,
on CPU. A FAIL decision from an untrained tiny model is a correct result; a
crash, a missing file or a step failing is not. Axolotl trains on CUDA only: without
a GPU its smoke runs the data step, `axolotl preprocess` and the project's tests,
and says that train, eval and accept were not run. A spec with training.quantize 4bit
(QLoRA, bitsandbytes on CUDA) is smoked unquantized without a GPU, and says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .compile import build_project
from .ir import Overrides
from .load import read_spec

ACCEPT_DECISIONS = {0: "PASS", 3: "REVIEW", 4: "FAIL"}


def _sample_source(source: Path, fmt: str, rows: int, dest: Path) -> Path:
    """The first ``rows`` records of the source (CSV keeps its header)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(dest, "wb") as out:
        taken = 0
        if fmt == "csv":
            out.write(src.readline())
        for line in src:
            if not line.strip():
                continue
            out.write(line if line.endswith(b"\n") else line + b"\n")
            taken += 1
            if taken >= rows:
                break
    return dest


def _step_env() -> dict:
    env = dict(os.environ)
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    env["PYTHONHASHSEED"] = env.get("PYTHONHASHSEED", "0")
    return env


def run_smoke(
    spec_path: Path,
    *,
    rows: int = 30,
    steps: int = 4,
    keep: Path | None = None,
    echo: Callable[[str], None] = print,
    backend: str | None = None,
    route: str | None = None,
) -> bool:
    started = time.perf_counter()
    loaded = read_spec(spec_path)
    spec = loaded.spec
    workdir_obj = None
    if keep is None:
        workdir_obj = tempfile.TemporaryDirectory(prefix="distillgen-smoke-")
        work = Path(workdir_obj.name)
    else:
        work = keep.resolve()
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
    try:
        return _run(loaded, spec, spec_path, work, rows, steps, echo, started, backend, route)
    finally:
        if workdir_obj is not None:
            workdir_obj.cleanup()


def _run(loaded, spec, spec_path, work, rows, steps, echo, started, backend, route) -> bool:
    from .tiny import build_tiny_model

    spec_dir = loaded.path.parent
    samples: dict = {}
    if spec.kind == "generation":  # the first chunk files, copied
        sample = work / "data" / "chunks"
        sample.mkdir(parents=True)
        for path in sorted((spec_dir / spec.data.chunks).glob(spec.data.pattern))[:rows]:
            shutil.copyfile(path, sample / path.name)
    elif spec.data.sources is not None:  # an even share of the rows from each source
        share = -(-rows // len(spec.data.sources))
        for entry in spec.data.sources:
            dest = work / "data" / f"sample-{entry.name}.jsonl"
            samples[entry.name] = _sample_source(spec_dir / entry.path, "jsonl", share, dest)
        sample = None
    else:
        source = spec_dir / spec.data.source
        fmt = spec.data.format or source.suffix.lower().lstrip(".")
        sample = _sample_source(source, fmt, rows, work / "data" / f"sample.{fmt}")

    t0 = time.perf_counter()
    files = sorted(sample.iterdir()) if spec.kind == "generation" else [sample]
    texts = [
        line
        for path in (files if sample is not None else samples.values())
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
    ]
    texts += list(spec.style.prompts) if spec.kind == "generation" else [spec.prompt.template]
    model_dir = build_tiny_model(work / "model", texts)
    echo(f"smoke: tiny model and tokenizer built in {time.perf_counter() - t0:.1f}s ({model_dir})")

    backend = backend or spec.training.backend
    half = max(1, steps // 2)
    quantize = None
    if spec.training.quantize != "none" and not _cuda_available():
        quantize = "none"
        echo(
            f"smoke: training.quantize {spec.training.quantize} needs CUDA (none here): "
            "the smoke trains unquantized"
        )
    overrides = Overrides(
        source=sample,
        sources=samples or None,
        model_base=str(model_dir),
        steps=steps,
        batch_size=2,
        lora_layers="all",
        max_new_tokens=64,
        eval_every=half if backend == "peft" else steps,
        save_every=half if backend == "peft" else steps,
        backend=backend,
        route=route,
        quantize=quantize,
    )
    project_dir = work / "project"
    oracle = None
    if getattr(spec, "teacher", None) is not None:  # the teacher: a loopback oracle
        from dataclasses import replace

        from .loopback import OracleServer

        oracle = OracleServer({}, "").__enter__()
        overrides = replace(overrides, teacher_base_url=oracle.url)
    try:
        return _build_and_run(
            spec,
            spec_path,
            project_dir,
            overrides,
            sample,
            samples,
            oracle,
            backend,
            work,
            echo,
            started,
        )
    finally:
        if oracle is not None:
            oracle.__exit__(None, None, None)


def _build_and_run(
    spec, spec_path, project_dir, overrides, sample, samples, oracle, backend, work, echo, started
) -> bool:
    _, files, _ = build_project(spec_path, project_dir, overrides)
    echo(f"smoke: compiled {spec_path} into {project_dir} ({len(files)} files)")
    teacher_steps = []
    if oracle is not None:
        from .loopback import oracle_answers

        to_label = sample if sample is not None else next(iter(samples.values()))
        answers, fallback = oracle_answers(project_dir, [to_label])
        oracle.answers.update(answers)
        oracle.fallback = fallback
        echo(f"smoke: teacher is a loopback oracle at {oracle.url} ({len(answers)} gold answers)")
        teacher_steps = [
            ("calibrate", [sys.executable, "-m", "pipeline.teacher", "calibrate"]),
            ("label", [sys.executable, "-m", "pipeline.teacher", "label", str(to_label)]),
        ]

    python = sys.executable
    env = _step_env()
    if oracle is not None:
        env[spec.teacher.api_key_env] = "smoke"
    plan = [
        ("data", [python, "-m", "pipeline.data"]),
        ("train", [python, "-m", "pipeline.train"]),
        ("eval", [python, "-m", "pipeline.evaluate", "generate"]),
        ("score", [python, "-m", "pipeline.evaluate", "score"]),
        ("accept", [python, "-m", "pipeline.accept"]),
        ("tests", [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]),
    ]
    has_baseline = (project_dir / "pipeline" / "baseline.py").is_file()
    if backend == "peft":
        if has_baseline:
            plan.insert(1, ("baseline", [python, "-m", "pipeline.baseline"]))
        position = 3 if has_baseline else 2
        plan[position:position] = [
            ("interrupt", None),
            ("resume", [python, "-m", "pipeline.train"]),
            ("merge", [python, "-m", "pipeline.merge"]),
        ]
    elif shutil.which("make"):
        plan[:5] = [
            ("data", ["make", "data", f"PYTHON={python}"]),
            ("train", ["make", "train", f"PYTHON={python}"]),
            ("eval", ["make", "eval", f"PYTHON={python}"]),
            # Not through make: make reports its own status 2 for any failing recipe,
            # and accept's exit status (0 PASS, 3 REVIEW, 4 FAIL) is what is checked.
            ("accept", [python, "-m", "pipeline.accept"]),
        ]
    if teacher_steps:
        plan[0:0] = teacher_steps
        if sample is not None:  # the data step reads what the teacher labelled
            labelled = f"work/teacher/labelled.{'csv' if sample.suffix == '.csv' else 'jsonl'}"
            plan = [
                (
                    name,
                    command
                    + ([f"SOURCE={labelled}"] if command[0] == "make" else ["--source", labelled]),
                )
                if name == "data"
                else (name, command)
                for name, command in plan
            ]
    if (project_dir / "pipeline" / "predict.py").is_file():  # make predict on the sample
        corpus = sample if sample is not None else next(iter(samples.values()))
        predict = [python, "-m", "pipeline.predict", str(corpus), "--engine", "local"]
        plan.insert(len(plan) - 1, ("predict", predict + ["--batch-size", "4"]))
    skipped = None
    if backend == "axolotl":
        preprocess = [python, "-m", "pipeline.train", "--preprocess-only"]
        plan.insert(1, ("prep", preprocess))
        if not _cuda_available():
            plan = [step for step in plan if step[0] in ("data", "prep", "tests")]
            skipped = "axolotl train needs CUDA (none here): train, eval and accept not run"
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    ok = True
    for name, command in plan:
        if command is None:  # an interruption: lose the newest checkpoint and the adapter
            note = _interrupt(project_dir / "work")
            echo(f"smoke: {name:<6} ok     0.0s  {note}")
            continue
        t0 = time.perf_counter()
        log = logs / f"{name}.log"
        with open(log, "w", encoding="utf-8") as handle:
            proc = subprocess.run(
                command, cwd=project_dir, env=env, stdout=handle, stderr=subprocess.STDOUT
            )
        elapsed = time.perf_counter() - t0
        note, step_ok = _judge(name, proc.returncode, project_dir, via_make=command[0] == "make")
        echo(f"smoke: {name:<6} {'ok ' if step_ok else 'FAILED'} {elapsed:6.1f}s  {note}")
        if not step_ok:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
            echo("\n".join("    " + line for line in tail))
            ok = False
            break
    total = time.perf_counter() - started
    if ok and skipped:
        echo(f"smoke: {skipped}")
    echo(f"smoke: {'passed' if ok else 'FAILED'} in {total:.1f}s")
    return ok


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def _interrupt(work: Path) -> str:
    checkpoints = sorted(
        (work / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1])
    )
    shutil.rmtree(checkpoints[-1])
    shutil.rmtree(work / "adapters")
    return f"removed {checkpoints[-1].name} and the adapter; {checkpoints[-2].name} is left"


def _judge(name: str, code: int, project: Path, via_make: bool = False) -> tuple[str, bool]:
    work = project / "work"
    if name == "calibrate":
        path = work / "teacher" / "calibration.json"
        decision = ACCEPT_DECISIONS.get(code)
        if decision is None or not path.is_file():
            return f"exit {code}", False
        note = f"decision {decision} with an oracle teacher answering the gold labels"
        return note, decision == "PASS"
    if name == "label":
        path = work / "teacher" / "labelled.meta.json"
        if code != 0 or not path.is_file():
            return f"exit {code}", False
        meta = json.loads(path.read_text(encoding="utf-8"))
        return (
            f"{meta['labelled']} of {meta['rows']} rows labelled, "
            f"{meta['quarantined']} quarantined",
            True,
        )
    if name == "baseline":
        path = work / "baseline" / "metrics.json"
        if code != 0 or not path.is_file():
            return f"exit {code}", False
        macro = json.loads(path.read_text(encoding="utf-8"))["summary"]["macro_f1"]
        return f"baseline macro-F1 {macro:.2f}", True
    if name == "data":
        stats_path = work / "data" / "stats.json"
        if code != 0 or not stats_path.is_file():
            return f"exit {code}", False
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
        counts = ", ".join(
            f"{k} {v.get('examples', v.get('chunks'))}" for k, v in stats["splits"].items()
        )
        note = f"{stats['accepted']} examples ({counts}), {stats['rejected']} rejected"
        baseline = work / "baseline" / "metrics.json"
        if via_make and (project / "pipeline" / "baseline.py").is_file():
            if not baseline.is_file():
                return note + "; the baseline did not run", False
            macro = json.loads(baseline.read_text(encoding="utf-8"))["summary"]["macro_f1"]
            note += f"; baseline macro-F1 {macro:.2f}"
        for warning in stats.get("warnings", []):
            note += f"\n         warning: {warning}"
        return note, True
    if name in ("train", "resume") and (work / "checkpoints").is_dir():
        summary_path = work / "adapters" / "training_summary.json"
        if code != 0 or not summary_path.is_file():
            return f"exit {code}", False
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        if name == "resume" and not summary["resumed_from"]:
            return "did not resume from a checkpoint", False
        note = f"{summary['global_step']} steps, best eval loss {summary['best_eval_loss']:.3f}"
        if summary["resumed_from"]:
            note += f", resumed from {summary['resumed_from']}"
        return note, True
    if name == "merge":
        ok = code == 0 and (work / "merged" / "config.json").is_file()
        return ("merged model answers as base + adapter" if ok else f"exit {code}"), ok
    if name == "prep":
        prepared = sorted((work / "axolotl_prepared").glob("*/dataset_info.json"))
        if code != 0 or not prepared:
            return f"exit {code}", False
        return f"axolotl preprocess wrote {len(prepared)} datasets", True
    if name == "train":
        adapter = work / "adapters" / "adapters.safetensors"  # mlx-lm
        if not adapter.is_file():
            adapter = work / "adapters" / "adapter_model.safetensors"  # Axolotl (peft)
        return (
            (f"adapter {adapter.stat().st_size} bytes", True)
            if code == 0 and adapter.is_file()
            else (
                f"exit {code}, adapter {'present' if adapter.is_file() else 'missing'}",
                False,
            )
        )
    if name in ("eval", "score"):
        metrics_path = work / "eval" / "metrics.json"
        predictions = work / "eval" / "predictions.jsonl"
        samples = work / "eval" / "samples.jsonl"
        if name == "eval" and code == 0 and not metrics_path.is_file() and samples.is_file():
            count = len(samples.read_text(encoding="utf-8").splitlines())
            return f"{count} samples generated", True
        if name == "eval" and code == 0 and not metrics_path.is_file() and predictions.is_file():
            count = len(predictions.read_text(encoding="utf-8").splitlines())
            return f"{count} answers generated", True
        if code != 0 or not metrics_path.is_file():
            return f"exit {code}", False
        m = json.loads(metrics_path.read_text(encoding="utf-8"))
        if "style" in m:  # generation
            rates = ", ".join(
                f"{name} {entry['rate']:.0%}" if entry["rate"] is not None else f"{name} n/a"
                for name, entry in m["style"].items()
            )
            return (
                f"perplexity {m['loss']['perplexity']:.1f}, {m['samples']} samples: {rates}",
                True,
            )
        a = m["answers"]
        return (
            f"{m['examples']} answers: {a['parsed']} parsed, {a['partial']} partial, "
            f"{a['unparseable']} unparseable, {a['truncated']} truncated",
            True,
        )
    if name == "predict":
        found = sorted((work / "predict").glob("*/summary.json"))
        decision = ACCEPT_DECISIONS.get(code)
        if decision is None or not found:
            return f"exit {code}", False
        s = json.loads(found[0].read_text(encoding="utf-8"))
        return (
            f"{s['rows']} rows: {s['answered']} answered, {s['rejected']} rejected; "
            f"missing-rate gate {decision}",
            True,
        )
    if name == "accept":
        decision = ACCEPT_DECISIONS.get(code)
        if decision is None or not (work / "accept" / "accept.json").is_file():
            return f"exit {code}", False
        return f"decision {decision} (an untrained tiny model is expected to FAIL)", True
    return f"exit {code}", code == 0
