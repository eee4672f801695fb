"""The generated data step on dirty data, with a real (tiny) tokenizer."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from distillgen.ir import Overrides

from .conftest import FIXTURES, build_into, load_generated, project_imported

CLEAN = (FIXTURES / "mini" / "data" / "mini.jsonl").read_bytes()


def make_project(tmp_path, tiny_model, source_bytes: bytes, *, reject_share=None, max_len=None):
    base = tmp_path / "spec"
    shutil.copytree(FIXTURES / "mini", base)
    text = (base / "mini.yaml").read_text(encoding="utf-8")
    if reject_share is not None:
        text = text.replace(
            "  source: data/mini.jsonl\n",
            f"  source: data/mini.jsonl\n  max_reject_share: {reject_share}\n",
        )
    if max_len is not None:
        text = text.replace("max_seq_length: 512", f"max_seq_length: {max_len}")
    (base / "mini.yaml").write_text(text, encoding="utf-8")
    source = base / "data" / "input.jsonl"
    source.write_bytes(source_bytes)
    out = tmp_path / "project"
    build_into(base / "mini.yaml", out, Overrides(source=source, model_base=str(tiny_model)))
    return load_generated(out), out, source


DIRTY_ROWS = [
    (b'{"id": "bad-json", "text": "unterminated', "invalid JSON"),
    (b'["not", "an", "object"]', "a row must be a JSON object"),
    (b'{"id": "utf8", "text": "caf\xe9", "sentiment": "positive"}', "invalid UTF-8"),
    (
        b'{"id": "no-text", "sentiment": "positive", "topic": "t", "stars": 3, "score": 0.5, "sarcastic": false}',
        "text: missing",
    ),
    (
        b'{"id": "empty", "text": "   ", "sentiment": "positive", "topic": "t", "stars": 3, "score": 0.5, "sarcastic": false}',
        "text: empty text",
    ),
    (
        b'{"id": "bad-cat", "text": "x1", "sentiment": "ecstatic", "topic": "t", "stars": 3, "score": 0.5, "sarcastic": false}',
        "sentiment: 'ecstatic' is not an allowed value",
    ),
    (
        b'{"id": "bad-int", "text": "x2", "sentiment": "positive", "topic": "t", "stars": "many", "score": 0.5, "sarcastic": false}',
        "stars: expected an integer",
    ),
    (
        b'{"id": "range", "text": "x3", "sentiment": "positive", "topic": "t", "stars": 9, "score": 0.5, "sarcastic": false}',
        "stars: 9 is outside [1.0, 5.0]",
    ),
    (
        b'{"id": "na-required", "text": "x4", "sentiment": "positive", "topic": "t", "stars": 3, "score": null, "sarcastic": false}',
        "score: a value is required",
    ),
    (
        b'{"id": "no-label", "text": "x5", "sentiment": "positive", "stars": 3, "score": 0.5, "sarcastic": false}',
        "topic: missing label",
    ),
    (
        b'{"id": "bad-bool", "text": "x6", "sentiment": "positive", "topic": "t", "stars": 3, "score": 0.5, "sarcastic": "perhaps"}',
        "sarcastic: expected true or false",
    ),
    (
        b'{"id": "multiline", "text": "x7", "sentiment": "positive", "topic": "two\\nlines", "stars": 3, "score": 0.5, "sarcastic": false}',
        "multi-line text",
    ),
    (
        b'{"id": "r00", "text": "x8", "sentiment": "positive", "topic": "t", "stars": 3, "score": 0.5, "sarcastic": false}',
        "duplicate id (first at row 1)",
    ),
    (
        b'{"id": "same-text", "text": "The kettle boils in two minutes and looks great.", "source_name": "shop", "sentiment": "positive", "topic": "t", "stars": 3, "score": 0.5, "sarcastic": false}',
        "same prompt text (first at row 1)",
    ),
    (
        b'{"text": "no id", "sentiment": "positive", "topic": "t", "stars": 3, "score": 0.5, "sarcastic": false}',
        "id: missing",
    ),
]


def test_bad_rows_are_quarantined_with_row_and_reason(tmp_path, tiny_model, capsys):
    dirty = CLEAN + b"\n".join(row for row, _ in DIRTY_ROWS) + b"\n"
    mods, out, source = make_project(tmp_path, tiny_model, dirty, reject_share=0.9)
    stats = mods["data"].build(source, out / "work" / "data", str(tiny_model))
    assert stats["rows"] == 20 + len(DIRTY_ROWS)
    assert stats["accepted"] == 20
    assert stats["rejected"] == len(DIRTY_ROWS)
    rejects = [
        json.loads(line)
        for line in (out / "work" / "data" / "rejects.jsonl").read_text().splitlines()
    ]
    assert [r["row"] for r in rejects] == list(range(21, 21 + len(DIRTY_ROWS)))
    for reject, (_, reason) in zip(rejects, DIRTY_ROWS, strict=True):
        assert any(reason in r for r in reject["reasons"]), (reason, reject)
    written = sum(
        len((out / "work" / "data" / f"{s}.jsonl").read_text().splitlines())
        for s in ("train", "valid")
    )
    assert written == 20  # every accepted row is in exactly one split
    printed = capsys.readouterr().out
    assert f"{len(DIRTY_ROWS)} row(s) rejected" in printed
    assert "invalid UTF-8" in printed and "duplicate id" in printed
    # One line per kind of problem, whichever row came first.
    assert "      1  same prompt text\n" in printed


@pytest.mark.parametrize(
    ("reject_share", "allowed"),
    [(None, "0%"), (0.0004, "0.04%")],  # a share under 0.05% is not shown as 0.0%
)
def test_too_many_rejects_fail_the_step_and_write_no_splits(
    tmp_path, tiny_model, reject_share, allowed
):
    dirty = CLEAN + DIRTY_ROWS[5][0] + b"\n"
    mods, out, source = make_project(tmp_path, tiny_model, dirty, reject_share=reject_share)
    expected = rf"1 of 21 rows rejected \(4.76%\), more than the allowed {re.escape(allowed)};"
    with pytest.raises(mods["data"].DataError, match=expected):
        mods["data"].build(source, out / "work" / "data", str(tiny_model))
    data_dir = out / "work" / "data"
    assert (data_dir / "rejects.jsonl").is_file()
    assert not (data_dir / "train.jsonl").exists()
    assert sorted(p.name for p in data_dir.iterdir()) == ["rejects.jsonl"]


def test_over_long_examples_stop_the_step_by_name(tmp_path, tiny_model):
    long_row = json.dumps(
        {
            "id": "essay",
            "text": "word " * 600,
            "sentiment": "neutral",
            "topic": "t",
            "stars": 3,
            "score": 0.5,
            "sarcastic": False,
        }
    ).encode()
    mods, out, source = make_project(tmp_path, tiny_model, CLEAN + long_row + b"\n")
    with pytest.raises(mods["data"].DataError) as err:
        mods["data"].build(source, out / "work" / "data", str(tiny_model))
    message = str(err.value)
    assert "do not fit max_seq_length=512" in message
    assert "row 21 (id 'essay')" in message
    assert "nothing is truncated" in message
    assert not (out / "work" / "data" / "train.jsonl").exists()


def test_split_too_small_for_a_batch_is_named(tmp_path, tiny_model):
    few = b"\n".join(CLEAN.splitlines()[:4]) + b"\n"
    mods, out, source = make_project(tmp_path, tiny_model, few)
    with pytest.raises(
        mods["data"].DataError, match="valid split has 1 examples, fewer than batch_size=2"
    ):
        mods["data"].build(source, out / "work" / "data", str(tiny_model))


def test_clean_data_writes_mlx_chat_records_and_stats(tmp_path, tiny_model):
    mods, out, source = make_project(tmp_path, tiny_model, CLEAN)
    data_dir = out / "work" / "data"
    stats = mods["data"].build(source, data_dir, str(tiny_model))
    assert stats["splits"]["train"]["examples"] == 16
    assert stats["splits"]["valid"]["examples"] == 4
    assert stats["splits"]["valid"]["labels"]["sentiment"]
    record = json.loads((data_dir / "train.jsonl").read_text().splitlines()[0])
    roles = [m["role"] for m in record["messages"]]
    assert roles == ["system", "user", "assistant"]
    gold = json.loads((data_dir / "train.gold.jsonl").read_text().splitlines()[0])
    assert set(gold["labels"]) == {"sentiment", "topic", "stars", "score", "sarcastic"}
    again = tmp_path / "again"
    mods["data"].build(source, again, str(tiny_model))
    for name in ("train.jsonl", "valid.jsonl", "train.gold.jsonl", "stats.json"):
        if name == "stats.json":
            a, b = json.loads((data_dir / name).read_text()), json.loads((again / name).read_text())
            assert a["splits"] == b["splits"]
        else:
            assert (data_dir / name).read_bytes() == (again / name).read_bytes()


def test_csv_source(tmp_path, tiny_model):
    rows = [json.loads(line) for line in CLEAN.decode().splitlines()]
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(
        buf,
        fieldnames=[
            "id",
            "text",
            "source_name",
            "sentiment",
            "topic",
            "stars",
            "score",
            "sarcastic",
        ],
    )
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in writer.fieldnames})
    base = tmp_path / "spec"
    shutil.copytree(FIXTURES / "mini", base)
    (base / "data" / "mini.csv").write_text(buf.getvalue(), encoding="utf-8")
    text = (base / "mini.yaml").read_text().replace("data/mini.jsonl", "data/mini.csv")
    (base / "mini.yaml").write_text(text)
    out = tmp_path / "project"
    build_into(base / "mini.yaml", out, Overrides(model_base=str(tiny_model)))
    mods = load_generated(out)
    assert mods["schema"].SOURCE_FORMAT == "csv"
    stats = mods["data"].build(base / "data" / "mini.csv", out / "work" / "data", str(tiny_model))
    assert stats["accepted"] == 20 and stats["rejected"] == 0
    written = _outputs(out / "work" / "data")

    # A byte-order mark (spreadsheet exports write one) was read as part of the first
    # column's name, so every row lost its id.
    bom = base / "data" / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    again = tmp_path / "again"
    stats = mods["data"].build(bom, again, str(tiny_model))
    assert stats["accepted"] == 20 and stats["rejected"] == 0
    assert _outputs(again) == written

    # A header that misses or repeats a column the schema reads stops the step before any
    # row is read (a misspelt column rejected every row, one by one).
    header, _, body = buf.getvalue().partition("\r\n")
    for bad_header, expected in [
        (
            header.replace("sentiment", "Sentiment"),
            "the header has no column 'sentiment' (its columns: 'id', 'text', 'source_name', "
            "'Sentiment', 'topic', 'stars', 'score', 'sarcastic')",
        ),
        (header.replace("source_name", "text"), "column 'text' appears 2 times in the header"),
        (
            "id,text",
            "the header has no columns 'sentiment', 'topic', 'stars', 'score', 'sarcastic'",
        ),
        ("", "no header line"),
    ]:
        bad = base / "data" / "bad.csv"
        bad.write_text(f"{bad_header}\r\n{body}" if bad_header else "", encoding="utf-8")
        with pytest.raises(mods["data"].DataError) as caught:
            mods["data"].build(bad, again, str(tiny_model))
        assert str(caught.value).startswith(f"{bad}: "), caught.value
        assert expected in str(caught.value)
        assert _outputs(again) == written  # the previous split is left as it was


def _row(row_id, text, sentiment="positive"):
    return json.dumps(
        {
            "id": row_id,
            "text": text,
            "sentiment": sentiment,
            "topic": "t",
            "stars": 3,
            "score": 0.5,
            "sarcastic": False,
        }
    ).encode()


def _outputs(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.name != "stats.json"}


def test_output_is_the_same_for_any_block_size_worker_count_and_partitions(tmp_path, tiny_model):
    """Blocks cut at every few lines (and inside none), a line longer than a block,
    blank lines, a last line without a newline, duplicates in other blocks: the
    worker processes, the block size and the number of hash partitions change
    nothing in what is written."""
    lines = CLEAN.splitlines()
    source_bytes = b"\n".join(
        [
            *lines[:7],
            b"",
            b"   ",
            _row("long", "word " * 60),  # longer than the smallest block
            *lines[7:],
            _row("r03", "a new text, an old id"),
            _row("fresh", json.loads(lines[4])["text"]),  # an old text under a new id
            b'{"id": "broken", "text": ',
            _row("last", "the last line has no newline"),
        ]
    )
    _, out, source = make_project(tmp_path, tiny_model, source_bytes, reject_share=0.5)
    results = {}
    with project_imported(out) as mods:
        data = mods["data"]
        # (block size, workers, hash partitions of the ids and prompts)
        for chunk_bytes, workers, parts in (
            (1 << 22, 1, 64),
            (200, 1, 1),
            (200, 3, 3),
            (450, 2, 64),
        ):
            data.CHUNK_BYTES, data.PARTS = chunk_bytes, parts
            target = tmp_path / f"out-{chunk_bytes}-{workers}-{parts}"
            stats = data.build(source, target, str(tiny_model), workers)
            assert not (target / ".spool").exists()
            results[(chunk_bytes, workers, parts)] = (
                _outputs(target),
                stats["splits"],
                stats["rows"],
            )
    first = results[(1 << 22, 1, 64)]
    for key, result in results.items():
        assert result == first, key
    rejects = [json.loads(line) for line in first[0]["rejects.jsonl"].splitlines()]
    assert [(r["row"], r["id"]) for r in rejects] == [(24, "r03"), (25, "fresh"), (26, None)]
    assert rejects[0]["reasons"] == ["duplicate id (first at row 4)"]
    assert rejects[1]["reasons"] == ["same prompt text (first at row 5)"]
    assert first[2] == 25  # the two blank lines are not rows
    assert b"the last line has no newline" in first[0]["train.jsonl"] + first[0]["valid.jsonl"]


def test_duplicates_are_judged_against_kept_rows_only(tmp_path, tiny_model):
    """A row dropped for its prompt text does not block a later row with its id; a
    row rejected for another reason is told when a kept row has its id."""
    extra = [
        _row("a", "first text"),
        _row("b", "first text"),  # same text as a: dropped
        _row("b", "second text"),  # b was never kept: this one is
        _row("a", "third text", sentiment="ecstatic"),  # bad label, and a's id
    ]
    _, out, source = make_project(
        tmp_path, tiny_model, CLEAN + b"\n".join(extra) + b"\n", reject_share=0.5
    )
    with project_imported(out) as mods:
        stats = mods["data"].build(source, out / "d", str(tiny_model), 2)
    rejects = [json.loads(line) for line in (out / "d" / "rejects.jsonl").read_text().splitlines()]
    assert [(r["row"], r["id"]) for r in rejects] == [(22, "b"), (24, "a")]
    assert rejects[0]["reasons"] == ["same prompt text (first at row 21)"]
    assert rejects[1]["reasons"][-1] == "duplicate id (first at row 21)"
    assert stats["accepted"] == 22
    gold = (out / "d" / "train.gold.jsonl").read_text() + (
        out / "d" / "valid.gold.jsonl"
    ).read_text()
    assert gold.count('"id":"b"') == 1


def test_a_failed_step_leaves_no_spool_or_partial_split(tmp_path, tiny_model):
    _, out, source = make_project(tmp_path, tiny_model, CLEAN + DIRTY_ROWS[5][0] + b"\n")
    data_dir = out / "work" / "data"
    data_dir.mkdir(parents=True)
    (data_dir / "train.jsonl").write_text("the previous run's split\n")
    with project_imported(out) as mods, pytest.raises(mods["data"].DataError):
        mods["data"].build(source, data_dir, str(tiny_model), 2)
    assert sorted(p.name for p in data_dir.iterdir()) == ["rejects.jsonl", "train.jsonl"]
    assert (data_dir / "train.jsonl").read_text() == "the previous run's split\n"


def test_steps_after_a_failed_data_run_refuse_its_splits(tmp_path, tiny_model):
    """A good run, then one that fails: its predecessor's splits are still there, but the
    stamp (stats.json) is gone, so train and eval refuse them instead of using them."""
    mods, out, source = make_project(tmp_path, tiny_model, CLEAN)
    data_dir = out / "work" / "data"
    mods["data"].build(source, data_dir, str(tiny_model))
    assert (data_dir / "stats.json").is_file()
    source.write_bytes(CLEAN + DIRTY_ROWS[5][0] + b"\n")
    with pytest.raises(mods["data"].DataError):
        mods["data"].build(source, data_dir, str(tiny_model))
    assert (data_dir / "train.jsonl").is_file() and not (data_dir / "stats.json").exists()
    for step in (["pipeline.train"], ["pipeline.evaluate", "generate"]):
        proc = subprocess.run(
            [sys.executable, "-m", *step], cwd=out, capture_output=True, text=True
        )
        assert proc.returncode != 0
        assert "the last data step did not finish" in proc.stderr, proc.stderr
    source.write_bytes(CLEAN)  # fixed: the next run stamps its splits again
    mods["data"].build(source, data_dir, str(tiny_model))
    assert (data_dir / "stats.json").is_file()


def test_the_main_process_keeps_nothing_per_row(tmp_path, tiny_model):
    """Four times the rows in blocks of the same size: what the main process allocates
    at its peak (traced by tracemalloc) grows by some bytes per block, not per row.
    Keeping even 16 bytes per row in memory would add 96 KB here (6,000 more rows)."""
    import tracemalloc

    def corpus(n):
        return b"".join(
            _row(f"r{i}", f"text number {i} " + "x" * (i % 50)) + b"\n" for i in range(n)
        )

    _, out, source = make_project(tmp_path, tiny_model, corpus(2000))
    peaks = {}
    with project_imported(out) as mods:
        data = mods["data"]
        for n in (2000, 8000):
            source.write_bytes(corpus(n))
            data.CHUNK_BYTES = 16_000  # about 100 rows a block
            data.build(source, tmp_path / "warm", None, 2)  # (first-call allocations)
            tracemalloc.start()
            stats = data.build(source, tmp_path / f"out-{n}", None, 2)
            peaks[n] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert stats["accepted"] == n
    # Measured: 40-49 KB more for the 60 more blocks (a block's bookkeeping; 49 KB once in
    # CI with two workers), so the bound sits between that and 16 bytes a row (96 KB).
    assert peaks[8000] - peaks[2000] < 64_000, peaks


def test_a_byte_order_mark_before_the_first_jsonl_line_is_not_a_bad_row(tmp_path, tiny_model):
    mods, out, source = make_project(tmp_path, tiny_model, CLEAN)
    mods["data"].build(source, out / "work" / "data", str(tiny_model))
    written = _outputs(out / "work" / "data")
    source.write_bytes(b"\xef\xbb\xbf" + CLEAN)
    again = tmp_path / "again"
    stats = mods["data"].build(source, again, str(tiny_model))
    assert stats["rejected"] == 0 and _outputs(again) == written


def test_a_tokenizer_that_cannot_load_is_a_clear_data_error(tmp_path, tiny_model):
    """It was a transformers traceback (for a gated model without a login: a page of it)."""
    mods, out, source = make_project(tmp_path, tiny_model, CLEAN)
    missing = tmp_path / "no-such-tokenizer"
    with pytest.raises(mods["data"].DataError) as caught:
        mods["data"].build(source, out / "work" / "data", str(missing))
    message = str(caught.value)
    assert message.startswith(f"cannot load the tokenizer {str(missing)!r}: ")
    assert message.endswith("or pass a local copy with --tokenizer DIR.")
    assert not (out / "work" / "data").exists()  # nothing written
