# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/plots.py
"""The eval report's figures, as PNG files beside report.md: what every kind's share.

The numbers behind each figure come from a pure function (curve_data here, and each
kind's own: pipeline/bar_plots.py, confusion_plots.py, score_plots.py, outcome_plots.py,
style_plots.py, copied only into the projects whose kind draws them), which the tests
check exactly; draw_* turns them into a figure. Which figures a report has is the kind's
choice (its pipeline/task.py's figures()). Figures are deterministic: matplotlib's default
style with a fixed font (DejaVu Sans, shipped with matplotlib), size and dpi, and no
timestamp or software tag in the file, so the same numbers give the same bytes.
Without matplotlib the report says the figures were left out.
"""

from pathlib import Path

from . import history, schema

DPI = 100
WIDE = (8.0, 4.0)  # inches: 800 x 400 pixels


def threshold(*metrics: str) -> dict | None:
    """The first acceptance rule on one of ``metrics`` (pass, review, direction)."""
    for metric in metrics:
        for rule in schema.THRESHOLDS:
            if rule["metric"] == metric:
                return rule
    return None


def curve_data(rows: list[dict]) -> dict:
    """Training curves: (step, value) series for the losses, learning rate and speed."""
    return {key: history.series(rows, key) for key in history.KEYS}


# ---------------------------------------------------------------- drawing


def figure(size):
    """An empty figure of ``size`` inches (no pyplot: nothing global)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=DPI)
    return fig


def save(fig, path: Path) -> Path:
    """The figure as PNG, without a software tag (the same figure, the same bytes)."""
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


def short(text: str, width: int = 22) -> str:
    """A tick label cut to ``width`` characters."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def rule_lines(ax, rule, horizontal=True):
    """The PASS and REVIEW bounds of an acceptance rule, as lines across the axes."""
    if not rule:
        return
    for key, colour, style in (("pass", "tab:green", "--"), ("review", "tab:orange", ":")):
        if rule.get(key) is not None:
            label = f"{key.upper()} {rule['metric']} {rule[key]:g}"
            if horizontal:
                ax.axhline(rule[key], color=colour, linestyle=style, linewidth=1.2, label=label)
            else:
                ax.axvline(rule[key], color=colour, linestyle=style, linewidth=1.2, label=label)


def draw_curves(data: dict, flags: list[str], path: Path) -> Path:
    fig = figure(WIDE)
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
    return save(fig, path)


# ---------------------------------------------------------------- for the report


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
