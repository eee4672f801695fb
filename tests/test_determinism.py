"""Same spec, same bytes: whatever PYTHONHASHSEED, process or output location depth."""

from __future__ import annotations

import os
import subprocess
import sys

from distillgen.writer import IGNORED_DIRS

from .conftest import ROOT


def _build(out, seed):
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    subprocess.run(
        [sys.executable, "-m", "distillgen", "build", "specs/poetry.yaml", "--out", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_builds_in_separate_processes_are_identical(tmp_path):
    a = _build(tmp_path / "a" / "poetry", 0)
    b = _build(tmp_path / "b" / "poetry", 4242)
    assert sorted(a) == sorted(b)
    assert len(a) >= 20
    for path in a:
        assert a[path] == b[path], path


def test_build_matches_the_golden_record_apart_from_location(tmp_path):
    built = _build(tmp_path / "x" / "poetry", 7)
    golden = ROOT / "generated" / "poetry"
    assert sorted(built) == sorted(
        p.relative_to(golden).as_posix()
        for p in golden.rglob("*")
        if p.is_file() and not IGNORED_DIRS & set(p.relative_to(golden).parts)
    )
    for path, data in built.items():
        ref = (golden / path).read_bytes()
        if path in ("pipeline/schema.py",) or path.endswith((".json", ".md")):
            continue  # these name the spec's and the data's relative location
        header_free = b"\n".join(data.splitlines()[2:])
        assert header_free == b"\n".join(ref.splitlines()[2:]), path
