# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/evaluate.py
"""Step 3, eval: generate answers for the held-out split, parse them, score them.

    python -m pipeline.evaluate generate [--adapter DIR] [--limit N] [--base]
    python -m pipeline.evaluate score [--predictions FILE] [--base]

`generate` loads the base model with the trained adapter (pipeline/engine.py: mlx-lm,
or transformers + peft batched with left padding, or a head route's head) and
answers every held-out prompt greedily, with the same chat template and prompt
text as in training; with --server URL it asks an OpenAI-compatible server instead
(--concurrency requests in flight, retries; the key from $OPENAI_API_KEY), and with
--engine vllm it runs vLLM offline. These are predict's engines: one code path.
Predictions are appended to work/eval/predictions.jsonl as they come and flushed
every CHECKPOINT_EVERY answers; a rerun resumes after the last complete line, without
duplicates or gaps. `score` accepts predictions from any
server as JSONL lines {"id": ..., "output": ...} and writes metrics.json,
scored.jsonl and report.md. `generate --constrained` (or eval.constrained in the spec;
`--unconstrained` overrides it) holds every answer to the label schema
(pipeline/constrain.py); `make eval-constrained` / `make eval-unconstrained` answer the
other way into work/eval-constrained/ or work/eval-unconstrained/, and the report shows
both runs' parse rates side by side. --base (make eval-base) answers with the base model
alone into work/eval-base/, after BASE_SHOTS train examples (spec eval.base_shots,
drawn from the train split with SPLIT_SEED, as earlier chat turns; 0: zero-shot); the
tuned model's report compares the two (pipeline/compare.py). Exit status: 0 done, 1
missing input.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import (
    compare,
    constrain,
    engine,
    history,
    inference,
    metrics,
    plots,
    review,
    schema,
    stamp,
    task,
)
from . import report as report_parts
from .parse import parse_all

if schema.BASE_SHOTS:  # train examples before the base model's prompts: pipeline/few_shot.py
    from . import few_shot

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "work" / "data"
EVAL = ROOT / "work" / "eval"
PREDICTIONS = EVAL / "predictions.jsonl"
BASE_EVAL = ROOT / "work" / "eval-base"  # the base model alone (make eval-base)


def load_split(split: str = schema.EVAL_SPLIT) -> list[dict]:
    """Held-out examples: id, prompt messages and gold labels, in file order."""
    problem = stamp.unfinished("eval")
    if problem:
        raise SystemExit(problem)
    chats = DATA / f"{split}.jsonl"
    golds = DATA / f"{split}.gold.jsonl"
    if not chats.is_file() or not golds.is_file():
        raise SystemExit(f"eval: {chats} not found; run the data step first")
    examples = []
    with open(chats, encoding="utf-8") as c, open(golds, encoding="utf-8") as g:
        for chat_line, gold_line in zip(c, g, strict=True):
            chat, gold = json.loads(chat_line), json.loads(gold_line)
            examples.append(
                {"id": gold["id"], "messages": chat["messages"][:-1], "labels": gold["labels"]}
            )
    return examples


def read_predictions(path: Path, *, repair: bool = False, duplicates: list | None = None) -> dict:
    """id -> prediction record (the first one for an id; later ones are listed in
    ``duplicates``). A torn last line (an interrupted write) is dropped and, with
    ``repair``, cut off the file so that appending can resume. Any other line that is
    not an object with an id and an output text stops the step, with every such line
    named: a line left out would silently count as a missing answer."""
    found: dict = {}
    if not path.is_file():
        return found
    good_bytes = 0
    problems = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                break  # torn by an interrupted write: answered again on resume
            good_bytes += len(raw)
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except ValueError as exc:
                problems.append(f"line {number}: not JSON ({exc})")
                continue
            problem = _prediction_problem(record)
            if problem:
                problems.append(f"line {number}: {problem}")
                continue
            key = str(record["id"])
            if key in found and duplicates is not None:
                duplicates.append(key)
            found.setdefault(key, record)
    if problems:
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise SystemExit(
            f"eval: {path}: {len(problems)} line(s) are not a prediction object (id, output):\n  "
            + "\n  ".join(problems[:20])
            + more
        )
    if repair and good_bytes != path.stat().st_size:
        with open(path, "r+b") as handle:
            handle.truncate(good_bytes)
    return found


def _prediction_problem(record) -> str | None:
    if not isinstance(record, dict):
        return f"a JSON {type(record).__name__}, not an object"
    if "id" not in record:
        return 'no "id"'
    if isinstance(record["id"], bool) or not isinstance(record["id"], str | int):
        return f'"id" must be a string or an integer, not {record["id"]!r}'
    if not isinstance(record.get("output"), str):
        return f'"output" must be the answer text, not {record.get("output")!r}'[:200]
    return None


def generate(
    adapter: Path,
    out: Path,
    limit: int | None = None,
    server: str | None = None,
    opts: engine.Options | None = None,
    shots: int | None = None,
) -> int:
    """Answers to the held-out prompts into ``out``. ``shots`` (the base model: make
    eval-base): that many train examples come before each prompt, recorded in
    shots.json beside ``out`` so that a rerun never mixes answers to other prompts."""
    examples = load_split()
    if limit is not None:
        examples = examples[:limit]
    turns, shot_ids = few_shot.example_turns(shots, DATA) if shots else ([], [])
    if shots is not None:
        record = {"shots": shots, "ids": shot_ids}
        recorded = out.parent / "shots.json"
        if recorded.is_file():
            before = json.loads(recorded.read_text(encoding="utf-8"))
        else:  # answers from before shots were recorded were zero-shot
            before = {"shots": 0, "ids": []} if out.is_file() else record
        if before != record:
            raise SystemExit(
                f"eval: {out} holds answers after {before['shots']} examples; remove "
                f"{out.parent} to answer after {shots} (eval.base_shots)"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        recorded.write_text(json.dumps(record) + "\n", encoding="utf-8")
    if turns:
        examples = [{**e, "messages": few_shot.with_shots(e["messages"], turns)} for e in examples]
    done = read_predictions(out, repair=True)
    todo = [e for e in examples if e["id"] not in done]
    print(f"eval: {len(done)} answers already in {out}, {len(todo)} to generate")
    if not todo:
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(out, "a", encoding="utf-8") as handle:
        if opts is None:
            opts = engine.Options(
                engine="server" if server else "local",
                adapter=adapter,
                server=server,
                batch_size=schema.EVAL_BATCH_SIZE,
            )
        if opts.constrained:
            print(f"eval: constrained decoding, the answers held to {constrain.describe()}")
        for count, (example, answer) in enumerate(engine.stream(todo, opts), start=1):
            record = {"id": example["id"], **answer}
            if opts.constrained:
                record["constrained"] = True
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            if count % schema.CHECKPOINT_EVERY == 0 or count == len(todo):
                os.fsync(handle.fileno())
                rate = count / (time.perf_counter() - started)
                print(f"eval: {len(done) + count}/{len(examples)} answers ({rate:.2f}/s)")
    return 0


def score(predictions: Path, out: Path, base: bool = False) -> dict:
    """Metrics, scored answers, figures and report.md in ``out``; for the tuned model
    (not ``base``) also the comparison with the base model, the training curves and
    the review sheet."""
    examples = load_split()
    duplicates: list = []
    found = read_predictions(predictions, duplicates=duplicates)
    known = {e["id"] for e in examples}
    unknown = sorted(set(found) - known)
    records = [found.get(example["id"]) for example in examples]
    answers = parse_all(None if r is None else r.get("output") for r in records)
    golds, scored = [], []
    truncated = missing = 0
    for example, record, answer in zip(examples, records, answers, strict=True):
        if record is None:
            missing += 1
            answer.problems = {"*": "no prediction for this id"}
        else:
            truncated += record.get("finish") == "length"
        golds.append(example["labels"])
        scored.append(
            {
                "id": example["id"],
                "gold": example["labels"],
                **answer.as_json(),
                "finish": None if record is None else record.get("finish"),
            }
        )
    result = metrics.score(golds, answers, records, scored, truncated=truncated, missing=missing)
    result["model"] = "base" if base else "tuned"
    result["constrained"] = any(r is not None and r.get("constrained") for r in records)
    if base:
        recorded = predictions.parent / "shots.json"
        result["shots"] = (
            json.loads(recorded.read_text(encoding="utf-8")) if recorded.is_file() else None
        ) or {"shots": 0, "ids": []}
    if not base:
        compare.extend(result)
        result["decoding"] = compare.decoding(result, out)
    result["split"] = schema.EVAL_SPLIT
    result["unavailable"] = unavailable(result)
    result["predictions"] = str(predictions)
    result["unknown_ids"] = unknown
    result["duplicate_ids"] = sorted(set(duplicates))
    out.mkdir(parents=True, exist_ok=True)
    result["figures"] = plots.write_figures(task.figures(result, scored), out, curves=not base)
    result["training_flags"] = [] if base else history.diagnose(history.read())
    result["review_sheet"] = None
    if schema.REVIEW_SAMPLE and not base:
        sheet = review.rows(examples, records, scored, schema.REVIEW_SAMPLE)
        review.write(sheet, out)
        result["review_sheet"] = {"examples": len(sheet), "files": ["review.csv", "review.md"]}
    (out / "metrics.json").write_text(
        json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    with open(out / "scored.jsonl", "w", encoding="utf-8") as handle:
        for record in scored:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    (out / "report.md").write_text(report(result), encoding="utf-8")
    if schema.TRACKING and not base and out.resolve() == EVAL.resolve():
        from . import tracking

        tracking.log_eval(result)  # the eval accept judges, into the training's run
    return result


def unavailable(result: dict) -> dict:
    """Why each metric that is None could not be computed; accept and the report say it."""
    reasons = {}
    for name, value in result["summary"].items():
        if value is None:
            reasons[name] = _why_none(name, result)
    return reasons


def _why_none(name: str, result: dict) -> str:
    if not result["examples"]:
        return f"the {schema.EVAL_SPLIT} split has no examples"
    if name == "gain_over_base":
        return compare.why_none(result)
    return task.why_none(name, result) or "could not be computed"


def report(result: dict) -> str:
    model = ""
    if result.get("model") == "base":
        model = f" (the base model alone, {compare.shots_label(result.get('shots'))})"
    lines = [
        f"# Eval report: {schema.PROJECT}{model} "
        f"({result['split']} split, {result['examples']} examples)",
        "",
        task.answers_line(result),
        "",
        "| metric | value |",
        "| --- | --- |",
    ]
    for name, value in result["summary"].items():
        if "." not in name:
            lines.append(f"| {name} | {task.cell(name, value)} |")
    # The metrics above and those the acceptance thresholds use (all are in metrics.json).
    judged = {rule["metric"] for rule in schema.THRESHOLDS}
    missing = [
        (name, why)
        for name, why in result["unavailable"].items()
        if "." not in name or name in judged
    ]
    if missing:
        lines += ["", "Not computed:"] + [f"- {name}: {why}" for name, why in missing]
    lines += compare.markdown(result, task.cell)
    lines += compare.decoding_markdown(result.get("decoding"), task.cell)
    lines += [""] + task.field_table(result)
    lines += report_parts.id_notes(result)
    if result.get("review_sheet"):
        lines += [
            "",
            f"Review sheet: [review.md](review.md) and [review.csv](review.csv) "
            f"({result['review_sheet']['examples']} examples drawn with seed {schema.SPLIT_SEED}).",
        ]
    lines += plots.markdown(result.get("figures", []), result.get("training_flags", []))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="answer the held-out prompts")
    gen.add_argument("--adapter", type=Path, default=ROOT / "work" / "adapters")
    gen.add_argument("--out", type=Path, default=None)
    gen.add_argument(
        "--base",
        action="store_true",
        help="the base model alone (after BASE_SHOTS train examples; 0: zero-shot)",
    )
    gen.add_argument("--limit", type=int, default=None)
    gen.add_argument("--server", default=None, help="OpenAI-compatible server URL (vLLM)")
    gen.add_argument("--engine", choices=inference.ENGINES, default=None)
    gen.add_argument("--model", default=None, help="a merged model, or the served model's name")
    gen.add_argument("--concurrency", type=int, default=64, help="server: requests in flight")
    constrain.add_options(gen, schema.EVAL_CONSTRAINED)
    sc = commands.add_parser("score", help="parse and score a predictions file")
    sc.add_argument("--predictions", type=Path, default=None)
    sc.add_argument("--out", type=Path, default=None)
    sc.add_argument("--base", action="store_true", help="score work/eval-base (make eval-base)")
    args = parser.parse_args(argv)
    folder = BASE_EVAL if args.base else EVAL
    if args.command == "generate":
        adapter = None if args.base else args.adapter
        out = args.out or folder / "predictions.jsonl"
        opts = engine.Options(
            engine=args.engine or ("server" if args.server else "local"),
            adapter=adapter,
            model=args.model,
            server=args.server,
            concurrency=args.concurrency,
            batch_size=schema.EVAL_BATCH_SIZE,
            constrained=args.constrained,
            constrain_with=args.constrain_with,
        )
        shots = schema.BASE_SHOTS if args.base else None
        return generate(adapter, out, args.limit, args.server, opts, shots)
    predictions = args.predictions or folder / "predictions.jsonl"
    if not predictions.is_file():
        print(f"eval: predictions file not found: {predictions}", file=sys.stderr)
        return 1
    result = score(predictions, args.out or folder, base=args.base)
    print(report(result), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
