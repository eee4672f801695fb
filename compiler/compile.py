"""The pipeline: spec file -> validated spec -> resolved project -> {path: content}."""

from __future__ import annotations

from pathlib import Path

from .ir import Overrides, resolve
from .load import LoadedSpec, read_spec
from .render import render_project


def default_out(loaded: LoadedSpec) -> Path:
    return Path("generated") / loaded.spec.name


def compile_spec(
    spec_path: str | Path, out: Path | None = None, overrides: Overrides | None = None
) -> tuple[LoadedSpec, Path, dict[str, str]]:
    """Compile in memory. Raises SpecError with every problem; writes nothing."""
    loaded = read_spec(spec_path)
    backend = overrides.backend if overrides is not None else None
    if out is None:
        out = default_out(loaded)
        if backend is not None and backend != loaded.spec.training.backend:
            out = out.with_name(f"{out.name}-{backend}")
    project = resolve(loaded, out, overrides)
    return loaded, out, render_project(project)
