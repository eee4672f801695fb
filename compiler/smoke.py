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

import codecs
import csv
import importlib.util
import io
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from . import plugins
from .compile import build_project
from .ir import Overrides
from .load import read_spec
from .sources import format_of

ACCEPT_DECISIONS = {0: "PASS", 3: "REVIEW", 4: "FAIL"}


SAMPLE_SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet", "hf": ""}


def _sample_source(source: Path, fmt: str, rows: int, dest: Path) -> tuple[Path, int, int]:
    """The first ``rows`` records of the source, as the source's own bytes from its start:
    a CSV record keeps its quoted newlines and blank lines, and the sample's line numbers
    (which the data step's rejects give) are the source's. Returns the sample, the records
    taken and the source lines they span."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("parquet", "hf"):  # the first rows, written in the source's own format
        taken = _table_prefix(source, fmt, rows, dest)
        return dest, taken, taken
    if fmt == "csv":
        data, taken = _csv_prefix(source, rows)
    else:
        data, taken = _jsonl_prefix(source, rows)
    if data and not data.endswith(b"\n"):
        data += b"\n"
    dest.write_bytes(data)
    return dest, taken, data.count(b"\n")


def _table_prefix(source: Path, fmt: str, rows: int, dest: Path, hf_split: str = "train") -> int:
    """The first ``rows`` rows of a Parquet file or a saved dataset, written as one."""
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        with pq.ParquetFile(source) as handle:
            batch = next(handle.iter_batches(batch_size=rows), None)
            table = (
                pa.Table.from_batches([batch])
                if batch is not None
                else handle.schema_arrow.empty_table()
            )
        pq.write_table(table, dest)
        return table.num_rows
    from .sources import load_hf

    dataset = load_hf(source, hf_split)
    dataset = dataset.select(range(min(rows, len(dataset))))
    dataset.save_to_disk(str(dest))
    return len(dataset)


def sample_texts(path: Path, fmt: str) -> list[str]:
    """A sample's lines (a Parquet or HF sample's rows as JSON) for the tiny tokenizer."""
    if fmt in ("parquet", "hf"):
        from .sources import sample

        return [
            json.dumps(row, ensure_ascii=False, default=str) for _, row in sample(path, fmt, 10**6)
        ]
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def _sampled(source, taken: int, lines: int) -> str:
    return (
        f"smoke: sample of {source}: its first {taken} record{'s' if taken != 1 else ''} "
        f"(lines 1-{lines}; the row numbers of rejects are the source's)"
    )


def _jsonl_prefix(source: Path, rows: int) -> tuple[bytes, int]:
    taken, lines = 0, []
    with open(source, "rb") as src:
        for line in src:
            if taken >= rows:
                break
            lines.append(line)
            taken += bool(line.strip())
    return b"".join(lines), taken


def _csv_prefix(source: Path, rows: int) -> tuple[bytes, int]:
    """The header and the first ``rows`` CSV records, read as the data step reads them
    (the csv module's default dialect; UTF-8 with an optional byte-order mark; lines
    as a file opened with newline="" gives them)."""
    consumed: list[str] = []

    def lines(text):
        for line in text:
            consumed.append(line)
            yield line

    taken = 0
    with open(source, "rb") as raw:
        bom = raw.read(3) == codecs.BOM_UTF8
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(lines(text))
        try:
            next(reader)  # the header
            while taken < rows:
                if next(reader):  # an empty line between records is no record
                    taken += 1
        except (StopIteration, csv.Error):
            pass  # the end, or a record the data step will reject: it is in the sample
    data = "".join(consumed).encode("utf-8", errors="surrogateescape")
    return (codecs.BOM_UTF8 if bom else b"") + data, taken


# Import names of the distributions a generated project's requirements.txt lists, where
# they differ from the distribution's name; the smoke itself builds its tiny model with torch.
_IMPORT_NAMES = {"pyyaml": "yaml", "scikit-learn": "sklearn", "mlx-lm": "mlx_lm"}
_OPTIONAL = {"orjson"}  # the data step falls back to the standard library's json
_SMOKE_NEEDS = ["torch", "transformers", "tokenizers", "pytest"]


def _missing_requirements(spec_path, work: Path, backend, route, quantize) -> str | None:
    """What the project the smoke would run needs and this Python cannot import (or, for
    Axolotl, run), said with the command that installs it; None when nothing is missing."""
    from .compile import compile_spec

    overrides = Overrides(backend=backend, route=route, quantize=quantize)
    _, _, files = compile_spec(spec_path, work / "project", overrides)
    wanted: dict[str, str] = {}  # distribution -> requirement line
    for line in files["requirements.txt"].splitlines():
        requirement, _, marker = line.split("#", 1)[0].partition(";")
        requirement = requirement.strip()
        if not requirement or not _marker_holds(marker):
            continue
        name = re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower()
        wanted.setdefault(name, requirement)
    for name in _SMOKE_NEEDS:
        wanted.setdefault(name, name)
    missing, axolotl = [], None
    for name, requirement in wanted.items():
        if name in _OPTIONAL:
            continue
        if name == "axolotl":  # its own environment: the command is what the steps run
            if shutil.which("axolotl") is None:
                axolotl = requirement
            continue
        module = _IMPORT_NAMES.get(name, name.replace("-", "_"))
        if name == "mlx" or name.startswith("mlx["):
            module = "mlx"
        if importlib.util.find_spec(module) is None:
            missing.append(requirement)
    lines = []
    if missing:
        lines += [
            f"smoke: the {backend} project of {spec_path} needs "
            f"{'a package' if len(missing) == 1 else 'packages'} that this Python "
            f"({sys.executable}) cannot import: {', '.join(missing)}",
            f"    install: {shlex.quote(sys.executable)} -m pip install "
            + " ".join(shlex.quote(r) for r in missing),
            "    (or everything the example projects use: pip install -e '.[run]' in distillgen)",
        ]
    if axolotl:
        lines += [
            f"smoke: the axolotl project of {spec_path} runs the axolotl command, "
            "which is not on PATH",
            f"    Axolotl pins its own torch, transformers and peft: install {axolotl} in an "
            "environment of its own (`make setup-axolotl` in distillgen makes .venv-axolotl) "
            "and put its bin/ on PATH",
        ]
    return "\n".join(lines) or None


def _marker_holds(marker: str) -> bool:
    """The one kind of environment marker requirements.txt uses: platform_system == 'X'."""
    found = re.fullmatch(r"\s*platform_system\s*==\s*[\"']([^\"']+)[\"']\s*", marker)
    return not marker.strip() or (found is not None and found.group(1) == platform.system())


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
    from .compile import route_backend
    from .tiny import build_tiny_encoder, build_tiny_model

    # --route alone: the route's backend where the spec's cannot train it (as build does)
    backend = backend or route_backend(loaded, Overrides(route=route)).backend
    backend = backend or spec.training.backend
    quantize = None
    if spec.training.quantize != "none" and not _cuda_available():
        quantize = "none"
    missing = _missing_requirements(spec_path, work, backend, route, quantize)
    if missing:
        echo(missing)
        echo("smoke: FAILED before the first step")
        return False

    spec_dir = loaded.path.parent
    samples: dict = {}
    kind = plugins.kind(spec.kind)
    texts: list[str] = []  # what the tiny tokenizer learns its vocabulary from
    if kind.smoke_sample is not None:  # a kind that samples its own data
        sample, texts = kind.smoke_sample(spec, spec_dir, work / "data", rows)
    elif spec.data.sources is not None:  # an even share of the rows from each source
        share = -(-rows // len(spec.data.sources))
        formats = {}
        for entry in spec.data.sources:
            fmt = format_of(spec_dir / entry.path, entry.format) or "jsonl"
            dest = work / "data" / f"sample-{entry.name}{SAMPLE_SUFFIX[fmt]}"
            samples[entry.name], taken, lines = _sample_source(
                spec_dir / entry.path, fmt, share, dest
            )
            formats[entry.name] = fmt
            echo(_sampled(entry.path, taken, lines))
        sample = None
    elif spec.data.hub is not None:
        echo(
            f"smoke: data.hub ({spec.data.hub.id}) is read from the network, which the smoke "
            "does not use: save the dataset with save_to_disk and point data.source at it"
        )
        echo("smoke: FAILED before the first step")
        return False
    else:
        source = spec_dir / spec.data.source
        fmt = format_of(source, spec.data.format) or source.suffix.lower().lstrip(".")
        dest = work / "data" / f"sample{SAMPLE_SUFFIX.get(fmt, '.' + fmt)}"
        sample, taken, lines = _sample_source(source, fmt, rows, dest)
        echo(_sampled(spec.data.source, taken, lines))

    t0 = time.perf_counter()
    if kind.smoke_sample is None:
        paths = (
            [(sample, fmt)]
            if sample is not None
            else [(path, formats[name]) for name, path in samples.items()]
        )
        texts = [line for path, fmt in paths for line in sample_texts(path, fmt)] + [
            spec.prompt.template
        ]
    # model.architecture -> the tiny model of that shape
    build = {"decoder": build_tiny_model, "encoder": build_tiny_encoder}[spec.model.architecture]
    model_dir = build(work / "model", texts)
    echo(f"smoke: tiny model and tokenizer built in {time.perf_counter() - t0:.1f}s ({model_dir})")

    half = max(1, steps // 2)
    if quantize == "none":
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
        # A train step that resumes gets checkpoints halfway: the smoke interrupts it.
        eval_every=half if plugins.backend(backend).resumes else steps,
        save_every=half if plugins.backend(backend).resumes else steps,
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
    plan, skipped = plugins.backend(backend).smoke(plan, python, project_dir, _cuda_available())
    if spec.model.architecture == "encoder":  # no chat template: no generative base run
        echo("smoke: an encoder has no base run (make eval-base refuses it); not run")
    else:
        plan = _with_base_eval(plan, python)
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
    # make predict on the sample, where a model was trained (before the project's tests).
    if (project_dir / "pipeline" / "predict.py").is_file() and "eval" in dict(plan):
        predict = [python, "-m", "pipeline.predict"]
        if plugins.kind(spec.kind).labelled:  # the sample's rows, four to a batch
            corpus = _predict_corpus(
                sample if sample is not None else next(iter(samples.values())), work
            )
            predict += [str(corpus), "--engine", "local", "--batch-size", "4"]
            if (overrides.route or getattr(spec.labels, "route", None)) != "head":
                # A generative answer: held to the label schema, with each field's
                # confidence (a head writes its answer itself and has neither).
                predict += ["--constrained", "--confidence"]
        else:  # the style prompts, once each, short
            predict += ["--samples", "1", "--max-new-tokens", "16"]
        plan = [*plan[:-1], ("predict", predict), plan[-1]]
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


PREDICT_BAD_ROWS = ('{"unterminated": ', "{}")  # a malformed line; a row without inputs


def _predict_corpus(sample: Path, work: Path) -> Path:
    """What the smoke's predict reads: the sample's rows (as JSONL where the sample is
    Parquet or a saved dataset) and, in a JSONL corpus, PREDICT_BAD_ROWS after them,
    which predict must write to its rejects with their reasons."""
    if sample.suffix == ".csv":
        return sample
    if sample.is_dir() or sample.suffix == ".parquet":
        rows = sample_texts(sample, "hf" if sample.is_dir() else "parquet")
    else:
        rows = sample.read_text(encoding="utf-8").splitlines()
    corpus = work / "data" / "predict-sample.jsonl"
    corpus.write_text("".join(row + "\n" for row in [*rows, *PREDICT_BAD_ROWS]), encoding="utf-8")
    return corpus


def _with_base_eval(plan: list, python: str) -> list:
    """The base model alone (after eval.base_shots train examples) before the tuned
    model's eval, so that its report compares the two (through `make eval-base` where
    eval runs through make)."""
    names = [step[0] for step in plan]
    if "eval" not in names:
        return plan
    at = names.index("eval")
    if plan[at][1][0] == "make":
        base = [("base-score", ["make", "eval-base", f"PYTHON={python}"])]
    else:
        base = [
            ("base", [python, "-m", "pipeline.evaluate", "generate", "--base"]),
            ("base-score", [python, "-m", "pipeline.evaluate", "score", "--base"]),
        ]
    return plan[:at] + base + plan[at:]


def insert_after(plan: list, name: str, steps: list) -> list:
    """The plan with ``steps`` right after the step called ``name``."""
    at = [step[0] for step in plan].index(name) + 1
    return plan[:at] + steps + plan[at:]


# Steps a user runs through the project's Makefile, and the target of each.
_MAKE_TARGETS = {"data": "data", "train": "train", "eval": "eval"}


def with_export(plan: list, python: str, project: Path, serve: bool) -> list:
    """The plan with make export (forced: a tiny model does not PASS) after accept, where
    the project exports, and, where ``serve`` (the backend's server runs here) and the
    project has parity, make parity SERVE=1: the exported model served as make serve
    serves it answers a sample of eval's examples as eval did."""
    pipeline = project / "pipeline"
    if not (pipeline / "export.py").is_file():
        return plan
    steps = [("export", [python, "-m", "pipeline.export", "--force"])]
    if serve and (pipeline / "parity.py").is_file():
        steps.append(("parity", [python, "-m", "pipeline.parity", "--serve", "--sample", "3"]))
    return insert_after(plan, "accept", steps)


def through_make(plan: list, python: str) -> list:
    """The plan with data, train and eval run as `make` targets (as a user runs them);
    eval's target also scores. Accept stays a command: make reports its own status 2
    for any failing recipe, and accept's exit status (0 PASS, 3 REVIEW, 4 FAIL) is
    what is checked."""
    if not shutil.which("make"):
        return plan
    made = []
    for name, command in plan:
        if name == "score":
            continue
        if name in _MAKE_TARGETS:
            command = ["make", _MAKE_TARGETS[name], f"PYTHON={python}"]
        made.append((name, command))
    return made


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


def _written(code: int, path: Path):
    """The JSON a step wrote to ``path``, where it exited 0 and wrote it (else None)."""
    if code != 0 or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


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
        meta = _written(code, work / "teacher" / "labelled.meta.json")
        if meta is None:
            return f"exit {code}", False
        return (
            f"{meta['labelled']} of {meta['rows']} rows labelled, "
            f"{meta['quarantined']} quarantined",
            True,
        )
    if name == "baseline":
        baseline = _written(code, work / "baseline" / "metrics.json")
        if baseline is None:
            return f"exit {code}", False
        return f"baseline macro-F1 {baseline['summary']['macro_f1']:.2f}", True
    if name == "data":
        stats = _written(code, work / "data" / "stats.json")
        if stats is None:
            return f"exit {code}", False
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
        summary = _written(code, work / "adapters" / "training_summary.json")
        if summary is None:
            return f"exit {code}", False
        if name == "resume" and not summary["resumed_from"]:
            return "did not resume from a checkpoint", False
        note = (
            f"{summary['global_step']} steps, best {summary['best_by']} "
            f"{summary['best_metric']:.3f}"
        )
        if summary["resumed_from"]:
            note += f", resumed from {summary['resumed_from']}"
        rows = work / "train" / "history.jsonl"
        if not rows.is_file() or not rows.read_text(encoding="utf-8").strip():
            return note + "; no training curves (work/train/history.jsonl)", False
        return note + f"; {len(rows.read_text(encoding='utf-8').splitlines())} history rows", True
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
        rows = work / "train" / "history.jsonl"
        if code == 0 and adapter.is_file() and not rows.is_file():
            return "no training curves (work/train/history.jsonl)", False
        return (
            (f"adapter {adapter.stat().st_size} bytes", True)
            if code == 0 and adapter.is_file()
            else (
                f"exit {code}, adapter {'present' if adapter.is_file() else 'missing'}",
                False,
            )
        )
    if name == "base-score":
        path = work / "eval-base" / "metrics.json"
        ok = code == 0 and path.is_file()
        if not ok:
            return f"exit {code}", False
        shots = (json.loads(path.read_text(encoding="utf-8")).get("shots") or {}).get("shots")
        return f"base model ({f'{shots}-shot' if shots else 'zero-shot'}) scored", True
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
        figures = [f["file"] for f in m.get("figures", []) if f["file"]]
        absent = [f for f in figures if not (work / "eval" / f).is_file()]
        curves = (work / "train" / "history.jsonl").is_file()
        if not figures or absent or (curves and "training.png" not in figures):
            return f"figures missing from the report: {absent or 'none written'}", False
        shown = f"; {len(figures)} figures{' with training curves' if curves else ''}"
        if "gain_over_base" in m["summary"] and (work / "eval-base").exists():
            if not m.get("comparison", {}).get("base"):
                return "the report has no comparison with the base model", False
            shown += "; compared with the base model"
        if "style" in m:  # generation
            rates = ", ".join(
                f"{name} {entry['rate']:.0%}" if entry["rate"] is not None else f"{name} n/a"
                for name, entry in m["style"].items()
            )
            return (
                f"perplexity {m['loss']['perplexity']:.1f}, {m['samples']} samples: {rates}"
                + shown,
                True,
            )
        a = m["answers"]
        return (
            f"{m['examples']} answers: {a['parsed']} parsed, {a['partial']} partial, "
            f"{a['unparseable']} unparseable, {a['truncated']} truncated" + shown,
            True,
        )
    if name == "predict":
        found = sorted((work / "predict").glob("*/summary.json"))
        decision = ACCEPT_DECISIONS.get(code)
        if decision is None or not found:
            return f"exit {code}", False
        s = json.loads(found[0].read_text(encoding="utf-8"))
        gate = "style gate" if "samples" in s else "missing-rate gate"
        held = ["constrained"] if s.get("constrained") else []
        cut = s.get("finish", {}).get("length")
        parsed = ", ".join(
            held
            + [f"{k} {v}" for k, v in s.get("parse_status", {}).items()]
            + ([f"{cut} cut at the token limit"] if cut else [])
        )
        reasons = ", ".join(f"{k} {v}" for k, v in s.get("reject_reasons", {}).items())
        note = (
            f"{s['rows']} rows: {s['answered']} answered{f' ({parsed})' if parsed else ''}, "
            f"{s['rejected']} rejected{f' ({reasons})' if reasons else ''}; {gate} {decision}"
        )
        if s["answered"] + s["rejected"] != s["rows"]:
            return note + "; rows not accounted for", False
        return note, True
    if name == "export":
        record = _written(code, work / "export" / "export.json")
        if record is None:
            return f"exit {code}", False
        files = record["files"]
        size = sum(entry["bytes"] for entry in files.values())
        return f"{len(files)} files, {size:,} bytes (make export FORCE=1)", True
    if name == "parity":
        parity = _written(code, work / "parity" / "parity.json")
        if parity is None:
            return f"exit {code}", False
        return (
            f"the exported model, served (make parity SERVE=1), answered {parity['equal']} of "
            f"{parity['sample']} eval examples as eval did, byte for byte",
            True,
        )
    if name == "accept":
        decision = ACCEPT_DECISIONS.get(code)
        if decision is None or not (work / "accept" / "accept.json").is_file():
            return f"exit {code}", False
        return f"decision {decision} (an untrained tiny model is expected to FAIL)", True
    return f"exit {code}", code == 0
