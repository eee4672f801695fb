"""`distillgen new NAME --from FILE`: a spec inferred from the user's data.

A sample of the file (any source format; nested objects flattened to dotted paths) is
read, and every decision is written into the spec as a comment: the input fields (type,
required, longest value), the label schema (categorical values with their counts,
numeric ranges, booleans), the kind (regression for numeric labels on a bounded scale,
multi_field for several label fields, distillation for a JSON-object answer), a
stratified split, thresholds the data can support and a prompt that uses only declared
names. Where the data leaves a choice open (a column that may be an id or an input, a
numeric label with few values, a value seen once), the spec gets a QUESTION comment and
a safe default, never a silent guess. Input that cannot make a spec (an empty file, a
list column, a label column of free text, a file that is not what its name says) is a
clear InferError, and nothing is written.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .sources import SourceError, format_of, sample
from .spec import IDENTIFIER_RE, RESERVED_TEMPLATE_NAMES

SAMPLE_ROWS = 10_000  # rows read to infer the schema
MAX_LABEL_VALUES = 1000  # a label column with more distinct text values is not a label
MIN_GATED = 10  # a per-class recall gate needs this many of the class in the eval split
LABEL_NAMES = (
    "label",
    "labels",
    "class",
    "target",
    "output",
    "reference_answer",
    "answer",
    "dimensions",
    "scores",
)
ANSWER_NAMES = {"output", "reference_answer", "answer", "response", "completion"}
ID_NAMES = re.compile(r"^(id|uuid|key|row_id|.*_id)$", re.IGNORECASE)
NA_FORMS = {"n/a", "na", "none", "null", "-"}
# Bounded scales a numeric label is read on: the smallest that holds every value seen.
SCALES = ((0, 1), (1, 5), (0, 5), (1, 7), (1, 10), (0, 10), (0, 100))


class InferError(Exception):
    """The data cannot make a spec; the message says where, why and what to do."""


@dataclass
class Column:
    """One flattened column of the sample: its dotted path and what it holds."""

    path: str
    values: list = field(default_factory=list)  # the values present (not None)
    missing: int = 0  # rows without a value

    def kinds(self) -> set[str]:
        return {_kind_of(v) for v in self.values}


def _kind_of(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__


# ---------------------------------------------------------------------- reading


def read(path: Path, declared: str | None = None, hf_split: str = "train"):
    """(format, [(row name, row)]) for the first SAMPLE_ROWS rows; InferError when the
    file is empty, unreadable or not what its name says."""
    if not path.exists():
        raise InferError(f"{path}: no such file or directory")
    fmt = format_of(path, declared)
    if fmt is None:
        raise InferError(
            f"{path}: cannot tell the format from {path.suffix or 'no extension'!r}: use a "
            ".jsonl, .csv or .parquet file, or a directory written by save_to_disk"
        )
    if fmt == "jsonl":
        _check_jsonl(path)
    elif fmt == "csv":
        _check_text(path, "CSV")
    elif fmt == "parquet":
        _check_parquet(path)
    try:
        rows = sample(path, fmt, SAMPLE_ROWS, hf_split=hf_split)
    except SourceError as exc:
        raise InferError(str(exc)) from None
    if not rows:
        raise InferError(f"{path}: has no rows")
    if fmt == "csv":  # every CSV cell is text: read numbers and booleans as the data step does
        rows = [(name, {k: _cell(v) for k, v in row.items()}) for name, row in rows]
    return fmt, rows


_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")


def _cell(value):
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if text.casefold() in ("true", "false"):
        return text.casefold() == "true"
    return value


def _check_text(path: Path, what: str) -> bytes:
    head = path.read_bytes()[: 1 << 16]
    if head.startswith(b"PAR1") or b"\x00" in head:
        raise InferError(
            f"{path}: not a {what} text file (binary content"
            f"{'; a Parquet file?' if head.startswith(b'PAR1') else ''}): "
            "name it for what it is (.parquet) or export it as text"
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # (not a character cut at the end of the sample)
            raise InferError(
                f"{path}: not UTF-8 text (byte {exc.start}): save it as UTF-8"
            ) from None
    return head


def _check_jsonl(path: Path) -> None:
    """The first non-blank line must be a JSON object (else: not a JSONL file)."""
    _check_text(path, "JSONL")
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
            if not text:
                continue
            try:
                row = json.loads(text)
            except ValueError as exc:
                raise InferError(
                    f"{path}:{number}: not JSON ({exc}): a .jsonl file holds one JSON object a "
                    f"line (this line starts {text[:40]!r})"
                ) from None
            if not isinstance(row, dict):
                raise InferError(
                    f"{path}:{number}: a JSONL row must be an object, not {_kind_of(row)}"
                )
            return


def _check_parquet(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise InferError(f"{path}: not a readable Parquet file ({exc})") from None
    for name, kind in _arrow_lists(schema):
        raise InferError(
            f"{path}: column {name!r} is a list ({kind}): a list cannot be an input or a "
            "label field; join it into text, or drop the column, and write the file again"
        )


def _arrow_lists(schema, prefix: str = ""):
    import pyarrow as pa

    for f in schema:
        name = prefix + f.name
        if pa.types.is_list(f.type) or pa.types.is_large_list(f.type):
            yield name, str(f.type)
        elif pa.types.is_struct(f.type):
            yield from _arrow_lists(list(f.type), name + ".")


def flatten(row: dict, keep: set[str], prefix: str = "") -> dict:
    """dotted path -> value; objects are opened, except at the paths in ``keep``."""
    out = {}
    for key, value in row.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in keep and value:
            out.update(flatten(value, keep, path + "."))
        else:
            out[path] = value
    return out


def columns(rows: list, keep: set[str]) -> dict[str, Column]:
    """Every flattened column in the order first seen, with its values."""
    found: dict[str, Column] = {}
    flat = [flatten(row, keep) for _, row in rows]
    for item in flat:
        for path in item:
            found.setdefault(path, Column(path))
    for item in flat:
        for path, column in found.items():
            value = item.get(path)
            if value is None or (isinstance(value, str) and not value.strip()):
                column.missing += 1
            else:
                column.values.append(value)
    return found


# ------------------------------------------------------------------- the spec


@dataclass
class Spec:
    """What is inferred, as the spec's lines (comments included)."""

    lines: list[str] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def comment(self, text: str, indent: int = 0) -> None:
        for line in _wrap(text, 88 - indent):
            self.lines.append(" " * indent + "# " + line)

    def question(self, text: str, indent: int = 0) -> None:
        self.comment("QUESTION: " + text, indent)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]


