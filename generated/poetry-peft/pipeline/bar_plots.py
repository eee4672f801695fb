# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/bar_plots.py
"""Bar figures: each field's (key's, class's) accuracy or F1 against its acceptance
rule (the kinds with labels read one by one: multi_field, classification, distillation)."""

from pathlib import Path

from . import plots


def accuracy_bars(result: dict, title: str, *rule: str) -> dict | None:
    """Each field's (or key's) accuracy, with the first acceptance rule on ``rule``."""
    fields = result.get("fields") or {}
    if not fields:
        return None
    return {
        "title": title,
        "ylabel": "accuracy",
        "names": list(fields),
        "values": [fields[f]["accuracy"] or 0.0 for f in fields],
        "rule": plots.threshold(*rule),
    }


def draw_bars(data: dict, path: Path) -> Path:
    fig = plots.figure(plots.WIDE)
    ax = fig.add_subplot()
    positions = range(len(data["names"]))
    bars = ax.bar(positions, data["values"], color="tab:blue")
    # The value on each bar: a bar at 0 is otherwise indistinguishable from no bar.
    labels = data.get("labels") or [f"{v:.0%}" for v in data["values"]]
    ax.bar_label(bars, labels, fontsize=7, padding=1)
    ax.set_xticks(positions, [plots.short(n) for n in data["names"]], rotation=45, ha="right")
    ax.set_ylim(0, 1.25)  # room above 100% for the legend
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel(data["ylabel"])
    ax.set_title(data["title"])
    plots.rule_lines(ax, data["rule"])
    if data["rule"]:
        ax.legend(loc="upper right", fontsize=7, ncol=2)
    fig.tight_layout()
    return plots.save(fig, path)


def bars(data: dict | None) -> list[tuple]:
    """The bar figure of ``data`` (accuracy_bars' or a kind's own), if it has bars."""
    return [("bars.png", data["title"], draw_bars, data)] if data and data["names"] else []
