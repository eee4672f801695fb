"""The generation kind: style / continued pretraining on text chunks, judged by
perplexity and style-pattern rates (seed 003). It has no labels and no prompt
template: it resolves its whole project itself."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from distillgen import __version__
from distillgen.plugins import Kind, Task, _count, register_kind
from distillgen.spec import (
    AcceptanceSection,
    EvalSection,
    Identifier,
    ModelSection,
    OneLine,
    SourcePath,
    SplitSection,
    Strict,
    Text,
    TrackingSection,
    TrainingSection,
)

ROOT = Path(__file__).resolve().parent


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
    tracking: TrackingSection = TrackingSection()
    acceptance: AcceptanceSection | None = Field(
        None,
        description=(
            "Thresholds on eval_loss or perplexity; each style pattern's target is a "
            "threshold on style.<name> already."
        ),
    )


GENERATION_METRICS: dict[str, tuple[bool, str]] = {
    "eval_loss": (False, "mean cross-entropy per token on the held-out chunks"),
    "perplexity": (False, "exp(eval_loss)"),
    "style": (True, "rate of one style pattern in the generated samples: style.<pattern>"),
}


def check(c) -> None:
    """The chunk directory and pattern, chunk sizes that fit, and the style patterns
    (one of words or regex, a regex that cannot backtrack for exponential time)."""
    from distillgen.checks import regex_problem

    data = c.spec.data
    c.check_source_path(data.chunks, ("data", "chunks"), directory=True)
    if "/" in data.pattern or "\\" in data.pattern or ".." in data.pattern:
        c.add(("data", "pattern"), "the pattern names files inside the chunk directory only")
    if data.min_tokens > data.max_tokens:
        c.add(("data", "min_tokens"), "min_tokens is larger than max_tokens")
    # The trainer adds BOS and EOS around each chunk.
    if data.max_tokens + 2 > c.spec.model.max_seq_length:
        c.add(
            ("data", "max_tokens"),
            f"chunks of up to {data.max_tokens} tokens (+ BOS and EOS) do not fit "
            f"model.max_seq_length={c.spec.model.max_seq_length}",
        )
    if c.spec.eval.base_shots:
        c.add(
            ("eval", "base_shots"),
            "a generation project's base run continues the style prompts: it has no "
            "examples to show first (use 0)",
        )
    style = c.spec.style
    names: set = set()
    for i, pattern in enumerate(style.patterns):
        base = ("style", "patterns", i)
        if pattern.name in names:
            c.add(base + ("name",), f"pattern {pattern.name!r} is declared twice")
        names.add(pattern.name)
        if (pattern.words is None) == (pattern.regex is None):
            c.add(base, "give exactly one of words and regex")
        if pattern.regex is not None:
            problem = regex_problem(pattern.regex)
            if problem:
                c.add(base + ("regex",), problem)
        if pattern.review is not None and pattern.review > pattern.target:
            c.add(base + ("review",), "the review band must be at or below the target")
    for i, th in enumerate(c.spec.acceptance.thresholds if c.spec.acceptance else []):
        name, _, arg = th.metric.partition(".")
        if name == "style":
            c.add(
                ("acceptance", "thresholds", i, "metric"),
                f"style.{arg} already has its threshold: the pattern's target"
                if arg in names
                else f"{arg!r} is not a style pattern; style thresholds are the patterns' targets",
            )


def check_threshold(c, base: tuple, name: str, arg: str) -> None:
    """eval_loss and perplexity take no argument: nothing to check here."""


@dataclass(frozen=True, kw_only=True)
class GenerationTask(Task):
    pattern: str  # the chunk files' glob
    min_tokens: int  # per chunk, without BOS/EOS
    max_tokens: int
    prompts: list[str]  # the style samples' prompts
    samples_per_prompt: int
    temperature: float
    style_seed: int
    patterns: list[dict]  # the style patterns, with their targets


def task(spec, overrides) -> GenerationTask:
    style = spec.style
    return GenerationTask(
        pattern=spec.data.pattern,
        min_tokens=spec.data.min_tokens,
        max_tokens=spec.data.max_tokens,
        prompts=list(style.prompts),
        samples_per_prompt=style.samples_per_prompt,
        temperature=style.temperature,
        style_seed=style.seed,
        patterns=[p.model_dump() for p in style.patterns],
    )


def resolve(loaded, out_dir: Path, ov):
    """Text chunks in, perplexity and style rates out."""
    from distillgen.ir import (
        Project,
        rel_path,
        resolve_split,
        resolve_tracking,
        thresholds,
        training_and_model,
    )

    spec = loaded.spec
    chunks = ov.source if ov.source is not None else loaded.path.parent / spec.data.chunks
    training, model = training_and_model(spec, ov)
    style = spec.style
    patterns = [p.model_dump() for p in style.patterns]
    return Project(
        name=spec.name,
        kind=spec.kind,
        description=spec.description,
        generator=f"distillgen {__version__}",
        spec_ref=rel_path(loaded.path, out_dir),
        spec_sha256=hashlib.sha256(loaded.text.encode("utf-8")).hexdigest(),
        inputs=[],
        id_field="file",
        labels_key=None,
        source=rel_path(chunks, out_dir),
        source_format="text",
        max_reject_share=spec.data.max_reject_share,
        fields=[],
        na_token=None,
        groups=[],
        prompt={"system": None, "template": None, "completion_format": None},
        split=resolve_split(spec.split),
        model=model,
        training=training,
        eval={
            "max_new_tokens": ov.max_new_tokens or style.max_new_tokens,
            "checkpoint_every": spec.eval.checkpoint_every,
            "batch_size": spec.eval.batch_size,
            "review_sample": spec.eval.review_sample,
        },
        acceptance=thresholds(spec)
        + [
            {
                "metric": f"style.{p['name']}",
                "pass": p["target"],
                "review": p["review"],
                "higher_is_better": True,
            }
            for p in patterns
        ],
        task=task(spec, ov),
        tracking=resolve_tracking(spec),
    )


def smoke_sample(spec, spec_dir: Path, data_dir: Path, rows: int) -> tuple[Path, list[str]]:
    """The first chunk files, copied; the tiny tokenizer learns from them and the prompts."""
    sample = data_dir / "chunks"
    sample.mkdir(parents=True)
    texts = []
    for path in sorted((spec_dir / spec.data.chunks).glob(spec.data.pattern))[:rows]:
        shutil.copyfile(path, sample / path.name)
        texts += path.read_text(encoding="utf-8", errors="replace").splitlines()
    return sample, texts + list(spec.style.prompts)


KIND = register_kind(
    Kind(
        name="generation",
        figures=(
            "each style pattern's rate in the samples against its target and review lines "
            "(`style.png`)"
        ),
        spec=GenerationSpec,
        metrics=GENERATION_METRICS,
        metric_args={"style": "pattern"},  # judged by the kind's own check (own_thresholds)
        arg_word="argument",
        completion_format=None,
        label_fields=lambda spec: {},
        task=task,
        check=check,
        check_threshold=check_threshold,
        resolve=resolve,
        smoke_sample=smoke_sample,
        labelled=False,
        describe=lambda spec: _count(len(spec.style.patterns), "style pattern"),
        own_thresholds=frozenset({"style"}),
        point_metrics=frozenset(
            {"eval_loss", "perplexity"}
        ),  # a pattern's target is its threshold (check)
        root=ROOT,
        templates={
            "README.md": "project/generation/README.md.j2",
            "Makefile": "project/generation/Makefile.j2",
            "pipeline/schema.py": "project/generation/schema.py.j2",
        },
        # No labels and no prompt template: the labelled kinds' shared runtime stays out.
        not_shared=frozenset(
            {
                "pipeline/sandbox.py",
                "pipeline/prompts.py",
                "pipeline/labels.py",
                "pipeline/paths.py",
                "pipeline/parse.py",
                "pipeline/metrics.py",
                "pipeline/report.py",
                "pipeline/engine.py",
                "pipeline/grammar.py",
                "pipeline/json_grammar.py",
                "pipeline/exact_answers.py",
                "pipeline/number_grammar.py",
                "pipeline/string_grammar.py",
                "pipeline/number_values.py",
                "pipeline/boolean_values.py",
                "pipeline/string_values.py",
                "pipeline/input_values.py",
                "pipeline/constrain.py",
                "pipeline/generate_hf.py",
                "pipeline/inference.py",
                "pipeline/confidence.py",
                # the labelled kinds' base comparison and review sheet (generation's
                # evaluate.py reports style rates and perplexity itself)
                "pipeline/compare.py",
                "pipeline/review.py",
                "tests/test_roundtrip.py",
                "tests/test_rows.py",
                "tests/test_metrics.py",
                "tests/test_data_step.py",
                "tests/test_predict.py",
                "tests/test_predict_server.py",
                "tests/test_sandbox.py",
                "tests/test_eval_predictions.py",
                "tests/test_teacher.py",
                "tests/test_grammar.py",
                "tests/test_json_answers.py",
                "tests/test_key_value_answers.py",
                "tests/answers.py",
                "tests/schema_rows.py",
            }
        ),
    )
)
