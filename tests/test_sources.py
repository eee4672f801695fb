"""Sources in four formats (issue 21): JSONL, CSV, Parquet and a saved Hugging Face dataset
give the same data step; a hub dataset is loaded with datasets.load_dataset; rows are
read at dotted paths."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from distillgen.ir import Overrides

from .conftest import FIXTURES, build_into, load_generated, project_imported

CLEAN = (FIXTURES / "mini" / "data" / "mini.jsonl").read_text(encoding="utf-8")
COLUMNS = ["id", "text", "source_name", "sentiment", "topic", "stars", "score", "sarcastic"]


def corpus() -> list[dict]:
    """The mini fixture's rows with every column present; some texts hold line breaks,
    quotes and commas (a CSV file must quote them)."""
    rows = [json.loads(line) for line in CLEAN.splitlines()]
    rows[1]["text"] = 'Broke after a week.\nOh "wonderful", exactly what I wanted.'
    rows[4]["text"] = "Two lines,\r\nwith a comma and é ü 漢字"
    return [{column: row.get(column) for column in COLUMNS} for row in rows]


def write(rows: list[dict], fmt: str, target):
    """The rows as a file (or saved dataset) of ``fmt`` at ``target``."""
    if fmt == "jsonl":
        target.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "csv":  # a spreadsheet export: a byte-order mark, quoted line breaks
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
        target.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), target, row_group_size=7)
    else:
        import datasets

        datasets.Dataset.from_list(rows).save_to_disk(str(target))
    return target


SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet", "hf": ""}


def project_for(tmp_path, tiny_model, fmt: str, rows: list[dict], *, spec_edit=None):
    base = tmp_path / f"spec-{fmt}"
    shutil.copytree(FIXTURES / "mini", base)
    source = write(rows, fmt, base / "data" / f"corpus{SUFFIX[fmt]}")
    text = (base / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace("data/mini.jsonl", f"data/{source.name}")
    if spec_edit is not None:
        text = spec_edit(text)
    (base / "mini.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / f"project-{fmt}"
    files = build_into(base / "mini.yaml", out, Overrides(model_base=str(tiny_model)))
    return out, source, files


def outputs(data_dir) -> dict:
    """Every file the data step wrote; stats.json without the source's path."""
    result = {}
    for path in sorted(data_dir.iterdir()):
        content = path.read_bytes()
        if path.name == "stats.json":
            stats = json.loads(content)
            stats.pop("source")
            content = json.dumps(stats, sort_keys=True).encode()
        result[path.name] = content
    return result


def test_one_corpus_in_four_formats_gives_the_same_data_step(tmp_path, tiny_model):
    rows = corpus()
    written = {}
    for fmt in ("jsonl", "csv", "parquet", "hf"):
        out, source, files = project_for(tmp_path, tiny_model, fmt, rows)
        # Each project gets the reader (and the requirement) of its own format only.
        readers = {"csv": "csv_rows", "parquet": "parquet_rows", "hf": "hf_rows"}
        for other, module in readers.items():
            assert (f"pipeline/{module}.py" in files) == (other == fmt), (fmt, module)
        assert ("pyarrow" in files["requirements.txt"]) == (fmt == "parquet")
        assert ("datasets" in files["requirements.txt"]) == (fmt == "hf")
        with project_imported(out) as mods:
            assert mods["schema"].SOURCE_FORMAT == fmt
            stats = mods["data"].build(source, out / "work" / "data", str(tiny_model), 2)
        assert stats["accepted"] == 20 and stats["rejected"] == 0, stats
        written[fmt] = outputs(out / "work" / "data")
    assert set(written["jsonl"]) >= {"train.jsonl", "valid.jsonl", "stats.json"}
    for fmt in ("csv", "parquet", "hf"):
        assert written[fmt] == written["jsonl"], fmt
    train = written["jsonl"]["train.jsonl"].decode() + written["jsonl"]["valid.jsonl"].decode()
    assert 'Oh \\"wonderful\\"' in train and "漢字" in train


def test_parquet_and_hf_rows_are_named_file_and_row_and_quarantined_as_jsonl(tmp_path, tiny_model):
    rows = corpus()
    rows[2]["sentiment"] = "ecstatic"
    rows[5]["stars"] = 9
    reasons = {}
    for fmt in ("jsonl", "parquet", "hf"):
        out, source, _ = project_for(
            tmp_path,
            tiny_model,
            fmt,
            rows,
            spec_edit=lambda t: t.replace("  inputs:\n", "  max_reject_share: 0.2\n  inputs:\n"),
        )
        with project_imported(out) as mods:
            mods["data"].build(source, out / "work" / "data", str(tiny_model))
        rejects = [
            json.loads(line)
            for line in (out / "work" / "data" / "rejects.jsonl").read_text().splitlines()
        ]
        reasons[fmt] = [(r["id"], r["reasons"]) for r in rejects]
        rows_named = [r["row"] for r in rejects]
        if fmt == "jsonl":
            assert rows_named == [3, 6]  # line numbers
        else:
            assert rows_named == [f"{source.name}:3", f"{source.name}:6"]
    assert reasons["parquet"] == reasons["jsonl"] == reasons["hf"]
    assert "sentiment: 'ecstatic' is not an allowed value" in reasons["jsonl"][0][1]


