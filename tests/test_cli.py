"""The command line: build, check (drift and diff), validate, schema; exit codes."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from distillgen.cli import main

from .conftest import FIXTURES

MINI = FIXTURES / "mini" / "mini.yaml"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_build_then_check_is_clean(tmp_path):
    out = tmp_path / "mini"
    assert run("build", MINI, "--out", out).exit_code == 0
    result = run("check", MINI, "--out", out)
    assert result.exit_code == 0, result.output
    assert "up to date" in result.stdout


def test_check_shows_a_unified_diff_for_a_hand_edit(tmp_path):
    out = tmp_path / "mini"
    run("build", MINI, "--out", out)
    target = out / "pipeline" / "schema.py"
    target.write_text(target.read_text().replace("MAX_SEQ_LENGTH = 512", "MAX_SEQ_LENGTH = 9999"))
    result = run("check", MINI, "--out", out)
    assert result.exit_code == 1
    assert "--- a/pipeline/schema.py" in result.stdout
    assert "-MAX_SEQ_LENGTH = 9999" in result.stdout
    assert "+MAX_SEQ_LENGTH = 512" in result.stdout
    assert "differs: pipeline/schema.py" in result.stderr


def test_check_reports_missing_and_stale_files(tmp_path):
    out = tmp_path / "mini"
    run("build", MINI, "--out", out)
    (out / "Makefile").unlink()
    manifest = json.loads((out / "distillgen-manifest.json").read_text())
    manifest["files"]["old_step.py"] = "0" * 64
    (out / "distillgen-manifest.json").write_text(json.dumps(manifest))
    (out / "old_step.py").write_text("print('left over')\n")
    result = run("check", MINI, "--out", out)
    assert result.exit_code == 1
    assert "missing: Makefile" in result.stderr
    assert "stale: old_step.py" in result.stderr


def test_rebuild_removes_files_it_no_longer_makes_and_keeps_user_files(tmp_path):
    out = tmp_path / "mini"
    run("build", MINI, "--out", out)
    manifest = json.loads((out / "distillgen-manifest.json").read_text())
    manifest["files"]["old_step.py"] = "0" * 64
    (out / "distillgen-manifest.json").write_text(json.dumps(manifest))
    (out / "old_step.py").write_text("x = 1\n")
    (out / "notes.txt").write_text("mine\n")
    (out / "work").mkdir()
    (out / "work" / "train.jsonl").write_text("{}\n")
    result = run("build", MINI, "--out", out)
    assert result.exit_code == 0
    assert not (out / "old_step.py").exists()
    assert "removed old_step.py" in result.stdout
    assert (out / "notes.txt").read_text() == "mine\n"
    assert "notes.txt was not made by distillgen" in result.stderr
    assert (out / "work" / "train.jsonl").exists()


def test_build_refuses_a_foreign_directory(tmp_path):
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    result = run("build", MINI, "--out", out)
    assert result.exit_code == 2
    assert "not made by distillgen" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]


def test_build_refuses_to_write_through_a_symlink(tmp_path):
    out = tmp_path / "mini"
    run("build", MINI, "--out", out)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(out / "configs")
    (out / "configs").symlink_to(outside, target_is_directory=True)
    result = run("build", MINI, "--out", out)
    assert result.exit_code == 2
    assert "symlink" in result.stderr
    assert list(outside.iterdir()) == []


def test_validate_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("validate", MINI)
    assert result.exit_code == 0
    assert "ok (multi_field, 5 label fields)" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_default_output_is_generated_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("build", MINI).exit_code == 0
    assert (tmp_path / "generated" / "mini" / "distillgen-manifest.json").is_file()


def test_schema_prints_json_schema():
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "distillgen task spec (v1)"
    kinds = {
        d["properties"]["kind"]["const"]
        for d in schema["$defs"].values()
        if "kind" in d.get("properties", {})
    }
    assert kinds == {"multi_field", "classification", "regression", "distillation", "generation"}


def test_unreadable_spec_is_an_input_error(tmp_path):
    result = run("validate", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "cannot read spec" in result.stderr


def test_data_source_symlinked_out_of_the_spec_directory_is_refused(tmp_path):
    spec_dir = tmp_path / "specs"
    shutil.copytree(FIXTURES / "mini", spec_dir)
    outside = tmp_path / "secret.jsonl"
    outside.write_text((spec_dir / "data" / "mini.jsonl").read_text())
    (spec_dir / "data" / "mini.jsonl").unlink()
    (spec_dir / "data" / "mini.jsonl").symlink_to(outside)
    result = run("validate", spec_dir / "mini.yaml")
    assert result.exit_code == 2
    assert (
        "data.source: the data source resolves outside the spec's directory (symlink?)"
        in result.stderr
    )
