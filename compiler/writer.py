"""Writing a compiled project to disk, and comparing it with what is there.

A build computes every file in memory first; only then is anything written. The
new project is written whole to a staging directory beside the output, then
swapped in with two renames; the files a user keeps there (work/, files added by
hand) are carried over. Files that the previous build made (its manifest lists
them) and this one does not are dropped; files a user added are reported, never
deleted. Symlinks inside the output directory are refused.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
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


def _staging(out: Path) -> tuple[Path, Path]:
    return (
        out.parent / f".{out.name}.distillgen-new",
        out.parent / f".{out.name}.distillgen-old",
    )


# Indirections so that tests can interrupt a build at every step.
def _rename(src: Path, dst: Path) -> None:
    os.rename(src, dst)


def _rmtree(path: Path) -> None:
    shutil.rmtree(path)


def _user_entries(root: Path, generated: set[str]) -> list[str]:
    """Paths under ``root`` that no build made, as whole directories where possible."""
    entries: list[str] = []
    for dirpath, dirs, names in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        keep_dirs = []
        for d in sorted(dirs):
            rel = (rel_dir / d).as_posix()
            if not any(g.startswith(rel + "/") for g in generated):
                entries.append(rel)  # nothing generated inside: carry it whole
            else:
                keep_dirs.append(d)
        dirs[:] = keep_dirs
        for name in sorted(names):
            rel = (rel_dir / name).as_posix()
            if rel not in generated and not name.endswith(".distillgen-tmp"):
                entries.append(rel)
    return entries


def _carry(src_root: Path, dst_root: Path, entries: list[str]) -> None:
    for rel in entries:
        src, dst = src_root / rel, dst_root / rel
        if not (src.exists() or src.is_symlink()) or dst.exists() or dst.is_symlink():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        _rename(src, dst)


def recover(out: Path) -> None:
    """Finish or undo a build that was interrupted (called before every build and check)."""
    stage, old = _staging(out)
    if old.exists():
        if not out.exists():
            _rename(old, out)  # interrupted between the two renames: restore the previous
        else:
            generated = _manifest_files(old) or set()
            _carry(old, out, _user_entries(old, generated))
            _rmtree(old)
    if stage.exists():
        _rmtree(stage)


def write_project(files: dict[str, str], out: Path) -> WriteReport:
    """Write atomically: at every moment ``out`` holds the whole previous project or the
    whole new one (a crash between the two renames is undone by the next command)."""
    recover(out)
    check_output_dir(out)
    previous = _manifest_files(out) or set()
    report = WriteReport()
    stage, old = _staging(out)
    for rel in files:
        _safe_target(out, rel)
    stage.mkdir(parents=True)
    for rel in sorted(files, key=lambda r: (r == MANIFEST, r)):
        target = stage / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[rel].encode("utf-8"))
        existing = out / rel
        if existing.is_file() and existing.read_bytes() == files[rel].encode("utf-8"):
            report.unchanged.append(rel)
        else:
            report.written.append(rel)
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        _rename(stage, out)
        return report
    user = _user_entries(out, previous | set(files))
    report.removed = sorted(rel for rel in previous - set(files) if (out / rel).is_file())
    report.foreign = sorted(
        rel for rel in _on_disk(out) if rel not in previous and rel not in files
    )
    _rename(out, old)
    _rename(stage, out)
    _carry(old, out, user)
    _rmtree(old)
    return report


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