def test_a_saved_dataset_dict_reads_its_split_and_names_the_others(tmp_path, tiny_model):
    import datasets

    rows = corpus()
    out, source, _ = project_for(
        tmp_path,
        tiny_model,
        "hf",
        rows,
        spec_edit=lambda t: t.replace("  inputs:\n", "  hf_split: labelled\n  inputs:\n"),
    )
    shutil.rmtree(source)
    datasets.DatasetDict(
        {
            "labelled": datasets.Dataset.from_list(rows),
            "other": datasets.Dataset.from_list(rows[:3]),
        }
    ).save_to_disk(str(source))
    with project_imported(out) as mods:
        assert mods["schema"].HF_SPLIT == "labelled"
        stats = mods["data"].build(source, out / "work" / "data", str(tiny_model))
        assert stats["accepted"] == 20
        mods["hf_rows"] = __import__(mods["data"].__package__ + ".hf_rows", fromlist=["x"])
        mods["hf_rows"].HF_SPLIT = "test"
        with pytest.raises(mods["data"].DataError) as caught:
            mods["data"].build(source, out / "again", str(tiny_model))
    assert "has no split 'test' (its splits: 'labelled', 'other'); set data.hf_split" in str(
        caught.value
    )


def test_a_file_that_is_not_parquet_is_a_clear_error(tmp_path, tiny_model):
    out, source, _ = project_for(tmp_path, tiny_model, "parquet", corpus())
    source.write_text(CLEAN, encoding="utf-8")  # JSONL under a .parquet name
    with project_imported(out) as mods, pytest.raises(mods["data"].DataError) as caught:
        mods["data"].build(source, out / "work" / "data", str(tiny_model))
    assert str(caught.value).startswith(f"{source}: not a readable Parquet file")
    assert not (out / "work" / "data" / "train.jsonl").exists()
    # predict reads JSONL or CSV corpora: a Parquet one is refused with the way to convert it
    predict = load_generated(out, ["predict"])["predict"]
    with pytest.raises(predict.PredictError, match="predict reads a JSONL or CSV corpus"):
        predict.scan(source)


HUB = "  hub: {id: someone/reviews, split: labelled, revision: v2}\n"


def test_a_hub_dataset_is_loaded_with_its_id_split_and_revision(tmp_path, tiny_model, monkeypatch):
    import datasets

    rows = corpus()
    out_file, source, _ = project_for(tmp_path, tiny_model, "jsonl", rows)
    with project_imported(out_file) as mods:
        mods["data"].build(source, out_file / "work" / "data", str(tiny_model))
    expected = outputs(out_file / "work" / "data")

    out, _, files = project_for(
        tmp_path / "hub",
        tiny_model,
        "jsonl",
        rows,
        spec_edit=lambda t: t.replace("  source: data/corpus.jsonl\n", HUB),
    )
    assert "pipeline/hf_rows.py" in files and "datasets" in files["requirements.txt"]
    calls = []

    def load_dataset(path, **kwargs):
        calls.append((path, kwargs))
        return datasets.Dataset.from_list(rows)

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    with project_imported(out) as mods:
        schema = mods["schema"]
        assert schema.SOURCE is None and schema.SOURCE_FORMAT == "hf"
        stats = mods["data"].build(mods["data"].default_sources(), out / "w", str(tiny_model))
    assert calls == [("someone/reviews", {"split": "labelled", "revision": "v2"})]
    assert stats["source"] == "hub:someone/reviews"
    assert outputs(out / "w") == expected


def test_a_hub_dataset_without_network_says_what_to_do(tmp_path, tiny_model, monkeypatch):
    import datasets
    import huggingface_hub.constants

    # What this machine has: no network (offline mode fails at once instead of retrying).
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    out, _, _ = project_for(
        tmp_path,
        tiny_model,
        "jsonl",
        corpus(),
        spec_edit=lambda t: t.replace("  source: data/corpus.jsonl\n", HUB),
    )
    with project_imported(out) as mods, pytest.raises(mods["data"].DataError) as caught:
        mods["data"].build(mods["data"].default_sources(), out / "w", str(tiny_model))
    message = str(caught.value)
    assert message.startswith(
        "cannot load the hub dataset 'someone/reviews' (split 'labelled', revision 'v2'): "
        "ConnectionError"
    ), message
    assert "must reach huggingface.co" in message and "set data.source: DIR" in message
    assert not (out / "w" / "train.jsonl").exists()


# ---------------------------------------------------------------- nested paths

