# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/accept.py
"""Step 4, accept: the spec's thresholds -> PASS, REVIEW or FAIL.

    python -m pipeline.accept [--metrics FILE] [--out DIR]

Each metric is PASS at or beyond its pass threshold, REVIEW at or beyond its
review threshold, FAIL otherwise; the decision is the worst of them. A metric
that could not be computed is a FAIL with the reason: acceptance never passes
on missing data. With a tracker (the spec's tracking), the decision is logged to the
training's run (pipeline/tracking.py). Exit status: 0 PASS, 3 REVIEW, 4 FAIL, 2 metrics missing or
unreadable (also reported as FAIL in accept.json when it can be written).
"""

import argparse
import json
import sys
from pathlib import Path

from . import schema

ROOT = Path(__file__).resolve().parent.parent
EXIT = {"PASS": 0, "REVIEW": 3, "FAIL": 4}
ORDER = {"PASS": 0, "REVIEW": 1, "FAIL": 2}


def judge(
    metric_values: dict, thresholds: list[dict] = schema.THRESHOLDS, reasons: dict | None = None
) -> dict:
    """The decision and one row per threshold; ``reasons`` says why a metric is None."""
    rows = []
    for rule in thresholds:
        value = metric_values.get(rule["metric"])
        higher = rule["higher_is_better"]
        if (
            value is None
            or isinstance(value, bool)
            or not isinstance(value, int | float)
            or value != value
        ):
            if rule["metric"] not in metric_values:
                why = "not in the metrics"
            else:
                why = (reasons or {}).get(rule["metric"], "could not be computed")
            rows.append({**rule, "value": None, "decision": "FAIL", "reason": why})
            continue

        def reaches(bound, v=value, up=higher):
            return bound is not None and (v >= bound if up else v <= bound)

        if reaches(rule["pass"]):
            decision = "PASS"
        elif reaches(rule["review"]):
            decision = "REVIEW"
        else:
            decision = "FAIL"
        rows.append({**rule, "value": value, "decision": decision, "reason": ""})
    overall = max((r["decision"] for r in rows), key=ORDER.__getitem__, default="FAIL")
    return {"decision": overall, "rules": rows}


def table(result: dict) -> str:
    lines = ["| metric | value | pass | review | decision |", "| --- | --- | --- | --- | --- |"]
    for r in result["rules"]:
        sign = ">=" if r["higher_is_better"] else "<="
        value = "n/a" if r["value"] is None else f"{r['value']:.4f}"
        review = "-" if r["review"] is None else f"{sign} {r['review']}"
        note = f" ({r['reason']})" if r["reason"] else ""
        lines.append(
            f"| {r['metric']} | {value} | {sign} {r['pass']} | {review} | {r['decision']}{note} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=Path, default=ROOT / "work" / "eval" / "metrics.json")
    parser.add_argument("--out", type=Path, default=ROOT / "work" / "accept")
    args = parser.parse_args(argv)
    try:
        metrics = json.loads(args.metrics.read_text(encoding="utf-8"))
        values, reasons = metrics["summary"], metrics.get("unavailable", {})
        if not isinstance(values, dict) or not isinstance(reasons, dict):
            raise TypeError("'summary' and 'unavailable' must be JSON objects")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        print(f"accept: FAIL: cannot read metrics from {args.metrics}: {exc}", file=sys.stderr)
        return 2
    result = judge(values, reasons=reasons)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "accept.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = f"# Acceptance: {result['decision']}\n\n{table(result)}\n"
    (args.out / "accept.md").write_text(text, encoding="utf-8")
    if schema.TRACKING:
        from . import tracking

        tracking.log_accept(result)  # into the training's run
    print(text, end="")
    return EXIT[result["decision"]]


if __name__ == "__main__":
    sys.exit(main())
