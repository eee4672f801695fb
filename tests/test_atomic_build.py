"""A build interrupted at any step leaves the whole previous project (or the whole new one),
and the next command completes or undoes it without losing a user's files."""

from __future__ import annotations

import pytest

from distillgen import writer
from distillgen.compile import compile_spec
from distillgen.writer import recover, write_project

from .conftest import FIXTURES

MINI = FIXTURES / "mini" / "mini.yaml"


class Interrupted(Exception):
    pass


def snapshot(out):
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def two_versions(tmp_path):
    out = tmp_path / "project"
    _, _, v1 = compile_spec(MINI, out)
    v2 = dict(v1)
    v2["pipeline/schema.py"] = v1["pipeline/schema.py"].replace(
        "MAX_SEQ_LENGTH = 512", "MAX_SEQ_LENGTH = 1024"
    )
    del v2["tests/test_accept.py"]
    return out, v1, v2


def add_user_files(out):
    (out / "work" / "data").mkdir(parents=True)
    (out / "work" / "data" / "train.jsonl").write_text("{}\n")
    (out / "notes.md").write_text("mine\n")
    (out / "pipeline" / "my_helper.py").write_text("X = 1\n")


USER = {
    "work/data/train.jsonl": b"{}\n",
    "notes.md": b"mine\n",
    "pipeline/my_helper.py": b"X = 1\n",
}


def encoded(files):
    return {k: v.encode() for k, v in files.items()}


def count_steps(monkeypatch, out, v1, v2):
    write_project(v1, out)
    add_user_files(out)
    calls = []
    real_rename, real_rmtree = writer._rename, writer._rmtree
    monkeypatch.setattr(writer, "_rename", lambda a, b: (calls.append("rename"), real_rename(a, b)))
    monkeypatch.setattr(writer, "_rmtree", lambda p: (calls.append("rmtree"), real_rmtree(p)))
    write_project(v2, out)
    monkeypatch.setattr(writer, "_rename", real_rename)
    monkeypatch.setattr(writer, "_rmtree", real_rmtree)
    return len(calls)


class Interrupter:
    """Lets the first ``k`` filesystem steps of a build happen, then raises."""

    def __init__(self, k, real_rename, real_rmtree):
        self.k, self.done = k, 0
        self.real_rename, self.real_rmtree = real_rename, real_rmtree

    def _step(self):
        if self.done == self.k:
            raise Interrupted(self.k)
        self.done += 1

    def rename(self, a, b):
        self._step()
        self.real_rename(a, b)

    def rmtree(self, path):
        self._step()
        self.real_rmtree(path)


def test_interrupted_at_every_step(tmp_path, monkeypatch):
    out, v1, v2 = two_versions(tmp_path / "probe")
    steps = count_steps(monkeypatch, out, v1, v2)
    assert steps >= 4
    for k in range(steps):
        out, v1, v2 = two_versions(tmp_path / f"k{k}")
        write_project(v1, out)
        add_user_files(out)
        cut = Interrupter(k, writer._rename, writer._rmtree)
        monkeypatch.setattr(writer, "_rename", cut.rename)
        monkeypatch.setattr(writer, "_rmtree", cut.rmtree)
        with pytest.raises(Interrupted):
            write_project(v2, out)
        monkeypatch.setattr(writer, "_rename", cut.real_rename)
        monkeypatch.setattr(writer, "_rmtree", cut.real_rmtree)

        if out.exists():  # the generated files are wholly v1 or wholly v2 right away
            now = snapshot(out)
            generated = {k2: v for k2, v in now.items() if k2 not in USER}
            assert generated in (encoded(v1), encoded(v2)), f"mixed project after step {k}"
        recover(out)
        now = snapshot(out)
        generated = {k2: v for k2, v in now.items() if k2 not in USER}
        assert generated in (encoded(v1), encoded(v2)), f"step {k}"
        for rel, data in USER.items():
            assert now.get(rel) == data, f"user file {rel} lost at step {k}"
        assert [p.name for p in out.parent.iterdir() if "distillgen" in p.name] == []
        write_project(v2, out)  # and a rerun finishes the job
        final = snapshot(out)
        assert {k2: v for k2, v in final.items() if k2 not in USER} == encoded(v2)


def test_failed_compile_leaves_previous_project_untouched(tmp_path):
    out, v1, _ = two_versions(tmp_path)
    write_project(v1, out)
    before = snapshot(out)
    from click.testing import CliRunner

    from distillgen.cli import main

    result = CliRunner().invoke(
        main, ["build", str(FIXTURES.parent / "bad_specs" / "wrong_type.yaml"), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert snapshot(out) == before
