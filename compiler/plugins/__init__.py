"""Task kinds and training backends: plugins, registered in one place.

A kind (``plugins/kinds/<name>/``) says what a spec of that kind looks like (its
pydantic model), which label fields it has, its metric table, its part of the
resolved project (``task``), its own checks, and which files it adds to a project:
its ``runtime/`` folder (copied verbatim) and its templates. A backend
(``plugins/backends/<name>/``) says which kinds, routes and quantizations it can
build, how the spec's training vocabulary becomes its config (with the README's
table), which template writes that config, its ``runtime/`` folder and its smoke
plan. Every field of ``Kind`` and ``Backend`` without a default must be given: a
kind or a backend that misses one fails when it is registered, never later.

The spec's discriminated union, the CLI's ``--backend`` choices and every dispatch
on a kind or a backend read this registry. ``register_kind`` / ``register_backend``
add plugins from outside this package too (see tests/plugins/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS: dict[str, Kind] = {}
BACKENDS: dict[str, Backend] = {}


@dataclass(frozen=True, kw_only=True)
class Task:
    """What only a kind resolves from its spec: each kind's plugin subclasses this with
    its own typed fields (the projects' schema.py and templates read them). The fields
    here are the ones shared code asks of every kind; each default says the kind has no
    such thing."""

    route: str | None = None  # "generative" or "head", for kinds with routes
    baseline: bool = False  # a classical baseline after the data step
    tiers: list[dict] | None = None  # score tiers, [{"name", "below"}]

    @property
    def oversample(self) -> bool:
        """Minority classes repeated in the train split."""
        return False


@dataclass(frozen=True)
class Kind:
    name: str
    spec: type  # the pydantic model of a spec of this kind (``kind: Literal[name]``)
    metrics: dict[str, tuple[bool, str]]  # name -> (higher is better, description)
    metric_args: dict[str, str]  # metrics that take an argument -> what it names
    arg_word: str  # what a metric's argument names in this kind ("field", "class", ...)
    completion_format: str | None  # the answer format unless the spec says; None: no labels
    label_fields: Callable[[Any], dict]  # spec -> {name: LabelField}, in answer order
    task: Callable[[Any, Any], dict]  # (spec, overrides) -> what only this kind resolves
    check: Callable[[Any], None]  # checker -> adds the kind's own problems
    # (checker, path, metric, argument) -> checks what a threshold's argument names
    check_threshold: Callable[[Any, tuple, str, str], None]
    root: Path  # the plugin folder; its runtime/ is copied into projects
    # Where a label is declared in the spec (index: its place in a list of labels).
    label_path: Callable[..., tuple] = lambda name, index=None: ("labels", "fields", name)
    labels_are_keys: bool = False  # label_path points at a key of the spec, not a value
    named_labels: bool = True  # labels are columns of the row (inputs may not reuse them)
    labelled: bool = True  # rows carry labels and a prompt template (False: generation)
    na_token: Callable[[Any], str | None] = lambda spec: None
    # What `distillgen validate` says the spec declares ("3 label fields").
    describe: Callable[[Any], str] = lambda spec: _count(len(kind(spec.kind).label_fields(spec)))
    routes: tuple[str, ...] = ()  # the routes a spec of this kind can take (--route)
    route: Callable[[Any], str | None] = lambda spec: None  # the spec's route, if any
    tiered: Callable[[Any], bool] = lambda spec: False  # split.stratify_by may be "tier"
    # A kind that resolves its whole project itself: (loaded, out_dir, overrides) -> Project.
    resolve: Callable[..., Any] | None = None
    # A kind that samples its own data for `distillgen smoke`:
    # (spec, spec_dir, data_dir, rows) -> (the sample, texts the tiny tokenizer learns from).
    smoke_sample: Callable[..., tuple[Path, list[str]]] | None = None
    requirements: tuple[str, ...] = ()  # requirements.txt lines only this kind needs
    # Metrics measured in points, not shares (an error, a loss, a gain in points): any value
    # at or above 0 (a gain: any value); the others are shares in 0..1 (gains in -1..1).
    point_metrics: frozenset[str] = frozenset()
    # Metrics whose thresholds the kind's own check judges (skipped by the shared one).
    own_thresholds: frozenset[str] = frozenset()
    # Shared runtime files the kind has no use for (project paths).
    not_shared: frozenset[str] = frozenset()
    # Shared runtime files only the kinds that name them take (project paths), as a
    # backend's ``uses``: the figures a kind draws (pipeline/bar_plots.py, ...).
    uses: frozenset[str] = frozenset()
    # Project path -> template (below templates/) that replaces the shared one.
    templates: dict[str, str] = field(default_factory=dict)
    # The block of pipeline/schema.py with what only this kind has (a template below
    # templates/), included after the label schema.
    schema_block: str | None = None
    # The metric that picks the best checkpoint (training.select_by: metric) when no
    # acceptance threshold names one that the answers decide; None: the kind cannot.
    select_metric: str | None = None
    # Metrics that do not judge the answers alone (another run, or only their form): never
    # used to pick a checkpoint.
    unselectable: frozenset[str] = frozenset({"parse_rate", "gain_over_base"})
    # The head route's train and eval paragraphs of the generated README (a template below
    # templates/); a kind with routes=("generative", "head") gives one.
    head_readme: str | None = None
    # Its parts of the generated README.md (a template below templates/ with the macros
    # label_columns(), answers(), unavailable() and label_schema()); None for a kind with
    # a README template of its own
    readme: str | None = None
    # project -> the head's part of the peft config table: {"model": what the model and
    # its loss are, "rows": (spec key, value, key, shown, note) rows of its own}.
    head_config: Callable[[Any], dict] | None = None
    # What the eval report's figures of this kind show (the generated README says it),
    # beside the training curves every kind has.
    figures: str = ""
    # `distillgen new --from`: the plugin's infer.py (ORDER, claims, refuses, labels,
    # FRAME, stratify, acceptance; or ANSWERS and write), None where a spec of this kind
    # is not inferred from data
    infer: Any = None

    def runtime(self) -> Path:
        return self.root / "runtime"


@dataclass(frozen=True)
class Backend:
    name: str
    title: str  # as the README names it
    kinds: frozenset[str]  # the kinds it can build
    routes: frozenset[str]  # regression routes it can train
    quantize: frozenset[str]  # training.quantize values it can build
    config: Callable[[Any], tuple[dict, list]]  # project -> (config, README rows)
    config_file: str  # its config's path in the project
    config_template: str  # the template (below templates/) that writes it
    # its parts of the generated README: a template (below templates/, or an absolute path)
    # with the macros steps() (the step table's train rows), train(best) (best: how the
    # checkpoint kept is chosen, in words), engine() (eval's local engine) and config(); a
    # backend that builds generation projects adds text_train() (training on the text itself)
    readme: str
    smoke: Callable[..., tuple[list, str | None]]  # the smoke's steps for a built project
    root: Path
    # Shared runtime files only this backend's projects take (project paths).
    uses: frozenset[str] = frozenset()
    # The lines of pipeline/schema.py with what only this backend reads (a template below
    # templates/), included in the training block.
    schema_block: str | None = None
    # Why a kind, route or quantization is refused (added to the compatibility error).
    why_not: dict[str, str] = field(default_factory=dict)
    # project -> the requirements.txt lines of what it trains with
    requirements: Callable[[Any], list[str]] = lambda project: []
    early_stopping: bool = True  # training.early_stopping_patience can be honoured
    # training.select_by: metric on the generative route (answers generated at each eval)
    selects_by_metric: bool = False
    resumes: bool = False  # its train step resumes from checkpoints (the smoke checks it)
    # The README's words for what `make export` writes and what `make serve` starts
    # (the backend's runtime pipeline/weights.py does both; "" where it has none).
    exports: str = ""
    serves: str = ""

    def runtime(self) -> Path:
        return self.root / "runtime"

    def refuses(self, kind: str, route: str | None, quantize: str) -> str | None:
        """Why this backend cannot build that combination (None: it can)."""
        if kind not in self.kinds:
            return self.why_not.get(kind) or (
                f"backend {self.name!r} does not build {kind} projects "
                f"(it builds: {', '.join(sorted(self.kinds))})"
            )
        if route is not None and route not in self.routes:
            return self.why_not.get(route) or (
                f"backend {self.name!r} does not train the {route} route"
            )
        if quantize not in self.quantize:
            return self.why_not.get(quantize) or (
                f"backend {self.name!r} cannot build training.quantize {quantize}"
            )
        return self.why_not.get(f"{route}+{quantize}")


def register_kind(kind: Kind) -> Kind:
    """Add a kind (replacing one of the same name); the spec's union is rebuilt."""
    _check_fields(kind)
    KINDS[kind.name] = kind
    from .. import spec

    spec.reset_union()
    return kind


def register_backend(backend: Backend) -> Backend:
    _check_fields(backend)
    if (
        "pipeline/generate_hf.py" not in backend.uses
        and not (backend.runtime() / "pipeline" / "engine.py").is_file()
    ):
        raise TypeError(
            f"Backend {backend.name!r} says nothing of how eval and predict get answers: "
            "name pipeline/generate_hf.py in its uses (transformers, as peft and Axolotl "
            "do) or write its own runtime/pipeline/engine.py (as mlx does)"
        )
    BACKENDS[backend.name] = backend
    return backend


def unregister(name: str) -> None:
    """Remove a kind or a backend added by register_* (tests use it to clean up)."""
    KINDS.pop(name, None)
    BACKENDS.pop(name, None)
    from .. import spec

    spec.reset_union()


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"no kind {name!r} is registered (kinds: {', '.join(KINDS)})") from None


def backend(name: str) -> Backend:
    try:
        return BACKENDS[name]
    except KeyError:
        raise KeyError(
            f"no backend {name!r} is registered (backends: {', '.join(BACKENDS)})"
        ) from None


def _count(n: int, what: str = "label field") -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _check_fields(plugin) -> None:
    optional = {
        "completion_format",
        "resolve",
        "smoke_sample",
        "schema_block",
        "select_metric",
        "head_readme",
        "head_config",
        "infer",
        "readme",
    }
    missing = [k for k, v in vars(plugin).items() if v is None and k not in optional]
    if missing:
        raise TypeError(f"{type(plugin).__name__} {plugin.name!r} leaves out: {', '.join(missing)}")


def load_builtin() -> None:
    """The kinds and backends that come with distillgen, in their documented order."""
    import importlib

    for name in ("multi_field", "classification", "regression", "distillation", "generation"):
        importlib.import_module(f"{__name__}.kinds.{name}")
    for name in ("mlx", "peft", "axolotl"):
        importlib.import_module(f"{__name__}.backends.{name}")


load_builtin()
