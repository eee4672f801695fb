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


def test_timing_the_render_changes_nothing_and_names_every_template(tmp_path):
    """bench/ times each template through render_project's ``timings``; the files are the same."""
    from distillgen.ir import resolve
    from distillgen.load import read_spec
    from distillgen.render import MANIFEST, render_project, rendered_files, runtime_files

    project = resolve(read_spec(ROOT / "specs" / "poetry.yaml"), tmp_path / "poetry", None)
    timings: dict[str, float] = {}
    timed = render_project(project, timings)
    assert timed == render_project(project)
    assert timings.pop("ruff format") > 0
    out_of = dict(rendered_files(project))
    assert set(timings) <= set(out_of)
    # One timing per file rendered (the manifest is not a template and the runtime is
    # copied, not rendered), none for skipped ones.
    rendered = set(timed) - {MANIFEST} - set(runtime_files(project))
    assert len(timings) == len(rendered)
    assert sorted(out_of[t] for t in timings) == sorted(rendered)
    assert all(seconds > 0 for seconds in timings.values())
