# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/compare.py
"""The base model, the classical baseline and the tuned model side by side.

`make eval-base` answers the same held-out prompts with the base model alone
(the same prompt and chat template; zero-shot, or after BASE_SHOTS train examples as
earlier chat turns; on the regression head route, the base model answering as the
generative route does) into work/eval-base/; the classical
baseline (classification's TF-IDF) writes work/baseline/metrics.json. The tuned
model's eval adds to its result a comparison table and `gain_over_base`: the tuned
model's headline metric minus the base model's (for an error such as MAE, the base
model's minus the tuned model's), so that higher is better and a spec can gate on it.
"""

import json
from pathlib import Path

from . import schema

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "work" / "eval-base" / "metrics.json"
CLASSICAL = ROOT / "work" / "baseline" / "metrics.json"
HEADLINE = {
    "multi_field": ("mean_field_accuracy", True),
    "classification": ("macro_f1", True),
    "regression": ("mae", False),
    "distillation": ("pass_rate", True),
}

# Errors and failure shares: lower is better (their gain is base minus tuned).
LOWER_IS_BETTER = {
    "mae",
    "rmse",
    "wrong_rate",
    "format_failure_rate",
    "truncated_rate",
    "unparseable_rate",
    "schema_invalid_rate",
}


def _metrics(path: Path) -> dict | None:
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _summary(path: Path) -> dict | None:
    found = _metrics(path)
    return None if found is None else found.get("summary")


def shots_label(shots: dict | None) -> str:
    """How the base model was asked: "zero-shot" or "k-shot" (eval.base_shots)."""
    k = (shots or {}).get("shots") or 0
    return f"{k}-shot" if k else "zero-shot"


def gain(tuned, base, higher_is_better: bool = True):
    if tuned is None or base is None:
        return None
    return tuned - base if higher_is_better else base - tuned


def table(tuned: dict, base: dict | None, classical: dict | None) -> list[dict]:
    """One row per top-level metric of the tuned model: its value for the base model,
    the classical baseline and the tuned model, and the gain over the base model."""
    rows = []
    for name, value in tuned.items():
        if "." in name or name in ("baseline_macro_f1", "macro_f1_gain", "gain_over_base"):
            continue
        up = name not in LOWER_IS_BETTER
        base_value = None if base is None else base.get(name)
        rows.append(
            {
                "metric": name,
                "base": base_value,
                "classical": None if classical is None else classical.get(name),
                "tuned": value,
                "gain": gain(value, base_value, up),
            }
        )
    return rows


def extend(result: dict) -> None:
    """Add gain_over_base (None until make eval-base has run) and the comparison rows."""
    headline, higher = HEADLINE[schema.KIND]
    base_metrics = _metrics(BASE)
    base = None if base_metrics is None else base_metrics.get("summary")
    classical = _summary(CLASSICAL)
    summary = result["summary"]
    summary["gain_over_base"] = gain(
        summary.get(headline), None if base is None else base.get(headline), higher
    )
    result["comparison"] = {
        "headline": headline,
        "rows": table(summary, base, classical),
        "base": base is not None,
        "base_shots": None if base_metrics is None else base_metrics.get("shots"),
        "classical": classical is not None,
    }


def why_none(result: dict) -> str:
    if not (result.get("comparison") or {}).get("base"):
        return "the base model has not been evaluated (make eval-base)"
    return f"{HEADLINE[schema.KIND][0]} is missing for the base or the tuned model"


def markdown(result: dict, cell) -> list[str]:
    """The comparison table (empty when neither the base model nor a classical baseline
    has been evaluated)."""
    comparison = result.get("comparison")
    if not comparison or not (comparison["base"] or comparison["classical"]):
        return []
    headers = ["metric", f"base model ({shots_label(comparison.get('base_shots'))})"]
    if comparison["classical"]:
        headers.append("classical baseline")
    headers += ["tuned", "gain over base"]
    lines = [
        "",
        "## Compared with the base model"
        + (" and the classical baseline" if comparison["classical"] else ""),
        "",
        "| " + " | ".join(headers) + " |",
        "|" + " --- |" * len(headers),
    ]
    for r in comparison["rows"]:
        cells = [r["metric"], cell(r["metric"], r["base"])]
        if comparison["classical"]:
            cells.append(cell(r["metric"], r["classical"]))
        gain_text = "n/a" if r["gain"] is None else f"{'+' if r['gain'] >= 0 else ''}"
        gain_text += "" if r["gain"] is None else cell(r["metric"], r["gain"])
        cells += [cell(r["metric"], r["tuned"]), gain_text]
        lines.append("| " + " | ".join(cells) + " |")
    if not comparison["base"]:
        lines += ["", "The base model has not been evaluated: `make eval-base`."]
    return lines


# ------------------------------------------------------- constrained decoding

# Answer-format metrics shown for constrained and unconstrained decoding side by side.
DECODING_METRICS = (
    "parse_rate",
    "format_failure_rate",
    "unparseable_rate",
    "truncated_rate",
)


def _run(path: Path) -> dict | None:
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def decoding(result: dict, out: Path) -> dict | None:
    """This run's answer-format metrics beside those of the other decoding (constrained
    or not) where it has been scored too (work/eval, work/eval-constrained,
    work/eval-unconstrained), else None."""
    other = not result["constrained"]
    here = Path(out).resolve()
    work = ROOT / "work"
    candidates = [work / "eval", work / ("eval-constrained" if other else "eval-unconstrained")]
    for folder in candidates:
        if folder.resolve() == here:
            continue
        run = _run(folder / "metrics.json")
        if run is None or bool(run.get("constrained")) != other or run.get("model") != "tuned":
            continue
        headline = HEADLINE[schema.KIND][0]
        names = [n for n in (*DECODING_METRICS, headline) if n in result["summary"]]
        runs = {result["constrained"]: result["summary"], other: run["summary"]}
        return {
            "metrics": names,
            "constrained": {n: runs[True].get(n) for n in names},
            "unconstrained": {n: runs[False].get(n) for n in names},
            "other": str(folder.relative_to(ROOT)),
        }
    return None


def decoding_markdown(side: dict | None, cell) -> list[str]:
    if not side:
        return []
    lines = [
        "",
        "## Constrained and unconstrained decoding",
        "",
        f"The other run: {side['other']}/.",
        "",
        "| metric | unconstrained | constrained |",
        "| --- | --- | --- |",
    ]
    for name in side["metrics"]:
        lines.append(
            f"| {name} | {cell(name, side['unconstrained'][name])} | "
            f"{cell(name, side['constrained'][name])} |"
        )
    return lines
