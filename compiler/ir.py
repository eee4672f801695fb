"""The resolved, ordered intermediate representation that templates see.

Templates never see the raw spec: only this plain, fully-defaulted structure.
Order is the spec's declared order (which is deterministic); nothing depends on
hashing, the clock or the machine.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import __version__, plugins
from . import spec as S
from .backends import Row
from .checks import field_dicts
from .plugins import Task
from .sources import format_of


@dataclass(frozen=True)
class Overrides:
    """Build-time replacements (used by `smoke`): never change the spec file."""

    source: Path | None = None  # absolute path of a data file to use instead
    sources: dict | None = None  # data.sources: name -> absolute path to use instead
    model_base: str | None = None
    steps: int | None = None
    batch_size: int | None = None
    lora_layers: int | str | None = None
    max_new_tokens: int | None = None
    eval_every: int | None = None
    save_every: int | None = None
    backend: str | None = None  # build for another backend than the spec's
    route: str | None = None  # regression: build the other route than the spec's
    quantize: str | None = None  # "none": train in full precision (smoke, without CUDA)
    teacher_base_url: str | None = None  # smoke: the teacher is a loopback server


@dataclass
class Project:
    name: str
    kind: str
    description: str | None
    generator: str
    spec_ref: str  # spec path as seen from the output directory
    spec_sha256: str
    inputs: list[dict]
    id_field: str
    labels_key: str | None
    source: str | None  # data source as seen from the output directory (None: sources)
    source_format: str
    max_reject_share: float
    fields: list[dict]
    na_token: str | None
    groups: list[str]
    prompt: dict
    split: dict
    model: dict
    training: dict
    eval: dict
    acceptance: list[dict]
    task: Task = field(default_factory=Task)  # what only this kind has
    # data.sources: [{"name", "path" (from the output directory), "weight", "rename"}]
    sources: list[dict] = field(default_factory=list)
    backend_config: dict = field(default_factory=dict)
    backend_table: list[Row] = field(default_factory=list)
    teacher: dict | None = None  # the teacher (make calibrate, make label), when declared
    # make predict: the missing-rate gate and the checkpoint interval (not for generation)
    predict: dict = field(default_factory=dict)
    # Experiment tracking: {"to", "project", "run"} (None: no tracker)
    tracking: dict | None = None
    hub: dict | None = None  # data.hub: {"id", "split", "revision"} instead of a file
    hf_split: str | None = None  # the split of a saved DatasetDict, where one is read

    @property
    def formats(self) -> set[str]:
        """Every format the project reads its sources in."""
        return {s["format"] for s in self.sources} if self.sources else {self.source_format}


def rel_path(target: Path, start: Path) -> str:
    return PurePosixPath(
        Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()
    ).as_posix()


def resolve_split(sp, stratify_kind=None) -> dict:
    return {
        "train": sp.train,
        "valid": sp.valid,
        "test": sp.test,
        "seed": sp.seed,
        "stratify_by": sp.stratify_by,
        "stratify_kind": stratify_kind,
        "eval_split": sp.eval_on or ("test" if sp.test > 0 else "valid"),
    }


def resolve_tracking(spec) -> dict | None:
    """The tracker, with the project and run names the spec leaves out (its name)."""
    t = spec.tracking
    if t.to == "none":
        return None
    return {"to": t.to, "project": t.project or spec.name, "run": t.run or spec.name}


def thresholds(spec) -> list[dict]:
    known = S.metrics_for(spec.kind)
    return [
        {
            "metric": th.metric,
            "pass": th.pass_,
            "review": th.review,
            "higher_is_better": known[th.metric.partition(".")[0]][0],
        }
        for th in (spec.acceptance.thresholds if spec.acceptance else [])
    ]


def resolve(loaded, out_dir: Path, overrides: Overrides | None = None) -> Project:
    ov = overrides or Overrides()
    spec = loaded.spec
    kind = plugins.kind(spec.kind)
    if kind.resolve is not None:  # a kind that resolves its whole project itself
        project = kind.resolve(loaded, out_dir, ov)
        backend = plugins.backend(project.training["backend"])
        project.backend_config, project.backend_table = backend.config(project)
        return project
    spec_dir = loaded.path.parent
    sources = []
    if spec.data.sources is not None:
        source_path = None
        fmt = "jsonl"
        for entry in spec.data.sources:
            path = (ov.sources or {}).get(entry.name) or spec_dir / entry.path
            sources.append(
                {
                    "name": entry.name,
                    "path": rel_path(path, out_dir),
                    "format": format_of(path, entry.format) or "jsonl",
                    "weight": entry.weight,
                    "rename": dict(entry.rename),
                }
            )
    elif spec.data.hub is not None and ov.source is None:
        source_path, fmt = None, "hf"
    else:
        source_path = ov.source if ov.source is not None else spec_dir / spec.data.source
        fmt = format_of(Path(source_path), spec.data.format) or PurePosixPath(
            str(source_path)
        ).suffix.lower().lstrip(".")

    fields = field_dicts(spec)
    label_fields = S.label_fields(spec)
    groups: list[str] = []
    for f in fields:
        if f["group"] is not None and f["group"] not in groups:
            groups.append(f["group"])

    sp = spec.split
    stratify_kind = None
    if sp.stratify_by is not None:
        if kind.tiered(spec) and sp.stratify_by == "tier":
            stratify_kind = "tier"
        else:
            stratify_kind = "label" if sp.stratify_by in label_fields else "input"

    training, model = training_and_model(spec, ov)

    project = Project(
        name=spec.name,
        kind=spec.kind,
        description=spec.description,
        generator=f"distillgen {__version__}",
        spec_ref=rel_path(loaded.path, out_dir),
        spec_sha256=hashlib.sha256(loaded.text.encode("utf-8")).hexdigest(),
        inputs=[
            {
                "name": n,
                "type": f.type,
                "required": f.required,
                "max_chars": f.max_chars,
                "path": f.path,
            }
            for n, f in spec.data.inputs.items()
        ],
        id_field=spec.data.id_field,
        labels_key=spec.data.labels_key,
        source=None if source_path is None else rel_path(source_path, out_dir),
        source_format=fmt,
        max_reject_share=spec.data.max_reject_share,
        fields=fields,
        na_token=S.na_token(spec),
        groups=groups,
        prompt={
            "system": spec.prompt.system,
            "template": spec.prompt.template,
            "completion_format": S.completion_format(spec),
        },
        split=resolve_split(sp, stratify_kind),
        model=model,
        training=training,
        eval={
            "max_new_tokens": ov.max_new_tokens or spec.eval.max_new_tokens,
            "checkpoint_every": spec.eval.checkpoint_every,
            "batch_size": spec.eval.batch_size,
            "review_sample": spec.eval.review_sample,
            "base_shots": spec.eval.base_shots,
            "constrained": spec.eval.constrained,
        },
        acceptance=thresholds(spec),
        predict={
            "missing_rate": {
                "pass": spec.predict.max_missing_rate,
                "review": spec.predict.review_missing_rate,
            },
            "checkpoint_every": spec.predict.checkpoint_every,
            "constrained": spec.predict.constrained,
        },
    )
    project.task = kind.task(spec, ov)
    if not isinstance(project.task, Task):
        raise TypeError(
            f"kind {kind.name!r}: task() returned {type(project.task).__name__}, not a "
            "distillgen.plugins.Task (subclass it with the kind's own fields)"
        )
    project.training["select"] = selection(spec, kind, project.task.route)
    project.tracking = resolve_tracking(spec)
    project.sources = sources
    if source_path is None and not sources:
        project.hub = spec.data.hub.model_dump()
    if "hf" in project.formats:
        project.hf_split = spec.data.hf_split
    project.teacher = _teacher(spec, out_dir, spec_dir)
    if project.teacher is not None and ov.teacher_base_url is not None:
        project.teacher["base_url"] = ov.teacher_base_url
    backend = plugins.backend(training["backend"])
    project.backend_config, project.backend_table = backend.config(project)
    return project


def selection(spec, kind, route: str | None) -> dict | None:
    """How the best checkpoint is chosen: None for the lowest eval loss, or the task
    metric: the first acceptance threshold's metric that answers alone decide, else the
    kind's headline metric. A head route selects by metric unless the spec says loss (its
    predictions come from the evaluation's own forward pass); the generative route when
    the spec asks, on a sample of the valid split (the answers must be generated)."""
    t = spec.training
    if (t.select_by or ("metric" if route == "head" else "loss")) == "loss":
        return None
    if kind.select_metric is None:
        return None  # refused by the checks
    metric = next(
        (
            th.metric
            for th in (spec.acceptance.thresholds if spec.acceptance else [])
            if th.metric.partition(".")[0] not in kind.unselectable
        ),
        kind.select_metric,
    )
    return {
        "metric": metric,
        "greater_is_better": kind.metrics[metric.partition(".")[0]][0],
        "sample": None if route == "head" else t.select_sample,
    }


def _teacher(spec, out_dir: Path, spec_dir: Path) -> dict | None:
    """The teacher as the project's schema.TEACHER has it (paths from the output directory)."""
    t = spec.teacher
    if t is None:
        return None
    cal = t.calibration
    candidates = spec_dir / (cal.candidates or spec.data.source)
    return {
        "base_url": t.base_url,
        "model": t.model,
        "api_key_env": t.api_key_env,
        "temperature": t.temperature,
        "max_tokens": t.max_tokens,
        "concurrency": t.concurrency,
        "timeout": t.timeout,
        "retries": t.retries,
        "reasks": t.reasks,
        "price_input": t.price_per_million.input,
        "price_output": t.price_per_million.output,
        "budget": t.budget,
        "system": t.system,
        "template": t.template,
        "constrained": t.constrained,
        "constrain_with": t.constrain_with,
        "calibration": {
            "candidates": rel_path(candidates, out_dir),
            "stratum_field": cal.stratum_field,
            "strata": dict(cal.strata),
            "seed": cal.seed,
            "validation_seed": cal.validation_seed,
            "gold": cal.gold,
            "expectations": [
                {
                    "stratum": e.stratum,
                    "fields": list(e.fields)
                    if e.fields
                    else [f["name"] for f in field_dicts(spec)],
                    "of": e.of,
                    "at_most": e.at_most,
                    "at_least": e.at_least,
                    "one_of": None if e.one_of is None else list(e.one_of),
                    "pass": e.pass_,
                    "review": e.review,
                }
                for e in cal.expectations
            ],
        },
    }


