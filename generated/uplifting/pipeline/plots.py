# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/plots.py
"""The eval report's figures, as PNG files beside report.md.

The numbers behind each figure come from a pure function (confusion_data,
accuracy_bars, score_data, outcome_data, style_data, curve_data), which the tests
check exactly; draw_* turns them into a figure. Which figures a report has is the
kind's choice (its pipeline/task.py's figures()). Figures are deterministic: matplotlib's default
style with a fixed font (DejaVu Sans, shipped with matplotlib), size and dpi, and no
timestamp or software tag in the file, so the same numbers give the same bytes.
Without matplotlib the report says the figures were left out.
"""

from pathlib import Path

from . import history, schema

DPI = 100
WIDE = (8.0, 4.0)  # inches: 800 x 400 pixels
UNREAD = "<unparsed>"  # pipeline/metrics.py's column for an answer that was not read


def threshold(*metrics: str) -> dict | None:
    """The first acceptance rule on one of ``metrics`` (pass, review, direction)."""
    for metric in metrics:
        for rule in schema.THRESHOLDS:
            if rule["metric"] == metric:
                return rule
    return None


# ---------------------------------------------------------------- figure data


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
        "rule": threshold(*rule),
    }


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


def outcome_data(result: dict) -> dict:
    """Distillation: each outcome's share of the examples, in pipeline/metrics.py order."""
    n = result["examples"]
    return {
        "names": list(result["outcomes"]),
        "counts": list(result["outcomes"].values()),
        "shares": [round(c / n, 6) if n else 0.0 for c in result["outcomes"].values()],
        "rule": threshold("pass_rate"),
    }


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


def curve_data(rows: list[dict]) -> dict:
    """Training curves: (step, value) series for the losses, learning rate and speed."""
    return {key: history.series(rows, key) for key in history.KEYS}


# ---------------------------------------------------------------- drawing


def _figure(size):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI)
    return fig


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, format="png", metadata={"Software": None})
    return path


def _style():
    """matplotlib's defaults (not the user's matplotlibrc) with a fixed font and size."""
    import matplotlib

    context = matplotlib.rc_context()
    context.__enter__()
    matplotlib.rcdefaults()
    matplotlib.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.titlesize": 10,
            "svg.hashsalt": "distillgen",
            "path.simplify": False,
        }
    )
    return context


def _short(text: str, width: int = 22) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _rule_lines(ax, rule, horizontal=True):
    if not rule:
        return
    for key, colour, style in (("pass", "tab:green", "--"), ("review", "tab:orange", ":")):
        if rule.get(key) is not None:
            label = f"{key.upper()} {rule['metric']} {rule[key]:g}"
            if horizontal:
                ax.axhline(rule[key], color=colour, linestyle=style, linewidth=1.2, label=label)
            else:
                ax.axvline(rule[key], color=colour, linestyle=style, linewidth=1.2, label=label)


def confusion_size(n: int) -> tuple[float, float]:
    """Inches for an n-value matrix, in quarters (exact in binary, so the pixel size
    is exactly inches x DPI)."""
    side = min(12.0, max(4.0, 0.5 * n + 2.5))
    return (side, round(side * 0.85 * 4) / 4)


