# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/card.py
"""The exported model's card (work/export/README.md), from what the steps wrote: the
spec (pipeline/schema.py and the manifest's hash), the data step's statistics, eval's
metrics and baselines, and accept's decision. A forced export says so first."""

import json
from pathlib import Path

from . import accept, schema


def _cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4f}"
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _num(value) -> str:
    return "n/a" if value is None else f"{value:g}"


def _is_local(model: str) -> bool:
    return model.startswith(("/", ".", "~")) or Path(model).exists()


def front_matter(facts: dict) -> list[str]:
    """The Hub's metadata block (YAML; strings JSON-quoted, which YAML reads as such)."""
    lines = ["---", f"library_name: {json.dumps(facts['library'])}"]
    if not _is_local(facts["base_model"]):
        lines.append(f"base_model: {json.dumps(facts['base_model'])}")
    tags = ["distillgen", facts["kind"], "lora", facts["backend"]]
    lines += ["tags:"] + [f"- {json.dumps(tag)}" for tag in tags] + ["---"]
    return lines


def acceptance(facts: dict, accepted: dict) -> list[str]:
    lines = ["", f"## Acceptance: {accepted.get('decision')}", ""]
    if facts["forced"]:
        lines += [
            "> **Exported without acceptance** (make export FORCE=1), past: "
            + "; ".join(facts["problems"])
            + ".",
            "",
        ]
    lines.append(accept.table(accepted))
    return lines


def metrics_section(metrics: dict) -> list[str]:
    judged = {rule["metric"] for rule in schema.THRESHOLDS}
    summary = metrics.get("summary") or {}
    # labelled kinds answer examples; generation samples its style prompts
    counted = "examples" if "examples" in metrics else "samples"
    lines = [
        "",
        f"## Metrics ({metrics.get('split')} split, {metrics.get(counted)} {counted})",
        "",
        "| metric | value |",
        "| --- | --- |",
    ]
    for name, value in summary.items():
        if "." not in name or name in judged:
            lines.append(f"| {name} | {_cell(value)} |")
    for name, why in (metrics.get("unavailable") or {}).items():
        if "." not in name or name in judged:
            lines.append(f"| {name} | not computed: {_cell(why)} |")
    return lines


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
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if not comparison.get("base"):
        lines += ["", "The base model was not evaluated (make eval-base)."]
    if not comparison.get("classical"):
        lines += ["", "No classical baseline was run for this task."]
    return lines


def data_section(stats: dict) -> list[str]:
    lines = ["", "## Data", ""]
    splits = stats.get("splits") or {}
    chunks = any("chunks" in split for split in splits.values())  # generation's text
    read = f"{stats.get('files')} text files" if chunks else f"{stats.get('rows')} rows"
    accepted = f"{stats.get('accepted')} chunks" if chunks else stats.get("accepted")
    lines += [
        f"{read} read, {accepted} accepted, "
        f"{stats.get('rejected')} rejected (work/data/rejects.jsonl in the project).",
        "",
    ]
    lines += _chunk_rows(splits) if chunks else _example_rows(splits)
    for warning in stats.get("warnings") or []:
        lines.append(f"\nWarning from the data step: {_cell(warning)}")
    if not chunks:
        lines += ["", "Label distributions by split: `distillgen/stats.json`."]
    return lines


def _example_rows(splits: dict) -> list[str]:
    """The examples of each split: prompt and answer tokens."""
    lines = [
        "| split | examples | prompt tokens (mean / max) | answer tokens (mean / max) |",
        "| --- | --- | --- | --- |",
    ]
    for name, split in splits.items():
        prompt = split.get("prompt_tokens") or split.get("tokens") or {}
        answer = split.get("completion_tokens") or {}
        lines.append(
            f"| {name} | {split.get('examples')} | {_num(prompt.get('mean'))} / "
            f"{_num(prompt.get('max'))} | {_num(answer.get('mean'))} / "
            f"{_num(answer.get('max'))} |"
        )
    return lines


def _chunk_rows(splits: dict) -> list[str]:
    """A generation project's splits: chunks of text, trained on whole."""
    lines = ["| split | chunks | tokens (mean / max) |", "| --- | --- | --- |"]
    for name, split in splits.items():
        lines.append(
            f"| {name} | {split.get('chunks')} | {_num(split.get('mean'))} / "
            f"{_num(split.get('max'))} |"
        )
    return lines


def task_section(facts: dict) -> list[str]:
    lines = [
        "",
        "## Task (from the spec)",
        "",
        f"Spec `{Path(facts.get('spec') or '?').name}` "
        f"(sha256 `{facts.get('spec_sha256')}`), built by {facts.get('generator')}; "
        f"kind `{schema.KIND}`.",
    ]
    inputs = getattr(schema, "INPUTS", None)
    if inputs:
        lines += ["", "Inputs: " + ", ".join(f"`{i['name']}` ({i['type']})" for i in inputs) + "."]
    fields = getattr(schema, "FIELDS", None)
    if fields:
        lines += ["", "| answer field | type | values |", "| --- | --- | --- |"]
        for field in fields:
            values = list(field.get("values") or [])
            if field.get("allow_na") and getattr(schema, "NA_TOKEN", None):
                values.append(schema.NA_TOKEN)
            lines.append(
                f"| {field['name']} | {field['type']} | {_cell(', '.join(map(str, values)))} |"
            )
    if getattr(schema, "COMPLETION_FORMAT", None):
        lines += [
            "",
            f"Answer format: `{schema.COMPLETION_FORMAT}`, at most {schema.MAX_NEW_TOKENS} new "
            "tokens, greedy.",
        ]
    for title, text in (
        ("System prompt", getattr(schema, "SYSTEM_PROMPT", None)),
        ("Prompt template (jinja2)", getattr(schema, "PROMPT_TEMPLATE", None)),
    ):
        if text:
            fence = "````" if "```" in text else "```"
            lines += ["", f"{title}:", "", fence + "jinja", text.rstrip("\n"), fence]
    return lines


def usage(facts: dict, notes: list[str]) -> list[str]:
    lines = ["", "## Use", ""] + [f"- {note}" for note in notes]
    if getattr(schema, "FIELDS", None):  # a labelled kind: a template, and eval to match
        prompt = (
            "- The prompt must be rendered as in training (the template above, through the "
            "model's own chat template, which is in this directory); the project's `make serve` "
            "starts a server and `make parity` checks that its greedy answers equal eval's "
            "byte for byte."
        )
    else:
        prompt = (
            "- Prompts go through the model's own chat template, which is in this directory; "
            "the project's `make serve` starts a server."
        )
    lines += [
        f"{prompt} Requests name the model `{facts['served_model']}`.",
        "- `distillgen/`: the data statistics, eval's metrics and accept's decision behind this "
        "card; `export.json`: every file's size and sha256.",
    ]
    return lines


def render(facts: dict, stats: dict, metrics: dict, accepted: dict, notes: list[str]) -> str:
    lines = front_matter(facts)
    lines += [
        "",
        f"# {schema.PROJECT}",
        "",
        f"`{facts['base_model']}` fine-tuned with LoRA ({facts['backend']}) for the "
        f"`{schema.KIND}` task `{schema.PROJECT}`, by a project that distillgen generated.",
    ]
    lines += acceptance(facts, accepted)
    lines += metrics_section(metrics)
    lines += baselines(metrics)
    lines += data_section(stats)
    lines += task_section(facts)
    lines += usage(facts, notes)
    return "\n".join(lines) + "\n"
