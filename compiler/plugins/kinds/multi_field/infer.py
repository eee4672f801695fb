"""`distillgen new --from` for the multi_field kind: several label fields of any types.

compiler/infer.py asks the registered kinds, in their ORDER, which one claims the
labels it read; the kind writes its labels section, prompt frame and thresholds."""

from __future__ import annotations

from distillgen.infer import LabelInfo, Spec, first_categorical, num, q

ORDER = 30  # the general case: it takes what the other kinds do not claim
FRAME = (
    "Label the item below with {{ n_fields }} fields.",
    "Answer in this form:\n{{ answer_format }}",
)
stratify = first_categorical


def claims(fields: list[LabelInfo], numeric: bool, scales: set) -> str | None:
    """Why this kind fits the labels read: any label fields."""
    return f"{len(fields)} label field{'s' if len(fields) > 1 else ''} of mixed types"


def refuses(fields: list[LabelInfo], numeric: bool, scales: set) -> str | None:
    return None


def labels(doc: Spec, fields: list[LabelInfo], chosen_by: str) -> int:
    """Write labels:; return the longest answer's characters (for the token budget)."""
    has_na = any("not-applicable" in note for f in fields for note in f.notes)
    if has_na:
        doc.comment("N/A: the not-applicable token some rows use.", 2)
        doc.add("  na_token: N/A")
    doc.add("  fields:")
    for f in fields:
        doc.comment(f"{f.path}: " + "; ".join(f.notes) + ".", 4)
        for question in f.questions:
            doc.question(question, 4)
        keys = [f"type: {f.type}"]
        if f.values:
            keys.append(f"values: [{', '.join(q(v) for v in f.values)}]")
        if f.minimum is not None:
            keys += [f"minimum: {num(f.minimum)}", f"maximum: {num(f.maximum)}"]
        if not has_na and f.type != "string":
            keys.append("allow_na: false")
        if f.path != f.name:
            keys.append(f"path: {q(f.path)}")
        doc.add(f"    {f.name}: {{{', '.join(keys)}}}")
    doc.add("")
    return sum(
        len(f.name) + max((len(v) for v in f.values or ["x" * 12]), default=12) + 3 for f in fields
    )


def acceptance(doc: Spec, fields: list[LabelInfo], n: int) -> None:
    doc.add("    - {metric: mean_field_accuracy, pass: 0.8, review: 0.7}")
    doc.add("    - {metric: parse_rate, pass: 0.95, review: 0.9}")
