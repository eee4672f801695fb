"""Semantic checks beyond types, each reported at its own location."""

from __future__ import annotations

import difflib
import itertools
import math
import re
import unicodedata
from pathlib import Path, PurePosixPath

from jinja2 import TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError

from . import plugins
from . import spec as S
from .errors import Problem
from .prompting import make_env, schema_context, undeclared_names
from .redos import exponential_problem
from .sources import SourceError, format_of, is_saved_dataset, sample

_SAMPLE_INPUT = {
    "string": "sample",
    "text": "sample text\nover two lines",
    "integer": 1900,
    "number": 1.5,
    "boolean": True,
}


def normalize_value(value: str) -> str:
    """How the parser compares categorical answers: case, spaces, - and _ ignored, NFKC."""
    return re.sub(r"[\s_\-]+", " ", unicodedata.normalize("NFKC", value.strip().casefold()))


def unknown_metric(name: str, kind: str) -> str:
    """The message for a metric the kind does not compute: the metric most likely meant
    (one that needs no argument and has every word of the name, a mean first: 'accuracy'
    -> mean_field_accuracy), else the closest spelling, and the kind's metrics."""
    plugin = plugins.kind(kind)
    known = plugin.metrics

    def shown(metric: str) -> str:
        what = plugin.metric_args.get(metric)
        return f"{metric}.<{what}>" if what else metric

    words = set(name.casefold().split("_"))
    whole = [m for m in known if shown(m) == m and words <= set(m.split("_"))]
    whole.sort(key=lambda m: (not m.startswith("mean_"), len(m), m))
    best = whole[:1] or difflib.get_close_matches(name, list(known), n=1)
    hint = ""
    if best:
        hint = f"; did you mean {shown(best[0])!r} ({known[best[0]][1]})?"
    return f"unknown metric {name!r}{hint} ({kind} metrics: " + ", ".join(map(shown, known)) + ")"


def duplicate_values(values: list) -> list[tuple[int, str]]:
    """(index, message) for each categorical value that reads as an earlier one (as the
    parser reads answers). Items that are not text are skipped."""
    out, seen = [], {}
    for i, v in enumerate(values):
        if not isinstance(v, str):
            continue
        norm = normalize_value(v)
        if not norm:
            continue
        if norm in seen:
            first = values[seen[norm]]
            same = (
                f"[{seen[norm]}] is the same"
                if first == v
                else f"same as {first!r} ignoring case, spaces, - and _"
            )
            out.append((i, f"duplicate value {v!r} ({same})"))
        else:
            seen[norm] = i
    return out


def key_form(name: str) -> str:
    """How the parser matches a field name in an answer: case, spaces, - and _ ignored."""
    return re.sub(r"[\s_\-]+", " ", name.casefold()).strip()


