# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/confusion_plots.py
"""Confusion matrices, one per field with a closed set of values (multi_field and
classification projects)."""

from pathlib import Path

from . import plots, schema

UNREAD = "<unparsed>"  # pipeline/metrics.py's column for an answer that was not read


def confusion_data(confusion: dict, order: list | None = None) -> dict:
    """Rows: the values in ``order`` (every one, even with no gold example), then any
    other gold values; columns: the rows, then other answers, then unread. Shares are
    each row's counts over the row's total (0 for an empty row)."""
    order = [str(v) for v in order or []]
    rows = order + sorted(set(confusion) - set(order))
    answered = sorted({p for row in confusion.values() for p in row} - set(rows) - {UNREAD})
    columns = rows + answered
    if any(UNREAD in row for row in confusion.values()):
        columns.append(UNREAD)
    counts = [[confusion.get(g, {}).get(c, 0) for c in columns] for g in rows]
    shares = [[round(c / sum(r), 6) if sum(r) else 0.0 for c in r] for r in counts]
    return {"rows": rows, "columns": columns, "counts": counts, "shares": shares}


def value_order(name: str) -> list:
    """A categorical field's values as the spec lists them (the NA token last), a
    boolean's true and false."""
    field = schema.FIELD_BY_NAME[name]
    if field["type"] == "boolean":
        values = ["true", "false"]
    else:
        values = list(field["values"] or [])
    return values + ([schema.NA_TOKEN] if field["allow_na"] else [])


def confusion_size(n: int) -> tuple[float, float]:
    """Inches for an n-value matrix, in quarters (exact in binary, so the pixel size
    is exactly inches x DPI)."""
    side = min(12.0, max(4.0, 0.5 * n + 2.5))
    return (side, round(side * 0.85 * 4) / 4)


def draw_confusion(data: dict, title: str, path: Path) -> Path:
    n_rows, n_cols = len(data["rows"]), len(data["columns"])
    fig = plots.figure(confusion_size(max(n_rows, n_cols)))
    ax = fig.add_subplot()
    ax.imshow(data["shares"], cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(n_cols), [plots.short(c) for c in data["columns"]], rotation=45, ha="right")
    ax.set_yticks(range(n_rows), [plots.short(r) for r in data["rows"]])
    ax.set_xlabel("answer")
    ax.set_ylabel("gold")
    ax.set_title(title)
    small = n_cols > 8
    for i in range(n_rows):
        for j in range(n_cols):
            count = data["counts"][i][j]
            if not count:
                continue
            share = data["shares"][i][j]
            ax.text(
                j,
                i,
                f"{count}" if small else f"{share:.0%}\n({count})",
                ha="center",
                va="center",
                fontsize=7 if small else 8,
                color="white" if share > 0.5 else "black",
            )
    fig.tight_layout()
    return plots.save(fig, path)


def confusions(result: dict, order=value_order) -> list[tuple]:
    """A confusion-matrix figure per field that has one; ``order(name)``: its rows."""
    return [
        (
            f"confusion-{name}.png",
            f"confusion matrix: {name} (row shares, counts)",
            draw_confusion,
            confusion_data(entry["confusion"], order(name)),
            f"{name}: share of each gold row (count)",
        )
        for name, entry in result["fields"].items()
        if entry.get("confusion")
    ]
