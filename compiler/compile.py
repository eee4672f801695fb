"""The pipeline: spec file -> validated spec -> resolved project -> {path: content}."""

from __future__ import annotations

import contextlib
from pathlib import Path

from .checks import quantize_problem, route_problem
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
    _check_overrides(loaded, ov)
    if out is None:
        out = default_out(loaded)
        if ov.backend is not None and ov.backend != loaded.spec.training.backend:
            out = out.with_name(f"{out.name}-{ov.backend}")
        if ov.route is not None and ov.route != getattr(loaded.spec.labels, "route", None):
            out = out.with_name(f"{out.name}-{ov.route}")
    project = resolve(loaded, out, overrides)
    return loaded, out, render_project(project)


def _check_overrides(loaded: LoadedSpec, ov: Overrides) -> None:
    """Build-time choices (--backend, --route) checked against the spec like its own keys."""
    spec = loaded.spec
    problems = []
    if spec.kind == "generation" and ov.backend == "mlx":
        problems.append("--backend mlx: generation projects are built for peft or axolotl so far")
    if ov.route is not None and spec.kind != "regression":
        problems.append(f"--route applies to regression specs; this one is {spec.kind}")
    elif spec.kind == "regression":
        backend = ov.backend or spec.training.backend
        message = route_problem(ov.route or spec.labels.route, backend)
        if message and (ov.route or ov.backend):
            problems.append(f"--route/--backend: {message}")
    if ov.backend or ov.route:
        route = ov.route or getattr(getattr(spec, "labels", None), "route", None)
        message = quantize_problem(
            spec.training.quantize, ov.backend or spec.training.backend, route
        )
        if message:
            problems.append(f"--route/--backend: training.quantize 4bit: {message}")
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
