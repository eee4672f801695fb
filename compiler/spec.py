"""The spec language (v1): pydantic models, exported as JSON Schema.

Every model forbids unknown keys. Names that end up in generated code (fields,
the project name) are validated identifiers. Cross-field rules live in
``checks.py`` so that each problem is reported with its own location.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

IDENTIFIER_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

# Names the prompt template gets from the label schema; inputs may not shadow them.
RESERVED_TEMPLATE_NAMES = frozenset(
    {"fields", "groups", "n_fields", "na_token", "answer_format", "field_names", "loop", "self"}
)


def _identifier(value: str) -> str:
    if not IDENTIFIER_RE.match(value):
        raise ValueError(
            f"{value!r} is not a safe name: use lowercase letters, digits and _, "
            "starting with a letter (at most 64 characters)"
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise ValueError(f"{value!r} is a Python keyword")
    return value


def _one_line(value: str) -> str:
    if len(value.splitlines()) > 1 or "\n" in value or "\r" in value:
        raise ValueError("must be a single line (no line breaks)")
    return value


_GROUP_RE = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,63}$")
_METRIC_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")


def _group(value: str) -> str:
    if not _GROUP_RE.match(value):
        raise ValueError(
            f"{value!r} is not a group name: letters, digits, spaces, _ and -, "
            "starting with a letter (at most 64 characters)"
        )
    return value


def class_metric_names(classes: list[str]) -> dict[str, str]:
    """class -> its name in metric names (recall.<name>): lowercase ASCII letters, digits
    and _ (accents dropped: "négatif" -> "negatif"); class_<n> (its place in the list)
    where nothing of that is left or it would start with a digit."""
    names = {}
    for n, cls in enumerate(classes, start=1):
        letters = "".join(
            ch
            for ch in unicodedata.normalize("NFKD", cls.casefold())
            if not unicodedata.combining(ch)
        )
        name = re.sub(r"[^a-z0-9]+", "_", letters).strip("_")
        names[cls] = name if re.match(r"^[a-z]", name) else f"class_{n}"
    return names


def _metric(value: str) -> str:
    if not _METRIC_RE.match(value):
        raise ValueError(
            f"{value!r} is not a metric name (like exact_match or field_accuracy.period)"
        )
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]
GroupName = Annotated[str, AfterValidator(_group)]
OneLine = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_one_line)]
OneLinePath = Annotated[
    str, StringConstraints(min_length=1, max_length=500), AfterValidator(_one_line)
]
Text = Annotated[str, StringConstraints(max_length=100_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


# --------------------------------------------------------------------------- data


class InputField(Strict):
    """One input column of the source data."""

    type: Literal["string", "text", "integer", "number", "boolean"] = Field(
        "string", description="'text' is long free text (a poem, an article); 'string' is short."
    )
    required: bool = Field(True, description="Rows without this field are rejected.")
    description: Text | None = None
    max_chars: int | None = Field(None, gt=0, description="Reject rows whose value is longer.")


SourcePath = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class SourceEntry(Strict):
    """One of several JSONL sources mixed into one dataset."""

    name: Identifier = Field(description="Short name; row ids and reports are prefixed with it.")
    path: SourcePath = Field(description="JSONL file, relative to the spec file.")
    weight: float = Field(
        1.0,
        gt=0,
        le=100,
        description=(
            "Copies of each train row in the training mix: 2 writes every row twice, 0.5 "
            "keeps half (chosen by a hash of the row id). Valid and test rows are written once."
        ),
    )
    rename: dict[Annotated[str, StringConstraints(min_length=1, max_length=200)], Identifier] = (
        Field(
            default_factory=dict,
            description="Source column -> the name the spec uses (e.g. reference_answer: output).",
        )
    )


class DataSection(Strict):
    source: SourcePath | None = Field(
        None, description="JSONL or CSV file, relative to the spec file (or give sources)."
    )
    sources: list[SourceEntry] | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Several JSONL files mixed with weights (instead of source).",
    )
    format: Literal["jsonl", "csv"] | None = Field(
        None, description="Defaults to the source file's extension."
    )
    id_field: Identifier | None = Field(
        "id",
        description=(
            "Unique row id column; null: rows are numbered by line (with sources: "
            "<source name>:<line>)."
        ),
    )
    labels_key: Identifier | None = Field(
        None,
        description=(
            "Key of a nested object holding the labels; by default labels are top-level columns."
        ),
    )
    inputs: dict[Identifier, InputField] = Field(min_length=1)
    max_reject_share: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="The data step fails when a larger share of rows is rejected.",
    )


# ------------------------------------------------------------------------- labels


class LabelField(Strict):
    type: Literal["categorical", "string", "integer", "number", "boolean"]
    values: list[OneLine] | None = Field(
        None, description="Allowed values of a categorical field, in display order."
    )
    group: GroupName | None = Field(None, description="Heading the field is listed under.")
    description: Text | None = None
    allow_na: bool = Field(True, description="Whether the not-applicable token is a valid answer.")
    minimum: float | None = None
    maximum: float | None = None


class MultiFieldLabels(Strict):
    na_token: OneLine | None = Field(
        "N/A", description="What the model answers when a field does not apply."
    )
    fields: dict[Identifier, LabelField] = Field(min_length=1)


# ------------------------------------------------------------------------- prompt


class BaselineSection(Strict):
    enabled: bool = Field(True, description="Train the classical baseline after the data step.")
    ngram_max: int = Field(3, ge=1, le=5, description="TF-IDF word n-grams 1..ngram_max.")


class ClassificationLabels(Strict):
    field: Identifier = Field("label", description="Column holding the class.")
    classes: list[OneLine] = Field(min_length=2, max_length=1000)
    description: Text | None = None
    balance: Literal["none", "oversample"] = Field(
        "none",
        description=(
            "oversample: repeat minority-class examples in the train split up to the "
            "largest class (the baseline uses balanced class weights either way)."
        ),
    )
    baseline: BaselineSection = BaselineSection()


class Tier(Strict):
    name: Identifier
    below: float | None = Field(
        None, description="Upper bound (exclusive); none for the last tier."
    )


class TierSection(Strict):
    score: Literal["mean"] = Field("mean", description="What the tiers are cut from.")
    boundaries: list[Tier] = Field(min_length=2, max_length=20)


class RegressionLabels(Strict):
    minimum: float
    maximum: float
    dimensions: list[Identifier] = Field(min_length=1, max_length=1000)
    tiers: TierSection | None = None
    route: Literal["generative", "head"] = Field(
        "generative",
        description=(
            "generative: the LLM answers the scores as JSON; head: a regression head "
            "(transformers sequence classification, problem_type regression, one output per "
            "dimension, MSE loss; backend peft). `distillgen build --route` picks the other "
            "route from the same spec."
        ),
    )


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


class PromptSection(Strict):
    system: Text | None = Field(None, description="System message (chat models).")
    template: Text = Field(
        description=(
            "Jinja2 template of the user message. It sees the input fields by name and, "
            "from the label schema: fields, field_names, groups, n_fields, na_token, answer_format."
        )
    )
    completion_format: Literal["key_value", "json", "label"] | None = Field(
        None,
        description=(
            "key_value: one 'field: value' line per field; json: one object; label: the "
            "class alone (classification). Default: label for classification, else key_value."
        ),
    )


class SplitSection(Strict):
    train: float = Field(ge=0.0, le=1.0)
    valid: float = Field(ge=0.0, le=1.0)
    test: float = Field(0.0, ge=0.0, le=1.0)
    seed: int = 42
    stratify_by: Identifier | None = Field(
        None, description="A categorical label or input field to stratify on."
    )
    eval_on: Literal["valid", "test"] | None = Field(
        None, description="Held-out split for eval; default test when it is non-empty, else valid."
    )


class ModelSection(Strict):
    base: OneLinePath = Field(description="Hugging Face model id or local path of the base model.")
    tokenizer: OneLinePath | None = Field(
        None, description="Tokenizer id or path; defaults to the base model's."
    )
    max_seq_length: int = Field(ge=16, le=1_048_576)
    chat_template: bool = Field(True, description="Wrap examples in the tokenizer's chat template.")


# ----------------------------------------------------------------------- training


class LoraSection(Strict):
    rank: int = Field(gt=0, le=4096)
    alpha: float = Field(gt=0)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    layers: int | Literal["all"] = Field(
        "all", description="Adapt the last N transformer blocks, or all of them."
    )


class TrainingSection(Strict):
    backend: Literal["mlx", "peft", "axolotl"] = Field(
        "mlx",
        description=(
            "mlx: mlx-lm (Apple silicon or CPU); peft: transformers + peft; axolotl: Axolotl "
            "(CUDA, one or more GPUs)."
        ),
    )
    lora: LoraSection
    steps: int | None = Field(None, gt=0, description="Optimizer updates (give steps or epochs).")
    epochs: float | None = Field(None, gt=0, description="Passes over the train split.")
    batch_size: int = Field(4, gt=0, le=4096)
    grad_accumulation: int = Field(1, gt=0, le=4096)
    learning_rate: float = Field(gt=0, lt=1)
    warmup_steps: int = Field(0, ge=0)
    lr_schedule: Literal["constant", "cosine", "linear"] = "constant"
    eval_every: int = Field(200, gt=0, description="Optimizer steps between validations.")
    save_every: int = Field(100, gt=0, description="Optimizer steps between checkpoints.")
    seed: int | None = Field(None, description="Defaults to split.seed.")
    grad_checkpoint: bool = False
    quantize: Literal["none", "4bit"] = Field(
        "none",
        description=(
            "4bit: QLoRA, the base model loaded in 4-bit NF4 (bitsandbytes, CUDA) while the "
            "LoRA adapter trains in 16-bit (peft, axolotl). For mlx, point model.base at a "
            "model quantized with mlx_lm.convert -q instead."
        ),
    )
    early_stopping_patience: int | None = Field(
        None,
        gt=0,
        description="Stop after this many evaluations without a better eval loss (peft).",
    )


class EvalSection(Strict):
    max_new_tokens: int = Field(512, gt=0, le=65536)
    batch_size: int = Field(8, gt=0, le=1024, description="Prompts per generation batch (peft).")
    checkpoint_every: int = Field(
        100, gt=0, description="Predictions are flushed to disk at least this often."
    )


class PredictSection(Strict):
    """make predict: the accepted model over a corpus (seed 000: 116,674 poems)."""

    max_missing_rate: float = Field(
        0.05,
        ge=0,
        le=1,
        description="PASS when no field's missing rate (no value read, N/A, or the row "
        "rejected) is above this share of the rows (seed 000: under 5% per field).",
    )
    review_missing_rate: float | None = Field(
        0.1, ge=0, le=1, description="REVIEW up to this rate; FAIL above it (None: no REVIEW)."
    )
    checkpoint_every: int = Field(
        1000, gt=0, description="Rows between fsynced checkpoints (a killed run resumes there)."
    )

    @model_validator(mode="after")
    def _review_not_below_pass(self):
        if (
            self.review_missing_rate is not None
            and self.review_missing_rate < self.max_missing_rate
        ):
            raise ValueError("review_missing_rate must be at least max_missing_rate")
        return self


class Threshold(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    metric: Annotated[str, AfterValidator(_metric)] = Field(
        description="A metric name, e.g. mean_field_accuracy or field_accuracy.period."
    )
    pass_: float = Field(alias="pass", description="PASS at or beyond this value.")
    review: float | None = Field(
        None, description="REVIEW at or beyond this value (but short of pass); FAIL below it."
    )


class AcceptanceSection(Strict):
    thresholds: list[Threshold] = Field(min_length=1)


# ------------------------------------------------------------------------ teacher


class Prices(Strict):
    input: float = Field(0.0, ge=0, description="USD per million prompt tokens.")
    output: float = Field(0.0, ge=0, description="USD per million completion tokens.")


class Expectation(Strict):
    """What the teacher's answers must look like on one stratum of the calibration sample."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    stratum: OneLine = Field(description="A stratum of calibration.strata.")
    fields: list[Identifier] | None = Field(
        None, min_length=1, description="Label fields the rule reads; default: all of them."
    )
    of: Literal["each", "mean"] = Field(
        "each", description="each: every field on its own; mean: the mean of the fields."
    )
    at_most: float | None = Field(None, description="A number field's value (or mean) is <= this.")
    at_least: float | None = Field(None, description="... is >= this.")
    one_of: list[OneLine] | None = Field(
        None, min_length=1, description="A categorical, string or boolean field is one of these."
    )
    pass_: float = Field(
        1.0,
        alias="pass",
        ge=0,
        le=1,
        description="PASS when this share of the stratum's rows meets it.",
    )
    review: float | None = Field(None, ge=0, le=1, description="REVIEW at or above this share.")