def q(value) -> str:
    """A YAML scalar (JSON is YAML): strings always quoted."""
    return json.dumps(value, ensure_ascii=False)


def identifier(text: str, taken: set[str]) -> str:
    """A safe spec name for a column (lowercase, _, starting with a letter), not taken."""
    letters = "".join(
        ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch)
    )
    name = re.sub(r"[^a-z0-9]+", "_", letters).strip("_")[:60] or "field"
    if not re.match(r"^[a-z]", name):
        name = "f_" + name
    import keyword

    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED_TEMPLATE_NAMES:
        name += "_"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def usual_scale(values: list) -> tuple[float, float] | None:
    lo, hi = min(values), max(values)
    for a, b in SCALES:
        if a <= lo and hi <= b:
            return a, b
    return None


def value_counts(values) -> str:
    counted = Counter(values).most_common()
    shown = ", ".join(f"{v} {n}" for v, n in counted[:30])
    return shown + (f", ... ({len(counted)} values)" if len(counted) > 30 else "")


@dataclass
class LabelInfo:
    """One label field, inferred."""

    name: str
    path: str  # where it is read, relative to the labels object (or the row)
    type: str
    values: list | None = None
    minimum: float | None = None
    maximum: float | None = None
    notes: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    counts: Counter | None = None


