# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/pipeline/merge.py
"""Merge the LoRA adapter into the base model, and prove the merge changed nothing.

    python -m pipeline.merge

Writes work/merged (model + tokenizer). Then continues every style prompt greedily
with base + adapter and with the merged model, and exits 1 if any continuation
differs token for token.
"""

import argparse
import sys
from pathlib import Path

from . import schema
from .textgen import load_model, sample

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ROOT / "work" / "adapters"
MERGED = ROOT / "work" / "merged"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    if not (ADAPTERS / "adapter_config.json").is_file():
        print("merge: train first (work/adapters has no adapter)", file=sys.stderr)
        return 1
    model, tokenizer = load_model(ADAPTERS)
    reference = sample(model, tokenizer, schema.PROMPTS, schema.MAX_NEW_TOKENS, 0.0, 0)
    merged = model.merge_and_unload()
    merged.save_pretrained(str(MERGED))
    tokenizer.save_pretrained(str(MERGED))
    print(f"merge: wrote {MERGED.relative_to(ROOT)}")
    model, tokenizer = load_model(None, str(MERGED))
    answers = sample(model, tokenizer, schema.PROMPTS, schema.MAX_NEW_TOKENS, 0.0, 0)
    differ = [
        i for i, (a, b) in enumerate(zip(reference, answers, strict=True)) if a["ids"] != b["ids"]
    ]
    if differ:
        print(
            f"merge: FAILED: {len(differ)} of {len(answers)} continuations differ: {differ}",
            file=sys.stderr,
        )
        return 1
    print(
        "merge: the merged model answers exactly as base + adapter "
        f"({len(answers)} greedy continuations)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
