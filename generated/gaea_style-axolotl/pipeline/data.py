# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/pipeline/data.py
"""Step 1, data: read the text chunks, measure each in tokens, split by chunk, write.

    python -m pipeline.data [--source DIR] [--out DIR]

Every file in the chunk directory whose name matches PATTERN is one example,
read whole. A chunk that is not UTF-8, is empty, repeats an earlier chunk's text,
or has fewer than MIN_TOKENS or more than MAX_TOKENS tokens (the model's own
tokenizer, without BOS/EOS) goes to rejects.jsonl with its file name and reason;
the step fails, and writes no split, when more than MAX_REJECT_SHARE of the chunks
are rejected. Chunks are never cut: each goes whole to one split, chosen by a hash
of its file name. Output: {train,valid,test}.jsonl ({"id": file, "text": chunk}),
rejects.jsonl and stats.json (sizes in tokens and words, per chunk and per split).
Exit status: 0 written, 1 the data failed a check.
"""

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

from . import schema
from .split import SPLITS, assign

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "work" / "data"


class DataError(Exception):
    """The data cannot be used as it is; the message says where and why."""


def chunk_files(directory: Path) -> list[Path]:
    """The chunk files, sorted by name (the order does not change the split)."""
    if not directory.is_dir():
        raise DataError(f"chunk directory not found: {directory}")
    return sorted(p for p in directory.glob(schema.PATTERN) if p.is_file())


def read_chunk(path: Path) -> tuple[str | None, str | None]:
    """(text, None) or (None, problem)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"invalid UTF-8 at byte {exc.start}"
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return None, "empty chunk"
    if "\x00" in text:
        return None, "contains NUL characters (a binary file?)"
    return text, None


def load_tokenizer(name: str):
    """The model's own tokenizer, or a DataError that says what to do."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError) as exc:
        raise DataError(
            f"cannot load the tokenizer {name!r}: {exc}\n"
            "The data step measures every example with the model's own tokenizer: for a gated "
            "model, log in first (huggingface-cli login); "
            "or pass a local copy with --tokenizer DIR."
        ) from None


def build(source: Path, out: Path, tokenizer_name: str) -> dict:
    """Run the whole data step; return the statistics. Raises DataError."""
    files = chunk_files(source)
    if not files:
        raise DataError(f"no files matching {schema.PATTERN!r} in {source}")
    tokenizer = load_tokenizer(tokenizer_name)
    rejects, kept, seen = [], [], {}
    for path in files:
        text, problem = read_chunk(path)
        if problem is None:
            digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
            if digest in seen:
                problem = f"same text as {seen[digest]}"
            else:
                seen[digest] = path.name
        if problem is None:
            n_tokens = len(tokenizer(text, add_special_tokens=False)["input_ids"])
            if n_tokens < schema.MIN_TOKENS:
                problem = f"{n_tokens} tokens, fewer than min_tokens={schema.MIN_TOKENS}"
            elif n_tokens > schema.MAX_TOKENS:
                problem = f"{n_tokens} tokens, more than max_tokens={schema.MAX_TOKENS}"
        if problem is not None:
            rejects.append({"file": path.name, "reason": problem})
            continue
        kept.append({"id": path.name, "text": text, "tokens": n_tokens, "words": len(text.split())})

    out.mkdir(parents=True, exist_ok=True)
    (out / "stats.json").unlink(missing_ok=True)  # the stamp comes back last (pipeline/stamp.py)
    _write_jsonl(out / "rejects.jsonl", rejects)
    for reject in rejects:
        print(f"data: rejected {reject['file']}: {reject['reason']}")
    if len(rejects) / len(files) > schema.MAX_REJECT_SHARE:
        raise DataError(
            f"{len(rejects)} of {len(files)} chunks rejected "
            f"({len(rejects) / len(files) * 100:.3g}%), more "
            f"than the allowed {schema.MAX_REJECT_SHARE * 100:.3g}%; "
            f"reasons in {out / 'rejects.jsonl'}"
        )
    splits = assign([(chunk["id"], "") for chunk in kept], schema.SPLIT_RATIOS, schema.SPLIT_SEED)
    if "train" not in splits:
        raise DataError("no chunk landed in the train split; add chunks or change the split")
    if schema.EVAL_SPLIT not in splits:
        raise DataError(f"no chunk landed in the {schema.EVAL_SPLIT} split, which eval needs")
    for name in SPLITS:
        records = [
            {"id": c["id"], "text": c["text"]}
            for c, s in zip(kept, splits, strict=True)
            if s == name
        ]
        target = out / f"{name}.jsonl"
        if records:
            _write_jsonl(target, records)
        else:
            target.unlink(missing_ok=True)
    stats = {
        "source": str(source),
        "files": len(files),
        "accepted": len(kept),
        "rejected": len(rejects),
        "tokenizer": tokenizer_name,
        "min_tokens": schema.MIN_TOKENS,
        "max_tokens": schema.MAX_TOKENS,
        "splits": {
            name: _sizes([c for c, s in zip(kept, splits, strict=True) if s == name])
            for name in SPLITS
        },
        "chunks": [
            {"id": c["id"], "split": s, "tokens": c["tokens"], "words": c["words"]}
            for c, s in zip(kept, splits, strict=True)
        ],
    }
    _write_text(out / "stats.json", json.dumps(stats, indent=2, sort_keys=True) + "\n")
    return stats


def _sizes(chunks: list[dict]) -> dict:
    tokens = sorted(c["tokens"] for c in chunks)
    words = sum(c["words"] for c in chunks)
    if not tokens:
        return {"chunks": 0, "tokens": 0, "words": 0, "min": None, "mean": None, "max": None}
    return {
        "chunks": len(tokens),
        "tokens": sum(tokens),
        "words": words,
        "min": tokens[0],
        "mean": round(sum(tokens) / len(tokens), 1),
        "max": tokens[-1],
    }


def _write_jsonl(path: Path, records: list[dict]) -> None:
    _write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def print_stats(stats: dict) -> None:
    print(
        f"chunks {stats['files']}: {stats['accepted']} accepted, {stats['rejected']} rejected "
        f"(tokens per chunk {stats['min_tokens']}..{stats['max_tokens']}, "
        f"tokenizer {stats['tokenizer']})"
    )
    print(
        f"{'split':<6} {'chunks':>6} {'tokens':>8} {'words':>8} {'min':>6} {'mean':>8} {'max':>6}"
    )
    for name, s in stats["splits"].items():
        cells = ["-" if s[k] is None else str(s[k]) for k in ("min", "mean", "max")]
        print(
            f"{name:<6} {s['chunks']:>6} {s['tokens']:>8} {s['words']:>8} "
            f"{cells[0]:>6} {cells[1]:>8} {cells[2]:>6}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / schema.CHUNKS, help="chunk directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--tokenizer", default=schema.TOKENIZER)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        stats = build(args.source, args.out, args.tokenizer)
    except DataError as exc:
        print(f"data: FAILED\n{exc}", file=sys.stderr)
        return 1
    print_stats(stats)
    print(f"data: wrote {args.out} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
