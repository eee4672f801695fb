"""A backend defined outside distillgen: its train step only records what it was asked
to do. Registered by tests/test_plugins.py only (proof that a backend is a plugin)."""

from __future__ import annotations

from pathlib import Path

from distillgen.backends import Row
from distillgen.plugins import Backend

ROOT = Path(__file__).resolve().parent


def config(project) -> tuple[dict, list]:
    steps = project.training["steps"]
    return {"steps": steps}, [Row("training.steps", str(steps), "steps", str(steps))]


def smoke(plan: list, python: str, project: Path, cuda: bool) -> tuple[list, str | None]:
    return plan, None


BACKEND = Backend(
    name="scripted",
    title="a scripted trainer",
    kinds=frozenset({"rating"}),
    routes=frozenset({"generative"}),
    quantize=frozenset({"none"}),
    config=config,
    config_file="configs/scripted.yaml",
    config_template=str(ROOT / "scripted.yaml.j2"),
    readme=str(ROOT / "readme.md.j2"),
    smoke=smoke,
    root=ROOT,
    requirements=lambda project: ["# the scripted trainer needs nothing more"],
    uses=frozenset({"pipeline/generate_hf.py"}),  # eval and predict answer with transformers
)
