"""`distillgen new --from` for the distillation kind: a column of JSON-object answers.

compiler/infer.py asks the registered kinds, in their ORDER, which one claims the
labels it read; the kind writes its labels section, prompt frame and thresholds."""

from __future__ import annotations

import json
import re
from collections import Counter

from distillgen.infer import (
    IDENTIFIER_RE,
    Column,
    InferError,
    columns,
    inputs_of,
    json_object,
    model_training,
    prompt_section,
    q,
    round_up,
    split_section,
    template_lines,
    value_counts,
    write_inputs,
)

ORDER = 0  # a label column of JSON objects is an answer before it is label fields
ANSWERS = True  # its labels are one answer column, written by write()
FRAME = ("Answer for the item below.", "Answer with JSON only, in this form: {{ answer_format }}")


def write(doc, name, data_ref, fmt, rows, label, answer, chosen_by, top, n) -> str:
    """The whole spec: the answer column's JSON objects make the answer schema."""
    where = doc
    del where
    if "." in label or not IDENTIFIER_RE.match(label):
        raise InferError(
            f"the answer column {label!r} must be a top-level column with a plain name "
            "(lowercase letters, digits, _) for distillation's labels.output_field"
        )
    objects = []
    for _, row in rows:
        value = row.get(label)
        if isinstance(value, str):
            value = json.loads(value) if json_object(value) else None
        if isinstance(value, dict):
            objects.append(value)
    keys: dict[str, Column] = {}
    for obj in objects:
        for key in obj:
            keys.setdefault(key, Column(key))
    for obj in objects:
        for key, column in keys.items():
            if obj.get(key) is None:
                column.missing += 1
            else:
                column.values.append(obj[key])
    properties, required, notes = [], [], []
    for key, column in keys.items():
        kinds = column.kinds()
        if column.missing == 0:
            required.append(key)
        if kinds == {"string"}:
            counts = Counter(column.values)
            coded = all(re.match(r"^[a-z0-9_\-]+$", v) for v in counts)
            if coded and 2 <= len(counts) <= max(2, min(50, len(column.values) // 2)):
                properties.append(
                    (
                        key,
                        "enum: ["
                        + ", ".join(q(v) for v in sorted(counts, key=lambda v: (-counts[v], v)))
                        + "]",
                    )
                )
                notes.append(
                    (key, f"codes, {len(counts)} values: {value_counts(column.values)}", None)
                )
                continue
            longest = max(len(v) for v in column.values)
            properties.append(
                (key, f"type: string, minLength: 1, maxLength: {round_up(longest * 2)}")
            )
            question = None
            if len(counts) <= 10 and len(column.values) >= 3 * len(counts):
                question = (
                    f"{len(counts)} distinct values ({', '.join(map(repr, sorted(counts)[:10]))}) "
                    "that are not codes: free text (kept) or an enum?"
                )
            notes.append((key, f"text, {len(counts)} distinct values, longest {longest}", question))
        elif kinds == {"boolean"}:
            properties.append((key, "type: boolean"))
            notes.append((key, f"boolean: {value_counts(column.values)}", None))
        elif kinds == {"integer"}:
            properties.append((key, "type: integer"))
            notes.append((key, f"integer, {min(column.values)} to {max(column.values)}", None))
        elif kinds <= {"integer", "number"}:
            properties.append((key, "type: number"))
            notes.append((key, f"number, {min(column.values)} to {max(column.values)}", None))
        elif kinds == {"list"}:
            properties.append((key, "type: array"))
            notes.append((key, "a list", None))
        elif kinds == {"object"}:
            properties.append((key, "type: object"))
            notes.append((key, "an object", None))
        else:
            notes.append((key, f"mixed types ({', '.join(sorted(kinds))}): not constrained", None))
            properties.append((key, "description: mixed types"))
    exclude = lambda p: p == label or p.startswith(label + ".")  # noqa: E731
    raw = columns(rows, keep=set())
    inputs, id_field, id_notes = inputs_of(raw, exclude, n, label)
    doc.add("version: 1", f"name: {name}", "kind: distillation")
    why = "its values are JSON objects" + (" (as text)" if answer == "json text" else "")
    doc.comment(f"kind distillation: the answer column {label!r} ({chosen_by}): {why}.")
    doc.add("description: " + q(f"Answers distilled from {label!r}; describe the task here."), "")
    doc.add("data:", f"  source: {q(data_ref)}")
    doc.comment(f"{fmt}: {n} rows read to infer this spec.", 2)
    for note in id_notes:
        doc.comment(note, 2)
    doc.add(f"  id_field: {id_field if id_field else 'null'}")
    write_inputs(doc, inputs)
    doc.add("", "labels:", f"  output_field: {label}")
    doc.comment(f"the answer schema, from the {len(objects)} answers read:", 2)
    doc.add("  answer_schema:", "    type: object", "    properties:")
    for (key, spec_text), (_, note, question) in zip(properties, notes, strict=True):
        doc.comment(f"{key}: {note}.", 6)
        if question:
            doc.question(question, 6)
        doc.add(f"      {q(key)}: {{{spec_text}}}")
    doc.comment("required: the keys every answer read has; no keys beyond these.", 4)
    doc.add(
        f"    required: [{', '.join(q(k) for k in required)}]",
        "    additionalProperties: false",
        "",
    )
    longest = max(len(json.dumps(o)) for o in objects) if objects else 64
    template = template_lines(FRAME, inputs)
    prompt_section(doc, template)
    split_section(doc, None)
    model_training(doc, inputs, longest, n)
    doc.add("acceptance:", "  thresholds:")
    doc.add("    - {metric: pass_rate, pass: 0.8, review: 0.7}")
    doc.add("    - {metric: schema_rate, pass: 0.95, review: 0.9}")
    return doc.text()
