# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/classification/runtime/pipeline/baseline.py
"""The classical baseline: TF-IDF word n-grams + logistic regression (scikit-learn).

    python -m pipeline.baseline

Trained on the train split's prompts (before any oversampling, with balanced class
weights) and scored on the eval split with the same metrics as the LLM. Writes
work/baseline/metrics.json and predictions.jsonl; eval reports the LLM beside it,
and acceptance can ask the LLM to beat it (macro_f1_gain). Exit status: 0 done,
1 the data step has not run.
"""

import json
import sys
from pathlib import Path

from . import metrics, schema, stamp
from .parse import PARSED, Parsed

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "work" / "data"
OUT = ROOT / "work" / "baseline"


def _load(split: str) -> tuple[list[str], list[dict], list[str]]:
    """Prompt texts, gold labels and ids of a split (each example once)."""
    texts, golds, ids, seen = [], [], [], set()
    chats, gold_file = DATA / f"{split}.jsonl", DATA / f"{split}.gold.jsonl"
    with open(chats, encoding="utf-8") as c, open(gold_file, encoding="utf-8") as g:
        for chat_line, gold_line in zip(c, g, strict=True):
            gold = json.loads(gold_line)
            if gold["id"] in seen:  # oversampled copies
                continue
            seen.add(gold["id"])
            messages = json.loads(chat_line)["messages"]
            texts.append(next(m["content"] for m in messages if m["role"] == "user"))
            golds.append(gold["labels"])
            ids.append(gold["id"])
    return texts, golds, ids


def run() -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    train_texts, train_golds, _ = _load("train")
    eval_texts, eval_golds, eval_ids = _load(schema.EVAL_SPLIT)
    field = schema.LABEL_FIELD
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, schema.BASELINE_NGRAM_MAX), sublinear_tf=True),
        LogisticRegression(class_weight="balanced", max_iter=2000),
    )
    model.fit(train_texts, [g[field] for g in train_golds])
    predicted = [str(p) for p in model.predict(eval_texts)]
    answers = [Parsed(PARSED, {field: p}, {}) for p in predicted]
    result = metrics.compute(eval_golds, answers)
    result["model"] = f"tf-idf 1-{schema.BASELINE_NGRAM_MAX} word n-grams + logistic regression"
    result["split"] = schema.EVAL_SPLIT
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "metrics.json").write_text(
        json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    with open(OUT / "predictions.jsonl", "w", encoding="utf-8") as handle:
        for row_id, label in zip(eval_ids, predicted, strict=True):
            handle.write(json.dumps({"id": row_id, "output": label}, ensure_ascii=False) + "\n")
    return result


def main() -> int:
    problem = stamp.unfinished("baseline")
    if problem:
        print(problem, file=sys.stderr)
        return 1
    result = run()
    s = result["summary"]
    print(
        f"baseline: {result['model']} on the {result['split']} split: "
        f"accuracy {s['accuracy']:.3f}, macro-F1 {s['macro_f1']:.3f}, "
        f"weighted F1 {s['weighted_f1']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
