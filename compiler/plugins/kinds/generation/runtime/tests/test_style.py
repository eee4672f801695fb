# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/tests/test_style.py
"""Style patterns measure what they declare; chunks are encoded with EOS last."""

import json
from pathlib import Path

import pytest

from pipeline import schema, style
from pipeline.data import chunk_files, read_chunk

ROOT = Path(__file__).resolve().parent.parent


def test_every_pattern_compiles_and_measures_a_rate_between_0_and_1():
    texts = ["You open the door. The room is dark.\n\nNothing moves.", "It was late."]
    for name, entry in style.rates(texts).items():
        assert name in style.COMPILED
        assert entry["units"] > 0
        assert 0.0 <= entry["rate"] <= 1.0


def test_units_split_sentences_and_paragraphs():
    text = "One. Two! Three?\n\nFour"
    assert style.units(text, "sentence") == ["One.", "Two!", "Three?", "Four"]
    assert style.units(text, "paragraph") == ["One. Two! Three?", "Four"]
    assert style.units(text, "sample") == [text.strip()]


def test_no_text_has_no_rate():
    assert all(entry["rate"] is None for entry in style.rates([]).values())


@pytest.mark.parametrize("pattern", schema.PATTERNS, ids=lambda p: p["name"])
def test_word_patterns_match_whole_words_only(pattern):
    if pattern["words"] is None:
        pytest.skip("a regex pattern")
    word = pattern["words"][0]
    regex = style.COMPILED[pattern["name"]]
    assert regex.search(f"and {word.upper()} then")
    assert not regex.search(f"x{word}x")


def test_the_chunk_files_are_readable():
    directory = ROOT / schema.CHUNKS
    if not directory.is_dir():
        pytest.skip(f"chunk directory not found: {directory}")
    files = chunk_files(directory)
    assert files
    for path in files:
        text, problem = read_chunk(path)
        assert (text is None) != (problem is None)


def test_samples_file_with_a_torn_last_line_resumes(tmp_path):
    from pipeline.evaluate import read_samples

    path = tmp_path / "samples.jsonl"
    path.write_text(json.dumps({"id": "0:0", "output": "x"}) + "\n" + '{"id": "1:0", "out')
    assert list(read_samples(path, repair=True)) == ["0:0"]
    assert path.read_text().endswith("\n")
