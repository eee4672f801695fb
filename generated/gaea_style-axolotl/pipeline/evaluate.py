# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/pipeline/evaluate.py
"""Step 3, eval: held-out loss and perplexity, samples from the style prompts, style rates.

    python -m pipeline.evaluate generate [--adapter DIR | --base] [--out DIR]
    python -m pipeline.evaluate score [--samples FILE] [--out DIR]

`generate` measures the mean loss per token on the held-out chunks
(EVAL_SPLIT) with the base model plus the adapter, writes it to loss.json, then
continues each style prompt SAMPLES_PER_PROMPT times (samples.jsonl, appended as
they come: a rerun resumes after the last complete line). `--base` does the same
with the base model alone, into work/eval-base/: the baseline to compare with.
`score` measures each style pattern on the samples (or on --samples FILE, JSONL
lines {"id", "output"} from any server) and, for comparison, on the held-out
chunks the author wrote; it writes metrics.json and report.md.
Exit status: 0 done, 1 missing input.
"""

import argparse
import json
import sys
from pathlib import Path

from . import history, plots, schema, style, style_plots

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "work" / "data"
EVAL = ROOT / "work" / "eval"
BASE_EVAL = ROOT / "work" / "eval-base"


def held_out_texts() -> list[str]:
    path = DATA / f"{schema.EVAL_SPLIT}.jsonl"
    if not path.is_file():
        raise SystemExit(f"eval: {path} not found; run the data step first")
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


def sample_ids() -> list[tuple[str, int, int]]:
    """(id, prompt index, sample index) of every sample, in order."""
    return [
        (f"{i}:{j}", i, j)
        for j in range(schema.SAMPLES_PER_PROMPT)
        for i in range(len(schema.PROMPTS))
    ]


