"""Shared test helpers."""

from __future__ import annotations

import os
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


def load_generated(project_dir: Path, names=None) -> dict:
    """A generated project's pipeline modules, imported in isolation."""
    from distillgen.compile import PIPELINE_MODULES, import_project

    return import_project(project_dir, names or PIPELINE_MODULES)


def project_imported(project_dir: Path):
    """The project's data step and schema, importable as its own commands import them
    (its worker processes can be handed its functions) until the block ends."""
    from distillgen.compile import project_imported as imported

    return imported(project_dir, ("data", "schema"))


def build_into(spec: Path, out: Path, overrides=None) -> dict[str, str]:
    from distillgen.compile import build_project

    return build_project(spec, out, overrides)[1]


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


# The learnability test's side-by-side record of each backend's training (issue 16),
# shown in the terminal summary of every run that includes it.
LEARNABILITY_RECORD: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if LEARNABILITY_RECORD:
        terminalreporter.section("learnability: the effective training on each backend")
        for text in LEARNABILITY_RECORD:
            terminalreporter.write_line(text)


def tensorboard_scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar in a TensorBoard run folder (all its event files), by tag."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder))
    events.Reload()
    return {
        tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]
    }


def check_tracked_run(work: Path, trainer_tags: set[str]) -> None:
    """The poetry spec's TensorBoard run (tracking: to tensorboard, run poetry-r16) holds
    the training curves, eval's metrics at the last training step and the decision."""
    import json

    scalars = tensorboard_scalars(work / "tracking" / "tensorboard" / "poetry-r16")
    assert trainer_tags <= set(scalars), sorted(scalars)
    metrics = json.loads((work / "eval" / "metrics.json").read_text())
    last = max(step for tag in trainer_tags for step, _ in scalars[tag])
    split = metrics["split"]
    for name, value in metrics["summary"].items():
        if value is None:
            assert f"{split}/{name}" not in scalars
        else:
            assert scalars[f"{split}/{name}"] == [(last, pytest.approx(value))], name
    decision = json.loads((work / "accept" / "accept.json").read_text())["decision"]
    code = {"PASS": 0, "REVIEW": 1, "FAIL": 2}[decision]
    assert scalars["accept/decision"] == [(last, code)]