NESTED_SPEC = [
    (
        "  inputs:\n    text: {type: text}\n",
        "  labels_key: oracle.scores\n  inputs:\n    text: {type: text, path: meta.body}\n",
    ),
    (
        "    source_name: {type: string, required: false}\n",
        "    source_name: {type: string, required: false, path: meta.source.name}\n",
    ),
    (
        "    sentiment: {type: categorical,",
        "    sentiment: {path: judged.sentiment, type: categorical,",
    ),
]


def nested(row: dict) -> dict:
    """A flat corpus row with its inputs under meta and its labels under oracle.scores."""
    labels = {k: row[k] for k in ("topic", "stars", "score", "sarcastic")}
    labels["judged"] = {"sentiment": row["sentiment"]}
    return {
        "id": row["id"],
        "meta": {"body": row["text"], "source": {"name": row["source_name"]}},
        "oracle": {"scores": labels},
    }


def nested_spec(text: str) -> str:
    for old, new in NESTED_SPEC:
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_inputs_and_labels_read_at_dotted_paths_give_the_flat_corpus_outputs(tmp_path, tiny_model):
    rows = corpus()
    flat, source, _ = project_for(tmp_path / "flat", tiny_model, "jsonl", rows)
    with project_imported(flat) as mods:
        mods["data"].build(source, flat / "work" / "data", str(tiny_model))
    expected = outputs(flat / "work" / "data")
    nested_rows = [nested(row) for row in rows]
    for fmt in ("jsonl", "parquet"):
        out, source, files = project_for(
            tmp_path / fmt, tiny_model, fmt, nested_rows, spec_edit=nested_spec
        )
        assert "'path': 'meta.body'" in files["pipeline/schema.py"].replace('"', "'")
        with project_imported(out) as mods:
            stats = mods["data"].build(source, out / "work" / "data", str(tiny_model))
        assert stats["rejected"] == 0, fmt
        assert outputs(out / "work" / "data") == expected, fmt

    # A CSV file keeps nested values in columns named by their paths.
    columns = {
        "id": "id",
        "meta.body": "text",
        "meta.source.name": "source_name",
        "oracle.scores.judged.sentiment": "sentiment",
        **{f"oracle.scores.{k}": k for k in ("topic", "stars", "score", "sarcastic")},
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns.values()])
    out, source, _ = project_for(tmp_path / "csv", tiny_model, "csv", [], spec_edit=nested_spec)
    source.write_text(buffer.getvalue(), encoding="utf-8")
    with project_imported(out) as mods:
        stats = mods["data"].build(source, out / "work" / "data", str(tiny_model))
    assert stats["rejected"] == 0
    assert outputs(out / "work" / "data") == expected


def test_a_value_on_a_path_that_is_not_an_object_rejects_its_row_by_name(tmp_path, tiny_model):
    rows = [nested(row) for row in corpus()]
    rows[3]["meta"] = ["not", "an object"]
    rows[6]["oracle"]["scores"] = [1, 2]
    out, source, _ = project_for(
        tmp_path,
        tiny_model,
        "jsonl",
        rows,  # (2 of 20 rows: within max_reject_share, so the compile-time check lets it by)
        spec_edit=lambda t: nested_spec(t).replace(
            "  inputs:\n", "  max_reject_share: 0.2\n  inputs:\n", 1
        ),
    )
    with project_imported(out) as mods:
        mods["data"].build(source, out / "work" / "data", str(tiny_model))
    rejects = [json.loads(line) for line in (out / "work" / "data" / "rejects.jsonl").open()]
    assert [(r["row"], r["reasons"]) for r in rejects] == [
        (
            4,
            [
                "text: meta.body: meta is a list of 2, not an object",
                "source_name: meta.source.name: meta is a list of 2, not an object",
            ],
        ),
        (7, ["oracle.scores: a list of 2, not an object of labels"]),
    ]


def test_dotted_paths_are_checked_against_the_data_at_compile_time(tmp_path):
    from click.testing import CliRunner

    from distillgen.cli import main

    rows = [nested(row) for row in corpus()]
    rows[2]["meta"]["source"] = "shop"  # not an object: meta.source.name cannot be read
    base = tmp_path / "spec"
    shutil.copytree(FIXTURES / "mini", base)
    write(rows, "jsonl", base / "data" / "mini.jsonl")
    text = nested_spec((base / "mini.yaml").read_text(encoding="utf-8"))
    text = text.replace("path: judged.sentiment", "path: judged.sentimnet")
    (base / "mini.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(base / "mini.yaml")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert any(
        ":10:" in line
        and "data.inputs.source_name.path: mini.jsonl:3: meta.source.name: meta.source is "
        "the text 'shop', not an object"
        in line
        for line in lines
    ), lines
    assert any(
        "labels.fields.sentiment.path: 'oracle.scores.judged.sentimnet' is not in any of the "
        "first 20 rows; mini.jsonl:1: oracle.scores.judged has keys 'sentiment'" in line
        for line in lines
    ), lines