def label_field(column: Column, name: str, path: str, n_rows: int, where: str) -> LabelInfo:
    kinds = column.kinds() - {"object"}
    values = column.values
    if "list" in kinds:
        raise InferError(f"{where}: label {column.path!r} holds lists: a label is one value")
    if not values:
        raise InferError(f"{where}: label {column.path!r} has no value in the first {n_rows} rows")
    info = LabelInfo(name, path, "string")
    if kinds == {"boolean"}:
        info.type = "boolean"
        info.notes.append(f"boolean: {value_counts(values)}")
        return info
    if kinds <= {"integer", "number"}:
        numbers = [float(v) for v in values]
        scale = usual_scale(numbers)
        info.type = "integer" if kinds == {"integer"} else "number"
        if scale is not None:
            info.minimum, info.maximum = scale
        else:
            info.minimum, info.maximum = min(numbers), max(numbers)
        distinct = sorted(set(values))
        info.notes.append(f"{info.type}, seen {num(min(numbers))} to {num(max(numbers))}")
        if len(distinct) <= 5:
            info.questions.append(
                f"only {len(distinct)} distinct values ({', '.join(map(num, distinct))}): a "
                "score (kept as a number) or categories? For categories, make it type: "
                "categorical with these values as text."
            )
        return info
    if kinds != {"string"}:
        info.questions.append(
            f"mixed value types ({', '.join(sorted(kinds))}): read as text; check the column"
        )
        values = [str(v) for v in values]
    texts = [v.strip() for v in values]
    na = [v for v in texts if v.casefold() in NA_FORMS]
    real = [v for v in texts if v.casefold() not in NA_FORMS]
    counts = Counter(real)
    if len(counts) > MAX_LABEL_VALUES:
        raise InferError(
            f"{where}: label column {column.path!r} has {len(counts):,} distinct values in "
            f"{len(values):,} rows: that is free text or an id, not a label. Choose the label "
            "column with --label (a JSON-object answer makes a distillation spec)"
        )
    if len(counts) >= 2 and len(counts) <= max(2, min(100, len(real) // 2)):
        info.type = "categorical"
        info.values = [v for v, _ in counts.most_common()]
        info.counts = counts
        info.notes.append(f"categorical, {len(counts)} values seen: {value_counts(real)}")
        once = [v for v, n in counts.items() if n == 1]
        if once:
            info.questions.append(
                f"{', '.join(map(repr, once[:5]))} {'is' if len(once) == 1 else 'are'} seen "
                "once: a real value or a typo? Kept as allowed values; remove a typo here and "
                "fix its rows."
            )
    else:
        info.notes.append(
            f"text: {len(counts)} distinct values in {len(real)} rows"
            + ("" if len(counts) >= 2 else f" ({', '.join(map(repr, counts))} only)")
        )
        if len(counts) < 2:
            info.questions.append(
                "a single value seen: a categorical field needs at least two; kept as text"
            )
    if na:
        info.notes.append(f"{len(na)} not-applicable values ({', '.join(sorted(set(na)))})")
    return info


def num(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# ------------------------------------------------------------------ inference


def infer(
    name: str,
    path: Path,
    data_ref: str,
    labels: list[str] | None = None,
    kind: str | None = None,
    fmt: str | None = None,
) -> str:
    """The spec's text for the data at ``path`` (``data_ref``: the source as the spec names
    it). Raises InferError."""
    fmt, rows = read(path, fmt)
    where = path.name
    n = len(rows)
    raw = columns(rows, keep=set())  # flattened fully: for choosing labels
    top = columns(rows, keep={p for p in _objects(rows)})  # objects kept whole
    chosen_by = "given with --label"
    if not labels:
        found = [c for c in LABEL_NAMES if c in top]
        if not found:
            raise InferError(
                f"{where}: which column holds the labels? Give --label COLUMN (several for "
                f"several label fields; dotted for a nested one). Columns: "
                + ", ".join(map(repr, list(raw)[:40]))
            )
        labels = found[:1]
        chosen_by = "chosen by its name; --label COLUMN chooses another"
    for label in labels:
        if (
            label not in top
            and label not in raw
            and not any(p.startswith(label + ".") for p in raw)
        ):
            raise InferError(
                f"{where}: no column {label!r} in the first {n} rows (columns: "
                + ", ".join(map(repr, list(raw)[:40]))
                + ")"
            )
    values_at = {label: [_at(row, label) for _, row in rows] for label in labels}
    present = {label: [v for v in vals if v is not None] for label, vals in values_at.items()}
    doc = Spec()
    doc.add("# yaml-language-server: $schema=https://distillgen.dev/schema/spec-v1.json")
    doc.comment(
        f"Written by `distillgen new {name} --from {path.name}` from the first {n} rows of "
        f"{path.name} ({fmt}). Every inference is explained in a comment; QUESTION comments "
        "mark what the data leaves open (a safe default is used). Check them, then run "
        f"`distillgen build` and `distillgen smoke` on this file."
    )
    chosen = None if kind is None else _inferable(kind, where)
    answers = next(k for k in _kinds() if getattr(k.infer, "ANSWERS", False))
    answer = None
    if len(labels) == 1:
        only = present[labels[0]]
        if only and all(isinstance(v, dict) for v in only):
            as_answer = chosen is answers or (
                chosen is None and labels[0].rpartition(".")[2] in ANSWER_NAMES
            )
            answer = "object" if as_answer else None
        elif only and all(isinstance(v, str) for v in only) and all(json_object(v) for v in only):
            answer = "json text"
    if chosen is answers and answer is None:
        raise InferError(
            f"{where}: --kind {kind} needs a label column of JSON objects (the reference "
            f"answers); {labels[0]!r} holds "
            + ", ".join(sorted({_kind_of(v) for v in present[labels[0]]}))
        )
    if answer is not None and chosen in (None, answers):
        return answers.infer.write(
            doc, name, data_ref, fmt, rows, labels[0], answer, chosen_by, top, n
        )
    # Label fields: an object's keys (labels_key), or the label columns themselves.
    labels_key = None
    if (
        len(labels) == 1
        and present[labels[0]]
        and all(isinstance(v, dict) for v in present[labels[0]])
    ):
        labels_key = labels[0]
        under = columns(
            [
                (k, v)
                for (k, _), v in zip(rows, values_at[labels_key], strict=True)
                if isinstance(v, dict)
            ],
            keep=set(),
        )
        label_columns = {p: c for p, c in under.items()}
    else:
        label_columns = {}
        for label in labels:
            column = raw.get(label)
            if column is None:
                raise InferError(
                    f"{where}: {label!r} is an object of several values; give it alone"
                )
            label_columns[label] = column
    taken: set[str] = set()
    fields = [
        label_field(
            column,
            identifier(p.rpartition(".")[2] if labels_key is None else p, taken),
            p,
            n,
            where,
        )
        for p, column in label_columns.items()
    ]
    numeric = all(f.type in ("integer", "number") for f in fields)
    if numeric:  # one scale for them all: the smallest that holds every value seen
        shared = usual_scale([float(v) for c in label_columns.values() for v in c.values])
        for f in fields:
            if shared is not None:
                f.minimum, f.maximum = shared
            f.notes.append(
                f"on the scale {num(f.minimum)}-{num(f.maximum)}"
                + (" (the smallest usual scale that holds every label seen)" if shared else "")
            )
    scales = {(f.minimum, f.maximum) for f in fields}
    if chosen is None:  # the first kind, in the kinds' ORDER, that claims these labels
        for candidate in _kinds():
            why = None if candidate is answers else candidate.infer.claims(fields, numeric, scales)
            if why:
                chosen, kind = candidate, candidate.name
                break
    else:
        why = "given with --kind"
    problem = chosen.infer.refuses(fields, numeric, scales)
    if problem:
        raise InferError(f"{where}: --kind {kind} {problem}")
    label_paths = set(labels) if labels_key is None else {labels_key}
    exclude = lambda p: any(p == lp or p.startswith(lp + ".") for lp in label_paths)  # noqa: E731
    inputs, id_field, id_notes = inputs_of(raw, exclude, n, where)
    doc.add("version: 1", f"name: {name}", f"kind: {kind}")
    doc.comment(f"kind {kind}: {why}.")
    doc.add(
        "description: "
        + q(f"Labels inferred from {path.name} by distillgen new; describe the task here."),
        "",
    )
    doc.add("data:")
    doc.add(f"  source: {q(data_ref)}")
    doc.comment(f"{fmt}: {n} rows read to infer this spec.", 2)
    for note in id_notes:
        doc.comment(note, 2)
    doc.add(f"  id_field: {id_field if id_field else 'null'}")
    if labels_key is not None:
        doc.comment(f"labels are the keys of the {labels_key!r} object ({chosen_by}).", 2)
        doc.add(f"  labels_key: {q(labels_key)}")
    write_inputs(doc, inputs)
    doc.add("")
    doc.add("labels:")
    max_answer = chosen.infer.labels(doc, fields, chosen_by)
    prompt_section(doc, template_lines(chosen.infer.FRAME, inputs))
    split_section(doc, chosen.infer.stratify(fields))
    model_training(doc, inputs, max_answer, n)
    doc.add("acceptance:", "  thresholds:")
    chosen.infer.acceptance(doc, fields, n)
    return doc.text()


def _kinds() -> list:
    """The registered kinds that infer a spec from data (their plugin's infer.py), in
    the order they are asked to claim it."""
    from . import plugins

    return sorted((k for k in plugins.KINDS.values() if k.infer), key=lambda k: k.infer.ORDER)


def _inferable(kind: str, where: str):
    """The kind named by --kind, if it infers a spec from data."""
    from . import plugins

    plugin = plugins.kind(kind)
    if plugin.infer is None:
        names = ", ".join(k.name for k in _kinds())
        raise InferError(
            f"{where}: a {kind} spec is not inferred from a data file (--from infers {names}): "
            f"start from `distillgen new NAME --kind {kind}` and point its data at yours"
        )
    return plugin


def json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _objects(rows: list) -> set[str]:
    """Dotted paths of the objects the rows hold (at any depth)."""
    found: set[str] = set()

    def walk(node: dict, prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                found.add(prefix + key)
                walk(value, prefix + key + ".")

    for _, row in rows[:200]:
        walk(row, "")
    return found


def _at(row: dict, path: str):
    from .runtime.pipeline.paths import PathError, value_at

    try:
        return value_at(row, path)
    except PathError:
        return None


@dataclass
class InputInfo:
    name: str
    path: str
    type: str
    required: bool
    longest: int | None
    notes: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


def inputs_of(raw: dict[str, Column], exclude, n: int, where: str):
    """(inputs, id field or None, notes on the id) from the columns that are not labels."""
    id_field, notes = None, []
    candidates = [
        column
        for path, column in raw.items()
        if not exclude(path)
        and ID_NAMES.match(path)
        and IDENTIFIER_RE.match(path)
        and column.missing == 0
        and column.kinds() <= {"string", "integer"}
        and len({str(v) for v in column.values}) == len(column.values)
    ]
    if candidates:
        id_field = candidates[0].path
        notes.append(f"id_field {id_field}: named as an id, and unique in every row read.")
    else:
        notes.append(
            "id_field null: no column named as an id (id, *_id, uuid, key) is unique in every "
            "row; rows are numbered by their line."
        )
    taken: set[str] = set()
    inputs = []
    for path, column in raw.items():
        if exclude(path) or path == id_field:
            continue
        kinds = column.kinds()
        if "list" in kinds:
            raise InferError(
                f"{where}: column {path!r} holds lists: a list cannot be an input; join it "
                "into text, or drop the column, and write the file again"
            )
        if not column.values:
            notes.append(f"column {path!r} is empty in every row read: left out.")
            continue
        name = identifier(path.rpartition(".")[2], taken)
        lengths = [len(v) for v in column.values if isinstance(v, str)]
        if kinds == {"boolean"}:
            ftype = "boolean"
        elif kinds == {"integer"}:
            ftype = "integer"
        elif kinds <= {"integer", "number"}:
            ftype = "number"
        else:
            long = max(lengths, default=0) > 100 or any(
                "\n" in v for v in column.values if isinstance(v, str)
            )
            ftype = "text" if long else "string"
        info = InputInfo(name, path, ftype, column.missing == 0, max(lengths) if lengths else None)
        if kinds - {"string"} and ftype in ("string", "text"):
            info.questions.append(f"mixed value types ({', '.join(sorted(kinds))}): read as text")
        distinct = {str(v) for v in column.values}
        if (
            ftype == "string"
            and column.missing == 0
            and len(distinct) == len(column.values) > 1
            and all(" " not in v for v in distinct)
        ):
            info.questions.append(
                f"unique in every row and without spaces: the row id? If so, set "
                f"data.id_field: {path if IDENTIFIER_RE.match(path) else '...'} and remove "
                "this input "
                "(kept as an input: nothing is lost)."
            )
        elif (
            ftype == "string"
            and 2 <= len(distinct) <= 10
            and len(column.values) >= 4 * len(distinct)
        ):
            info.questions.append(
                f"{len(distinct)} distinct values ({', '.join(sorted(distinct)[:10])}): an input "
                "the model should see, or a stratum to split by (split.stratify_by) / a label? "
                "Kept as an input."
            )
        if not info.required:
            info.notes.append(f"missing in {column.missing} of {n} rows: not required")
        inputs.append(info)
    if not inputs:
        raise InferError(
            f"{where}: no column is left for the model to read: every column is a label or the id"
        )
    return inputs, id_field, notes


def write_inputs(doc: Spec, inputs: list[InputInfo]) -> None:
    doc.add("  inputs:")
    for item in inputs:
        facts = [item.type]
        if item.longest is not None:
            facts.append(f"longest {item.longest} characters")
        doc.comment(", ".join(facts + item.notes) + ".", 4)
        for question in item.questions:
            doc.question(question, 4)
        keys = [f"type: {item.type}"]
        if not item.required:
            keys.append("required: false")
        if item.type == "text" and item.longest:
            keys.append(f"max_chars: {round_up(item.longest * 4)}")
        if item.path != item.name:
            keys.append(f"path: {q(item.path)}")
        doc.add(f"    {item.name}: {{{', '.join(keys)}}}")
    if any(i.type == "text" and i.longest for i in inputs):
        doc.comment("max_chars: four times the longest value seen (a longer row is rejected).", 4)


def round_up(value: float) -> int:
    step = 10 ** max(0, int(math.log10(max(value, 1))) - 1)
    return int(math.ceil(value / step) * step)


def template_lines(frame: tuple[str, str], inputs: list[InputInfo]) -> list[str]:
    """The prompt: the kind's opening and closing (``frame``) around every input."""
    lines = []
    for item in inputs:
        title = item.name.replace("_", " ").capitalize()
        value = "{{ " + item.name + " }}"
        line = f"{title}:\n{value}" if item.type == "text" else f"{title}: {value}"
        if not item.required:
            line = "{% if " + item.name + " is not none %}" + line + "{% endif %}"
        lines.append(line)
    head, tail = frame
    return f"{head}\n\n{chr(10).join(lines)}\n\n{tail}".splitlines()


def prompt_section(doc: Spec, template: list[str]) -> None:
    doc.add("prompt:")
    doc.comment(
        "a neutral prompt that names every input and takes the label list and answer "
        "form from the schema; write your task's instructions here.",
        2,
    )
    doc.add("  system: " + q("You label data items exactly as instructed."))
    doc.add("  template: |")
    doc.add(*("    " + line if line else "" for line in template))
    doc.add("")


def first_categorical(fields: list[LabelInfo]) -> str | None:
    """The first categorical label field's name (what a split is stratified by)."""
    categorical = [f for f in fields if f.type == "categorical"]
    return categorical[0].name if categorical else None


def split_section(doc: Spec, stratify: str | None) -> None:
    doc.add("split:")
    doc.comment(
        "80/10/10, seeded"
        + (
            f", stratified by {stratify} so each split has its share of every value."
            if stratify
            else "; no categorical label to stratify by."
        ),
        2,
    )
    doc.add("  train: 0.8", "  valid: 0.1", "  test: 0.1", "  seed: 42")
    if stratify:
        doc.add(f"  stratify_by: {stratify}")
    doc.add("")


def model_training(doc: Spec, inputs: list[InputInfo], max_answer: int, n: int) -> None:
    longest = sum((i.longest or 12) + len(i.name) + 4 for i in inputs) + max_answer + 300
    tokens = max(512, 1 << math.ceil(math.log2(longest / 3 + 64)))
    doc.add("model:")
    doc.comment("a small instruct model to start with: choose yours.", 2)
    doc.add("  base: Qwen/Qwen2.5-0.5B-Instruct")
    doc.comment(
        f"the longest row seen is about {longest} characters with its prompt and answer "
        f"(about {longest // 3} tokens at 3 characters a token): {tokens} with room; the data "
        "step measures every example with the real tokenizer and names any that does not fit.",
        2,
    )
    doc.add(f"  max_seq_length: {tokens}", "")
    held = max(1, int(n * 0.1))
    batch = 4 if held >= 4 else max(1, held)
    doc.add("training:")
    doc.comment(
        "mlx-lm (Apple silicon or CPU); peft for CUDA. "
        + (f"batch_size {batch}: the valid split holds about {held} rows." if batch < 4 else ""),
        2,
    )
    doc.add(
        "  backend: mlx",
        "  lora: {rank: 8, alpha: 16, dropout: 0.05}",
        "  epochs: 2",
        f"  batch_size: {batch}",
        "  learning_rate: 1.0e-4",
        "",
    )
    doc.add("eval:", f"  max_new_tokens: {round_up(max(16, max_answer // 2 + 16))}", "")
