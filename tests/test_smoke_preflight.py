"""`distillgen smoke` checks what the project needs before its first step and says what to
install, instead of a ModuleNotFoundError from the middle of a step (issue 15, bug 7)."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from click.testing import CliRunner

from distillgen import smoke
from distillgen.cli import main

from .conftest import FIXTURES, ROOT

_find_spec = importlib.util.find_spec


@pytest.fixture
def without(monkeypatch):
    """Make these top-level modules look not installed to the smoke's check."""

    def hide(*names):
        def find_spec(name, *args, **kwargs):
            return None if name in names else _find_spec(name, *args, **kwargs)

        monkeypatch.setattr(smoke.importlib.util, "find_spec", find_spec)

    return hide


def test_missing_packages_are_named_with_the_install_command_before_any_step(without, tmp_path):
    without("peft", "sklearn")
    work = tmp_path / "work"
    result = CliRunner().invoke(
        main,
        ["smoke", str(ROOT / "specs" / "toxicity.yaml"), "--backend", "peft", "--keep", str(work)],
    )
    assert result.exit_code == 1, result.output
    assert "needs packages that this Python" in result.output
    assert "cannot import: peft==0.21.2, scikit-learn>=1.5" in result.output
    assert f"install: {sys.executable} -m pip install peft==0.21.2 'scikit-learn>=1.5'" in (
        result.output
    )
    assert result.output.rstrip().endswith("smoke: FAILED before the first step")
    assert "Traceback" not in result.output
    assert not (work / "model").exists() and not (work / "project").exists()


def test_mlx_project_needs_mlx_lm(without, tmp_path):
    without("mlx_lm")
    message = smoke._missing_requirements(
        FIXTURES / "mini" / "mini.yaml", tmp_path, "mlx", None, None
    )
    assert "needs a package that this Python" in message
    assert "cannot import: mlx-lm==0.32.2\n" in message


def test_axolotl_command_missing_is_said_apart(monkeypatch, tmp_path):
    monkeypatch.setattr(smoke.shutil, "which", lambda name: None)
    message = smoke._missing_requirements(
        ROOT / "specs" / "poetry.yaml", tmp_path, "axolotl", None, None
    )
    assert message.startswith("smoke: the axolotl project of ")
    assert "runs the axolotl command, which is not on PATH" in message
    assert "install axolotl==0.19.0 in an environment of its own" in message
    assert "pip install" not in message  # not into distillgen's own environment


@pytest.mark.parametrize(
    "spec, backend",
    [("poetry.yaml", "mlx"), ("toxicity.yaml", "peft"), ("support_distill.yaml", "peft")],
)
def test_nothing_is_said_when_everything_is_installed(tmp_path, spec, backend):
    assert smoke._missing_requirements(ROOT / "specs" / spec, tmp_path, backend, None, None) is None


def test_the_platform_marker_picks_one_mlx_line(without, tmp_path, monkeypatch):
    without("mlx")
    for system, line in [("Linux", "mlx[cpu]==0.32.4"), ("Darwin", "mlx==0.32.4")]:
        monkeypatch.setattr(smoke.platform, "system", lambda system=system: system)
        message = smoke._missing_requirements(
            FIXTURES / "mini" / "mini.yaml", tmp_path, "mlx", None, None
        )
        assert f"cannot import: {line}\n" in message, message