class Calibration(Strict):
    """`make calibrate`: a stratified sample the teacher answers before the batch is paid for."""

    candidates: SourcePath | None = Field(
        None,
        description="File the sample is drawn from (relative to the spec, the project's source "
        "format); default: the data source.",
    )
    stratum_field: Identifier = Field(
        description="Column of the candidates naming each row's stratum."
    )
    strata: dict[OneLine, Annotated[int, Field(gt=0, le=100_000)]] = Field(
        min_length=1, description="Stratum -> rows drawn from it (seed 001: 20 / 20 / 10)."
    )
    seed: int = 0
    validation_seed: int = Field(
        1, description="`make calibrate VALIDATE=1`: a second draw, disjoint."
    )
    gold: bool = Field(
        False,
        description="The candidates carry gold labels: score the teacher with the project's own "
        "metrics and acceptance thresholds.",
    )
    expectations: list[Expectation] = Field(default_factory=list, max_length=100)


class TeacherSection(Strict):
    """A teacher model behind an OpenAI-compatible endpoint that labels the data (step 0)."""

    base_url: OneLinePath = Field(description="Endpoint, e.g. http://localhost:8000/v1.")
    model: OneLinePath
    api_key_env: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")] = (
        Field(description="Environment variable holding the API key (never the key itself).")
    )
    temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(512, gt=0, le=1_000_000)
    concurrency: int = Field(8, gt=0, le=1024, description="Requests in flight at most.")
    timeout: float = Field(60.0, gt=0, le=3600, description="Seconds per request.")
    retries: int = Field(5, ge=0, le=50, description="Retries on 429, 5xx, timeouts (backoff).")
    reasks: int = Field(
        0, ge=0, le=10, description="Ask again this often when an answer must be quarantined."
    )
    price_per_million: Prices = Prices()
    budget: float | None = Field(
        None, gt=0, description="USD cap on everything the teacher answers for this project."
    )
    system: Text | None = Field(
        None, description="The teacher's system message; default: the student's."
    )
    template: Text | None = Field(
        None,
        description=(
            "The teacher's user template (the names prompt.template may use); "
            "default: the student's."
        ),
    )
    calibration: Calibration


