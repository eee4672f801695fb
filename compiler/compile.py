"""The pipeline: spec file -> validated spec -> resolved project -> {path: content}."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

from . import plugins
from .checks import refusal_path
from .errors import Problem, SpecError
from .ir import Overrides, resolve
from .load import LoadedSpec, read_spec
from .render import render_project
from .writer import WriteReport, write_project


def default_out(loaded: LoadedSpec) -> Path:
    return Path("generated") / loaded.spec.name


def compile_spec(
    spec_path: str | Path, out: Path | None = None, overrides: Overrides | None = None
) -> tuple[LoadedSpec, Path, dict[str, str]]:
    """Compile in memory. Raises SpecError with every problem; writes nothing."""
    loaded = read_spec(spec_path)
    ov = overrides or Overrides()
    if out is None:
        out = default_out(loaded)
        if ov.backend is not None and ov.backend != loaded.spec.training.backend:
            out = out.with_name(f"{out.name}-{ov.backend}")
        if ov.route is not None and ov.route != getattr(loaded.spec.labels, "route", None):
            out = out.with_name(f"{out.name}-{ov.route}")
    ov = route_backend(loaded, ov)
    _check_overrides(loaded, ov)
    project = resolve(loaded, out, ov)
    return loaded, out, render_project(project)


def route_backend(loaded: LoadedSpec, ov: Overrides) -> Overrides:
    """--route without --backend, for a route the spec's backend cannot train (toxicity's
    mlx and the head): the route's backend, the first registered one that trains it."""
    spec = loaded.spec
    kind = plugins.kind(spec.kind)
    if ov.route is None or ov.backend is not None or kind.route(spec) is None:
        return ov
    quantize = spec.training.quantize
    if plugins.backend(spec.training.backend).refuses(spec.kind, ov.route, quantize) is None:
        return ov
    for backend in plugins.BACKENDS.values():
        if backend.refuses(spec.kind, ov.route, quantize) is None:
            return dataclasses.replace(ov, backend=backend.name)
    return ov  # no backend trains it: _check_overrides says why


def _check_overrides(loaded: LoadedSpec, ov: Overrides) -> None:
    """Build-time choices (--backend, --route) checked against the spec like its own keys:
    the backend's plugin says what it can build."""
    spec = loaded.spec
    kind = plugins.kind(spec.kind)
    problems = []
    if ov.route is not None and kind.route(spec) is None:
        routed = [k.name for k in plugins.KINDS.values() if k.routes]
        problems.append(f"--route applies to {' and '.join(routed)} specs; this one is {spec.kind}")
    elif ov.backend or ov.route:
        backend = plugins.backend(ov.backend or spec.training.backend)
        route, quantize = ov.route or kind.route(spec), spec.training.quantize
        message = backend.refuses(spec.kind, route, quantize)
        where = refusal_path(backend, spec.kind, route, quantize)
        if message and where == ("training", "backend"):
            problems.append(f"--backend {backend.name}: {message}")
        elif message and where == ("training", "quantize"):
            problems.append(f"--route/--backend: training.quantize {quantize}: {message}")
        elif message:
            problems.append(f"--route/--backend: {message}")
    if problems:
        # Command-line choices have no place in the spec file: reported at its start.
        raise SpecError([Problem(loaded.display, 1, 1, "", message) for message in problems])


def build_project(
    spec_path: str | Path, out: Path | None = None, overrides: Overrides | None = None
) -> tuple[Path, dict[str, str], WriteReport]:
    """Compile and write (atomically). Raises SpecError or OutputError; writes nothing then."""
    _, out, files = compile_spec(spec_path, out, overrides)
    return out, files, write_project(files, out)


PIPELINE_MODULES = ("schema", "labels", "parse", "prompts", "split", "metrics", "accept", "data")


@contextlib.contextmanager
def project_imported(project_dir: Path, names=PIPELINE_MODULES):
    """A generated project's `pipeline.<name>` modules, importable as its own commands
    import them (on sys.path and in sys.modules, so the data step's worker processes
    can be handed its functions) until the block ends. Any `pipeline` package already
    imported (another project's) is forgotten before and after."""
    import importlib
    import sys

    def forget() -> None:
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]

    forget()
    sys.path.insert(0, str(project_dir))
    try:
        yield {name: importlib.import_module(f"pipeline.{name}") for name in names}
    finally:
        sys.path.remove(str(project_dir))
        forget()


def import_project(project_dir: Path, names=PIPELINE_MODULES) -> dict:
    """A generated project's `pipeline.<name>` modules, imported fresh and isolated, so
    several generated projects can be loaded side by side in one process."""
    with project_imported(project_dir, names) as modules:
        return modules
