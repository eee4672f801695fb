# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/pipeline/card.py
"""The exported model's card (work/export/README.md) for a generation project: the
spec's hash, the chunks of text it was trained on, eval's style rates and perplexity,
and accept's decision. A forced export says so first."""

from . import card_parts
from .card_parts import num, page, task_head


def baselines() -> list[str]:
    return [
        "",
        "## Baselines",
        "",
        "The base model's style rates and perplexity are in the project's "
        "work/eval-base/report.md (make eval-base); this card shows the tuned model's.",
    ]


def data_section(stats: dict) -> list[str]:
    table = ["| split | chunks | tokens (mean / max) |", "| --- | --- | --- |"]
    for name, split in (stats.get("splits") or {}).items():
        table.append(
            f"| {name} | {split.get('chunks')} | {num(split.get('mean'))} / "
            f"{num(split.get('max'))} |"
        )
    read = f"{stats.get('files')} text files read, {stats.get('accepted')} chunks accepted"
    return card_parts.data_section(stats, read, table)


PROMPT = (
    "Prompts go through the model's own chat template, which is in this directory; the "
    "project's `make serve` starts a server."
)


def render(facts: dict, stats: dict, metrics: dict, accepted: dict, notes: list[str]) -> str:
    body = baselines() + data_section(stats) + task_head(facts)
    return page(facts, metrics, accepted, notes, body, PROMPT)
