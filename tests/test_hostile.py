"""Hostile specs: every payload is refused with a located message, or compiled into a
project whose files parse and whose steps never execute it (the canary never appears)."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from distillgen.compile import compile_spec
from distillgen.errors import SpecError
from distillgen.ir import Overrides
from distillgen.writer import write_project

from .conftest import FIXTURES, load_generated

CANARY_NAME = "CANARY_PWNED"


def payloads(canary: str) -> list[tuple[str, str, str]]:
    """(case id, text to replace in mini.yaml, replacement)."""
    touch = f"touch {canary}"
    py = f"__import__('os').system('{touch}')"
    q = json.dumps  # a YAML double-quoted scalar is a JSON string
    return [
        ("base-python-expr", "base: tiny-local-model", f"base: {q(py)}"),
        (
            "base-quote-break",
            "base: tiny-local-model",
            f"base: {q(chr(39) + '); ' + py + '; (' + chr(39))}",
        ),
        (
            "base-triple-quote",
            "base: tiny-local-model",
            f"base: {q(chr(34) * 3 + '; ' + py + '; ' + chr(34) * 3)}",
        ),
        (
            "base-backslashes",
            "base: tiny-local-model",
            f"base: {q(chr(92) * 3 + chr(39) + ' + ' + py + chr(92))}",
        ),
        ("base-newline", "base: tiny-local-model", f"base: {q('x' + chr(10) + py)}"),
        (
            "base-shell",
            "base: tiny-local-model",
            f"base: {q('$(' + touch + ')`' + touch + '`;' + touch)}",
        ),
        ("base-make", "base: tiny-local-model", f"base: {q('$(shell ' + touch + ')')}"),
        ("base-yaml-inject", "base: tiny-local-model", f"base: {q('x' + chr(10) + 'train: evil')}"),
        ("tokenizer-python", "max_seq_length: 512}", f"max_seq_length: 512, tokenizer: {q(py)}}}"),
        (
            "value-python",
            "values: [positive, negative, neutral]",
            f"values: [positive, negative, neutral, {q(py)}]",
        ),
        (
            "value-pipe-markdown",
            "values: [positive, negative, neutral]",
            "values: [positive, negative, neutral, 'a | b ``` <script>']",
        ),
        (
            "value-newline",
            "values: [positive, negative, neutral]",
            f"values: [positive, negative, neutral, {q('a' + chr(10) + 'b')}]",
        ),
        (
            "value-long",
            "values: [positive, negative, neutral]",
            f"values: [positive, negative, neutral, {'x' * 5000}]",
        ),
        ("na-token-python", "na_token: N/A", f"na_token: {q(py)}"),
        (
            "description-everything",
            "kind: multi_field",
            "kind: multi_field\ndescription: "
            + q("<!-- --> ``` $(" + touch + ") {{ 7*7 }} " + py + chr(10) + "# heading"),
        ),
        (
            "field-description",
            "topic: {type: string}",
            f"topic: {{type: string, description: {q(py + chr(10) + '{{ x }}')}}}",
        ),
        (
            "template-globals",
            "Answer with",
            "{{ cycler.__init__.__globals__.os.popen('" + touch + "').read() }} Answer with",
        ),
        ("template-self", "Answer with", "{{ self.__init__.__globals__ }} Answer with"),
        (
            "template-lipsum",
            "Answer with",
            "{{ lipsum.__globals__['os'].system('" + touch + "') }} Answer with",
        ),
        (
            "template-mro",
            "Answer with",
            "{{ ''.__class__.__mro__[1].__subclasses__() }} Answer with",
        ),
        (
            "template-nested-loops",
            "Answer with",
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}Answer with",
        ),
        ("template-huge-string", "Answer with", "{{ 'x' * 100000000 }}Answer with"),
        ("template-mutation", "Answer with", "{{ fields.append(1) }}Answer with"),
        ("template-python-text", "Answer with", py + " Answer with"),
        (
            "system-shell",
            "system: You label short product reviews.",
            f"system: {q('$(' + touch + ') ' + py)}",
        ),
        ("name-injection", "name: mini", f"name: {q('mini' + chr(10) + py)}"),
        ("name-lookalike", "name: mini", "name: m\u0456ni"),
        ("field-lookalike", "    topic: {type: string}", "    t\u043epic: {type: string}"),
        ("field-dunder-import", "    topic: {type: string}", "    __import__: {type: string}"),
        ("input-shell", "    text: {type: text}", "    text;rm: {type: text}"),
        (
            "group-injection",
            "sentiment: {type: categorical,",
            f"sentiment: {{group: {q('G' + chr(10) + py)}, type: categorical,",
        ),
        (
            "yaml-python-tag",
            "base: tiny-local-model",
            f"base: !!python/object/apply:os.system [{q(touch)}]",
        ),
        ("yaml-custom-tag", "base: tiny-local-model", "base: !evil x"),
        ("yaml-long-string", "base: tiny-local-model", "base: " + "x" * 200_000),
        (
            "source-shell-name",
            "source: data/mini.jsonl",
            f"source: {q('data/$(' + touch + ').jsonl')}",
        ),
        ("source-absolute", "source: data/mini.jsonl", "source: /etc/passwd"),
        ("metric-injection", "metric: parse_rate", f"metric: {q('parse_rate' + chr(10) + py)}"),
    ]


def _parse_all(out: Path) -> None:
    for path in sorted(out.rglob("*")):
        if not path.is_file() or "work" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            ast.parse(text, filename=str(path))
        elif path.suffix in (".yaml", ".yml"):
            yaml.safe_load(text)
        elif path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".toml":
            import tomllib

            tomllib.loads(text)


CASES = [c[0] for c in payloads(CANARY_NAME)]


@pytest.mark.parametrize("case", CASES)
def test_hostile_spec(case, tmp_path, tiny_model):
    canary = tmp_path / CANARY_NAME
    _, old, new = next(c for c in payloads(str(canary)) if c[0] == case)
    base = tmp_path / "spec"
    shutil.copytree(FIXTURES / "mini", base)
    text = (base / "mini.yaml").read_text(encoding="utf-8")
    assert old in text, case
    text = (
        text.replace(old, new, 1).replace(
            "  source: data/mini.jsonl\n", "  source: data/mini.jsonl\n  max_reject_share: 0.99\n"
        )
        if case != "source-shell-name"
        else text.replace(old, new, 1)
    )
    if case == "source-shell-name":
        # A file name cannot hold the canary's absolute path: touch it relative to wherever
        # a shell would run, and look for it in each of those places below.
        text = text.replace(str(canary), CANARY_NAME)
        shutil.copy(base / "data" / "mini.jsonl", base / "data" / f"$(touch {CANARY_NAME}).jsonl")
    places = [
        canary,
        base / CANARY_NAME,
        base / "data" / CANARY_NAME,
        tmp_path / "project" / CANARY_NAME,
    ]
    spec = base / "mini.yaml"
    spec.write_text(text, encoding="utf-8")
    out = tmp_path / "project"
    try:
        _, _, files = compile_spec(spec, out, Overrides(model_base=str(tiny_model)))
    except SpecError as exc:
        assert exc.problems, case
        for problem in exc.problems:
            assert problem.line >= 1 and problem.col >= 1, str(problem)
            assert problem.message
        assert not out.exists()
        assert not any(p.exists() for p in places)
        return
    write_project(files, out)
    _parse_all(out)
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    make = subprocess.run(["make", "-n", "all", "test"], cwd=out, capture_output=True, text=True)
    assert make.returncode == 0, make.stderr
    mods = load_generated(out)
    try:
        mods["data"].build(base / "data" / "mini.jsonl", out / "work" / "data", str(tiny_model))
    except mods["data"].DataError:
        pass  # a payload label value no row uses, or every row rejected: a data failure, not an exploit
    rejects = (out / "work" / "data" / "rejects.jsonl").read_text()
    if case.startswith("template-") and case != "template-python-text":
        assert "prompt template failed" in rejects, rejects[:500]
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=out,
        capture_output=True,
        text=True,
        env=env,
    )
    assert tests.returncode in (0, 1), tests.stdout[-2000:]
    assert not any(p.exists() for p in places), f"{case}: the payload ran"


def test_control_the_payloads_do_fire_when_pasted_into_code(tmp_path):
    """Without a serializer the same payloads would run: the canary check can fail."""
    canary = tmp_path / CANARY_NAME
    py = next(new for case, _, new in payloads(str(canary)) if case == "base-python-expr")
    naive = "MODEL = " + json.loads(py.split(": ", 1)[1])
    subprocess.run([sys.executable, "-c", naive], check=True)
    assert canary.exists()
    canary.unlink()
    subprocess.run(
        ["make", "-f", "-"],
        input=f"x := $(shell touch {canary})\nall:\n\t@true\n",
        text=True,
        check=True,
        capture_output=True,
    )
    assert canary.exists()


def test_outcomes_match_the_snapshot(tmp_path):
    """Every payload's outcome and full message, in one reviewable file (`make golden`)."""
    from .conftest import ROOT, UPDATE_SNAPSHOTS

    lines = []
    for case, old, new in payloads("/tmp/" + CANARY_NAME):
        base = tmp_path / case
        shutil.copytree(FIXTURES / "mini", base)
        text = (base / "mini.yaml").read_text(encoding="utf-8").replace(old, new, 1)
        (base / "mini.yaml").write_text(text, encoding="utf-8")
        try:
            compile_spec(base / "mini.yaml", tmp_path / "out" / case)
            lines.append(f"{case}: compiled")
        except SpecError as exc:
            lines.append(f"{case}: refused")
            lines += [f"    {str(p).replace(str(base), '<spec>')}" for p in exc.problems]
    snapshot = ROOT / "tests" / "hostile_outcomes.txt"
    text = "\n".join(lines) + "\n"
    if UPDATE_SNAPSHOTS:
        snapshot.write_text(text, encoding="utf-8")
    assert text == snapshot.read_text(encoding="utf-8")
