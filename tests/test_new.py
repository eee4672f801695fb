"""`distillgen new NAME --kind KIND`: each kind's cookiecutter scaffold builds and smokes as is."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from distillgen.cli import main
from distillgen.spec import kind_names

from .conftest import ROOT

KIND_NAMES = kind_names()


def test_there_is_a_scaffold_for_every_kind():
    scaffolds = {p.name for p in (ROOT / "templates" / "scaffolds").iterdir() if p.is_dir()}
    assert scaffolds == set(KIND_NAMES)


@pytest.mark.parametrize("name", ["Bad-Name", "class", "1abc"])
def test_a_bad_name_is_refused_and_nothing_is_written(name, tmp_path):
    result = CliRunner().invoke(main, ["new", name, "--kind", "regression", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a safe name" in result.stderr or "keyword" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_is_never_overwritten(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("mine")
    result = CliRunner().invoke(
        main, ["new", "mine", "--kind", "generation", "--dir", str(tmp_path)]
    )
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["keep.txt"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_scaffold_builds_and_smokes_as_it_is(kind, tmp_path):
    name = f"my_{kind}"
    made = CliRunner().invoke(main, ["new", name, "--kind", kind, "--dir", str(tmp_path / "specs")])
    assert made.exit_code == 0, made.output
    spec = tmp_path / "specs" / name / f"{name}.yaml"
    text = spec.read_text()
    assert f"name: {name}\n" in text and "cookiecutter" not in text and "{% raw" not in text
    assert list((spec.parent / "data").iterdir())
    built = CliRunner().invoke(main, ["build", str(spec), "--out", str(tmp_path / "out")])
    assert built.exit_code == 0, built.output
    proc = subprocess.run(
        [sys.executable, "-m", "distillgen", "smoke", str(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "smoke: passed" in proc.stdout
