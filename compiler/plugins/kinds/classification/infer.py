"""`distillgen new --from` for the classification kind: one categorical label.

compiler/infer.py asks the registered kinds, in their ORDER, which one claims the
labels it read; the kind writes its labels section, prompt frame and thresholds."""

from __future__ import annotations

from distillgen.infer import MIN_GATED, LabelInfo, Spec, first_categorical, q

ORDER = 20  # after regression: a single label of numbers on a scale is regression's
FRAME = (
    'Classify the item below into one of: {{ fields[0]["values"] | join(", ") }}.',
    "Answer with the class only.",
)
stratify = first_categorical


def claims(fields: list[LabelInfo], numeric: bool, scales: set) -> str | None:
    """Why this kind fits the labels read, or None."""
    if len(fields) == 1 and fields[0].type == "categorical":
        return "one categorical label"
    return None


def refuses(fields: list[LabelInfo], numeric: bool, scales: set) -> str | None:
    """Why --kind classification cannot take these labels, or None."""
    if len(fields) != 1 or fields[0].type != "categorical":
        return "needs one categorical label; found " + "; ".join(
            f"{f.name}: {f.type}" for f in fields
        )
    return None


def labels(doc: Spec, fields: list[LabelInfo], chosen_by: str) -> int:
    """Write labels:; return the longest answer's characters (for the token budget)."""
    f = fields[0]
    doc.comment(f"the label column {f.path!r} ({chosen_by}): {f.notes[0]}.", 2)
    for question in f.questions:
        doc.question(question, 2)
    doc.add(f"  field: {f.path}", f"  classes: [{', '.join(q(v) for v in f.values)}]")
    smallest = min(f.counts.values())
    if smallest * 3 < max(f.counts.values()):
        doc.comment(
            "the classes are imbalanced (largest over 3x the smallest): the minority "
            "classes are repeated in the train split.",
            2,
        )
        doc.add("  balance: oversample")
    doc.add("")
    return max(len(v) for v in f.values) + 8


def acceptance(doc: Spec, fields: list[LabelInfo], n: int) -> None:
    f = fields[0]
    eval_rows = n * 0.1
    doc.add("    - {metric: macro_f1, pass: 0.7, review: 0.6}")
    expected = {v: f.counts[v] / sum(f.counts.values()) * eval_rows for v in f.values}
    smallest = f.values[-1]  # (most common first)
    if expected[smallest] >= MIN_GATED:
        from distillgen.spec import class_metric_names

        metric = class_metric_names(f.values)[smallest]
        doc.comment(
            f"{smallest!r}, the smallest class, has about {expected[smallest]:.0f} examples "
            "in the test split: a recall gate on it.",
            4,
        )
        doc.add(f"    - {{metric: recall.{metric}, pass: 0.7, review: 0.5}}")
    else:
        few = ", ".join(
            f"{v} {expected[v]:.1f}" for v in reversed(f.values) if expected[v] < MIN_GATED
        )
        doc.comment(
            f"no recall gate on a class: too few of its examples fall in the test split "
            f"(about {few}; a gate needs {MIN_GATED}), and a recall on so few says little.",
            4,
        )
    doc.add("    - {metric: parse_rate, pass: 0.98, review: 0.95}")
