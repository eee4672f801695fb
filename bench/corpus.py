"""Seeded synthetic data shaped like seed 000's corpus, and model answers to parse.

Poems of about 7 KB with every label field of specs/poetry.yaml; answers that
mix clean, near-miss and garbage outputs. Same seed, same bytes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "the light of morning falls upon a silent field where rivers run and shadows rise "
    "beneath the ancient trees a voice of sorrow calls across the cold and empty sea "
    "o love remember me when summer fades and all the golden hours are gone away "
    "i wandered through the city streets at night and heard the bells of distant towers "
    "death be not proud though some have called thee mighty thou art slave to fate"
).split()


def label_schema() -> dict:
    spec = yaml.safe_load((ROOT / "specs" / "poetry.yaml").read_text(encoding="utf-8"))
    return spec["labels"]["fields"]


def poem(rnd: random.Random, target_bytes: int = 7000) -> str:
    lines, size = [], 0
    while size < target_bytes:
        n = rnd.randint(5, 11)
        line = " ".join(rnd.choice(WORDS) for _ in range(n)).capitalize()
        lines.append(line + rnd.choice([",", ";", ".", "", ":"]))
        if rnd.random() < 0.2:
            lines.append("")
        size += len(line) + 2
    return "\n".join(lines)


def write_corpus(path: Path, records: int, seed: int = 0) -> Path:
    fields = label_schema()
    rnd = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(records):
            labels = {
                name: (rnd.choice(f["values"]) if rnd.random() > 0.1 else "N/A")
                for name, f in fields.items()
            }
            row = {
                "id": f"poem-{i:06d}",
                "title": " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 5))).title(),
                "author": f"Author {rnd.randint(1, 5000)}",
                "year": rnd.randint(1550, 1928),
                "poem": poem(rnd),
                "labels": labels,
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def answers(records: int, seed: int = 1) -> tuple[list[dict], list[str]]:
    """Gold labels and model answers: 70% clean, 20% near-miss, 10% garbage."""
    fields = label_schema()
    rnd = random.Random(seed)
    golds, outputs = [], []
    for _ in range(records):
        gold = {name: rnd.choice(f["values"]) for name, f in fields.items()}
        answer = {
            name: (value if rnd.random() < 0.8 else rnd.choice(fields[name]["values"]))
            for name, value in gold.items()
        }
        text = "\n".join(f"{k}: {v}" for k, v in answer.items())
        roll = rnd.random()
        if roll < 0.7:
            pass
        elif roll < 0.75:
            text = text.upper()
        elif roll < 0.8:
            text = f"```\n{text}\n```"
        elif roll < 0.85:
            text = f"Here is the classification.\n\n{text}\n\nThanks!"
        elif roll < 0.9:
            text = text[: rnd.randint(0, len(text))]
        elif roll < 0.95:
            text = "I cannot classify this poem without more context."
        else:
            text = "".join(rnd.choice("{}[]:\n abc") for _ in range(rnd.randint(0, 200)))
        golds.append(gold)
        outputs.append(text)
    return golds, outputs
