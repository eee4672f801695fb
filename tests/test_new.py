"""`distillgen new`: a spec inferred from the user's data (--from FILE), whose label schema
is the hand-written example's; neutral starters (--kind alone); bad input refused with
nothing written. One inferred spec is smoked end to end here; every kind's smoke is in
its own test file (test_smoke, test_regression, test_distillation, test_generation)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from distillgen.cli import main
from distillgen.load import read_spec
from distillgen.spec import kind_names, label_fields

from .conftest import ROOT, build_into

KIND_NAMES = kind_names()
DATA = ROOT / "specs" / "data"


def new(tmp_path, *args):
    result = CliRunner().invoke(main, ["new", *args, "--dir", str(tmp_path / "specs")])
    return result


def made(tmp_path, name):
    return tmp_path / "specs" / name / f"{name}.yaml"


def test_there_is_a_scaffold_or_a_starter_for_every_kind():
    from distillgen.new import STARTERS

    scaffolds = {p.name for p in (ROOT / "templates" / "scaffolds").iterdir() if p.is_dir()}
    assert scaffolds | set(STARTERS) == set(KIND_NAMES)


@pytest.mark.parametrize("name", ["Bad-Name", "class", "1abc"])
def test_a_bad_name_is_refused_and_nothing_is_written(name, tmp_path):
    result = CliRunner().invoke(main, ["new", name, "--kind", "regression", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a safe name" in result.stderr or "keyword" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_is_never_overwritten(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("mine")
    for args in (["--kind", "generation"], ["--from", str(DATA / "toxicity.jsonl")]):
        result = CliRunner().invoke(main, ["new", "mine", *args, "--dir", str(tmp_path)])
        assert result.exit_code == 2 and "already exists" in result.stderr
        assert [p.name for p in (tmp_path / "mine").iterdir()] == ["keep.txt"]


def _schema(spec) -> dict:
    """name -> (type, values as a set, minimum, maximum) of a spec's label fields."""
    return {
        name: (f.type, set(f.values) if f.values else None, f.minimum, f.maximum)
        for name, f in label_fields(spec).items()
    }


def _seen(rows, key=None):
    """Per label field, the values the rows hold (not N/A)."""
    seen: dict = {}
    for row in rows:
        for name, value in (row[key] if key else row).items():
            if value != "N/A":
                seen.setdefault(name, set()).add(value)
    return seen


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_new_from_the_classification_and_multi_field_examples(tmp_path):
    # toxicity: one categorical label -> classification, the example's classes
    assert new(tmp_path, "tox", "--from", str(DATA / "toxicity.jsonl")).exit_code == 0
    spec = read_spec(made(tmp_path, "tox")).spec
    example = read_spec(ROOT / "specs" / "toxicity.yaml").spec
    assert spec.kind == "classification" and _schema(spec) == _schema(example)
    assert spec.data.id_field == "id" and list(spec.data.inputs) == ["comment"]
    assert spec.split.stratify_by == "label"
    text = made(tmp_path, "tox").read_text()
    assert "no recall gate on a class" in text and "recall." not in text  # 8 test rows
    assert (made(tmp_path, "tox").parent / "data" / "toxicity.jsonl").read_bytes() == (
        DATA / "toxicity.jsonl"
    ).read_bytes()

    # poetry: 21 categorical fields under `labels` -> multi_field; every value seen is
    # one of the example's (the example lists some that its 54 poems do not use)
    assert new(tmp_path, "poe", "--from", str(DATA / "poetry.jsonl")).exit_code == 0
    spec = read_spec(made(tmp_path, "poe")).spec
    example = read_spec(ROOT / "specs" / "poetry.yaml").spec
    assert spec.kind == "multi_field" and spec.data.labels_key == "labels"
    ours, theirs = _schema(spec), _schema(example)
    assert list(ours) == list(theirs)
    seen = _seen(_rows(DATA / "poetry.jsonl"), "labels")
    for name, (ftype, values, _, _) in ours.items():
        assert ftype == theirs[name][0] == "categorical", name
        assert values == seen[name] and values <= theirs[name][1], name
    assert spec.labels.na_token == "N/A"
    assert set(spec.data.inputs) == {"title", "author", "year", "poem"}
    assert spec.data.inputs["year"].type == "integer"
    assert "QUESTION: 'forensic' is seen once" in made(tmp_path, "poe").read_text()


