"""`distillgen new --from` for the regression kind: numeric labels on one bounded scale.

compiler/infer.py asks the registered kinds, in their ORDER, which one claims the
labels it read; the kind writes its labels section, prompt frame and thresholds."""

from __future__ import annotations

from distillgen.infer import LabelInfo, Spec, num, usual_scale

ORDER = 10  # the most specific: every label a number on one usual scale
FRAME = (
    "Rate the item below on each of these {{ n_fields }} dimensions:\n"
    "{% for field in fields %}\n- {{ field.name }}\n{% endfor %}",
    "Answer in this form:\n{{ answer_format }}",
)


def claims(fields: list[LabelInfo], numeric: bool, scales: set) -> str | None:
    """Why this kind fits the labels read, or None."""
    if numeric and len(scales) == 1 and usual_scale([fields[0].minimum, fields[0].maximum]):
        return "every label is a number on the same bounded scale"
    return None


def refuses(fields: list[LabelInfo], numeric: bool, scales: set) -> str | None:
    """Why --kind regression cannot take these labels, or None."""
    if not (numeric and len(scales) == 1):
        return "needs labels that are all numbers on one scale; " + "; ".join(
            f"{f.name}: {f.type}" for f in fields
        )
    return None


def stratify(fields: list[LabelInfo]) -> None:
    """Scores are not stratified by a value (the spec can stratify by tier)."""
    return None


def labels(doc: Spec, fields: list[LabelInfo], chosen_by: str) -> int:
    """Write labels:; return the longest answer's characters (for the token budget)."""
    lo, hi = fields[0].minimum, fields[0].maximum
    doc.comment(f"every label is a number on the scale {num(lo)}-{num(hi)}:", 2)
    for f in fields:
        doc.comment(f"{f.name}: {f.notes[0]}", 4)
        for question in f.questions:
            doc.question(f"{f.name}: {question}", 4)
    doc.add(f"  minimum: {num(lo)}", f"  maximum: {num(hi)}")
    doc.add(f"  dimensions: [{', '.join(f.name for f in fields)}]", "")
    return 24 * len(fields) + 16


def acceptance(doc: Spec, fields: list[LabelInfo], n: int) -> None:
    span = fields[0].maximum - fields[0].minimum
    doc.comment(
        f"MAE under a tenth of the scale ({num(span / 10)}) passes, under 15% is REVIEW.", 4
    )
    doc.add(
        f"    - {{metric: mae, pass: {num(round(span / 10, 4))}, "
        f"review: {num(round(span * 0.15, 4))}}}"
    )
    doc.add("    - {metric: parse_rate, pass: 0.95, review: 0.9}")
