# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/regression/runtime/pipeline/score_plots.py
"""Regression's figure: predicted against gold score, one panel per dimension, with the
tier boundaries."""

from pathlib import Path

from . import plots, schema


def score_data(scored: list[dict]) -> dict:
    """Regression: per dimension, (gold, predicted) for every score that was read; the
    tier boundaries (each tier's "below" bound; tiers are cut from the mean score)."""
    points = {}
    for dim in schema.DIMENSIONS:
        points[dim] = [
            (float(r["gold"][dim]), float(r["values"][dim]))
            for r in scored
            if dim in (r.get("values") or {})
        ]
    tiers = getattr(schema, "TIERS", None) or []
    return {
        "range": list(schema.SCORE_RANGE),
        "points": points,
        "boundaries": [t["below"] for t in tiers if t["below"] is not None],
    }


def score_size(n_dims: int) -> tuple[float, float]:
    cols = min(4, n_dims)
    rows = -(-n_dims // cols)
    return (2.5 * cols + 0.5, 2.5 * rows + 0.5)


def draw_scores(data: dict, path: Path) -> Path:
    dims = list(data["points"])
    cols = min(4, len(dims))
    rows = -(-len(dims) // cols)
    fig = plots.figure(score_size(len(dims)))
    low, high = data["range"]
    pad = (high - low) * 0.05
    for index, dim in enumerate(dims):
        ax = fig.add_subplot(rows, cols, index + 1)
        pts = data["points"][dim]
        ax.plot([low, high], [low, high], color="grey", linewidth=0.8)
        for bound in data["boundaries"]:
            ax.axvline(bound, color="tab:orange", linestyle=":", linewidth=0.8)
            ax.axhline(bound, color="tab:orange", linestyle=":", linewidth=0.8)
        if pts:
            ax.scatter([g for g, _ in pts], [p for _, p in pts], s=12, alpha=0.7)
        else:  # an empty panel would look like a plotting fault
            ax.text(0.5, 0.5, "no score read", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlim(low - pad, high + pad)
        ax.set_ylim(low - pad, high + pad)
        ax.set_title(f"{plots.short(dim, 24)} ({len(pts)} read)", fontsize=8)
        ax.set_xlabel("gold", fontsize=7)
        ax.set_ylabel("predicted", fontsize=7)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return plots.save(fig, path)
