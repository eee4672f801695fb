# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/parity.py
"""Parity: the served model answers exactly as the evaluated one.

    python -m pipeline.parity [--server URL | --serve [--adapter]] [--model NAME] [--sample N]

Asks the server (an OpenAI-compatible endpoint; default the one `make serve` starts;
with ``--serve``, one this step starts itself as `make serve` would, on a free loopback
port, and stops when it is done: work/parity/server.log has its output) a
sample of the eval split's prompts, greedily (temperature 0, the same max_new_tokens
and messages as eval), through eval's own server engine (pipeline/inference.py, with
no answer cache), and compares every answer with eval's answer in
work/eval/predictions.jsonl byte for byte. The usual causes of a difference are a
chat template that is not the training tokenizer's, weights that are not the
evaluated ones (an adapter left out, a wrong merge), sampling that is not greedy, or a
detokenizer that changes spaces. Writes work/parity/parity.json and, where answers
differ, work/parity/diff.md: for each of the first mismatches, the id, where the two
texts first differ (line, column, character offset) with their text around it, and a
unified diff. Exit status: 0 every answer equal, 1 a difference or a missing input.
"""

import argparse
import difflib
import json
import random
import sys
from pathlib import Path

from . import evaluate, inference, schema, serve, weights

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "work" / "parity"
SHOWN = 5  # mismatches written out in full in diff.md
CONTEXT = 40  # characters shown on each side of the first difference


def sample(examples: list[dict], predictions: dict, n: int) -> list[dict]:
    """Up to ``n`` eval examples that eval answered, drawn with the split's seed, in
    split order."""
    answered = [e for e in examples if e["id"] in predictions]
    if n >= len(answered):
        return answered
    chosen = set(random.Random(schema.SPLIT_SEED).sample(range(len(answered)), n))
    return [e for i, e in enumerate(answered) if i in chosen]


def first_difference(expected: str, got: str) -> dict:
    """Where two different texts first differ: offset, line and column (1-based)."""
    offset = next(
        (i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b),
        min(len(expected), len(got)),
    )
    before = expected[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    lo = max(0, offset - CONTEXT)
    return {
        "offset": offset,
        "line": line,
        "column": column,
        "eval_context": expected[lo : offset + CONTEXT],
        "served_context": got[lo : offset + CONTEXT],
    }


def compare(chosen: list[dict], predictions: dict, served: dict) -> dict:
    mismatches = []
    for example in chosen:
        expected = predictions[example["id"]]["output"]
        answer = served[example["id"]]
        if answer["output"] != expected:
            mismatches.append(
                {
                    "id": example["id"],
                    **first_difference(expected, answer["output"]),
                    "eval": expected,
                    "served": answer["output"],
                    "eval_finish": predictions[example["id"]].get("finish"),
                    "served_finish": answer.get("finish"),
                }
            )
    return {"sample": len(chosen), "equal": len(chosen) - len(mismatches), "mismatches": mismatches}


def diff_markdown(result: dict) -> str:
    lines = [
        f"# Parity: {result['equal']} of {result['sample']} served answers equal eval's",
        "",
        f"Server {result['server']}, model {result['model']!r}. The first "
        f"{min(SHOWN, len(result['mismatches']))} of {len(result['mismatches'])} differences:",
    ]
    for m in result["mismatches"][:SHOWN]:
        lines += [
            "",
            f"## {m['id']}: first difference at line {m['line']}, column {m['column']} "
            f"(character {m['offset']})",
            "",
            f"- eval:   {json.dumps(m['eval_context'], ensure_ascii=False)} "
            f"(finish {m['eval_finish']}, {len(m['eval'])} characters)",
            f"- served: {json.dumps(m['served_context'], ensure_ascii=False)} "
            f"(finish {m['served_finish']}, {len(m['served'])} characters)",
            "",
            "```diff",
            *difflib.unified_diff(
                m["eval"].splitlines(),
                m["served"].splitlines(),
                "eval",
                "served",
                lineterm="",
            ),
            "```",
        ]
    return "\n".join(lines) + "\n"


def run(server: str, model: str, n: int, out: Path = OUT) -> dict:
    if not evaluate.PREDICTIONS.is_file():
        raise SystemExit(
            f"parity: {evaluate.PREDICTIONS.relative_to(ROOT)} not found: run make eval first"
        )
    predictions = evaluate.read_predictions(evaluate.PREDICTIONS)
    chosen = sample(evaluate.load_split(), predictions, n)
    if not chosen:
        raise SystemExit("parity: eval answered none of the eval split's examples: run make eval")
    opts = inference.Options(engine="server", server=server, model=model, concurrency=4)
    served = {item["id"]: answer for item, answer in inference.server_stream(chosen, opts)}
    result = {"server": server, "model": model, **compare(chosen, predictions, served)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "parity.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    diff = out / "diff.md"
    if result["mismatches"]:
        diff.write_text(diff_markdown(result), encoding="utf-8")
    else:
        diff.unlink(missing_ok=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", help=f"default http://127.0.0.1:{weights.DEFAULT_PORT}")
    parser.add_argument("--model", default=weights.SERVED_MODEL, help="the served model's name")
    parser.add_argument("--sample", type=int, default=32, help="eval examples to ask")
    parser.add_argument("--serve", action="store_true", help="start the server for the check")
    parser.add_argument("--adapter", action="store_true", help="--serve: base model + adapter")
    args = parser.parse_args(argv)
    if args.serve and args.server:
        parser.error("--serve starts a server of its own: give --server or --serve, not both")
    try:
        if args.serve:
            with serve.started(args.adapter, OUT / "server.log") as url:
                result = run(url, args.model, args.sample)
        else:
            server = args.server or f"http://127.0.0.1:{weights.DEFAULT_PORT}"
            result = run(server, args.model, args.sample)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 1
        raise
    if not result["mismatches"]:
        print(f"parity: PASS: all {result['sample']} served answers equal eval's, byte for byte")
        return 0
    first = result["mismatches"][0]
    print(
        f"parity: FAIL: {len(result['mismatches'])} of {result['sample']} served answers differ "
        f"from eval's; the first, {first['id']}, at line {first['line']}, column "
        f"{first['column']}: eval {json.dumps(first['eval_context'][:60], ensure_ascii=False)}, "
        f"served {json.dumps(first['served_context'][:60], ensure_ascii=False)}. "
        "Located diffs: work/parity/diff.md",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
