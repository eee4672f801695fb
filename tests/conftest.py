"""Shared test helpers."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
UPDATE_SNAPSHOTS = os.environ.get("DISTILLGEN_UPDATE_SNAPSHOTS") == "1"


@pytest.fixture
def in_repo(monkeypatch):
    """Run with the repository root as the working directory."""
    monkeypatch.chdir(ROOT)
    return ROOT


def load_generated(project_dir: Path):
    """Import a generated project's `pipeline` package (fresh, isolated from others)."""
    for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
        del sys.modules[name]
    sys.path.insert(0, str(project_dir))
    try:
        modules = {
            name: importlib.import_module(f"pipeline.{name}")
            for name in (
                "schema",
                "labels",
                "parse",
                "prompts",
                "split",
                "metrics",
                "accept",
                "data",
            )
        }
    finally:
        sys.path.remove(str(project_dir))
        for name in [m for m in sys.modules if m == "pipeline" or m.startswith("pipeline.")]:
            del sys.modules[name]
    return modules


def build_into(spec: Path, out: Path, overrides=None) -> dict[str, str]:
    from distillgen.compile import compile_spec
    from distillgen.writer import write_project

    _, _, files = compile_spec(spec, out, overrides)
    write_project(files, out)
    return files


# Property tests: a fixed derandomized run in CI (no flakes), random exploration locally.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A tiny random model + tokenizer trained on the fixture and poetry texts."""
    from distillgen.tiny import build_tiny_model

    texts = (FIXTURES / "mini" / "data" / "mini.jsonl").read_text(encoding="utf-8").splitlines()
    texts += (ROOT / "specs" / "data" / "poetry.jsonl").read_text(encoding="utf-8").splitlines()
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", texts)