def test_new_from_nested_scores_infers_regression_with_dotted_labels_key(tmp_path):
    # uplifting, with its eight scores moved under oracle.scores (seed 001 keeps them so)
    source = tmp_path / "uplifting_nested.jsonl"
    rows = _rows(DATA / "uplifting.jsonl")
    source.write_text(
        "".join(
            json.dumps(
                {
                    **{k: v for k, v in r.items() if k != "dimensions"},
                    "oracle": {"scores": r["dimensions"], "by": "model-a"},
                }
            )
            + "\n"
            for r in rows
        )
    )
    result = new(tmp_path, "upl", "--from", str(source), "--label", "oracle.scores")
    assert result.exit_code == 0, result.output
    spec = read_spec(made(tmp_path, "upl")).spec
    example = read_spec(ROOT / "specs" / "uplifting.yaml").spec
    assert spec.kind == "regression" and spec.data.labels_key == "oracle.scores"
    assert spec.labels.dimensions == example.labels.dimensions
    assert _schema(spec) == _schema(example)  # integers on the scale 0-10
    # The other nested value is an input, read at its path.
    assert spec.data.inputs["by"].path == "oracle.by"
    out = tmp_path / "out"
    files = build_into(made(tmp_path, "upl"), out)
    assert 'LABELS_KEY = "oracle.scores"' in files["pipeline/schema.py"]

    # The same as a CSV file with a column per nested value: numbers read as numbers.
    import csv

    flat = tmp_path / "uplifting_flat.csv"
    with open(flat, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        names = list(rows[0]["dimensions"])
        writer.writerow(["id", "title", "content", *(f"oracle.scores.{n}" for n in names)])
        for r in rows:
            writer.writerow(
                [r["id"], r["title"], r["content"], *(r["dimensions"][n] for n in names)]
            )
    result = new(tmp_path, "uplcsv", "--from", str(flat), "--label", "oracle.scores")
    assert result.exit_code == 0, result.output
    spec = read_spec(made(tmp_path, "uplcsv")).spec
    assert spec.kind == "regression" and _schema(spec) == _schema(example)
    build_into(made(tmp_path, "uplcsv"), tmp_path / "out-csv")


def _answer_schema(spec) -> dict:
    props = spec.labels.answer_schema["properties"]
    return {k: (set(p["enum"]) if "enum" in p else p["type"]) for k, p in props.items()}


@pytest.mark.parametrize("source", ["distill_hard_failures.jsonl", "distill_self_critique.jsonl"])
def test_new_from_the_distillation_sources(source, tmp_path):
    # A JSON-object answer (hard_failures: objects; self_critique: their JSON text)
    assert new(tmp_path, "dst", "--from", str(DATA / source)).exit_code == 0
    spec = read_spec(made(tmp_path, "dst")).spec
    example = read_spec(ROOT / "specs" / "support_distill.yaml").spec
    assert spec.kind == "distillation"
    ours, theirs = _answer_schema(spec), _answer_schema(example)
    assert list(ours) == list(theirs)
    for key, kind in ours.items():
        assert (kind <= theirs[key]) if isinstance(kind, set) else kind == theirs[key], key
    assert spec.labels.answer_schema["required"] == example.labels.answer_schema["required"]
    assert "QUESTION: 8 distinct values" in made(tmp_path, "dst").read_text()  # product
    build_into(made(tmp_path, "dst"), tmp_path / "out")
    # The project's own round-trip test reads its one source (it assumed data.sources).
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_roundtrip.py"],
        cwd=tmp_path / "out",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0 and "skipped" not in proc.stdout, proc.stdout + proc.stderr


def test_new_from_parquet_and_a_saved_dataset_infers_the_same_spec(tmp_path):
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _rows(DATA / "toxicity.jsonl")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "tox.parquet")
    datasets.Dataset.from_list(rows).save_to_disk(str(tmp_path / "tox_hf"))
    texts = {}
    for name, source in (
        ("a", DATA / "toxicity.jsonl"),
        ("b", tmp_path / "tox.parquet"),
        ("c", tmp_path / "tox_hf"),
    ):
        result = new(tmp_path, name, "--from", str(source))
        assert result.exit_code == 0, result.output
        texts[name] = [
            line
            for line in made(tmp_path, name).read_text().splitlines()
            if not line.strip().startswith(("#", "name:", "source:", "description:"))
        ]
    assert texts["a"] == texts["b"] == texts["c"]
    build_into(made(tmp_path, "c"), tmp_path / "out-hf")


