"""`distillgen new NAME`: a spec to start from.

``--from FILE``: the spec is inferred from the user's data (compiler/infer.py), which is
copied next to it (a source must be inside the spec's directory). ``--kind KIND`` alone:
a neutral starter, inferred the same way from a small neutral sample made here (no
example task's domain text); generation, which reads a directory of text chunks, has a
cookiecutter scaffold of neutral chunks (templates/scaffolds/generation/). Either way the spec is
written to <dir>/<NAME>/<NAME>.yaml with its data in <dir>/<NAME>/data/, validated
before anything is written, and moved into place whole: on any error nothing is left.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from .infer import InferError, infer
from .render import templates_dir
from .spec import _identifier, kind_names


class ScaffoldError(Exception):
    """The scaffold cannot be made; the message says why. Nothing was written."""


def _target(name: str, out_dir: Path) -> Path:
    try:
        _identifier(name)  # the rule the spec's own name follows
    except ValueError as exc:
        raise ScaffoldError(str(exc)) from None
    target = out_dir / name
    if target.exists():
        raise ScaffoldError(f"{target} already exists; choose another name or directory")
    return target


def _shown(spec: Path) -> Path:
    try:
        return spec.relative_to(Path.cwd())
    except ValueError:
        return spec


def from_data(
    name: str,
    source: Path,
    out_dir: Path,
    labels: list[str] | None = None,
    kind: str | None = None,
    fmt: str | None = None,
) -> Path:
    """Infer a spec from ``source``; copy the data beside it; return the spec's path."""
    target = _target(name, out_dir)
    if kind is not None and kind not in kind_names():
        raise ScaffoldError(f"unknown kind {kind!r} (kinds: {', '.join(kind_names())})")
    data_ref = f"data/{source.name}"
    try:
        text = infer(name, source, data_ref, labels=labels, kind=kind, fmt=fmt)
    except InferError as exc:
        raise ScaffoldError(str(exc)) from None
    return _place(name, target, text, lambda data: _copy(source, data / source.name))


def _copy(source: Path, dest: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, dest)
        return
    try:
        os.link(source, dest)  # the same bytes without a copy, where the file system allows
    except OSError:
        shutil.copy2(source, dest)


def _place(name: str, target: Path, text: str, fill) -> Path:
    """Write the spec and its data in a scratch directory next to ``target``, validate
    the spec there, then move the whole directory into place."""
    from .errors import SpecError
    from .load import read_spec

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=target.parent) as tmp:
        staged = Path(tmp) / name
        (staged / "data").mkdir(parents=True)
        fill(staged / "data")
        spec = staged / f"{name}.yaml"
        spec.write_text(text, encoding="utf-8")
        try:
            read_spec(spec)
        except SpecError as exc:  # a bug of the inference: say so, write nothing
            raise ScaffoldError(
                f"the inferred spec does not validate (please report this):\n{exc}"
            ) from None
        os.replace(staged, target)
    return _shown(target / f"{name}.yaml")


def scaffold(name: str, kind: str, out_dir: Path) -> Path:
    """A neutral starter spec of ``kind`` with a small sample of data; return its path."""
    target = _target(name, out_dir)
    if kind not in kind_names():
        raise ScaffoldError(f"unknown kind {kind!r} (kinds: {', '.join(kind_names())})")
    if kind not in STARTERS:
        return _cookiecutter(name, kind, out_dir)
    rows, labels = STARTERS[kind]()
    with tempfile.TemporaryDirectory(prefix="distillgen-new-") as tmp:
        sample = Path(tmp) / "sample.jsonl"
        sample.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        try:
            text = infer(name, sample, "data/sample.jsonl", labels=labels, kind=kind)
        except InferError as exc:  # pragma: no cover - the starters are tested
            raise ScaffoldError(str(exc)) from None
        text = text.replace(
            "# Written by `distillgen new",
            "# A neutral starter: replace data/sample.jsonl with your data, or run\n"
            f"# `distillgen new {name} --from YOUR_FILE` to infer the spec from it.\n"
            "# Written by `distillgen new",
            1,
        )
        return _place(name, target, text, lambda data: shutil.copy(sample, data / sample.name))


# A starter's sample: neutral rows whose labels follow a word in the text (a tiny model
# can learn them), and the label columns.
_WORDS = ("apples", "bridges", "clouds")


def _text(i: int) -> str:
    return (
        f"Sample item {i:03d} mentions {_WORDS[i % 3]}. Replace this file with your own "
        "rows; each row is one item the model reads."
    )


def _classification():
    rows = [
        {"id": f"item-{i:03d}", "text": _text(i), "label": f"class_{'abc'[i % 3]}"}
        for i in range(60)
    ]
    return rows, ["label"]


def _multi_field():
    rows = [
        {
            "id": f"item-{i:03d}",
            "text": _text(i),
            "labels": {
                "topic": f"topic_{'abc'[i % 3]}",
                "tone": ("plain", "warm")[i % 2],
                "flagged": i % 3 == 0,
            },
        }
        for i in range(60)
    ]
    return rows, ["labels"]


def _regression():
    rows = [
        {
            "id": f"item-{i:03d}",
            "text": _text(i),
            "scores": {"quality": (i * 3) % 11, "relevance": (i % 3) * 4 + i % 2},
        }
        for i in range(60)
    ]
    return rows, ["scores"]


def _distillation():
    rows = [
        {
            "id": f"item-{i:03d}",
            "instruction": _text(i) + " Say which word it mentions.",
            "output": {"word": _WORDS[i % 3], "plural": True},
        }
        for i in range(60)
    ]
    return rows, ["output"]


STARTERS = {
    "classification": _classification,
    "multi_field": _multi_field,
    "regression": _regression,
    "distillation": _distillation,
}


def _cookiecutter(name: str, kind: str, out_dir: Path) -> Path:
    from cookiecutter.main import cookiecutter

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="distillgen-new-") as tmp:
        # cookiecutter keeps replay files and clones under the user's home unless told
        # otherwise: keep them in a scratch directory.
        config = Path(tmp) / "config.yaml"
        config.write_text(f"cookiecutters_dir: {tmp}/c\nreplay_dir: {tmp}/r\n", encoding="utf-8")
        made = cookiecutter(
            str(templates_dir() / "scaffolds" / kind),
            no_input=True,
            extra_context={"name": name},
            output_dir=str(out_dir),
            config_file=str(config),
        )
    return _shown(Path(made) / f"{name}.yaml")
