"""distillgen's runtime: the engine of every generated project, as real Python modules.

Files below this folder (and below each plugin's ``runtime/`` folder) mirror a generated
project's layout (``pipeline/split.py`` here is ``pipeline/split.py`` there) and are copied
into projects byte for byte. They import each other relatively and read what the spec
decides only from the rendered ``pipeline/schema.py``. Each starts with RUNTIME_HEADER.
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__

ROOT = Path(__file__).resolve().parent


def header(rel: str) -> str:
    """The two comment lines every runtime file starts with."""
    return (
        f"# distillgen {__version__} runtime, copied verbatim: identical in every project.\n"
        f"# Do not edit. Source: distillgen/{rel}\n"
    )


def files_under(root: Path) -> dict[str, Path]:
    """Project path -> source file, for every runtime file below ``root``."""
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*.py"))
        if p.name != "__init__.py" and p.relative_to(root).parts[0] in ("pipeline", "tests")
    }