# --------------------------------------------------------------------------- spec


class SpecBase(Strict):
    version: Literal[1] = 1
    name: Identifier = Field(description="Project name; the default output is generated/<name>/.")
    description: Text | None = None
    data: DataSection
    prompt: PromptSection
    split: SplitSection
    model: ModelSection
    training: TrainingSection
    eval: EvalSection = EvalSection()
    predict: PredictSection = PredictSection()
    acceptance: AcceptanceSection
    teacher: TeacherSection | None = Field(
        None, description="A teacher model that labels the data: make calibrate, make label."
    )


class MultiFieldSpec(SpecBase):
    """Several labelled fields answered as text by an LLM (seed 000)."""

    kind: Literal["multi_field"]
    labels: MultiFieldLabels


class ClassificationSpec(SpecBase):
    """One label from a fixed set of classes, often imbalanced (seed 002)."""

    kind: Literal["classification"]
    labels: ClassificationLabels


class RegressionSpec(SpecBase):
    """Several numeric scores on a declared range, with tiers cut from them (seed 001)."""

    kind: Literal["regression"]
    labels: RegressionLabels


class ChunkData(Strict):
    """A directory of text chunks, one training example each (generation kind)."""

    chunks: SourcePath = Field(description="Directory of the chunks, relative to the spec file.")
    pattern: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        "*.txt", description="File name pattern of the chunks in that directory (glob)."
    )
    min_tokens: int = Field(1, gt=0, description="Reject chunks with fewer tokens.")
    max_tokens: int = Field(gt=0, description="Reject chunks with more tokens.")
    max_reject_share: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="The data step fails when a larger share of chunks is rejected.",
    )