def _write_bad(tmp_path, case):
    if case == "empty":
        path = tmp_path / "empty.jsonl"
        path.write_text("\n\n")
        return path, ["--label", "label"], "has no rows"
    if case == "list_column":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = tmp_path / "tags.parquet"
        table = pa.Table.from_pylist([{"id": "a", "text": "x", "tags": ["p", "q"], "label": "y"}])
        pq.write_table(table, path)
        return path, [], "column 'tags' is a list (list<element: string>)"
    if case == "free_text_label":
        path = tmp_path / "free.jsonl"
        path.write_text(
            "".join(
                json.dumps({"id": i, "text": f"t{i}", "label": f"answer number {i}"}) + "\n"
                for i in range(10_000)
            )
        )
        return path, [], "label column 'label' has 10,000 distinct values in 10,000 rows"
    if case == "jsonl_as_parquet":
        path = tmp_path / "rows.parquet"
        path.write_bytes((DATA / "toxicity.jsonl").read_bytes())
        return path, [], "not a readable Parquet file"
    path = tmp_path / "rows.jsonl"  # a CSV file under a .jsonl name
    path.write_text("id,comment,label\nc1,hello,safe\n")
    return path, [], "rows.jsonl:1: not JSON"


@pytest.mark.parametrize(
    "case", ["empty", "list_column", "free_text_label", "jsonl_as_parquet", "csv_as_jsonl"]
)
def test_bad_input_is_a_clear_error_and_nothing_is_written(case, tmp_path):
    source, args, expected = _write_bad(tmp_path, case)
    result = new(tmp_path, "bad", "--from", str(source), *args)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr, result.stderr
    assert not (tmp_path / "specs").exists() or list((tmp_path / "specs").iterdir()) == []


EXAMPLE_WORDS = (
    "toxic",
    "poem",
    "uplifting",
    "ticket",
    "article",
    "sonnet",
    "encyclopedia",
    "gaea",
)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_new_kind_writes_a_starter_that_builds(kind, tmp_path):
    name = f"my_{kind}"
    result = new(tmp_path, name, "--kind", kind)
    assert result.exit_code == 0, result.output
    spec = made(tmp_path, name)
    text = spec.read_text()
    assert f"name: {name}\n" in text and "cookiecutter" not in text and "{% raw" not in text
    assert read_spec(spec).spec.kind == kind
    data = "".join(p.read_text() for p in (spec.parent / "data").rglob("*") if p.is_file())
    assert not [w for w in EXAMPLE_WORDS if w in (text + data).casefold()]
    build_into(spec, tmp_path / "out")


@pytest.mark.slow
def test_a_spec_new_infers_smokes_as_it_is(tmp_path):
    assert new(tmp_path, "tox", "--from", str(DATA / "toxicity.jsonl")).exit_code == 0
    proc = subprocess.run(
        [sys.executable, "-m", "distillgen", "smoke", str(made(tmp_path, "tox"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "smoke: passed" in proc.stdout


def test_from_refuses_a_kind_that_is_not_inferred_and_writes_nothing(tmp_path):
    result = new(tmp_path, "gen", "--from", str(DATA / "toxicity.jsonl"), "--kind", "generation")
    assert result.exit_code == 2
    assert "a generation spec is not inferred from a data file" in result.stderr
    assert "`distillgen new NAME --kind generation`" in result.stderr
    assert not made(tmp_path, "gen").exists()
