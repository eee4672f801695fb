"""The distillation kind: instructions answered with a JSON object, distilled from
reference answers (seed 004)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from distillgen import spec as S
from distillgen.plugins import Kind, Task, register_kind
from distillgen.spec import (
    Identifier,
    SpecBase,
    Strict,
)

from . import infer

ROOT = Path(__file__).resolve().parent


class MatchRule(Strict):
    rule: Literal["exact", "per_key"] = Field(
        "exact",
        description=(
            "exact: the whole answer equals the reference; per_key: each key in `keys` "
            "equals the reference's."
        ),
    )
    keys: list[Identifier] | None = Field(
        None, description="per_key: the keys compared (default: every property of the schema)."
    )
    ignore_case: bool = Field(False, description="Compare strings ignoring case and outer spaces.")
    tolerance: float = Field(0.0, ge=0, description="Numbers within this distance are equal.")


class DistillationLabels(Strict):
    output_field: Identifier = Field(
        "output", description="Column holding the reference answer (a JSON object or its text)."
    )
    answer_schema: dict[str, Any] = Field(
        description=(
            "JSON Schema (draft 2020-12) of the answer: an object with properties. References "
            "answers that do not match it are rejected by the data step."
        )
    )
    match: MatchRule = MatchRule()
    allow_code_fence: bool = Field(
        False,
        description=(
            "Accept an answer wrapped in one ```json fence; by default the answer must be the "
            "JSON object alone."
        ),
    )


class DistillationSpec(SpecBase):
    """Instructions answered with a JSON object, distilled from reference answers (seed 004)."""

    kind: Literal["distillation"]
    labels: DistillationLabels


DISTILLATION_METRICS: dict[str, tuple[bool, str]] = {
    "pass_rate": (
        True,
        "share of answers that parse as JSON, match the schema and match the reference",
    ),
    "pass_rate_when_valid": (True, "pass rate among answers that are valid JSON of the schema"),
    "json_rate": (True, "share of answers that parse as JSON"),
    "schema_rate": (True, "share of answers that parse and match the answer schema"),
    "wrong_rate": (False, "share of answers that are valid but do not match the reference"),
    "format_failure_rate": (
        False,
        "share of answers truncated, unparseable or not matching the schema",
    ),
    "truncated_rate": (False, "share of answers cut off (max_new_tokens, or unclosed JSON)"),
    "unparseable_rate": (False, "share of complete answers that are not JSON"),
    "schema_invalid_rate": (False, "share of JSON answers that do not match the schema"),
    "key_accuracy": (True, "share of answers whose key matches: key_accuracy.<key>"),
    "mean_key_accuracy": (True, "mean of key_accuracy over the compared keys"),
    "gain_over_base": (
        True,
        "gain over the base model alone (make eval-base): pass_rate, tuned minus base",
    ),
}


def check(c) -> None:
    """The answer schema (a valid JSON Schema of an object, local refs, safe property
    names), the compared keys, and the reference answer in a column of its own."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    from distillgen.checks import schema_refs

    spec = c.spec
    labels = spec.labels
    if spec.data.labels_key is not None:
        c.add(("data", "labels_key"), "distillation reads the answer from labels.output_field")
    path = ("labels", "answer_schema")
    schema = labels.answer_schema
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        c.add(path + tuple(exc.absolute_path), f"not a valid JSON Schema: {exc.message}")
        return
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        c.add(path, "the answer must be an object: give type: object and its properties")
        return
    if not schema["properties"]:
        c.add(path + ("properties",), "the answer schema has no properties")
    for where, ref in schema_refs(schema):
        if not ref.startswith("#"):
            c.add(path + where, f"$ref {ref!r} points outside the spec; only local refs (#/...)")
    for name in schema["properties"]:
        if not S.IDENTIFIER_RE.match(name):
            c.add(
                path + ("properties", name),
                f"property {name!r} is not a safe name: lowercase letters, digits and _, "
                "starting with a letter (it is a field in templates and metric names)",
                key=True,
            )
    for i, key in enumerate(labels.match.keys or []):
        if key not in schema["properties"]:
            close = difflib.get_close_matches(key, list(schema["properties"]), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            c.add(("labels", "match", "keys", i), f"{key!r} is not a property of the answer{hint}")
    if labels.match.keys is not None and labels.match.rule == "exact":
        c.add(("labels", "match", "keys"), "keys apply to rule per_key; exact compares all")
    if labels.output_field in spec.data.inputs:
        c.add(
            ("labels", "output_field"),
            f"{labels.output_field!r} is an input; the reference answer must be its own column",
        )


def check_threshold(c, base: tuple, name: str, arg: str) -> None:
    """key_accuracy.<key> names a property of the answer."""
    if arg and arg not in c.fields:
        c.add(base + ("metric",), c.unknown_field(arg))


@dataclass(frozen=True, kw_only=True)
class DistillationTask(Task):
    output_field: str  # the reference answer's column
    answer_schema: dict
    match_rule: str  # "exact" or "per_key"
    match_keys: list[str]
    ignore_case: bool
    tolerance: float | None
    allow_code_fence: bool


def task(spec, overrides) -> DistillationTask:
    labels = spec.labels
    properties = list(labels.answer_schema["properties"])
    return DistillationTask(
        output_field=labels.output_field,
        answer_schema=labels.answer_schema,
        match_rule=labels.match.rule,
        match_keys=list(labels.match.keys or properties),
        ignore_case=labels.match.ignore_case,
        tolerance=labels.match.tolerance,
        allow_code_fence=labels.allow_code_fence,
    )


KIND = register_kind(
    Kind(
        infer=infer,
        readme="project/kinds/distillation/readme.md.j2",
        name="distillation",
        figures=(
            "the share of each outcome (pass, wrong, schema-invalid, truncated, unparseable, "
            "missing) with the pass-rate thresholds (`outcomes.png`), and the accuracy of "
            "each compared key (`bars.png`)"
        ),
        spec=DistillationSpec,
        metrics=DISTILLATION_METRICS,
        metric_args={"key_accuracy": "key"},
        arg_word="key",
        completion_format="json",
        label_fields=lambda spec: S.answer_fields(spec.labels.answer_schema),
        task=task,
        check=check,
        check_threshold=check_threshold,
        requirements=("jsonschema>=4.20  # answers are checked against the spec's answer schema",),
        named_labels=False,  # the answer is read from its own column, not the row's top level
        root=ROOT,
        uses=frozenset({"pipeline/bar_plots.py"}),
        # its own labels.py writes the reference answer as it came (not from fields)
        # its own grammar.py (the answer's JSON Schema) has no use for the shared parts
        not_shared=frozenset(
            {
                "pipeline/json_answer.py",
                "pipeline/json_grammar.py",
                "pipeline/exact_answers.py",
                "pipeline/number_grammar.py",
                "pipeline/string_grammar.py",
                "pipeline/number_values.py",
                "pipeline/boolean_values.py",
                "pipeline/string_values.py",
                "pipeline/class_metrics.py",
                # its rows' answers are checked against the answer schema (its own
                # test_roundtrip.py, with answers drawn from that schema by its own
                # tests/answers.py), its metrics by distillgen's tests
                "tests/test_rows.py",
                "tests/test_metrics.py",
                "tests/test_grammar.py",
                "tests/test_json_answers.py",
                "tests/test_key_value_answers.py",
            }
        ),
        schema_block="project/kinds/distillation/schema.py.j2",
        select_metric="pass_rate",
    )
)