class StylePattern(Strict):
    name: Identifier
    words: list[OneLine] | None = Field(
        None, description="Whole words or phrases, matched ignoring case (give words or regex)."
    )
    regex: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None,
        description=(
            "A Python regular expression; refused if a repeated part can match the same "
            "text in more than one way (exponential backtracking)."
        ),
    )
    unit: Literal["sentence", "paragraph", "sample"] = Field(
        "sentence", description="The rate is the share of these units with a match."
    )
    target: float = Field(ge=0, le=1, description="PASS when the rate is at or above this.")
    review: float | None = Field(
        None, ge=0, le=1, description="REVIEW at or above this (below target); FAIL below."
    )


class StyleSection(Strict):
    prompts: list[Annotated[str, StringConstraints(min_length=1, max_length=10_000)]] = Field(
        min_length=1, max_length=1000, description="Openings the model continues for samples."
    )
    samples_per_prompt: int = Field(1, gt=0, le=100)
    max_new_tokens: int = Field(256, gt=0, le=65536)
    temperature: float = Field(0.0, ge=0, le=5, description="0: greedy (deterministic).")
    seed: int = 0
    patterns: list[StylePattern] = Field(min_length=1, max_length=100)


class GenerationSpec(Strict):
    """Style / continued pretraining on text chunks, judged by perplexity and style (seed 003)."""

    version: Literal[1] = 1
    kind: Literal["generation"]
    name: Identifier = Field(description="Project name; the default output is generated/<name>/.")
    description: Text | None = None
    data: ChunkData
    style: StyleSection
    split: SplitSection
    model: ModelSection
    training: TrainingSection
    eval: EvalSection = EvalSection()
    acceptance: AcceptanceSection | None = Field(
        None,
        description=(
            "Thresholds on eval_loss or perplexity; each style pattern's target is a "
            "threshold on style.<name> already."
        ),
    )


