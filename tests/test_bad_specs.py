"""Broken specs: each is refused with its full message and location, nothing written.

Each tests/bad_specs/NAME.yaml has its expected output in NAME.expected (a
snapshot). Refresh them with `make golden` and review the diff like code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from distillgen.cli import main

from .conftest import ROOT, UPDATE_SNAPSHOTS

BAD = ROOT / "tests" / "bad_specs"
CASES = sorted(p.stem for p in BAD.glob("*.yaml"))


def test_corpus_is_large_enough():
    assert len(CASES) >= 15


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("command", ["build", "validate"])
def test_bad_spec_is_refused_with_its_message(name, command, in_repo, tmp_path):
    spec = f"tests/bad_specs/{name}.yaml"
    out = tmp_path / "out"
    args = [command, spec] + (["--out", str(out)] if command == "build" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert not out.exists(), "a failed build must write nothing"
    snapshot = BAD / f"{name}.expected"
    if UPDATE_SNAPSHOTS and command == "build":
        snapshot.write_text(result.stderr, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot for {name}; run `make golden`"
    assert result.stderr == snapshot.read_text(encoding="utf-8")
    assert result.stdout == ""


def test_problems_are_sorted_by_position(in_repo):
    result = CliRunner().invoke(main, ["validate", "tests/bad_specs/multiple_errors.yaml"])
    lines = [line for line in result.stderr.splitlines() if line.startswith("tests/")]
    positions = [tuple(int(x) for x in line.split(":")[1:3]) for line in lines]
    assert len(positions) >= 2
    assert positions == sorted(positions)


def test_python_tag_payload_never_runs(in_repo, tmp_path):
    canary = Path("/tmp/pwned")
    canary.unlink(missing_ok=True)
    CliRunner().invoke(
        main, ["build", "tests/bad_specs/python_tag.yaml", "--out", str(tmp_path / "o")]
    )
    assert not canary.exists()


def test_no_message_names_a_python_class():
    """A user never sees the spec models' class names ('instance of InputField')."""
    from pydantic import BaseModel

    from distillgen import spec as S

    names = {
        name
        for name, obj in vars(S).items()
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj is not BaseModel
    }
    assert "InputField" in names
    for snapshot in sorted(BAD.glob("*.expected")):
        text = snapshot.read_text(encoding="utf-8")
        found = [name for name in names if name in text]
        assert not found, (snapshot.name, found)
