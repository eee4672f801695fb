# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/distillation/runtime/pipeline/outcome_plots.py
"""Distillation's figure: the share of each answer's outcome, against the pass-rate rule."""

from pathlib import Path

from . import plots


def outcome_data(result: dict) -> dict:
    """Distillation: each outcome's share of the examples, in pipeline/metrics.py order."""
    n = result["examples"]
    return {
        "names": list(result["outcomes"]),
        "counts": list(result["outcomes"].values()),
        "shares": [round(c / n, 6) if n else 0.0 for c in result["outcomes"].values()],
        "rule": plots.threshold("pass_rate"),
    }


def draw_outcomes(data: dict, path: Path) -> Path:
    fig = plots.figure(plots.WIDE)
    ax = fig.add_subplot()
    colours = ["tab:green", "tab:red", "tab:purple", "tab:orange", "tab:brown", "tab:grey"]
    positions = range(len(data["names"]))
    ax.barh(positions, data["shares"], color=colours[: len(data["names"])])
    ax.set_yticks(positions, [n.replace("_", " ") for n in data["names"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("share of examples")
    ax.set_title("outcome of each answer")
    for i, (share, count) in enumerate(zip(data["shares"], data["counts"], strict=True)):
        ax.text(min(share, 0.9) + 0.01, i, f"{share:.0%} ({count})", va="center", fontsize=8)
    if data["rule"]:
        plots.rule_lines(ax, data["rule"], horizontal=False)
        ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    return plots.save(fig, path)