class DistillationSpec(SpecBase):
    """Instructions answered with a JSON object, distilled from reference answers (seed 004)."""

    kind: Literal["distillation"]
    labels: DistillationLabels


# The task kinds form a discriminated union on ``kind``; new kinds are added here.
SPEC_KINDS: tuple[type[SpecBase], ...] = (
    MultiFieldSpec,
    ClassificationSpec,
    RegressionSpec,
    DistillationSpec,
    GenerationSpec,
)
KIND_NAMES = tuple(k.model_fields["kind"].annotation.__args__[0] for k in SPEC_KINDS)

SpecType = Annotated[
    MultiFieldSpec | ClassificationSpec | RegressionSpec | DistillationSpec | GenerationSpec,
    Field(discriminator="kind"),
]

SPEC_ADAPTER: TypeAdapter = TypeAdapter(SpecType)


def json_schema() -> dict:
    schema = SPEC_ADAPTER.json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://distillgen.dev/schema/spec-v1.json"
    schema["title"] = "distillgen task spec (v1)"
    return schema


def label_fields(spec) -> dict[str, LabelField]:
    """The label schema as fields, whatever the kind."""
    if spec.kind == "classification":
        labels = spec.labels
        return {
            labels.field: LabelField(
                type="categorical",
                values=list(labels.classes),
                description=labels.description,
                allow_na=False,
            )
        }
    if spec.kind == "regression":
        labels = spec.labels
        return {
            name: LabelField(
                type="number", minimum=labels.minimum, maximum=labels.maximum, allow_na=False
            )
            for name in labels.dimensions
        }
    if spec.kind == "distillation":
        return answer_fields(spec.labels.answer_schema)
    if spec.kind == "generation":
        return {}
    return dict(spec.labels.fields)


_JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


def answer_fields(answer_schema: dict) -> dict[str, LabelField]:
    """The answer schema's top-level properties as fields (for templates and reports).

    A required string enum is categorical (its values are counted per split); arrays,
    objects and anything else keep their JSON type name.
    """
    properties = answer_schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    required = answer_schema.get("required") or []
    fields = {}
    for name, prop in properties.items():
        prop = prop if isinstance(prop, dict) else {}
        kind = prop.get("type")
        enum = prop.get("enum")
        description = prop.get("description") if isinstance(prop.get("description"), str) else None
        if (
            isinstance(enum, list)
            and enum
            and all(isinstance(v, str) for v in enum)
            and name in required
        ):
            fields[name] = LabelField.model_construct(
                type="categorical",
                values=list(enum),
                group=None,
                description=description,
                allow_na=False,
                minimum=None,
                maximum=None,
            )
            continue
        fields[name] = LabelField.model_construct(
            type=_JSON_TYPES.get(kind, kind if isinstance(kind, str) else "json"),
            values=None,
            group=None,
            description=description,
            allow_na=False,
            minimum=prop.get("minimum"),
            maximum=prop.get("maximum"),
        )
    return fields


def na_token(spec) -> str | None:
    return spec.labels.na_token if spec.kind == "multi_field" else None


def completion_format(spec) -> str:
    if spec.prompt.completion_format is not None:
        return spec.prompt.completion_format
    return {"classification": "label", "regression": "json", "distillation": "json"}.get(
        spec.kind, "key_value"
    )


def metrics_for(kind: str) -> dict[str, tuple[bool, str]]:
    return {
        "classification": CLASSIFICATION_METRICS,
        "regression": REGRESSION_METRICS,
        "distillation": DISTILLATION_METRICS,
        "generation": GENERATION_METRICS,
    }.get(kind, MULTI_FIELD_METRICS)


# Metrics each kind computes: name -> (higher_is_better, description).
MULTI_FIELD_METRICS: dict[str, tuple[bool, str]] = {
    "mean_field_accuracy": (True, "mean over fields of the share of examples answered correctly"),
    "min_field_accuracy": (True, "accuracy of the weakest field"),
    "exact_match": (True, "share of examples with every field correct"),
    "parse_rate": (True, "share of answers parsed completely"),
    "field_accuracy": (True, "accuracy of one field: field_accuracy.<field>"),
    "macro_f1": (True, "macro-F1 of one categorical field: macro_f1.<field>"),
}

CLASSIFICATION_METRICS: dict[str, tuple[bool, str]] = {
    "accuracy": (True, "share of examples with the right class"),
    "macro_f1": (True, "mean F1 over classes (minority classes count as much as the majority)"),
    "weighted_f1": (True, "F1 averaged with class support as weights"),
    "parse_rate": (True, "share of answers naming exactly one class"),
    "recall": (True, "recall of one class: recall.<class>"),
    "precision": (True, "precision of one class: precision.<class>"),
    "baseline_macro_f1": (True, "macro-F1 of the TF-IDF + logistic regression baseline"),
    "macro_f1_gain": (True, "LLM macro-F1 minus the baseline's"),
}

REGRESSION_METRICS: dict[str, tuple[bool, str]] = {
    "mae": (False, "mean absolute error over every dimension of every answer read"),
    "rmse": (False, "root mean squared error over the same"),
    "mae_dim": (False, "MAE of one dimension: mae_dim.<dimension>"),
    "tier_accuracy": (True, "share of examples whose tier (from the answered scores) is right"),
    "parse_rate": (True, "share of answers with every score read and in range"),
}

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
}

GENERATION_METRICS: dict[str, tuple[bool, str]] = {
    "eval_loss": (False, "mean cross-entropy per token on the held-out chunks"),
    "perplexity": (False, "exp(eval_loss)"),
    "style": (True, "rate of one style pattern in the generated samples: style.<pattern>"),
}