def read_samples(path: Path, *, repair: bool = False) -> dict:
    """id -> record; a torn last line is dropped (and, with ``repair``, cut off the file)."""
    found: dict = {}
    if not path.is_file():
        return found
    good = 0
    with open(path, "rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break
            try:
                record = json.loads(raw)
            except ValueError:
                raise SystemExit(f"eval: {path} has a malformed line after byte {good}") from None
            good += len(raw)
            found.setdefault(str(record.get("id")), record)
    if repair and good != path.stat().st_size:
        with open(path, "r+b") as handle:
            handle.truncate(good)
    return found


def generate(adapter: Path | None, out: Path) -> int:
    from . import textgen

    if adapter is not None and not (adapter / "adapter_config.json").is_file():
        raise SystemExit(f"eval: no adapter in {adapter}; train first, or pass --base")
    model, tokenizer = textgen.load_model(adapter)
    out.mkdir(parents=True, exist_ok=True)
    loss = textgen.held_out_loss(model, tokenizer, held_out_texts())
    (out / "loss.json").write_text(
        json.dumps(loss, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(
        f"eval: loss {loss['eval_loss']:.4f}, perplexity {loss['perplexity']:.2f} "
        f"on {loss['chunks']} chunks"
    )
    path = out / "samples.jsonl"
    done = read_samples(path, repair=True)
    todo = [s for s in sample_ids() if s[0] not in done]
    print(f"eval: {len(done)} samples already in {path}, {len(todo)} to generate")
    with open(path, "a", encoding="utf-8") as handle:
        for j in sorted({s[2] for s in todo}):
            wanted = [s for s in todo if s[2] == j]
            for start in range(0, len(wanted), schema.EVAL_BATCH_SIZE):
                batch = wanted[start : start + schema.EVAL_BATCH_SIZE]
                answers = textgen.sample(
                    model,
                    tokenizer,
                    [schema.PROMPTS[i] for _, i, _ in batch],
                    schema.MAX_NEW_TOKENS,
                    schema.TEMPERATURE,
                    schema.STYLE_SEED + j * 1_000_003 + start,
                )
                for (sample_id, i, _), answer in zip(batch, answers, strict=True):
                    answer.pop("ids")
                    record = {"id": sample_id, "prompt": schema.PROMPTS[i], **answer}
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
    return 0


def score(samples: Path, out: Path) -> dict:
    found = read_samples(samples)
    outputs = [found[s[0]]["output"] for s in sample_ids() if s[0] in found]
    missing = [s[0] for s in sample_ids() if s[0] not in found]
    loss_path = out / "loss.json"
    loss = json.loads(loss_path.read_text(encoding="utf-8")) if loss_path.is_file() else {}
    measured = style.rates(outputs)
    reference = style.rates(held_out_texts())
    summary = {"eval_loss": loss.get("eval_loss"), "perplexity": loss.get("perplexity")}
    for name, entry in measured.items():
        summary[f"style.{name}"] = entry["rate"]
    result = {
        "split": schema.EVAL_SPLIT,
        "samples": len(outputs),
        "missing_samples": missing,
        "truncated_samples": sum(
            found[s[0]].get("finish") == "length" for s in sample_ids() if s[0] in found
        ),
        "loss": loss,
        "style": measured,
        "reference_style": reference,
        "summary": summary,
    }
    out.mkdir(parents=True, exist_ok=True)
    tuned = out != BASE_EVAL
    style_figure = ("style.png", "style pattern rates against targets", style_plots.draw_style)
    result["figures"] = plots.write_figures(
        [(*style_figure, style_plots.style_data(result))], out, curves=tuned
    )
    result["training_flags"] = history.diagnose(history.read()) if tuned else []
    (out / "metrics.json").write_text(
        json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (out / "report.md").write_text(report(result), encoding="utf-8")
    if schema.TRACKING and tuned:
        from . import tracking

        tracking.log_eval(result)  # into the training's run
    return result


def _num(value, pattern: str = "{:.4f}") -> str:
    return "n/a" if value is None else pattern.format(value)


def report(result: dict) -> str:
    loss = result["loss"]
    lines = [
        f"# Eval report: {schema.PROJECT} ({result['split']} split)",
        "",
        f"Held-out loss {_num(loss.get('eval_loss'))}, "
        f"perplexity {_num(loss.get('perplexity'), '{:.2f}')} "
        f"({loss.get('chunks', 0)} chunks, {loss.get('tokens', 0)} tokens).",
        f"Samples: {result['samples']} ({result['truncated_samples']} stopped at max_new_tokens="
        f"{schema.MAX_NEW_TOKENS}; {len(result['missing_samples'])} missing).",
        "",
        "| pattern | unit | samples | held-out text (author) | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    targets = {p["name"]: p["target"] for p in schema.PATTERNS}
    for name, entry in result["style"].items():
        ref = result["reference_style"][name]
        lines.append(
            f"| {name} | {entry['unit']} | {_num(entry['rate'], '{:.1%}')} "
            f"({entry['matched']}/{entry['units']}) | "
            f"{_num(ref['rate'], '{:.1%}')} | {targets[name]:.0%} |"
        )
    lines += plots.markdown(result.get("figures", []), result.get("training_flags", []))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="held-out loss and style samples")
    gen.add_argument("--adapter", type=Path, default=ROOT / "work" / "adapters")
    gen.add_argument(
        "--base", action="store_true", help="the base model alone, into work/eval-base"
    )
    gen.add_argument("--out", type=Path, default=None)
    sc = commands.add_parser("score", help="style rates and metrics.json")
    sc.add_argument("--base", action="store_true", help="score work/eval-base")
    sc.add_argument("--samples", type=Path, default=None)
    sc.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or (BASE_EVAL if args.base else EVAL)
    if args.command == "generate":
        return generate(None if args.base else args.adapter, out)
    samples = args.samples or out / "samples.jsonl"
    if not samples.is_file():
        print(f"eval: samples file not found: {samples}", file=sys.stderr)
        return 1
    print(report(score(samples, out)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
