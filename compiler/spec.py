"""The spec language (v1): pydantic models, exported as JSON Schema.

Every model forbids unknown keys. Names that end up in generated code (fields,
the project name) are validated identifiers. Cross-field rules live in
``checks.py`` so that each problem is reported with its own location.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from typing import Annotated, Literal, Union

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


def _dotted(value: str) -> str:
    if any(ord(ch) < 32 for ch in value):
        raise ValueError("must be a single line without control characters")
    if any(part.strip() == "" for part in value.split(".")):
        raise ValueError(
            f"{value!r} is not a dotted path: keys separated by single dots "
            "(like oracle.scores.hope), none of them empty"
        )
    return value


# A key of a row, or keys into its nested objects joined by dots (oracle.scores.hope).
DottedPath = Annotated[
    str, StringConstraints(min_length=1, max_length=500), AfterValidator(_dotted)
]


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
    path: DottedPath | None = Field(
        None,
        description=(
            "Where the row keeps this input when it is not the top-level column of the same "
            "name: keys joined by dots into nested objects (meta.critique). A flat file "
            "(CSV) may name the column itself 'meta.critique'."
        ),
    )


SourcePath = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


SourceFormat = Literal["jsonl", "csv", "parquet", "hf"]


class SourceEntry(Strict):
    """One of several sources mixed into one dataset."""

    name: Identifier = Field(description="Short name; row ids and reports are prefixed with it.")
    path: SourcePath = Field(
        description=(
            "JSONL, CSV or Parquet file, or a directory written by datasets' save_to_disk, "
            "relative to the spec file."
        )
    )
    format: SourceFormat | None = Field(
        None, description="Defaults from the path, as data.format does."
    )
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


class HubSource(Strict):
    """A dataset on the Hugging Face hub, loaded with datasets.load_dataset (needs network)."""

    id: Annotated[
        str,
        StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*(/[A-Za-z0-9][A-Za-z0-9_.\-]*)?$"),
    ] = Field(description="The dataset's hub id, owner/name.")
    split: OneLine = Field("train", description="The split to read.")
    revision: OneLine | None = Field(None, description="A branch, tag or commit; None: main.")


class DataSection(Strict):
    source: SourcePath | None = Field(
        None,
        description=(
            "JSONL, CSV or Parquet file, or a directory written by datasets' save_to_disk, "
            "relative to the spec file (or give sources, or hub)."
        ),
    )
    sources: list[SourceEntry] | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Several sources mixed with weights (instead of source).",
    )
    hub: HubSource | None = Field(
        None, description="A Hugging Face hub dataset (instead of source); needs network."
    )
    format: SourceFormat | None = Field(
        None,
        description=(
            "jsonl, csv, parquet or hf (a saved Hugging Face dataset). Default from the "
            "source: .jsonl/.json, .csv, .parquet, or a directory with a saved dataset."
        ),
    )
    hf_split: OneLine = Field(
        "train",
        description="The split read from a saved DatasetDict (a saved Dataset has no splits).",
    )
    id_field: Identifier | None = Field(
        "id",
        description=(
            "Unique row id column; null: rows are numbered by line (with sources: "
            "<source name>:<line>)."
        ),
    )
    labels_key: DottedPath | None = Field(
        None,
        description=(
            "Key of a nested object holding the labels, dotted for deeper ones "
            "(oracle.scores); by default labels are top-level columns."
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
    path: DottedPath | None = Field(
        None,
        description=(
            "Where the labels keep this field when it is not the key of the same name: keys "
            "joined by dots (oracle.scores.hope), read from the row or data.labels_key's object."
        ),
    )


# ------------------------------------------------------------------------- prompt


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
    chat_template: bool = Field(
        True,
        description=(
            "Wrap examples in the tokenizer's chat template. false only on a head route (no "
            "answer to mask): the prompt is the messages' text, with the tokenizer's own "
            "special tokens (an encoder's [CLS] ... [SEP])."
        ),
    )
    architecture: Literal["decoder", "encoder"] = Field(
        "decoder",
        description=(
            "decoder: a causal LM (generative route, or a head on its last token); encoder: "
            "a BERT-family encoder (head route only, chat_template: false), its "
            "sequence-classification head on the [CLS] token, LoRA on query/key/value/dense."
        ),
    )


# ----------------------------------------------------------------------- training


class LoraSection(Strict):
    rank: int = Field(gt=0, le=4096)
    alpha: float = Field(gt=0)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    layers: int | Literal["all"] = Field(
        "all", description="Adapt the last N transformer blocks, or all of them."
    )


def _registered_backend(value: str) -> str:
    """A backend some plugin registered (distillgen.plugins)."""
    import difflib

    from .plugins import BACKENDS

    if value not in BACKENDS:
        names = list(BACKENDS)
        expected = ", ".join(repr(n) for n in names[:-1]) + f" or {names[-1]!r}"
        close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"{value!r} is not allowed; expected {expected}{hint}")
    return value


Backend = Annotated[str, AfterValidator(_registered_backend)]


class TrainingSection(Strict):
    backend: Backend = Field(
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
    select_by: Literal["loss", "metric"] | None = Field(
        None,
        description=(
            "Which checkpoint is kept: the lowest eval loss, or the best task metric (the "
            "first acceptance threshold's metric that answers decide, else the kind's "
            "headline metric) on the valid split. Default: metric on a head route (its "
            "predictions are one forward pass), loss on the generative route, where each "
            "evaluation then also generates greedy answers for select_sample valid prompts "
            "(peft)."
        ),
    )
    select_sample: int = Field(
        32,
        gt=0,
        le=100_000,
        description="Valid prompts answered at each evaluation when a generative route "
        "selects by metric.",
    )


class EvalSection(Strict):
    max_new_tokens: int = Field(512, gt=0, le=65536)
    batch_size: int = Field(8, gt=0, le=1024, description="Prompts per generation batch (peft).")
    checkpoint_every: int = Field(
        100, gt=0, description="Predictions are flushed to disk at least this often."
    )
    review_sample: int = Field(
        20,
        ge=0,
        le=10000,
        description=(
            "Held-out examples drawn (seeded by split.seed) into the review sheet "
            "work/eval/review.csv and review.md for manual review; 0: no sheet."
        ),
    )
    base_shots: int = Field(
        0,
        ge=0,
        le=8,
        description=(
            "make eval-base: train examples shown to the base model before each held-out "
            "prompt, as earlier chat turns with the same prompt template and answer format "
            "(drawn from the train split only, seeded by split.seed); 0: zero-shot."
        ),
    )
    constrained: bool = Field(
        False,
        description="Constrained decoding: the answers are held to the label schema (a regex "
        "or JSON Schema derived from it) while they are generated. `make eval CONSTRAINED=0|1` "
        "chooses for one run; `make eval-constrained` runs the other way beside it.",
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
    constrained: bool = Field(
        False,
        description="Constrained decoding for make predict (as eval.constrained); "
        "`make predict CONSTRAINED=0|1` chooses for one run.",
    )

    @model_validator(mode="after")
    def _review_not_below_pass(self):
        if (
            self.review_missing_rate is not None
            and self.review_missing_rate < self.max_missing_rate
        ):
            raise ValueError("review_missing_rate must be at least max_missing_rate")
        return self


_TRACKING_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def _tracking_name(value: str) -> str:
    if not _TRACKING_NAME_RE.match(value):
        raise ValueError(
            f"{value!r} is not a run or project name every tracker takes: use letters, "
            "digits, _ . and -, starting with a letter or digit (at most 128 characters)"
        )
    return value


TrackingName = Annotated[str, AfterValidator(_tracking_name)]


class TrackingSection(Strict):
    """Experiment tracking: the training run's curves, then eval's metrics and the
    acceptance decision, logged to one run of one tracker."""

    to: Literal["none", "tensorboard", "wandb", "mlflow"] = Field(
        "none",
        description=(
            "tensorboard: event files in work/tracking/tensorboard; wandb: Weights & Biases "
            "(WANDB_MODE=offline works without an account); mlflow: the server or store at "
            "$MLFLOW_TRACKING_URI; none: no tracker."
        ),
    )
    project: TrackingName | None = Field(
        None,
        description=(
            "W&B project, MLflow experiment (letters, digits, _ . -); default: the spec's "
            "name. TensorBoard has none."
        ),
    )
    run: TrackingName | None = Field(
        None,
        description=(
            "The run's name (TensorBoard: its folder under work/tracking/tensorboard); "
            "default: the spec's name."
        ),
    )

    @model_validator(mode="after")
    def _names_need_a_tracker(self):
        if self.to == "none" and (self.project is not None or self.run is not None):
            raise ValueError(
                "project and run name a tracker's run, but tracking.to is none: "
                "set to: tensorboard, wandb or mlflow, or remove them"
            )
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
    constrained: bool = Field(
        False,
        description="Ask the teacher for answers held to the label schema: response_format "
        "with the JSON Schema (JSON answers), or with constrain_with: vllm vLLM's "
        "structured_outputs (regex, choice or JSON; any answer format).",
    )
    constrain_with: Literal["response_format", "vllm"] = Field(
        "response_format",
        description="How a constrained request says so: response_format (the OpenAI API; "
        "JSON answers only) or vllm (a vLLM server's structured_outputs).",
    )


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
    tracking: TrackingSection = TrackingSection()
    acceptance: AcceptanceSection
    teacher: TeacherSection | None = Field(
        None, description="A teacher model that labels the data: make calibrate, make label."
    )


# The task kinds form a discriminated union on ``kind``, built from the registered kind
# plugins (distillgen.plugins) when first needed and again after a kind is registered.
_ADAPTER: TypeAdapter | None = None


def reset_union() -> None:
    global _ADAPTER
    _ADAPTER = None


def spec_kinds() -> tuple[type, ...]:
    from .plugins import KINDS

    return tuple(kind.spec for kind in KINDS.values())


def kind_names() -> tuple[str, ...]:
    from .plugins import KINDS

    return tuple(KINDS)


def spec_adapter() -> TypeAdapter:
    global _ADAPTER
    if _ADAPTER is None:
        models = spec_kinds()
        _ADAPTER = TypeAdapter(Annotated[Union[models], Field(discriminator="kind")])  # noqa: UP007
    return _ADAPTER


def json_schema() -> dict:
    from .plugins import BACKENDS

    schema = spec_adapter().json_schema(by_alias=True)
    # The backends are the registered ones (a plugin can add one): listed as an enum.
    schema["$defs"]["TrainingSection"]["properties"]["backend"]["enum"] = list(BACKENDS)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://distillgen.dev/schema/spec-v1.json"
    schema["title"] = "distillgen task spec (v1)"
    return schema


_JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}


def answer_fields(answer_schema: dict) -> dict[str, LabelField]:
    """The answer schema's top-level properties as fields (for templates and reports).

    A required string enum is categorical (its values are counted per split); arrays,
    objects and anything else keep their JSON type name (a nullable type, its own; a
    list of types or no type, "json").
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
        if isinstance(kind, list):  # [string, "null"]: its one type besides null, else json
            kinds = [k for k in kind if k != "null"]
            kind = kinds[0] if len(kinds) == 1 else None
        fields[name] = LabelField.model_construct(
            type=_JSON_TYPES.get(kind, kind) if isinstance(kind, str) else "json",
            values=None,
            group=None,
            description=description,
            allow_na=False,
            minimum=prop.get("minimum"),
            maximum=prop.get("maximum"),
        )
    return fields


def label_fields(spec) -> dict[str, LabelField]:
    """The label schema as fields, whatever the kind."""
    from .plugins import kind

    return kind(spec.kind).label_fields(spec)


def na_token(spec) -> str | None:
    from .plugins import kind

    return kind(spec.kind).na_token(spec)


def completion_format(spec) -> str | None:
    from .plugins import kind

    return spec.prompt.completion_format or kind(spec.kind).completion_format


def metrics_for(kind_name: str) -> dict[str, tuple[bool, str]]:
    from .plugins import kind

    return kind(kind_name).metrics
