# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/review.py
"""The review sheet: a seeded random sample of held-out examples for manual review.

`python -m pipeline.evaluate score` writes work/eval/review.csv and review.md with
schema.REVIEW_SAMPLE examples drawn with schema.SPLIT_SEED (the same examples on every
run and whatever the file order: the draw is over the ids sorted): the input (an
excerpt of the prompt), the gold labels, the answer, and per field whether they
agree (as the kind's pipeline/task.py marks them: "yes", "no", "unread"; regression:
the absolute error). The CSV has a column per field and empty "verdict" and "notes"
columns for the reviewer.
"""

import csv
import json
import random
from pathlib import Path

from . import schema, task

EXCERPT = 300  # characters of the prompt shown
ANSWER = 300  # characters of the answer shown


def pick(ids: list, n: int, seed: int = schema.SPLIT_SEED) -> list[int]:
    """Positions of ``n`` examples (all when fewer), in id order."""
    order = sorted(range(len(ids)), key=lambda i: str(ids[i]))
    chosen = set(random.Random(seed).sample(order, min(n, len(order))))
    return [i for i in order if i in chosen]


def clip(text, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def excerpt(messages: list[dict]) -> str:
    users = [m["content"] for m in messages if m.get("role") == "user"]
    return clip(users[-1] if users else "", EXCERPT)


def agreement(gold: dict, values: dict) -> dict:
    """field -> its mark, as the kind's pipeline/task.py judges it."""
    return task.agreement(gold, values)


def rows(examples: list[dict], records: list, scored: list[dict], n: int) -> list[dict]:
    """The sheet's rows (examples, records and scored are parallel lists)."""
    out = []
    for i in pick([e["id"] for e in examples], n):
        record, entry = records[i], scored[i]
        values = entry.get("values") or {}
        out.append(
            {
                "id": str(examples[i]["id"]),
                "input": excerpt(examples[i]["messages"]),
                "gold": entry["gold"],
                "answer": "" if record is None else clip(record.get("output", ""), ANSWER),
                "status": entry.get("outcome") or entry.get("status"),
                "agreement": agreement(entry["gold"], values),
                "values": values,
            }
        )
    return out


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def write(sheet: list[dict], out: Path) -> list[Path]:
    """review.csv and review.md in ``out``."""
    keys = list(sheet[0]["agreement"]) if sheet else []
    csv_path, md_path = out / "review.csv", out / "review.md"
    with open(csv_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "input", "gold", "answer", "status", *keys, "verdict", "notes"])
        for r in sheet:
            writer.writerow(
                [r["id"], r["input"], _compact(r["gold"]), r["answer"], r["status"]]
                + [r["agreement"][k] for k in keys]
                + ["", ""]
            )
    lines = [
        f"# Review sheet: {schema.PROJECT} ({len(sheet)} examples, seed {schema.SPLIT_SEED})",
        "",
        "Drawn at random from the held-out split; review each answer and write a verdict "
        "in review.csv.",
        "",
        "| id | input | status | agree | differs (gold → answer) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in sheet:
        agree = task.agree_cell(list(r["agreement"].values()))
        differs = "; ".join(
            _difference(r, key) for key, mark in r["agreement"].items() if not task.agrees(mark)
        )
        lines.append(
            f"| {_cell(r['id'])} | {_cell(clip(r['input'], 120))} | {_cell(r['status'])} | "
            f"{agree} | {_cell(differs)} |"
        )
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [csv_path, md_path]


def _difference(r: dict, key: str) -> str:
    """key: gold → answer ("answer" alone: the whole reference and answer)."""
    whole = key == "answer" and key not in r["gold"]
    gold = r["gold"] if whole else r["gold"].get(key)
    if whole:
        value = _compact(r["values"]) if r["values"] else "unread"
    else:
        value = _compact(r["values"][key]) if key in r["values"] else "unread"
    return f"{key}: {_compact(gold)} → {value}"


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("\\", "\\\\").replace("|", "\\|")
