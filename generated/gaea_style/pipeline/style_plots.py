# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/pipeline/style_plots.py
"""Generation's figure: each style pattern's rate in the samples and in the author's
held-out text, against its target."""

from pathlib import Path

from . import plots, schema


def style_data(result: dict) -> dict:
    """Generation: each style pattern's rate in the samples and in the author's held-out
    text, against its target."""
    targets = {p["name"]: p["target"] for p in schema.PATTERNS}
    names = list(result["style"])
    return {
        "names": names,
        "samples": [result["style"][n]["rate"] for n in names],
        "author": [result["reference_style"][n]["rate"] for n in names],
        "targets": [targets[n] for n in names],
    }


def draw_style(data: dict, path: Path) -> Path:
    fig = plots.figure(plots.WIDE)
    ax = fig.add_subplot()
    n = len(data["names"])
    width = 0.38
    samples = [v or 0.0 for v in data["samples"]]
    author = [v or 0.0 for v in data["author"]]
    left = ax.bar([i - width / 2 for i in range(n)], samples, width, label="samples")
    right = ax.bar([i + width / 2 for i in range(n)], author, width, label="author (held out)")
    for bars, values in ((left, data["samples"]), (right, data["author"])):
        ax.bar_label(bars, ["n/a" if v is None else f"{v:.0%}" for v in values], fontsize=7)
    for i, target in enumerate(data["targets"]):
        ax.plot(
            [i - 0.45, i + 0.45],
            [target, target],
            color="black",
            linewidth=1.5,
            label="target" if i == 0 else None,
        )
    ax.set_xticks(range(n), [plots.short(x) for x in data["names"]], rotation=30, ha="right")
    ax.set_ylim(0, 1.25)  # room above 100% for the legend
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel("rate")
    ax.set_title("style patterns")
    ax.legend(loc="upper right", fontsize=7, ncol=3)
    fig.tight_layout()
    return plots.save(fig, path)
