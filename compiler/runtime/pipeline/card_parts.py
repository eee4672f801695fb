# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/card_parts.py
"""The parts of the exported model's card (pipeline/card.py) that every kind's card has:
the Hub's metadata, the title, the acceptance decision, the metrics, the task's head and
how to use the model."""

import json
from pathlib import Path

from . import accept, schema


def cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4f}"
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace("|", "\\|")


def num(value) -> str:
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
            lines.append(f"| {name} | {cell(value)} |")
    for name, why in (metrics.get("unavailable") or {}).items():
        if "." not in name or name in judged:
            lines.append(f"| {name} | not computed: {cell(why)} |")
    return lines


def data_section(stats: dict, read: str, table: list[str]) -> list[str]:
    """The data section: what was ``read`` and accepted, the kind's ``table`` of splits,
    and the data step's warnings."""
    lines = ["", "## Data", ""]
    lines += [
        f"{read}, {stats.get('rejected')} rejected (work/data/rejects.jsonl in the project).",
        "",
        *table,
    ]
    for warning in stats.get("warnings") or []:
        lines.append(f"\nWarning from the data step: {cell(warning)}")
    return lines


def task_head(facts: dict) -> list[str]:
    return [
        "",
        "## Task (from the spec)",
        "",
        f"Spec `{Path(facts.get('spec') or '?').name}` "
        f"(sha256 `{facts.get('spec_sha256')}`), built by {facts.get('generator')}; "
        f"kind `{schema.KIND}`.",
    ]


def page(
    facts: dict, metrics: dict, accepted: dict, notes: list[str], body: list[str], prompt: str
) -> str:
    """The card: its common parts around the kind's ``body``; ``prompt``: how prompts are
    written for the exported model."""
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
    lines += body
    lines += ["", "## Use", ""] + [f"- {note}" for note in notes]
    lines += [
        f"- {prompt} Requests name the model `{facts['served_model']}`.",
        "- `distillgen/`: the data statistics, eval's metrics and accept's decision behind this "
        "card; `export.json`: every file's size and sha256.",
    ]
    return "\n".join(lines) + "\n"
