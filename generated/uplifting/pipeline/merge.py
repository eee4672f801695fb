# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/merge.py
"""Merge the LoRA adapter into the base model, and prove the merge changed nothing.

    python -m pipeline.merge [--check N]

Writes work/merged (model + tokenizer). Then answers the first N held-out prompts
(default 8) greedily with base + adapter and with the merged model, and exits 1 if
any answer differs token for token.
"""

import argparse
import json
import sys
from itertools import islice
from pathlib import Path

from . import schema
from .generate_hf import generate_batch, load_model

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ROOT / "work" / "adapters"
MERGED = ROOT / "work" / "merged"


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
    reference = generate_batch(model, tokenizer, prompts, schema.MAX_NEW_TOKENS) if prompts else []
    merged = model.merge_and_unload()
    merged.save_pretrained(str(MERGED))
    tokenizer.save_pretrained(str(MERGED))
    print(f"merge: wrote {MERGED.relative_to(ROOT)}")
    model, tokenizer = load_model(None, str(MERGED))
    answers = generate_batch(model, tokenizer, prompts, schema.MAX_NEW_TOKENS) if prompts else []
    differ = [
        i for i, (a, b) in enumerate(zip(reference, answers, strict=True)) if a["ids"] != b["ids"]
    ]
    if differ:
        print(
            f"merge: FAILED: {len(differ)} of {len(prompts)} answers differ: {differ}",
            file=sys.stderr,
        )
        return 1
    print(
        f"merge: the merged model answers {len(prompts)} held-out prompts exactly as base + adapter"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
