"""`distillgen new NAME --kind KIND`: a starter spec and sample data from a cookiecutter scaffold.

The scaffolds live in templates/scaffolds/<kind>/ (one cookiecutter template per
kind). Each makes <dir>/<NAME>/<NAME>.yaml and <dir>/<NAME>/data/, and builds and
smokes as it is (tests/test_new.py runs every one).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .render import templates_dir
from .spec import _identifier, kind_names


class ScaffoldError(Exception):
    """The scaffold cannot be made; the message says why. Nothing was written."""


def scaffold(name: str, kind: str, out_dir: Path) -> Path:
    """Make the starter project; return the path of its spec."""
    try:
        _identifier(name)  # the rule the spec's own name follows
    except ValueError as exc:
        raise ScaffoldError(str(exc)) from None
    if kind not in kind_names():
        raise ScaffoldError(f"unknown kind {kind!r} (kinds: {', '.join(kind_names())})")
    target = out_dir / name
    if target.exists():
        raise ScaffoldError(f"{target} already exists; choose another name or directory")
    from cookiecutter.main import cookiecutter

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="distillgen-new-") as tmp:
        # cookiecutter keeps replay files and clones under the user's home unless told
        # otherwise: keep them in a scratch directory.
        config = Path(tmp) / "config.yaml"
        config.write_text(f"cookiecutters_dir: {tmp}/c\nreplay_dir: {tmp}/r\n", encoding="utf-8")
        made = cookiecutter(
            str(templates_dir() / "scaffolds" / kind),
            no_input=True,
            extra_context={"name": name},
            output_dir=str(out_dir),
            config_file=str(config),
        )
    spec = Path(made) / f"{name}.yaml"
    try:
        return spec.relative_to(Path.cwd())
    except ValueError:
        return spec