def training_and_model(spec, ov: Overrides) -> tuple[dict, dict]:
    """The resolved training and model sections (any kind)."""
    sp = spec.split
    t = spec.training
    lora = t.lora.model_dump()
    if ov.lora_layers is not None:
        lora["layers"] = ov.lora_layers
    training = {
        "backend": ov.backend or t.backend,
        "early_stopping_patience": t.early_stopping_patience,
        "lora": lora,
        "steps": ov.steps if ov.steps is not None else t.steps,
        "epochs": None if ov.steps is not None else t.epochs,
        "batch_size": ov.batch_size or t.batch_size,
        "grad_accumulation": t.grad_accumulation,
        "learning_rate": t.learning_rate,
        "warmup_steps": 0
        if ov.steps is not None and t.warmup_steps >= ov.steps
        else t.warmup_steps,
        "lr_schedule": t.lr_schedule,
        "eval_every": ov.eval_every or t.eval_every,
        "save_every": ov.save_every or t.save_every,
        "seed": t.seed if t.seed is not None else sp.seed,
        "grad_checkpoint": t.grad_checkpoint,
        "quantize": ov.quantize or t.quantize,
        "select": None,  # the checkpoint kept: lowest eval loss (see selection)
    }
    model = {
        "base": ov.model_base or spec.model.base,
        "tokenizer": spec.model.tokenizer if ov.model_base is None else None,
        "max_seq_length": spec.model.max_seq_length,
        "chat_template": spec.model.chat_template,
        "architecture": spec.model.architecture,
    }
    model["tokenizer_or_base"] = model["tokenizer"] or model["base"]
    return training, model