def score_size(n_dims: int) -> tuple[float, float]:
    cols = min(4, n_dims)
    rows = -(-n_dims // cols)
    return (2.5 * cols + 0.5, 2.5 * rows + 0.5)


def draw_confusion(data: dict, title: str, path: Path) -> Path:
    n_rows, n_cols = len(data["rows"]), len(data["columns"])
    fig = _figure(confusion_size(max(n_rows, n_cols)))
    ax = fig.add_subplot()
    ax.imshow(data["shares"], cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(n_cols), [_short(c) for c in data["columns"]], rotation=45, ha="right")
    ax.set_yticks(range(n_rows), [_short(r) for r in data["rows"]])
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
    return _save(fig, path)


def draw_bars(data: dict, path: Path) -> Path:
    fig = _figure(WIDE)
    ax = fig.add_subplot()
    positions = range(len(data["names"]))
    bars = ax.bar(positions, data["values"], color="tab:blue")
    # The value on each bar: a bar at 0 is otherwise indistinguishable from no bar.
    labels = data.get("labels") or [f"{v:.0%}" for v in data["values"]]
    ax.bar_label(bars, labels, fontsize=7, padding=1)
    ax.set_xticks(positions, [_short(n) for n in data["names"]], rotation=45, ha="right")
    ax.set_ylim(0, 1.25)  # room above 100% for the legend
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel(data["ylabel"])
    ax.set_title(data["title"])
    _rule_lines(ax, data["rule"])
    if data["rule"]:
        ax.legend(loc="upper right", fontsize=7, ncol=2)
    fig.tight_layout()
    return _save(fig, path)


def draw_scores(data: dict, path: Path) -> Path:
    dims = list(data["points"])
    cols = min(4, len(dims))
    rows = -(-len(dims) // cols)
    fig = _figure(score_size(len(dims)))
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
        ax.set_title(f"{_short(dim, 24)} ({len(pts)} read)", fontsize=8)
        ax.set_xlabel("gold", fontsize=7)
        ax.set_ylabel("predicted", fontsize=7)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return _save(fig, path)


def draw_outcomes(data: dict, path: Path) -> Path:
    fig = _figure(WIDE)
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
        _rule_lines(ax, data["rule"], horizontal=False)
        ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    return _save(fig, path)


def draw_style(data: dict, path: Path) -> Path:
    fig = _figure(WIDE)
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
    ax.set_xticks(range(n), [_short(x) for x in data["names"]], rotation=30, ha="right")
    ax.set_ylim(0, 1.25)  # room above 100% for the legend
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel("rate")
    ax.set_title("style patterns")
    ax.legend(loc="upper right", fontsize=7, ncol=3)
    fig.tight_layout()
    return _save(fig, path)


def draw_curves(data: dict, flags: list[str], path: Path) -> Path:
    fig = _figure(WIDE)
    ax = fig.add_subplot(1, 2, 1)
    for key, label in (("train_loss", "train"), ("val_loss", "validation")):
        if data[key]:
            ax.plot(
                [s for s, _ in data[key]],
                [v for _, v in data[key]],
                marker="o",
                markersize=3,
                label=label,
            )
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("loss" + (" (see flags)" if flags else ""))
    ax.legend(fontsize=7)
    right = fig.add_subplot(1, 2, 2)
    if data["learning_rate"]:
        from matplotlib.ticker import FormatStrFormatter

        right.plot(
            [s for s, _ in data["learning_rate"]], [v for _, v in data["learning_rate"]], marker="."
        )
        # Each tick written out (2.0e-04): the axis' shared "1e-4" offset sat on the title.
        right.yaxis.set_major_formatter(FormatStrFormatter("%.1e"))
    else:
        right.text(0.5, 0.5, "no learning rate reported", ha="center", transform=right.transAxes)
    right.set_xlabel("step")
    speed = sorted(v for _, v in data["tokens_per_second"])
    median = f", median {speed[len(speed) // 2]:.0f} tokens/s" if speed else ""
    right.set_title(f"learning rate{median}")
    fig.tight_layout()
    return _save(fig, path)


# ---------------------------------------------------------------- for the report


def bars(data: dict | None) -> list[tuple]:
    """The bar figure of ``data`` (accuracy_bars' or a kind's own), if it has bars."""
    return [("bars.png", data["title"], draw_bars, data)] if data and data["names"] else []


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


def write_figures(figures: list[tuple], out: Path, curves: bool = True) -> list[dict]:
    """The kind's ``figures`` ((file, title, draw, *its arguments), from its
    pipeline/task.py), then the training curves from work/train/history.jsonl when
    training recorded them, written into ``out``: [{"file", "title"}]."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return [{"file": None, "title": "figures left out: matplotlib is not installed"}]
    written = []
    context = _style()
    try:
        rows = history.read() if curves else []
        if rows:
            flags = history.diagnose(rows)
            figures = [
                *figures,
                ("training.png", "training curves", draw_curves, curve_data(rows), flags),
            ]
        for file, title, draw, *args in figures:
            draw(*args, out / file)
            written.append({"file": file, "title": title})
    finally:
        context.__exit__(None, None, None)
    return written


def markdown(figures: list[dict], flags: list[str]) -> list[str]:
    """The report's figures section (image links relative to report.md)."""
    if not figures and not flags:
        return []
    lines = ["", "## Figures", ""]
    for figure in figures:
        if figure["file"] is None:
            lines += [f"({figure['title']})", ""]
        else:
            lines += [f"![{figure['title']}]({figure['file']})", ""]
    if flags:
        lines += ["Training curves need a look:"] + [f"- {flag}" for flag in flags] + [""]
    return lines[:-1] if lines[-1] == "" else lines
