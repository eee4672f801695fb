# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/card.py
"""The exported model's card (work/export/README.md), from what the steps wrote: the
spec (pipeline/schema.py and the manifest's hash), the data step's statistics, eval's
metrics and baselines, and accept's decision. A forced export says so first."""

from . import card_parts, schema
from .card_parts import cell, num, page, task_head


def baselines(metrics: dict) -> list[str]:
    comparison = metrics.get("comparison") or {}
    lines = ["", "## Baselines", ""]
    if not (comparison.get("base") or comparison.get("classical")):
        return lines + [
            "Neither the base model (make eval-base) nor a classical baseline was evaluated."
        ]
    lines += [
        "| metric | base model (zero-shot) | classical baseline | tuned | gain over base |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in comparison.get("rows", []):
        cells = [row["metric"], row["base"], row["classical"], row["tuned"], row["gain"]]
        lines.append("| " + " | ".join(cell(c) for c in cells) + " |")
    if not comparison.get("base"):
        lines += ["", "The base model was not evaluated (make eval-base)."]
    if not comparison.get("classical"):
        lines += ["", "No classical baseline was run for this task."]
    return lines


def data_section(stats: dict) -> list[str]:
    table = [
        "| split | examples | prompt tokens (mean / max) | answer tokens (mean / max) |",
        "| --- | --- | --- | --- |",
    ]
    for name, split in (stats.get("splits") or {}).items():
        prompt = split.get("prompt_tokens") or split.get("tokens") or {}
        answer = split.get("completion_tokens") or {}
        table.append(
            f"| {name} | {split.get('examples')} | {num(prompt.get('mean'))} / "
            f"{num(prompt.get('max'))} | {num(answer.get('mean'))} / "
            f"{num(answer.get('max'))} |"
        )
    read = f"{stats.get('rows')} rows read, {stats.get('accepted')} accepted"
    lines = card_parts.data_section(stats, read, table)
    return lines + ["", "Label distributions by split: `distillgen/stats.json`."]


def task_section(facts: dict) -> list[str]:
    lines = task_head(facts)
    inputs = ", ".join(f"`{i['name']}` ({i['type']})" for i in schema.INPUTS)
    lines += ["", f"Inputs: {inputs}."]
    lines += ["", "| answer field | type | values |", "| --- | --- | --- |"]
    for field in schema.FIELDS:
        values = list(field.get("values") or [])
        if field.get("allow_na") and getattr(schema, "NA_TOKEN", None):
            values.append(schema.NA_TOKEN)
        lines.append(f"| {field['name']} | {field['type']} | {cell(', '.join(map(str, values)))} |")
    lines += [
        "",
        f"Answer format: `{schema.COMPLETION_FORMAT}`, at most {schema.MAX_NEW_TOKENS} new "
        "tokens, greedy.",
    ]
    for title, text in (
        ("System prompt", schema.SYSTEM_PROMPT),
        ("Prompt template (jinja2)", schema.PROMPT_TEMPLATE),
    ):
        if text:
            fence = "````" if "```" in text else "```"
            lines += ["", f"{title}:", "", fence + "jinja", text.rstrip("\n"), fence]
    return lines


PROMPT = (
    "The prompt must be rendered as in training (the template above, through the model's "
    "own chat template, which is in this directory); the project's `make serve` starts a "
    "server and `make parity` checks that its greedy answers equal eval's byte for byte."
)


def render(facts: dict, stats: dict, metrics: dict, accepted: dict, notes: list[str]) -> str:
    body = baselines(metrics) + data_section(stats) + task_section(facts)
    return page(facts, metrics, accepted, notes, body, PROMPT)
