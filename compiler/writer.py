"""Writing a compiled project to disk, and comparing it with what is there.

A build computes every file in memory first; only then is anything written.
Each file is written to a temporary name and renamed into place, the manifest
last. Files that the previous build made (its manifest lists them) and this one
does not are removed; files a user added are reported, never deleted. Symlinks
inside the output directory are refused.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .render import MANIFEST

# Not generated, never reported: the steps' outputs and tool caches.
IGNORED_DIRS = frozenset({"work", "__pycache__", ".pytest_cache", ".ruff_cache", ".venv"})


class OutputError(Exception):
    """The output directory cannot be written safely."""


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def _manifest_files(out: Path) -> set[str] | None:
    path = out / MANIFEST
    if not path.is_file():
        return None
    try:
        return set(json.loads(path.read_text(encoding="utf-8"))["files"]) | {MANIFEST}
    except (ValueError, KeyError, TypeError):
        return set()


def _on_disk(out: Path) -> set[str]:
    found = set()
    for root, dirs, files in os.walk(out):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS)
        for name in files:
            found.add((Path(root) / name).relative_to(out).as_posix())
    return found


def _safe_target(out: Path, rel: str) -> Path:
    target = out / rel
    # Walk every component below out: none may be a symlink.
    current = out
    for part in Path(rel).parts:
        current = current / part
        if current.is_symlink():
            raise OutputError(f"{current} is a symlink; refusing to write through it")
    return target


def check_output_dir(out: Path) -> None:
    if out.is_symlink():
        raise OutputError(f"output directory {out} is a symlink; refusing to write through it")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out} exists and is not a directory")
    if out.is_dir() and _manifest_files(out) is None:
        visible = [p for p in out.iterdir() if p.name not in IGNORED_DIRS]
        if visible:
            raise OutputError(
                f"output directory {out} is not empty and was not made by distillgen "
                f"(no {MANIFEST}); refusing to write into it"
            )


def write_project(files: dict[str, str], out: Path) -> WriteReport:
    check_output_dir(out)
    previous = _manifest_files(out) or set()
    report = WriteReport()
    targets = {rel: _safe_target(out, rel) for rel in files}
    out.mkdir(parents=True, exist_ok=True)
    for rel in sorted(files, key=lambda r: (r == MANIFEST, r)):
        target = targets[rel]
        data = files[rel].encode("utf-8")
        if target.is_file() and target.read_bytes() == data:
            report.unchanged.append(rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.distillgen-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        report.written.append(rel)
    for rel in sorted(previous - set(files)):
        target = out / rel
        if target.is_file() and not target.is_symlink():
            target.unlink()
            report.removed.append(rel)
            _prune_empty(target.parent, out)
    report.foreign = sorted(_on_disk(out) - set(files) - previous)
    return report


def _prune_empty(directory: Path, stop: Path) -> None:
    while directory != stop and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def diff_project(files: dict[str, str], out: Path) -> tuple[str, list[str]]:
    """A unified diff from what is on disk to what the spec compiles to, and a summary."""
    chunks: list[str] = []
    summary: list[str] = []
    previous = _manifest_files(out) or set()
    for rel in sorted(files):
        path = out / rel
        expected = files[rel]
        if not path.is_file():
            summary.append(f"missing: {rel}")
            actual_lines: list[str] = []
        else:
            try:
                actual = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                actual = path.read_bytes().decode("utf-8", "replace")
            if actual == expected:
                continue
            summary.append(f"differs: {rel}")
            actual_lines = actual.splitlines(keepends=True)
        chunks.extend(
            difflib.unified_diff(
                actual_lines,
                expected.splitlines(keepends=True),
                fromfile=f"a/{rel}",
                tofile=f"b/{rel}",
            )
        )
    if out.is_dir():
        for rel in sorted((previous & _on_disk(out)) - set(files)):
            summary.append(f"stale: {rel} (the spec no longer makes it)")
            text = (out / rel).read_text(encoding="utf-8", errors="replace")
            chunks.extend(
                difflib.unified_diff(
                    text.splitlines(keepends=True), [], fromfile=f"a/{rel}", tofile="/dev/null"
                )
            )
    return "".join(chunks), summary
