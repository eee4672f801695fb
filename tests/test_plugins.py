"""Kinds and backends are plugins: a kind and a backend defined in tests/plugins/ (not in
compiler/) are registered, a spec of that kind is compiled for that backend, and the
generated project's own tests pass. Nothing in compiler/ names them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from distillgen import plugins
from distillgen.compile import build_project, compile_spec
from distillgen.errors import SpecError

from .conftest import ROOT
from .plugins import rating, scripted

SPEC = ROOT / "tests" / "plugins" / "rating.yaml"


@pytest.fixture
def registered():
    plugins.register_kind(rating.KIND)
    plugins.register_backend(scripted.BACKEND)
    try:
        yield
    finally:
        plugins.unregister("rating")
        plugins.unregister("scripted")


def test_nothing_in_the_compiler_names_the_test_plugins():
    for path in (ROOT / "compiler").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "scripted" not in text and '"rating"' not in text, path


def test_an_unregistered_kind_is_refused_with_the_registered_ones():
    with pytest.raises(SpecError, match="unknown task kind 'rating'; expected one of: multi_field"):
        compile_spec(SPEC)


def test_a_kind_that_leaves_out_a_part_fails_when_registered():
    from dataclasses import replace

    with pytest.raises(TypeError, match="Kind 'rating' leaves out: check"):
        plugins.register_kind(replace(rating.KIND, check=None))
    assert "rating" not in plugins.KINDS


def test_a_backend_that_cannot_answer_for_eval_and_predict_fails_when_registered():
    from dataclasses import replace

    with pytest.raises(TypeError, match="Backend 'scripted' says nothing of how eval and predict"):
        plugins.register_backend(replace(scripted.BACKEND, uses=frozenset()))
    assert "scripted" not in plugins.BACKENDS


def test_a_registered_kind_and_backend_compile_and_the_project_tests_pass(registered, tmp_path):
    out = tmp_path / "ratings"
    _, files, _ = build_project(SPEC, out)
    # The kind's runtime and the backend's config and train step are in the project.
    assert "pipeline/task.py" in files and "rating kind" in files["pipeline/task.py"]
    assert files["configs/scripted.yaml"].endswith("steps: 10\n")
    assert "only records what it was" not in files["pipeline/train.py"]  # runtime, not doc
    assert "scripted.json" in files["pipeline/train.py"]
    assert "# the scripted trainer needs nothing more" in files["requirements.txt"]
    assert "pipeline/merge.py" not in files and "merge:" not in files["Makefile"]
    assert "a scripted trainer" in files["README.md"]
    # The schema takes the kind's label field; the answer is the number alone.
    assert '"name": "stars", "type": "integer"' in files["pipeline/schema.py"]
    assert 'COMPLETION_FORMAT = "label"' in files["pipeline/schema.py"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " passed" in proc.stdout
    train = subprocess.run([sys.executable, "-m", "pipeline.train"], cwd=out)
    assert train.returncode == 0
    assert (out / "work" / "adapters" / "scripted.json").read_text() == '{"steps": 10}\n'


def test_a_kind_resolves_a_typed_task_not_a_dict(tmp_path):
    from dataclasses import replace

    plugins.register_kind(replace(rating.KIND, task=lambda spec, overrides: {"scale": 5}))
    plugins.register_backend(scripted.BACKEND)
    try:
        with pytest.raises(TypeError, match="kind 'rating': task\\(\\) returned dict, not a"):
            build_project(SPEC, tmp_path / "ratings")
    finally:
        plugins.unregister("rating")
        plugins.unregister("scripted")
    assert not (tmp_path / "ratings").exists()


def test_compatibility_is_the_backends_word(registered):
    from distillgen.ir import Overrides

    with pytest.raises(SpecError, match="--backend mlx: backend 'mlx' does not build rating"):
        compile_spec(SPEC, overrides=Overrides(backend="mlx"))
    poetry = ROOT / "specs" / "poetry.yaml"
    with pytest.raises(SpecError, match="--backend scripted: backend 'scripted' does not build"):
        compile_spec(poetry, overrides=Overrides(backend="scripted"))


def test_no_kind_is_chosen_by_name_outside_its_plugin():
    """Kinds are plugins: the compiler and the shared runtime ask a kind's plugin (its
    hooks, its task.py, its infer.py), never compare a kind's name. Only the kind
    folders may name their own kind."""
    import re

    pattern = re.compile(
        r"""\b(kind|KIND)\s*(==|!=|in\s*[(\[{])|["'](multi_field|classification|regression|distillation|generation)["']\s*(==|!=)\s*\w*kind"""
    )
    found = []
    for path in sorted((ROOT / "compiler").rglob("*.py")):
        if "plugins/kinds" in path.as_posix():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
