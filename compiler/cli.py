"""Command line: build, check, validate, new, schema, smoke.

Exit codes: 0 success; 1 `check` found drift or `smoke` failed; 2 invalid spec,
input or output directory (every problem is printed, nothing is written).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import plugins
from .errors import EXIT_DRIFT, EXIT_INVALID, EXIT_OK, SpecError
from .writer import OutputError


def _fail(exc: Exception) -> None:
    if isinstance(exc, SpecError):
        click.echo(exc.report(), err=True)
    else:
        click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_INVALID)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="distillgen")
def main() -> None:
    """Compile a fine-tuning task spec into a ready-to-run training project."""


BACKEND = click.option(
    "--backend",
    type=click.Choice(list(plugins.BACKENDS)),
    default=None,
    help="Build for this backend instead of the spec's (default output gets a -BACKEND suffix).",
)


ROUTE = click.option(
    "--route",
    type=click.Choice(sorted({route for kind in plugins.KINDS.values() for route in kind.routes})),
    default=None,
    help="Regression specs: build this route instead of the spec's (default output gets a "
    "-ROUTE suffix).",
)


def _overrides(backend, route=None):
    from .ir import Overrides

    return Overrides(backend=backend, route=route) if backend or route else None


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory (default: generated/<spec name>/).",
)
@BACKEND
@ROUTE
def build(spec: Path, out: Path | None, backend: str | None, route: str | None) -> None:
    """Validate SPEC and compile it into a project."""
    from .compile import build_project

    try:
        out_dir, _, report = build_project(spec, out, _overrides(backend, route))
    except (SpecError, OutputError) as exc:
        _fail(exc)
    click.echo(
        f"built {out_dir}: {len(report.written)} written, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed"
    )
    for rel in report.removed:
        click.echo(f"  removed {rel} (no longer generated)")
    for rel in report.foreign:
        click.echo(f"  note: {rel} was not made by distillgen; left as it is", err=True)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@BACKEND
@ROUTE
def check(spec: Path, out: Path | None, backend: str | None, route: str | None) -> None:
    """Exit 0 if the output directory is what SPEC compiles to; else 1 and a diff."""
    from .compile import compile_spec
    from .writer import diff_project, recover

    try:
        _, out_dir, files = compile_spec(spec, out, _overrides(backend, route))
        recover(out_dir)
    except SpecError as exc:
        _fail(exc)
    diff, summary = diff_project(files, out_dir)
    if not summary:
        click.echo(f"{out_dir} is up to date with {spec}")
        sys.exit(EXIT_OK)
    click.echo(diff, nl=False)
    for line in summary:
        click.echo(line, err=True)
    click.echo(
        f"{out_dir} differs from what {spec} compiles to; run `distillgen build {spec}`", err=True
    )
    sys.exit(EXIT_DRIFT)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
def validate(spec: Path) -> None:
    """Check SPEC and print every problem; write nothing."""
    from .load import read_spec

    try:
        loaded = read_spec(spec)
    except SpecError as exc:
        _fail(exc)
    described = plugins.kind(loaded.spec.kind).describe(loaded.spec)
    click.echo(f"{spec}: ok ({loaded.spec.kind}, {described})")


@main.command()
@click.argument("name")
@click.option(
    "--kind",
    default=None,
    type=click.Choice(list(plugins.KINDS)),
    help="The task kind (required without --from; with it, inferred unless given).",
)
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path),
    default=None,
    help="Infer the spec from this data: JSONL, CSV, Parquet or a save_to_disk directory.",
)
@click.option(
    "--label",
    "labels",
    multiple=True,
    help="A label column (repeat for several; dotted for a nested one). Default: by its name.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet", "hf"]),
    default=None,
    help="The --from file's format, where its name does not say.",
)
@click.option(
    "--dir",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("specs"),
    show_default=True,
    help="Where the directory NAME/ is made.",
)
def new(
    name: str,
    kind: str | None,
    source: Path | None,
    labels: tuple[str, ...],
    fmt: str | None,
    out_dir: Path,
) -> None:
    """Make a spec NAME: inferred from your data (--from FILE), or a neutral starter of
    KIND with sample data. It validates, builds and smokes as it is."""
    from .new import ScaffoldError, from_data, scaffold

    if source is None and kind is None:
        _fail(ScaffoldError("give --from FILE (your data) or --kind KIND (a neutral starter)"))
    if source is None and (labels or fmt):
        _fail(ScaffoldError("--label and --format describe the --from file: give --from"))
    try:
        if source is not None:
            spec = from_data(name, source, out_dir, list(labels) or None, kind, fmt)
        else:
            spec = scaffold(name, kind, out_dir)
    except ScaffoldError as exc:
        _fail(exc)
    questions = spec.read_text(encoding="utf-8").count("# QUESTION:")
    click.echo(f"made {spec} and {spec.parent / 'data'}/")
    if questions:
        click.echo(f"{questions} QUESTION comment(s) in the spec: the data leaves them open")
    click.echo(f"next: distillgen build {spec}   (or: distillgen smoke {spec})")


@main.command()
def schema() -> None:
    """Print the spec language's JSON Schema."""
    from .spec import json_schema

    click.echo(json.dumps(json_schema(), indent=2, sort_keys=True))


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rows", default=30, show_default=True, help="Source rows to use.")
@click.option("--steps", default=4, show_default=True, help="Training steps.")
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Work in this directory and keep it (default: a temporary one).",
)
@BACKEND
@ROUTE
def smoke(
    spec: Path, rows: int, steps: int, keep: Path | None, backend: str | None, route: str | None
) -> None:
    """Run SPEC's generated project end to end on a tiny local model, on CPU."""
    from .smoke import run_smoke

    try:
        ok = run_smoke(
            spec, rows=rows, steps=steps, keep=keep, echo=click.echo, backend=backend, route=route
        )
    except (SpecError, OutputError) as exc:
        _fail(exc)
    sys.exit(EXIT_OK if ok else EXIT_DRIFT)
