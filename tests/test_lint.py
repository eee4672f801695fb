"""Generated code is lint-clean and formatted (ruff, with the generated project's own config);
so is the compiler."""

from __future__ import annotations

import subprocess

import pytest

from distillgen.render import _ruff_bin

from .conftest import FIXTURES, ROOT, build_into


def ruff(*args, cwd):
    return subprocess.run([_ruff_bin(), *args], cwd=cwd, capture_output=True, text=True)


GOLDEN_PROJECTS = sorted(p.name for p in (ROOT / "generated").iterdir() if p.is_dir())


@pytest.mark.parametrize("spec", [*GOLDEN_PROJECTS, "mini"])
def test_generated_project_is_lint_clean(spec, tmp_path):
    if spec != "mini":
        project = ROOT / "generated" / spec
    else:
        project = tmp_path / "mini"
        build_into(FIXTURES / "mini" / "mini.yaml", project)
    check = ruff("check", "--no-cache", ".", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = ruff("format", "--no-cache", "--check", ".", cwd=project)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_compiler_tests_and_bench_are_lint_clean():
    check = ruff("check", "--no-cache", "compiler", "tests", "bench", cwd=ROOT)
    assert check.returncode == 0, check.stdout + check.stderr
