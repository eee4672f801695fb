# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/routes/head/runtime/pipeline/merge.py
"""Merge the LoRA adapter and the trained head into the base model; prove nothing changed.

    python -m pipeline.merge [--check N]

Writes work/merged (a sequence-classification model + tokenizer). Then scores the
first N held-out prompts (default 8) with base + adapter and with the merged
model, and exits 1 if any output of the head differs by more than 1e-4 (a regression's
0..1 scores, a classification's logits).
"""

import argparse
import json
import sys
from itertools import islice
from pathlib import Path

from . import schema
from .head import load_model, predict

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ROOT / "work" / "adapters"
MERGED = ROOT / "work" / "merged"
TOLERANCE = 1e-4


def held_out(n: int) -> list[list[dict]]:
    path = ROOT / "work" / "data" / f"{schema.EVAL_SPLIT}.jsonl"
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["messages"][:-1] for line in islice(handle, n)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=int, default=8, help="held-out prompts to compare")
    args = parser.parse_args(argv)
    if not (ADAPTERS / "adapter_config.json").is_file():
        print("merge: train first (work/adapters has no adapter)", file=sys.stderr)
        return 1
    prompts = held_out(args.check)
    model, tokenizer = load_model(ADAPTERS)
    reference = predict(model, tokenizer, prompts) if prompts else []
    merged = model.merge_and_unload()
    merged.save_pretrained(str(MERGED))
    tokenizer.save_pretrained(str(MERGED))
    print(f"merge: wrote {MERGED.relative_to(ROOT)}")
    model, tokenizer = load_model(None, str(MERGED))
    scores = predict(model, tokenizer, prompts) if prompts else []
    worst = max(
        (
            abs(a - b)
            for ra, rb in zip(reference, scores, strict=True)
            for a, b in zip(ra, rb, strict=True)
        ),
        default=0.0,
    )
    if worst > TOLERANCE:
        print(
            f"merge: FAILED: the merged model's outputs differ by up to {worst:.2e}",
            file=sys.stderr,
        )
        return 1
    print(
        f"merge: the merged model's head gives {len(prompts)} held-out prompts the outputs "
        "of base + adapter "
        f"(max difference {worst:.1e})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