class _Checker:
    def __init__(self, loaded) -> None:
        self.loaded = loaded
        self.spec = loaded.spec
        self.kind = plugins.kind(loaded.spec.kind)
        self.fields = S.label_fields(loaded.spec)  # the label schema, whatever the kind
        self.problems: list[Problem] = []

    def add(self, path: tuple, message: str, *, key: bool = False, line_col=None) -> None:
        from .yamlpos import dotted

        if line_col is None:
            line_col = self.loaded.located.position(path, key=key)
        self.problems.append(Problem(self.loaded.display, *line_col, dotted(path), message))

    # ------------------------------------------------------------------ run

    def run(self) -> list[Problem]:
        self.kind.check(self)  # what only this kind has
        if not self.kind.labelled:
            self.check_split()
            self.check_training()
            self.check_acceptance()
            self.check_unconstrainable()
            return self.problems
        self.check_names()
        self.check_data_source()
        self.check_split()
        self.check_training()
        self.check_format()
        self.check_template()
        self.check_acceptance()
        self.check_teacher()
        return self.problems

    # ---------------------------------------------------------------- names

    def check_names(self) -> None:
        spec = self.spec
        inputs = spec.data.inputs
        # Labels that are columns of the row (a distilled answer is read from its own).
        labels = self.fields if self.kind.named_labels else {}
        label_path = self.kind.label_path
        keyed = self.kind.labels_are_keys
        for name in inputs:
            if name in S.RESERVED_TEMPLATE_NAMES:
                self.add(
                    ("data", "inputs", name),
                    f"input name {name!r} is reserved for the label schema in templates",
                    key=True,
                )
            if name in labels:
                self.add(
                    label_path(name),
                    f"{name!r} is both an input field and a label field",
                    key=keyed,
                )
        read_as: dict[str, str] = {}
        for i, name in enumerate(labels):
            first = read_as.setdefault(key_form(name), name)
            if first != name:
                self.add(
                    label_path(name, i),
                    f"label fields {first!r} and {name!r} are one name to the parser (it ignores "
                    "case, spaces, - and _ in an answer's field names); rename one of them",
                    key=keyed,
                )
        if spec.data.id_field in inputs:
            self.add(
                ("data", "inputs", spec.data.id_field),
                f"the id field {spec.data.id_field!r} cannot also be an input field",
                key=True,
            )
        if spec.data.id_field in labels:
            self.add(
                label_path(spec.data.id_field),
                f"the id field {spec.data.id_field!r} cannot also be a label field",
                key=keyed,
            )
        if spec.data.labels_key is not None and spec.data.labels_key in inputs:
            self.add(
                ("data", "labels_key"),
                f"labels_key {spec.data.labels_key!r} is also an input field",
            )

    # --------------------------------------------------------------- labels

    def check_values(self, path: tuple, values: list[str], na: str | None) -> None:
        """Categorical values: at least 2, unique ignoring case/spaces/-/_, not the NA token."""
        if len(values) < 2:
            self.add(path, "a categorical field needs at least 2 values")
        for i, message in duplicate_values(values):
            self.add(path + (i,), message)
        for i, v in enumerate(values):
            norm = normalize_value(v)
            if v != v.strip():
                self.add(path + (i,), f"value {v!r} has surrounding spaces")
            if not norm:
                self.add(path + (i,), "empty categorical value")
            if na is not None and norm == normalize_value(na):
                self.add(
                    path + (i,),
                    f"value {v!r} is the not-applicable token; remove it and use allow_na",
                )

    # ----------------------------------------------------------------- data

    def check_data_source(self) -> None:
        data = self.spec.data
        given = [data.source is not None, data.sources is not None, data.hub is not None]
        if sum(given) != 1:
            self.add(("data",), "give exactly one of data.source, data.sources and data.hub")
            return
        if data.hub is not None:
            if data.format not in (None, "hf"):
                self.add(("data", "format"), "a hub dataset (data.hub) is read as format hf")
            return
        if data.source is not None:
            if self.check_source_path(data.source, ("data", "source"), fmt=data.format):
                self.check_paths(("data", "source"), data.source, data.format)
            return
        if data.format is not None:
            self.add(("data", "format"), "give each entry of data.sources its own format")
        names: set = set()
        for i, entry in enumerate(data.sources):
            base = ("data", "sources", i)
            if entry.name in names:
                self.add(base + ("name",), f"source name {entry.name!r} is used twice")
            names.add(entry.name)
            if self.check_source_path(entry.path, base + ("path",), fmt=entry.format):
                self.check_paths(base + ("path",), entry.path, entry.format, entry.rename)
            targets = list(entry.rename.values())
            for column, target in entry.rename.items():
                if targets.count(target) > 1:
                    self.add(base + ("rename", column), f"two columns are renamed to {target!r}")

    def check_source_path(
        self, src: str, path: tuple, *, directory: bool = False, fmt: str | None = None
    ) -> bool:
        """Whether the source is a readable path next to the spec (problems added if not)."""
        posix = PurePosixPath(src.replace("\\", "/"))
        if posix.is_absolute() or re.match(r"^[A-Za-z]:", src):
            self.add(path, "the data source must be a path relative to the spec file")
            return False
        if ".." in posix.parts:
            self.add(path, "the data source may not leave the spec's directory ('..')")
            return False
        if "\x00" in src or any(ord(c) < 32 for c in src):
            self.add(path, "the data source path contains control characters")
            return False
        spec_dir = self.loaded.path.parent.resolve()
        target = (spec_dir / Path(*posix.parts)).resolve()
        fmt = fmt or getattr(self.spec.data, "format", None)
        if not directory and format_of(target, fmt) is None:
            if target.is_dir():
                self.add(
                    path,
                    f"{src!r} is a directory but not a dataset written by save_to_disk "
                    "(no dataset_dict.json or state.json in it)",
                )
            else:
                self.add(
                    path,
                    f"cannot tell the format from {posix.suffix or 'no extension'!r}; "
                    "set data.format (jsonl, csv, parquet or hf)",
                )
            return False
        if not target.is_relative_to(spec_dir):
            self.add(path, "the data source resolves outside the spec's directory (symlink?)")
        elif directory and not target.is_dir():
            self.add(path, f"chunk directory {src!r} not found next to the spec")
        elif not directory and format_of(target, fmt) == "hf" and not is_saved_dataset(target):
            self.add(path, f"{src!r} is not a directory written by save_to_disk next to the spec")
        elif not directory and format_of(target, fmt) != "hf" and not target.is_file():
            self.add(path, f"data source {src!r} not found next to the spec")
        else:
            return True
        return False

    # How many rows of the source the dotted paths are checked on at compile time.
    PATH_SAMPLE = 200

    def check_paths(self, at: tuple, src: str, fmt: str | None, rename=None) -> None:
        """The dotted paths (an input's or a label's path, a dotted labels_key) checked
        against the first rows of the source: a value on the way that is not an object,
        or a path no sampled row has, is reported at the path's declaration with the
        source's row and what was found there."""
        data = self.spec.data
        declared = [
            (("data", "inputs", name, "path"), field.path, None, field.required)
            for name, field in data.inputs.items()
            if field.path is not None
        ]
        if self.spec.teacher is None:  # a source the teacher labels has no labels yet
            if data.labels_key is not None and "." in data.labels_key:
                declared.append((("data", "labels_key"), data.labels_key, None, True))
            for i, (name, field) in enumerate(self.fields.items()):
                if getattr(field, "path", None) is not None:
                    declared.append(
                        (
                            self.kind.label_path(name, i) + ("path",),
                            field.path,
                            data.labels_key,
                            True,  # (a label absent from a row rejects it, N/A or not)
                        )
                    )
        if not declared:
            return
        posix = PurePosixPath(src.replace("\\", "/"))
        target = self.loaded.path.parent / Path(*posix.parts)
        try:
            rows = sample(target, format_of(target, fmt), self.PATH_SAMPLE, hf_split=data.hf_split)
        except SourceError as exc:
            self.add(at, str(exc))
            return
        if rename:
            rows = [(n, {rename.get(k, k): v for k, v in row.items()}) for n, row in rows]
        for where, dotted, under, required in declared:
            problem = path_problem(rows, dotted, under, required, data.max_reject_share)
            if problem:
                self.add(where, problem)

    # ---------------------------------------------------------------- split

    def check_split(self) -> None:
        sp = self.spec.split
        total = sp.train + sp.valid + sp.test
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            self.add(("split",), f"train + valid + test must sum to 1, not {total:g}")
        if sp.train <= 0:
            self.add(("split", "train"), "the train share must be positive")
        eval_on = sp.eval_on or ("test" if sp.test > 0 else "valid")
        if getattr(sp, eval_on) <= 0:
            self.add(
                ("split", "eval_on") if sp.eval_on else ("split",),
                f"eval runs on the {eval_on} split, whose share is 0",
            )
        if sp.stratify_by == "tier" and self.kind.tiered(self.spec):
            pass
        elif sp.stratify_by is not None:
            name = sp.stratify_by
            labels = self.fields
            inputs = self.spec.data.inputs
            if name in labels:
                if labels[name].type not in ("categorical", "boolean"):
                    self.add(
                        ("split", "stratify_by"),
                        f"cannot stratify by {name!r}: it is a {labels[name].type} field, "
                        "not categorical",
                    )
            elif name in inputs:
                if inputs[name].type not in ("string", "boolean", "integer"):
                    self.add(
                        ("split", "stratify_by"),
                        f"cannot stratify by input {name!r} of type {inputs[name].type}",
                    )
            else:
                self.add(("split", "stratify_by"), self.unknown_field(name))

    def unknown_field(self, name: str) -> str:
        known = list(self.fields) + list(self.spec.data.inputs)
        msg = f"{name!r} is not a declared field"
        close = difflib.get_close_matches(name, known, n=1)
        return msg + (f"; did you mean {close[0]!r}?" if close else "")

    # ------------------------------------------------------------- training

    def check_format(self) -> None:
        if S.completion_format(self.spec) == "label" and len(self.fields) != 1:
            self.add(
                ("prompt", "completion_format"),
                "completion_format: label writes one value; this spec has several fields",
            )

    def check_training(self) -> None:
        t = self.spec.training
        if (t.steps is None) == (t.epochs is None):
            self.add(("training",), "give exactly one of training.steps and training.epochs")
        if t.steps is not None and t.warmup_steps >= t.steps:
            self.add(("training", "warmup_steps"), "warmup_steps must be smaller than steps")
        if isinstance(t.lora.layers, int) and t.lora.layers < 1:
            self.add(("training", "lora", "layers"), "layers must be a positive number or 'all'")
        backend = plugins.backend(t.backend)
        route = self.kind.route(self.spec)
        problem = backend.refuses(self.spec.kind, route, t.quantize)
        if problem:
            self.add(refusal_path(backend, self.spec.kind, route, t.quantize), problem)
        if not backend.early_stopping and t.early_stopping_patience is not None:
            others = [b.name for b in plugins.BACKENDS.values() if b.early_stopping]
            self.add(
                ("training", "early_stopping_patience"),
                f"{backend.title} has no early stopping; use backend {' or '.join(others)}, "
                "or remove the setting",
            )
        if not self.spec.model.chat_template and self.kind.labelled:
            self.add(
                ("model", "chat_template"),
                "the prompt is masked out of the loss through the chat template; "
                "set chat_template: true (prompt masking is never switched off silently)",
            )

    # ------------------------------------------------------------- template

    def check_template(self) -> None:
        spec = self.spec
        env = make_env()
        fields = field_dicts(spec)
        na, fmt = S.na_token(spec), S.completion_format(spec)
        ctx_names = set(schema_context(fields, na, fmt))
        declared = set(spec.data.inputs) | ctx_names
        sections = [("prompt", spec.prompt)]
        if spec.teacher is not None:  # the teacher's own prompt is checked the same way
            sections.append(("teacher", spec.teacher))
        for (section, owner), key in itertools.product(sections, ("template", "system")):
            source = getattr(owner, key)
            if source is None:
                continue
            path = (section, key)
            try:
                tree = env.parse(source)  # parsed once: names, literal text and the trial render
            except TemplateSyntaxError as exc:
                self.add(
                    path,
                    f"template syntax error: {exc.message}",
                    line_col=self._template_pos(path, exc.lineno),
                )
                continue
            undeclared = sorted(undeclared_names(tree) - declared)
            for name in undeclared:
                close = difflib.get_close_matches(name, sorted(declared), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.add(
                    path,
                    f"template uses undeclared name {name!r}{hint}",
                    line_col=self._template_pos(path, _line_of(source, name), source, name),
                )
            self._check_hand_written(path, source, tree, fields)
            if undeclared:
                continue
            ctx = {n: _SAMPLE_INPUT[f.type] for n, f in spec.data.inputs.items()}
            ctx.update(schema_context(fields, na, fmt))
            try:
                out = env.render_bounded(env.from_string(tree), ctx)
            except SecurityError as exc:
                self.add(path, f"template refused by the sandbox: {exc}")
                continue
            except (UndefinedError, TemplateError, TypeError, ValueError, ArithmeticError) as exc:
                self.add(path, f"template fails on a sample row: {exc}")
                continue
            if key == "template" and not out.strip():
                self.add(path, "template renders an empty prompt")

    def _check_hand_written(self, path: tuple, source: str, tree, fields: list[dict]) -> None:
        """Counts and field lists must come from the schema, not be typed by hand."""
        literal = "".join(node.data for node in tree.find_all(nodes.TemplateData))
        names = {f["name"] for f in fields}
        listed = [
            n for n in names if re.search(rf"(?m)^\s*(?:[-*]\s*)?{re.escape(n)}\s*(?::|$)", literal)
        ]
        if len(listed) >= 2:
            self.add(
                path,
                f"the template lists label fields by hand ({', '.join(sorted(listed)[:3])}, ...); "
                "loop over `fields` or `groups` so the list always matches the schema",
                line_col=self._template_pos(
                    path, _line_of(source, sorted(listed)[0]), source, sorted(listed)[0]
                ),
            )
        m = re.search(
            r"\b(\d+)\s+(?:metadata\s+)?(?:dimensions|fields|labels|categories)\b", literal
        )
        if m:
            self.add(
                path,
                f"the template states a count by hand ({m.group(0)!r}); use {{{{ n_fields }}}} "
                f"(the schema has {len(fields)} fields)",
                line_col=self._template_pos(path, _line_of(source, m.group(0)), source, m.group(0)),
            )

    def _template_pos(
        self, path: tuple, template_line: int | None, source: str = "", needle: str = ""
    ) -> tuple[int, int]:
        """Where line ``template_line`` of a block-scalar template sits in the spec file."""
        start = self.loaded.located.block_start.get(path)
        if start is None or template_line is None:
            return self.loaded.located.position(path)
        line = start + template_line - 1
        indent = _indent_of(self.loaded.text, line)
        offset = 0
        if needle:
            text_line = source.splitlines()[template_line - 1]
            found = text_line.find(needle)
            offset = max(found, 0) - (len(text_line) - len(text_line.lstrip(" ")))
            offset = max(offset, 0)
        return (line, indent + offset + 1)

    # -------------------------------------------------------------- constrained

    def check_unconstrainable(self) -> None:
        """A kind without a label schema has nothing to hold its answers to."""
        for section in ("eval", "predict"):
            if getattr(getattr(self.spec, section, None), "constrained", False):
                self.add(
                    (section, "constrained"),
                    f"a {self.spec.kind} answer is free text, with no label schema to "
                    "constrain it to; remove constrained",
                )

    # -------------------------------------------------------------- teacher

    def check_teacher(self) -> None:
        teacher = self.spec.teacher
        if teacher is None:
            return
        fmt = S.completion_format(self.spec)
        if teacher.constrained and teacher.constrain_with == "response_format" and fmt != "json":
            self.add(
                ("teacher", "constrained"),
                f"response_format constrains JSON answers only, and these are {fmt}: set "
                "constrain_with: vllm where the teacher is a vLLM server, or remove constrained",
            )
        cal = teacher.calibration
        base = ("teacher", "calibration")
        data = self.spec.data
        if data.source is not None:
            fmt = format_of(self.loaded.path.parent / data.source, data.format)
            if fmt in ("parquet", "hf"):
                self.add(
                    ("teacher",),
                    f"the teacher labels JSONL or CSV sources, not {fmt}: convert the source "
                    "(for example with pandas: read_parquet(...).to_json(..., orient='records', "
                    "lines=True)) or leave the teacher out",
                )
        elif data.hub is not None:
            self.add(("teacher",), "the teacher labels JSONL or CSV sources, not a hub dataset")
        if cal.candidates is not None:
            self.check_source_path(cal.candidates, base + ("candidates",))
        elif self.spec.data.source is None:
            self.add(base, "give calibration.candidates: the data has several sources")
        if cal.validation_seed == cal.seed:
            self.add(
                base + ("validation_seed",), "the validation draw needs another seed than `seed`"
            )
        if not cal.gold and not cal.expectations:
            self.add(
                base,
                "calibration judges nothing: set gold: true (the candidates carry labels) "
                "or write expectations for the strata",
            )
        numeric = {n for n, f in self.fields.items() if f.type in ("integer", "number")}
        for i, rule in enumerate(cal.expectations):
            where = base + ("expectations", i)
            if rule.stratum not in cal.strata:
                close = difflib.get_close_matches(rule.stratum, list(cal.strata), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.add(where + ("stratum",), f"{rule.stratum!r} is not a stratum{hint}")
            names = list(rule.fields or self.fields)
            for j, name in enumerate(rule.fields or []):
                if name not in self.fields:
                    self.add(where + ("fields", j), f"{name!r} is not a label field")
            bounds = rule.at_most is not None or rule.at_least is not None
            if bounds == (rule.one_of is not None):
                self.add(where, "give at_most and/or at_least (numbers), or one_of (values)")
            elif bounds and any(n in self.fields and n not in numeric for n in names):
                wrong = [n for n in names if n in self.fields and n not in numeric]
                self.add(where, f"at_most/at_least need number fields; {wrong[0]!r} is not one")
            elif rule.one_of is not None and rule.of == "mean":
                self.add(where + ("of",), "one_of reads each field; the mean is for numbers")
            if rule.review is not None and rule.review > rule.pass_:
                self.add(where + ("review",), "the review share must not be above pass")

    # ----------------------------------------------------------- acceptance

    def check_acceptance(self) -> None:
        known = S.metrics_for(self.spec.kind)
        seen = set()
        thresholds = self.spec.acceptance.thresholds if self.spec.acceptance else []
        for i, th in enumerate(thresholds):
            base = ("acceptance", "thresholds", i)
            name, _, arg = th.metric.partition(".")
            if th.metric in seen:
                self.add(base + ("metric",), f"metric {th.metric!r} has two thresholds")
            seen.add(th.metric)
            if name not in known:
                self.add(base + ("metric",), unknown_metric(name, self.spec.kind))
                continue
            if name in self.kind.own_thresholds:
                continue  # the kind checks these itself
            what = self.kind.metric_args.get(name)
            if what and not arg:
                self.add(base + ("metric",), f"{name} needs a {what}: {name}.<{what}>")
            elif not what and arg:
                self.add(base + ("metric",), f"{name} takes no {self.kind.arg_word}")
            else:
                self.kind.check_threshold(self, base, name, arg)
            gain = name in ("macro_f1_gain", "gain_over_base")
            points = name in self.kind.point_metrics
            lowest = (float("-inf") if points else -1.0) if gain else 0.0
            highest = float("inf") if points else 1.0
            for bound in ("pass_", "review"):
                value = getattr(th, bound)
                if value is not None and not (lowest <= value <= highest):
                    self.add(
                        base + (bound.rstrip("_"),),
                        f"{th.metric} is a share; {value} is outside {lowest:g}..1"
                        if highest == 1.0
                        else f"{th.metric} is an error; {value} is below 0",
                    )
            higher = known[name][0]
            if th.review is not None:
                if higher and th.review > th.pass_:
                    self.add(
                        base + ("review",), "the review band must be at or below the pass threshold"
                    )
                if not higher and th.review < th.pass_:
                    self.add(
                        base + ("review",), "the review band must be at or above the pass threshold"
                    )


def _line_of(source: str, needle: str) -> int | None:
    for i, line in enumerate(source.splitlines(), start=1):
        if needle in line:
            return i
    return None


def _indent_of(text: str, line: int) -> int:
    lines = text.splitlines()
    if 1 <= line <= len(lines):
        s = lines[line - 1]
        return len(s) - len(s.lstrip(" "))
    return 0


def schema_refs(node, where: tuple = ()):
    """(path, value) of every $ref in a JSON Schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where + (key,), value
            else:
                yield from schema_refs(value, where + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from schema_refs(value, where + (i,))


def regex_problem(pattern: str) -> str | None:
    """Why a style regex is refused (None: it is fine): it does not compile, or it can
    backtrack for exponential time on some text (see redos.py)."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    return exponential_problem(pattern)


def refusal_path(backend, kind: str, route: str | None, quantize: str) -> tuple:
    """Where a backend's refusal is reported: at the route when the route is refused."""
    if kind in backend.kinds and route is not None and route not in backend.routes:
        return ("labels", "route")
    if kind not in backend.kinds:
        return ("training", "backend")
    return ("training", "quantize")


def path_problem(
    rows: list, dotted: str, under: str | None, required: bool, tolerated: float = 0.0
) -> str | None:
    """What is wrong with a dotted path on sampled (row name, row) pairs, or None: rows
    where a value on the way is not an object (more of them than the ``tolerated`` share
    of rejects: the first is named), or (``required``) that no row has a value there,
    with what the first row holds at the deepest key found."""
    from .runtime.pipeline.paths import MISSING, PathError, value_at

    found, broken = False, []
    for name, row in rows:
        try:
            node = value_at(row, under, MISSING) if under else row
            if node is MISSING:
                continue
            if not isinstance(node, dict):
                raise PathError(f"{under} is {type(node).__name__}, not an object of labels")
            if value_at(node, dotted, MISSING) is not MISSING:
                found = True
        except PathError as exc:
            broken.append(f"{name}: {exc}")
    if len(broken) > tolerated * len(rows):
        more = f" ({len(broken)} of the first {len(rows)} rows)" if len(broken) > 1 else ""
        return broken[0] + more
    if found or not required or not rows:
        return None
    full = f"{under}.{dotted}" if under else dotted
    name, row = rows[0]
    keys, node = [], row
    for key in full.split("."):
        if not isinstance(node, dict) or key not in node:
            break
        keys.append(key)
        node = node[key]
    have = sorted(node)[:12] if isinstance(node, dict) else []
    at = ".".join(keys) or "the row"
    return (
        f"{full!r} is not in any of the first {len(rows)} rows; {name}: {at} has keys "
        + ", ".join(map(repr, have))
    )


def field_dicts(spec) -> list[dict]:
    """Label fields as plain dicts (what templates and generated code see), in spec order."""
    return [
        {
            "name": name,
            "type": f.type,
            "group": f.group,
            "values": list(f.values) if f.values is not None else None,
            "description": f.description,
            "allow_na": f.allow_na and S.na_token(spec) is not None,
            "minimum": f.minimum,
            "maximum": f.maximum,
            "path": f.path,
        }
        for name, f in S.label_fields(spec).items()
    ]


def check_spec(loaded) -> list[Problem]:
    return _Checker(loaded).run()
