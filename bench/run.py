"""distillgen benchmarks: every figure is a ratio against a baseline run in the same process.

    make bench                       # full size (116,674 poems), writes BENCHMARKS.md
    python bench/run.py --records 2000 --repeat 2 --out /tmp/b.md   # a quick look

Sections: compile (whole process vs `python -c pass` and a bare import; growth with
the number of label fields, with read + validate, resolve, each template and ruff
timed apart), data step (vs a minimal orjson loop and vs Hugging Face
`datasets.map`; peak memory as the corpus grows), token audit (vs `encode_batch`
alone), parser + metrics (vs a plain `str.split` loop). Each timing is repeated;
min and median are reported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

# Progress bars of datasets / transformers would flood the report's console copy.
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

OUT = ROOT / "bench" / "out"
SEED_000_CORPUS = 116_674


# ------------------------------------------------------------------ helpers


def timed(fn, repeat: int, before=None) -> list[float]:
    """Wall times of ``repeat`` calls of ``fn``; ``before`` runs first each time, untimed."""
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    return min(times), statistics.median(times)


def process_times(command: list[str], repeat: int, cwd=ROOT) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


_LOADED = contextlib.ExitStack()


def load_project(project: Path) -> dict:
    """The generated project's pipeline modules, imported as its own commands import
    them (the data step's worker processes find their functions there) until the next
    project is loaded."""
    from distillgen.compile import project_imported

    _LOADED.close()
    names = ("schema", "labels", "parse", "prompts", "metrics", "data")
    return _LOADED.enter_context(project_imported(project, names))


def build_poetry(
    out: Path, source: Path | None = None, model: str | None = None, context: int | None = None
) -> Path:
    """specs/poetry.yaml compiled into ``out``; ``context``: another model.max_seq_length
    (a copy of the spec beside ``out``, its data source given by ``source``)."""
    from distillgen.compile import build_project
    from distillgen.ir import Overrides

    if out.exists():
        shutil.rmtree(out)
    spec = ROOT / "specs" / "poetry.yaml"
    if context is not None:
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
        data["model"]["max_seq_length"] = context
        if source is not None:
            data["data"]["source"] = os.path.relpath(source, out.parent)
        spec = out.parent / f"{out.name}-spec.yaml"
        spec.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    build_project(spec, out, Overrides(source=source, model_base=model))
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def ratio_row(self, what: str, ours: list[float], base: list[float], unit_n: int | None = None):
        """A table row: both sides' min/median, and the ratio of their minimums."""
        o_min, o_med = summary(ours)
        b_min, b_med = summary(base)
        if unit_n:
            o = f"{unit_n / o_min:,.0f}/s (median {unit_n / o_med:,.0f}/s)"
            b = f"{unit_n / b_min:,.0f}/s (median {unit_n / b_med:,.0f}/s)"
            ratio = b_min / o_min  # speed ratio: (n / ours) / (n / baseline)
        else:
            o = f"{o_min:.3f} s (median {o_med:.3f} s)"
            b = f"{b_min:.3f} s (median {b_med:.3f} s)"
            ratio = o_min / b_min
        self.add(f"| {what} | {o} | {b} | {ratio:.2f} |")


# ------------------------------------------------------------------ sections


def bench_compile(report: Report, repeat: int) -> None:
    py = sys.executable
    tmp = OUT / "compile"
    build = [py, "-m", "distillgen", "build", "specs/poetry.yaml", "--out", str(tmp / "poetry")]
    process_times(build, 1)  # warm the file cache
    t_build = process_times(build, repeat)
    t_pass = process_times([py, "-c", "pass"], repeat)
    t_import = process_times([py, "-c", "import pydantic, jinja2, yaml, click, jsonschema"], repeat)
    report.add("## Compile")
    report.add()
    report.add("`distillgen build specs/poetry.yaml` as a whole process (target: under 0.5 s).")
    report.add()
    report.add("| measure | distillgen build | baseline | ratio (build / baseline) |")
    report.add("| --- | --- | --- | --- |")
    report.ratio_row("vs `python -c pass`", t_build, t_pass)
    report.ratio_row(
        "vs bare import of pydantic, jinja2, yaml, click, jsonschema", t_build, t_import
    )
    report.add()

    from distillgen.compile import compile_spec

    report.add(
        "Growth with the number of label fields (in-process compile to memory, ruff included); "
        "the prompt template loops over every field, so every template's input grows with them:"
    )
    report.add()
    report.add(
        "| label fields | compile min | median | per field vs 21 fields "
        "| time per added field (vs the row above) |"
    )
    report.add("| --- | --- | --- | --- | --- |")
    base = previous = None
    stages = {}
    for n in (21, 100, 500):
        spec = synthetic_spec(tmp / f"fields{n}", n)
        times = timed(lambda s=spec: compile_spec(s, tmp / "mem"), repeat)
        lo, med = summary(times)
        base = base or lo / 21
        added = (
            "-" if previous is None else f"{(lo - previous[1]) / (n - previous[0]) * 1e3:.2f} ms"
        )
        report.add(f"| {n} | {lo:.3f} s | {med:.3f} s | {lo / n / base:.2f} | {added} |")
        previous = (n, lo)
        stages[n] = compile_stages(spec, tmp / "mem", repeat)
    report.add()
    templates = sorted(stages[21]["templates"])
    report.add(
        f"Where the time goes (min of {repeat} runs each; {len(templates)} templates rendered, "
        "each compiled by Jinja on first use):"
    )
    report.add()
    report.add(
        "| label fields | read + validate | resolve | render all templates | ruff format "
        "| slowest template |"
    )
    report.add("| --- | --- | --- | --- | --- | --- |")
    for n, st in stages.items():
        slowest = max(st["templates"], key=st["templates"].get)
        report.add(
            f"| {n} | {st['read'] * 1e3:.1f} ms | {st['resolve'] * 1e3:.1f} ms "
            f"| {sum(st['templates'].values()) * 1e3:.1f} ms | {st['ruff format'] * 1e3:.1f} ms "
            f"| `{slowest.removeprefix('project/')}` {st['templates'][slowest] * 1e3:.1f} ms |"
        )
    report.add()
    growth = sorted(
        (stages[500]["templates"][t] / stages[21]["templates"][t], t) for t in templates
    )
    median = statistics.median(g for g, _ in growth)
    top, top_name = growth[-1]
    verdict = "no template grows faster" if top <= 500 / 21 else "it grows faster"
    report.add(
        "Each template's render time at 500 fields over its time at 21 fields: "
        f"median {median:.2f}x, largest {top:.2f}x (`{top_name.removeprefix('project/')}`); "
        f"the fields grew 23.8x, {verdict}."
    )
    report.add()


def compile_stages(spec: Path, out: Path, repeat: int) -> dict:
    """The compile's stages timed apart: the minimum of ``repeat`` runs of each."""
    from distillgen.ir import resolve
    from distillgen.load import read_spec
    from distillgen.render import render_project

    best: dict = {"read": [], "resolve": [], "ruff format": [], "templates": {}}
    for _ in range(repeat):
        start = time.perf_counter()
        loaded = read_spec(spec)
        best["read"].append(time.perf_counter() - start)
        start = time.perf_counter()
        project = resolve(loaded, out, None)
        best["resolve"].append(time.perf_counter() - start)
        timings: dict[str, float] = {}
        render_project(project, timings)
        best["ruff format"].append(timings.pop("ruff format"))
        for template, seconds in timings.items():
            best["templates"].setdefault(template, []).append(seconds)
    return {
        "read": min(best["read"]),
        "resolve": min(best["resolve"]),
        "ruff format": min(best["ruff format"]),
        "templates": {t: min(v) for t, v in best["templates"].items()},
    }


def synthetic_spec(directory: Path, n_fields: int) -> Path:
    import yaml

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data").mkdir(exist_ok=True)
    (directory / "data" / "d.jsonl").write_text('{"id": "a", "text": "x"}\n')
    fields = {
        f"field_{i:03d}": {
            "type": "categorical",
            "group": f"G{i % 7}",
            "values": [f"v{i}_{j}" for j in range(5)],
        }
        for i in range(n_fields)
    }
    spec = {
        "version": 1,
        "name": f"synthetic_{n_fields}",
        "kind": "multi_field",
        "data": {"source": "data/d.jsonl", "inputs": {"text": {"type": "text"}}},
        "labels": {"na_token": "N/A", "fields": fields},
        "prompt": {
            "template": "Text: {{ text }}\n{% for g in groups %}{{ g.name }}:\n"
            "{% for f in g.fields %}- {{ f.name }}\n{% endfor %}{% endfor %}\n{{ answer_format }}"
        },
        "split": {"train": 0.9, "valid": 0.1},
        "model": {"base": "m", "max_seq_length": 4096},
        "training": {"lora": {"rank": 8, "alpha": 16}, "steps": 10, "learning_rate": 1.0e-4},
        "acceptance": {"thresholds": [{"metric": "mean_field_accuracy", "pass": 0.8}]},
    }
    path = directory / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def orjson_floor(source: Path, dest: Path) -> None:
    import orjson

    with open(source, "rb") as src, open(dest, "wb") as out:
        for line in src:
            out.write(orjson.dumps(orjson.loads(line)) + b"\n")


def datasets_map(source: Path, dest: Path, mods: dict) -> None:
    """What users reach for: the same prompt and completion through `datasets.map`."""
    import datasets

    prompts, labels = mods["prompts"], mods["labels"]
    inputs = [i["name"] for i in mods["schema"].INPUTS]

    def fmt(row):
        values, _ = labels.check_labels(row["labels"])
        completion = labels.render_completion(values)
        return {"messages": prompts.training_messages({k: row[k] for k in inputs}, completion)}

    ds = datasets.load_dataset(
        "json",
        data_files=str(source),
        split="train",
        cache_dir=str(OUT / "hf-cache"),
        keep_in_memory=True,
    )
    ds = ds.map(fmt, remove_columns=ds.column_names, keep_in_memory=True)
    ds.to_json(str(dest))


def bench_data(report: Report, records: int, repeat: int) -> None:
    source = OUT / f"corpus-{records}.jsonl"
    if not source.is_file():
        print(f"writing {records} synthetic poems to {source} ...", flush=True)
        corpus.write_corpus(source, records)
    size_mb = source.stat().st_size / 1e6
    project = build_poetry(OUT / "data-project", source=source)
    mods = load_project(project)
    out = OUT / "data-out"
    workers = mods["data"].default_workers()

    # Every side writes into a clean place: freeing the previous run's output (a GB
    # of page cache) is not part of the work, and would be charged unevenly.
    def clean() -> None:
        shutil.rmtree(out, ignore_errors=True)
        for name in ("floor.jsonl", "hf.jsonl"):
            (OUT / name).unlink(missing_ok=True)
        shutil.rmtree(OUT / "hf-cache", ignore_errors=True)

    t_one = timed(lambda: mods["data"].build(source, out, None, 1), repeat, clean)
    t_ours = timed(lambda: mods["data"].build(source, out, None, workers), repeat, clean)
    t_floor = timed(lambda: orjson_floor(source, OUT / "floor.jsonl"), repeat, clean)
    t_hf = timed(lambda: datasets_map(source, OUT / "hf.jsonl", mods), max(1, repeat // 2), clean)
    clean()
    report.add("## Data step")
    report.add()
    report.add(
        f"The generated poetry project's data step (read, validate, render, parse back, split, "
        f"write; token audit timed below) on {records:,} synthetic poems ({size_mb:,.0f} MB), "
        "each side writing into a clean directory. Targets: at least 0.5 of the minimal loop, "
        "faster than `datasets.map`. Workers: the data step's `--workers` (default: one per "
        "core); the baselines run in one process."
    )
    report.add()
    report.add("| measure | data step | baseline | ratio (data step speed / baseline speed) |")
    report.add("| --- | --- | --- | --- |")
    report.ratio_row(
        f"{workers} workers vs minimal orjson read + write loop", t_ours, t_floor, records
    )
    report.ratio_row(
        f"{workers} workers vs the same formatting with `datasets.map`", t_ours, t_hf, records
    )
    report.ratio_row("1 worker vs minimal orjson read + write loop", t_one, t_floor, records)
    report.ratio_row("1 worker vs the same formatting with `datasets.map`", t_one, t_hf, records)
    report.add()
    report.add(
        "Peak memory of the data step as the corpus grows (VmHWM of the main process; "
        "the largest worker's peak RSS):"
    )
    report.add()
    report.add(
        "| records | main peak | vs a quarter of the corpus | main growth per added row "
        "| worker peak |"
    )
    report.add("| --- | --- | --- | --- | --- |")
    first = None
    for n in (records // 4, records // 2, records):
        rss, worker = data_step_rss(project, source, n)
        if first is None:
            first, growth = (n, rss), "-"
        else:
            growth = f"{(rss - first[1]) * 2**20 / (n - first[0]):,.0f} bytes"
        report.add(
            f"| {n:,} | {rss:,.0f} MB | {rss / first[1]:.2f} | {growth} | {worker:,.0f} MB |"
        )
    report.add(
        f"\nA synthetic poem is {size_mb * 1e6 / records:,.0f} bytes. The main process holds no "
        "per-row state: keys, lengths and labels go to ledger and hash-partition files under "
        "the spool, read back a part at a time (see the generated `pipeline/data.py`)."
    )
    report.add()


def data_step_rss(project: Path, source: Path, n: int) -> float:
    part = OUT / f"part-{n}.jsonl"
    with open(source, "rb") as src, open(part, "wb") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            dst.write(line)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over execve from the (large) parent.
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from pipeline import data;"
        "data.build(Path(sys.argv[2]), Path(sys.argv[3]), None, data.default_workers());"
        "import resource;"
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0],"
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(project), str(part), str(OUT / "rss-out")],
        check=True,
        capture_output=True,
        text=True,
    )
    part.unlink()
    shutil.rmtree(OUT / "rss-out", ignore_errors=True)
    main_kb, worker_kb = proc.stdout.strip().splitlines()[-1].split()
    return int(main_kb) / 1024, int(worker_kb) / 1024


def bench_audit(report: Report, records: int, repeat: int) -> None:
    from distillgen.tiny import build_tiny_model

    n = min(records, 20_000)
    source = OUT / f"corpus-audit-{n}.jsonl"
    if not source.is_file():
        corpus.write_corpus(source, n, seed=2)
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    model = build_tiny_model(OUT / "tiny", (r["poem"] for r in rows[:2000]), vocab_size=8000)
    # The tiny tokenizer's 8k vocabulary makes a synthetic poem's example about 2,500
    # tokens: the project's context is raised so that the data step keeps every one.
    project = build_poetry(OUT / "audit-project", source=source, model=str(model), context=4096)
    mods = load_project(project)
    inputs = [i["name"] for i in mods["schema"].INPUTS]
    conversations = []
    for row in rows:
        values, _ = mods["labels"].check_labels(row["labels"])
        completion = mods["labels"].render_completion(values)
        conversations.append(
            mods["prompts"].training_messages({k: row[k] for k in inputs}, completion)
        )
    audit = mods["data"].TokenAudit(str(model))
    tok = audit.tokenizer
    texts = tok.apply_chat_template(conversations, tokenize=False)
    batch = mods["data"].CHUNK_ROWS

    def ours():
        for i in range(0, n, batch):
            audit.lengths(conversations[i : i + batch])

    def encode_only():
        for i in range(0, n, batch):
            tok.backend_tokenizer.encode_batch(texts[i : i + batch], add_special_tokens=False)

    # The baseline tokenizes on every core (tokenizers' own threads): the data step's
    # build sets TOKENIZERS_PARALLELISM=false in this process for its workers, and an
    # earlier section's build would otherwise leave the baseline on one core.
    saved = os.environ.get("TOKENIZERS_PARALLELISM")
    os.environ["TOKENIZERS_PARALLELISM"] = "true"
    try:
        t_ours, t_base = timed(ours, repeat), timed(encode_only, repeat)
    finally:
        os.environ.pop("TOKENIZERS_PARALLELISM")
    # The whole data step, audit included, as `make data` runs it on this machine's cores.
    out = OUT / "audit-data-out"
    workers = mods["data"].default_workers()
    t_step = timed(
        lambda: mods["data"].build(source, out, str(model), workers),
        repeat,
        lambda: shutil.rmtree(out, ignore_errors=True),
    )
    shutil.rmtree(out, ignore_errors=True)
    if saved is None:
        os.environ.pop("TOKENIZERS_PARALLELISM", None)
    else:
        os.environ["TOKENIZERS_PARALLELISM"] = saved
    report.add("## Token audit")
    report.add()
    report.add(
        f"The data step's audit (chat template + token lengths of {n:,} examples, batches of "
        f"{batch}) with a fast BPE tokenizer (tokenizers, 8k vocabulary) against `encode_batch` of "
        "the same chat-templated texts alone. Target: at least 0.7."
    )
    report.add()
    report.add("| measure | audit | baseline | ratio (audit speed / baseline speed) |")
    report.add("| --- | --- | --- | --- |")
    report.ratio_row("vs `encode_batch` alone", t_ours, t_base, n)
    report.ratio_row(
        f"`make data` end to end ({workers} workers: read, check, render, parse back, audit, "
        "split, write) vs `encode_batch` alone on every core (target: at least 0.83, "
        "that is within 1.2x of its time)",
        t_step,
        t_base,
        n,
    )
    report.add()


def bench_parser(report: Report, records: int, repeat: int) -> None:
    project = build_poetry(OUT / "parse-project")
    mods = load_project(project)
    golds, outputs = corpus.answers(records)
    parse_all, compute = mods["parse"].parse_all, mods["metrics"].compute

    def ours():
        compute(golds, parse_all(outputs))

    def split_loop():
        for text in outputs:
            found = {}
            for line in text.split("\n"):
                key, sep, value = line.partition(":")
                if sep:
                    found[key.strip()] = value.strip()

    t_ours, t_base = timed(ours, repeat), timed(split_loop, repeat)
    report.add("## Parser and metrics")
    report.add()
    report.add(
        f"Parse + metrics over {records:,} answers (70% clean, 20% near-miss: upper case, code "
        "fences, prose, truncation; 10% garbage) against a plain `str.split` loop over the "
        "same text. Target: over 50,000 answers per second."
    )
    report.add()
    report.add("| measure | parse + metrics | baseline | ratio (parse speed / baseline speed) |")
    report.add("| --- | --- | --- | --- |")
    report.ratio_row("vs `str.split` loop", t_ours, t_base, records)
    report.add()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=SEED_000_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--only",
        choices=["compile", "data", "audit", "parser", "teacher", "predict"],
        action="append",
    )
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    report = Report()
    report.add("# Benchmarks")
    report.add()
    report.add(f"Machine: {machine()}.")
    report.add(
        f"Command: `python bench/run.py --records {args.records} --repeat {args.repeat}` "
        "(`make bench`). Ratios compare the minimum of each side; speeds are records per second."
    )
    report.add()
    sections = args.only or ["compile", "data", "audit", "parser", "teacher", "predict"]
    started = time.perf_counter()
    with _LOADED:  # the last project loaded is let go here, not at interpreter exit
        if "compile" in sections:
            bench_compile(report, args.repeat)
        if "data" in sections:
            bench_data(report, args.records, args.repeat)
        if "audit" in sections:
            bench_audit(report, args.records, args.repeat)
        if "parser" in sections:
            bench_parser(report, args.records, args.repeat)
        if "teacher" in sections:
            from teacher import bench_teacher  # bench/teacher.py

            report.add("## Teacher")
            report.add()
            bench_teacher(report, [10_000, 100_000])
            report.add()
        if "predict" in sections:
            from predict import local_table, server_table  # bench/predict.py

            report.add("## Predict")
            report.add()
            server_table(report, [10_000, 116_674])
            report.add()
            local_table(report)
            report.add()
    report.add(f"Total benchmark time: {time.perf_counter() - started:.0f} s.")
    # Measured on the GPU machine by bench/gpu.sh, not here: included as it was recorded.
    for recorded in ("gpu-results.md", "coverage-results.md"):  # measured apart, included
        path = ROOT / "bench" / recorded
        if path.is_file() and args.only is None:
            report.add()
            report.lines += path.read_text(encoding="utf-8").rstrip("\n").splitlines()
    args.out.write_text("\n".join(report.lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
