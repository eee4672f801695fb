"""A spec with many label fields of every type (some allowing N/A) passes its own
generated tests in every completion format (issue 15, bugs 1 and 2), and so does a
distillation spec whose answer schema has JSON Schema's shapes (issue 14)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .conftest import FIXTURES, build_into


@pytest.mark.parametrize("completion_format", ["key_value", "json"])
def test_generated_tests_pass_for_every_field_type(tmp_path, completion_format):
    base = tmp_path / "spec"
    shutil.copytree(FIXTURES / "every_type", base)
    spec = base / "every_type.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(
        text.replace("completion_format: key_value", f"completion_format: {completion_format}"),
        encoding="utf-8",
    )
    assert_own_tests_pass(spec, tmp_path / "project")


def test_generated_tests_pass_for_every_answer_shape(tmp_path):
    """Nested objects, an array of objects, a $ref, a nullable type, a const, anyOf,
    exclusive bounds, multipleOf, a date and an optional property, with a teacher: the
    data step, predict and the teacher's tests run on answers drawn from that schema."""
    out = tmp_path / "project"
    assert_own_tests_pass(FIXTURES / "distill_shapes" / "distill_shapes.yaml", out)
    for name in ("test_data_step", "test_predict", "test_predict_server", "test_teacher"):
        assert (out / "tests" / f"{name}.py").is_file(), name


def assert_own_tests_pass(spec, out):
    """The project built from ``spec`` passes its own tests, none skipped."""
    build_into(spec, out)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests"],
        cwd=out,
        capture_output=True,
        text=True,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
    )
    assert run.returncode == 0, run.stdout[-4000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout, run.stdout[-2000:]
